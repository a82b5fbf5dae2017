"""Admission, fail-closed checks, pool kinds and ordering of the limiter."""

from __future__ import annotations

import pytest

from exchangekit.clock import ManualClock
from exchangekit.errors import NotSupported
from exchangekit.ratelimit import (
    Cost,
    Limiter,
    MemoryBackend,
    Pool,
    PoolKind,
    PoolUsage,
    Priority,
)

from .driver import Recorder, advance_to, at_once, settle

WEIGHT = Pool(name="weight", limit=10, window_s=60)
ORDERS = Pool(name="orders", limit=3, window_s=10, kind=PoolKind.SLIDING_WINDOW)
BUCKET = Pool(name="bucket", limit=4, window_s=2, kind=PoolKind.TOKEN_BUCKET)
KRAKEN = Pool(name="kraken", limit=15, window_s=1, kind=PoolKind.DECAYING_COUNTER, decay_per_s=0.5)


def make(*pools: Pool) -> tuple[Limiter, ManualClock, Recorder]:
    clock = ManualClock()
    limiter = Limiter(pools, clock=clock)
    return limiter, clock, Recorder(limiter, clock)


async def test_empty_cost_list_is_refused_as_not_supported() -> None:
    limiter, _, _ = make(WEIGHT)
    with pytest.raises(NotSupported, match="no rate-limit cost"):
        await at_once(limiter.acquire([]))
    with pytest.raises(NotSupported):
        await at_once(limiter.acquire(()))


async def test_explicit_zero_weight_cost_is_granted_without_charging() -> None:
    limiter, _, _ = make(WEIGHT)
    await at_once(limiter.acquire([Cost(WEIGHT, 0)]))
    assert limiter.snapshot()["weight"].used == 0


async def test_weight_above_pool_limit_raises_at_once() -> None:
    limiter, clock, _ = make(WEIGHT)
    with pytest.raises(NotSupported, match="could never be served"):
        await at_once(limiter.acquire([Cost(WEIGHT, 11)]))
    with pytest.raises(NotSupported, match="could never be served"):
        await at_once(limiter.acquire([Cost(WEIGHT, 6), Cost(WEIGHT, 5)]))
    assert clock.sleepers == 0
    assert limiter.snapshot()["weight"].used == 0


async def test_negative_weight_is_refused() -> None:
    limiter, _, _ = make(WEIGHT)
    with pytest.raises(ValueError, match="negative"):
        await at_once(limiter.acquire([Cost(WEIGHT, -1)]))


async def test_acquire_under_the_limit_charges_every_pool_without_waiting() -> None:
    limiter, clock, _ = make(WEIGHT, ORDERS)
    await at_once(limiter.acquire((Cost(WEIGHT, 4), Cost(ORDERS, 1))))
    await at_once(limiter.acquire((Cost(WEIGHT, 4), Cost(ORDERS, 1))))
    snap = limiter.snapshot()
    assert snap["weight"] == PoolUsage(pool="weight", limit=10, used=8, remaining=2)
    assert snap["orders"] == PoolUsage(pool="orders", limit=3, used=2, remaining=1)
    assert clock.sleepers == 0


async def test_pool_is_registered_on_first_use() -> None:
    limiter, _, _ = make()
    assert limiter.snapshot() == {}
    await at_once(limiter.acquire([Cost(ORDERS, 2)]))
    assert limiter.snapshot()["orders"].used == 2


async def test_registered_definition_governs_costs_naming_the_same_pool() -> None:
    refreshed = Pool(name="weight", limit=2, window_s=60)
    limiter, _, rec = make(refreshed)
    rec.start(1, [Cost(WEIGHT, 2)])
    rec.start(2, [Cost(WEIGHT, 1)])
    await settle()
    assert rec.granted() == [1]
    with pytest.raises(NotSupported):
        await at_once(limiter.acquire([Cost(WEIGHT, 3)]))


