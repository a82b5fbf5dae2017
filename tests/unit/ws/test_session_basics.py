"""Subscribing, delivering, unsubscribing, and what a consumer can observe."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import pytest

from exchangekit.errors import AuthenticationError
from exchangekit.ratelimit.spec import Cost, Pool, Priority
from exchangekit.ws import (
    EventKind,
    Handshake,
    SessionClosed,
    Subscription,
    SubscriptionRejected,
    WsSession,
)
from tests.unit.ws.conftest import make_venue, next_event, take
from tests.unit.ws.server import VenueServer


async def subscribed(server: VenueServer, topic: str, times: int = 1) -> None:
    await server.wait_for(lambda: len(server.subscribes(topic)) >= times)


async def test_subscribed_payloads_arrive_in_order(server: VenueServer) -> None:
    async with WsSession(make_venue(server)) as session:
        stream = session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        server.publish("trades", 5)
        assert await take(stream.get, 5) == [1, 2, 3, 4, 5]
        assert session.connected
        assert session.last_message_ms("trades") is not None


async def test_leaving_async_for_sends_unsubscribe(server: VenueServer) -> None:
    async with WsSession(make_venue(server)) as session:
        stream = session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        server.publish("trades")
        async for payload in stream:
            assert payload == 1
            break
        await server.wait_for(lambda: server.messages("unsubscribe") != [])
        assert server.messages("unsubscribe")[0][1]["args"] == ["trades"]
        assert "trades" not in session.subscriptions


async def test_leaving_async_with_block_sends_unsubscribe(server: VenueServer) -> None:
    async with WsSession(make_venue(server)) as session:
        async with session.subscribe(Subscription("trades")) as stream:
            await subscribed(server, "trades")
        assert stream.closed
        await server.wait_for(lambda: server.messages("unsubscribe") != [])


async def test_subscribing_twice_to_one_key_is_refused(server: VenueServer) -> None:
    async with WsSession(make_venue(server)) as session:
        session.subscribe(Subscription("trades"))
        with pytest.raises(ValueError, match="already subscribed"):
            session.subscribe(Subscription("trades"))


async def test_rejected_subscription_raises_in_its_consumer_only(server: VenueServer) -> None:
    server.reject.add("nonsense")
    async with WsSession(make_venue(server)) as session:
        events = session.events()
        bad = session.subscribe(Subscription("nonsense"))
        good = session.subscribe(Subscription("trades"))
        with pytest.raises(SubscriptionRejected) as info:
            await take(bad.get, 1)
        assert info.value.key == "nonsense"
        event = await next_event(events, EventKind.ERROR)
        assert event.key == "nonsense"
        await subscribed(server, "trades")
        server.publish("trades")
        assert await take(good.get, 1) == [1]


async def test_events_are_observed_in_order(server: VenueServer) -> None:
    session = WsSession(make_venue(server))
    events = session.events()
    async with session:
        session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        await server.drop()
        await subscribed(server, "trades", times=2)
    seen = [event async for event in events]
    assert [event.at_ms for event in seen] == sorted(event.at_ms for event in seen)
    assert [event.connection for event in seen if event.kind is EventKind.CONNECTED] == [1, 2]
    assert [event.kind for event in seen] == [
        EventKind.CONNECTED,
        EventKind.DISCONNECTED,
        EventKind.RECONNECTING,
        EventKind.CONNECTED,
        EventKind.DISCONNECTED,
    ]


async def test_report_publishes_gap_and_resynced_for_the_book_layer(
    server: VenueServer,
) -> None:
    async with WsSession(make_venue(server)) as session:
        events = session.events()
        session.report(EventKind.GAP, "book", "sequence 7 missing")
        session.report(EventKind.RESYNCED, "book", "snapshot 9")
        gap, resynced = await take(events.__anext__, 2)
        assert (gap.kind, gap.key, gap.detail) == (EventKind.GAP, "book", "sequence 7 missing")
        assert (resynced.kind, resynced.key) == (EventKind.RESYNCED, "book")
        with pytest.raises(ValueError):
            session.report(EventKind.CONNECTED)


async def test_slow_consumer_overflow_drops_oldest_and_reports_a_gap(
    server: VenueServer,
) -> None:
    async with WsSession(make_venue(server), max_queued=3) as session:
        events = session.events()
        stream = session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        server.publish("trades", 10)
        gap = await next_event(events, EventKind.GAP, key="trades")
        assert "too slow" in gap.detail
        await server.wait_for(lambda: stream.delivered == 10)
        assert stream.dropped == 7
        assert await take(stream.get, 3) == [8, 9, 10]


async def test_on_connect_runs_before_subscriptions_on_every_connection(
    server: VenueServer,
) -> None:
    replies: list[str | bytes] = []

    async def login(handshake: Handshake) -> None:
        await handshake.send(json.dumps({"op": "login"}))
        replies.append(await handshake.recv(timeout_s=1.0))

    async with WsSession(make_venue(server, on_connect=login)) as session:
        session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        await server.drop()
        await subscribed(server, "trades", times=2)
    for peer in server.peers:
        ops = [json.loads(raw)["op"] for raw in peer.received]
        assert ops[:2] == ["login", "subscribe"]
    assert replies == ['{"event": "login"}'] * 2


async def test_authentication_failure_stops_the_session_and_its_consumers(
    server: VenueServer,
) -> None:
    async def refuse(handshake: Handshake) -> None:
        raise AuthenticationError("bad key", exchange="testvenue")

    async with WsSession(make_venue(server, on_connect=refuse)) as session:
        stream = session.subscribe(Subscription("trades"))
        with pytest.raises(AuthenticationError):
            await take(stream.get, 1)
        assert isinstance(session.failure, AuthenticationError)
        with pytest.raises(AuthenticationError):
            session.subscribe(Subscription("other"))
    assert len(server.peers) == 1


async def test_url_factory_is_awaited_for_every_connection(server: VenueServer) -> None:
    calls = 0

    async def url() -> str:
        nonlocal calls
        calls += 1
        return f"{server.url}?listenKey=k{calls}"

    async with WsSession(make_venue(server, url=None, url_factory=url)) as session:
        session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        await server.drop()
        await subscribed(server, "trades", times=2)
    assert calls == 2
    assert [p.socket.request and p.socket.request.path for p in server.peers] == [
        "/ws?listenKey=k1",
        "/ws?listenKey=k2",
    ]


class CountingLimiter:
    def __init__(self) -> None:
        self.charges: list[tuple[tuple[Cost, ...], Priority]] = []

    async def acquire(
        self, costs: Sequence[Cost], *, priority: Priority = Priority.MARKET_DATA
    ) -> None:
        self.charges.append((tuple(costs), priority))


async def test_limiter_is_charged_for_connections_and_outgoing_messages(
    server: VenueServer,
) -> None:
    connections = Pool(name="ws-connections", limit=300, window_s=300)
    messages = Pool(name="ws-messages", limit=5, window_s=1)
    limiter = CountingLimiter()
    session = WsSession(
        make_venue(server),
        limiter=limiter,  # type: ignore[arg-type]
        connect_cost=[Cost(connections)],
        message_cost=[Cost(messages)],
    )
    async with session:
        session.subscribe(Subscription("a"))
        session.subscribe(Subscription("b"))
        await subscribed(server, "a")
        await subscribed(server, "b")
        frames = sum(len(peer.received) for peer in server.peers)
    pools = [costs[0].pool.name for costs, _ in limiter.charges]
    assert pools == ["ws-connections"] + ["ws-messages"] * frames


async def test_closed_session_refuses_new_subscriptions(server: VenueServer) -> None:
    session = WsSession(make_venue(server))
    async with session:
        pass
    with pytest.raises(SessionClosed):
        session.subscribe(Subscription("trades"))


async def test_consumer_iteration_ends_when_the_session_closes(server: VenueServer) -> None:
    session = WsSession(make_venue(server))
    async with session:
        stream = session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        consumer = asyncio.ensure_future(take(stream.get, 1))
        await asyncio.sleep(0)
    with pytest.raises(StopAsyncIteration):
        await consumer


async def test_subscriptions_made_before_start_are_sent_on_connect(server: VenueServer) -> None:
    session = WsSession(make_venue(server))
    stream = session.subscribe(Subscription("trades"))
    async with session:
        await subscribed(server, "trades")
        server.publish("trades")
        assert await take(stream.get, 1) == [1]


async def test_resubscribe_sends_unsubscribe_then_subscribe(server: VenueServer) -> None:
    async with WsSession(make_venue(server)) as session:
        session.subscribe(Subscription("book"))
        await subscribed(server, "book")
        session.resubscribe("book")
        await subscribed(server, "book", times=2)
        ops = [json.loads(raw)["op"] for raw in server.peers[0].received]
        assert ops == ["subscribe", "unsubscribe", "subscribe"]
        with pytest.raises(KeyError):
            session.resubscribe("unknown")


async def test_undecodable_frame_is_reported_and_reading_goes_on(server: VenueServer) -> None:
    async with WsSession(make_venue(server)) as session:
        events = session.events()
        stream = session.subscribe(Subscription("trades"))
        await subscribed(server, "trades")
        server.send_raw("this is not json")
        server.publish("trades")
        error = await next_event(events, EventKind.ERROR)
        assert "undecodable frame" in error.detail
        assert await take(stream.get, 1) == [1]
        assert session.connected


async def test_on_event_callback_sees_every_event_synchronously(server: VenueServer) -> None:
    seen: list[EventKind] = []
    session = WsSession(make_venue(server), on_event=lambda e: seen.append(e.kind))
    events = session.events()
    async with session:
        await next_event(events, EventKind.CONNECTED)
        assert seen == [EventKind.CONNECTED]
