"""Binance endpoints and rate-limit pools, as data.

Spot and USDⓈ-M futures differ only in this data: a :class:`MarketSpec` each (base URLs,
pools, endpoint table). Every endpoint is declared once with its cost beside it; nobody
computes a weight anywhere else.

Sources (tags as in shared/exchanges/binance-bybit-okx.md):

- BSD: github binance/binance-spot-api-docs rest-api.md (§LIMITS, per-endpoint weights) and
  CHANGELOG (6,000 weight/min; RAW_REQUESTS 300,000/5 min since 2026-04-02; successful
  order placement and cancel cost 0 weight since 2026-04-02, failed ones are charged).
- BCP: github binance/binance-connector-python, USDⓈ-M ``rest_api/api/*.py`` docstrings
  (futures weights), and binance.com FAQ "rate limits on Binance futures" (2,400 weight/min,
  1,200 orders/min, 300 orders/10 s).

The pool limits below are defaults. Production accounts can have other values (VIP tiers,
the spot ORDERS limits that the docs never publish): refresh them at start-up with
:func:`pools_from_rate_limits` from ``exchangeInfo.rateLimits``. Pools built that way keep
the same names as these defaults, so a limiter keyed by pool name picks the new limits up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from exchangekit.ratelimit.spec import Cost, Pool, PoolKind, Priority, Scope
from exchangekit.transport.endpoint import Endpoint, Security
from exchangekit_binance import schemas as s

__all__ = [
    "SPOT",
    "USDM",
    "Endpoints",
    "MarketName",
    "MarketSpec",
    "pool_name",
    "pools_from_rate_limits",
    "usage_from_headers",
]

MarketName = Literal["spot", "usdm"]

_INTERVAL_SECONDS = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}
_INTERVAL_LETTER = {"SECOND": "S", "MINUTE": "M", "HOUR": "H", "DAY": "D"}
_HEADER_PREFIX = {"REQUEST_WEIGHT": "X-MBX-USED-WEIGHT-", "ORDERS": "X-MBX-ORDER-COUNT-"}


def pool_name(market: MarketName, limit_type: str, interval: str, interval_num: int) -> str:
    """The stable pool name for one Binance rate limiter (``binance-spot-orders-10s``)."""
    letter = _INTERVAL_LETTER.get(interval, interval[:1])
    kind = limit_type.lower().replace("_", "-")
    return f"binance-{market}-{kind}-{interval_num}{letter.lower()}"


def _pool(
    market: MarketName,
    limit_type: str,
    interval: str,
    interval_num: int,
    limit: int,
    doc: str,
) -> Pool:
    prefix = _HEADER_PREFIX.get(limit_type)
    letter = _INTERVAL_LETTER.get(interval, interval[:1])
    return Pool(
        name=pool_name(market, limit_type, interval, interval_num),
        limit=limit,
        window_s=float(_INTERVAL_SECONDS.get(interval, 60) * interval_num),
        kind=PoolKind.FIXED_WINDOW,
        # ORDERS counts per account; REQUEST_WEIGHT and RAW_REQUESTS per IP (BSD §LIMITS).
        scope=Scope.ACCOUNT if limit_type == "ORDERS" else Scope.IP,
        header=f"{prefix}{interval_num}{letter}" if prefix else None,
        doc=doc,
    )


def pools_from_rate_limits(
    rate_limits: Iterable[s.RateLimit], *, market: MarketName
) -> tuple[Pool, ...]:
    """Pools from an ``exchangeInfo.rateLimits`` array (same names as the defaults)."""
    return tuple(
        _pool(market, r.rateLimitType, r.interval, r.intervalNum, r.limit, "exchangeInfo")
        for r in rate_limits
        if r.limit > 0
    )


def usage_from_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], pools: Sequence[Pool]
) -> list[tuple[Pool, float]]:
    """``(pool, used)`` for every pool whose usage header is in the response.

    Reads ``X-MBX-USED-WEIGHT-<n><S|M|H|D>`` and ``X-MBX-ORDER-COUNT-<n><S|M|H|D>`` (header
    names compared case-insensitively); unparseable values are skipped, never raised.
    """
    by_header = {p.header.lower(): p for p in pools if p.header}
    items = headers.items() if isinstance(headers, Mapping) else headers
    found: list[tuple[Pool, float]] = []
    for key, value in items:
        pool = by_header.get(key.lower())
        if pool is None:
            continue
        try:
            used = float(value)
        except ValueError:
            continue
        if used >= 0:
            found.append((pool, used))
    return found


# -- pools ---------------------------------------------------------------------------------

SPOT_REQUEST_WEIGHT = _pool("spot", "REQUEST_WEIGHT", "MINUTE", 1, 6000, "BSD CHANGELOG")
SPOT_RAW_REQUESTS = _pool("spot", "RAW_REQUESTS", "MINUTE", 5, 300_000, "BSD CHANGELOG 2026-03-27")
# The docs publish no production ORDERS numbers (the FAQ uses 100/10 s as its example):
# refresh from exchangeInfo.rateLimits.
SPOT_ORDERS_10S = _pool("spot", "ORDERS", "SECOND", 10, 100, "BSD faqs/order_count_decrement.md")
SPOT_ORDERS_1D = _pool("spot", "ORDERS", "DAY", 1, 200_000, "default; refresh from exchangeInfo")

USDM_REQUEST_WEIGHT = _pool("usdm", "REQUEST_WEIGHT", "MINUTE", 1, 2400, "binance.com futures FAQ")
USDM_ORDERS_1M = _pool("usdm", "ORDERS", "MINUTE", 1, 1200, "binance.com futures FAQ")
USDM_ORDERS_10S = _pool("usdm", "ORDERS", "SECOND", 10, 300, "binance.com futures FAQ")

SPOT_POOLS = (SPOT_REQUEST_WEIGHT, SPOT_RAW_REQUESTS, SPOT_ORDERS_10S, SPOT_ORDERS_1D)
USDM_POOLS = (USDM_REQUEST_WEIGHT, USDM_ORDERS_1M, USDM_ORDERS_10S)


# -- cost helpers --------------------------------------------------------------------------


def _spot(weight: int, *, order: bool = False) -> tuple[Cost, ...]:
    costs = [Cost(SPOT_REQUEST_WEIGHT, weight), Cost(SPOT_RAW_REQUESTS, 1)]
    if order:
        costs += [Cost(SPOT_ORDERS_10S, 1), Cost(SPOT_ORDERS_1D, 1)]
    return tuple(costs)


def _usdm(weight: int, *, order: bool = False) -> tuple[Cost, ...]:
    costs = [Cost(USDM_REQUEST_WEIGHT, weight)] if weight else []
    if order:
        costs += [Cost(USDM_ORDERS_10S, 1), Cost(USDM_ORDERS_1M, 1)]
    return tuple(costs)


def _int(params: Mapping[str, Any], key: str, default: int) -> int:
    try:
        return int(params.get(key, default))
    except (TypeError, ValueError):
        return default


def _spot_depth_cost(params: Mapping[str, Any]) -> tuple[Cost, ...]:
    # BSD rest-api.md GET /api/v3/depth: 1-100 -> 5, 101-500 -> 25, 501-1000 -> 50, 1001-5000 -> 250.
    limit = _int(params, "limit", 100)
    weight = 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
    return _spot(weight)


def _usdm_depth_cost(params: Mapping[str, Any]) -> tuple[Cost, ...]:
    # BCP market_data_api order_book: 5/10/20/50 -> 2, 100 -> 5, 500 -> 10, 1000 -> 20.
    limit = _int(params, "limit", 500)
    weight = 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20
    return _usdm(weight)


def _usdm_klines_cost(params: Mapping[str, Any]) -> tuple[Cost, ...]:
    # BCP kline_candlestick_data: [1,100) -> 1, [100,500) -> 2, [500,1000] -> 5, >1000 -> 10.
    limit = _int(params, "limit", 500)
    weight = 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10
    return _usdm(weight)


def _symbol_count(params: Mapping[str, Any]) -> int | None:
    """1 for ``symbol``, n for a ``symbols`` JSON array, ``None`` for all symbols."""
    if params.get("symbol"):
        return 1
    symbols = params.get("symbols")
    if not symbols:
        return None
    if isinstance(symbols, str):
        return max(symbols.count(",") + 1, 1)
    return len(symbols)


def _spot_ticker_cost(params: Mapping[str, Any]) -> tuple[Cost, ...]:
    # BSD GET /api/v3/ticker/24hr: symbol 2, none 80; symbols 1-20 -> 2, 21-100 -> 40, 101+ -> 80.
    n = _symbol_count(params)
    return _spot(80 if n is None or n > 100 else 40 if n > 20 else 2)


def _by_symbol(one: Callable[[], tuple[Cost, ...]], all_: Callable[[], tuple[Cost, ...]]) -> Any:
    def cost(params: Mapping[str, Any]) -> tuple[Cost, ...]:
        return one() if params.get("symbol") else all_()

    return cost


def _spot_trades_cost(params: Mapping[str, Any]) -> tuple[Cost, ...]:
    # BSD GET /api/v3/myTrades: 20, or 5 with orderId.
    return _spot(5 if params.get("orderId") else 20)


# -- the endpoint tables -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Every endpoint the client uses; ``None`` where the market has no such endpoint."""

    server_time: Endpoint
    exchange_info: Endpoint
    ticker_24h: Endpoint
    book_ticker: Endpoint
    klines: Endpoint
    depth: Endpoint
    new_order: Endpoint
    cancel_order: Endpoint
    query_order: Endpoint
    open_orders: Endpoint
    cancel_all_orders: Endpoint
    my_trades: Endpoint
    account: Endpoint
    balance: Endpoint | None = None
    position_risk: Endpoint | None = None
    set_leverage: Endpoint | None = None
    position_mode: Endpoint | None = None
    set_position_mode: Endpoint | None = None
    cancel_batch_orders: Endpoint | None = None
    listen_key_create: Endpoint | None = None
    listen_key_keepalive: Endpoint | None = None
    listen_key_close: Endpoint | None = None
    new_algo_order: Endpoint | None = None
    cancel_algo_order: Endpoint | None = None
    open_algo_orders: Endpoint | None = None


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """One Binance market (spot or USDⓈ-M): where it lives, its pools and endpoints."""

    name: MarketName
    rest_url: str
    rest_testnet_url: str
    ws_api_url: str
    ws_api_testnet_url: str
    ws_streams_url: str
    ws_streams_testnet_url: str
    pools: tuple[Pool, ...]
    endpoints: Endpoints


