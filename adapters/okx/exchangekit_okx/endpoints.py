"""OKX V5 endpoints and rate-limit pools, as data.

Spot and USDT swaps share one host and one endpoint table; they differ only in data
(:class:`MarketSpec`: ``instType`` SPOT / SWAP and the default ``tdMode`` cash / cross).
Every endpoint is declared once with its cost beside it.

OKX limits each endpoint on its own (OKD #overview-rate-limits; fact sheet §3.3): public
endpoints per IP, private ones per user id (each sub-account has its own), trading per
user id + instrument. So each endpoint has its own pool. The core pools are keyed by IP or
account only: a per-instrument limit is declared per account, which is stricter than OKX
(never over the limit, sometimes slower across many instruments). Rejections are code
50011 (HTTP 200 or 429); OKX reports no usage headers, so tracking is client-side.

Sources: [FS] fact sheet §3.3 (OKD per-endpoint pages, read 2026-07); [?] from OKX's
per-endpoint pages as remembered, not re-read in this session: check before relying on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from exchangekit.models import MarketKind, OrderType, TimeInForce
from exchangekit.protocols import Capabilities
from exchangekit.ratelimit.spec import Cost, Pool, PoolKind, Priority, Scope
from exchangekit.transport.endpoint import Endpoint, Security
from exchangekit_okx import schemas as s
from exchangekit_okx.mappers import INTERVALS

__all__ = [
    "ENDPOINTS",
    "POOLS",
    "SPOT",
    "SPOT_CAPABILITIES",
    "SWAP",
    "SWAP_CAPABILITIES",
    "Endpoints",
    "MarketName",
    "MarketSpec",
]

MarketName = Literal["spot", "swap"]

_DOC = "https://www.okx.com/docs-v5/en/"


def _pool(name: str, limit: int, scope: Scope, doc: str) -> Pool:
    # Every OKX limit is "n requests per 2 seconds"; a sliding window never lets a burst
    # straddle a window edge and double the rate.
    return Pool(
        name=f"okx-{name}-2s",
        limit=limit,
        window_s=2.0,
        kind=PoolKind.SLIDING_WINDOW,
        scope=scope,
        doc=doc,
    )


IP, UID = Scope.IP, Scope.ACCOUNT

# -- public (per IP) -----------------------------------------------------------------------
TIME = _pool("public-time", 10, IP, "[?] public-data-rest-api-get-system-time: 10/2s IP")
INSTRUMENTS = _pool("instruments", 20, IP, "[FS] 20/2s per IP + instType")
TICKER = _pool("ticker", 20, IP, "[?] market-data-get-ticker: 20/2s IP")
CANDLES = _pool("candles", 40, IP, "[FS] market/candles 40/2s IP")
HISTORY_CANDLES = _pool("history-candles", 20, IP, "[?] history-candles 20/2s IP")
BOOKS = _pool("books", 40, IP, "[FS] market/books 40/2s IP")

# -- trading (per UID + instId, declared per UID) ------------------------------------------
PLACE_ORDER = _pool("place-order", 60, UID, "[FS] 60/2s per UID + instId")
CANCEL_ORDER = _pool("cancel-order", 60, UID, "[FS] 60/2s per UID + instId")
CANCEL_BATCH = _pool("cancel-batch-orders", 300, UID, "[?] 300 orders/2s per UID + instId")
SUB_ACCOUNT_ORDERS = _pool(
    "sub-account-orders", 1000, UID, "[FS] new + amend orders, 1000/2s per sub-account (50061)"
)
GET_ORDER = _pool("get-order", 60, UID, "[FS?] trade/order GET 60/2s per UID + instId")
ALGO_ORDER = _pool("order-algo", 20, UID, "[?] trade/order-algo POST 20/2s per UID")
CANCEL_ALGOS = _pool("cancel-algos", 20, UID, "[?] trade/cancel-algos 20/2s per UID")
GET_ALGO = _pool("get-order-algo", 20, UID, "[?] trade/order-algo GET 20/2s per UID")
ALGO_PENDING = _pool("orders-algo-pending", 20, UID, "[?] orders-algo-pending 20/2s per UID")
PENDING_ORDERS = _pool("orders-pending", 60, UID, "[?] orders-pending 60/2s UID")
FILLS = _pool("fills", 60, UID, "trade/fills 60/2s UID (OKD last-3-days page, as SDKs quote it)")
FILLS_HISTORY = _pool(
    "fills-history", 10, UID, "trade/fills-history 10/2s User ID (OKD, last-3-months page)"
)

# -- account (per UID) ---------------------------------------------------------------------
BALANCE = _pool("balance", 10, UID, "[FS?] account/balance 10/2s UID")
POSITIONS = _pool("positions", 10, UID, "[FS] account/positions 10/2s UID")
SET_LEVERAGE = _pool("set-leverage", 20, UID, "[?] account/set-leverage 20/2s UID")

POOLS = (
    TIME,
    INSTRUMENTS,
    TICKER,
    CANDLES,
    HISTORY_CANDLES,
    BOOKS,
    PLACE_ORDER,
    CANCEL_ORDER,
    CANCEL_BATCH,
    SUB_ACCOUNT_ORDERS,
    GET_ORDER,
    ALGO_ORDER,
    CANCEL_ALGOS,
    GET_ALGO,
    ALGO_PENDING,
    PENDING_ORDERS,
    FILLS,
    FILLS_HISTORY,
    BALANCE,
    POSITIONS,
    SET_LEVERAGE,
)


def _cancel_batch_cost(params: Mapping[str, Any]) -> tuple[Cost, ...]:
    # The batch limit counts orders, not requests; ``orders`` is the body's list (max 20).
    orders = params.get("orders")
    count = len(orders) if isinstance(orders, list | tuple) else 1
    return (Cost(CANCEL_BATCH, max(count, 1)),)


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Every REST endpoint the client uses (the same table for spot and swaps)."""

    server_time: Endpoint
    instruments: Endpoint
    ticker: Endpoint
    candles: Endpoint
    history_candles: Endpoint
    books: Endpoint
    place_order: Endpoint
    cancel_order: Endpoint
    cancel_batch_orders: Endpoint
    get_order: Endpoint
    pending_orders: Endpoint
    fills: Endpoint
    fills_history: Endpoint
    balance: Endpoint
    positions: Endpoint
    set_leverage: Endpoint
    place_algo_order: Endpoint
    cancel_algos: Endpoint
    get_algo_order: Endpoint
    pending_algo_orders: Endpoint


