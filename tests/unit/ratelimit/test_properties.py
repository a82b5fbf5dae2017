"""Property: under random concurrent load no pool ever exceeds its limit, and callers that
share a pool are granted by priority, then arrival.

The check works only from what callers saw: the instant each ``acquire`` returned, on a
ManualClock that does not move until every woken task has run.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchangekit.clock import ManualClock
from exchangekit.ratelimit import Cost, Limiter, Pool, PoolKind, Priority

from .driver import advance_to

FIXED = Pool(name="fixed", limit=6, window_s=1.0)
SLIDING = Pool(name="sliding", limit=5, window_s=0.7, kind=PoolKind.SLIDING_WINDOW)
BUCKET = Pool(name="bucket", limit=4, window_s=0.5, kind=PoolKind.TOKEN_BUCKET)
DECAY = Pool(name="decay", limit=5, window_s=1.0, kind=PoolKind.DECAYING_COUNTER, decay_per_s=3)
POOLS = (FIXED, SLIDING, BUCKET, DECAY)
SLACK = 1e-6


@dataclass(frozen=True)
class Plan:
    gap_ms: int
    costs: tuple[Cost, ...]
    priority: Priority
    cancel_after_ms: int | None


@dataclass(frozen=True)
class Hold:
    at_ms: int
    seconds: float
    pool: Pool | None  # None: a ban


@dataclass
class Outcome:
    seq: int
    plan: Plan
    called: float
    granted: float | None = None
    granted_ms: int = 0
    left: float | None = None  # cancelled while waiting


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    pools = draw(st.lists(st.sampled_from(POOLS), min_size=1, max_size=4, unique=True))
    costs = tuple(Cost(pool, draw(st.integers(0, pool.limit))) for pool in pools)
    return Plan(
        gap_ms=draw(
            st.one_of(st.just(0), st.sampled_from([1, 299, 300, 699, 700]), st.integers(1, 800))
        ),
        costs=costs,
        priority=draw(st.sampled_from(Priority)),
        cancel_after_ms=draw(st.one_of(st.none(), st.none(), st.integers(0, 1500))),
    )


holds = st.builds(
    Hold,
    at_ms=st.integers(0, 4000),
    seconds=st.sampled_from([0.25, 1.0, 2.5]),
    pool=st.one_of(st.none(), st.sampled_from(POOLS)),
)


async def simulate(requests: list[Plan], pauses: list[Hold]) -> list[Outcome]:
    clock = ManualClock(epoch_ms=1_700_000_000_300)
    limiter = Limiter(POOLS, clock=clock)
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
    for hold in pauses:
        events.append((hold.at_ms, 0, hold))
    events.sort(key=lambda e: (e[0], e[1]))

    for when_ms, kind, what in events:
        await advance_to(clock, when_ms / 1000)
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
    await advance_to(clock, clock.monotonic() + 120.0)
    assert all(task.done() for task in tasks), "a waiter was never served"
    return outcomes


def check_limits(outcomes: list[Outcome]) -> None:
    charges: dict[str, list[tuple[float, int, float]]] = defaultdict(list)
    for outcome in sorted(
        (o for o in outcomes if o.granted is not None), key=lambda o: o.granted or 0.0
    ):
        for cost in outcome.plan.costs:
            assert outcome.granted is not None
            charges[cost.pool.name].append((outcome.granted, outcome.granted_ms, cost.weight))

    per_window: dict[int, float] = defaultdict(float)
    for _, at_ms, weight in charges[FIXED.name]:
        per_window[at_ms // 1000] += weight
    assert all(total <= FIXED.limit for total in per_window.values()), per_window

    sliding = charges[SLIDING.name]
    for at, _, _ in sliding:
        inside = sum(w for t, _, w in sliding if t <= at and t + SLIDING.window_s > at)
        assert inside <= SLIDING.limit, (at, sliding)

    for pool, rate in ((BUCKET, BUCKET.limit / BUCKET.window_s), (DECAY, DECAY.decay_per_s)):
        assert rate is not None
        level, last = 0.0, 0.0
        for at, _, weight in charges[pool.name]:
            level = max(0.0, level - (at - last) * rate) + weight
            last = at
            assert level <= pool.limit + SLACK, (pool.name, at, level)


def check_holds(outcomes: list[Outcome], pauses: list[Hold]) -> None:
    for outcome in outcomes:
        if outcome.granted is None:
            continue
        names = {cost.pool.name for cost in outcome.plan.costs}
        for hold in pauses:
            start = hold.at_ms / 1000
            if hold.pool is None or hold.pool.name in names:
                # A grant at the very instant a hold is issued is a tie on the manual clock
                # (both woke at the same deadline), not a grant during the hold.
                assert not start < outcome.granted < start + hold.seconds - SLACK, (
                    outcome,
                    hold,
                )


def check_order(outcomes: list[Outcome], pauses: list[Hold]) -> None:
    """Nobody was granted while a caller ahead of it in line, on a shared pool, waited,
    unless a pause on one of its own pools was holding that caller."""

    def held(outcome: Outcome, at: float) -> bool:
        names = {cost.pool.name for cost in outcome.plan.costs}
        return any(
            hold.pool is not None
            and hold.pool.name in names
            and hold.at_ms / 1000 <= at < hold.at_ms / 1000 + hold.seconds
            for hold in pauses
        )

    for later in outcomes:
        if later.granted is None:
            continue
        later_pools = {cost.pool.name for cost in later.plan.costs}
        for ahead in outcomes:
            if (ahead.plan.priority, ahead.seq) >= (later.plan.priority, later.seq):
                continue
            if later_pools.isdisjoint(cost.pool.name for cost in ahead.plan.costs):
                continue
            left = ahead.granted if ahead.granted is not None else ahead.left
            assert left is not None
            overtaken = ahead.called < later.granted < left and not held(ahead, later.granted)
            assert not overtaken, (ahead, later)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    requests=st.lists(plans(), min_size=1, max_size=30),
    pauses=st.lists(holds, max_size=3),
)
def test_random_load_never_exceeds_a_limit_and_keeps_priority_then_arrival_order(
    requests: list[Plan], pauses: list[Hold]
) -> None:
    outcomes = asyncio.run(simulate(requests, pauses))
    check_limits(outcomes)
    check_holds(outcomes, pauses)
    check_order(outcomes, pauses)
