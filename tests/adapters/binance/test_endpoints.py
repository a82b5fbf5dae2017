"""Endpoints and pools are data: costs, priorities and server-reported usage."""

from dataclasses import fields

import pytest
from exchangekit_binance import schemas as s
from exchangekit_binance.endpoints import (
    SPOT,
    USDM,
    MarketSpec,
    pools_from_rate_limits,
    usage_from_headers,
)

from exchangekit.ratelimit.spec import Pool, Priority, Scope
from exchangekit.transport.endpoint import Endpoint, Security

from ._payloads import load


def _weight(endpoint: Endpoint, params: dict[str, object], pool_name: str) -> int:
    return sum(c.weight for c in endpoint.costs(params) if c.pool.name == pool_name)


def _endpoints(spec: MarketSpec) -> dict[str, Endpoint]:
    table = spec.endpoints
    found = {f.name: getattr(table, f.name) for f in fields(table)}
    return {name: ep for name, ep in found.items() if ep is not None}


def test_spot_pools_are_the_documented_defaults() -> None:
    pools = {p.name: p for p in SPOT.pools}
    weight = pools["binance-spot-request-weight-1m"]
    assert (weight.limit, weight.window_s, weight.scope) == (6000, 60.0, Scope.IP)
    assert weight.header == "X-MBX-USED-WEIGHT-1M"
    raw = pools["binance-spot-raw-requests-5m"]
    assert (raw.limit, raw.window_s, raw.header) == (300_000, 300.0, None)
    orders = pools["binance-spot-orders-10s"]
    assert (orders.limit, orders.window_s, orders.scope) == (100, 10.0, Scope.ACCOUNT)
    assert orders.header == "X-MBX-ORDER-COUNT-10S"
    daily = pools["binance-spot-orders-1d"]
    assert (daily.limit, daily.window_s, daily.header) == (200_000, 86400.0, "X-MBX-ORDER-COUNT-1D")


def test_futures_pools_are_the_documented_defaults() -> None:
    pools = {p.name: (p.limit, p.window_s, p.header) for p in USDM.pools}
    assert pools == {
        "binance-usdm-request-weight-1m": (2400, 60.0, "X-MBX-USED-WEIGHT-1M"),
        "binance-usdm-orders-1m": (1200, 60.0, "X-MBX-ORDER-COUNT-1M"),
        "binance-usdm-orders-10s": (300, 10.0, "X-MBX-ORDER-COUNT-10S"),
    }


@pytest.mark.parametrize(
    ("spec", "fixture", "info_type"),
    [
        (SPOT, "spot_exchange_info", s.SpotExchangeInfo),
        (USDM, "usdm_exchange_info", s.UsdmExchangeInfo),
    ],
)
def test_pools_built_from_exchange_info_keep_the_default_names(
    spec: MarketSpec, fixture: str, info_type: type[s.SpotExchangeInfo]
) -> None:
    info = load(fixture, info_type)
    built = {p.name: p for p in pools_from_rate_limits(info.rateLimits, market=spec.name)}
    defaults = {p.name: p for p in spec.pools}
    assert built.keys() == defaults.keys()
    for name, pool in built.items():
        assert pool.limit == defaults[name].limit
        assert pool.header == defaults[name].header
        assert pool.scope == defaults[name].scope


