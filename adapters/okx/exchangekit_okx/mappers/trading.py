"""OKX orders and fills -> unified :class:`~exchangekit.models.Order` and
:class:`~exchangekit.models.Fill`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from exchangekit.mapping import accepts_json
from exchangekit.models import (
    Fill,
    Instrument,
    MarketKind,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit_okx import schemas as s
from exchangekit_okx.mappers.client_ids import (
    _REVERSIBLE,
    decode_client_order_id,
    encode_client_order_id,
)
from exchangekit_okx.mappers.common import (
    _LIMIT,
    _SPOT,
    EXCHANGE,
    ZERO,
    SymbolMap,
    _base,
    _fail,
    _ms,
    _opt_ms,
    _opt_price,
)

__all__ = ["orders", "order", "order_from_ack", "fills", "fills_with_bill_ids"]

# -- orders --------------------------------------------------------------------------------

_STATUS: dict[str, OrderStatus] = {
    "live": OrderStatus.OPEN,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELLED,
    "mmp_canceled": OrderStatus.CANCELLED,  # cancelled by market-maker protection
}
_TERMINAL_WIRE = frozenset(wire for wire, status in _STATUS.items() if status.is_terminal)
_SIDE = {"buy": Side.BUY, "sell": Side.SELL}
_SIDE_OUT = {Side.BUY: "buy", Side.SELL: "sell"}
# ordType -> (type, time in force, post_only)
_ORD_TYPE: dict[str, tuple[OrderType, TimeInForce | None, bool]] = {
    "market": (OrderType.MARKET, None, False),
    "optimal_limit_ioc": (OrderType.MARKET, None, False),  # market order, swaps only
    "limit": (OrderType.LIMIT, TimeInForce.GTC, False),
    "post_only": (OrderType.LIMIT, TimeInForce.GTC, True),
    "ioc": (OrderType.LIMIT, TimeInForce.IOC, False),
    "fok": (OrderType.LIMIT, TimeInForce.FOK, False),
    "op_fok": (OrderType.LIMIT, TimeInForce.FOK, False),  # options
    "mmp": (OrderType.LIMIT, TimeInForce.GTC, False),
    "mmp_and_post_only": (OrderType.LIMIT, TimeInForce.GTC, True),
    "elp": (OrderType.LIMIT, TimeInForce.GTC, False),  # enhanced liquidity program
}
_POS_SIDE = {"long": PositionSide.LONG, "short": PositionSide.SHORT, "net": PositionSide.BOTH}


def _quote_sized(
    row: s.Order, inst: Instrument, price: Decimal | None, average: Decimal | None
) -> Decimal:
    """Base quantity of a spot order whose ``sz`` is quote currency (``tgtCcy=quote_ccy``).

    OKX documents ``tgtCcy`` for spot market orders, defaulting to ``quote_ccy`` for market
    buys (OKD #order-book-trading-trade-post-place-order): ``sz`` is then an amount of quote
    currency, while ``accFillSz`` stays in base. Orders this adapter places always send
    ``base_ccy``; orders placed elsewhere (web, app) show up in queries and the orders
    channel with a quote ``sz``. A terminal order's quantity is what filled; a working
    one's is estimated as ``sz / (px or avgPx)`` rounded down to the lot, never below what
    has filled (with no price known yet, what has filled).
    """
    filled = row.accFillSz
    if _STATUS[row.state].is_terminal:
        return filled
    reference = price or average
    if not reference:
        return filled
    estimate = row.sz / reference
    step = inst.step_size
    if step > 0:
        estimate = (estimate // step) * step
    return max(estimate, filled)


def _order_fast(row: s.Order, symbols: SymbolMap) -> Order | None:
    """The common order row (known linear swap or base-sized spot, plain values), mapped
    with no per-field helpers; ``None`` sends it to :func:`_order`, which raises with the
    path of whatever is wrong (or handles the rarer shapes)."""
    inst = symbols.instrument_of.get(row.instId)
    if inst is None or inst.inverse:
        return None
    spot = inst.kind is _SPOT
    if spot and row.tgtCcy == "quote_ccy":
        return None
    otype, tif, post_only = _ORD_TYPE[row.ordType]
    try:
        if otype is _LIMIT:
            v = row.px
            price = (Decimal(v) or None) if v else None
            if price is not None and not price.is_finite():
                return None
        else:
            price = None
        v = row.avgPx
        average = (Decimal(v) or None) if v else None
        if average is not None and not average.is_finite():
            return None
    except (ArithmeticError, ValueError, TypeError):
        return None
    v = row.cTime
    if v.isdigit() and v.isascii():
        created: int | None = int(v)
    elif v:
        return None
    else:
        created = None
    v = row.uTime
    if v.isdigit() and v.isascii():
        updated: int | None = int(v)
    elif v:
        return None
    else:
        updated = None
    status = _STATUS[row.state]
    if spot:
        quantity = row.sz
        filled = row.accFillSz
        position_side = None  # OKX writes posSide "net" on spot rows too
    else:
        # Contracts -> base: the one piece of arithmetic a bare decode does not do.
        size = inst.contract_size
        quantity = row.sz * size
        filled = row.accFillSz * size
        position_side = _POS_SIDE.get(row.posSide)
    if row.state in _TERMINAL_WIRE:
        remaining = ZERO
    else:
        remaining = quantity - filled
        if remaining < ZERO:
            remaining = ZERO
    v = row.clOrdId
    order = Order(
        symbol=inst.symbol,
        order_id=row.ordId,
        client_order_id=(
            None if not v else decode_client_order_id(v) if v.startswith(_REVERSIBLE) else v
        ),
        side=_SIDE[row.side],
        type=otype,
        status=status,
        quantity=quantity,
        filled_quantity=filled,
        remaining_quantity=remaining,
        price=price,
        average_fill_price=average,
        time_in_force=tif,
        position_side=position_side,
        created_ms=created,
        updated_ms=updated,
    )
    if post_only:
        msgspec.structs.force_setattr(order, "post_only", True)
    if row.reduceOnly == "true":
        msgspec.structs.force_setattr(order, "reduce_only", True)
    return order


def _order(row: s.Order, symbols: SymbolMap, p: str, raw: Any) -> Order:
    inst = symbols.by_id(row.instId, path=f"{p}.instId", raw=raw)
    otype, tif, post_only = _ORD_TYPE[row.ordType]
    spot = inst.kind is MarketKind.SPOT
    price = _opt_price(row.px, f"{p}.px", raw) if otype.has_limit_price else None
    average = _opt_price(row.avgPx, f"{p}.avgPx", raw)
    if not spot:
        quantity = inst.to_base(row.sz)
    elif row.tgtCcy == "quote_ccy":
        quantity = _quote_sized(row, inst, price, average)
    else:
        quantity = row.sz
    order = Order(
        symbol=inst.symbol,
        order_id=row.ordId,
        client_order_id=decode_client_order_id(row.clOrdId),
        side=_SIDE[row.side],
        type=otype,
        # remaining_quantity is left to Order: quantity - filled, 0 once terminal.
        status=_STATUS[row.state],
        quantity=quantity,
        filled_quantity=row.accFillSz if spot else inst.to_base(row.accFillSz),
        price=price,
        average_fill_price=average,
        time_in_force=tif,
        # OKX writes posSide "net" on spot rows too; spot has no position sides.
        position_side=None if spot else _POS_SIDE.get(row.posSide),
        created_ms=_opt_ms(row.cTime, f"{p}.cTime", raw),
        updated_ms=_opt_ms(row.uTime, f"{p}.uTime", raw),
    )
    # msgspec's struct __init__ leaves its fast path above 15 keyword arguments, so the
    # rarely-set flags are added only when set.
    if post_only:
        msgspec.structs.force_setattr(order, "post_only", True)
    if row.reduceOnly == "true":
        msgspec.structs.force_setattr(order, "reduce_only", True)
    return order


@accepts_json(s.Envelope[s.Order], exchange=EXCHANGE)
def orders(
    envelope: s.Envelope[s.Order], symbols: SymbolMap, *, skip_unknown: bool = False
) -> list[Order]:
    """``trade/order`` (one row) or ``orders-pending`` -> orders, sizes in base units.

    A row whose ``instId`` is not in ``symbols`` is a :class:`MappingError`, unless
    ``skip_unknown``: listings by ``instType`` also return instruments this adapter does not
    trade (a SWAP listing holds inverse swaps too), and those rows are then left out.
    """
    out = []
    for index, row in enumerate(envelope.data):
        mapped = _order_fast(row, symbols)
        if mapped is None:
            if skip_unknown and not symbols.knows_id(row.instId):
                continue
            mapped = _order(row, symbols, f"$.data[{index}]", envelope)
        out.append(mapped)
    return out


@accepts_json(s.Envelope[s.Order], exchange=EXCHANGE)
def order(envelope: s.Envelope[s.Order], symbols: SymbolMap) -> Order:
    """``GET trade/order`` -> the one order it returns."""
    if not envelope.data:
        raise _fail("no order in data", "$.data", envelope)
    row = envelope.data[0]
    mapped = _order_fast(row, symbols)
    return mapped if mapped is not None else _order(row, symbols, "$.data[0]", envelope)


def order_from_ack(
    request: OrderRequest, ack: s.OrderAck, *, received_ms: int | None = None
) -> Order:
    """The order as known right after an accepted placement (``sCode`` "0").

    OKX acknowledges with ids only, so everything else comes from the request: status
    ``open``, nothing filled. Query it (or follow the orders channel) for fills. Check the
    ack with :func:`exchangekit_okx.errors.item_error` first.
    """
    if ack.sCode != "0":
        raise _fail(f"not an accepted placement (sCode {ack.sCode})", "$.sCode", ack)
    ts = _opt_ms(ack.ts, "$.ts", ack)
    return Order(
        symbol=request.symbol,
        order_id=ack.ordId,
        client_order_id=decode_client_order_id(
            ack.clOrdId or encode_client_order_id(request.client_order_id or "")
        ),
        side=request.side,
        type=request.type,
        status=OrderStatus.OPEN,
        quantity=request.quantity,
        price=request.price,
        time_in_force=request.time_in_force,
        reduce_only=request.reduce_only,
        post_only=request.post_only,
        position_side=request.position_side,
        created_ms=ts,
        updated_ms=ts,
        received_ms=received_ms,
    )


@accepts_json(s.Envelope[s.Fill], exchange=EXCHANGE)
def fills(envelope: s.Envelope[s.Fill], symbols: SymbolMap) -> list[Fill]:
    """``trade/fills`` -> fills in base units; fee sign flipped to a cost (module doc)."""
    out = []
    for index, row in enumerate(envelope.data):
        p = f"$.data[{index}]"
        inst = symbols.by_id(row.instId, path=f"{p}.instId", raw=envelope)
        out.append(
            Fill(
                symbol=inst.symbol,
                trade_id=row.tradeId,
                order_id=row.ordId,
                client_order_id=decode_client_order_id(row.clOrdId),
                side=_SIDE[row.side],
                price=row.fillPx,
                quantity=_base(inst, row.fillSz),
                fee=-row.fee,
                fee_asset=row.feeCcy or None,
                is_maker={"M": True, "T": False}.get(row.execType),
                timestamp_ms=_ms(row.fillTime or row.ts, f"{p}.fillTime", envelope),
            )
        )
    return out


@accepts_json(s.Envelope[s.Fill], exchange=EXCHANGE)
def fills_with_bill_ids(envelope: s.Envelope[s.Fill], symbols: SymbolMap) -> list[tuple[str, Fill]]:
    """:func:`fills`, each with its ``billId``: the cursor OKX pages fill lists by."""
    for index, row in enumerate(envelope.data):
        if not row.billId:
            raise _fail("a fill row without billId", f"$.data[{index}].billId", envelope)
    return list(zip([row.billId for row in envelope.data], fills(envelope, symbols), strict=True))
