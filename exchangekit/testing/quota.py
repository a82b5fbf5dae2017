"""Server-side rate-limit enforcement for emulators: fixed windows, as exchanges count."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from exchangekit.ratelimit.spec import Cost, Pool, PoolKind

__all__ = ["ServerQuota"]


class ServerQuota:
    """Counts weight per pool in wall-clock-aligned windows and says when a request is over.

    Sliding windows and token buckets are counted as fixed windows here: the emulator must be
    at least as strict as the exchange at window edges, never looser, so a client that
    passes the emulator's enforcement honours the documented limit. Decaying counters
    (Kraken) decay continuously.
    """

    def __init__(self, pools: Sequence[Pool], now_ms: Callable[[], int]) -> None:
        self._pools = {p.name: p for p in pools}
        self._now_ms = now_ms
        self._window: dict[str, int] = {}
        self._used: dict[str, float] = {}
        self._stamp: dict[str, int] = {}

    def usage(self, pool: Pool) -> float:
        self._roll(pool)
        return self._used.get(pool.name, 0.0)

    def charge(self, costs: Sequence[Cost]) -> tuple[Pool, float] | None:
        """Charge every pool, or none: return ``(pool, retry_after_s)`` when one is full."""
        for cost in costs:
            pool = self._pools.get(cost.pool.name, cost.pool)
            self._roll(pool)
            if self._used.get(pool.name, 0.0) + cost.weight > pool.limit:
                return pool, self._retry_after(pool)
        for cost in costs:
            self._used[cost.pool.name] = self._used.get(cost.pool.name, 0.0) + cost.weight
        return None

    def _roll(self, pool: Pool) -> None:
        now = self._now_ms()
        if pool.kind is PoolKind.DECAYING_COUNTER:
            last = self._stamp.get(pool.name, now)
            decay = (now - last) / 1000.0 * (pool.decay_per_s or 0.0)
            self._used[pool.name] = max(0.0, self._used.get(pool.name, 0.0) - decay)
            self._stamp[pool.name] = now
            return
        window_ms = max(1, int(pool.window_s * 1000))
        window = now // window_ms
        if self._window.get(pool.name) != window:
            self._window[pool.name] = window
            self._used[pool.name] = 0.0

    def _retry_after(self, pool: Pool) -> float:
        now = self._now_ms()
        if pool.kind is PoolKind.DECAYING_COUNTER:
            return 1.0 / (pool.decay_per_s or 1.0)
        window_ms = max(1, int(pool.window_s * 1000))
        return ((now // window_ms + 1) * window_ms - now) / 1000.0