async def test_refreshing_a_pool_keeps_its_usage() -> None:
    limiter, _, _ = make(WEIGHT)
    await at_once(limiter.acquire([Cost(WEIGHT, 7)]))
    limiter.register(Pool(name="weight", limit=20, window_s=60))
    limiter.register(Pool(name="weight", limit=20, window_s=30, kind=PoolKind.SLIDING_WINDOW))
    assert limiter.snapshot()["weight"] == PoolUsage(pool="weight", limit=20, used=7, remaining=13)


async def test_acquire_is_all_or_nothing_across_pools() -> None:
    limiter, clock, rec = make(WEIGHT, ORDERS)
    await at_once(limiter.acquire([Cost(ORDERS, 3)]))
    rec.start(1, [Cost(WEIGHT, 5), Cost(ORDERS, 1)])
    await settle()
    assert rec.granted() == []
    assert limiter.snapshot()["weight"].used == 0
    assert limiter.snapshot()["orders"].waiters == 1
    await advance_to(clock, 10.0)
    assert rec.granted() == [1]
    assert limiter.snapshot()["weight"].used == 5


async def test_fixed_window_resets_at_the_wall_clock_minute() -> None:
    # Monotonic 0 is 20 s past a minute on this clock: the window resets at monotonic 40.
    limiter, clock, rec = make(WEIGHT)
    assert clock.now_ms() % 60_000 == 20_000
    await at_once(limiter.acquire([Cost(WEIGHT, 10)]))
    rec.start(1, [Cost(WEIGHT, 1)])
    await advance_to(clock, 39.999)
    assert rec.granted() == []
    await advance_to(clock, 40.0)
    assert rec.granted() == [1]
    assert rec.grants[0].at_ms % 60_000 == 0


async def test_sliding_window_frees_each_charge_window_seconds_after_it() -> None:
    limiter, clock, rec = make(ORDERS)
    await at_once(limiter.acquire([Cost(ORDERS, 2)]))
    await advance_to(clock, 4.0)
    await at_once(limiter.acquire([Cost(ORDERS, 1)]))
    rec.start(1, [Cost(ORDERS, 2)])
    rec.start(2, [Cost(ORDERS, 1)])
    await advance_to(clock, 20.0)
    assert [(g.tag, g.at) for g in rec.grants] == [(1, 10.0), (2, 14.0)]


async def test_token_bucket_refills_at_limit_per_window() -> None:
    limiter, clock, rec = make(BUCKET)
    await at_once(limiter.acquire([Cost(BUCKET, 4)]))
    rec.start(1, [Cost(BUCKET, 3)])
    rec.start(2, [Cost(BUCKET, 1)])
    await advance_to(clock, 10.0)
    assert [(g.tag, g.at) for g in rec.grants] == [(1, pytest.approx(1.5)), (2, 2.0)]


async def test_decaying_counter_admits_while_the_counter_stays_at_or_under_the_limit() -> None:
    limiter, clock, rec = make(KRAKEN)
    await at_once(limiter.acquire([Cost(KRAKEN, 15)]))
    rec.start(1, [Cost(KRAKEN, 2)])
    await advance_to(clock, 3.9)
    assert rec.granted() == []
    await advance_to(clock, 10.0)
    assert rec.time_of(1) == pytest.approx(4.0)
    assert limiter.snapshot()["kraken"].used == pytest.approx(15 - 6 * 0.5)


async def test_cancel_priority_is_served_before_earlier_market_data() -> None:
    limiter, clock, rec = make(WEIGHT)
    await at_once(limiter.acquire([Cost(WEIGHT, 10)]))
    rec.start(1, [Cost(WEIGHT, 5)], Priority.MARKET_DATA)
    rec.start(2, [Cost(WEIGHT, 5)], Priority.ORDER)
    rec.start(3, [Cost(WEIGHT, 5)], Priority.CANCEL)
    rec.start(4, [Cost(WEIGHT, 5)], Priority.KILL_SWITCH)
    await advance_to(clock, 40.0)
    assert rec.granted() == [4, 3]
    await advance_to(clock, 100.0)
    assert rec.granted() == [4, 3, 2, 1]


