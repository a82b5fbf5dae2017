"""What the session does behind its public API: connect, serve, back off, dispatch."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from websockets.exceptions import InvalidURI

from exchangekit.clock import Clock
from exchangekit.errors import AuthenticationError
from exchangekit.ratelimit.spec import Cost, Priority, RateLimiter
from exchangekit.ws._wait import wait_first
from exchangekit.ws.connection import WsConnection, open_socket
from exchangekit.ws.errors import SubscriptionRejected
from exchangekit.ws.events import PLANNED_CLOSE, EventHub, EventKind
from exchangekit.ws.rotation import Rotator
from exchangekit.ws.staleness import StaleWatch
from exchangekit.ws.stream import SubscriptionStream
from exchangekit.ws.venue import Control, ControlKind, Frame, Routed, Subscription, WsVenue

__all__ = ["SessionCore"]

log = logging.getLogger("exchangekit.ws")

# After the first undecodable frame, report only every Nth one.
_BAD_FRAME_REPORT_EVERY = 1000


class SessionCore:
    """The state and the loops of one session. ``WsSession`` is its public face."""

    def __init__(
        self,
        venue: WsVenue,
        *,
        clock: Clock,
        rng: random.Random,
        events: EventHub,
        limiter: RateLimiter | None,
        connect_cost: Sequence[Cost],
        message_cost: Sequence[Cost],
        priority: Priority,
        max_queued: int,
        dedupe_window: int,
        reconnect_on_stale: bool,
    ) -> None:
        self.venue = venue
        self.clock = clock
        self.rng = rng
        self.events = events
        self.max_queued = max_queued
        self.dedupe_window = dedupe_window
        self.streams: dict[str, SubscriptionStream] = {}
        self.conns: list[WsConnection] = []
        """Every open connection: the active one, and its successor during a rotation."""
        self.active: WsConnection | None = None
        self.failure: BaseException | None = None
        self.closed = False
        self._limiter = limiter
        self._connect_cost = tuple(connect_cost)
        self._priority = priority
        self._gate: Callable[[], Awaitable[None]] | None = None
        if limiter is not None and message_cost:
            costs = tuple(message_cost)

            async def gate() -> None:
                await limiter.acquire(costs, priority=priority)

            self._gate = gate
        self.rotator = Rotator(self)
        self.stale_watch = StaleWatch(
            self.streams,
            clock=clock,
            events=events,
            active=lambda: self.active,
            reconnect=reconnect_on_stale,
        )
        self._tasks: set[asyncio.Task[None]] = set()
        self._numbers = itertools.count(1)
        self._attempt = 0
        self._bad_frames = 0

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        self.spawn(self._supervise(), "supervisor")
        self.spawn(self.stale_watch.run(), "stale-watch")

    async def close(self) -> None:
        self.closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for conn in list(self.conns):
            await conn.aclose(PLANNED_CLOSE)
        self.conns.clear()
        if self.active is not None:
            number, self.active = self.active.number, None
            self.events.emit(EventKind.DISCONNECTED, detail=PLANNED_CLOSE, connection=number)
        for stream in list(self.streams.values()):
            stream.end(self.failure)
        self.streams.clear()
        self.events.close()

    def stop(self, error: BaseException) -> None:
        """Stop for good: retrying cannot fix ``error``. Consumers get it raised."""
        self.failure = error
        self.events.emit(EventKind.ERROR, detail=f"session stopped: {error}")
        for stream in list(self.streams.values()):
            stream.end(error)
        self.streams.clear()

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.venue.name}-{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- streams -----------------------------------------------------------------------

    def add_stream(self, subscription: Subscription) -> SubscriptionStream:
        frames = list(self.venue.subscribe_message([subscription]))
        stream = SubscriptionStream(
            subscription,
            clock=self.clock,
            max_queued=self.max_queued,
            dedupe_window=self.dedupe_window,
            on_close=self._remove_stream,
            on_fresh=self.stale_watch.poke,
            on_overflow=self._overflowed,
        )
        self.streams[subscription.key] = stream
        if self.active is not None:
            stream.arm(self.active, self.clock.monotonic())
        self.send_everywhere(frames)
        self.stale_watch.poke()
        return stream

    def send_everywhere(self, frames: list[Frame]) -> None:
        """Queue ``frames`` on every open connection (both, during a rotation)."""
        for conn in self.conns:
            conn.enqueue(frames)

    def _remove_stream(self, stream: SubscriptionStream) -> None:
        """A consumer left: forget the stream and unsubscribe on every connection."""
        if self.streams.get(stream.key) is not stream:
            return
        del self.streams[stream.key]
        self.rotator.forget(stream.key)
        unsubscribe = self.venue.unsubscribe_message
        if unsubscribe is not None and not self.closed and self.conns:
            self.send_everywhere(list(unsubscribe([stream.subscription])))

    def _overflowed(self, stream: SubscriptionStream) -> None:
        self.events.emit(
            EventKind.GAP,
            key=stream.key,
            detail=f"consumer too slow: more than {self.max_queued} payloads queued, "
            "dropping the oldest",
        )

    # -- connections -------------------------------------------------------------------

    async def _supervise(self) -> None:
        clock = self.clock
        try:
            while True:
                try:
                    conn = await self.open_connection()
                except Exception as exc:
                    if self.failure is not None:
                        return
                    await self._back_off(f"connect failed: {exc!r}")
                    continue
                connected_at = clock.monotonic()
                self._install(conn)
                number, reason = await self._serve(conn)
                uptime = clock.monotonic() - connected_at
                self.active = None
                self.events.emit(EventKind.DISCONNECTED, detail=reason, connection=number)
                if self.failure is not None:
                    return
                if uptime >= self.venue.backoff.stable_after_s:
                    self._attempt = 0
                await self._back_off(reason)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug, most likely in the venue's callbacks
            log.exception("%s ws supervisor failed", self.venue.name)
            self.stop(exc)

    async def open_connection(self) -> WsConnection:
        """Connect and run ``on_connect``. Errors that retrying cannot fix stop the session."""
        venue = self.venue
        if venue.url is not None:
            url = venue.url
        else:
            assert venue.url_factory is not None
            url = await venue.url_factory()
        if self._limiter is not None and self._connect_cost:
            await self._limiter.acquire(self._connect_cost, priority=self._priority)
        try:
            socket = await open_socket(url, venue)
        except InvalidURI as exc:
            self.stop(exc)
            raise
        conn = WsConnection(
            socket, number=next(self._numbers), venue=venue, clock=self.clock, gate=self._gate
        )
        try:
            if venue.on_connect is not None:
                await venue.on_connect(conn)
        except BaseException as exc:
            await conn.aclose("on_connect failed")
            if isinstance(exc, AuthenticationError):
                self.stop(exc)
            raise
        return conn

    def _install(self, conn: WsConnection) -> None:
        """Make ``conn`` the active connection after a (re)connect."""
        self.active = conn
        now = self.clock.monotonic()
        for stream in self.streams.values():
            stream.arm(conn, now)
        self.attach(conn)
        self.events.emit(EventKind.CONNECTED, connection=conn.number)
        self.stale_watch.poke()
        self.spawn(self.rotator.run(conn), f"rotator-{conn.number}")

    def attach(self, conn: WsConnection) -> None:
        """Register ``conn``, queue every subscription on it and start its loops."""
        self.conns.append(conn)
        subscriptions = [stream.subscription for stream in self.streams.values()]
        if subscriptions:
            conn.enqueue(list(self.venue.subscribe_message(subscriptions)))
        conn.start(self.streams, self)

    def promote(self, old: WsConnection, new: WsConnection) -> None:
        """A rotation finished: ``new`` serves everything, ``old`` is on its way out."""
        self.active = new
        self.discard(old)
        self.stale_watch.poke()

    def discard(self, conn: WsConnection) -> None:
        if conn in self.conns:
            self.conns.remove(conn)

    async def _serve(self, conn: WsConnection) -> tuple[int, str]:
        """Wait until the chain of connections that starts with ``conn`` is lost."""
        while True:
            await wait_first(self.clock, None, conn.closed)
            settled = self.rotator.settled
            if settled is not None:  # a successor may be about to take over
                await wait_first(self.clock, None, settled)
            active = self.active
            if active is conn or active is None:
                break
            conn = active
        reason = conn.closed.result()
        self.discard(conn)
        await conn.aclose(reason)
        return conn.number, reason

    async def _back_off(self, reason: str) -> None:
        delay = self.venue.backoff.delay(self._attempt, self.rng)
        self.events.emit(
            EventKind.RECONNECTING, detail=reason, attempt=self._attempt, delay_s=delay
        )
        self._attempt += 1
        await self.clock.sleep(delay)

    # -- what the read loops hand over (FrameSink) -------------------------------------

    def on_foreign(self, conn: WsConnection, stream: SubscriptionStream, routed: Routed) -> None:
        self.rotator.offer(conn, stream, routed)

    def on_control(self, conn: WsConnection, control: Control) -> None:
        kind = control.kind
        if kind is ControlKind.PONG:
            conn.pong_received()
        elif kind is ControlKind.ACK:
            self._acknowledged(conn, control.key)
        elif kind is ControlKind.REJECTED:
            self._rejected(conn, control)
        elif kind is ControlKind.RECONNECT:
            log.info("%s ws-%d: venue announced a disconnect", self.venue.name, conn.number)
            self.rotator.request(conn)
        else:
            self.events.emit(
                EventKind.ERROR, key=control.key, detail=control.detail, connection=conn.number
            )

    def on_bad_frame(self, conn: WsConnection, raw: Frame, exc: Exception) -> None:
        self._bad_frames += 1
        if self._bad_frames % _BAD_FRAME_REPORT_EVERY == 1:
            self.events.emit(
                EventKind.ERROR,
                detail=f"undecodable frame ({self._bad_frames} so far): {exc!r}: {raw[:200]!r}",
                connection=conn.number,
            )

    def _acknowledged(self, conn: WsConnection, key: str | None) -> None:
        streams = self.streams.values() if key is None else [self.streams.get(key)]
        for stream in streams:
            if stream is not None and stream.source is conn:
                stream.acknowledged = True
        self.rotator.acknowledged(conn, key)

    def _rejected(self, conn: WsConnection, control: Control) -> None:
        key = control.key
        self.events.emit(
            EventKind.ERROR,
            key=key,
            detail=f"subscription rejected: {control.detail}",
            connection=conn.number,
        )
        stream = self.streams.pop(key, None) if key is not None else None
        if stream is None or key is None:
            return
        self.rotator.forget(key)
        stream.end(
            SubscriptionRejected(f"{key}: {control.detail}", key=key, exchange=self.venue.name)
        )
