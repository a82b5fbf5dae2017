"""Moving a ManualClock forward one deadline at a time, so every woken task runs (and
records what it saw) before time moves on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass

from exchangekit.clock import ManualClock
from exchangekit.ratelimit import Cost, Limiter, Priority


async def settle(rounds: int = 30) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


async def advance_to(clock: ManualClock, target: float) -> None:
    """Move time to ``target``, stopping at every sleeper's deadline on the way."""
    await settle()
    while True:
        deadline = clock.next_deadline()
        if deadline is None or deadline > target:
            break
        await clock.advance(max(deadline - clock.monotonic(), 0.0))
        await settle()
    await clock.advance(max(target - clock.monotonic(), 0.0))
    await settle()


@dataclass
class Grant:
    tag: int
    at: float
    at_ms: int


class Recorder:
    """Starts acquires as tasks and records when each one was granted."""

    def __init__(self, limiter: Limiter, clock: ManualClock) -> None:
        self.limiter = limiter
        self.clock = clock
        self.grants: list[Grant] = []
        self.tasks: dict[int, asyncio.Task[None]] = {}

    def start(
        self, tag: int, costs: Sequence[Cost], priority: Priority = Priority.MARKET_DATA
    ) -> asyncio.Task[None]:
        task = asyncio.create_task(self._run(tag, costs, priority))
        self.tasks[tag] = task
        return task

    async def _run(self, tag: int, costs: Sequence[Cost], priority: Priority) -> None:
        await self.limiter.acquire(costs, priority=priority)
        self.grants.append(Grant(tag, self.clock.monotonic(), self.clock.now_ms()))

    def granted(self) -> list[int]:
        return [grant.tag for grant in self.grants]

    def time_of(self, tag: int) -> float:
        return next(grant.at for grant in self.grants if grant.tag == tag)


async def at_once(acquire: Awaitable[None]) -> None:
    """Await an ``acquire`` that must return without waiting (a failure, not a hang, if not)."""
    task = asyncio.ensure_future(acquire)
    await settle()
    if not task.done():
        task.cancel()
        raise AssertionError("acquire did not return at once")
    task.result()
