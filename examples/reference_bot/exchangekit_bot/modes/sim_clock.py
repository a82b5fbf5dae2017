"""A clock that runs ``speed`` times faster than its base: the paper exchange's time.

The paper adapter's simulated time is ``start_ms + elapsed x speed``; giving the bot this
clock keeps its staleness checks and schedules in the exchange's time.
"""

from __future__ import annotations

from exchangekit.clock import Clock

__all__ = ["ScaledClock"]


class ScaledClock:
    """``speed`` simulated seconds per second of ``base``, starting at ``start_ms``."""

    def __init__(self, base: Clock, *, speed: float, start_ms: int) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.base = base
        self.speed = speed
        self.start_ms = start_ms
        self._origin = base.monotonic()

    def monotonic(self) -> float:
        return (self.base.monotonic() - self._origin) * self.speed

    def now_ms(self) -> int:
        return self.start_ms + int(self.monotonic() * 1000)

    async def sleep(self, seconds: float) -> None:
        await self.base.sleep(seconds / self.speed)
