"""The stale-data timer: one task watching every subscription's silence."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from exchangekit.clock import Clock
from exchangekit.ws._wait import wait_first
from exchangekit.ws.connection import WsConnection
from exchangekit.ws.events import EventHub, EventKind
from exchangekit.ws.stream import SubscriptionStream

__all__ = ["StaleWatch"]


class StaleWatch:
    """Reports a subscription silent for longer than its ``stale_after_s``, once per silence.

    It sleeps until the earliest deadline instead of ticking, and is woken (:meth:`poke`)
    whenever a deadline may have moved closer: a new subscription, a new connection, a
    stale stream that came back. With ``reconnect`` set, a stale stream fails the active
    connection, which makes the session reconnect.
    """

    def __init__(
        self,
        streams: dict[str, SubscriptionStream],
        *,
        clock: Clock,
        events: EventHub,
        active: Callable[[], WsConnection | None],
        reconnect: bool,
    ) -> None:
        self._streams = streams
        self._clock = clock
        self._events = events
        self._active = active
        self._reconnect = reconnect
        self._wake: asyncio.Future[None] | None = None

    def poke(self) -> None:
        """Re-check the deadlines now."""
        wake = self._wake
        if wake is not None and not wake.done():
            wake.set_result(None)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._wake = loop.create_future()
            await wait_first(self._clock, self.check(), self._wake)

    def check(self) -> float | None:
        """Report newly stale streams; return seconds until the next deadline, if any."""
        active = self._active()
        if active is None or active.closed.done():
            return None  # disconnected: that is reported already, and nothing can flow
        now = self._clock.monotonic()
        next_in: float | None = None
        stale: list[SubscriptionStream] = []
        for stream in self._streams.values():
            after = stream.subscription.stale_after_s
            if after is None or stream.stale or stream.source is None:
                continue
            since = stream.armed_at
            if stream.last_at is not None and stream.last_at > since:
                since = stream.last_at
            remaining = since + after - now
            if remaining <= 0:
                stream.stale = True
                stale.append(stream)
            elif next_in is None or remaining < next_in:
                next_in = remaining
        for stream in stale:
            self._events.emit(
                EventKind.STALE,
                key=stream.key,
                detail=f"no message for {stream.subscription.stale_after_s:g} s",
                connection=active.number,
            )
        if stale and self._reconnect:
            active.fail(f"stale: {', '.join(stream.key for stream in stale)}")
        return next_in
