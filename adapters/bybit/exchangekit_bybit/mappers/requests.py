"""Unified requests -> Bybit V5 request bodies and query parameters."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

from exchangekit.errors import NotSupported
from exchangekit.models import (
    OrderRequest,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit_bybit.mappers.common import (
    _SIDE_OUT,
    EXCHANGE,
    INTERVALS,
    ZERO,
    Category,
    SymbolMap,
)

__all__ = [
    "encode_client_order_id",
    "order_params",
    "cancel_params",
    "query_params",
    "cancel_all_params",
    "kline_params",
    "leverage_params",
]

# -- requests ------------------------------------------------------------------------------

_VALID_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")


def encode_client_order_id(client_order_id: str) -> str:
    """The ``orderLinkId`` for a unified client order id, deterministically.

    Ids already in ``[A-Za-z0-9_-]{1,36}`` (Bybit's rule, and every id
    :func:`exchangekit.new_client_order_id` makes) pass unchanged. Any other id becomes
    ``ek-`` + the first 32 hex digits of its SHA-256 (35 characters), so the same request
    always carries the same exchange id, and orders read back carry this encoded form.
    """
    if _VALID_CLIENT_ID.match(client_order_id):
        return client_order_id
    return "ek-" + hashlib.sha256(client_order_id.encode()).hexdigest()[:32]


def _plain(value: Decimal) -> str:
    """A decimal as Bybit accepts it: a string in plain notation, never an exponent."""
    return format(value, "f")


def _refuse(request: OrderRequest, reason: str) -> NotSupported:
    return NotSupported(
        f"Bybit cannot express this order: {reason}",
        exchange=EXCHANGE,
        client_order_id=request.client_order_id,
    )


def _trigger_direction(request: OrderRequest) -> int:
    # 1 = trigger when the price rises to triggerPrice, 2 = when it falls (BYD enum.mdx).
    # A buy stop and a sell take-profit wait for a rise; the other two for a fall.
    take_profit = request.type in (OrderType.TAKE_PROFIT_MARKET, OrderType.TAKE_PROFIT_LIMIT)
    rises = (request.side is Side.BUY) != take_profit
    return 1 if rises else 2


def _position_idx(request: OrderRequest, hedge_mode: bool) -> int:
    if not hedge_mode:
        if request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "long/short position sides need hedge mode")
        return 0
    # Hedge mode: 1 = the Buy (long) slot, 2 = the Sell (short) slot (BYD enum.mdx).
    if request.position_side is PositionSide.LONG:
        return 1
    if request.position_side is PositionSide.SHORT:
        return 2
    raise _refuse(request, "hedge mode needs position_side long or short")


def _time_in_force(request: OrderRequest) -> str | None:
    tif = request.time_in_force
    if not request.type.has_limit_price:
        # Bybit turns market orders into IOC limit orders itself; FOK has no equivalent.
        if tif is TimeInForce.FOK:
            raise _refuse(request, f"{request.type.value} orders cannot be fill-or-kill")
        return None
    if request.post_only:
        return "PostOnly"
    if tif is TimeInForce.GTD:
        raise _refuse(request, "gtd is not a Bybit time in force")
    return (tif or TimeInForce.GTC).value.upper()


def order_params(
    request: OrderRequest, symbols: SymbolMap, *, category: Category, hedge_mode: bool = False
) -> dict[str, Any]:
    """An :class:`OrderRequest` as the JSON body of ``POST /v5/order/create``.

    Values are strings and booleans as Bybit takes them; send with
    :func:`exchangekit_bybit.signing.json_body`. Quantities are in base units everywhere:
    spot market orders carry ``marketUnit=baseCoin`` because a spot market *buy* otherwise
    reads ``qty`` in the quote coin (BYD create-order.mdx). Conditional orders carry
    ``triggerPrice`` and, on linear, ``triggerDirection``; on spot, ``orderFilter=StopOrder``.
    """
    params: dict[str, Any] = {
        "category": category,
        "symbol": symbols.exchange(request.symbol),
        "side": _SIDE_OUT[request.side],
        "orderType": "Limit" if request.type.has_limit_price else "Market",
        "qty": _plain(request.quantity),
    }
    if request.price is not None:
        params["price"] = _plain(request.price)
    tif = _time_in_force(request)
    if tif is not None:
        params["timeInForce"] = tif
    if category == "spot":
        if request.reduce_only:
            raise _refuse(request, "spot has no reduce-only orders")
        if request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "spot has no position sides")
        if not request.type.has_limit_price:
            params["marketUnit"] = "baseCoin"
        if request.type.is_conditional:
            params["triggerPrice"] = _plain(request.stop_price or ZERO)
            params["orderFilter"] = "StopOrder"
    else:
        params["positionIdx"] = _position_idx(request, hedge_mode)
        if request.reduce_only:
            params["reduceOnly"] = True
        if request.type.is_conditional:
            params["triggerPrice"] = _plain(request.stop_price or ZERO)
            params["triggerDirection"] = _trigger_direction(request)
    params["orderLinkId"] = encode_client_order_id(request.client_order_id or "")
    return params


def _by_id(
    params: dict[str, Any], order_id: str | None, client_order_id: str | None
) -> dict[str, Any]:
    if order_id is None and client_order_id is None:
        raise NotSupported("give order_id or client_order_id", exchange=EXCHANGE)
    # orderId wins when both are sent (BYD cancel-order.mdx); send only what was given.
    if order_id is not None:
        params["orderId"] = order_id
    if client_order_id is not None:
        params["orderLinkId"] = encode_client_order_id(client_order_id)
    return params


def cancel_params(
    symbol: str,
    symbols: SymbolMap,
    *,
    category: Category,
    order_id: str | None = None,
    client_order_id: str | None = None,
) -> dict[str, Any]:
    """JSON body of ``POST /v5/order/cancel`` for one order."""
    params: dict[str, Any] = {"category": category, "symbol": symbols.exchange(symbol)}
    return _by_id(params, order_id, client_order_id)


def query_params(
    symbols: SymbolMap,
    *,
    category: Category,
    symbol: str | None = None,
    order_id: str | None = None,
    client_order_id: str | None = None,
    settle_coin: str | None = None,
) -> dict[str, str]:
    """Query params of ``GET /v5/order/realtime`` or ``/v5/order/history``.

    Linear needs ``symbol``, ``baseCoin`` or ``settleCoin``: without a symbol, pass
    ``settle_coin`` (``USDT``) to list every open linear order.
    """
    params: dict[str, str] = {"category": category}
    if symbol is not None:
        params["symbol"] = symbols.exchange(symbol)
    elif category == "linear":
        if settle_coin is None:
            raise NotSupported(
                "linear order queries need a symbol or a settle coin", exchange=EXCHANGE
            )
        params["settleCoin"] = settle_coin
    if order_id is not None:
        params["orderId"] = order_id
    if client_order_id is not None:
        params["orderLinkId"] = encode_client_order_id(client_order_id)
    return params


def cancel_all_params(
    symbols: SymbolMap,
    *,
    category: Category,
    symbol: str | None = None,
    settle_coin: str | None = None,
) -> dict[str, Any]:
    """JSON body of ``POST /v5/order/cancel-all`` (linear needs a symbol or settle coin)."""
    params: dict[str, Any] = {"category": category}
    if symbol is not None:
        params["symbol"] = symbols.exchange(symbol)
    elif category == "linear":
        if settle_coin is None:
            raise NotSupported(
                "linear cancel-all needs a symbol or a settle coin", exchange=EXCHANGE
            )
        params["settleCoin"] = settle_coin
    return params


def kline_params(
    symbol: str,
    interval: str,
    symbols: SymbolMap,
    *,
    category: Category,
    start_ms: int | None = None,
    end_ms: int | None = None,
    limit: int | None = None,
) -> dict[str, str]:
    """Query params of ``GET /v5/market/kline`` (limit 1-1000, Bybit's default 200)."""
    wire = INTERVALS.get(interval)
    if wire is None:
        raise NotSupported(
            f"interval {interval!r} is not one of {sorted(INTERVALS)}", exchange=EXCHANGE
        )
    params: dict[str, str] = {
        "category": category,
        "symbol": symbols.exchange(symbol),
        "interval": wire,
    }
    if start_ms is not None:
        params["start"] = str(start_ms)
    if end_ms is not None:
        params["end"] = str(end_ms)
    if limit is not None:
        params["limit"] = str(limit)
    return params


def leverage_params(symbol: str, leverage: Decimal | int, symbols: SymbolMap) -> dict[str, Any]:
    """JSON body of ``POST /v5/position/set-leverage`` (same leverage both ways)."""
    value = _plain(Decimal(leverage))
    return {
        "category": "linear",
        "symbol": symbols.exchange(symbol),
        "buyLeverage": value,
        "sellLeverage": value,
    }
