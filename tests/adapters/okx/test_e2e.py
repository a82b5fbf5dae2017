"""End to end over loopback: the real OKX client against the OKX wire emulator.

Each test starts the ``okx`` (spot) or ``okxswap`` emulator with
``exchangekit.testing.fixtures.emulated_client``, acts through the public client API and
waits for what a user would wait for (a fill on the stream, a ``resynced`` event), never
for a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from exchangekit_okx.client import OkxClient
from exchangekit_okx.emulator import OkxDialect

from exchangekit import (
    Fill,
    InvalidOrder,
    OrderOutcomeUnknown,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
)
from exchangekit.clock import ScaledClock
from exchangekit.testing.faults import FaultKind, FaultPlan, FaultRule
from exchangekit.testing.fixtures import emulated_client
from exchangekit.testing.orders import crossing_buy
from exchangekit.testing.server import EmulatorServer
from exchangekit.testing.streams import collecting
from exchangekit.ws import EventKind, SessionEvent

VENUES = {"okx": "BTC/USDT", "okxswap": "BTC/USDT:USDT"}
both_markets = pytest.mark.parametrize("adapter", list(VENUES))


def emulated(
    adapter: str, **config: Any
) -> contextlib.AbstractAsyncContextManager[tuple[EmulatorServer, OkxClient]]:
    """The emulator with the client typed as an :class:`OkxClient`."""
    return emulated_client(adapter, OkxClient, **config)


def _event(kind: EventKind) -> Callable[[list[tuple[str, SessionEvent]]], bool]:
    return lambda items: any(event.kind is kind for _, event in items)


async def resting_buy(client: OkxClient, symbol: str, **fields: Any) -> OrderRequest:
    """A buy 10 % under the market: it rests until cancelled."""
    instrument = (await client.load_instruments())[symbol]
    ticker = await client.get_ticker(symbol)
    assert ticker.bid is not None
    price = instrument.round_price(ticker.bid * Decimal("0.9"), mode="down")
    values: dict[str, Any] = {"quantity": instrument.step_size * 10, "price": price}
    return OrderRequest(symbol=symbol, side=Side.BUY, type=OrderType.LIMIT, **(values | fields))


# -- trading -------------------------------------------------------------------------------------


@both_markets
async def test_partial_fill_is_queried_cancelled_and_streamed(adapter: str) -> None:
    symbol = VENUES[adapter]
    # A market that steps once a minute: the book stays as the order found it.
    async with emulated(adapter, tick_ms=60_000) as (_, client):
        async with (
            collecting(client.stream_fills()) as fills,
            collecting(client.stream_orders()) as orders,
        ):
            await client.start_user_stream()
            request, ask_size = await crossing_buy(client, symbol)
            placed = await client.place_order(request)
            assert placed.client_order_id == request.client_order_id
            found = await client.get_order(symbol, client_order_id=request.client_order_id)
            assert found.order_id == placed.order_id
            assert found.status is OrderStatus.PARTIALLY_FILLED
            assert found.filled_quantity == ask_size  # base units, on swaps too
            assert found.quantity == request.quantity
            listed = await client.get_open_orders(symbol)
            assert [o.order_id for o in listed] == [placed.order_id]

            cancelled = await client.cancel_order(symbol, client_order_id=request.client_order_id)
            assert cancelled.status is OrderStatus.CANCELLED
            assert cancelled.filled_quantity == ask_size
            assert await client.get_open_orders(symbol) == []

            def mine(items: list[Fill]) -> list[Fill]:
                return [f for f in items if f.client_order_id == request.client_order_id]

            streamed = mine(
                await fills.wait_for(lambda items: sum(f.quantity for f in mine(items)) >= ask_size)
            )
            assert sum(f.quantity for f in streamed) == ask_size
            assert {f.price for f in streamed} == {request.price}
            updates = await orders.wait_for(
                lambda items: any(o.status is OrderStatus.CANCELLED for o in items)
            )
            statuses = [o.status for o in updates if o.client_order_id == request.client_order_id]
            assert OrderStatus.PARTIALLY_FILLED in statuses
            assert statuses[-1] is OrderStatus.CANCELLED

        history = await client.get_fills(symbol)
        assert {f.trade_id for f in streamed} <= {f.trade_id for f in history}
        assert all(f.fee > 0 and f.fee_asset for f in history)  # OKX's negative fee is a cost


async def test_swap_sizes_are_contracts_on_the_wire_and_base_units_to_the_user() -> None:
    symbol = VENUES["okxswap"]
    async with emulated("okxswap") as (server, client):
        instrument = (await client.load_instruments())[symbol]
        assert instrument.contract_size == Decimal("0.01")
        assert instrument.step_size == Decimal("0.0001")  # lotSz 0.01 contract
        request = OrderRequest(
            symbol=symbol, side=Side.BUY, type=OrderType.MARKET, quantity=Decimal("0.02")
        )
        async with (
            collecting(client.stream_positions()) as streamed,
            collecting(client.stream_balances()) as funds,
        ):
            await client.start_user_stream()
            order = await client.place_order(request)
            await streamed.wait_for(lambda items: any(p.quantity == Decimal("0.02") for p in items))
            await funds.wait_for(lambda items: any(b.asset == "USDT" for b in items))
        assert order.status is OrderStatus.FILLED and order.filled_quantity == Decimal("0.02")
        assert streamed.items[-1].side is PositionSide.LONG
        dialect = server.dialect
        assert isinstance(dialect, OkxDialect)
        (position,) = await client.get_positions(symbol)
        assert position.side is PositionSide.LONG and position.quantity == Decimal("0.02")
        assert dialect.sim.position("okx", symbol).quantity == Decimal("0.02")
        balances = {b.asset: b for b in await client.get_balances()}
        assert balances["USDT"].locked > 0  # the position's margin

        served = server.requests_served
        with pytest.raises(InvalidOrder):  # half a lot: refused before anything is sent
            await client.place_order(
                OrderRequest(
                    symbol=symbol, side=Side.BUY, type=OrderType.MARKET, quantity=Decimal("0.00005")
                )
            )
        assert server.requests_served == served

        closing = OrderRequest(
            symbol=symbol, side=Side.SELL, type=OrderType.MARKET, quantity=Decimal("0.02"),
            reduce_only=True,
        )  # fmt: skip
        assert (await client.place_order(closing)).status is OrderStatus.FILLED
        assert await client.get_positions(symbol) == []


@both_markets
async def test_accept_then_timeout_is_outcome_unknown_and_the_order_is_found_by_client_id(
    adapter: str,
) -> None:
    symbol = VENUES[adapter]
    rule = FaultRule(
        kind=FaultKind.TIMEOUT_AFTER_ACCEPT, target="/api/v5/trade/order", method="POST",
        times=1, hang_s=0.1,
    )  # fmt: skip
    plan = FaultPlan([rule])
    async with emulated(adapter, faults=plan) as (_, client):
        # A client id OKX cannot carry as is: it travels encoded and comes back as sent.
        request = await resting_buy(client, symbol, client_order_id="bot-7_retry")
        with pytest.raises(OrderOutcomeUnknown) as info:
            await client.place_order(request)
        assert info.value.client_order_id == request.client_order_id
        found = await client.get_order(symbol, client_order_id=request.client_order_id)
        assert found.status is OrderStatus.OPEN and found.quantity == request.quantity
        assert found.client_order_id == "bot-7_retry"
        assert plan.count(FaultKind.TIMEOUT_AFTER_ACCEPT) == 1


async def test_a_5xx_on_a_place_is_unknown_and_nothing_was_placed() -> None:
    rule = FaultRule(kind=FaultKind.HTTP_5XX, target="/api/v5/trade/order", method="POST", times=1)
    async with emulated("okx", faults=FaultPlan([rule])) as (_, client):
        request = await resting_buy(client, "BTC/USDT")
        with pytest.raises(OrderOutcomeUnknown) as info:
            await client.place_order(request)
        assert info.value.code == "50001"
        assert await client.get_open_orders("BTC/USDT") == []


# -- streams -----------------------------------------------------------------------------------


@both_markets
async def test_streamed_book_equals_the_rest_book_after_a_forced_gap(adapter: str) -> None:
    symbol = VENUES[adapter]
    # The first update after the snapshot never arrives: the next one shows the gap.
    skip = FaultRule(kind=FaultKind.WS_SKIP, target="*@depth/books", after=1, times=1)
    plan = FaultPlan([skip])
    async with emulated(adapter, faults=plan, tick_ms=60_000, interval_scale=0.2) as (_, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_order_book(symbol, 20)) as books,
        ):
            await books.wait_for(bool)  # the snapshot is in
            # Two resting orders change the book twice: the first update is skipped.
            for factor in ("0.95", "0.96"):
                instrument = (await client.load_instruments())[symbol]
                ticker = await client.get_ticker(symbol)
                assert ticker.bid is not None
                price = instrument.round_price(ticker.bid * Decimal(factor), mode="down")
                await client.place_order(
                    OrderRequest(
                        symbol=symbol, side=Side.BUY, type=OrderType.LIMIT,
                        quantity=instrument.step_size * 10, price=price,
                    )
                )  # fmt: skip
                await asyncio.sleep(0.1)
            await events.wait_for(_event(EventKind.GAP))
            await events.wait_for(_event(EventKind.RESYNCED))
            rest = await client.get_order_book(symbol, 20)
            latest = await books.wait_for(lambda items: items[-1].bids == rest.bids)
            assert latest[-1].asks == rest.asks
            assert plan.count(FaultKind.WS_SKIP) == 1


async def test_a_nonzero_checksum_is_verified_and_a_wrong_one_resyncs() -> None:
    symbol = VENUES["okxswap"]
    async with emulated("okxswap", book_checksum=True, interval_scale=0.2) as (server, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_order_book(symbol, 20)) as books,
        ):
            await books.wait_for(lambda items: len(items) >= 5)  # updates verified
            assert not any(e.kind is EventKind.GAP for _, e in events.items)
            dialect = server.dialect
            assert isinstance(dialect, OkxDialect)
            # One update goes out with a wrong checksum: the client must notice and resync.
            feeds = dialect.public
            honest = feeds._book_row
            wrong: list[int] = []

            def once_wrong(*args: Any, **kwargs: Any) -> dict[str, Any]:
                row = honest(*args, **kwargs)
                if not wrong and row["prevSeqId"] != -1:
                    wrong.append(row["checksum"])
                    row["checksum"] = row["checksum"] + 1 or 1
                return row

            feeds._book_row = once_wrong  # type: ignore[method-assign]
            found = await events.wait_for(_event(EventKind.GAP))
            assert any("checksum" in e.detail for _, e in found if e.kind is EventKind.GAP)
            await events.wait_for(_event(EventKind.RESYNCED))


@both_markets
async def test_private_stream_logs_in_again_after_a_dropped_socket(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (server, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_orders()) as orders,
        ):
            await client.start_user_stream()
            await server.drop_all_streams()
            await events.wait_for(
                lambda items: sum(e.kind is EventKind.CONNECTED for _, e in items) >= 2
            )
            await client.start_user_stream()  # returns once logged in and subscribed again
            request = await resting_buy(client, symbol)
            await client.place_order(request)
            await client.cancel_order(symbol, client_order_id=request.client_order_id)
            seen = await orders.wait_for(
                lambda items: any(o.status is OrderStatus.CANCELLED for o in items)
            )
            statuses = [o.status for o in seen if o.client_order_id == request.client_order_id]
            assert statuses == [OrderStatus.OPEN, OrderStatus.CANCELLED]


async def test_public_streams_resubscribe_after_a_dropped_socket() -> None:
    symbol = VENUES["okx"]
    async with emulated("okx", interval_scale=0.2) as (server, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_trades(symbol)) as trades,
            collecting(client.stream_tickers([symbol])) as tickers,
        ):
            await tickers.wait_for(bool)
            await trades.wait_for(bool)
            await server.drop_all_streams()
            await events.wait_for(_event(EventKind.DISCONNECTED))
            seen = len(tickers.items), len(trades.items)
            await tickers.wait_for(lambda items: len(items) > seen[0])
            await trades.wait_for(lambda items: len(items) > seen[1])
        assert all(t.symbol == symbol and t.quantity > 0 for t in trades.items)
        assert all(t.bid is not None and t.ask is not None for t in tickers.items)


async def test_candles_stream_from_the_business_endpoint_and_page_over_rest() -> None:
    symbol = VENUES["okx"]
    async with emulated("okx", interval_scale=0.2) as (_, client):
        async with collecting(client.stream_candles(symbol, "1m")) as candles:
            (first, *_) = await candles.wait_for(bool)
            assert first.symbol == symbol and first.interval == "1m"
        # 700 one-minute candles: three pages of OKX's 300 each, oldest first, no repeats.
        history = await client.get_candles(symbol, "1m", limit=700)
        opens = [c.open_ms for c in history]
        assert len(history) == 700 and opens == sorted(set(opens))
        assert all(b - a == 60_000 for a, b in itertools.pairwise(opens))
        start = opens[100]
        ranged = await client.get_candles(symbol, "1m", start_ms=start, end_ms=opens[449])
        assert [c.open_ms for c in ranged] == opens[100:450]


async def test_an_expired_private_session_logs_in_again_and_delivers_later_orders() -> None:
    symbol = VENUES["okx"]
    expiry = FaultRule(kind=FaultKind.SESSION_EXPIRY, target="private:orders", times=1)
    plan = FaultPlan([expiry])
    async with emulated("okx", faults=plan) as (_, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_orders()) as orders,
        ):
            await client.start_user_stream()
            first = await resting_buy(client, symbol)
            await client.place_order(first)  # its push ends the session
            await events.wait_for(
                lambda items: sum(e.kind is EventKind.CONNECTED for _, e in items) >= 2
            )
            await client.start_user_stream()
            second = await resting_buy(client, symbol)
            await client.place_order(second)
            await orders.wait_for(
                lambda items: any(o.client_order_id == second.client_order_id for o in items)
            )
        assert plan.count(FaultKind.SESSION_EXPIRY) == 1


async def test_a_server_clock_45_s_ahead_is_learned_before_signing() -> None:
    symbol = VENUES["okx"]
    skew = FaultRule(kind=FaultKind.CLOCK_SKEW, skew_ms=45_000)  # beyond OKX's 30 s window
    async with emulated("okx", faults=FaultPlan([skew])) as (_, client):
        async with collecting(client.stream_orders()) as orders:
            await client.start_user_stream()  # the login timestamp is in server time too
            request = await resting_buy(client, symbol)
            await client.place_order(request)
            await orders.wait_for(
                lambda items: any(o.client_order_id == request.client_order_id for o in items)
            )
        assert await client.get_balances()


async def test_a_lost_snapshot_is_asked_for_again() -> None:
    symbol = VENUES["okx"]
    lost = FaultRule(kind=FaultKind.WS_SKIP, target="*@depth/books", times=1)  # the snapshot
    plan = FaultPlan([lost])
    clock = ScaledClock(speed=10.0)  # the 3 s snapshot timeout passes in 0.3 s
    async with emulated(
        "okx", faults=plan, clock=clock, interval_scale=0.5, client_options={"clock": clock}
    ) as (_, client):
        async with collecting(client.stream_order_book(symbol, 10)) as books:
            (book, *_) = await books.wait_for(bool)
        assert book.bids and book.asks and book.bids[0][0] < book.asks[0][0]
        assert plan.count(FaultKind.WS_SKIP) == 1


# -- stop and take-profit orders (the algo service) -------------------------------------------


@both_markets
async def test_a_stop_order_rests_on_the_algo_service_and_is_cancelled_there(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (_, client):
        instrument = (await client.load_instruments())[symbol]
        ticker = await client.get_ticker(symbol)
        assert ticker.bid is not None
        stop = instrument.round_price(ticker.bid * Decimal("0.8"), mode="down")
        request = OrderRequest(
            symbol=symbol, side=Side.SELL, type=OrderType.STOP_LIMIT,
            quantity=instrument.step_size * 10, price=stop, stop_price=stop,
            client_order_id="stop-1",
        )  # fmt: skip
        placed = await client.place_order(request)
        assert (placed.status, placed.stop_price) == (OrderStatus.OPEN, stop)
        found = await client.get_order(symbol, client_order_id="stop-1")
        assert found.order_id == placed.order_id and found.type is OrderType.STOP_LIMIT
        assert found.quantity == request.quantity and found.client_order_id == "stop-1"
        assert [o.order_id for o in await client.get_open_orders(symbol)] == [placed.order_id]
        cancelled = await client.cancel_order(symbol, client_order_id="stop-1")
        assert cancelled.status is OrderStatus.CANCELLED
        assert await client.get_open_orders(symbol) == []


async def test_a_triggered_stop_reports_the_order_it_placed() -> None:
    symbol = VENUES["okxswap"]
    async with emulated("okxswap", tick_ms=60_000) as (server, client):
        dialect = server.dialect
        assert isinstance(dialect, OkxDialect)
        instrument = (await client.load_instruments())[symbol]
        book = await client.get_order_book(symbol, 5)
        ask = book.asks[0][0]
        stop = instrument.round_price(ask * Decimal("1.01"), mode="up")
        request = OrderRequest(
            symbol=symbol, side=Side.BUY, type=OrderType.STOP_MARKET,
            quantity=Decimal("0.01"), stop_price=stop,
        )  # fmt: skip
        placed = await client.place_order(request)
        assert (await client.get_order(symbol, order_id=placed.order_id)).status is OrderStatus.OPEN
        # The market jumps through the stop: it triggers and its market order fills.
        high = stop + instrument.tick_size * 10
        dialect.sim.set_market(
            symbol, bids=[(high - instrument.tick_size, Decimal(5))], asks=[(high, Decimal(5))],
            last=high,
        )  # fmt: skip
        # By client id: the algo (now effective), merged with the order it placed.
        done = await client.get_order(symbol, client_order_id=request.client_order_id)
        assert done.status is OrderStatus.FILLED and done.type is OrderType.STOP_MARKET
        assert done.order_id == placed.order_id and done.client_order_id == placed.client_order_id
        assert done.filled_quantity == Decimal("0.01") and done.stop_price == stop
        (position,) = await client.get_positions(symbol)
        assert position.quantity == Decimal("0.01")
        assert await client.get_open_orders(symbol) == []
