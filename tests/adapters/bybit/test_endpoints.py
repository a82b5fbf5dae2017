"""Endpoints and pools are data: costs, priorities, category and server-reported limits."""

from dataclasses import fields

import pytest
from exchangekit_bybit.endpoints import (
    IP_LIMIT_BAN_S,
    LINEAR,
    SPOT,
    MarketSpec,
    endpoint_pool,
    limit_status,
    usage_from_headers,
)

from exchangekit.ratelimit.spec import Pool, Priority, Scope
from exchangekit.transport.endpoint import Endpoint, Security


def _endpoints(spec: MarketSpec) -> dict[str, Endpoint]:
    table = spec.endpoints
    found = {f.name: getattr(table, f.name) for f in fields(table)}
    return {name: ep for name, ep in found.items() if ep is not None}


def _limit(endpoint: Endpoint) -> int | None:
    pool = endpoint_pool(endpoint)
    return None if pool is None else pool.limit


def test_ip_pool_is_600_requests_per_5_seconds() -> None:
    ip = SPOT.pools[0]
    assert (ip.limit, ip.window_s, ip.scope) == (600, 5.0, Scope.IP)
    assert ip is LINEAR.pools[0]
    assert IP_LIMIT_BAN_S == 600.0


@pytest.mark.parametrize("spec", [SPOT, LINEAR], ids=["spot", "linear"])
def test_every_endpoint_charges_the_ip_pool(spec: MarketSpec) -> None:
    for name, endpoint in _endpoints(spec).items():
        assert endpoint.costs()[0].pool.name == "bybit-ip-5s", name
        assert endpoint.path.startswith("/v5/"), name
        assert endpoint.doc.startswith("https://bybit-exchange.github.io/docs/v5/"), name


@pytest.mark.parametrize("spec", [SPOT, LINEAR], ids=["spot", "linear"])
def test_every_charged_pool_is_declared_by_the_market(spec: MarketSpec) -> None:
    declared = set(spec.pools)
    for endpoint in _endpoints(spec).values():
        for cost in endpoint.costs():
            assert cost.pool in declared


def test_trade_limits_are_the_documented_per_uid_rates() -> None:
    spot, linear = SPOT.endpoints, LINEAR.endpoints
    assert [
        _limit(spot.order_create),
        _limit(spot.order_cancel),
        _limit(spot.order_cancel_all),
    ] == [
        20,
        20,
        20,
    ]
    assert [
        _limit(linear.order_create),
        _limit(linear.order_cancel),
        _limit(linear.order_cancel_all),
    ] == [10, 10, 10]
    assert linear.set_leverage is not None and _limit(linear.set_leverage) == 10


def test_read_limits_are_fifty_per_second_and_shared_by_both_markets() -> None:
    for name in ("open_orders", "order_history", "executions", "wallet_balance"):
        spot_pool = endpoint_pool(getattr(SPOT.endpoints, name))
        linear_pool = endpoint_pool(getattr(LINEAR.endpoints, name))
        assert spot_pool is linear_pool, name
        assert spot_pool is not None and spot_pool.limit == 50
        assert spot_pool.window_s == 1.0
    assert LINEAR.endpoints.positions is not None
    assert _limit(LINEAR.endpoints.positions) == 50


def test_market_data_has_no_per_uid_pool() -> None:
    for name in ("server_time", "instruments", "tickers", "kline", "orderbook"):
        endpoint = getattr(SPOT.endpoints, name)
        assert endpoint_pool(endpoint) is None, name
        assert endpoint.security is Security.PUBLIC


def test_spot_has_no_position_endpoints() -> None:
    assert SPOT.endpoints.positions is None
    assert SPOT.endpoints.set_leverage is None


def test_markets_differ_in_category_and_public_stream_not_in_paths() -> None:
    assert (SPOT.category, LINEAR.category) == ("spot", "linear")
    assert SPOT.ws_public_url == "wss://stream.bybit.com/v5/public/spot"
    assert LINEAR.ws_public_testnet_url == "wss://stream-testnet.bybit.com/v5/public/linear"
    assert SPOT.rest_testnet_url == "https://api-testnet.bybit.com"
    assert SPOT.rest_demo_url == "https://api-demo.bybit.com"
    assert SPOT.ws_private_demo_url == "wss://stream-demo.bybit.com/v5/private"
    for name, endpoint in _endpoints(SPOT).items():
        assert getattr(LINEAR.endpoints, name).path == endpoint.path


def test_priorities_put_cancels_before_orders_before_reads() -> None:
    ep = LINEAR.endpoints
    assert ep.order_cancel.priority is Priority.CANCEL
    assert ep.order_cancel_all.priority is Priority.CANCEL
    assert ep.order_create.priority is Priority.ORDER
    assert ep.open_orders.priority is Priority.ACCOUNT
    assert ep.tickers.priority is Priority.MARKET_DATA


def test_writes_are_not_retry_safe_except_set_leverage() -> None:
    ep = LINEAR.endpoints
    assert not ep.order_create.is_retry_safe
    assert not ep.order_cancel.is_retry_safe
    assert ep.set_leverage is not None and ep.set_leverage.is_retry_safe
    assert ep.open_orders.is_retry_safe


def test_limit_status_reads_the_three_headers_case_insensitively() -> None:
    headers = {
        "x-bapi-limit": "10",
        "X-BAPI-LIMIT-STATUS": "9",
        "X-Bapi-Limit-Reset-Timestamp": "1672738134824",
    }
    status = limit_status(headers)
    assert status is not None
    assert (status.limit, status.remaining, status.reset_ms, status.used) == (
        10,
        9,
        1672738134824,
        1,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Bapi-Limit": "10"},
        {"X-Bapi-Limit": "ten", "X-Bapi-Limit-Status": "9"},
        {"X-Bapi-Limit": "0", "X-Bapi-Limit-Status": "0"},
        {"X-Bapi-Limit": "10", "X-Bapi-Limit-Status": "-1"},
    ],
)
def test_missing_or_bad_limit_headers_are_ignored(headers: dict[str, str]) -> None:
    assert limit_status(headers) is None
    assert usage_from_headers(headers, LINEAR.endpoints.order_create) == []


def test_usage_syncs_the_endpoint_pool_from_remaining_calls() -> None:
    headers = [("X-Bapi-Limit", "10"), ("X-Bapi-Limit-Status", "3")]
    [(pool, used)] = usage_from_headers(headers, LINEAR.endpoints.order_create)
    assert pool.name == "bybit-linear-order-create-1s"
    assert used == 7.0


def test_usage_scales_a_raised_vip_limit_to_the_pool() -> None:
    headers = {"X-Bapi-Limit": "40", "X-Bapi-Limit-Status": "30"}
    [(pool, used)] = usage_from_headers(headers, SPOT.endpoints.order_create)
    assert isinstance(pool, Pool) and pool.limit == 20
    assert used == 5.0


def test_usage_is_empty_for_endpoints_without_a_per_uid_pool() -> None:
    headers = {"X-Bapi-Limit": "10", "X-Bapi-Limit-Status": "3"}
    assert usage_from_headers(headers, SPOT.endpoints.tickers) == []
