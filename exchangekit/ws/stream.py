"""One subscription's consumer side: a bounded buffer, duplicate suppression, freshness."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable
from types import TracebackType

from exchangekit.clock import Clock
from exchangekit.ws.dedupe import RecentKeys
from exchangekit.ws.venue import Subscription

__all__ = ["SubscriptionStream"]


class SubscriptionStream:
    """The payloads of one subscription, in order: ``async for payload in stream``.

    Created by ``WsSession.subscribe``. Leaving the ``async for`` (or the ``async with``
    block, or calling :meth:`close`) unsubscribes. Iteration ends when the session closes,
    and raises if the venue rejected the subscription or the session failed for good.

    A slow consumer never blocks the socket: at most ``max_queued`` payloads wait; past
    that the oldest are dropped, counted in :attr:`dropped`, and a ``gap`` event is emitted
    once per overflow, so a loss is never silent. Payloads whose dedupe key was seen among
    the last ``dedupe_window`` are dropped as replays and counted in :attr:`duplicates`.
    """

    def __init__(
        self,
        subscription: Subscription,
        *,
        clock: Clock,
        max_queued: int,
        dedupe_window: int,
        on_close: Callable[[SubscriptionStream], None],
        on_fresh: Callable[[], None],
        on_overflow: Callable[[SubscriptionStream], None],
    ) -> None:
        if max_queued <= 0:
            raise ValueError("max_queued must be positive")
        self.subscription = subscription
        self.key = subscription.key
        self._clock = clock
        self._buffer: deque[object] = deque()
        self._max_queued = max_queued
        self._recent = RecentKeys(dedupe_window)
        self._waiter: asyncio.Future[None] | None = None
        self._on_close = on_close
        self._on_fresh = on_fresh
        self._on_overflow = on_overflow
        self._overflowing = False
        self._closed = False
        self._ended = False
        self._error: BaseException | None = None
        # Owned by the session: the connection whose frames this stream takes, the
        # monotonic time the subscription was last (re)sent, and freshness.
        self.source: object | None = None
        self.armed_at = 0.0
        self.last_at: float | None = None
        self.stale = False
        self.acknowledged = False
        self.delivered = 0
        """Payloads accepted into the buffer."""
        self.duplicates = 0
        """Payloads dropped because their dedupe key was seen recently."""
        self.dropped = 0
        """Payloads lost because the consumer fell ``max_queued`` behind."""

    # -- producer side (the session's read loop) -------------------------------------

    def push(self, payload: object, dedupe_key: Hashable | None, now: float) -> None:
        """Accept one payload received at monotonic time ``now``."""
        if dedupe_key is not None and not self._recent.add(dedupe_key):
            self.duplicates += 1
            return
        self.last_at = now
        self.delivered += 1
        if self.stale:
            self.stale = False
            self._on_fresh()
        buffer = self._buffer
        if len(buffer) >= self._max_queued:
            buffer.popleft()
            self.dropped += 1
            if not self._overflowing:
                self._overflowing = True
                self._on_overflow(self)
        buffer.append(payload)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def start_over(self) -> None:
        """A snapshot follows: forget the dedupe keys of what came before it."""
        self._recent.clear()

    def seen(self, dedupe_key: Hashable) -> bool:
        """Whether ``dedupe_key`` was delivered recently."""
        return dedupe_key in self._recent

    def arm(self, source: object, now: float) -> None:
        """Take frames from ``source`` from now on; the stale timer restarts at ``now``."""
        self.source = source
        self.armed_at = now
        self.stale = False
        self.acknowledged = False

    def end(self, error: BaseException | None = None) -> None:
        """Finish iteration once buffered payloads are read; raise ``error`` then, if given."""
        if self._ended:
            return
        self._ended = True
        self._error = error
        self.source = None
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    # -- consumer side -----------------------------------------------------------------

    @property
    def last_message_ms(self) -> int | None:
        """Wall-clock epoch ms of the last accepted payload, or ``None`` before the first."""
        if self.last_at is None:
            return None
        clock = self._clock
        return clock.now_ms() - round((clock.monotonic() - self.last_at) * 1000)

    @property
    def closed(self) -> bool:
        """Whether this stream was unsubscribed or ended."""
        return self._closed or self._ended

    def close(self) -> None:
        """Unsubscribe. Idempotent; buffered payloads are discarded."""
        if self._closed:
            return
        self._closed = True
        self._buffer.clear()
        self.end()
        self._on_close(self)

    async def get(self) -> object:
        """Wait for the next payload and return it, without a loop around it.

        Raises ``StopAsyncIteration`` once the stream has ended, or the error that ended it.
        Unlike leaving an ``async for``, calling this never unsubscribes.
        """
        buffer = self._buffer
        while not buffer:
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            await self._wait()
        return buffer.popleft()

    def drain(self) -> list[object]:
        """Every payload buffered right now, oldest first, without waiting (maybe none).

        For a consumer that handles a burst at once: ``[await stream.get(), *stream.drain()]``.
        Like :meth:`get`, it never unsubscribes.
        """
        buffer = self._buffer
        items = list(buffer)
        buffer.clear()
        return items

    def _wait(self) -> asyncio.Future[None]:
        self._overflowing = False
        waiter = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        return waiter

    def __aiter__(self) -> AsyncIterator[object]:
        """Iterate payloads; leaving the loop (``break``, error, return) unsubscribes."""
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[object]:
        buffer = self._buffer
        try:
            while True:
                if buffer:
                    yield buffer.popleft()
                    continue
                if self._ended:
                    if self._error is not None:
                        raise self._error
                    return
                await self._wait()
        finally:
            self.close()

    async def __aenter__(self) -> SubscriptionStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("stale" if self.stale else "live")
        return f"SubscriptionStream({self.key!r}, {state}, queued={len(self._buffer)})"
