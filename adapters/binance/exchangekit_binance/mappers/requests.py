"""Unified requests -> Binance request parameters (orders, algo orders, cancels, klines)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from decimal import Decimal

from exchangekit.errors import NotSupported
from exchangekit.models import (
    OrderRequest,
    OrderType,
    PositionSide,
    TimeInForce,
)
from exchangekit_binance.mappers.common import (
    _POSITION_SIDE_OUT,
    _SIDE_OUT,
    EXCHANGE,
    SPOT_INTERVALS,
    USDM_INTERVALS,
    ZERO,
    Market,
    SymbolMap,
)

__all__ = [
    "algo_order_params",
    "cancel_params",
    "encode_client_order_id",
    "kline_params",
    "order_params",
    "position_mode_problem",
    "uses_algo_endpoint",
]

# -- requests ------------------------------------------------------------------------------

_VALID_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")


def encode_client_order_id(client_order_id: str) -> str:
    """The Binance-side id for a unified client order id, deterministically.

    Ids already in ``[A-Za-z0-9_-]{1,36}`` (valid on spot and futures, and every id
    :func:`exchangekit.new_client_order_id` makes) pass unchanged. Any other id becomes
    ``ek-`` + the first 32 hex digits of its SHA-256, so the same request always carries the
    same exchange id, and orders read back from Binance carry this encoded form.
    """
    if _VALID_CLIENT_ID.match(client_order_id):
        return client_order_id
    return "ek-" + hashlib.sha256(client_order_id.encode()).hexdigest()[:32]


def _plain(value: Decimal) -> str:
    """A decimal as Binance accepts it: plain notation, never an exponent."""
    return format(value, "f")


_SPOT_OUT_TYPE = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP_MARKET: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
}
_USDM_OUT_TYPE = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP_MARKET: "STOP_MARKET",
    OrderType.STOP_LIMIT: "STOP",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT_MARKET",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT",
}


def uses_algo_endpoint(request: OrderRequest, market: Market) -> bool:
    """True when the order must go to ``POST /fapi/v1/algoOrder`` (futures conditionals)."""
    return market == "usdm" and request.type.is_conditional


def _refuse(request: OrderRequest, reason: str) -> NotSupported:
    return NotSupported(
        f"Binance cannot express this order: {reason}",
        exchange=EXCHANGE,
        client_order_id=request.client_order_id,
    )


def position_mode_problem(request: OrderRequest, *, hedge_mode: bool) -> str | None:
    """Why a futures order cannot go out in the account's position mode (``None``: it can).

    Binance refuses a LONG/SHORT side in one-way mode and a missing/BOTH side in hedge mode
    (-4061), and ``reduceOnly`` in hedge mode (-1106): BFD New-Order and error-code pages.
    """
    sided = request.position_side in (PositionSide.LONG, PositionSide.SHORT)
    if hedge_mode:
        if not sided:
            return (
                "the account is in hedge mode: position_side must be long or short "
                "(the position the order opens or closes)"
            )
        if request.reduce_only:
            return (
                "the account is in hedge mode, where Binance refuses reduce_only: "
                "close with the opposite side on the same position_side"
            )
        return None
    if sided:
        return (
            f"the account is in one-way mode: position_side {request.position_side} needs "
            "hedge mode (leave position_side unset or both)"
        )
    return None


def _common_params(
    request: OrderRequest, symbols: SymbolMap, market: Market, hedge_mode: bool
) -> Iterator[tuple[str, str]]:
    yield "symbol", symbols.exchange(request.symbol)
    yield "side", _SIDE_OUT[request.side]
    if market == "spot":
        if request.reduce_only:
            raise _refuse(request, "spot has no reduce-only orders")
        if request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "spot has no position sides")
        return
    if hedge_mode:
        if request.position_side not in (PositionSide.LONG, PositionSide.SHORT):
            raise _refuse(request, "hedge mode needs position_side long or short")
        if request.reduce_only:
            # Binance rejects reduceOnly in hedge mode; closing is expressed by side + slot.
            raise _refuse(request, "reduce_only is not allowed in hedge mode")
        yield "positionSide", _POSITION_SIDE_OUT[request.position_side]
        return
    if request.position_side not in (None, PositionSide.BOTH):
        raise _refuse(request, "long/short position sides need hedge mode")
    if request.reduce_only:
        yield "reduceOnly", "true"


def _time_in_force(request: OrderRequest, market: Market) -> str | None:
    tif = request.time_in_force
    if not request.type.has_limit_price:
        # Binance market orders take no timeInForce and behave as IOC; FOK has no equivalent.
        if tif is TimeInForce.FOK:
            raise _refuse(request, f"{request.type.value} orders cannot be fill-or-kill")
        return None
    if request.post_only:
        if market == "spot":
            return None  # LIMIT_MAKER carries no timeInForce
        if tif not in (None, TimeInForce.GTC):
            raise _refuse(request, f"post_only cannot be combined with {tif.value}")
        return "GTX"
    if tif is TimeInForce.GTD:
        raise _refuse(request, "gtd needs an expiry time the unified request does not carry")
    return (tif or TimeInForce.GTC).value.upper()


def order_params(
    request: OrderRequest, symbols: SymbolMap, *, market: Market, hedge_mode: bool = False
) -> dict[str, str]:
    """An :class:`OrderRequest` as ``POST /api/v3/order`` or ``/fapi/v1/order`` params.

    Insertion order is the send order. Both markets ask for ``newOrderRespType=RESULT``:
    the final order state without the fills, which reach the caller through the user data
    stream and ``get_fills`` (decoding them here would be work no caller sees). Futures conditional orders belong on the algo endpoint
    (:func:`algo_order_params`); anything Binance cannot express raises ``NotSupported``.
    """
    if uses_algo_endpoint(request, market):
        raise _refuse(request, "futures conditional orders go to the algo endpoint")
    params = dict(_common_params(request, symbols, market, hedge_mode))
    if market == "spot":
        wire_type = "LIMIT_MAKER" if request.post_only else _SPOT_OUT_TYPE[request.type]
        if request.post_only and request.type is not OrderType.LIMIT:
            raise _refuse(request, "spot post-only exists only for plain limit orders")
    else:
        wire_type = _USDM_OUT_TYPE[request.type]
    params["type"] = wire_type
    tif = _time_in_force(request, market)
    if tif is not None:
        params["timeInForce"] = tif
    params["quantity"] = _plain(request.quantity)
    if request.price is not None:
        params["price"] = _plain(request.price)
    if request.stop_price is not None:
        params["stopPrice"] = _plain(request.stop_price)
    params["newClientOrderId"] = encode_client_order_id(request.client_order_id or "")
    params["newOrderRespType"] = "RESULT"
    return params


def algo_order_params(
    request: OrderRequest, symbols: SymbolMap, *, hedge_mode: bool = False
) -> dict[str, str]:
    """A futures conditional order as ``POST /fapi/v1/algoOrder`` params (CONDITIONAL)."""
    if not request.type.is_conditional:
        raise _refuse(request, "only conditional orders go to the algo endpoint")
    params = {"algoType": "CONDITIONAL"}
    params.update(_common_params(request, symbols, "usdm", hedge_mode))
    params["type"] = _USDM_OUT_TYPE[request.type]
    tif = _time_in_force(request, "usdm")
    if tif is not None:
        params["timeInForce"] = tif
    params["quantity"] = _plain(request.quantity)
    if request.price is not None:
        params["price"] = _plain(request.price)
    params["triggerPrice"] = _plain(request.stop_price or ZERO)
    params["clientAlgoId"] = encode_client_order_id(request.client_order_id or "")
    params["newOrderRespType"] = "RESULT"
    return params


def cancel_params(
    symbol: str,
    symbols: SymbolMap,
    *,
    order_id: str | None = None,
    client_order_id: str | None = None,
) -> dict[str, str]:
    """Params to cancel or query one order by exchange id or (unified) client order id."""
    params = {"symbol": symbols.exchange(symbol)}
    if order_id is not None:
        params["orderId"] = order_id
    if client_order_id is not None:
        params["origClientOrderId"] = encode_client_order_id(client_order_id)
    if len(params) == 1:
        raise NotSupported("give order_id or client_order_id", exchange=EXCHANGE)
    return params


def kline_params(
    symbol: str,
    interval: str,
    symbols: SymbolMap,
    *,
    market: Market,
    start_ms: int | None = None,
    end_ms: int | None = None,
    limit: int | None = None,
) -> dict[str, str]:
    """Params for ``klines``; the unified interval names are Binance's own."""
    allowed = SPOT_INTERVALS if market == "spot" else USDM_INTERVALS
    if interval not in allowed:
        raise NotSupported(f"interval {interval!r} is not one of {allowed}", exchange=EXCHANGE)
    params = {"symbol": symbols.exchange(symbol), "interval": interval}
    if start_ms is not None:
        params["startTime"] = str(start_ms)
    if end_ms is not None:
        params["endTime"] = str(end_ms)
    if limit is not None:
        params["limit"] = str(limit)
    return params