ENDPOINTS = Endpoints(
    server_time=Endpoint(
        "GET",
        "/api/v5/public/time",
        cost=(Cost(TIME),),
        priority=Priority.ACCOUNT,
        doc=f"{_DOC}#public-data-rest-api-get-system-time",
        extra={"response": s.Envelope[s.ServerTime]},
    ),
    instruments=Endpoint(
        "GET",
        "/api/v5/public/instruments",
        cost=(Cost(INSTRUMENTS),),
        doc=f"{_DOC}#public-data-rest-api-get-instruments",
        extra={"response": s.Envelope[s.Instrument]},
    ),
    ticker=Endpoint(
        "GET",
        "/api/v5/market/ticker",
        cost=(Cost(TICKER),),
        doc=f"{_DOC}#order-book-trading-market-data-get-ticker",
        extra={"response": s.Envelope[s.Ticker]},
    ),
    candles=Endpoint(
        "GET",
        "/api/v5/market/candles",
        cost=(Cost(CANDLES),),
        doc=f"{_DOC}#order-book-trading-market-data-get-candlesticks",
        extra={"response": s.Envelope[s.Candle]},
    ),
    history_candles=Endpoint(
        "GET",
        "/api/v5/market/history-candles",
        cost=(Cost(HISTORY_CANDLES),),
        doc=f"{_DOC}#order-book-trading-market-data-get-candlesticks-history",
        extra={"response": s.Envelope[s.Candle]},
    ),
    books=Endpoint(
        "GET",
        "/api/v5/market/books",
        cost=(Cost(BOOKS),),
        doc=f"{_DOC}#order-book-trading-market-data-get-order-book",
        extra={"response": s.Envelope[s.OrderBook]},
    ),
    place_order=Endpoint(
        "POST",
        "/api/v5/trade/order",
        Security.SIGNED,
        cost=(Cost(PLACE_ORDER), Cost(SUB_ACCOUNT_ORDERS)),
        priority=Priority.ORDER,
        doc=f"{_DOC}#order-book-trading-trade-post-place-order",
        extra={"response": s.Envelope[s.OrderAck]},
    ),
    # Cancelling twice is harmless (the second answers 51400/51401), so it may be resent.
    cancel_order=Endpoint(
        "POST",
        "/api/v5/trade/cancel-order",
        Security.SIGNED,
        cost=(Cost(CANCEL_ORDER),),
        priority=Priority.CANCEL,
        retry_safe=True,
        doc=f"{_DOC}#order-book-trading-trade-post-cancel-order",
        extra={"response": s.Envelope[s.CancelAck]},
    ),
    cancel_batch_orders=Endpoint(
        "POST",
        "/api/v5/trade/cancel-batch-orders",
        Security.SIGNED,
        cost=_cancel_batch_cost,
        priority=Priority.CANCEL,
        retry_safe=True,
        doc=f"{_DOC}#order-book-trading-trade-post-cancel-multiple-orders",
        extra={"response": s.Envelope[s.CancelAck], "batch": True},
    ),
    get_order=Endpoint(
        "GET",
        "/api/v5/trade/order",
        Security.SIGNED,
        cost=(Cost(GET_ORDER),),
        priority=Priority.ACCOUNT,
        doc=f"{_DOC}#order-book-trading-trade-get-order-details",
        extra={"response": s.Envelope[s.Order]},
    ),
    pending_orders=Endpoint(
        "GET",
        "/api/v5/trade/orders-pending",
        Security.SIGNED,
        cost=(Cost(PENDING_ORDERS),),
        priority=Priority.ACCOUNT,
        doc=f"{_DOC}#order-book-trading-trade-get-order-list",
        extra={"response": s.Envelope[s.Order]},
    ),
    fills=Endpoint(
        "GET",
        "/api/v5/trade/fills",
        Security.SIGNED,
        cost=(Cost(FILLS),),
        priority=Priority.ACCOUNT,
        doc=f"{_DOC}#order-book-trading-trade-get-transaction-details-last-3-days",
        extra={"response": s.Envelope[s.Fill]},
    ),
    fills_history=Endpoint(
        "GET",
        "/api/v5/trade/fills-history",
        Security.SIGNED,
        cost=(Cost(FILLS_HISTORY),),
        priority=Priority.ACCOUNT,
        doc=f"{_DOC}#order-book-trading-trade-get-transaction-details-last-3-months",
        extra={"response": s.Envelope[s.Fill]},
    ),
    balance=Endpoint(
        "GET",
        "/api/v5/account/balance",
        Security.SIGNED,
        cost=(Cost(BALANCE),),
        priority=Priority.ACCOUNT,
        doc=f"{_DOC}#trading-account-rest-api-get-balance",
        extra={"response": s.Envelope[s.Balance]},
    ),
    positions=Endpoint(
        "GET",
        "/api/v5/account/positions",
        Security.SIGNED,
        cost=(Cost(POSITIONS),),
        priority=Priority.ACCOUNT,
        doc=f"{_DOC}#trading-account-rest-api-get-positions",
        extra={"response": s.Envelope[s.Position]},
    ),
    # Setting the same leverage again changes nothing.
    set_leverage=Endpoint(
        "POST",
        "/api/v5/account/set-leverage",
        Security.SIGNED,
        cost=(Cost(SET_LEVERAGE),),
        priority=Priority.ACCOUNT,
        retry_safe=True,
        doc=f"{_DOC}#trading-account-rest-api-set-leverage",
        extra={"response": s.Envelope[s.SetLeverage]},
    ),
    # Stop and take-profit orders live on the algo service until they trigger.
    place_algo_order=Endpoint(
        "POST",
        "/api/v5/trade/order-algo",
        Security.SIGNED,
        cost=(Cost(ALGO_ORDER),),
        priority=Priority.ORDER,
        doc=f"{_DOC}#order-book-trading-algo-trading-post-place-algo-order",
        extra={"response": s.Envelope[s.AlgoAck]},
    ),
    cancel_algos=Endpoint(
        "POST",
        "/api/v5/trade/cancel-algos",
        Security.SIGNED,
        cost=(Cost(CANCEL_ALGOS),),
        priority=Priority.CANCEL,
        retry_safe=True,
        doc=f"{_DOC}#order-book-trading-algo-trading-post-cancel-algo-order",
        extra={"response": s.Envelope[s.AlgoAck], "batch": True},
    ),
    get_algo_order=Endpoint(
        "GET",
        "/api/v5/trade/order-algo",
        Security.SIGNED,
        cost=(Cost(GET_ALGO),),
        priority=Priority.ACCOUNT,
        doc=f"{_DOC}#order-book-trading-algo-trading-get-algo-order-details",
        extra={"response": s.Envelope[s.AlgoOrder]},
    ),
    pending_algo_orders=Endpoint(
        "GET",
        "/api/v5/trade/orders-algo-pending",
        Security.SIGNED,
        cost=(Cost(ALGO_PENDING),),
        priority=Priority.ACCOUNT,
        doc=f"{_DOC}#order-book-trading-algo-trading-get-algo-order-list",
        extra={"response": s.Envelope[s.AlgoOrder]},
    ),
)