def test_pools_follow_changed_limits_from_exchange_info() -> None:
    info = load("spot_exchange_info", s.SpotExchangeInfo)
    tighter = [
        s.RateLimit(r.rateLimitType, r.interval, r.intervalNum, r.limit // 2)
        for r in info.rateLimits
    ]
    built = {p.name: p.limit for p in pools_from_rate_limits(tighter, market="spot")}
    assert built["binance-spot-request-weight-1m"] == 3000
    assert built["binance-spot-orders-10s"] == 50


def test_usage_headers_map_to_their_pools_case_insensitively() -> None:
    headers = {
        "x-mbx-used-weight-1m": "1234",
        "X-MBX-ORDER-COUNT-10S": "7",
        "X-MBX-ORDER-COUNT-1D": "not-a-number",
        "X-MBX-USED-WEIGHT-1S": "3",
        "Content-Type": "application/json",
    }
    usage = {pool.name: used for pool, used in usage_from_headers(headers, SPOT.pools)}
    assert usage == {"binance-spot-request-weight-1m": 1234.0, "binance-spot-orders-10s": 7.0}


def test_usage_headers_accept_header_pairs() -> None:
    pairs = [("X-MBX-USED-WEIGHT-1M", "5"), ("X-MBX-ORDER-COUNT-1M", "2")]
    usage = {pool.name: used for pool, used in usage_from_headers(pairs, USDM.pools)}
    assert usage == {"binance-usdm-request-weight-1m": 5.0, "binance-usdm-orders-1m": 2.0}


@pytest.mark.parametrize(
    ("limit", "weight"),
    [
        (None, 5),
        (5, 5),
        (100, 5),
        (101, 25),
        (500, 25),
        (501, 50),
        (1000, 50),
        (1001, 250),
        (5000, 250),
    ],
)
def test_spot_depth_weight_follows_the_limit_table(limit: int | None, weight: int) -> None:
    params = {} if limit is None else {"limit": limit}
    assert _weight(SPOT.endpoints.depth, params, "binance-spot-request-weight-1m") == weight


@pytest.mark.parametrize(
    ("limit", "weight"),
    [(5, 2), (10, 2), (20, 2), (50, 2), (100, 5), (500, 10), (None, 10), (1000, 20)],
)
def test_futures_depth_weight_follows_the_limit_table(limit: int | None, weight: int) -> None:
    params = {} if limit is None else {"limit": limit}
    assert _weight(USDM.endpoints.depth, params, "binance-usdm-request-weight-1m") == weight


@pytest.mark.parametrize(
    ("limit", "weight"), [(99, 1), (100, 2), (499, 2), (500, 5), (1000, 5), (1500, 10)]
)
def test_futures_klines_weight_follows_the_limit_table(limit: int, weight: int) -> None:
    params = {"limit": limit}
    assert _weight(USDM.endpoints.klines, params, "binance-usdm-request-weight-1m") == weight


def test_open_orders_weight_depends_on_the_symbol() -> None:
    w = "binance-spot-request-weight-1m"
    assert _weight(SPOT.endpoints.open_orders, {"symbol": "BTCUSDT"}, w) == 6
    assert _weight(SPOT.endpoints.open_orders, {}, w) == 80
    fw = "binance-usdm-request-weight-1m"
    assert _weight(USDM.endpoints.open_orders, {"symbol": "BTCUSDT"}, fw) == 1
    assert _weight(USDM.endpoints.open_orders, {}, fw) == 40


def test_spot_ticker_weight_depends_on_how_many_symbols() -> None:
    w = "binance-spot-request-weight-1m"
    ticker = SPOT.endpoints.ticker_24h
    assert _weight(ticker, {"symbol": "BTCUSDT"}, w) == 2
    assert _weight(ticker, {}, w) == 80
    assert _weight(ticker, {"symbols": '["A","B"]'}, w) == 2
    assert _weight(ticker, {"symbols": [str(i) for i in range(50)]}, w) == 40
    assert _weight(ticker, {"symbols": [str(i) for i in range(101)]}, w) == 80


def test_order_placement_charges_every_order_pool() -> None:
    spot = {c.pool.name: c.weight for c in SPOT.endpoints.new_order.costs({})}
    assert spot == {
        "binance-spot-request-weight-1m": 1,
        "binance-spot-raw-requests-5m": 1,
        "binance-spot-orders-10s": 1,
        "binance-spot-orders-1d": 1,
    }
    futures = {c.pool.name: c.weight for c in USDM.endpoints.new_order.costs({})}
    assert futures == {"binance-usdm-orders-10s": 1, "binance-usdm-orders-1m": 1}


@pytest.mark.parametrize("spec", [SPOT, USDM], ids=["spot", "usdm"])
def test_every_endpoint_has_priority_security_doc_and_known_pools(spec: MarketSpec) -> None:
    pool_names = {p.name for p in spec.pools}
    for name, ep in _endpoints(spec).items():
        assert ep.doc.startswith("https://"), name
        for cost in ep.costs({"symbol": "BTCUSDT"}):
            assert isinstance(cost.pool, Pool)
            assert cost.pool.name in pool_names, name
        if name.startswith("cancel"):
            assert ep.priority is Priority.CANCEL, name
        elif name.startswith("new_"):
            assert ep.priority is Priority.ORDER, name
            assert not ep.is_retry_safe, name
        elif name in ("exchange_info", "ticker_24h", "book_ticker", "klines", "depth"):
            assert ep.priority is Priority.MARKET_DATA, name
            assert ep.security is Security.PUBLIC, name
        else:
            assert ep.priority is Priority.ACCOUNT, name
        if name in ("new_order", "cancel_order", "query_order", "open_orders", "account"):
            assert ep.security is Security.SIGNED, name


def test_spot_and_futures_differ_only_in_data() -> None:
    assert type(SPOT) is type(USDM)
    assert SPOT.endpoints.new_order.path == "/api/v3/order"
    assert USDM.endpoints.new_order.path == "/fapi/v1/order"
    assert SPOT.endpoints.position_risk is None
    assert USDM.endpoints.position_risk is not None
    assert USDM.endpoints.new_algo_order is not None
    assert USDM.endpoints.new_algo_order.path == "/fapi/v1/algoOrder"
