"""The limiter's behaviour on both backends: the in-process one and Redis (a real
``redis-server``, see conftest), with the budget's clock injected so time is controlled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from exchangekit.ratelimit import Cost, Pool, PoolKind, PoolUsage, Priority

from .shared_rig import MakeRig, rigs

WEIGHT = Pool(name="weight", limit=10, window_s=60, header="X-MBX-USED-WEIGHT-1M")
ORDERS = Pool(name="orders", limit=3, window_s=10, kind=PoolKind.SLIDING_WINDOW)
BUCKET = Pool(name="bucket", limit=4, window_s=2, kind=PoolKind.TOKEN_BUCKET)
KRAKEN = Pool(name="kraken", limit=15, window_s=1, kind=PoolKind.DECAYING_COUNTER, decay_per_s=0.5)
ALL = (WEIGHT, ORDERS, BUCKET, KRAKEN)


@pytest.fixture(params=["memory", "redis"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[MakeRig]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    async for factory in rigs(request.param, url):
        yield factory


async def test_acquire_under_the_limit_charges_every_pool(make: MakeRig) -> None:
    rig = await make(WEIGHT, ORDERS)
    await rig.at_once(rig.limiter.acquire((Cost(WEIGHT, 4), Cost(ORDERS, 1))))
    await rig.at_once(rig.limiter.acquire((Cost(WEIGHT, 4), Cost(ORDERS, 1))))
    snap = await rig.snapshot()
    assert snap["weight"] == PoolUsage(pool="weight", limit=10, used=8, remaining=2)
    assert snap["orders"] == PoolUsage(pool="orders", limit=3, used=2, remaining=1)


async def test_acquire_is_all_or_nothing_across_pools(make: MakeRig) -> None:
    rig = await make(WEIGHT, ORDERS)
    await rig.at_once(rig.limiter.acquire([Cost(ORDERS, 3)]))
    rig.rec.start(1, [Cost(WEIGHT, 5), Cost(ORDERS, 1)])
    await rig.settle()
    assert rig.rec.granted() == []
    snap = await rig.snapshot()
    assert (snap["weight"].used, snap["orders"].used, snap["orders"].waiters) == (0, 3, 1)
    await rig.advance_to(10.0)
    assert rig.rec.granted() == [1]
    assert await rig.used(WEIGHT) == 5


async def test_same_pool_twice_in_one_request_is_charged_twice(make: MakeRig) -> None:
    rig = await make(WEIGHT)
    await rig.at_once(rig.limiter.acquire([Cost(WEIGHT, 3), Cost(WEIGHT, 4)]))
    assert await rig.used(WEIGHT) == 7
    rig.rec.start(1, [Cost(WEIGHT, 2), Cost(WEIGHT, 2)])
    await rig.settle()
    assert rig.rec.granted() == []
    assert await rig.used(WEIGHT) == 7


async def test_fixed_window_resets_at_the_wall_clock_minute(make: MakeRig) -> None:
    rig = await make(WEIGHT)  # monotonic 0 is 20 s past a minute: reset at 40
    await rig.at_once(rig.limiter.acquire([Cost(WEIGHT, 10)]))
    rig.rec.start(1, [Cost(WEIGHT, 1)])
    await rig.advance_to(39.999)
    assert rig.rec.granted() == []
    await rig.advance_to(40.0)
    assert rig.rec.granted() == [1]
    assert rig.rec.grants[0].at_ms % 60_000 == 0


async def test_sliding_window_frees_each_charge_window_seconds_after_it(make: MakeRig) -> None:
    rig = await make(ORDERS)
    await rig.at_once(rig.limiter.acquire([Cost(ORDERS, 2)]))
    await rig.advance_to(4.0)
    await rig.at_once(rig.limiter.acquire([Cost(ORDERS, 1)]))
    rig.rec.start(1, [Cost(ORDERS, 2)])
    rig.rec.start(2, [Cost(ORDERS, 1)])
    await rig.advance_to(20.0)
    assert [(g.tag, g.at) for g in rig.rec.grants] == [(1, 10.0), (2, 14.0)]


async def test_token_bucket_refills_at_limit_per_window(make: MakeRig) -> None:
    rig = await make(BUCKET)
    await rig.at_once(rig.limiter.acquire([Cost(BUCKET, 4)]))
    rig.rec.start(1, [Cost(BUCKET, 3)])
    rig.rec.start(2, [Cost(BUCKET, 1)])
    await rig.advance_to(10.0)
    assert [(g.tag, g.at) for g in rig.rec.grants] == [(1, pytest.approx(1.5)), (2, 2.0)]


async def test_decaying_counter_admits_while_it_stays_at_or_under_the_limit(make: MakeRig) -> None:
    rig = await make(KRAKEN)
    await rig.at_once(rig.limiter.acquire([Cost(KRAKEN, 15)]))
    rig.rec.start(1, [Cost(KRAKEN, 2)])
    await rig.advance_to(3.9)
    assert rig.rec.granted() == []
    await rig.advance_to(10.0)
    assert rig.rec.time_of(1) == pytest.approx(4.0)
    assert await rig.used(KRAKEN) == pytest.approx(15 - 6 * 0.5)


async def test_higher_priority_is_served_first_then_arrival_order(make: MakeRig) -> None:
    rig = await make(WEIGHT)
    await rig.at_once(rig.limiter.acquire([Cost(WEIGHT, 10)]))
    rig.rec.start(1, [Cost(WEIGHT, 5)], Priority.MARKET_DATA)
    rig.rec.start(2, [Cost(WEIGHT, 5)], Priority.ORDER)
    rig.rec.start(3, [Cost(WEIGHT, 5)], Priority.CANCEL)
    rig.rec.start(4, [Cost(WEIGHT, 5)], Priority.CANCEL)
    await rig.advance_to(40.0)
    assert rig.rec.granted() == [3, 4]
    await rig.advance_to(100.0)
    assert rig.rec.granted() == [3, 4, 2, 1]


@pytest.mark.parametrize("pool", ALL, ids=lambda p: p.name)
async def test_refund_gives_back_exactly_the_granted_charge(make: MakeRig, pool: Pool) -> None:
    rig = await make(*ALL)
    await rig.at_once(rig.limiter.acquire([Cost(pool, 1)]))
    await rig.advance_to(0.25)
    before = await rig.used(pool)
    costs = [Cost(pool, 2), Cost(ORDERS if pool is not ORDERS else WEIGHT, 1)]
    stamp = rig.backend.now()
    assert await rig.backend.try_acquire(costs) == 0.0
    rig.backend.refund(costs, stamp)
    await rig.settle()
    snap = await rig.snapshot()
    assert snap[pool.name].used == pytest.approx(before)
    assert snap["orders" if pool is not ORDERS else "weight"].used == 0


async def test_refund_of_a_charge_whose_window_is_gone_changes_nothing(make: MakeRig) -> None:
    rig = await make(WEIGHT)
    await rig.advance_to(39.0)
    stamp = rig.backend.now()
    assert await rig.backend.try_acquire([Cost(WEIGHT, 4)]) == 0.0
    await rig.advance_to(41.0)  # the minute turned
    await rig.at_once(rig.limiter.acquire([Cost(WEIGHT, 3)]))
    rig.backend.refund([Cost(WEIGHT, 4)], stamp)
    await rig.settle()
    assert await rig.used(WEIGHT) == 3


async def test_cancelled_waiter_leaves_without_charging(make: MakeRig) -> None:
    rig = await make(WEIGHT, ORDERS)
    await rig.at_once(rig.limiter.acquire([Cost(WEIGHT, 10)]))
    task = rig.rec.start(1, [Cost(WEIGHT, 5), Cost(ORDERS, 2)])
    await rig.settle()
    task.cancel()
    await rig.settle()
    assert task.cancelled()
    snap = await rig.snapshot()
    assert (snap["weight"].waiters, snap["orders"].used) == (0, 0)


async def test_report_without_sent_at_raises_usage_and_holds_callers(make: MakeRig) -> None:
    rig = await make(*ALL)
    await rig.at_once(rig.limiter.acquire([Cost(WEIGHT, 1)]))
    rig.limiter.sync_usage(WEIGHT, 9)
    rig.limiter.sync_usage(WEIGHT, 3)  # without sent_at it can only raise
    assert await rig.used(WEIGHT) == 9
    rig.rec.start(1, [Cost(WEIGHT, 2)])
    await rig.advance_to(39.9)
    assert rig.rec.granted() == []
    await rig.advance_to(40.0)
    assert rig.rec.granted() == [1]


async def test_newest_report_with_sent_at_lowers_usage_and_wakes_waiters(make: MakeRig) -> None:
    rig = await make(*ALL)
    await rig.at_once(rig.limiter.acquire([Cost(WEIGHT, 9)]))
    await rig.advance_to(1.0)
    sent_at = rig.clock.monotonic()
    await rig.at_once(rig.limiter.acquire([Cost(WEIGHT, 1)]))
    rig.rec.start(1, [Cost(WEIGHT, 5)])
    await rig.settle()
    assert rig.rec.granted() == []
    rig.limiter.sync_usage(WEIGHT, 3, sent_at=sent_at)
    await rig.settle()
    assert rig.rec.granted() == [1]
    assert rig.clock.monotonic() == 1.0
    assert await rig.used(WEIGHT) == 3 + 1 + 5


async def test_sliding_report_below_local_usage_frees_the_oldest_charges(make: MakeRig) -> None:
    rig = await make(*ALL)
    for at in (0.0, 1.0, 2.0):
        await rig.advance_to(at)
        sent_at = rig.clock.monotonic()
        await rig.at_once(rig.limiter.acquire([Cost(ORDERS, 1)]))
    rig.limiter.sync_usage(ORDERS, 1, sent_at=sent_at)
    assert await rig.used(ORDERS) == 2
    rig.rec.start(1, [Cost(ORDERS, 1)])
    rig.rec.start(2, [Cost(ORDERS, 1)])
    await rig.advance_to(20.0)
    assert [(g.tag, g.at) for g in rig.rec.grants] == [(1, 2.0), (2, 11.0)]


@pytest.mark.parametrize(("pool", "reported", "wait"), [(BUCKET, 4, 0.5), (KRAKEN, 15, 2.0)])
async def test_continuous_pool_report_sets_the_level_that_then_drains(
    make: MakeRig, pool: Pool, reported: float, wait: float
) -> None:
    rig = await make(*ALL)
    rig.limiter.sync_usage(pool, reported)
    assert await rig.used(pool) == reported
    rig.rec.start(1, [Cost(pool, 1)])
    await rig.advance_to(10.0)
    assert rig.rec.time_of(1) == pytest.approx(wait)


async def test_pause_holds_the_pools_callers_until_it_lifts_exactly(make: MakeRig) -> None:
    rig = await make(*ALL)
    rig.limiter.pause([WEIGHT], 2.5)
    rig.limiter.pause([WEIGHT], 1.0)  # never shortens the first
    rig.rec.start(1, [Cost(WEIGHT, 1)], Priority.KILL_SWITCH)
    rig.rec.start(2, [Cost(ORDERS, 1)])
    await rig.advance_to(2.4999)
    assert rig.rec.granted() == [2]
    assert (await rig.snapshot())["weight"].paused_for_s > 0
    await rig.advance_to(2.5)
    assert rig.rec.granted() == [2, 1]
    assert rig.rec.time_of(1) == 2.5


async def test_ban_and_pause_together_hold_until_the_later_one_lifts(make: MakeRig) -> None:
    rig = await make(*ALL)
    rig.limiter.ban(2)
    rig.limiter.pause([ORDERS], 4)
    rig.rec.start(1, [Cost(ORDERS, 1)])
    rig.rec.start(2, [Cost(WEIGHT, 1)])
    rig.rec.start(3, [Cost(BUCKET, 0)])
    await rig.advance_to(1.0)
    assert all(u.paused_for_s > 0 for u in (await rig.snapshot()).values())
    await rig.advance_to(10)
    assert sorted((g.at, g.tag) for g in rig.rec.grants) == [(2.0, 2), (2.0, 3), (4.0, 1)]


async def test_refreshing_a_pool_keeps_its_usage_even_when_its_kind_changes(
    make: MakeRig,
) -> None:
    rig = await make(WEIGHT)
    await rig.at_once(rig.limiter.acquire([Cost(WEIGHT, 7)]))
    rig.limiter.register(Pool(name="weight", limit=20, window_s=60))
    assert (await rig.snapshot())["weight"] == PoolUsage(
        pool="weight", limit=20, used=7, remaining=13
    )
    rig.limiter.register(Pool(name="weight", limit=20, window_s=30, kind=PoolKind.SLIDING_WINDOW))
    assert (await rig.snapshot())["weight"] == PoolUsage(
        pool="weight", limit=20, used=7, remaining=13
    )
    await rig.advance_to(29.9)
    assert await rig.used(WEIGHT) == 7
    await rig.advance_to(30.0)  # carried over as if charged at the change
    assert await rig.used(WEIGHT) == 0


async def test_many_waiters_get_exactly_the_configured_rate_in_order(make: MakeRig) -> None:
    pool = Pool(name="fast", limit=5, window_s=1.0, kind=PoolKind.TOKEN_BUCKET)
    rig = await make(pool)
    for tag in range(40):
        rig.rec.start(tag, [Cost(pool, 1)], Priority.ORDER)
    await rig.advance_to(20.0)
    assert rig.rec.granted() == list(range(40))
    expected = [max(i - 4, 0) * 0.2 for i in range(40)]
    assert [g.at for g in rig.rec.grants] == pytest.approx(expected, abs=1e-6)
