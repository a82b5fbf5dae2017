"""The weight-aware limiter: queues callers by priority and wakes them when room frees.

Rules, in the words a caller needs:

- **All or nothing.** One ``acquire`` charges every pool in its cost list at the same
  instant, or none of them.
- **Order.** Among callers that share a pool, the one with the lower :class:`Priority` value
  goes first, then the one that arrived first. A waiter is never overtaken by a later or
  lower-priority caller that shares any of its pools, so a heavy request is not starved by
  a stream of light ones. A *higher*-priority caller does go ahead of it (that is what
  priority is for). Callers of unrelated pools never hold each other up. One exception: a
  waiter held by a 429 pause on one of its pools holds only that pool's line, so the pause
  does not stall callers of its other pools.
- **Fail closed.** An empty cost list raises :class:`~exchangekit.errors.NotSupported`
  (declare ``Cost(pool, 0)`` for a free endpoint); so does a weight above a pool's limit,
  which could never be served.
- **Fixed windows are aligned on the wall clock** (``clock.now_ms()``, Unix epoch): a
  60-second pool resets at the top of each minute, a 1-day pool at 00:00 UTC, as Binance
  counts. Every other kind runs on the monotonic clock.
- **No polling.** Waiters sleep on the injected clock until the earliest moment the first
  blocked caller could fit, or until an event (a server sync, a cancelled waiter, a
  refund) may have freed room.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import msgspec

from exchangekit.clock import Clock, SystemClock
from exchangekit.errors import NotSupported
from exchangekit.ratelimit.backend import LimiterBackend
from exchangekit.ratelimit.memory import MemoryBackend
from exchangekit.ratelimit.spec import Cost, Pool, PoolUsage, Priority, RateLimiter

__all__ = ["Limiter"]

_TOTAL = len(Priority)
"""Index of the all-priorities count in a pool's waiting counts."""

_CHECKED_MAX = 1024


class _Waiter:
    __slots__ = ("costs", "future", "names", "priority", "queued", "seq", "stamp")

    def __init__(
        self, costs: Sequence[Cost], priority: int, seq: int, future: asyncio.Future[None]
    ) -> None:
        self.costs = costs
        self.names = tuple(dict.fromkeys(cost.pool.name for cost in costs))
        self.priority = priority
        self.seq = seq
        self.future = future
        self.queued = False
        self.stamp: float | None = None
        """Backend time just before the grant, set once granted (names it for a refund)."""


