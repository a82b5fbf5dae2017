"""Heartbeat: the main loop beats each tick; a watchdog reports when it stops beating."""

from __future__ import annotations

import logging
from collections.abc import Callable

from exchangekit.clock import Clock
from exchangekit_bot.observability.logs import log_event
from exchangekit_bot.observability.metrics import BotMetrics

__all__ = ["Heartbeat"]

logger = logging.getLogger("exchangekit_bot.heartbeat")


class Heartbeat:
    """Tracks the last beat on the injected clock and flags a stall after ``stall_after_s``."""

    def __init__(
        self,
        clock: Clock,
        *,
        stall_after_s: float,
        metrics: BotMetrics | None = None,
        on_stall: Callable[[float], None] | None = None,
    ) -> None:
        self.clock = clock
        self.stall_after_s = stall_after_s
        self.metrics = metrics
        self.on_stall = on_stall
        self.last_beat = clock.monotonic()
        self.stalled = False
        self.stalls = 0

    def beat(self) -> None:
        """Called by the loop once per tick."""
        self.last_beat = self.clock.monotonic()
        if self.stalled:
            self.stalled = False
            log_event(logger, "loop_recovered")
            if self.metrics:
                self.metrics.loop_stalled.set(0)

    def check(self) -> bool:
        """True (and reported once per stall) when the loop has not beaten in time."""
        age = self.clock.monotonic() - self.last_beat
        if self.metrics:
            self.metrics.heartbeat_age.set(age)
        if age <= self.stall_after_s:
            return False
        if not self.stalled:
            self.stalled = True
            self.stalls += 1
            log_event(logger, "loop_stalled", level=logging.ERROR, seconds_since_beat=round(age, 3))
            if self.metrics:
                self.metrics.loop_stalled.set(1)
            if self.on_stall:
                self.on_stall(age)
        return True

    async def watch(self) -> None:
        """Run forever, checking a few times per stall window."""
        while True:
            await self.clock.sleep(max(self.stall_after_s / 4, 0.01))
            self.check()
