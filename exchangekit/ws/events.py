"""Lifecycle events a consumer can observe, and the fan-out that delivers them."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from types import TracebackType

import msgspec

from exchangekit.clock import Clock

__all__ = ["EventKind", "EventStream", "SessionEvent"]

log = logging.getLogger("exchangekit.ws")


class EventKind(StrEnum):
    """What happened to the session or to one of its subscriptions."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"
    """A reconnect is scheduled; ``attempt`` and ``delay_s`` say which and when."""
    STALE = "stale"
    """Subscription ``key`` has been silent longer than its ``stale_after_s``."""
    GAP = "gap"
    """Messages of subscription ``key`` were lost (slow consumer, or reported by the book)."""
    RESYNCED = "resynced"
    """Subscription ``key`` is consistent again (reported by the book layer)."""
    ROTATED = "rotated"
    """The session moved to a fresh connection without a break in the streams."""
    ERROR = "error"
    """The venue reported an error, or a frame could not be decoded."""


_WARN = frozenset({EventKind.STALE, EventKind.GAP, EventKind.ERROR, EventKind.DISCONNECTED})
PLANNED_CLOSE = "session closed"
"""The ``detail`` of the disconnect a session reports when it is closed on purpose."""


class SessionEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One lifecycle event. ``at_ms`` is wall-clock epoch milliseconds from the session's clock."""

    kind: EventKind
    at_ms: int
    key: str | None = None
    """The subscription concerned, or ``None`` for the session as a whole."""
    detail: str = ""
    attempt: int | None = None
    """Reconnect attempt number (0-based) on ``reconnecting`` events."""
    delay_s: float | None = None
    """The jittered delay before that attempt, on ``reconnecting`` events."""
    connection: int | None = None
    """Which connection of the session (numbered from 1) the event concerns."""


class EventStream:
    """An observer's own ordered queue of events: ``async for event in stream``.

    It receives every event emitted after it was created, in order, and ends when the
    session closes. If the observer falls more than ``capacity`` events behind, the oldest
    are dropped and counted in :attr:`dropped`.
    """

    def __init__(self, hub: EventHub, capacity: int) -> None:
        self._hub = hub
        self._events: deque[SessionEvent] = deque(maxlen=capacity)
        self._waiter: asyncio.Future[None] | None = None
        self._ended = False
        self.dropped = 0
        """Events lost because this observer fell behind."""

    def _put(self, event: SessionEvent) -> None:
        events = self._events
        if len(events) == events.maxlen:
            self.dropped += 1
        events.append(event)
        self._wake()

    def _end(self) -> None:
        self._ended = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def close(self) -> None:
        """Stop observing; iteration ends once the queued events are read."""
        self._hub._detach(self)
        self._end()

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> SessionEvent:
        while not self._events:
            if self._ended:
                raise StopAsyncIteration
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            await waiter
        return self._events.popleft()

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class EventHub:
    """Stamps events with the clock, logs them, and hands each to every observer in order."""

    def __init__(
        self,
        clock: Clock,
        *,
        venue: str,
        capacity: int,
        on_event: Callable[[SessionEvent], None] | None = None,
    ) -> None:
        self._clock = clock
        self._venue = venue
        self._capacity = capacity
        self._on_event = on_event
        self._streams: list[EventStream] = []
        self._closed = False

    def open(self) -> EventStream:
        stream = EventStream(self, self._capacity)
        if self._closed:
            stream._end()
        else:
            self._streams.append(stream)
        return stream

    def _detach(self, stream: EventStream) -> None:
        if stream in self._streams:
            self._streams.remove(stream)

    def emit(
        self,
        kind: EventKind,
        *,
        key: str | None = None,
        detail: str = "",
        attempt: int | None = None,
        delay_s: float | None = None,
        connection: int | None = None,
    ) -> SessionEvent:
        event = SessionEvent(
            kind=kind,
            at_ms=self._clock.now_ms(),
            key=key,
            detail=detail,
            attempt=attempt,
            delay_s=delay_s,
            connection=connection,
        )
        # A disconnect the session itself asked for (close) is routine, not a warning.
        planned = kind is EventKind.DISCONNECTED and detail == PLANNED_CLOSE
        log.log(
            logging.WARNING if kind in _WARN and not planned else logging.INFO,
            "%s ws %s%s%s",
            self._venue,
            kind.value,
            f" [{key}]" if key else "",
            f": {detail}" if detail else "",
        )
        for stream in self._streams:
            stream._put(event)
        if self._on_event is not None:
            try:
                self._on_event(event)
            except Exception:
                log.exception("%s ws on_event callback failed", self._venue)
        return event

    def close(self) -> None:
        self._closed = True
        streams, self._streams = self._streams, []
        for stream in streams:
            stream._end()
