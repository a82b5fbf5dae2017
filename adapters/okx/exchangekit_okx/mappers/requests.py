"""Unified requests -> OKX V5 request bodies and query parameters."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from exchangekit.errors import InvalidOrder, NotSupported
from exchangekit.models import (
    Instrument,
    MarketKind,
    OrderRequest,
    OrderType,
    PositionSide,
    TimeInForce,
)
from exchangekit_okx.mappers.client_ids import (
    encode_client_order_id,
)
from exchangekit_okx.mappers.common import (
    EXCHANGE,
    INTERVALS,
    SymbolMap,
    TdMode,
)
from exchangekit_okx.mappers.trading import (
    _SIDE_OUT,
)

__all__ = ["order_params", "cancel_params", "candle_params", "leverage_params"]

# -- requests ------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """A decimal as OKX accepts it: plain notation, no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


def _refuse(request: OrderRequest, reason: str) -> NotSupported:
    return NotSupported(
        f"OKX cannot express this order: {reason}",
        exchange=EXCHANGE,
        client_order_id=request.client_order_id,
    )


def _ord_type(request: OrderRequest) -> str:
    if request.type.is_conditional:
        raise _refuse(request, "stop and take-profit orders need the algo endpoint")
    tif = request.time_in_force
    if request.type is OrderType.MARKET:
        if tif is TimeInForce.FOK:
            raise _refuse(request, "market orders cannot be fill-or-kill")
        return "market"
    if request.post_only:
        return "post_only"
    if tif is TimeInForce.GTD:
        raise _refuse(request, "OKX has no good-till-date orders")
    return {TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok"}.get(tif or TimeInForce.GTC, "limit")


def _size(request: OrderRequest, inst: Instrument) -> Decimal:
    """The order's ``sz``: base units on spot, whole lots of contracts on swaps."""
    if inst.kind is MarketKind.SPOT:
        return request.quantity
    contracts = inst.to_contracts(request.quantity)
    lot = inst.step_size / inst.contract_size
    if lot > 0 and contracts % lot != 0:
        raise InvalidOrder(
            f"{inst.symbol}: quantity {request.quantity} is {contracts} contracts of "
            f"{inst.contract_size}, not a multiple of the lot size {lot}",
            exchange=EXCHANGE,
            client_order_id=request.client_order_id,
        )
    return contracts


def order_params(
    request: OrderRequest,
    symbols: SymbolMap,
    *,
    td_mode: TdMode | None = None,
    hedge_mode: bool = False,
) -> dict[str, str | bool]:
    """An :class:`OrderRequest` as the JSON body of ``POST /api/v5/trade/order``.

    ``tdMode`` is ``cash`` on spot and ``td_mode`` (default ``cross``) on swaps. Spot
    market orders send ``tgtCcy=base_ccy``: OKX would otherwise read a market buy's ``sz``
    in quote currency. ``posSide`` is sent only in long/short (hedge) mode; ``reduceOnly``
    only in net mode on swaps. Anything OKX cannot express raises ``NotSupported``; a size
    that is not a whole number of lots raises ``InvalidOrder``.
    """
    inst = symbols.instrument(request.symbol)
    spot = inst.kind is MarketKind.SPOT
    params: dict[str, str | bool] = {"instId": inst.exchange_symbol}
    if spot:
        if td_mode not in (None, "cash"):
            raise _refuse(request, f"spot orders trade in cash mode, not {td_mode}")
        if request.reduce_only:
            raise _refuse(request, "spot has no reduce-only orders")
        if request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "spot has no position sides")
        params["tdMode"] = "cash"
    else:
        params["tdMode"] = td_mode or "cross"
    params["side"] = _SIDE_OUT[request.side]
    if not spot:
        if hedge_mode:
            if request.position_side not in (PositionSide.LONG, PositionSide.SHORT):
                raise _refuse(request, "long/short mode needs position_side long or short")
            if request.reduce_only:
                # OKX: closing orders in long/short mode are reduce-only by definition.
                raise _refuse(request, "reduce_only is implied by side and posSide here")
            params["posSide"] = request.position_side.value
        elif request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "long/short position sides need hedge mode")
    params["ordType"] = _ord_type(request)
    params["sz"] = _plain(_size(request, inst))
    if spot and request.type is OrderType.MARKET:
        params["tgtCcy"] = "base_ccy"
    if request.price is not None:
        params["px"] = _plain(request.price)
    params["clOrdId"] = encode_client_order_id(request.client_order_id or "")
    if request.reduce_only:
        params["reduceOnly"] = True
    return params


def cancel_params(
    symbol: str,
    symbols: SymbolMap,
    *,
    order_id: str | None = None,
    client_order_id: str | None = None,
) -> dict[str, str]:
    """Body of ``cancel-order`` or query of ``GET trade/order`` (``ordId`` wins if both)."""
    params = {"instId": symbols.exchange(symbol)}
    if order_id is not None:
        params["ordId"] = order_id
    if client_order_id is not None:
        params["clOrdId"] = encode_client_order_id(client_order_id)
    if len(params) == 1:
        raise NotSupported("give order_id or client_order_id", exchange=EXCHANGE)
    return params


def candle_params(
    symbol: str,
    interval: str,
    symbols: SymbolMap,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    limit: int | None = None,
) -> dict[str, str]:
    """Query of ``market/candles`` / ``history-candles``.

    OKX pages backwards: ``after`` returns rows older than a ts and ``before`` rows newer
    than a ts, both exclusive [? read as exclusive]; so the bounds are widened by 1 ms to
    keep ``start_ms`` and ``end_ms`` inclusive. ``limit`` is at most 300 (candles) / 100
    (history-candles).
    """
    bar = INTERVALS.get(interval)
    if bar is None:
        raise NotSupported(
            f"interval {interval!r} is not one of {tuple(INTERVALS)}", exchange=EXCHANGE
        )
    params = {"instId": symbols.exchange(symbol), "bar": bar}
    if end_ms is not None:
        params["after"] = str(end_ms + 1)
    if start_ms is not None:
        params["before"] = str(start_ms - 1)
    if limit is not None:
        params["limit"] = str(limit)
    return params


def leverage_params(
    symbol: str,
    leverage: Decimal | int,
    symbols: SymbolMap,
    *,
    mgn_mode: Literal["cross", "isolated"] = "cross",
    pos_side: Literal["long", "short"] | None = None,
) -> dict[str, str]:
    """Body of ``POST account/set-leverage`` for one swap (posSide only for isolated
    long/short mode)."""
    inst = symbols.instrument(symbol)
    if inst.kind is MarketKind.SPOT:
        raise NotSupported("leverage applies to swaps here, not spot", exchange=EXCHANGE)
    params = {
        "instId": inst.exchange_symbol,
        "lever": _plain(Decimal(leverage)),
        "mgnMode": mgn_mode,
    }
    if pos_side is not None:
        params["posSide"] = pos_side
    return params
