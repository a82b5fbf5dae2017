"""Bybit V5 endpoints and rate-limit pools, as data.

Spot and linear perpetuals share every path; they differ only in this data: the
``category`` parameter each request carries, the WebSocket URLs and some per-endpoint
limits (a :class:`MarketSpec` each). Every endpoint is declared once with its cost beside it.

Sources (tags as in shared/exchanges/binance-bybit-okx.md §2.3; BYD = github
bybit-exchange/docs ``docs/v5/rate-limit/rate-limit.mdx``, re-read for this module):

- IP limit: 600 requests per 5 s per IP, across api.bybit.com and the regional hosts.
  Breaching it answers **HTTP 403 "access too frequent"**: stop every session and wait at
  least 10 minutes (the ban lifts by itself).
- API limits: per UID, per endpoint, over a rolling 1 s window; breaching one answers
  ``retCode 10006``. UTA 2.0 Pro table: ``/v5/order/create`` and ``/v5/order/cancel`` 10/s
  linear, 20/s spot; ``/v5/order/cancel-all`` 10/s linear, 20/s spot; ``/v5/order/realtime``,
  ``/v5/order/history``, ``/v5/execution/list`` 50/s (one figure across categories);
  ``/v5/position/list`` 50/s; ``/v5/position/set-leverage`` 10/s;
  ``/v5/account/wallet-balance`` 50/s. Trade limits can be raised for VIP/pro accounts, and
  every response reports the current one (``X-Bapi-Limit``): sync to it with
  :func:`usage_from_headers`.
- Market-data endpoints have no per-UID limit; only the IP pool applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import msgspec

from exchangekit.ratelimit.spec import Cost, Pool, PoolKind, Priority, Scope
from exchangekit.transport.endpoint import Endpoint, Security
from exchangekit_bybit import schemas as s

__all__ = [
    "IP_LIMIT_BAN_S",
    "LINEAR",
    "SPOT",
    "Endpoints",
    "LimitStatus",
    "MarketName",
    "MarketSpec",
    "endpoint_pool",
    "limit_status",
    "usage_from_headers",
]

MarketName = Literal["spot", "linear"]

IP_LIMIT_BAN_S = 600.0
"""How long to stop after HTTP 403 "access too frequent": "at least 10 minutes" (BYD)."""

LIMIT_HEADER = "X-Bapi-Limit"
LIMIT_STATUS_HEADER = "X-Bapi-Limit-Status"
LIMIT_RESET_HEADER = "X-Bapi-Limit-Reset-Timestamp"

_DOC = "https://bybit-exchange.github.io/docs/v5"


# -- pools ---------------------------------------------------------------------------------

IP_REQUESTS = Pool(
    name="bybit-ip-5s",
    limit=600,
    window_s=5.0,
    kind=PoolKind.SLIDING_WINDOW,
    scope=Scope.IP,
    doc="BYD rate-limit.mdx §HTTP IP limit: 600 requests / 5 s; breach -> HTTP 403, 10 min",
)


def _uid_pool(name: str, per_second: int) -> Pool:
    # Bybit reports remaining calls (X-Bapi-Limit-Status), not usage, so `header` stays
    # unset: the generic used-count sync would misread it. See usage_from_headers.
    return Pool(
        name=f"bybit-{name}-1s",
        limit=per_second,
        window_s=1.0,
        kind=PoolKind.SLIDING_WINDOW,
        scope=Scope.ENDPOINT,
        doc=f"BYD rate-limit.mdx: {per_second}/s per UID, rolling 1 s",
    )


SPOT_ORDER_CREATE = _uid_pool("spot-order-create", 20)
SPOT_ORDER_CANCEL = _uid_pool("spot-order-cancel", 20)
SPOT_ORDER_CANCEL_ALL = _uid_pool("spot-order-cancel-all", 20)
LINEAR_ORDER_CREATE = _uid_pool("linear-order-create", 10)
LINEAR_ORDER_CANCEL = _uid_pool("linear-order-cancel", 10)
LINEAR_ORDER_CANCEL_ALL = _uid_pool("linear-order-cancel-all", 10)
# One figure for every category in the table, so one pool each for both markets.
ORDER_REALTIME = _uid_pool("order-realtime", 50)
ORDER_HISTORY = _uid_pool("order-history", 50)
EXECUTION_LIST = _uid_pool("execution-list", 50)
WALLET_BALANCE = _uid_pool("wallet-balance", 50)
POSITION_LIST = _uid_pool("position-list", 50)
SET_LEVERAGE = _uid_pool("set-leverage", 10)


def _ip() -> tuple[Cost, ...]:
    return (Cost(IP_REQUESTS, 1),)


def _uid(pool: Pool) -> tuple[Cost, ...]:
    return (Cost(IP_REQUESTS, 1), Cost(pool, 1))


def endpoint_pool(endpoint: Endpoint) -> Pool | None:
    """The per-UID pool of ``endpoint`` (the one ``X-Bapi-Limit*`` report), if it has one."""
    for cost in endpoint.costs():
        if cost.pool.scope is Scope.ENDPOINT:
            return cost.pool
    return None


# -- server-reported usage -----------------------------------------------------------------


class LimitStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What one response says about its endpoint's per-UID limit."""

    limit: int
    remaining: int
    reset_ms: int | None = None
    """When the window resets if the limit was exceeded; otherwise about "now" (BYD)."""

    @property
    def used(self) -> int:
        return max(self.limit - self.remaining, 0)


