"""Server-reported usage (``X-MBX-USED-WEIGHT-1M``) adopted by the limiter."""

from __future__ import annotations

import pytest

from exchangekit.clock import ManualClock
from exchangekit.ratelimit import Cost, Limiter, Pool, PoolKind

from .driver import Recorder, advance_to, at_once, settle

WEIGHT = Pool(name="weight", limit=10, window_s=60, header="X-MBX-USED-WEIGHT-1M")
ORDERS = Pool(name="orders", limit=3, window_s=10, kind=PoolKind.SLIDING_WINDOW)
BUCKET = Pool(name="bucket", limit=4, window_s=2, kind=PoolKind.TOKEN_BUCKET)
KRAKEN = Pool(name="kraken", limit=15, window_s=1, kind=PoolKind.DECAYING_COUNTER, decay_per_s=0.5)


def make() -> tuple[Limiter, ManualClock, Recorder]:
    clock = ManualClock()
    limiter = Limiter([WEIGHT, ORDERS, BUCKET, KRAKEN], clock=clock)
    return limiter, clock, Recorder(limiter, clock)


def used(limiter: Limiter, pool: Pool) -> float:
    return limiter.snapshot()[pool.name].used


async def test_report_without_sent_at_raises_usage_and_holds_callers() -> None:
    limiter, clock, rec = make()
    await at_once(limiter.acquire([Cost(WEIGHT, 1)]))
    limiter.sync_usage(WEIGHT, 9)
    assert used(limiter, WEIGHT) == 9
    rec.start(1, [Cost(WEIGHT, 2)])
    await advance_to(clock, 39.9)
    assert rec.granted() == []
    await advance_to(clock, 40.0)
    assert rec.granted() == [1]


async def test_report_without_sent_at_never_lowers_usage() -> None:
    limiter, _, _ = make()
    await at_once(limiter.acquire([Cost(WEIGHT, 8)]))
    limiter.sync_usage(WEIGHT, 3)
    assert used(limiter, WEIGHT) == 8


async def test_newest_report_with_sent_at_lowers_usage_and_wakes_waiters() -> None:
    limiter, clock, rec = make()
    await at_once(limiter.acquire([Cost(WEIGHT, 9)]))  # most of it never reached the server
    await advance_to(clock, 1.0)
    sent_at = clock.monotonic()
    await at_once(limiter.acquire([Cost(WEIGHT, 1)]))
    rec.start(1, [Cost(WEIGHT, 5)])
    await settle()
    assert rec.granted() == []
    limiter.sync_usage(WEIGHT, 3, sent_at=sent_at)
    await settle()
    assert rec.granted() == [1]
    assert clock.monotonic() == 1.0
    assert used(limiter, WEIGHT) == 3 + 1 + 5


async def test_report_keeps_the_charges_made_after_its_request_left() -> None:
    limiter, _, _ = make()
    sent_at = 0.0
    await at_once(limiter.acquire([Cost(WEIGHT, 2)]))
    await at_once(limiter.acquire([Cost(WEIGHT, 3)]))  # in flight, unseen by the server
    limiter.sync_usage(WEIGHT, 4, sent_at=sent_at)  # another process spent 2
    assert used(limiter, WEIGHT) == 4 + 5


async def test_an_older_report_can_only_raise_usage() -> None:
    limiter, clock, _ = make()
    first = clock.monotonic()
    await at_once(limiter.acquire([Cost(WEIGHT, 1)]))
    await advance_to(clock, 1.0)
    second = clock.monotonic()
    await at_once(limiter.acquire([Cost(WEIGHT, 1)]))
    limiter.sync_usage(WEIGHT, 5, sent_at=second)
    assert used(limiter, WEIGHT) == 6
    limiter.sync_usage(WEIGHT, 0, sent_at=first)
    assert used(limiter, WEIGHT) == 6
    limiter.sync_usage(WEIGHT, 8, sent_at=first)
    assert used(limiter, WEIGHT) == 10
    limiter.sync_usage(WEIGHT, 1, sent_at=second)
    assert used(limiter, WEIGHT) == 2


async def test_fixed_window_report_for_a_request_sent_in_the_previous_window_is_dropped() -> None:
    limiter, clock, _ = make()
    await advance_to(clock, 39.9)
    sent_at = clock.monotonic()
    await at_once(limiter.acquire([Cost(WEIGHT, 1)]))
    await advance_to(clock, 40.05)
    limiter.sync_usage(WEIGHT, 9, sent_at=sent_at)
    assert used(limiter, WEIGHT) == 0


async def test_sliding_window_report_above_local_usage_is_held_for_a_full_window() -> None:
    limiter, clock, rec = make()
    await advance_to(clock, 2.0)
    limiter.sync_usage(ORDERS, 3)
    rec.start(1, [Cost(ORDERS, 1)])
    await advance_to(clock, 11.99)
    assert rec.granted() == []
    await advance_to(clock, 12.0)
    assert rec.granted() == [1]


async def test_sliding_window_report_below_local_usage_frees_the_oldest_charges() -> None:
    limiter, clock, rec = make()
    for at in (0.0, 1.0, 2.0):
        await advance_to(clock, at)
        sent_at = clock.monotonic()
        await at_once(limiter.acquire([Cost(ORDERS, 1)]))
    limiter.sync_usage(ORDERS, 1, sent_at=sent_at)
    assert used(limiter, ORDERS) == 2
    rec.start(1, [Cost(ORDERS, 1)])
    rec.start(2, [Cost(ORDERS, 1)])
    await advance_to(clock, 20.0)
    # The charge made at 0 was dropped; the next to expire is the one made at 1.
    assert [(g.tag, g.at) for g in rec.grants] == [(1, 2.0), (2, 11.0)]


@pytest.mark.parametrize(("pool", "reported", "wait"), [(BUCKET, 4, 0.5), (KRAKEN, 15, 2.0)])
async def test_continuous_pool_report_sets_the_level_that_then_drains(
    pool: Pool, reported: float, wait: float
) -> None:
    limiter, clock, rec = make()
    limiter.sync_usage(pool, reported)
    assert used(limiter, pool) == reported
    rec.start(1, [Cost(pool, 1)])
    await advance_to(clock, 10.0)
    assert rec.time_of(1) == pytest.approx(wait)


async def test_report_for_an_unknown_pool_registers_it() -> None:
    clock = ManualClock()
    limiter = Limiter(clock=clock)
    limiter.sync_usage(WEIGHT, 4)
    assert limiter.snapshot()["weight"].remaining == 6


async def test_report_about_a_request_older_than_the_ledger_can_only_raise_usage() -> None:
    day = Pool(name="orders-1d", limit=1000, window_s=86_400)
    clock = ManualClock()
    limiter = Limiter([day], clock=clock)
    sent_at = clock.monotonic()
    await at_once(limiter.acquire([Cost(day, 50)]))
    await advance_to(clock, 120.0)
    await at_once(limiter.acquire([Cost(day, 1)]))
    limiter.sync_usage(day, 10, sent_at=sent_at)
    assert limiter.snapshot()["orders-1d"].used == 51
    limiter.sync_usage(day, 60, sent_at=sent_at)
    assert limiter.snapshot()["orders-1d"].used == 60
