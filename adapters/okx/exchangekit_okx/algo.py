"""Pure mappers of OKX algo orders: unified stop / take-profit orders <-> ``conditional``.

OKX keeps conditional orders on its algo service until they trigger
(OKD #order-book-trading-algo-trading-post-place-algo-order): ``ordType`` ``conditional``
with ``slTriggerPx`` / ``slOrdPx`` (stop-loss) or ``tpTriggerPx`` / ``tpOrdPx``
(take-profit), an order price of ``"-1"`` meaning market. A stop-loss sells on a fall and
buys on a rise; a take-profit the other way round, which is exactly the unified
``stop_*`` / ``take_profit_*`` semantics. The algo's id is the unified ``order_id`` and
``algoClOrdId`` (same rules as ``clOrdId``) its client id.

States: ``live`` / ``pause`` are working (``open``); ``effective`` means triggered: the
order it placed (``ordId``) carries the outcome from then on; ``canceled`` is cancelled;
``order_failed`` (the triggered order was refused) is rejected. A stop that closes the
whole position (``closeFraction`` "1", ``sz`` ``""``) has quantity 0: its size is the
position's at trigger time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchangekit.errors import MappingError, NotSupported
from exchangekit.models import (
    MarketKind,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
)
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s

__all__ = ["MARKET_PRICE", "algo_order", "algo_params", "algo_status", "is_algo"]

MARKET_PRICE = "-1"
"""``slOrdPx`` / ``tpOrdPx`` of a market order once triggered."""

_STATUS: dict[str, OrderStatus] = {
    "live": OrderStatus.OPEN,
    "pause": OrderStatus.OPEN,
    "partially_effective": OrderStatus.OPEN,
    "effective": OrderStatus.OPEN,  # triggered: the placed order (ordId) tells the rest
    "partially_failed": OrderStatus.OPEN,  # some legs placed: their orders tell the rest
    "canceled": OrderStatus.CANCELLED,
    "order_failed": OrderStatus.REJECTED,
}
_STOPS = (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)


def is_algo(request: OrderRequest) -> bool:
    """Whether ``request`` goes to the algo endpoint (stops and take-profits)."""
    return request.type.is_conditional


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def algo_params(
    request: OrderRequest,
    symbols: m.SymbolMap,
    *,
    td_mode: m.TdMode | None = None,
    hedge_mode: bool = False,
) -> dict[str, str | bool]:
    """The JSON body of ``POST trade/order-algo`` for a stop or take-profit order.

    Side, mode, size (whole lots of contracts on swaps), position side and reduce-only
    follow :func:`exchangekit_okx.mappers.order_params`; the trigger and order price go to
    ``sl*`` for stops and ``tp*`` for take-profits.
    """
    if not request.type.is_conditional or request.stop_price is None:
        raise NotSupported("only stop and take-profit orders are algo orders", exchange="okx")
    plain_order = OrderRequest(
        symbol=request.symbol,
        side=request.side,
        type=OrderType.MARKET,
        quantity=request.quantity,
        reduce_only=request.reduce_only,
        position_side=request.position_side,
        client_order_id=request.client_order_id,
    )
    base = m.order_params(plain_order, symbols, td_mode=td_mode, hedge_mode=hedge_mode)
    params: dict[str, str | bool] = {
        "instId": base["instId"],
        "tdMode": base["tdMode"],
        "side": base["side"],
        "ordType": "conditional",
        "sz": base["sz"],
    }
    for optional in ("posSide", "reduceOnly", "tgtCcy"):
        if optional in base:
            params[optional] = base[optional]
    leg = "sl" if request.type in _STOPS else "tp"
    params[f"{leg}TriggerPx"] = _plain(request.stop_price)
    params[f"{leg}OrdPx"] = _plain(request.price) if request.price is not None else MARKET_PRICE
    params[f"{leg}TriggerPxType"] = "last"
    params["algoClOrdId"] = base["clOrdId"]
    return params


def algo_status(state: str) -> OrderStatus:
    return _STATUS.get(state, OrderStatus.OPEN)


def _fail(message: str, path: str, raw: Any) -> MappingError:
    return MappingError(message, path=path, raw=raw, exchange="okx")


def _dec(text: str, path: str, raw: Any) -> Decimal | None:
    if text in ("", None):
        return None
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise _fail(f"expected a decimal string, got {text!r}", path, raw) from None
    if not value.is_finite():
        raise _fail(f"expected a finite decimal, got {text!r}", path, raw)
    return value


def algo_order(row: s.AlgoOrder, symbols: m.SymbolMap, path: str = "$.data[0]") -> Order:
    """An algo row as the unified conditional order (sizes in base units)."""
    inst = symbols.by_id(row.instId, path=f"{path}.instId", raw=row)
    stop = row.slTriggerPx not in ("", "0")
    trigger_text, price_text = (
        (row.slTriggerPx, row.slOrdPx) if stop else (row.tpTriggerPx, row.tpOrdPx)
    )
    trigger = _dec(trigger_text, f"{path}.{'sl' if stop else 'tp'}TriggerPx", row)
    if trigger is None:
        raise _fail("a conditional order without a trigger price", f"{path}.slTriggerPx", row)
    market = price_text in ("", MARKET_PRICE)
    if stop:
        otype = OrderType.STOP_MARKET if market else OrderType.STOP_LIMIT
    else:
        otype = OrderType.TAKE_PROFIT_MARKET if market else OrderType.TAKE_PROFIT_LIMIT
    spot = inst.kind is MarketKind.SPOT
    size = _dec(row.sz, f"{path}.sz", row)
    if size is None:
        if row.closeFraction in ("", "0"):
            raise _fail("an algo order without a size", f"{path}.sz", row)
        # Closes the whole position when triggered: its size is only known then.
        size = Decimal(0)
    quantity = size if spot else inst.to_base(size)
    created = int(row.cTime) if row.cTime.isdigit() else None
    updated = int(row.uTime) if row.uTime.isdigit() else created
    return Order(
        symbol=inst.symbol,
        order_id=row.algoId,
        client_order_id=m.decode_client_order_id(row.algoClOrdId),
        side=Side.BUY if row.side == "buy" else Side.SELL,
        type=otype,
        status=algo_status(row.state),
        quantity=quantity,
        price=None if market else _dec(price_text, f"{path}.ordPx", row),
        stop_price=trigger,
        reduce_only=row.reduceOnly == "true" or row.closeFraction == "1",
        position_side=(
            None
            if spot
            else {"long": PositionSide.LONG, "short": PositionSide.SHORT}.get(
                row.posSide, PositionSide.BOTH
            )
        ),
        created_ms=created,
        updated_ms=updated,
    )