def _header(headers: Mapping[str, str] | Iterable[tuple[str, str]], name: str) -> str | None:
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = name.lower()
    for key, value in items:
        if key.lower() == wanted:
            return value
    return None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def limit_status(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> LimitStatus | None:
    """``X-Bapi-Limit``, ``X-Bapi-Limit-Status`` and ``X-Bapi-Limit-Reset-Timestamp``.

    Names are compared case-insensitively; ``None`` when the limit or the remaining count is
    missing or not an integer (never raises: a bad header must not fail a good response).
    """
    limit = _int(_header(headers, LIMIT_HEADER))
    remaining = _int(_header(headers, LIMIT_STATUS_HEADER))
    if limit is None or remaining is None or limit <= 0 or remaining < 0:
        return None
    return LimitStatus(
        limit=limit, remaining=remaining, reset_ms=_int(_header(headers, LIMIT_RESET_HEADER))
    )


def usage_from_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], endpoint: Endpoint
) -> list[tuple[Pool, float]]:
    """``[(pool, used)]`` for the endpoint's per-UID pool, from the response headers.

    ``used = X-Bapi-Limit - X-Bapi-Limit-Status``. Empty when the endpoint has no per-UID
    pool or the headers are missing or unparseable. When the server's limit differs from the
    pool's (a VIP account), usage is scaled to the pool so the budget stays proportional.
    """
    pool = endpoint_pool(endpoint)
    status = limit_status(headers)
    if pool is None or status is None:
        return []
    used = status.used if status.limit == pool.limit else status.used * pool.limit / status.limit
    return [(pool, float(used))]


# -- the endpoint tables -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Every endpoint the client uses; ``None`` where the market has no such endpoint."""

    server_time: Endpoint
    instruments: Endpoint
    tickers: Endpoint
    kline: Endpoint
    orderbook: Endpoint
    order_create: Endpoint
    order_cancel: Endpoint
    order_cancel_all: Endpoint
    open_orders: Endpoint
    order_history: Endpoint
    executions: Endpoint
    wallet_balance: Endpoint
    positions: Endpoint | None = None
    set_leverage: Endpoint | None = None


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """One Bybit market: its ``category``, URLs, pools and endpoints.

    Every request of this market carries ``category=<category>`` (query for GET, JSON body
    for POST); the REST hosts are the same for both markets.
    """

    name: MarketName
    category: str
    rest_url: str
    rest_testnet_url: str
    rest_demo_url: str
    ws_public_url: str
    ws_public_testnet_url: str
    ws_private_url: str
    ws_private_testnet_url: str
    ws_private_demo_url: str
    ws_trade_url: str
    ws_trade_testnet_url: str
    pools: tuple[Pool, ...]
    endpoints: Endpoints


