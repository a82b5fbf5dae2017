"""Planned rotation: the new connection is up before the old one goes, and no message is
lost or doubled on the way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from exchangekit.ws import (
    Control,
    ControlKind,
    EventKind,
    Frame,
    Routed,
    SessionEvent,
    Subscription,
    SubscriptionStream,
    WsSession,
)
from tests.unit.ws.conftest import make_venue, next_event, route
from tests.unit.ws.lagproxy import LagProxy
from tests.unit.ws.server import VenueServer


@asynccontextmanager
async def consuming(stream: SubscriptionStream, server: VenueServer) -> AsyncIterator[list[object]]:
    """Collect the stream's payloads in the background, like a real consumer."""
    received: list[object] = []

    async def consume() -> None:
        async for payload in stream:
            received.append(payload)
            server.pulse()

    task = asyncio.ensure_future(consume())
    try:
        yield received
    finally:
        task.cancel()
        await asyncio.wait([task])


async def collect_until(
    events: AsyncIterator[SessionEvent], kind: EventKind, count: int
) -> list[SessionEvent]:
    out = []
    async with asyncio.timeout(5):
        async for event in events:
            out.append(event)
            if sum(e.kind is kind for e in out) == count:
                return out
    raise AssertionError("events ended")


async def drain(server: VenueServer, received: list[object]) -> None:
    """Stop the feed and wait until the consumer has the last message published."""
    await server.stop_feed()
    last = server.history["trades"][-1]
    await server.wait_for(lambda: bool(received) and seq_of(received[-1]) == last)


def seq_of(item: object) -> object:
    """A delta's sequence number, or the one a snapshot stands at."""
    return item[1] if isinstance(item, tuple) else item


def assert_continuous(received: list[object]) -> None:
    assert received, "nothing received"
    first = received[0]
    assert isinstance(first, int)
    assert received == list(range(first, first + len(received)))


def route_without_acks(raw: Frame) -> Routed | Control | None:
    routed = route(raw)
    return None if isinstance(routed, Control) and routed.kind is ControlKind.ACK else routed


@pytest.mark.parametrize("acks", [True, False], ids=["acknowledged", "overlap-only"])
async def test_rotation_makes_before_breaks_without_losing_or_doubling_messages(
    server: VenueServer, acks: bool
) -> None:
    server.max_lifetime_s = 0.5  # the venue really cuts connections at their lifetime
    venue = make_venue(
        server,
        route=route if acks else route_without_acks,
        max_lifetime_s=0.5,
        rotate_before_s=0.25,
        handover_timeout_s=0.2,
    )
    server.start_feed("trades", 0.002)
    async with WsSession(venue) as session:
        events = session.events()
        stream = session.subscribe(Subscription("trades"))
        async with consuming(stream, server) as received:
            seen = await collect_until(events, EventKind.ROTATED, 2)
            await drain(server, received)
    assert [e.kind for e in seen] == [EventKind.CONNECTED, EventKind.ROTATED, EventKind.ROTATED]
    assert_continuous(received)
    # Make before break: each new connection was subscribed before the old one closed.
    assert server.max_concurrent == 2
    for old, new in zip(server.peers, server.peers[1:3], strict=False):
        assert new.subscribed_at["trades"] < old.closed_at
    if not acks:
        # Only an overlap of data can have switched the stream, and it was suppressed.
        assert stream.duplicates > 0
        for old, new in zip(server.peers, server.peers[1:3], strict=False):
            assert new.sent["trades"][0] <= old.sent["trades"][-1]


async def test_venue_shutdown_notice_rotates_at_once(server: VenueServer) -> None:
    venue = make_venue(server, handover_timeout_s=1.0)  # no lifetime: only the notice rotates
    server.start_feed("trades", 0.002)
    async with WsSession(venue) as session:
        events = session.events()
        stream = session.subscribe(Subscription("trades"))
        async with consuming(stream, server) as received:
            await server.wait_for(lambda: len(received) >= 20)
            server.announce_shutdown()
            rotated = await next_event(events, EventKind.ROTATED, within_s=1.0)
            await drain(server, received)
    assert rotated.connection == 2
    assert_continuous(received)
    assert len(server.peers) == 2


