"""The rate limiter against ccxt's async throttler, in the same process and run.

- ``limiter.acquire``: acquires under the limit, ours charging three pools at once (fixed
  window, sliding window, token bucket), ccxt's throttler with a bucket that never runs dry.
- ``limiter.acquire_vs_default``: the same acquires of ours against ccxt's throttler with
  its default settings (one token per millisecond, capacity 1).
- ``limiter.saturation``: 1,000 concurrent waiters on one pool configured for 2,000/s with
  a burst of 10, on the real clock; the measured rate of grants, and whether any grant came
  earlier than the configured rate allows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from ccxt.async_support.base.throttler import Throttler  # type: ignore[import-untyped]

from bench.harness import Result, best_rate_async
from exchangekit.ratelimit import Cost, Limiter, Pool, PoolKind, Priority

__all__ = ["run"]

_ROOMY = 10**12
_THREE_POOLS = (
    Cost(Pool(name="ip-weight", limit=_ROOMY, window_s=60), 1),
    Cost(Pool(name="orders-10s", limit=_ROOMY, window_s=10, kind=PoolKind.SLIDING_WINDOW), 1),
    Cost(Pool(name="orders-burst", limit=_ROOMY, window_s=1, kind=PoolKind.TOKEN_BUCKET), 1),
)
_NEVER_DRY = {"capacity": 1e15, "tokens": 1e15, "refillRate": 1e12}

_RATE = 2000.0
_BURST = 10
_WAITERS = 1000


def run(quick: bool) -> list[Result]:
    """Every limiter comparison; ``quick`` runs fewer repetitions and a shorter saturation."""
    return [_acquire(quick), _acquire_vs_default(quick), _saturation(quick)]


async def _ours_under_limit(n: int) -> int:
    limiter = Limiter(cost.pool for cost in _THREE_POOLS)
    costs = _THREE_POOLS
    for _ in range(n):
        await limiter.acquire(costs, priority=Priority.ORDER)
    return n


def _ccxt_loop(n: int, config: dict[str, float]) -> Callable[[], Awaitable[int]]:
    async def loop() -> int:
        throttler = Throttler(dict(config))
        for _ in range(n):
            await throttler(1)
        return n

    return loop


def _acquire(quick: bool) -> Result:
    n, repeat = (5_000, 3) if quick else (50_000, 5)
    ours = best_rate_async(lambda: _ours_under_limit(n), repeat=repeat)
    peer = best_rate_async(_ccxt_loop(n, _NEVER_DRY), repeat=repeat)
    return Result(
        name="limiter.acquire",
        unit="acquires",
        ours_per_s=ours,
        peer="ccxt (never dry)",
        peer_per_s=peer,
        note="ours charges 3 pools (fixed, sliding, token bucket) per acquire; ccxt 1 bucket",
    )


def _acquire_vs_default(quick: bool) -> Result:
    n, repeat = (5_000, 3) if quick else (50_000, 5)
    ours = best_rate_async(lambda: _ours_under_limit(n), repeat=repeat)
    peer_n = 100 if quick else 400
    peer = best_rate_async(_ccxt_loop(peer_n, {}), repeat=repeat)
    return Result(
        name="limiter.acquire_vs_default",
        unit="acquires",
        ours_per_s=ours,
        peer="ccxt (default)",
        peer_per_s=peer,
        note="ccxt Throttler({}) defaults: 1 token/ms, capacity 1, 1 ms polling delay",
    )


def _saturation(quick: bool) -> Result:
    rounds = 1 if quick else 2
    ours = asyncio.run(_saturate_ours(rounds))
    peer = asyncio.run(_saturate_ccxt(rounds))
    return Result(
        name="limiter.saturation",
        unit="acquires",
        ours_per_s=_steady_rate(ours),
        peer="ccxt (2000/s)",
        peer_per_s=_steady_rate(peer),
        note=(
            f"{_WAITERS} waiters x {rounds}, configured {_RATE:,.0f}/s burst {_BURST}, real "
            f"clock; ours: {_earliness(ours)}; ccxt: {_earliness(peer)}"
        ),
    )


async def _saturate(acquire: Callable[[], Awaitable[None]], rounds: int) -> list[float]:
    grants: list[float] = []

    async def waiter() -> None:
        for _ in range(rounds):
            await acquire()
            grants.append(time.monotonic())

    await asyncio.gather(*(waiter() for _ in range(_WAITERS)))
    return grants


async def _saturate_ours(rounds: int) -> list[float]:
    pool = Pool(name="saturated", limit=_BURST, window_s=_BURST / _RATE, kind=PoolKind.TOKEN_BUCKET)
    limiter = Limiter([pool])
    costs = (Cost(pool, 1),)
    return await _saturate(lambda: limiter.acquire(costs), rounds)


async def _saturate_ccxt(rounds: int) -> list[float]:
    # ccxt grants while its tokens are >= 0, so capacity B - 1 allows a burst of B.
    throttler = Throttler({"refillRate": _RATE / 1000, "capacity": _BURST - 1, "tokens": 0})

    async def acquire() -> None:
        await throttler(1)

    return await _saturate(acquire, rounds)


def _steady_rate(grants: list[float]) -> float:
    """Grants per second after the initial burst."""
    span = grants[-1] - grants[0]
    return (len(grants) - _BURST) / span if span > 0 else float("inf")


def _earliness(grants: list[float]) -> str:
    """How far the grants ran ahead of ``_BURST + _RATE * elapsed`` over any interval."""
    worst = 0.0
    lowest = float("inf")
    for index, at in enumerate(grants):
        level = index - _RATE * at
        lowest = min(lowest, level)
        worst = max(worst, level - lowest + 1 - _BURST)
    # One grant of slack: grants are stamped when the waiter resumes, not when granted.
    if worst <= 1:
        return "none early"
    return f"up to {worst:.0f} grants ahead of the rate"