def _market_data() -> dict[str, Endpoint]:
    return {
        "server_time": Endpoint(
            "GET",
            "/v5/market/time",
            cost=_ip(),
            priority=Priority.ACCOUNT,
            doc=f"{_DOC}/market/time",
            extra={"response": s.Envelope[s.ServerTime]},
        ),
        "instruments": Endpoint(
            "GET",
            "/v5/market/instruments-info",
            cost=_ip(),
            doc=f"{_DOC}/market/instrument",
            extra={"response": s.Envelope[s.InstrumentList]},
        ),
        "tickers": Endpoint(
            "GET",
            "/v5/market/tickers",
            cost=_ip(),
            doc=f"{_DOC}/market/tickers",
            extra={"response": s.Envelope[s.TickerList]},
        ),
        "kline": Endpoint(
            "GET",
            "/v5/market/kline",
            cost=_ip(),
            doc=f"{_DOC}/market/kline",
            extra={"response": s.Envelope[s.KlineResult]},
        ),
        "orderbook": Endpoint(
            "GET",
            "/v5/market/orderbook",
            cost=_ip(),
            doc=f"{_DOC}/market/orderbook",
            extra={"response": s.Envelope[s.OrderBookResult]},
        ),
    }


def _shared_private() -> dict[str, Endpoint]:
    return {
        "open_orders": Endpoint(
            "GET",
            "/v5/order/realtime",
            Security.SIGNED,
            cost=_uid(ORDER_REALTIME),
            priority=Priority.ACCOUNT,
            doc=f"{_DOC}/order/open-order",
            extra={"response": s.Envelope[s.OrderList]},
        ),
        "order_history": Endpoint(
            "GET",
            "/v5/order/history",
            Security.SIGNED,
            cost=_uid(ORDER_HISTORY),
            priority=Priority.ACCOUNT,
            doc=f"{_DOC}/order/order-list",
            extra={"response": s.Envelope[s.OrderList]},
        ),
        "executions": Endpoint(
            "GET",
            "/v5/execution/list",
            Security.SIGNED,
            cost=_uid(EXECUTION_LIST),
            priority=Priority.ACCOUNT,
            doc=f"{_DOC}/order/execution",
            extra={"response": s.Envelope[s.ExecutionList]},
        ),
        # accountType=UNIFIED for both markets: spot and derivatives share one wallet.
        "wallet_balance": Endpoint(
            "GET",
            "/v5/account/wallet-balance",
            Security.SIGNED,
            cost=_uid(WALLET_BALANCE),
            priority=Priority.ACCOUNT,
            doc=f"{_DOC}/account/wallet-balance",
            extra={"response": s.Envelope[s.WalletBalance]},
        ),
    }


def _trading(create: Pool, cancel: Pool, cancel_all: Pool) -> dict[str, Endpoint]:
    return {
        # The answer is only {orderId, orderLinkId}: creation is asynchronous (BYD
        # create-order.mdx), so the client confirms the state by query or the order stream.
        "order_create": Endpoint(
            "POST",
            "/v5/order/create",
            Security.SIGNED,
            cost=_uid(create),
            priority=Priority.ORDER,
            doc=f"{_DOC}/order/create-order",
            extra={"response": s.Envelope[s.OrderAck]},
        ),
        "order_cancel": Endpoint(
            "POST",
            "/v5/order/cancel",
            Security.SIGNED,
            cost=_uid(cancel),
            priority=Priority.CANCEL,
            doc=f"{_DOC}/order/cancel-order",
            extra={"response": s.Envelope[s.OrderAck]},
        ),
        "order_cancel_all": Endpoint(
            "POST",
            "/v5/order/cancel-all",
            Security.SIGNED,
            cost=_uid(cancel_all),
            priority=Priority.CANCEL,
            doc=f"{_DOC}/order/cancel-all",
            extra={"response": s.Envelope[s.CancelAllResult]},
        ),
    }