class Limiter:
    """Rate limiter over any number of pools, state kept by a :class:`LimiterBackend`.

    ::

        limiter = Limiter([REQUEST_WEIGHT, ORDERS_10S])
        await limiter.acquire(endpoint.costs(params), priority=Priority.ORDER)

    Pools not given here are registered the first time a cost names them. Pools are keyed
    by name: a pool registered here (say, with limits refreshed from the exchange) governs
    every cost that names it, whatever limit the cost's own ``Pool`` object carries.
    """

    def __init__(
        self,
        pools: Iterable[Pool] = (),
        *,
        clock: Clock | None = None,
        backend: LimiterBackend | None = None,
    ) -> None:
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._backend: LimiterBackend = (
            backend if backend is not None else MemoryBackend(clock=self._clock)
        )
        # Only the in-process backend answers without suspending. With any other, callers
        # arriving during a round trip could overtake each other, so all go through the line.
        self._direct = type(self._backend) is MemoryBackend
        self._pools: dict[str, Pool] = {}
        self._checked: dict[int, Sequence[Cost]] = {}
        self._queues: tuple[dict[int, _Waiter], ...] = tuple({} for _ in Priority)
        self._waiting: dict[str, list[int]] = {}
        self._n_waiting = 0
        self._seq = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None
        self._wakeup: asyncio.Future[None] | None = None
        self._rerun = False
        self._paused: dict[str, float] = {}
        self._pauses_end = -math.inf
        for pool in pools:
            self.register(pool)

    def register(self, pool: Pool) -> None:
        """Add ``pool``, or replace the definition of the pool with its name (its usage so
        far is kept)."""
        self._pools[pool.name] = pool
        self._backend.register(pool)
        self._checked.clear()
        if pool.name in self._waiting:
            self._refuse_oversized(pool)

    async def acquire(
        self, costs: Sequence[Cost], *, priority: Priority = Priority.MARKET_DATA
    ) -> None:
        """Wait until every pool in ``costs`` can take its weight, then charge them all.

        Raises :class:`~exchangekit.errors.NotSupported` at once for an empty cost list or a
        weight above a pool's limit. If the calling task is cancelled while waiting, nothing
        is charged; if it is cancelled after being granted but before it resumed, the charge
        is refunded.
        """
        if self._checked.get(id(costs)) is not costs:
            self._check(costs)
        if self._n_waiting and self._someone_ahead(costs, priority):
            # Behind a caller held by a pause, it may go first: let the dispatcher decide.
            paused = self._pauses_end > self._clock.monotonic()
            # A dispatcher awaiting a shared backend may have passed this caller's place in
            # line already: have it look again.
            await self._wait_in_line(costs, priority, kick=paused or not self._direct)
        elif not self._direct or await self._backend.try_acquire(costs):
            await self._wait_in_line(costs, priority, kick=True)

    def sync_usage(self, pool: Pool, used: float, *, sent_at: float | None = None) -> None:
        """Adopt the usage the server reported for ``pool`` (``X-MBX-USED-WEIGHT-1M``).

        The report counts everything the server had seen when it produced the response,
        including this request. Local charges made since the request left may not be in it.
        ``sent_at`` is this limiter clock's ``monotonic()`` read just before the request's
        ``acquire`` (read right after it, it leaves out only requests released in the same
        instant ahead of this one). The rule:

        - with ``sent_at``: usage becomes ``used`` plus the weight charged locally at or
          after ``sent_at``, which the server may not have seen yet (this request's own
          weight is counted twice: a deliberate margin). That may *lower* local usage
          (requests that failed before reaching the server, a window edge the server
          placed differently), but never below what was charged since the request left.
          The case it cannot see is an older request overtaken on the wire; a 429 then
          pauses the pool. A report older than the newest one applied can only raise
          usage. For a fixed window, a report whose request was sent before the current
          window began is dropped: it may count the previous window, and applying it would
          hold a fresh window shut for nothing;
        - without ``sent_at`` the report cannot be placed in time, so it can only raise
          usage: ``max(local, used)``.

        Waiters are woken if room was freed.
        """
        self._adopt(pool)
        self._backend.sync(pool, used, sent_at=sent_at)
        self._kick()

    def pause(self, pools: Sequence[Pool], seconds: float) -> None:
        """Hold every caller of ``pools`` for ``seconds`` (HTTP 429 with Retry-After).

        Callers of other pools are not held. A pause never shortens a longer one."""
        until = self._clock.monotonic() + max(seconds, 0.0)
        for pool in pools:
            self._adopt(pool)
            self._paused[pool.name] = max(self._paused.get(pool.name, -math.inf), until)
        self._pauses_end = max(self._pauses_end, until)
        self._backend.pause(pools, seconds)
        self._kick()

    def ban(self, seconds: float) -> None:
        """Hold every caller of every pool for ``seconds`` (HTTP 418, IP ban)."""
        self._backend.ban(seconds)

    def snapshot(self) -> dict[str, PoolUsage]:
        """Used, remaining, pause and waiters per pool, by pool name."""
        report = self._backend.usage()
        for name, counts in self._waiting.items():
            usage = report.get(name)
            if usage is not None:
                report[name] = msgspec.structs.replace(usage, waiters=counts[_TOTAL])
        return report

    def _adopt(self, pool: Pool) -> Pool:
        known = self._pools.get(pool.name)
        if known is None:
            self.register(pool)
            return pool
        return known

    def _check(self, costs: Sequence[Cost]) -> None:
        if not costs:
            raise NotSupported(
                "no rate-limit cost declared for this request: refusing to send it unmetered "
                "(declare Cost(pool, 0) for an endpoint that is really free)"
            )
        totals: dict[str, float] = {}
        for cost in costs:
            pool = self._adopt(cost.pool)
            if cost.weight < 0:
                raise ValueError(f"pool {pool.name}: negative weight {cost.weight}")
            total = totals[pool.name] = totals.get(pool.name, 0) + cost.weight
            if total > pool.limit:
                raise _too_heavy(pool, total)
        # Only tuples: a list could be changed after it was checked.
        if type(costs) is tuple:
            if len(self._checked) >= _CHECKED_MAX:
                self._checked.clear()
            self._checked[id(costs)] = costs

    def _refuse_oversized(self, pool: Pool) -> None:
        """Waiters that a lowered limit leaves unservable fail now instead of waiting forever."""
        for queue in self._queues:
            for waiter in list(queue.values()):
                weight = sum(c.weight for c in waiter.costs if c.pool.name == pool.name)
                if weight > pool.limit and not waiter.future.done():
                    self._dequeue(waiter)
                    waiter.future.set_exception(_too_heavy(pool, weight))
        self._kick()

    def _someone_ahead(self, costs: Sequence[Cost], priority: int) -> bool:
        waiting = self._waiting
        for cost in costs:
            counts = waiting.get(cost.pool.name)
            if counts is not None and any(counts[: priority + 1]):
                return True
        return False

    async def _wait_in_line(self, costs: Sequence[Cost], priority: int, *, kick: bool) -> None:
        future = asyncio.get_running_loop().create_future()
        waiter = _Waiter(costs, priority, next(self._seq), future)
        self._enqueue(waiter)
        if kick:
            self._kick()
        try:
            await future
        except asyncio.CancelledError:
            if waiter.stamp is not None:
                self._backend.refund(costs, waiter.stamp)
            elif waiter.queued:
                self._dequeue(waiter)
            self._kick()
            raise

    def _enqueue(self, waiter: _Waiter) -> None:
        self._queues[waiter.priority][waiter.seq] = waiter
        waiter.queued = True
        for name in waiter.names:
            counts = self._waiting.get(name)
            if counts is None:
                counts = self._waiting[name] = [0] * (_TOTAL + 1)
            counts[waiter.priority] += 1
            counts[_TOTAL] += 1
        self._n_waiting += 1

    def _dequeue(self, waiter: _Waiter) -> None:
        del self._queues[waiter.priority][waiter.seq]
        waiter.queued = False
        for name in waiter.names:
            counts = self._waiting[name]
            counts[waiter.priority] -= 1
            counts[_TOTAL] -= 1
            if not counts[_TOTAL]:
                del self._waiting[name]
        self._n_waiting -= 1

    def _kick(self) -> None:
        """Have the dispatcher look at the queue again soon."""
        if not self._n_waiting:
            return
        if self._dispatcher is None:
            loop = asyncio.get_running_loop()
            self._dispatcher = loop.create_task(self._dispatch())
        elif self._wakeup is not None:
            if not self._wakeup.done():
                self._wakeup.set_result(None)
        else:
            self._rerun = True

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._n_waiting:
                self._rerun = False
                delay = await self._serve()
                if self._rerun or not self._n_waiting:
                    continue
                wakeup: asyncio.Future[None] = loop.create_future()
                self._wakeup = wakeup
                alarm = None if delay is None else loop.create_task(self._alarm(delay, wakeup))
                try:
                    await wakeup
                finally:
                    self._wakeup = None
                    if alarm is not None:
                        alarm.cancel()
        except Exception as exc:
            self._fail_all(exc)
        finally:
            self._dispatcher = None

    async def _alarm(self, delay: float, wakeup: asyncio.Future[None]) -> None:
        await self._clock.sleep(delay)
        if not wakeup.done():
            wakeup.set_result(None)

    async def _serve(self) -> float | None:
        """Grant every waiter that can go, in order; return the seconds until the first
        blocked one could (``None``: nothing to wait for but an event)."""
        backend = self._backend
        blocked: set[str] = set()
        earliest: float | None = None
        for queue in self._queues:
            if not queue:
                continue
            for waiter in list(queue.values()):
                if waiter.future.done():
                    continue  # cancelled: its own task takes it out of line
                if blocked.isdisjoint(waiter.names):
                    stamp = backend.now()
                    wait = await backend.try_acquire(waiter.costs)
                    if not wait:
                        self._grant(waiter, stamp)
                        continue
                    earliest = wait if earliest is None else min(earliest, wait)
                blocked.update(self._blocking(waiter))
                if len(blocked) >= len(self._waiting):
                    return earliest
        return earliest

    def _blocking(self, waiter: _Waiter) -> Sequence[str]:
        """The pools that callers behind ``waiter`` must not take while it cannot go.

        Normally all of its pools: nobody who shares one overtakes it, so a heavy request is
        not starved. While a pause holds one of its pools, only the paused ones: it cannot
        go before the pause lifts anyway, and holding its other pools would turn a 429 on
        one pool into a stall of every pool it shares.
        """
        if self._pauses_end <= (now := self._clock.monotonic()):
            return waiter.names
        held = [name for name in waiter.names if self._paused.get(name, -math.inf) > now]
        return held or waiter.names

    def _grant(self, waiter: _Waiter, stamp: float) -> None:
        if waiter.queued:
            self._dequeue(waiter)
        if waiter.future.done():
            # Cancelled while a shared backend was answering: give the charge back.
            self._backend.refund(waiter.costs, stamp)
            return
        waiter.stamp = stamp
        waiter.future.set_result(None)

    def _fail_all(self, exc: Exception) -> None:
        for queue in self._queues:
            for waiter in list(queue.values()):
                self._dequeue(waiter)
                if not waiter.future.done():
                    waiter.future.set_exception(exc)


def _too_heavy(pool: Pool, weight: float) -> NotSupported:
    return NotSupported(
        f"a request of weight {weight:g} on pool {pool.name} (limit {pool.limit}) "
        "could never be served"
    )


if TYPE_CHECKING:
    _conforms: RateLimiter = Limiter()
