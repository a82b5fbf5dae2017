"""A cancelled acquire leaves the line cleanly and never keeps capacity."""

from __future__ import annotations

import asyncio

import pytest

from exchangekit.clock import ManualClock
from exchangekit.ratelimit import Cost, Limiter, Pool, PoolKind

from .driver import Recorder, advance_to, at_once, settle

WEIGHT = Pool(name="weight", limit=10, window_s=60)
ORDERS = Pool(name="orders", limit=3, window_s=10, kind=PoolKind.SLIDING_WINDOW)
BUCKET = Pool(name="bucket", limit=4, window_s=2, kind=PoolKind.TOKEN_BUCKET)


def make() -> tuple[Limiter, ManualClock, Recorder]:
    clock = ManualClock()
    limiter = Limiter([WEIGHT, ORDERS, BUCKET], clock=clock)
    return limiter, clock, Recorder(limiter, clock)


async def test_cancelled_waiter_leaves_the_line_without_charging() -> None:
    limiter, clock, rec = make()
    await at_once(limiter.acquire([Cost(WEIGHT, 10)]))
    task = rec.start(1, [Cost(WEIGHT, 5), Cost(ORDERS, 2)])
    await settle()
    assert limiter.snapshot()["weight"].waiters == 1
    task.cancel()
    await settle()
    assert task.cancelled()
    snap = limiter.snapshot()
    assert (snap["weight"].waiters, snap["orders"].waiters) == (0, 0)
    assert snap["orders"].used == 0
    await advance_to(clock, 40.0)
    assert limiter.snapshot()["weight"].used == 0
    await at_once(limiter.acquire([Cost(WEIGHT, 10), Cost(ORDERS, 3)]))
    assert clock.monotonic() == 40.0


async def test_cancelling_the_head_waiter_lets_the_one_behind_go_at_once() -> None:
    limiter, clock, rec = make()
    await at_once(limiter.acquire([Cost(WEIGHT, 8)]))
    head = rec.start(1, [Cost(WEIGHT, 5)])
    await settle()
    rec.start(2, [Cost(WEIGHT, 2)])
    await settle()
    assert rec.granted() == []
    head.cancel()
    await settle()
    assert rec.granted() == [2]
    assert clock.monotonic() == 0.0


async def test_waiter_cancelled_after_its_grant_but_before_it_ran_is_refunded() -> None:
    limiter, clock, _ = make()
    await at_once(limiter.acquire([Cost(WEIGHT, 9)]))  # never reached the server
    await advance_to(clock, 1.0)
    sent_at = clock.monotonic()
    await at_once(limiter.acquire([Cost(WEIGHT, 1)]))
    task = asyncio.create_task(limiter.acquire([Cost(WEIGHT, 4), Cost(ORDERS, 1)]))
    await settle()
    assert limiter.snapshot()["weight"].waiters == 1
    limiter.sync_usage(WEIGHT, 1, sent_at=sent_at)
    # One step: the woken dispatcher grants the waiter, whose task has not run yet.
    await asyncio.sleep(0)
    assert (limiter.snapshot()["weight"].used, limiter.snapshot()["orders"].used) == (6, 1)
    assert not task.done()
    task.cancel()
    await settle()
    assert task.cancelled()
    snap = limiter.snapshot()
    assert (snap["weight"].used, snap["orders"].used) == (2, 0)
    assert clock.monotonic() == 1.0


async def test_cancelled_waiters_do_not_change_the_rate_of_the_others() -> None:
    limiter, clock, rec = make()
    await at_once(limiter.acquire([Cost(BUCKET, 4)]))
    for tag in range(20):
        rec.start(tag, [Cost(BUCKET, 1)])
    await settle()
    for tag in range(0, 20, 2):
        rec.tasks[tag].cancel()
    await advance_to(clock, 100.0)
    assert rec.granted() == list(range(1, 20, 2))
    assert [g.at for g in rec.grants] == [pytest.approx(0.5 * (i + 1)) for i in range(10)]
