"""Endpoints and pools are data: one table for spot and swaps, costs and priorities beside."""

from dataclasses import fields

import pytest
from exchangekit_okx import endpoints as e
from exchangekit_okx.endpoints import ENDPOINTS, POOLS, SPOT, SWAP

from exchangekit.models import OrderType
from exchangekit.ratelimit.spec import Priority, Scope
from exchangekit.transport.endpoint import Endpoint, Security


def _all() -> dict[str, Endpoint]:
    return {f.name: getattr(ENDPOINTS, f.name) for f in fields(ENDPOINTS)}


def test_spot_and_swap_differ_in_inst_type_and_trade_mode_not_in_endpoints() -> None:
    assert (SPOT.inst_type, SPOT.td_mode) == ("SPOT", "cash")
    assert (SWAP.inst_type, SWAP.td_mode) == ("SWAP", "cross")
    assert SPOT.endpoints is SWAP.endpoints
    assert SPOT.pools is SWAP.pools
    assert SPOT.ws_demo_private_url == "wss://wspap.okx.com:8443/ws/v5/private"
    assert SPOT.ws_public_url == "wss://ws.okx.com:8443/ws/v5/public"


def test_every_documented_endpoint_is_declared_once_under_api_v5() -> None:
    paths = {(ep.method, ep.path) for ep in _all().values()}
    assert len(paths) == len(_all())
    assert paths == {
        ("GET", "/api/v5/public/time"),
        ("GET", "/api/v5/public/instruments"),
        ("GET", "/api/v5/market/ticker"),
        ("GET", "/api/v5/market/candles"),
        ("GET", "/api/v5/market/history-candles"),
        ("GET", "/api/v5/market/books"),
        ("POST", "/api/v5/trade/order"),
        ("POST", "/api/v5/trade/cancel-order"),
        ("POST", "/api/v5/trade/cancel-batch-orders"),
        ("GET", "/api/v5/trade/order"),
        ("GET", "/api/v5/trade/orders-pending"),
        ("GET", "/api/v5/trade/fills"),
        ("GET", "/api/v5/trade/fills-history"),
        ("GET", "/api/v5/account/balance"),
        ("GET", "/api/v5/account/positions"),
        ("POST", "/api/v5/account/set-leverage"),
        ("POST", "/api/v5/trade/order-algo"),
        ("POST", "/api/v5/trade/cancel-algos"),
        ("GET", "/api/v5/trade/order-algo"),
        ("GET", "/api/v5/trade/orders-algo-pending"),
    }


def test_every_pool_is_a_two_second_window_with_a_source() -> None:
    assert len({p.name for p in POOLS}) == len(POOLS)
    for pool in POOLS:
        assert pool.window_s == 2.0
        assert pool.doc
        assert pool.name.startswith("okx-")


@pytest.mark.parametrize(
    ("pool", "limit", "scope"),
    [
        (e.PLACE_ORDER, 60, Scope.ACCOUNT),
        (e.CANCEL_ORDER, 60, Scope.ACCOUNT),
        (e.SUB_ACCOUNT_ORDERS, 1000, Scope.ACCOUNT),
        (e.TICKER, 20, Scope.IP),
        (e.INSTRUMENTS, 20, Scope.IP),
        (e.BOOKS, 40, Scope.IP),
        (e.CANDLES, 40, Scope.IP),
        (e.BALANCE, 10, Scope.ACCOUNT),
        (e.POSITIONS, 10, Scope.ACCOUNT),
    ],
)
def test_pool_limits_are_the_documented_ones(pool: object, limit: int, scope: Scope) -> None:
    assert (pool.limit, pool.scope) == (limit, scope)  # type: ignore[attr-defined]


def test_placing_an_order_charges_its_endpoint_and_the_sub_account_pool() -> None:
    costs = ENDPOINTS.place_order.costs()
    assert {(c.pool.name, c.weight) for c in costs} == {
        ("okx-place-order-2s", 1),
        ("okx-sub-account-orders-2s", 1),
    }


def test_batch_cancel_costs_one_per_order_in_the_batch() -> None:
    ep = ENDPOINTS.cancel_batch_orders
    assert [c.weight for c in ep.costs({"orders": [{}, {}, {}]})] == [3]
    assert [c.weight for c in ep.costs({})] == [1]


def test_cancels_go_first_and_orders_before_account_reads_and_market_data() -> None:
    assert ENDPOINTS.cancel_order.priority is Priority.CANCEL
    assert ENDPOINTS.cancel_batch_orders.priority is Priority.CANCEL
    assert ENDPOINTS.place_order.priority is Priority.ORDER
    assert ENDPOINTS.balance.priority is Priority.ACCOUNT
    assert ENDPOINTS.books.priority is Priority.MARKET_DATA


def test_private_endpoints_are_signed_and_market_data_is_public() -> None:
    for name, ep in _all().items():
        private = ep.path.startswith(("/api/v5/trade", "/api/v5/account"))
        assert (ep.security is Security.SIGNED) == private, name


def test_placing_an_order_is_never_resent_blindly_but_cancels_may_be() -> None:
    assert not ENDPOINTS.place_order.is_retry_safe
    assert ENDPOINTS.cancel_order.is_retry_safe
    assert ENDPOINTS.get_order.is_retry_safe


def test_every_endpoint_names_its_response_envelope_and_doc_anchor() -> None:
    for name, ep in _all().items():
        assert "response" in ep.extra, name
        assert ep.doc.startswith("https://www.okx.com/docs-v5/en/#"), name


def test_capabilities_say_what_each_market_honestly_supports() -> None:
    assert not SPOT.capabilities.reduce_only
    assert not SPOT.capabilities.positions
    assert SWAP.capabilities.reduce_only
    assert SWAP.capabilities.hedge_mode
    assert SWAP.capabilities.set_leverage
    for spec in (SPOT, SWAP):
        caps = spec.capabilities
        assert caps.client_order_id_max_length == 32
        assert caps.stop_orders  # on the algo endpoint (ordType conditional)
        assert OrderType.STOP_MARKET in caps.order_types and caps.private_streams
        assert "1h" in caps.candle_intervals
