"""Bybit orders and executions -> unified :class:`~exchangekit.models.Order` and
:class:`~exchangekit.models.Fill`."""

from __future__ import annotations

from decimal import Decimal

from msgspec.structs import force_setattr

from exchangekit.mapping import accepts_json
from exchangekit.models import (
    Fill,
    Order,
    PositionSide,
    TimeInForce,
)
from exchangekit_bybit import schemas as s
from exchangekit_bybit.mappers.common import (
    _LIMIT,
    _MARKET,
    _SIDE,
    _STATUS,
    _TERMINAL_WIRE,
    _TIF,
    EXCHANGE,
    ZERO,
    SymbolMap,
    _ms,
    _opt,
    _order_type,
    _price,
)

__all__ = ["order", "orders", "TRADE_EXEC_TYPES", "fill", "fills"]

# -- orders --------------------------------------------------------------------------------


_HEDGE_SLOT = {1: PositionSide.LONG, 2: PositionSide.SHORT}
"""``positionIdx`` of a hedge-mode order or position (0 is one-way: no slot)."""


def _qty_in_quote(raw: s.Order, symbols: SymbolMap) -> bool:
    # A spot market order's qty is in the quote coin unless marketUnit says baseCoin; with
    # no marketUnit a spot market buy is quote-sized (BYD create-order.mdx). Orders this
    # client sends carry marketUnit=baseCoin; these come from the web, the app or others.
    if raw.orderType != "Market" or symbols.settle(raw.symbol) is not None:
        return False
    if raw.marketUnit:
        return raw.marketUnit == "quoteCoin"
    return raw.side == "Buy"


@accepts_json(s.Order, exchange=EXCHANGE)
def order(raw: s.Order, symbols: SymbolMap, *, path: str = "$") -> Order:
    """A ``/v5/order/realtime`` or ``/v5/order/history`` row -> :class:`Order`.

    A spot market order sized in the quote coin (``marketUnit=quoteCoin``, or a market buy
    with no ``marketUnit``) reports ``qty`` in quote units: its ``quantity`` is then the
    base quantity filled (plus ``leavesQty`` while it works). ``positionIdx`` 1 and 2 (hedge
    mode) give ``position_side`` long and short.
    """
    mapped = _order_fast(raw, symbols)
    return mapped if mapped is not None else _order_checked(raw, symbols, path)


def _ms_fast(value: str | int) -> int:
    """Epoch ms from a digit string or a non-negative int; -1 when it is neither."""
    if value.__class__ is str:
        if value.isdigit() and value.isascii():
            return int(value)
        return -1
    if value.__class__ is int and value >= 0:
        return value
    return -1


def _order_fast(raw: s.Order, symbols: SymbolMap) -> Order | None:
    """The common order (known symbol, no trigger, base-sized), mapped with no per-field
    helpers; ``None`` sends the row to :func:`_order_checked`, which raises with the path
    of whatever is wrong (or handles the rarer shapes)."""
    symbol = symbols.to_unified.get(raw.symbol)
    if symbol is None:
        return None
    limit = raw.orderType == "Limit"
    if not limit and symbols.settle(raw.symbol) is None:
        return None  # a spot market order may be sized in the quote coin
    try:
        v = raw.triggerPrice
        if v and Decimal(v):
            return None  # conditional: stop or take-profit is worked out there
        status = _STATUS[raw.orderStatus]
        filled = raw.cumExecQty
        quantity = raw.qty
        v = raw.leavesQty
        leaves = Decimal(v) if v else None
        v = raw.avgPrice
        average = (Decimal(v) or None) if v else None
        if limit:
            otype = _LIMIT
            tif: TimeInForce | None
            tif, post_only = _TIF[raw.timeInForce]
            v = raw.price
            price = (Decimal(v) or None) if v else None
        else:
            otype = _MARKET
            tif, post_only, price = None, False, None
    except (ArithmeticError, ValueError, TypeError):
        return None
    if (
        (leaves is not None and not leaves.is_finite())
        or (average is not None and not average.is_finite())
        or (price is not None and not price.is_finite())
    ):
        return None
    t = raw.createdTime
    if t.__class__ is str and t.isdigit() and t.isascii():
        created = int(t)
    else:
        created = _ms_fast(t)
        if created < 0:
            return None
    t = raw.updatedTime
    if t.__class__ is str and t.isdigit() and t.isascii():
        updated = int(t)
    else:
        updated = _ms_fast(t)
        if updated < 0:
            return None
    if raw.orderStatus in _TERMINAL_WIRE:
        remaining = ZERO
    elif leaves is not None:
        remaining = leaves
    else:
        remaining = quantity - filled
        if remaining < ZERO:
            remaining = ZERO
    order = Order(
        symbol=symbol,
        order_id=raw.orderId,
        client_order_id=raw.orderLinkId or None,
        side=_SIDE[raw.side],
        type=otype,
        status=status,
        quantity=quantity,
        filled_quantity=filled,
        remaining_quantity=remaining,
        price=price,
        average_fill_price=average if filled else None,
        time_in_force=tif,
        created_ms=created,
        updated_ms=updated,
    )
    # msgspec's Struct __init__ leaves its fast path above 15 keyword arguments: the fields
    # that are usually at their default are set only when they are not.
    if raw.reduceOnly:
        force_setattr(order, "reduce_only", True)
    if post_only:
        force_setattr(order, "post_only", True)
    if raw.positionIdx:
        hedge = _HEDGE_SLOT.get(raw.positionIdx)
        if hedge is not None:
            force_setattr(order, "position_side", hedge)
    return order


