"""Surviving the network: drops, replays, silent sockets, refused handshakes, lost pongs."""

from __future__ import annotations

import asyncio
import itertools
import random

from exchangekit.clock import ManualClock
from exchangekit.ws import Backoff, EventKind, SessionEvent, Subscription, WsSession
from tests.unit.ws.conftest import make_venue, next_event, take
from tests.unit.ws.lagproxy import LagProxy
from tests.unit.ws.server import VenueServer


async def subscribed(server: VenueServer, topic: str, times: int = 1) -> None:
    await server.wait_for(lambda: len(server.subscribes(topic)) >= times)


async def test_dropped_connection_reconnects_and_resubscribes(server: VenueServer) -> None:
    async with WsSession(make_venue(server)) as session:
        events = session.events()
        stream = session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        server.publish("trades", 2)
        assert await take(stream.get, 2) == [1, 2]

        await server.drop()
        await next_event(events, EventKind.DISCONNECTED)
        reconnecting = await next_event(events, EventKind.RECONNECTING)
        assert reconnecting.attempt == 0
        await next_event(events, EventKind.CONNECTED)
        await subscribed(server, "trades", times=2)

        server.publish("trades", 2)
        assert await take(stream.get, 2) == [3, 4]
    assert server.subscribes("trades") == [1, 2]


async def test_clean_close_by_the_server_also_reconnects(server: VenueServer) -> None:
    async with WsSession(make_venue(server)) as session:
        session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        await server.drop(abrupt=False)
        await subscribed(server, "trades", times=2)


async def test_messages_replayed_after_reconnect_are_suppressed(server: VenueServer) -> None:
    server.replay_on_subscribe = 10
    async with WsSession(make_venue(server)) as session:
        stream = session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        server.publish("trades", 5)
        assert await take(stream.get, 5) == [1, 2, 3, 4, 5]

        await server.drop()
        await server.wait_for(lambda: server.open_peers == [])
        server.publish("trades", 3)  # 6..8 happen while the client is away
        await subscribed(server, "trades", times=2)
        server.publish("trades", 2)
        # The replay of 1..8 fills the hole (6..8) without repeating 1..5.
        assert await take(stream.get, 5) == [6, 7, 8, 9, 10]
        assert stream.duplicates == 5


async def test_silent_open_socket_raises_stale_and_reconnects(server: VenueServer) -> None:
    async with WsSession(make_venue(server)) as session:
        events = session.events()
        session.subscribe(Subscription("trades", stale_after_s=0.1))
        await subscribed(server, "trades")
        server.publish("trades")
        server.stalled = True
        stale = await next_event(events, EventKind.STALE)
        assert stale.key == "trades"
        disconnected = await next_event(events, EventKind.DISCONNECTED)
        assert "stale" in disconnected.detail
        await subscribed(server, "trades", times=2)
        assert len(server.peers) == 2


async def test_stale_is_only_reported_when_reconnect_on_stale_is_off(
    server: VenueServer,
) -> None:
    async with WsSession(make_venue(server), reconnect_on_stale=False) as session:
        events = session.events()
        stream = session.subscribe(Subscription("trades", stale_after_s=0.05))
        await subscribed(server, "trades")
        await next_event(events, EventKind.STALE, key="trades")
        assert stream.stale
        server.publish("trades")
        assert await take(stream.get, 1) == [1]
        assert not stream.stale
        # Fresh again, it can go stale again.
        await next_event(events, EventKind.STALE, key="trades")
        assert session.connected
    assert len(server.peers) == 1