_SPOT_DOC = "https://github.com/binance/binance-spot-api-docs/blob/master/rest-api.md"
_FAPI_DOC = "https://developers.binance.com/docs/derivatives/usds-margined-futures"

SPOT = MarketSpec(
    name="spot",
    rest_url="https://api.binance.com",
    # Fact sheet §1.1: the testnet serves only /api (no /sapi).
    rest_testnet_url="https://testnet.binance.vision",
    ws_api_url="wss://ws-api.binance.com:443/ws-api/v3",
    ws_api_testnet_url="wss://ws-api.testnet.binance.vision/ws-api/v3",
    ws_streams_url="wss://stream.binance.com:9443",
    ws_streams_testnet_url="wss://stream.testnet.binance.vision",
    pools=SPOT_POOLS,
    endpoints=Endpoints(
        server_time=Endpoint(
            "GET",
            "/api/v3/time",
            cost=_spot(1),
            priority=Priority.ACCOUNT,
            doc=f"{_SPOT_DOC}#check-server-time",
            extra={"response": s.ServerTime},
        ),
        exchange_info=Endpoint(
            "GET",
            "/api/v3/exchangeInfo",
            cost=_spot(20),
            doc=f"{_SPOT_DOC}#exchange-information",
            extra={"response": s.SpotExchangeInfo},
        ),
        ticker_24h=Endpoint(
            "GET",
            "/api/v3/ticker/24hr",
            cost=_spot_ticker_cost,
            doc=f"{_SPOT_DOC}#24hr-ticker-price-change-statistics",
            extra={"response": s.SpotTicker24h},
        ),
        book_ticker=Endpoint(
            # Current docs: 2 for one symbol, 4 otherwise [? not in the fact sheet].
            "GET",
            "/api/v3/ticker/bookTicker",
            cost=_by_symbol(lambda: _spot(2), lambda: _spot(4)),
            doc=f"{_SPOT_DOC}#symbol-order-book-ticker",
            extra={"response": s.BookTicker},
        ),
        klines=Endpoint(
            "GET",
            "/api/v3/klines",
            cost=_spot(2),
            doc=f"{_SPOT_DOC}#klinecandlestick-data",
            extra={"response": list[s.KlineRow]},
        ),
        depth=Endpoint(
            "GET",
            "/api/v3/depth",
            cost=_spot_depth_cost,
            doc=f"{_SPOT_DOC}#order-book",
            extra={"response": s.DepthSnapshot},
        ),
        # Successful orders and cancels cost 0 weight since 2026-04-02 but failed ones are
        # charged 1: we pre-charge 1 and the used-weight header corrects it.
        new_order=Endpoint(
            "POST",
            "/api/v3/order",
            Security.SIGNED,
            cost=_spot(1, order=True),
            priority=Priority.ORDER,
            doc=f"{_SPOT_DOC}#new-order-trade",
            extra={"response": s.SpotOrder},
        ),
        cancel_order=Endpoint(
            "DELETE",
            "/api/v3/order",
            Security.SIGNED,
            cost=_spot(1),
            priority=Priority.CANCEL,
            doc=f"{_SPOT_DOC}#cancel-order-trade",
            extra={"response": s.SpotOrder},
        ),
        query_order=Endpoint(
            "GET",
            "/api/v3/order",
            Security.SIGNED,
            cost=_spot(4),
            priority=Priority.ACCOUNT,
            doc=f"{_SPOT_DOC}#query-order-user_data",
            extra={"response": s.SpotOrder},
        ),
        open_orders=Endpoint(
            "GET",
            "/api/v3/openOrders",
            Security.SIGNED,
            cost=_by_symbol(lambda: _spot(6), lambda: _spot(80)),
            priority=Priority.ACCOUNT,
            doc=f"{_SPOT_DOC}#current-open-orders-user_data",
            extra={"response": list[s.SpotOrder]},
        ),
        cancel_all_orders=Endpoint(
            "DELETE",
            "/api/v3/openOrders",
            Security.SIGNED,
            cost=_spot(1),
            priority=Priority.CANCEL,
            doc=f"{_SPOT_DOC}#cancel-all-open-orders-on-a-symbol-trade",
            extra={"response": list[s.SpotCancelAllItem]},
        ),
        my_trades=Endpoint(
            "GET",
            "/api/v3/myTrades",
            Security.SIGNED,
            cost=_spot_trades_cost,
            priority=Priority.ACCOUNT,
            doc=f"{_SPOT_DOC}#account-trade-list-user_data",
            extra={"response": list[s.SpotMyTrade]},
        ),
        account=Endpoint(
            "GET",
            "/api/v3/account",
            Security.SIGNED,
            cost=_spot(20),
            priority=Priority.ACCOUNT,
            doc=f"{_SPOT_DOC}#account-information-user_data",
            extra={"response": s.SpotAccount},
        ),
    ),
)

