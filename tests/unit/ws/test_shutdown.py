"""Closing the session stops everything it started."""

from __future__ import annotations

import asyncio
from typing import Any

import websockets.asyncio.server

from exchangekit.ws import EventKind, Subscription, WsSession
from tests.unit.ws.conftest import make_venue, next_event
from tests.unit.ws.server import VenueServer


def ours(tasks: set[asyncio.Task[Any]], server: VenueServer) -> set[asyncio.Task[Any]]:
    """Tasks that are not the test server's (its connection handlers, feed and timers)."""
    return {task for task in tasks if task not in server.tasks and not _server_side(task)}


def _server_side(task: asyncio.Task[Any]) -> bool:
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename == websockets.asyncio.server.__file__


async def test_closing_the_session_leaves_no_task_behind(server: VenueServer) -> None:
    before = asyncio.all_tasks()
    venue = make_venue(
        server,
        ping_message="ping",
        ping_interval_s=0.01,
        protocol_ping_interval_s=0.05,
        max_lifetime_s=0.2,
        rotate_before_s=0.1,
    )
    server.start_feed("trades", 0.002)
    session = WsSession(venue)
    async with session:
        events = session.events()
        stream = session.subscribe(Subscription("trades", stale_after_s=1.0))
        consumer = asyncio.ensure_future(stream.get())
        await next_event(events, EventKind.ROTATED)
        await server.drop()  # and a reconnect, mid-life
        await next_event(events, EventKind.CONNECTED)
        pending = session.subscribe(Subscription("quiet"))
        blocked = asyncio.ensure_future(anext(aiter(pending)))
        running = ours(asyncio.all_tasks() - before, server) - {consumer, blocked}
        assert any(task.get_name().startswith("testvenue-") for task in running)
    leftover = ours(asyncio.all_tasks() - before, server) - {consumer, blocked}
    assert leftover == set()
    # A consumer still waiting when the session closed is released, not left hanging.
    async with asyncio.timeout(1):
        assert isinstance(await consumer, int)
        await asyncio.wait([blocked])
    assert isinstance(blocked.exception(), StopAsyncIteration)


async def test_closing_while_reconnecting_leaves_no_task_behind(server: VenueServer) -> None:
    before = asyncio.all_tasks()
    server.refuse = 1000
    session = WsSession(make_venue(server))
    async with session:
        events = session.events()
        await next_event(events, EventKind.RECONNECTING)
    assert ours(asyncio.all_tasks() - before, server) == set()
    assert not session.connected