async def test_backoff_delays_are_jittered_and_within_the_capped_bound(
    server: VenueServer,
) -> None:
    backoff = Backoff(base_s=0.002, cap_s=0.02, stable_after_s=10.0)
    server.refuse = 8
    session = WsSession(make_venue(server, backoff=backoff), rng=random.Random(7))
    events = session.events()
    seen: list[SessionEvent] = []
    async with session, asyncio.timeout(3):
        async for event in events:
            seen.append(event)
            if event.kind is EventKind.CONNECTED:
                break
    retries = [event for event in seen if event.kind is EventKind.RECONNECTING]
    assert [event.attempt for event in retries] == list(range(8))
    for event in retries:
        assert event.delay_s is not None and event.attempt is not None
        assert 0.0 <= event.delay_s <= min(backoff.cap_s, backoff.base_s * 2**event.attempt)
    delays = [event.delay_s or 0.0 for event in retries]
    assert len(set(delays)) == len(delays)  # jittered: no two alike
    assert max(delays) <= backoff.cap_s
    # Each attempt really waited its delay before the next one was made.
    for before, after in itertools.pairwise(retries):
        assert before.delay_s is not None
        assert after.at_ms - before.at_ms >= int(before.delay_s * 1000) - 1
    assert server.refused == 8


async def test_attempt_counter_resets_after_a_stable_period(server: VenueServer) -> None:
    clock = ManualClock()
    backoff = Backoff(base_s=1.0, cap_s=8.0, stable_after_s=60.0)
    session = WsSession(make_venue(server, backoff=backoff), clock=clock, rng=random.Random(5))
    events = session.events()

    async def drop_and_reconnect() -> SessionEvent:
        await server.drop()
        retry = await next_event(events, EventKind.RECONNECTING)
        assert retry.delay_s is not None
        await clock.advance(retry.delay_s)
        await next_event(events, EventKind.CONNECTED)
        return retry

    async with session:
        await next_event(events, EventKind.CONNECTED)
        assert (await drop_and_reconnect()).attempt == 0
        assert (await drop_and_reconnect()).attempt == 1
        assert (await drop_and_reconnect()).attempt == 2
        await clock.advance(61.0)  # the connection has now been up for a stable period
        retry = await drop_and_reconnect()
        assert retry.attempt == 0
        assert retry.delay_s is not None and retry.delay_s <= backoff.base_s


async def test_text_pings_are_answered_and_keep_the_connection(server: VenueServer) -> None:
    venue = make_venue(server, ping_message="ping", ping_interval_s=0.02)
    async with WsSession(venue) as session:
        await server.wait_for(
            lambda: bool(server.peers) and server.peers[0].received.count("ping") >= 4
        )
        assert session.connected
    assert len(server.peers) == 1


async def test_unanswered_text_ping_forces_a_reconnect(server: VenueServer) -> None:
    server.answer_pings = False
    venue = make_venue(server, ping_message="ping", ping_interval_s=0.02, pong_timeout_s=0.02)
    async with WsSession(venue) as session:
        events = session.events()
        session.subscribe(Subscription("trades"))
        disconnected = await next_event(events, EventKind.DISCONNECTED)
        assert "no pong" in disconnected.detail
        await subscribed(server, "trades", times=2)


async def test_snapshot_after_a_sequence_reset_lets_reused_keys_through(
    server: VenueServer,
) -> None:
    server.snapshot_on_subscribe = True
    async with WsSession(make_venue(server)) as session:
        stream = session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        server.publish("trades", 3)
        assert await take(stream.get, 4) == [("snapshot", 0), 1, 2, 3]

        server.reset_sequence("trades")  # maintenance: the venue numbers from 1 again
        await server.drop()
        await subscribed(server, "trades", times=2)
        server.publish("trades", 3)
        # Keys 1..3 were seen before the reset; the snapshot says they are new now.
        assert await take(stream.get, 4) == [("snapshot", 0), 1, 2, 3]


async def test_protocol_ping_timeout_on_a_black_holed_connection_reconnects(
    server: VenueServer,
) -> None:
    proxy = LagProxy(server)
    await proxy.start()
    try:
        venue = make_venue(
            server, url=proxy.url, protocol_ping_interval_s=0.03, protocol_ping_timeout_s=0.03
        )
        async with WsSession(venue) as session:
            events = session.events()
            session.subscribe(Subscription("trades"))
            await subscribed(server, "trades")
            proxy.blackhole(1)  # the socket stays open; nothing comes back, not even pongs
            disconnected = await next_event(events, EventKind.DISCONNECTED)
            assert "ping timeout" in disconnected.detail
            await next_event(events, EventKind.CONNECTED)
            await subscribed(server, "trades", times=2)
    finally:
        await proxy.stop()