async def test_equal_priorities_are_served_first_come_first_served() -> None:
    limiter, clock, rec = make(ORDERS)
    await at_once(limiter.acquire([Cost(ORDERS, 3)]))
    for tag in range(6):
        rec.start(tag, [Cost(ORDERS, 1)], Priority.ORDER)
    await advance_to(clock, 30.0)
    assert rec.granted() == list(range(6))


async def test_heavy_waiter_is_not_overtaken_by_later_light_requests() -> None:
    limiter, clock, rec = make(WEIGHT)
    await at_once(limiter.acquire([Cost(WEIGHT, 2)]))
    rec.start(0, [Cost(WEIGHT, 10)])
    await settle()
    for tag in range(1, 5):
        rec.start(tag, [Cost(WEIGHT, 1)])
    await settle()
    assert rec.granted() == []
    await advance_to(clock, 40.0)
    assert rec.granted() == [0]
    await advance_to(clock, 100.0)
    assert rec.granted() == [0, 1, 2, 3, 4]


async def test_waiter_sharing_any_pool_with_a_blocked_waiter_queues_behind_it() -> None:
    limiter, clock, rec = make(WEIGHT, ORDERS)
    await at_once(limiter.acquire([Cost(ORDERS, 3)]))
    rec.start(1, [Cost(ORDERS, 1), Cost(WEIGHT, 8)])
    await settle()
    rec.start(2, [Cost(WEIGHT, 3)])
    await settle()
    assert rec.granted() == []
    await advance_to(clock, 10.0)
    assert rec.granted() == [1]


async def test_unrelated_pools_do_not_block_each_other() -> None:
    limiter, clock, rec = make(WEIGHT, ORDERS)
    await at_once(limiter.acquire([Cost(ORDERS, 3)]))
    rec.start(1, [Cost(ORDERS, 1)])
    rec.start(2, [Cost(WEIGHT, 1)], Priority.MARKET_DATA)
    await settle()
    assert rec.granted() == [2]
    assert clock.monotonic() == 0.0


async def test_higher_priority_arrival_goes_ahead_of_lower_priority_waiters() -> None:
    limiter, _, rec = make(WEIGHT)
    await at_once(limiter.acquire([Cost(WEIGHT, 5)]))
    rec.start(1, [Cost(WEIGHT, 6)], Priority.MARKET_DATA)
    await settle()
    await at_once(limiter.acquire([Cost(WEIGHT, 5)], priority=Priority.CANCEL))
    assert limiter.snapshot()["weight"].used == 10
    assert rec.granted() == []


async def test_snapshot_counts_waiters_per_pool() -> None:
    limiter, _, rec = make(WEIGHT, ORDERS)
    await at_once(limiter.acquire([Cost(WEIGHT, 10)]))
    rec.start(1, [Cost(WEIGHT, 1), Cost(ORDERS, 1)])
    rec.start(2, [Cost(WEIGHT, 1)])
    await settle()
    snap = limiter.snapshot()
    assert (snap["weight"].waiters, snap["orders"].waiters) == (2, 1)
    assert (snap["weight"].used, snap["weight"].remaining) == (10, 0)
    assert snap["orders"].used == 0


async def test_default_backend_is_in_memory_and_a_given_one_is_used() -> None:
    clock = ManualClock()
    backend = MemoryBackend(clock=clock)
    limiter = Limiter([WEIGHT], clock=clock, backend=backend)
    await at_once(limiter.acquire([Cost(WEIGHT, 3)]))
    assert backend.usage()["weight"].used == 3


async def test_waiter_left_unservable_by_a_lowered_limit_fails_instead_of_waiting_forever() -> None:
    limiter, _, rec = make(WEIGHT)
    await at_once(limiter.acquire([Cost(WEIGHT, 10)]))
    heavy = rec.start(1, [Cost(WEIGHT, 8)])
    light = rec.start(2, [Cost(WEIGHT, 2)])
    await settle()
    limiter.register(Pool(name="weight", limit=5, window_s=60))
    await settle()
    assert heavy.done()
    assert isinstance(heavy.exception(), NotSupported)
    assert not light.done()
    assert limiter.snapshot()["weight"].waiters == 1