USDM = MarketSpec(
    name="usdm",
    rest_url="https://fapi.binance.com",
    rest_testnet_url="https://testnet.binancefuture.com",
    ws_api_url="wss://ws-fapi.binance.com/ws-fapi/v1",
    ws_api_testnet_url="wss://testnet.binancefuture.com/ws-fapi/v1",
    # Routed paths /public, /market, /private since 2026-04-23 (fact sheet §1.1).
    ws_streams_url="wss://fstream.binance.com",
    ws_streams_testnet_url="wss://fstream.binancefuture.com",
    pools=USDM_POOLS,
    endpoints=Endpoints(
        server_time=Endpoint(
            "GET",
            "/fapi/v1/time",
            cost=_usdm(1),
            priority=Priority.ACCOUNT,
            doc=f"{_FAPI_DOC}/market-data/rest-api/Check-Server-Time",
            extra={"response": s.ServerTime},
        ),
        exchange_info=Endpoint(
            "GET",
            "/fapi/v1/exchangeInfo",
            cost=_usdm(1),
            doc=f"{_FAPI_DOC}/market-data/rest-api/Exchange-Information",
            extra={"response": s.UsdmExchangeInfo},
        ),
        ticker_24h=Endpoint(
            "GET",
            "/fapi/v1/ticker/24hr",
            cost=_by_symbol(lambda: _usdm(1), lambda: _usdm(40)),
            doc=f"{_FAPI_DOC}/market-data/rest-api/24hr-Ticker-Price-Change-Statistics",
            extra={"response": s.UsdmTicker24h},
        ),
        book_ticker=Endpoint(
            "GET",
            "/fapi/v1/ticker/bookTicker",
            cost=_by_symbol(lambda: _usdm(2), lambda: _usdm(5)),
            doc=f"{_FAPI_DOC}/market-data/rest-api/Symbol-Order-Book-Ticker",
            extra={"response": s.BookTicker},
        ),
        klines=Endpoint(
            "GET",
            "/fapi/v1/klines",
            cost=_usdm_klines_cost,
            doc=f"{_FAPI_DOC}/market-data/rest-api/Kline-Candlestick-Data",
            extra={"response": list[s.KlineRow]},
        ),
        depth=Endpoint(
            "GET",
            "/fapi/v1/depth",
            cost=_usdm_depth_cost,
            doc=f"{_FAPI_DOC}/market-data/rest-api/Order-Book",
            extra={"response": s.DepthSnapshot},
        ),
        # POST /fapi/v1/order: 0 weight, 1 on each order counter (BCP trade_api new_order).
        new_order=Endpoint(
            "POST",
            "/fapi/v1/order",
            Security.SIGNED,
            cost=_usdm(0, order=True),
            priority=Priority.ORDER,
            doc=f"{_FAPI_DOC}/trade/rest-api/New-Order",
            extra={"response": s.UsdmOrder},
        ),
        cancel_order=Endpoint(
            "DELETE",
            "/fapi/v1/order",
            Security.SIGNED,
            cost=_usdm(1),
            priority=Priority.CANCEL,
            doc=f"{_FAPI_DOC}/trade/rest-api/Cancel-Order",
            extra={"response": s.UsdmOrder},
        ),
        query_order=Endpoint(
            "GET",
            "/fapi/v1/order",
            Security.SIGNED,
            cost=_usdm(1),
            priority=Priority.ACCOUNT,
            doc=f"{_FAPI_DOC}/trade/rest-api/Query-Order",
            extra={"response": s.UsdmOrder},
        ),
        open_orders=Endpoint(
            "GET",
            "/fapi/v1/openOrders",
            Security.SIGNED,
            cost=_by_symbol(lambda: _usdm(1), lambda: _usdm(40)),
            priority=Priority.ACCOUNT,
            doc=f"{_FAPI_DOC}/trade/rest-api/Current-All-Open-Orders",
            extra={"response": list[s.UsdmOrder]},
        ),
        # Answers {"code": 200, "msg": "..."}, not the cancelled orders: list them first.
        cancel_all_orders=Endpoint(
            "DELETE",
            "/fapi/v1/allOpenOrders",
            Security.SIGNED,
            cost=_usdm(1),
            priority=Priority.CANCEL,
            doc=f"{_FAPI_DOC}/trade/rest-api/Cancel-All-Open-Orders",
            extra={"response": s.CodeMsg},
        ),
        my_trades=Endpoint(
            "GET",
            "/fapi/v1/userTrades",
            Security.SIGNED,
            cost=_usdm(5),
            priority=Priority.ACCOUNT,
            doc=f"{_FAPI_DOC}/trade/rest-api/Account-Trade-List",
            extra={"response": list[s.UsdmUserTrade]},
        ),
        account=Endpoint(
            "GET",
            "/fapi/v3/account",
            Security.SIGNED,
            cost=_usdm(5),
            priority=Priority.ACCOUNT,
            doc=f"{_FAPI_DOC}/account/rest-api/Account-Information-V3",
            extra={"response": s.UsdmAccount},
        ),
        balance=Endpoint(
            "GET",
            "/fapi/v3/balance",
            Security.SIGNED,
            cost=_usdm(5),
            priority=Priority.ACCOUNT,
            doc=f"{_FAPI_DOC}/account/rest-api/Futures-Account-Balance-V3",
            extra={"response": list[s.UsdmBalance]},
        ),
        position_risk=Endpoint(
            "GET",
            "/fapi/v3/positionRisk",
            Security.SIGNED,
            cost=_usdm(5),
            priority=Priority.ACCOUNT,
            doc=f"{_FAPI_DOC}/trade/rest-api/Position-Information-V3",
            extra={"response": list[s.UsdmPositionRisk]},
        ),
        set_leverage=Endpoint(
            "POST",
            "/fapi/v1/leverage",
            Security.SIGNED,
            cost=_usdm(1),
            priority=Priority.ACCOUNT,
            retry_safe=True,
            doc=f"{_FAPI_DOC}/trade/rest-api/Change-Initial-Leverage",
            extra={"response": s.LeverageResponse},
        ),
        position_mode=Endpoint(
            "GET",
            "/fapi/v1/positionSide/dual",
            Security.SIGNED,
            cost=_usdm(30),
            priority=Priority.ACCOUNT,
            doc=f"{_FAPI_DOC}/account/rest-api/Get-Current-Position-Mode",
            extra={"response": s.PositionMode},
        ),
        # Weight 1; refused with -4059 (no change), -4067 (open orders), -4068 (a position)
        # (BFD trade/rest-api/Change-Position-Mode and error-code page).
        set_position_mode=Endpoint(
            "POST",
            "/fapi/v1/positionSide/dual",
            Security.SIGNED,
            cost=_usdm(1),
            priority=Priority.ACCOUNT,
            retry_safe=True,
            doc=f"{_FAPI_DOC}/trade/rest-api/Change-Position-Mode",
            extra={"response": s.CodeMsg},
        ),
        # Weight 1, at most 10 ids; answers one item per id: the cancelled order, or an
        # error object such as {"code": -2011, "msg": "Unknown order sent."} (BFD
        # trade/rest-api/Cancel-Multiple-Orders).
        cancel_batch_orders=Endpoint(
            "DELETE",
            "/fapi/v1/batchOrders",
            Security.SIGNED,
            cost=_usdm(1),
            priority=Priority.CANCEL,
            doc=f"{_FAPI_DOC}/trade/rest-api/Cancel-Multiple-Orders",
            extra={"response": list[msgspec.Raw]},
        ),
        # POST returns the existing key if there is one, so resending is harmless.
        listen_key_create=Endpoint(
            "POST",
            "/fapi/v1/listenKey",
            Security.API_KEY,
            cost=_usdm(1),
            priority=Priority.ACCOUNT,
            retry_safe=True,
            doc=f"{_FAPI_DOC}/user-data-streams/Start-User-Data-Stream",
            extra={"response": s.ListenKey},
        ),
        listen_key_keepalive=Endpoint(
            "PUT",
            "/fapi/v1/listenKey",
            Security.API_KEY,
            cost=_usdm(1),
            priority=Priority.ACCOUNT,
            retry_safe=True,
            doc=f"{_FAPI_DOC}/user-data-streams/Keepalive-User-Data-Stream",
            extra={"response": s.ListenKey},
        ),
        listen_key_close=Endpoint(
            "DELETE",
            "/fapi/v1/listenKey",
            Security.API_KEY,
            cost=_usdm(1),
            priority=Priority.ACCOUNT,
            retry_safe=True,
            doc=f"{_FAPI_DOC}/user-data-streams/Close-User-Data-Stream",
        ),
        # Conditional types on /fapi/v1/order fail with -4120 since Dec 2025: stop and
        # take-profit orders go to the Algo Service (fact sheet §1.4).
        new_algo_order=Endpoint(
            "POST",
            "/fapi/v1/algoOrder",
            Security.SIGNED,
            cost=_usdm(0, order=True),
            priority=Priority.ORDER,
            doc=f"{_FAPI_DOC}/trade/rest-api/New-Algo-Order",
            extra={"response": s.UsdmAlgoOrder},
        ),
        cancel_algo_order=Endpoint(
            "DELETE",
            "/fapi/v1/algoOrder",
            Security.SIGNED,
            cost=_usdm(1),
            priority=Priority.CANCEL,
            doc=f"{_FAPI_DOC}/trade/rest-api/Cancel-Algo-Order",
            extra={"response": s.AlgoCancel},
        ),
        open_algo_orders=Endpoint(
            "GET",
            "/fapi/v1/openAlgoOrders",
            Security.SIGNED,
            cost=_by_symbol(lambda: _usdm(1), lambda: _usdm(40)),
            priority=Priority.ACCOUNT,
            doc=f"{_FAPI_DOC}/trade/rest-api/Current-All-Algo-Open-Orders",
            extra={"response": list[s.UsdmAlgoOrder]},
        ),
    ),
)
