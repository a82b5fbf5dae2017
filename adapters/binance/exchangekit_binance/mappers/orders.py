"""Binance orders and trades -> unified :class:`~exchangekit.models.Order` and
:class:`~exchangekit.models.Fill` (spot and USDⓈ-M futures, algo orders included)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import msgspec

from exchangekit.mapping import accepts_json, mapping_error, wire_or_reraise
from exchangekit.models import (
    Fill,
    Order,
    Side,
)
from exchangekit_binance import schemas as s
from exchangekit_binance.mappers.common import (
    _ALGO_STATUS,
    _POSITION_SIDE,
    _SIDE,
    _SPOT_SHAPE,
    _STATUS,
    _TERMINAL_WIRE,
    _USDM_SHAPE,
    EXCHANGE,
    TRAILING,
    ZERO,
    SymbolMap,
    _fail,
    _loose,
    _opt,
    _set_unusual,
    _shape,
    _unmappable,
)

__all__ = [
    "spot_cancel_all",
    "spot_fills",
    "spot_order",
    "spot_placement",
    "spot_trade",
    "usdm_algo_order",
    "usdm_order",
    "usdm_trade",
]

# -- orders --------------------------------------------------------------------------------


def _spot_average(quote: Decimal, filled: Decimal) -> Decimal | None:
    # cummulativeQuoteQty < 0 means "not available" for some historical orders (BSD).
    if filled and quote > 0:
        return quote / filled
    return None


def spot_order(raw: s.SpotOrder, symbols: SymbolMap) -> Order:
    """A spot order (place RESULT/FULL, cancel, query, openOrders) -> :class:`Order`."""
    try:
        # Hot path (every order response): lookups inlined, no helper calls on the way.
        otype, tif, post_only = _SPOT_SHAPE[raw.type][raw.timeInForce]
        cancel = raw.origClientOrderId is not None
        wire_status = raw.status
        quantity = raw.origQty
        filled = raw.executedQty
        quote = raw.cummulativeQuoteQty
        order = Order(
            symbol=symbols.to_unified.get(raw.symbol) or symbols.unified(raw.symbol, raw=raw),
            order_id=str(raw.orderId),
            client_order_id=raw.origClientOrderId if cancel else raw.clientOrderId,
            side=_SIDE[raw.side],
            type=otype,
            status=_STATUS[wire_status],
            quantity=quantity,
            filled_quantity=filled,
            # Binance never reports executedQty above origQty, so no clamp is needed.
            remaining_quantity=ZERO if wire_status in _TERMINAL_WIRE else quantity - filled,
            price=raw.price or None,
            # cummulativeQuoteQty < 0 means "not available" for some historical orders (BSD).
            average_fill_price=quote / filled if filled and quote > ZERO else None,
            stop_price=raw.stopPrice or None,
            time_in_force=tif,
            # `time` on queries; on a placement the transaction time is the creation time.
            created_ms=raw.time if raw.time is not None else None if cancel else raw.transactTime,
            updated_ms=raw.updateTime if raw.updateTime is not None else raw.transactTime,
        )
        if post_only:
            _set_unusual(order, post_only=True)
        return order
    except AttributeError as exc:  # parsed JSON, not the struct: convert, map again
        return spot_order(wire_or_reraise(raw, s.SpotOrder, exc, exchange=EXCHANGE), symbols)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc


@accepts_json(s.SpotOrder, exchange=EXCHANGE)
def spot_fills(raw: s.SpotOrder, symbols: SymbolMap) -> list[Fill]:
    """The executions in a FULL placement response (maker flag not reported: ``None``)."""
    try:
        if not raw.fills:
            return []
        symbol = symbols.to_unified.get(raw.symbol) or symbols.unified(raw.symbol, raw=raw)
        side = _SIDE[raw.side]
        order_id = str(raw.orderId)
        client_order_id = raw.clientOrderId
        timestamp = raw.transactTime
        if timestamp is None:
            raise _fail("a response with fills must carry transactTime", "$.transactTime", raw)
        return [
            Fill(
                symbol=symbol,
                trade_id=str(f.tradeId),
                order_id=order_id,
                client_order_id=client_order_id,
                side=side,
                price=f.price,
                quantity=f.qty,
                fee=f.commission,
                fee_asset=f.commissionAsset,
                timestamp_ms=timestamp,
            )
            for f in raw.fills
        ]
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc


@accepts_json(s.SpotOrder, exchange=EXCHANGE)
def spot_placement(raw: s.SpotOrder, symbols: SymbolMap) -> tuple[Order, list[Fill]]:
    """A FULL placement response -> the order and its fills, in one pass.

    Same results as :func:`spot_order` plus :func:`spot_fills`; the fills reuse the order's
    already-mapped symbol, id and side. For callers who send ``newOrderRespType=FULL``
    themselves: ``place_order`` asks for ``RESULT`` and maps it with :func:`spot_order`.
    """
    order = spot_order(raw, symbols)
    fills = raw.fills
    if not fills:
        return order, []
    timestamp = raw.transactTime
    if timestamp is None:
        raise _fail("a response with fills must carry transactTime", "$.transactTime", raw)
    symbol, order_id, side, client_order_id = (
        order.symbol,
        order.order_id,
        order.side,
        raw.clientOrderId,
    )
    # A plain loop: a comprehension would turn these locals into closure cells (slower).
    out = []
    for f in fills:
        out.append(
            Fill(
                symbol=symbol,
                trade_id=str(f.tradeId),
                order_id=order_id,
                client_order_id=client_order_id,
                side=side,
                price=f.price,
                quantity=f.qty,
                fee=f.commission,
                fee_asset=f.commissionAsset,
                timestamp_ms=timestamp,
            )
        )
    return order, out


@accepts_json(list[s.SpotCancelAllItem], exchange=EXCHANGE)
def spot_cancel_all(items: Sequence[s.SpotCancelAllItem], symbols: SymbolMap) -> list[Order]:
    """``DELETE /api/v3/openOrders`` -> every cancelled order, order-list legs flattened."""
    try:
        out: list[Order] = []
        for index, item in enumerate(items):
            if item.orderReports is not None:
                out.extend(spot_order(report, symbols) for report in item.orderReports)
                continue
            fields = {k: v for k, v in msgspec.structs.asdict(item).items() if v is not None}
            fields.pop("orderReports", None)
            fields.pop("orders", None)
            try:
                order = msgspec.convert(fields, s.SpotOrder)
            except msgspec.ValidationError as exc:
                err = mapping_error(exc, item, exchange=EXCHANGE, what="SpotCancelAllItem")
                err.path = f"$[{index}]{err.path[1:]}"
                raise err from None
            out.append(spot_order(order, symbols))
        return out
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, items) from exc


def _cum_average(raw: s.UsdmOrder, filled: Decimal) -> Decimal | None:
    # Cancel responses carry no avgPrice, only cumQuote (price x quantity on USDⓈ-M).
    quote = raw.cumQuote
    return quote / filled if quote and quote > ZERO else None


def usdm_order(raw: s.UsdmOrder, symbols: SymbolMap) -> Order:
    """A futures order (place RESULT, cancel, query, openOrders) -> :class:`Order`."""
    try:
        otype, tif, post_only = _shape(_USDM_SHAPE, raw.type, raw.timeInForce, "$.type", raw)
        wire_status = raw.status
        quantity = raw.origQty
        filled = raw.executedQty
        order = Order(
            symbol=symbols.to_unified.get(raw.symbol) or symbols.unified(raw.symbol, raw=raw),
            order_id=str(raw.orderId),
            client_order_id=raw.clientOrderId,
            side=_SIDE[raw.side],
            type=otype,
            status=_STATUS[wire_status],
            quantity=quantity,
            filled_quantity=filled,
            remaining_quantity=ZERO if wire_status in _TERMINAL_WIRE else quantity - filled,
            price=raw.price or None,
            average_fill_price=(raw.avgPrice or _cum_average(raw, filled)) if filled else None,
            stop_price=None if raw.type == TRAILING else raw.stopPrice or None,
            time_in_force=tif,
            position_side=_POSITION_SIDE[raw.positionSide],
            updated_ms=raw.updateTime,
        )
        # Place and cancel responses carry only updateTime; queries add the creation `time`.
        if raw.time is not None or raw.reduceOnly or post_only:
            _set_unusual(
                order, created_ms=raw.time, reduce_only=raw.reduceOnly, post_only=post_only
            )
        return order
    except AttributeError as exc:  # parsed JSON, not the struct: convert, map again
        return usdm_order(wire_or_reraise(raw, s.UsdmOrder, exc, exchange=EXCHANGE), symbols)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc


@accepts_json(s.UsdmAlgoOrder, exchange=EXCHANGE)
def usdm_algo_order(raw: s.UsdmAlgoOrder, symbols: SymbolMap) -> Order:
    """A futures conditional (Algo Service) order -> :class:`Order`.

    ``order_id`` is the algo id; ``FINISHED`` maps to ``unknown`` because Binance does not
    say whether the triggered order filled or was cancelled (reconcile by client order id).
    """
    try:
        otype, tif, post_only = _shape(
            _USDM_SHAPE, raw.orderType, raw.timeInForce, "$.orderType", raw
        )
        # A close-position order has no quantity of its own ("" or "0"): it closes what is there.
        quantity = _loose(raw.quantity, "$.quantity", raw) or ZERO
        return Order(
            symbol=symbols.unified(raw.symbol, raw=raw),
            order_id=str(raw.algoId),
            client_order_id=raw.clientAlgoId,
            side=_SIDE[raw.side],
            type=otype,
            status=_ALGO_STATUS[raw.algoStatus],
            quantity=quantity,
            price=_opt(_loose(raw.price, "$.price", raw)),
            stop_price=None
            if raw.orderType == TRAILING
            else _opt(_loose(raw.triggerPrice, "$.triggerPrice", raw)),
            time_in_force=tif,
            reduce_only=raw.reduceOnly,
            post_only=post_only,
            position_side=_POSITION_SIDE[raw.positionSide],
            created_ms=raw.createTime,
            updated_ms=raw.updateTime,
        )
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc


def spot_trade(raw: s.SpotMyTrade, symbols: SymbolMap) -> Fill:
    """``myTrades`` row -> :class:`Fill` (Binance omits the client order id here)."""
    try:
        return Fill(
            symbol=symbols.unified(raw.symbol, raw=raw),
            trade_id=str(raw.id),
            order_id=str(raw.orderId),
            client_order_id=None,
            side=Side.BUY if raw.isBuyer else Side.SELL,
            price=raw.price,
            quantity=raw.qty,
            fee=raw.commission,
            fee_asset=raw.commissionAsset,
            is_maker=raw.isMaker,
            timestamp_ms=raw.time,
        )
    except AttributeError as exc:  # parsed JSON, not the struct: convert, map again
        return spot_trade(wire_or_reraise(raw, s.SpotMyTrade, exc, exchange=EXCHANGE), symbols)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc


def usdm_trade(raw: s.UsdmUserTrade, symbols: SymbolMap) -> Fill:
    """``userTrades`` row -> :class:`Fill` with realized PnL."""
    try:
        return Fill(
            symbol=symbols.unified(raw.symbol, raw=raw),
            trade_id=str(raw.id),
            order_id=str(raw.orderId),
            client_order_id=None,
            side=_SIDE[raw.side],
            price=raw.price,
            quantity=raw.qty,
            fee=raw.commission,
            fee_asset=raw.commissionAsset,
            is_maker=raw.maker,
            timestamp_ms=raw.time,
            realized_pnl=raw.realizedPnl,
        )
    except AttributeError as exc:  # parsed JSON, not the struct: convert, map again
        return usdm_trade(wire_or_reraise(raw, s.UsdmUserTrade, exc, exchange=EXCHANGE), symbols)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc
