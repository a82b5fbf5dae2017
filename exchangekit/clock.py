"""Clocks: the seam that lets tests control time instead of sleeping.

Every component that waits or stamps times takes a :class:`Clock`. Production code uses
:class:`SystemClock`; tests use :class:`ManualClock` and move time forward explicitly;
:class:`ScaledClock` runs a simulation faster than its base clock (paper trading on an
accelerated emulator, where the exchange and its client share one scaled clock).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "ScaledClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """Monotonic time for intervals, wall time for timestamps, and an awaitable sleep."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin; never goes backwards."""
        ...

    def now_ms(self) -> int:
        """Wall-clock milliseconds since the Unix epoch, UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class SystemClock:
    """The real clocks of the machine."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0))


class ScaledClock:
    """``speed`` seconds of time per second of ``base`` (default the system clock).

    ``now_ms()`` starts at ``start_ms`` (default: ``base.now_ms()`` when built) and advances
    ``speed`` times faster than ``base``; it never goes backwards when ``base`` does not.
    ``sleep(s)`` waits ``s / speed`` of ``base``. Everything that must agree on the time of
    an accelerated simulation (the exchange, its client, the bot) shares one instance.
    """

    def __init__(
        self, base: Clock | None = None, *, speed: float, start_ms: int | None = None
    ) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be positive, got {speed!r}")
        self.base: Clock = base if base is not None else SystemClock()
        self.speed = float(speed)
        self.start_ms = self.base.now_ms() if start_ms is None else int(start_ms)
        self._origin = self.base.monotonic()

    def monotonic(self) -> float:
        return (self.base.monotonic() - self._origin) * self.speed

    def now_ms(self) -> int:
        return self.start_ms + int(self.monotonic() * 1000)

    async def sleep(self, seconds: float) -> None:
        await self.base.sleep(max(seconds, 0.0) / self.speed)

    def __repr__(self) -> str:
        return f"ScaledClock(speed={self.speed:g}, start_ms={self.start_ms})"


class ManualClock:
    """A clock that moves only when told to. Sleepers wake in deadline order.

    ``await clock.advance(2.5)`` moves time forward, waking every sleeper whose deadline
    falls inside the step, each at its own deadline, and lets woken tasks run.
    """

    def __init__(self, start_s: float = 0.0, *, epoch_ms: int = 1_700_000_000_000) -> None:
        self._now = start_s
        self._epoch_ms = epoch_ms
        self._start = start_s
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self._now

    def now_ms(self) -> int:
        return self._epoch_ms + round((self._now - self._start) * 1000)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), future))
        await future

    @property
    def sleepers(self) -> int:
        """How many tasks are waiting on this clock."""
        return sum(1 for _, _, f in self._sleepers if not f.done())

    def next_deadline(self) -> float | None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, waking sleepers at their deadlines."""
        target = self._now + max(seconds, 0.0)
        while True:
            deadline = self.next_deadline()
            if deadline is None or deadline > target:
                break
            self._now = max(self._now, deadline)
            while self._sleepers and self._sleepers[0][0] <= self._now:
                _, _, future = heapq.heappop(self._sleepers)
                if not future.done():
                    future.set_result(None)
            await _settle()
        self._now = target
        await _settle()


async def _settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)