SPOT_POOLS = (
    IP_REQUESTS,
    SPOT_ORDER_CREATE,
    SPOT_ORDER_CANCEL,
    SPOT_ORDER_CANCEL_ALL,
    ORDER_REALTIME,
    ORDER_HISTORY,
    EXECUTION_LIST,
    WALLET_BALANCE,
)
LINEAR_POOLS = (
    IP_REQUESTS,
    LINEAR_ORDER_CREATE,
    LINEAR_ORDER_CANCEL,
    LINEAR_ORDER_CANCEL_ALL,
    ORDER_REALTIME,
    ORDER_HISTORY,
    EXECUTION_LIST,
    WALLET_BALANCE,
    POSITION_LIST,
    SET_LEVERAGE,
)

_REST = "https://api.bybit.com"
_REST_TESTNET = "https://api-testnet.bybit.com"
# Demo trading: a separate account made on mainnet; private WS only, public data from
# mainnet, no WS order entry (BYD demo.mdx; fact sheet §2.1).
_REST_DEMO = "https://api-demo.bybit.com"
_WS = "wss://stream.bybit.com/v5"
_WS_TESTNET = "wss://stream-testnet.bybit.com/v5"
_WS_DEMO = "wss://stream-demo.bybit.com/v5"

SPOT = MarketSpec(
    name="spot",
    category="spot",
    rest_url=_REST,
    rest_testnet_url=_REST_TESTNET,
    rest_demo_url=_REST_DEMO,
    ws_public_url=f"{_WS}/public/spot",
    ws_public_testnet_url=f"{_WS_TESTNET}/public/spot",
    ws_private_url=f"{_WS}/private",
    ws_private_testnet_url=f"{_WS_TESTNET}/private",
    ws_private_demo_url=f"{_WS_DEMO}/private",
    ws_trade_url=f"{_WS}/trade",
    ws_trade_testnet_url=f"{_WS_TESTNET}/trade",
    pools=SPOT_POOLS,
    endpoints=Endpoints(
        **_market_data(),
        **_shared_private(),
        **_trading(SPOT_ORDER_CREATE, SPOT_ORDER_CANCEL, SPOT_ORDER_CANCEL_ALL),
    ),
)

LINEAR = MarketSpec(
    name="linear",
    category="linear",
    rest_url=_REST,
    rest_testnet_url=_REST_TESTNET,
    rest_demo_url=_REST_DEMO,
    ws_public_url=f"{_WS}/public/linear",
    ws_public_testnet_url=f"{_WS_TESTNET}/public/linear",
    ws_private_url=f"{_WS}/private",
    ws_private_testnet_url=f"{_WS_TESTNET}/private",
    ws_private_demo_url=f"{_WS_DEMO}/private",
    ws_trade_url=f"{_WS}/trade",
    ws_trade_testnet_url=f"{_WS_TESTNET}/trade",
    pools=LINEAR_POOLS,
    endpoints=Endpoints(
        **_market_data(),
        **_shared_private(),
        **_trading(LINEAR_ORDER_CREATE, LINEAR_ORDER_CANCEL, LINEAR_ORDER_CANCEL_ALL),
        positions=Endpoint(
            "GET",
            "/v5/position/list",
            Security.SIGNED,
            cost=_uid(POSITION_LIST),
            priority=Priority.ACCOUNT,
            doc=f"{_DOC}/position",
            extra={"response": s.Envelope[s.PositionList]},
        ),
        # Setting the leverage it already has answers 110043 "leverage not modified":
        # resending is harmless, and errors.classify treats that code as success.
        set_leverage=Endpoint(
            "POST",
            "/v5/position/set-leverage",
            Security.SIGNED,
            cost=_uid(SET_LEVERAGE),
            priority=Priority.ACCOUNT,
            retry_safe=True,
            doc=f"{_DOC}/position/leverage",
        ),
    ),
)
