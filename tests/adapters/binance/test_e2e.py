"""End to end over loopback: the real client against the Binance wire emulator.

Each test starts ``exchangekit.testing.fixtures.emulated_client`` for spot (``binance``)
and USDⓈ-M futures (``binanceusdm``), acts through the public client API, and waits for
what a user would wait for (a fill on the stream, a ``resynced`` event), never for time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from exchangekit_binance.client import BinanceClient

from exchangekit import (
    Fill,
    Order,
    OrderBook,
    OrderOutcomeUnknown,
    OrderStatus,
)
from exchangekit.testing.faults import FaultKind, FaultPlan, FaultRule
from exchangekit.testing.fixtures import emulated_client
from exchangekit.testing.orders import crossing_buy, resting_buy
from exchangekit.testing.server import EmulatorServer
from exchangekit.testing.streams import Collector, collecting
from exchangekit.ws import EventKind, SessionEvent

VENUES = {"binance": "BTC/USDT", "binanceusdm": "BTC/USDT:USDT"}
ORDER_PATHS = {"binance": "/api/v3/order", "binanceusdm": "/fapi/v1/order"}

both_markets = pytest.mark.parametrize("adapter", list(VENUES))


def emulated(
    adapter: str, **config: Any
) -> contextlib.AbstractAsyncContextManager[tuple[EmulatorServer, BinanceClient]]:
    """The emulator with the client typed (its extras: start_user_stream, stream_events)."""
    return emulated_client(adapter, BinanceClient, **config)


def _events(found: Callable[[str, SessionEvent], bool]) -> Callable[[list[Any]], bool]:
    return lambda items: any(found(session, event) for session, event in items)


async def round_trip(client: BinanceClient, symbol: str, orders: Collector[Order]) -> None:
    """Place and cancel a resting order; both updates must arrive on the private stream."""
    request = await resting_buy(client, symbol)
    await client.place_order(request)
    await client.cancel_order(symbol, client_order_id=request.client_order_id)
    await orders.wait_for(
        lambda items: any(
            o.client_order_id == request.client_order_id and o.status is OrderStatus.CANCELLED
            for o in items
        )
    )


# -- trading -------------------------------------------------------------------------------------


@both_markets
async def test_partial_fill_is_cancelled_and_its_fills_are_streamed(adapter: str) -> None:
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
            assert placed.status is OrderStatus.PARTIALLY_FILLED
            assert placed.filled_quantity == ask_size
            assert placed.remaining_quantity == request.quantity - ask_size

            cancelled = await client.cancel_order(symbol, client_order_id=request.client_order_id)
            assert cancelled.status is OrderStatus.CANCELLED
            assert cancelled.filled_quantity == ask_size

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
            assert statuses[0] is OrderStatus.OPEN and statuses[-1] is OrderStatus.CANCELLED
            assert OrderStatus.PARTIALLY_FILLED in statuses

        history = await client.get_fills(symbol)
        assert {f.trade_id for f in streamed} <= {f.trade_id for f in history}


@both_markets
async def test_accept_then_timeout_is_outcome_unknown_and_the_order_is_found_by_client_id(
    adapter: str,
) -> None:
    symbol = VENUES[adapter]
    rule = FaultRule(
        kind=FaultKind.TIMEOUT_AFTER_ACCEPT, target=ORDER_PATHS[adapter], method="POST",
        times=1, hang_s=0.1,
    )  # fmt: skip
    plan = FaultPlan([rule])
    async with emulated(adapter, faults=plan) as (_, client):
        request = await resting_buy(client, symbol)
        with pytest.raises(OrderOutcomeUnknown) as info:
            await client.place_order(request)
        assert info.value.client_order_id == request.client_order_id
        found = await client.get_order(symbol, client_order_id=request.client_order_id)
        assert found.status is OrderStatus.OPEN and found.quantity == request.quantity
        assert plan.count(FaultKind.TIMEOUT_AFTER_ACCEPT) == 1


# -- the private stream survives --------------------------------------------------------------------


@both_markets
async def test_user_stream_restarts_after_the_session_expires(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (server, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_orders()) as orders,
        ):
            await client.start_user_stream()
            await round_trip(client, symbol, orders)
            server.dialect.expire_sessions()  # spot: eventStreamTerminated; futures: listenKeyExpired
            await events.wait_for(
                _events(lambda name, e: name.endswith("-user") and e.kind is EventKind.GAP)
            )
            await client.start_user_stream()  # subscribed again (a new listen key on futures)
            await round_trip(client, symbol, orders)


@both_markets
async def test_streams_survive_a_dropped_socket(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter, interval_scale=0.2) as (server, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_orders()) as orders,
            collecting(client.stream_order_book(symbol, 10)) as books,
        ):
            await client.start_user_stream()
            await books.wait_for(lambda items: len(items) > 0)
            await server.drop_all_streams()
            await events.wait_for(lambda items: _after(items, EventKind.DISCONNECTED) is not None)
            await events.wait_for(
                lambda items: _after(items, EventKind.DISCONNECTED, EventKind.CONNECTED) is not None
            )
            await client.start_user_stream()
            await round_trip(client, symbol, orders)
            seen = len(books.items)
            await books.wait_for(lambda items: len(items) > seen + 3)  # the book flows again
            after = books.items[-1]
            assert after.bids[0][0] < after.asks[0][0]


def _after(items: list[tuple[str, SessionEvent]], *kinds: EventKind) -> int | None:
    """Index of the user session's events of ``kinds``, in that order, or ``None``."""
    at = 0
    for kind in kinds:
        found = next(
            (
                i
                for i, (name, e) in enumerate(items)
                if i >= at and name.endswith("-user") and e.kind is kind
            ),
            None,
        )
        if found is None:
            return None
        at = found + 1
    return at - 1