def _order_checked(raw: s.Order, symbols: SymbolMap, path: str) -> Order:
    status = _STATUS[raw.orderStatus]
    filled = raw.cumExecQty
    leaves = _opt(raw.leavesQty, f"{path}.leavesQty", raw)
    quantity = raw.qty
    if _qty_in_quote(raw, symbols):
        # ``qty`` is a quote amount; the base quantity is what filled plus what is left.
        quantity = filled if status.is_terminal else filled + (leaves or ZERO)
    trigger = _price(raw.triggerPrice, f"{path}.triggerPrice", raw)
    otype = _order_type(raw, trigger, path)
    tif: TimeInForce | None
    tif, post_only = _TIF[raw.timeInForce]
    if not otype.has_limit_price:
        tif, post_only = None, False
    if status.is_terminal:
        remaining = ZERO
    elif leaves is not None:
        remaining = leaves
    else:
        remaining = max(quantity - filled, ZERO)
    average = _price(raw.avgPrice, f"{path}.avgPrice", raw)
    return Order(
        symbol=symbols.unified(raw.symbol, path=f"{path}.symbol", raw=raw),
        order_id=raw.orderId,
        client_order_id=raw.orderLinkId or None,
        side=_SIDE[raw.side],
        type=otype,
        status=status,
        quantity=quantity,
        filled_quantity=filled,
        remaining_quantity=remaining,
        price=_price(raw.price, f"{path}.price", raw) if otype.has_limit_price else None,
        average_fill_price=average if filled else None,
        stop_price=trigger,
        time_in_force=tif,
        reduce_only=raw.reduceOnly,
        post_only=post_only,
        position_side=_HEDGE_SLOT.get(raw.positionIdx),
        created_ms=_ms(raw.createdTime, f"{path}.createdTime", raw),
        updated_ms=_ms(raw.updatedTime, f"{path}.updatedTime", raw),
    )


@accepts_json(s.OrderList, exchange=EXCHANGE)
def orders(result: s.OrderList, symbols: SymbolMap) -> list[Order]:
    """Every row of an order list, in Bybit's order (newest first)."""
    out = []
    for index, row in enumerate(result.list):
        mapped = _order_fast(row, symbols)
        if mapped is None:
            mapped = _order_checked(row, symbols, f"$.result.list[{index}]")
        out.append(mapped)
    return out


TRADE_EXEC_TYPES = frozenset({"Trade", "BustTrade", "AdlTrade", "BlockTrade", "MovePosition"})
"""Execution types that are fills; ``Funding``, ``Settle``, ``Delivery`` move money but are
not executions of an order."""


def _fill(raw: s.Execution, symbols: SymbolMap, *, path: str = "$") -> Fill:
    """A ``/v5/execution/list`` row -> :class:`Fill`.

    The fee asset is ``feeCurrency`` when Bybit fills it in (spot), else the symbol's settle
    coin (linear, where the example leaves it empty).
    """
    fee_asset = raw.feeCurrency or symbols.settle(raw.symbol)
    return Fill(
        symbol=symbols.unified(raw.symbol, path=f"{path}.symbol", raw=raw),
        trade_id=raw.execId,
        order_id=raw.orderId,
        client_order_id=raw.orderLinkId or None,
        side=_SIDE[raw.side],
        price=raw.execPrice,
        quantity=raw.execQty,
        fee=_opt(raw.execFee, f"{path}.execFee", raw) or ZERO,
        fee_asset=fee_asset or None,
        is_maker=raw.isMaker,
        timestamp_ms=_ms(raw.execTime, f"{path}.execTime", raw),
    )


fill = accepts_json(s.Execution, exchange=EXCHANGE)(_fill)


@accepts_json(s.ExecutionList, exchange=EXCHANGE)
def fills(result: s.ExecutionList, symbols: SymbolMap) -> list[Fill]:
    """The trade executions of a list (funding and settlement rows are skipped)."""
    return [
        _fill(row, symbols, path=f"$.result.list[{index}]")
        for index, row in enumerate(result.list)
        if row.execType in TRADE_EXEC_TYPES
    ]
