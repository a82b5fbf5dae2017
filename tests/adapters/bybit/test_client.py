"""The Bybit client against the Bybit emulator over loopback: real HTTP, real signatures.

Each test acts through the public client API and asserts on what a user sees (the order,
the error class) and, where it matters, on the simulated exchange behind the wire.
"""

from __future__ import annotations

import itertools
import time
from decimal import Decimal

import msgspec
import pytest

from exchangekit import (
    DuplicateClientOrderId,
    InsufficientFunds,
    InvalidOrder,
    IPBanned,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    RateLimited,
    Side,
)
from exchangekit.errors import TimestampOutsideRecvWindow
from exchangekit.testing.faults import FaultKind, FaultPlan, FaultRule
from tests.adapters.bybit._emulated import VENUES, emulated, resting_order

both_markets = pytest.mark.parametrize("adapter", list(VENUES))


@both_markets
async def test_resting_order_is_placed_found_listed_and_cancelled(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (_, dialect, client):
        request = await resting_order(client, symbol)
        placed = await client.place_order(request)
        assert placed.status is OrderStatus.OPEN
        assert (placed.quantity, placed.price) == (request.quantity, request.price)
        assert placed.remaining_quantity == request.quantity and placed.filled_quantity == 0
        assert placed.client_order_id == request.client_order_id

        by_client_id = await client.get_order(symbol, client_order_id=request.client_order_id)
        assert by_client_id.order_id == placed.order_id
        assert [o.order_id for o in await client.get_open_orders()] == [placed.order_id]

        cancelled = await client.cancel_order(symbol, order_id=placed.order_id)
        assert cancelled.status is OrderStatus.CANCELLED
        assert await client.get_open_orders(symbol) == []
        truth = dialect.sim.get_order("bybit-uta", order_id=placed.order_id)
        assert truth.status is OrderStatus.CANCELLED


@both_markets
async def test_a_marketable_limit_partially_fills_and_its_fills_are_listed(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (_, dialect, client):
        dialect.paused = True  # the book stays put between reading it and trading on it
        instrument = (await client.load_instruments())[symbol]
        best_ask, ask_size = dialect.sim.book(symbol, 1).asks[0]
        quantity = instrument.floor_quantity(ask_size * 3)
        dialect.sim.deposit("bybit-uta", "USDT", quantity * best_ask * 2)
        request = OrderRequest(
            symbol=symbol, side=Side.BUY, type=OrderType.LIMIT, quantity=quantity, price=best_ask
        )
        placed = await client.place_order(request)
        assert placed.status is OrderStatus.PARTIALLY_FILLED
        assert placed.filled_quantity == ask_size
        assert placed.remaining_quantity == quantity - ask_size
        assert placed.average_fill_price == best_ask

        fills = await client.get_fills(symbol)
        mine = [f for f in fills if f.order_id == placed.order_id]
        assert sum(f.quantity for f in mine) == ask_size
        assert all(f.client_order_id == request.client_order_id for f in mine)
        assert all(f.fee_asset for f in mine)

        cancelled = await client.cancel_order(symbol, client_order_id=request.client_order_id)
        assert cancelled.status is OrderStatus.CANCELLED
        assert cancelled.filled_quantity == ask_size  # a cancel keeps what already filled


async def test_a_linear_market_buy_opens_a_long_position_and_uses_margin() -> None:
    symbol = VENUES["bybitlinear"]
    async with emulated("bybitlinear") as (_, _dialect, client):
        before = {b.asset: b for b in await client.get_balances()}
        assert await client.get_positions() == []
        request = OrderRequest(
            symbol=symbol, side=Side.BUY, type=OrderType.MARKET, quantity=Decimal("0.01")
        )
        placed = await client.place_order(request)
        assert placed.status is OrderStatus.FILLED and placed.filled_quantity == request.quantity
        (position,) = await client.get_positions(symbol)
        assert position.side is PositionSide.LONG and position.quantity == request.quantity
        assert position.entry_price == placed.average_fill_price
        after = {b.asset: b for b in await client.get_balances()}
        assert after["USDT"].locked > before["USDT"].locked  # position margin


async def test_a_spot_market_buy_is_in_base_units_and_credits_the_base_coin() -> None:
    symbol = VENUES["bybit"]
    async with emulated("bybit") as (_, _dialect, client):
        before = {b.asset: b.total for b in await client.get_balances()}
        request = OrderRequest(
            symbol=symbol, side=Side.BUY, type=OrderType.MARKET, quantity=Decimal("0.001")
        )
        placed = await client.place_order(request)
        assert placed.status is OrderStatus.FILLED and placed.filled_quantity == Decimal("0.001")
        after = {b.asset: b.total for b in await client.get_balances()}
        assert after["BTC"] == before["BTC"] + Decimal("0.001")  # fees in the quote coin


@both_markets
async def test_accept_then_timeout_is_outcome_unknown_and_the_order_is_found_by_client_id(
    adapter: str,
) -> None:
    symbol = VENUES[adapter]
    rule = FaultRule(
        kind=FaultKind.TIMEOUT_AFTER_ACCEPT,
        target="/v5/order/create",
        method="POST",
        times=1,
        hang_s=0.1,
    )
    plan = FaultPlan([rule])
    async with emulated(adapter, faults=plan) as (_, _dialect, client):
        request = await resting_order(client, symbol)
        with pytest.raises(OrderOutcomeUnknown) as info:
            await client.place_order(request)
        assert info.value.client_order_id == request.client_order_id
        found = await client.get_order(symbol, client_order_id=request.client_order_id)
        assert found.status is OrderStatus.OPEN and found.quantity == request.quantity
        assert plan.count(FaultKind.TIMEOUT_AFTER_ACCEPT) == 1


async def test_a_5xx_on_an_order_is_outcome_unknown_even_when_nothing_was_placed() -> None:
    symbol = VENUES["bybit"]
    plan = FaultPlan([FaultRule(kind=FaultKind.HTTP_5XX, target="/v5/order/create", times=1)])
    async with emulated("bybit", faults=plan) as (_, _dialect, client):
        request = await resting_order(client, symbol)
        with pytest.raises(OrderOutcomeUnknown) as info:
            await client.place_order(request)
        assert info.value.client_order_id == request.client_order_id
        # Reconciling by client id answers the question the error left open.
        with pytest.raises(OrderNotFound):
            await client.get_order(symbol, client_order_id=request.client_order_id)


@both_markets
async def test_exchange_refusals_map_to_their_error_classes(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (_, _dialect, client):
        request = await resting_order(client, symbol)
        await client.place_order(request)
        with pytest.raises(DuplicateClientOrderId) as duplicate:
            await client.place_order(request)
        assert duplicate.value.client_order_id == request.client_order_id
        huge = msgspec.structs.replace(
            request, quantity=request.quantity * 1000, client_order_id=None
        )
        with pytest.raises(InsufficientFunds):
            await client.place_order(huge)
        with pytest.raises(OrderNotFound):
            await client.cancel_order(symbol, client_order_id="never-placed")


async def test_orders_below_the_instrument_filters_never_leave_the_process() -> None:
    symbol = VENUES["bybitlinear"]
    async with emulated("bybitlinear") as (server, _dialect, client):
        request = await resting_order(client, symbol)
        served = server.requests_served
        tiny = msgspec.structs.replace(request, quantity=Decimal("0.001"))  # under 100 USDT
        with pytest.raises(InvalidOrder):
            await client.place_order(tiny)
        assert server.requests_served == served


async def test_a_client_order_id_outside_bybits_alphabet_is_encoded_and_reported_back() -> None:
    symbol = VENUES["bybit"]
    async with emulated("bybit") as (_, dialect, client):
        request = msgspec.structs.replace(
            await resting_order(client, symbol), client_order_id="strategy.7:order/0001"
        )
        placed = await client.place_order(request)
        assert placed.client_order_id == "strategy.7:order/0001"
        found = await client.get_order(symbol, client_order_id="strategy.7:order/0001")
        assert (
            found.order_id == placed.order_id and found.client_order_id == "strategy.7:order/0001"
        )
        on_the_wire = dialect.sim.get_order("bybit-uta", order_id=placed.order_id)
        link_id = on_the_wire.client_order_id or ""
        assert link_id.startswith("ek-") and len(link_id) <= 36


async def test_cancel_all_returns_exactly_the_orders_it_cancelled() -> None:
    symbol = VENUES["bybitlinear"]
    async with emulated("bybitlinear") as (_, _dialect, client):
        placed = [await client.place_order(await resting_order(client, symbol)) for _ in range(3)]
        cancelled = await client.cancel_all_orders()
        assert {o.order_id for o in cancelled} == {o.order_id for o in placed}
        assert all(o.status is OrderStatus.CANCELLED for o in cancelled)
        assert await client.cancel_all_orders() == []


async def test_leverage_set_twice_to_the_same_value_is_not_an_error() -> None:
    symbol = VENUES["bybitlinear"]
    async with emulated("bybitlinear") as (_, dialect, client):
        await client.set_leverage(symbol, 5)
        await client.set_leverage(symbol, 5)  # Bybit answers 110043 "not modified"
        assert dialect.sim.position("bybit-uta", symbol).leverage == 5


async def test_spot_refuses_positions_and_leverage_without_asking_the_exchange() -> None:
    async with emulated("bybit") as (server, _dialect, client):
        served = server.requests_served
        with pytest.raises(NotSupported):
            await client.get_positions()
        with pytest.raises(NotSupported):
            await client.set_leverage("BTC/USDT", 3)
        assert server.requests_served == served


async def test_long_candle_ranges_are_paged_backward_and_forward() -> None:
    symbol = VENUES["bybit"]
    async with emulated("bybit") as (_, _dialect, client):
        latest = await client.get_candles(symbol, "1m", limit=1300)
        assert len(latest) == 1300
        opens = [c.open_ms for c in latest]
        assert all(b - a == 60_000 for a, b in itertools.pairwise(opens))
        start = opens[0]
        forward = await client.get_candles(symbol, "1m", start_ms=start, end_ms=opens[-1])
        assert [c.open_ms for c in forward] == opens
        assert latest[-1].closed is False and latest[0].closed is True


async def test_per_uid_usage_is_synced_from_the_limit_headers() -> None:
    async with emulated("bybit") as (server, _dialect, client):
        pool = next(p for p in server.dialect.pools() if p.name == "bybit-order-realtime-1s")
        for _ in range(3):
            await client.get_open_orders("BTC/USDT")
        # Read both sides at once, right after the last answer: the window is 1 s long.
        server_used = server.quota.usage(pool)
        usage = client.rate_limit_usage()["bybit-order-realtime-1s"]
        assert usage.limit == 50
        assert usage.used >= server_used >= 1


async def test_an_ip_ban_answers_ip_banned_for_ten_minutes() -> None:
    async with emulated("bybit") as (server, _dialect, client):
        await client.load_instruments()
        server.ban(1.0)
        with pytest.raises(IPBanned) as info:
            await client.get_ticker("BTC/USDT")
        assert info.value.retry_after_s == 600.0
        until = info.value.until_ms
        assert until is not None and until >= time.time() * 1000 + 590_000


async def test_clock_drift_resyncs_then_a_read_goes_again_and_an_order_is_reported() -> None:
    symbol = VENUES["bybit"]
    async with emulated("bybit") as (server, _dialect, client):
        request = await resting_order(client, symbol)
        await client.get_open_orders(symbol)  # server time learned
        # The exchange's clock jumps 30 s ahead: every signature's timestamp is now stale.
        server.faults = FaultPlan([FaultRule(kind=FaultKind.CLOCK_SKEW, skew_ms=30_000)])
        assert await client.get_open_orders(symbol) == []  # 10002, re-sync, sent again
        server.faults = FaultPlan([FaultRule(kind=FaultKind.CLOCK_SKEW, skew_ms=60_000)])
        with pytest.raises(TimestampOutsideRecvWindow) as info:
            await client.place_order(request)
        assert info.value.client_order_id == request.client_order_id
        placed = await client.place_order(request)  # the clock was re-synced on the refusal
        assert placed.status is OrderStatus.OPEN


async def test_a_429_on_a_read_is_waited_out_once_but_on_an_order_is_the_callers_call() -> None:
    symbol = VENUES["bybit"]
    rules = [
        FaultRule(kind=FaultKind.HTTP_429, target="/v5/market/tickers", times=1, retry_after_s=0.1),
        FaultRule(kind=FaultKind.HTTP_429, target="/v5/order/create", times=1, retry_after_s=0.1),
    ]
    plan = FaultPlan(rules)
    async with emulated("bybit", faults=plan) as (_, dialect, client):
        ticker = await client.get_ticker(symbol)  # refused once, sent again after 0.1 s
        assert ticker.bid is not None
        request = await resting_order(client, symbol)
        with pytest.raises(RateLimited) as info:
            await client.place_order(request)
        assert info.value.client_order_id == request.client_order_id
        assert dialect.sim.open_orders("bybit-uta") == []  # the exchange did not act
        assert plan.count(FaultKind.HTTP_429) == 2


@both_markets
async def test_a_post_only_order_that_would_take_is_accepted_and_cancelled(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (_, dialect, client):
        dialect.paused = True
        instrument = (await client.load_instruments())[symbol]
        best_ask = dialect.sim.book(symbol, 1).asks[0][0]
        quantity = instrument.floor_quantity(Decimal(200) / best_ask) + instrument.step_size
        request = OrderRequest(
            symbol=symbol, side=Side.BUY, type=OrderType.LIMIT, quantity=quantity,
            price=best_ask, post_only=True,
        )  # fmt: skip
        placed = await client.place_order(request)  # Bybit: not an error, a cancelled order
        assert placed.status is OrderStatus.CANCELLED and placed.filled_quantity == 0
        assert placed.post_only and placed.client_order_id == request.client_order_id
        found = await client.get_order(symbol, client_order_id=request.client_order_id)
        assert found.order_id == placed.order_id and found.status is OrderStatus.CANCELLED
        with pytest.raises(DuplicateClientOrderId):
            await client.place_order(request)
        assert dialect.sim.open_orders("bybit-uta") == []