_TIFS = frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK})

SPOT_CAPABILITIES = Capabilities(
    market_kinds=frozenset({MarketKind.SPOT}),
    order_types=frozenset(OrderType),  # stops and take-profits: algo ordType conditional
    time_in_force=_TIFS,  # ordType limit / ioc / fok
    post_only=True,  # ordType post_only
    stop_orders=True,
    candle_intervals=tuple(INTERVALS),
    max_book_depth=400,  # market/books sz max 400 per side
    max_candles_per_request=300,  # market/candles limit max 300
    private_streams=True,
    client_order_id_max_length=32,  # clOrdId: 1-32 letters and digits
)
"""Spot in cash mode: no reduce-only, positions or leverage. Stop and take-profit orders go
to the algo endpoint (``/api/v5/trade/order-algo``, ordType ``conditional``)."""

SWAP_CAPABILITIES = Capabilities(
    market_kinds=frozenset({MarketKind.PERPETUAL}),
    order_types=frozenset(OrderType),
    time_in_force=_TIFS,
    reduce_only=True,  # net mode only; implied by side + posSide in long/short mode
    post_only=True,
    hedge_mode=True,  # long/short mode: posSide long | short
    stop_orders=True,
    set_leverage=True,
    positions=True,
    candle_intervals=tuple(INTERVALS),
    max_book_depth=400,
    max_candles_per_request=300,
    private_streams=True,
    client_order_id_max_length=32,
)
"""Linear USDT swaps (sizes converted to contracts with ctVal)."""


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """One OKX market: where it lives, what it sends as ``instType`` and ``tdMode``."""

    name: MarketName
    inst_type: Literal["SPOT", "SWAP"]
    td_mode: Literal["cash", "cross", "isolated"]
    """Default trade mode: ``cash`` for spot (no margin), ``cross`` for swaps (configurable)."""
    rest_url: str
    ws_public_url: str
    ws_private_url: str
    ws_business_url: str
    ws_demo_public_url: str
    ws_demo_private_url: str
    ws_demo_business_url: str
    pools: tuple[Pool, ...]
    endpoints: Endpoints
    capabilities: Capabilities


