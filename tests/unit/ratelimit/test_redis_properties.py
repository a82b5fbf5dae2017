"""The limiter's random-load property (see test_properties) on the Redis backend: no pool
exceeds its limit, holds are kept, and callers sharing a pool are granted by priority then
arrival, even though every grant is now a network round trip."""

from __future__ import annotations

import asyncio
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchangekit.clock import ManualClock
from exchangekit.ratelimit import Limiter, RedisBackend

from .shared_rig import advance_to
from .test_properties import (
    POOLS,
    Hold,
    Outcome,
    Plan,
    check_holds,
    check_limits,
    check_order,
    holds,
    plans,
)


async def simulate(url: str, requests: list[Plan], pauses: list[Hold]) -> list[Outcome]:
    clock = ManualClock(epoch_ms=1_700_000_000_300)
    backend = RedisBackend(url, key_prefix=f"test:{uuid.uuid4().hex}", clock=clock)
    limiter = Limiter(POOLS, clock=clock, backend=backend)
    outcomes: list[Outcome] = []
    tasks: list[asyncio.Task[None]] = []

    async def call(plan: Plan) -> None:
        outcome = Outcome(len(outcomes), plan, clock.monotonic())
        outcomes.append(outcome)
        try:
            await limiter.acquire(plan.costs, priority=plan.priority)
        except asyncio.CancelledError:
            outcome.left = clock.monotonic()
            raise
        outcome.granted, outcome.granted_ms = clock.monotonic(), clock.now_ms()

    events: list[tuple[int, int, object]] = []
    at_ms = 0
    for index, plan in enumerate(requests):
        at_ms += plan.gap_ms
        events.append((at_ms, 1, index))
        if plan.cancel_after_ms is not None:
            events.append((at_ms + plan.cancel_after_ms, 2, index))
    events += [(hold.at_ms, 0, hold) for hold in pauses]
    events.sort(key=lambda e: (e[0], e[1]))
    try:
        for when_ms, kind, what in events:
            await advance_to(clock, when_ms / 1000, backend)
            if isinstance(what, Hold):
                if what.pool is None:
                    limiter.ban(what.seconds)
                else:
                    limiter.pause([what.pool], what.seconds)
            elif kind == 1:
                assert isinstance(what, int)
                tasks.append(asyncio.create_task(call(requests[what])))
            else:
                assert isinstance(what, int)
                tasks[what].cancel()
        await advance_to(clock, clock.monotonic() + 120.0, backend)
        assert all(task.done() for task in tasks), "a waiter was never served"
    finally:
        await backend.aclose()
    return outcomes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    requests=st.lists(plans(), min_size=1, max_size=20),
    pauses=st.lists(holds, max_size=3),
)
def test_random_load_on_redis_keeps_limits_holds_and_order(
    redis_url: str, requests: list[Plan], pauses: list[Hold]
) -> None:
    outcomes = asyncio.run(simulate(redis_url, requests, pauses))
    check_limits(outcomes)
    check_holds(outcomes, pauses)
    check_order(outcomes, pauses)
