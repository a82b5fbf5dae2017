"""One pool's accounting, per kind: how much it has used and when a charge will fit.

Times are passed in, never read here: ``now`` is the backend clock's monotonic seconds and
``now_ms`` its wall-clock milliseconds (only fixed windows look at the wall clock, because
exchanges reset them on wall-clock boundaries).

Every state keeps a *ledger* of its recent charges, ``(time, weight)`` in time order. It is
what lets a server report be placed in time (:meth:`PoolState.sync`) and a charge be undone
exactly (:meth:`PoolState.refund`).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import deque

from exchangekit.ratelimit.spec import Pool, PoolKind

__all__ = ["EPSILON", "FixedWindow", "Leaky", "PoolState", "SlidingWindow", "new_state"]

LEDGER_S = 60.0
"""How far back a fixed window's ledger reaches. A 1-day pool would otherwise keep every
charge of the day; a report about a request older than this can only raise usage."""

EPSILON = 1e-9
"""Float slack for continuous pools: a charge that overshoots the limit by less still fits.
Without it, a waiter woken exactly when its tokens are due could find them 1e-16 short."""


class PoolState(ABC):
    """Usage of one pool, plus its 429 pause."""

    __slots__ = ("_complete_since", "_ledger", "_synced_at", "limit", "paused_until", "pool")

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.limit: float = pool.limit
        self.paused_until = -math.inf
        self._ledger: deque[tuple[float, float]] = deque()
        self._complete_since = -math.inf
        """The ledger holds every charge made since this time."""
        self._synced_at = -math.inf

    @abstractmethod
    def take(self, weight: float, now: float, now_ms: int) -> float:
        """Charge ``weight`` and return 0.0, or charge nothing and return the seconds until
        it would fit (a positive number)."""

    @abstractmethod
    def untake(self, weight: float) -> None:
        """Undo the last successful :meth:`take` of ``weight``, made at the same instant."""

    @abstractmethod
    def wait(self, weight: float, now: float, now_ms: int) -> float:
        """Seconds until ``weight`` fits, assuming nothing else is charged; 0.0 if it fits."""

    @abstractmethod
    def used(self, now: float, now_ms: int) -> float:
        """Usage now (after resets, expiry or decay)."""

    @abstractmethod
    def _set_used(self, target: float, current: float, now: float) -> None:
        """Make :meth:`used` return ``target`` (was ``current``) from ``now`` on."""

    def _window_start(self, now: float, now_ms: int) -> float:
        """Monotonic time before which a report cannot belong to the current count."""
        return -math.inf

    def pause(self, until: float) -> None:
        """Hold the pool until monotonic ``until``; a pause never shortens an earlier one."""
        self.paused_until = max(self.paused_until, until)

    def sync(self, reported: float, sent_at: float | None, now: float, now_ms: int) -> None:
        """Adopt the server's reported usage; see :meth:`exchangekit.ratelimit.Limiter.sync_usage`
        for the rule."""
        current = self.used(now, now_ms)
        if sent_at is not None and sent_at < self._window_start(now, now_ms):
            return
        if sent_at is None or sent_at < self._complete_since:
            target = max(current, reported)
        else:
            target = reported + self._charged_since(sent_at)
            if sent_at < self._synced_at:
                target = max(current, target)
            else:
                self._synced_at = sent_at
        if target != current:
            self._set_used(max(target, 0.0), current, now)

    def refund(self, weight: float, since: float, now: float, now_ms: int) -> None:
        """Undo a charge of ``weight`` made at or after ``since``, if it still counts."""
        if weight <= 0:
            return
        current = self.used(now, now_ms)
        for index, (at, charged) in enumerate(self._ledger):
            if at >= since and charged == weight:
                del self._ledger[index]
                self._forget(weight, current, now)
                return

    def _forget(self, weight: float, current: float, now: float) -> None:
        self._set_used(max(current - weight, 0.0), current, now)

    def _charged_since(self, since: float) -> float:
        total = 0.0
        for at, weight in reversed(self._ledger):
            if at < since:
                break
            total += weight
        return total


class FixedWindow(PoolState):
    """Usage resets at every multiple of ``window_s`` on the wall clock (Unix epoch aligned),
    as Binance resets REQUEST_WEIGHT at the top of each minute."""

    __slots__ = ("_end_ms", "_start", "_used", "_window_ms")

    def __init__(self, pool: Pool) -> None:
        super().__init__(pool)
        self._window_ms = max(1, round(pool.window_s * 1000))
        self._end_ms = -(2**62)
        self._start = -math.inf
        self._used = 0.0

    def _roll(self, now: float, now_ms: int) -> None:
        # A wall clock stepped backwards stays in the current window rather than reopening
        # an old one: the count only ever resets forwards.
        start_ms = now_ms - now_ms % self._window_ms
        if start_ms + self._window_ms > self._end_ms:
            self._end_ms = start_ms + self._window_ms
            self._start = now - (now_ms - start_ms) / 1000
            self._used = 0.0
            self._ledger.clear()
            self._complete_since = -math.inf

    def take(self, weight: float, now: float, now_ms: int) -> float:
        if now_ms >= self._end_ms:
            self._roll(now, now_ms)
        if self._used + weight <= self.limit and now >= self.paused_until:
            if weight:
                self._used += weight
                ledger = self._ledger
                ledger.append((now, weight))
                if ledger[0][0] + LEDGER_S < now:
                    self._prune(now)
            return 0.0
        return self.wait(weight, now, now_ms)

    def _prune(self, now: float) -> None:
        ledger = self._ledger
        while ledger and ledger[0][0] + LEDGER_S < now:
            ledger.popleft()
        self._complete_since = now - LEDGER_S

    def untake(self, weight: float) -> None:
        if weight:
            self._used -= weight
            self._ledger.pop()

    def wait(self, weight: float, now: float, now_ms: int) -> float:
        if now_ms >= self._end_ms:
            self._roll(now, now_ms)
        room = 0.0 if self._used + weight <= self.limit else (self._end_ms - now_ms) / 1000
        return max(room, self.paused_until - now, 0.0)

    def used(self, now: float, now_ms: int) -> float:
        if now_ms >= self._end_ms:
            self._roll(now, now_ms)
        return self._used

    def _set_used(self, target: float, current: float, now: float) -> None:
        self._used = target

    def _window_start(self, now: float, now_ms: int) -> float:
        return self._start


class SlidingWindow(PoolState):
    """A charge counts for exactly ``window_s`` seconds after it was made."""

    __slots__ = ("_used", "_window")

    def __init__(self, pool: Pool) -> None:
        super().__init__(pool)
        self._window = pool.window_s
        self._used = 0.0

    def _expire(self, now: float) -> None:
        ledger = self._ledger
        window = self._window
        while ledger and ledger[0][0] + window <= now:
            self._used -= ledger.popleft()[1]
        if not ledger:
            self._used = 0.0

    def take(self, weight: float, now: float, now_ms: int) -> float:
        ledger = self._ledger
        if ledger and ledger[0][0] + self._window <= now:
            self._expire(now)
        if self._used + weight <= self.limit and now >= self.paused_until:
            if weight:
                self._used += weight
                ledger.append((now, weight))
            return 0.0
        return self.wait(weight, now, now_ms)

    def untake(self, weight: float) -> None:
        if weight:
            self._used -= self._ledger.pop()[1]

    def wait(self, weight: float, now: float, now_ms: int) -> float:
        self._expire(now)
        room = 0.0
        excess = self._used + weight - self.limit
        if excess > 0:
            room = math.inf
            freed = 0.0
            for at, charged in self._ledger:
                freed += charged
                if freed >= excess:
                    room = at + self._window - now
                    break
        return max(room, self.paused_until - now, 0.0)

    def used(self, now: float, now_ms: int) -> float:
        self._expire(now)
        return self._used

    def _set_used(self, target: float, current: float, now: float) -> None:
        if target > current:
            # What the server saw but we did not charge: assume it was charged just now,
            # the latest it can have been, so it is held for as long as it could count.
            self._ledger.append((now, target - current))
        else:
            # Drop the surplus from the oldest charges, the ones about to expire anyway.
            surplus = current - target
            ledger = self._ledger
            while surplus > 0 and ledger:
                at, charged = ledger[0]
                if charged > surplus:
                    ledger[0] = (at, charged - surplus)
                    break
                ledger.popleft()
                surplus -= charged
        self._used = target

    def _forget(self, weight: float, current: float, now: float) -> None:
        # The ledger entry itself is already gone; only the running total follows.
        self._used = max(current - weight, 0.0)


class Leaky(PoolState):
    """A level that drains at a constant rate and must stay at or under the limit.

    A token bucket is the same thing seen from the other side (tokens = limit - level,
    refilled at ``limit / window_s``); Kraken's decaying counter drains at ``decay_per_s``.
    """

    __slots__ = ("_horizon", "_last", "_level", "_rate")

    def __init__(self, pool: Pool) -> None:
        super().__init__(pool)
        if pool.kind is PoolKind.DECAYING_COUNTER:
            self._rate = float(pool.decay_per_s or 0.0)
        else:
            self._rate = pool.limit / pool.window_s
        # A charge older than limit/rate has drained whatever happened; the ledger keeps no
        # more than that.
        self._horizon = pool.limit / self._rate
        self._level = 0.0
        self._last = -math.inf

    def _drain(self, now: float) -> None:
        if now > self._last:
            if self._level:
                self._level = max(0.0, self._level - (now - self._last) * self._rate)
            self._last = now

    def take(self, weight: float, now: float, now_ms: int) -> float:
        level = self._level
        if now > self._last:
            if level:
                level -= (now - self._last) * self._rate
                if level < 0.0:
                    level = 0.0
                self._level = level
            self._last = now
        if level + weight <= self.limit + EPSILON and now >= self.paused_until:
            if weight:
                self._level = level + weight
                ledger = self._ledger
                ledger.append((now, weight))
                if ledger[0][0] + self._horizon < now:
                    self._prune(now)
            return 0.0
        return self.wait(weight, now, now_ms)

    def _prune(self, now: float) -> None:
        ledger = self._ledger
        horizon = self._horizon
        while ledger and ledger[0][0] + horizon < now:
            ledger.popleft()
        self._complete_since = now - horizon

    def untake(self, weight: float) -> None:
        if weight:
            self._level = max(0.0, self._level - weight)
            self._ledger.pop()

    def wait(self, weight: float, now: float, now_ms: int) -> float:
        self._drain(now)
        excess = self._level + weight - self.limit
        room = excess / self._rate if excess > EPSILON else 0.0
        return max(room, self.paused_until - now, 0.0)

    def used(self, now: float, now_ms: int) -> float:
        self._drain(now)
        return self._level

    def _set_used(self, target: float, current: float, now: float) -> None:
        self._level = target


def new_state(pool: Pool) -> PoolState:
    """The accounting for ``pool``'s kind."""
    if pool.kind is PoolKind.FIXED_WINDOW:
        return FixedWindow(pool)
    if pool.kind is PoolKind.SLIDING_WINDOW:
        return SlidingWindow(pool)
    return Leaky(pool)
