"""Server-time offset: signed timestamps in the exchange's time, not the local one.

Exchanges refuse a signed request whose timestamp falls outside a window around *their*
clock (Binance: ``recvWindow``, default 5 s, and no more than 1 s ahead). A local clock a few
seconds off is common, so the transport signs with ``local now + offset``, where the offset
is learned from a server-time call::

    offset = server_ms - (sent_ms + received_ms) / 2

The midpoint assumes the server stamped its time halfway through the round trip; the error
is at most half the round trip, which :attr:`ServerTimeSync.rtt_ms` reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NamedTuple

from exchangekit.clock import Clock, SystemClock

__all__ = ["ServerTimeSync", "TimeSample"]


class TimeSample(NamedTuple):
    """One server-time observation: the server's time and the local send/receive times."""

    server_ms: int
    sent_ms: int
    received_ms: int

    @property
    def offset_ms(self) -> int:
        """Server time minus the local midpoint of the round trip."""
        return self.server_ms - (self.sent_ms + self.received_ms) // 2

    @property
    def rtt_ms(self) -> int:
        """The round trip, local receive minus local send."""
        return self.received_ms - self.sent_ms


class ServerTimeSync:
    """The local clock plus a learned offset to the exchange's clock.

    The offset is zero until the first :meth:`sync` or :meth:`record`. Re-sync on demand,
    for example after the exchange answers "timestamp outside recvWindow" (Binance -1021,
    Bybit 10002, OKX 50102). Concurrent :meth:`sync` calls share one round trip.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or SystemClock()
        self._offset_ms = 0
        self._rtt_ms: int | None = None
        self._synced_at: float | None = None
        self._lock = asyncio.Lock()
        self._generation = 0

    @property
    def offset_ms(self) -> int:
        """Milliseconds to add to local wall time to get the exchange's time."""
        return self._offset_ms

    @property
    def rtt_ms(self) -> int | None:
        """Round trip of the last sample (the offset is accurate to half of it)."""
        return self._rtt_ms

    @property
    def synced(self) -> bool:
        """Whether an offset has been learned yet."""
        return self._synced_at is not None

    def age_s(self) -> float | None:
        """Seconds since the last sample, on the injected clock's monotonic time."""
        if self._synced_at is None:
            return None
        return self._clock.monotonic() - self._synced_at

    def now_ms(self) -> int:
        """The exchange's current time as best known: local wall time plus the offset."""
        return self._clock.now_ms() + self._offset_ms

    def record(self, sample: TimeSample) -> int:
        """Adopt the offset of ``sample`` and return it."""
        if sample.received_ms < sample.sent_ms:
            raise ValueError("a time sample cannot be received before it was sent")
        self._offset_ms = sample.offset_ms
        self._rtt_ms = sample.rtt_ms
        self._synced_at = self._clock.monotonic()
        self._generation += 1
        return self._offset_ms

    async def sync(self, fetch: Callable[[], Awaitable[TimeSample]]) -> int:
        """Take one sample with ``fetch`` and adopt it; return the new offset.

        If another task completed a sync while this one waited, its result is reused
        instead of making a second round trip.
        """
        seen = self._generation
        async with self._lock:
            if self._generation != seen:
                return self._offset_ms
            return self.record(await fetch())

    async def sync_server_ms(self, fetch_server_ms: Callable[[], Awaitable[int]]) -> int:
        """Like :meth:`sync`, for a fetch that only returns the server's time in ms.

        The local send and receive times are taken around the whole ``fetch`` call.
        """

        async def sample() -> TimeSample:
            sent = self._clock.now_ms()
            server_ms = await fetch_server_ms()
            return TimeSample(server_ms, sent, self._clock.now_ms())

        return await self.sync(sample)
