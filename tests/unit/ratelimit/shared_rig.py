"""A limiter on a ManualClock over either backend, for tests that must hold for both.

A Redis round trip is real I/O: a few ``sleep(0)`` are not enough for it to finish. The
rig's ``settle`` therefore also waits until the backend has nothing in flight, and its
``snapshot`` reads the counts from Redis first (``usage()`` may be a little stale there).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from exchangekit.clock import ManualClock
from exchangekit.ratelimit import Limiter, MemoryBackend, Pool, PoolUsage, RedisBackend

from .driver import Recorder


async def settle_backend(*backends: MemoryBackend | RedisBackend, rounds: int = 30) -> None:
    """Let every runnable task run, and every Redis answer arrive, until all is quiet:
    nothing in flight, twice in a row, with no round trip started in between (between one
    answer and the next request a dispatcher is briefly idle)."""
    shared = [b for b in backends if isinstance(b, RedisBackend)]
    quiet, seen = 0, -1
    for _ in range(5000):
        for _ in range(rounds):
            await asyncio.sleep(0)
        trips = sum(b.round_trips for b in shared)
        if all(b.idle for b in shared):
            quiet = quiet + 1 if trips == seen else 1
            if quiet == 2:
                return
        else:
            quiet = 0
            await asyncio.sleep(0.0002)
        seen = trips
    raise AssertionError("the backend never went quiet")


async def advance_to(
    clock: ManualClock, target: float, *backends: MemoryBackend | RedisBackend
) -> None:
    """Move time to ``target``, stopping at every sleeper's deadline on the way (so what a
    woken task sends to Redis is answered before time moves on)."""
    await settle_backend(*backends)
    while True:
        deadline = clock.next_deadline()
        if deadline is None or deadline > target:
            break
        await clock.advance(max(deadline - clock.monotonic(), 0.0))
        await settle_backend(*backends)
    await clock.advance(max(target - clock.monotonic(), 0.0))
    await settle_backend(*backends)


@dataclass
class Rig:
    limiter: Limiter
    clock: ManualClock
    backend: MemoryBackend | RedisBackend
    rec: Recorder

    async def settle(self) -> None:
        await settle_backend(self.backend)

    async def advance_to(self, target: float) -> None:
        await advance_to(self.clock, target, self.backend)

    async def at_once(self, acquire: Awaitable[None]) -> None:
        """Await an ``acquire`` that must be granted without the clock moving."""
        task = asyncio.ensure_future(acquire)
        await self.settle()
        if not task.done():
            task.cancel()
            raise AssertionError("acquire did not return at once")
        task.result()

    async def snapshot(self) -> dict[str, PoolUsage]:
        if isinstance(self.backend, RedisBackend):
            await self.backend.refresh()
        return self.limiter.snapshot()

    async def used(self, pool: Pool) -> float:
        return (await self.snapshot())[pool.name].used


MakeRig = Callable[..., Awaitable[Rig]]


async def rigs(kind: str, redis_url: str | None) -> AsyncIterator[MakeRig]:
    """Yield a factory of rigs on ``kind`` ("memory" or "redis"); closes what it made."""
    made: list[RedisBackend] = []

    async def make(*pools: Pool, epoch_ms: int = 1_700_000_000_000) -> Rig:
        clock = ManualClock(epoch_ms=epoch_ms)
        backend: MemoryBackend | RedisBackend
        if kind == "memory":
            backend = MemoryBackend(clock=clock)
        else:
            assert redis_url is not None
            backend = RedisBackend(redis_url, key_prefix=f"test:{uuid.uuid4().hex}", clock=clock)
            made.append(backend)
        limiter = Limiter(pools, clock=clock, backend=backend)
        rig = Rig(limiter, clock, backend, Recorder(limiter, clock))
        await rig.settle()
        return rig

    try:
        yield make
    finally:
        for backend in made:
            await backend.aclose()