# -- the local book ---------------------------------------------------------------------------


async def _quiet_match(
    client: BinanceClient, symbol: str, books: Collector[OrderBook]
) -> tuple[OrderBook, OrderBook]:
    """The streamed book and a REST snapshot taken at the same update id."""
    for _ in range(50):
        rest = await client.get_order_book(symbol, 20)
        wanted = rest.sequence or 0
        await books.wait_for(lambda items: (items[-1].sequence or 0) >= wanted)  # noqa: B023
        if books.items[-1].sequence == rest.sequence:
            return books.items[-1], rest
    raise AssertionError("the stream and REST never met at one update id")


@both_markets
async def test_local_book_resyncs_after_a_gap_and_equals_a_fresh_snapshot(adapter: str) -> None:
    symbol = VENUES[adapter]
    plan = FaultPlan([FaultRule(kind=FaultKind.WS_SKIP, target="*@depth*", after=5, times=1)])
    async with emulated(adapter, faults=plan, tick_ms=200, interval_scale=0.2) as (
        _,
        client,
    ):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_order_book(symbol, 20)) as books,
        ):

            def depth(kind: EventKind) -> Callable[[list[Any]], bool]:
                return _events(lambda _, e: e.kind is kind and "@depth" in (e.key or ""))

            await events.wait_for(depth(EventKind.GAP))
            assert plan.count(FaultKind.WS_SKIP) == 1
            gap_at = next(i for i, (_, e) in enumerate(events.items) if e.kind is EventKind.GAP)
            await events.wait_for(
                lambda items: any(e.kind is EventKind.RESYNCED for _, e in items[gap_at:])
            )
            streamed, rest = await _quiet_match(client, symbol, books)
    assert streamed.bids == rest.bids and streamed.asks == rest.asks


async def test_market_streams_rotate_before_the_connection_lifetime_without_a_gap() -> None:
    options = {"max_connection_lifetime_s": 1.5}  # rotation 0.3 s before the end
    async with emulated("binance", interval_scale=0.2, client_options=options) as (
        _,
        client,
    ):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_order_book("BTC/USDT", 10)) as books,
        ):
            await events.wait_for(_events(lambda _, e: e.kind is EventKind.ROTATED))
            seen = len(books.items)
            await books.wait_for(lambda items: len(items) > seen + 3)
        kinds = [e.kind for _, e in events.items]
        assert EventKind.GAP not in kinds and EventKind.DISCONNECTED not in kinds
        sequences = [b.sequence or 0 for b in books.items]
        assert sequences == sorted(sequences)
