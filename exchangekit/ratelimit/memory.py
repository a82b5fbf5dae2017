"""The in-process backend: pool usage in this process's memory."""

from __future__ import annotations

import math
from collections.abc import Sequence

from exchangekit.clock import Clock, SystemClock
from exchangekit.ratelimit.pools import PoolState, new_state
from exchangekit.ratelimit.spec import Cost, Pool, PoolUsage

__all__ = ["MemoryBackend"]


class MemoryBackend:
    """Pool usage for one process: the default backend of :class:`~exchangekit.ratelimit.Limiter`.

    Pass the limiter's clock (the limiter does so when it creates the default backend), so
    that accounting and waiting agree on time.
    """

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._states: dict[str, PoolState] = {}
        self._banned_until = -math.inf

    def register(self, pool: Pool) -> None:
        """Start accounting ``pool``, or adopt a new definition under the same name."""
        state = self._states.get(pool.name)
        if state is None:
            self._states[pool.name] = new_state(pool)
            return
        if state.pool == pool:
            return
        old = state.pool
        if (old.kind, old.window_s, old.decay_per_s) == (
            pool.kind,
            pool.window_s,
            pool.decay_per_s,
        ):
            state.pool = pool
            state.limit = pool.limit
            return
        # The pool changed shape: start a new count that remembers how much was used, so the
        # change can never free capacity that was already spent.
        now, now_ms = self._clock.monotonic(), self._clock.now_ms()
        fresh = new_state(pool)
        fresh.sync(state.used(now, now_ms), None, now, now_ms)
        fresh.pause(state.paused_until)
        self._states[pool.name] = fresh

    def now(self) -> float:
        """The monotonic reading that :meth:`refund` compares charge times with."""
        return self._clock.monotonic()

    async def try_acquire(self, costs: Sequence[Cost]) -> float:
        """Charge every cost and return 0.0, or charge nothing and return the wait."""
        return self.charge(costs)

    def charge(self, costs: Sequence[Cost]) -> float:
        """The synchronous body of :meth:`try_acquire`."""
        clock = self._clock
        now = clock.monotonic()
        if now < self._banned_until:
            return self._banned_until - now
        now_ms = clock.now_ms()
        states = self._states
        for index, cost in enumerate(costs):
            wait = states[cost.pool.name].take(cost.weight, now, now_ms)
            if wait:
                return self._roll_back(costs, index, wait, now, now_ms)
        return 0.0

    def _roll_back(
        self, costs: Sequence[Cost], failed: int, wait: float, now: float, now_ms: int
    ) -> float:
        states = self._states
        for cost in reversed(costs[:failed]):
            states[cost.pool.name].untake(cost.weight)
        for cost in costs[failed + 1 :]:
            wait = max(wait, states[cost.pool.name].wait(cost.weight, now, now_ms))
        return wait

    def refund(self, costs: Sequence[Cost], since: float) -> None:
        """Undo a charge made at or after ``since``, where it still counts."""
        now, now_ms = self._clock.monotonic(), self._clock.now_ms()
        for cost in costs:
            self._states[cost.pool.name].refund(cost.weight, since, now, now_ms)

    def sync(self, pool: Pool, used: float, *, sent_at: float | None = None) -> None:
        """Adopt the server's reported usage of ``pool`` (see ``Limiter.sync_usage``)."""
        now, now_ms = self._clock.monotonic(), self._clock.now_ms()
        self._states[pool.name].sync(used, sent_at, now, now_ms)

    def pause(self, pools: Sequence[Pool], seconds: float) -> None:
        """Hold ``pools`` for ``seconds``; never shortens a longer pause."""
        until = self._clock.monotonic() + max(seconds, 0.0)
        for pool in pools:
            self._states[pool.name].pause(until)

    def ban(self, seconds: float) -> None:
        """Hold every pool for ``seconds``; never shortens a longer ban."""
        until = self._clock.monotonic() + max(seconds, 0.0)
        self._banned_until = max(self._banned_until, until)

    def usage(self) -> dict[str, PoolUsage]:
        """Used and remaining per pool, by name."""
        now, now_ms = self._clock.monotonic(), self._clock.now_ms()
        report = {}
        for name, state in self._states.items():
            used = state.used(now, now_ms)
            held = max(state.paused_until, self._banned_until) - now
            report[name] = PoolUsage(
                pool=name,
                limit=state.pool.limit,
                used=used,
                remaining=max(state.limit - used, 0.0),
                paused_for_s=max(held, 0.0),
            )
        return report