async def test_quiet_subscription_switches_once_acknowledged_without_waiting_the_timeout(
    server: VenueServer,
) -> None:
    # A long handover timeout: only the acknowledgement can finish the rotation quickly.
    venue = make_venue(server, max_lifetime_s=0.3, rotate_before_s=0.2, handover_timeout_s=10.0)
    async with WsSession(venue) as session:
        events = session.events()
        stream = session.subscribe(Subscription("quiet"))
        await next_event(events, EventKind.ROTATED, within_s=1.0)
        assert server.subscribes("quiet") == [1, 2]
        await server.wait_for(lambda: not server.peers[0].open)
        server.publish("quiet")
        assert await asyncio.wait_for(stream.get(), 1.0) == 1


async def test_failed_rotation_attempt_is_retried_while_the_old_connection_serves(
    server: VenueServer,
) -> None:
    venue = make_venue(server, max_lifetime_s=0.3, rotate_before_s=0.2, handover_timeout_s=0.2)
    server.start_feed("trades", 0.002)
    async with WsSession(venue) as session:
        events = session.events()
        stream = session.subscribe(Subscription("trades"))
        await next_event(events, EventKind.CONNECTED)
        server.refuse = 2
        async with consuming(stream, server) as received:
            seen = await collect_until(events, EventKind.ROTATED, 1)
            await drain(server, received)
    assert [e.kind for e in seen] == [EventKind.ERROR, EventKind.ERROR, EventKind.ROTATED]
    assert all("rotation attempt failed" in e.detail for e in seen[:2])
    assert_continuous(received)


async def test_rotation_waits_for_a_lagging_old_connection_to_catch_up(
    server: VenueServer,
) -> None:
    # The old connection is 50 ms behind the new one: when the new one acknowledges the
    # subscription, a good part of the stream is still in flight on the old one.
    proxy = LagProxy(server, lags={1: 0.05})
    await proxy.start()
    try:
        venue = make_venue(
            server, url=proxy.url, max_lifetime_s=0.4, rotate_before_s=0.25, handover_timeout_s=0.5
        )
        server.start_feed("trades", 0.002)
        async with WsSession(venue) as session:
            events = session.events()
            stream = session.subscribe(Subscription("trades"))
            async with consuming(stream, server) as received:
                seen = await collect_until(events, EventKind.ROTATED, 1)
                await drain(server, received)
    finally:
        await proxy.stop()
    assert [e.kind for e in seen] == [EventKind.CONNECTED, EventKind.ROTATED]
    assert_continuous(received)


def assert_book_consistent(received: list[object]) -> None:
    """Every delta continues the last snapshot or delta, as an order book needs."""
    assert received and isinstance(received[0], tuple), "a book starts with a snapshot"
    expected = 0
    for item in received:
        if isinstance(item, tuple):
            expected = int(item[1]) + 1
        else:
            assert item == expected, f"delta {item} where {expected} was due"
            expected += 1


async def test_books_that_snapshot_on_subscribe_stay_consistent_across_rotation_and_drop(
    server: VenueServer,
) -> None:
    server.snapshot_on_subscribe = True
    venue = make_venue(server, max_lifetime_s=0.3, rotate_before_s=0.15, handover_timeout_s=0.2)
    server.start_feed("trades", 0.002)
    async with WsSession(venue) as session:
        events = session.events()
        stream = session.subscribe(Subscription("trades"))
        async with consuming(stream, server) as received:
            await collect_until(events, EventKind.ROTATED, 1)
            await server.drop()
            await collect_until(events, EventKind.CONNECTED, 1)
            await drain(server, received)
    assert_book_consistent(received)
    assert sum(isinstance(item, tuple) for item in received) >= 3  # one per connection
