"""HTTP 429 pauses a pool's callers; HTTP 418 (an IP ban) holds every caller."""

from __future__ import annotations

from exchangekit.clock import ManualClock
from exchangekit.ratelimit import Cost, Limiter, Pool, PoolKind, Priority

from .driver import Recorder, advance_to, at_once, settle

WEIGHT = Pool(name="weight", limit=100, window_s=60)
ORDERS = Pool(name="orders", limit=50, window_s=10, kind=PoolKind.SLIDING_WINDOW)
OTHER = Pool(name="other", limit=10, window_s=1, kind=PoolKind.TOKEN_BUCKET)


def make() -> tuple[Limiter, ManualClock, Recorder]:
    clock = ManualClock()
    limiter = Limiter([WEIGHT, ORDERS, OTHER], clock=clock)
    return limiter, clock, Recorder(limiter, clock)


async def test_pause_holds_every_caller_of_the_pool_until_it_lifts_exactly() -> None:
    limiter, clock, rec = make()
    limiter.pause([WEIGHT], 2.5)
    rec.start(1, [Cost(WEIGHT, 1)], Priority.KILL_SWITCH)
    rec.start(2, [Cost(WEIGHT, 1), Cost(ORDERS, 1)], Priority.ORDER)
    await advance_to(clock, 1.0)
    rec.start(3, [Cost(WEIGHT, 0)])
    await advance_to(clock, 2.4999)
    assert rec.granted() == []
    assert limiter.snapshot()["weight"].paused_for_s > 0
    await advance_to(clock, 2.5)
    assert sorted(rec.granted()) == [1, 2, 3]
    assert {g.at for g in rec.grants} == {2.5}
    assert limiter.snapshot()["weight"].paused_for_s == 0


async def test_pause_does_not_hold_callers_of_other_pools() -> None:
    limiter, clock, rec = make()
    limiter.pause([WEIGHT], 30)
    rec.start(1, [Cost(ORDERS, 1)])
    rec.start(2, [Cost(OTHER, 1)])
    rec.start(3, [Cost(WEIGHT, 1)])
    await settle()
    assert sorted(rec.granted()) == [1, 2]
    assert clock.monotonic() == 0
    assert limiter.snapshot()["orders"].paused_for_s == 0


async def test_a_later_shorter_pause_does_not_shorten_the_first() -> None:
    limiter, clock, rec = make()
    limiter.pause([ORDERS], 5)
    limiter.pause([ORDERS], 1)
    rec.start(1, [Cost(ORDERS, 1)])
    await advance_to(clock, 4.9)
    assert rec.granted() == []
    await advance_to(clock, 5.0)
    assert rec.granted() == [1]


async def test_pause_arriving_while_callers_wait_holds_them_too() -> None:
    limiter, clock, rec = make()
    await at_once(limiter.acquire([Cost(OTHER, 10)]))
    rec.start(1, [Cost(OTHER, 5)])
    await advance_to(clock, 0.1)
    limiter.pause([OTHER], 3)
    await advance_to(clock, 3.0999)
    assert rec.granted() == []
    await advance_to(clock, 3.1)
    assert rec.time_of(1) == 3.1


async def test_ban_holds_every_caller_of_every_pool_until_it_lifts_exactly() -> None:
    limiter, clock, rec = make()
    limiter.ban(60)
    for tag, pool in enumerate([WEIGHT, ORDERS, OTHER]):
        rec.start(tag, [Cost(pool, 1)], Priority.KILL_SWITCH)
    await advance_to(clock, 30)
    rec.start(3, [Cost(OTHER, 0)])
    await advance_to(clock, 59.999)
    assert rec.granted() == []
    assert all(u.paused_for_s > 0 for u in limiter.snapshot().values())
    await advance_to(clock, 60.0)
    assert sorted(rec.granted()) == [0, 1, 2, 3]
    assert {g.at for g in rec.grants} == {60.0}


async def test_ban_and_pause_together_hold_until_the_later_one_lifts() -> None:
    limiter, clock, rec = make()
    limiter.ban(2)
    limiter.pause([ORDERS], 4)
    rec.start(1, [Cost(ORDERS, 1)])
    rec.start(2, [Cost(WEIGHT, 1)])
    await advance_to(clock, 10)
    assert [(g.tag, g.at) for g in rec.grants] == [(2, 2.0), (1, 4.0)]


async def test_caller_held_by_a_pause_does_not_hold_callers_of_its_other_pools() -> None:
    limiter, clock, rec = make()
    limiter.pause([ORDERS], 5)
    rec.start(1, [Cost(WEIGHT, 1), Cost(ORDERS, 1)], Priority.ORDER)
    await settle()
    rec.start(2, [Cost(WEIGHT, 1)], Priority.MARKET_DATA)
    rec.start(3, [Cost(ORDERS, 1)], Priority.MARKET_DATA)
    await settle()
    assert rec.granted() == [2]
    await advance_to(clock, 5.0)
    assert rec.granted() == [2, 1, 3]


async def test_pause_arriving_while_a_caller_waits_for_room_releases_its_other_pools() -> None:
    limiter, clock, rec = make()
    await at_once(limiter.acquire([Cost(ORDERS, 50)]))
    rec.start(1, [Cost(WEIGHT, 1), Cost(ORDERS, 1)], Priority.ORDER)
    await settle()
    rec.start(2, [Cost(WEIGHT, 1)], Priority.MARKET_DATA)
    await settle()
    assert rec.granted() == []  # behind a caller that waits for room it shares
    limiter.pause([ORDERS], 30)
    await settle()
    assert rec.granted() == [2]
    await advance_to(clock, 30.0)
    assert rec.granted() == [2, 1]
