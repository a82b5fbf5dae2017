"""Fixtures: a local venue server and a venue description speaking its dialect."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from exchangekit.ws import (
    Backoff,
    Control,
    ControlKind,
    EventKind,
    EventStream,
    Frame,
    Routed,
    SessionEvent,
    Subscription,
    WsVenue,
)
from tests.unit.ws.server import VenueServer

T = TypeVar("T")

FAST_BACKOFF = Backoff(base_s=0.01, cap_s=0.08, stable_after_s=0.5)


def subscribe_message(subs: Sequence[Subscription]) -> list[Frame]:
    return [json.dumps({"op": "subscribe", "args": [s.key for s in subs]})]


def unsubscribe_message(subs: Sequence[Subscription]) -> list[Frame]:
    return [json.dumps({"op": "unsubscribe", "args": [s.key for s in subs]})]


def route(raw: Frame) -> Routed | Control | None:
    if raw == "pong":
        return Control(ControlKind.PONG)
    msg = json.loads(raw)
    if "snapshot" in msg:
        return Routed(msg["topic"], ("snapshot", msg["snapshot"]), snapshot=True)
    if "topic" in msg:
        return Routed(msg["topic"], msg["seq"], dedupe_key=msg["seq"])
    event = msg.get("event")
    if event == "subscribed":
        return Control(ControlKind.ACK, key=msg["arg"])
    if event == "error":
        return Control(ControlKind.REJECTED, key=msg["arg"], detail=msg["msg"])
    if event == "shutdown":
        return Control(ControlKind.RECONNECT)
    return None


def make_venue(server: VenueServer, **overrides: Any) -> WsVenue:
    venue = WsVenue(
        name="testvenue",
        url=server.url,
        subscribe_message=subscribe_message,
        unsubscribe_message=unsubscribe_message,
        route=route,
        protocol_ping_interval_s=None,
        open_timeout_s=1.0,
        close_timeout_s=0.2,
        handover_timeout_s=0.5,
        backoff=FAST_BACKOFF,
    )
    return replace(venue, **overrides)


@pytest.fixture(params=[None, "deflate"], ids=["plain", "deflate"])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[VenueServer]:
    """The venue, with plain frames and with compressed ones (two paths in the client)."""
    srv = VenueServer(compression=request.param)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
def rng() -> random.Random:
    return random.Random(1234)


async def take(get: Callable[[], Awaitable[T]], count: int, within_s: float = 3.0) -> list[T]:
    """The next ``count`` results of ``get`` (``stream.get``), or fail after ``within_s``."""
    out = []
    async with asyncio.timeout(within_s):
        for _ in range(count):
            out.append(await get())
    return out


async def next_event(
    events: EventStream, kind: EventKind, within_s: float = 3.0, key: str | None = None
) -> SessionEvent:
    """The next event of ``kind`` (and ``key``, if given), skipping others."""
    async with asyncio.timeout(within_s):
        async for event in events:
            if event.kind is kind and (key is None or event.key == key):
                return event
    raise AssertionError(f"event stream ended before a {kind} event")