# Fact sheet §3.1: the REST host is configuration (openapi.okx.com in the 2026 docs,
# www.okx.com in older ones; eea.okx.com for the EEA). Demo trading uses the same REST host
# with ``x-simulated-trading: 1`` and the wspap host for WebSocket.
_WS = "wss://ws.okx.com:8443/ws/v5"
_WS_DEMO = "wss://wspap.okx.com:8443/ws/v5"


def _spec(
    name: MarketName,
    inst_type: Literal["SPOT", "SWAP"],
    td_mode: Any,
    capabilities: Capabilities,
) -> MarketSpec:
    return MarketSpec(
        name=name,
        inst_type=inst_type,
        td_mode=td_mode,
        rest_url="https://www.okx.com",
        ws_public_url=f"{_WS}/public",
        ws_private_url=f"{_WS}/private",
        ws_business_url=f"{_WS}/business",
        ws_demo_public_url=f"{_WS_DEMO}/public",
        ws_demo_private_url=f"{_WS_DEMO}/private",
        ws_demo_business_url=f"{_WS_DEMO}/business",
        pools=POOLS,
        endpoints=ENDPOINTS,
        capabilities=capabilities,
    )


SPOT = _spec("spot", "SPOT", "cash", SPOT_CAPABILITIES)
SWAP = _spec("swap", "SWAP", "cross", SWAP_CAPABILITIES)
