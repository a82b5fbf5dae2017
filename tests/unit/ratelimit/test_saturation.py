"""At saturation, a thousand waiters get exactly the configured rate, in order, none early."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from exchangekit.clock import ManualClock
from exchangekit.ratelimit import Cost, Limiter, Pool, PoolKind, Priority

from .driver import Recorder, advance_to, settle

WAITERS = 1000


def _fixed(i: int) -> float:
    # Epoch 250 ms past a second: the first window ends at 0.75, then every second.
    return 0.0 if i < 10 else 0.75 + (i // 10 - 1)


CASES: list[tuple[Pool, Callable[[int], float]]] = [
    (Pool(name="fixed", limit=10, window_s=1.0), _fixed),
    (
        Pool(name="sliding", limit=10, window_s=1.0, kind=PoolKind.SLIDING_WINDOW),
        lambda i: float(i // 10),
    ),
    (
        Pool(name="bucket", limit=10, window_s=1.0, kind=PoolKind.TOKEN_BUCKET),
        lambda i: max(i - 9, 0) * 0.1,
    ),
    (
        Pool(name="decay", limit=10, window_s=1.0, kind=PoolKind.DECAYING_COUNTER, decay_per_s=10),
        lambda i: max(i - 9, 0) * 0.1,
    ),
]


@pytest.mark.parametrize(("pool", "expected_at"), CASES, ids=lambda c: getattr(c, "name", ""))
async def test_thousand_waiters_get_exactly_the_configured_rate_in_arrival_order(
    pool: Pool, expected_at: Callable[[int], float]
) -> None:
    clock = ManualClock(epoch_ms=1_700_000_000_250)
    limiter = Limiter([pool], clock=clock)
    rec = Recorder(limiter, clock)
    for tag in range(WAITERS):
        rec.start(tag, [Cost(pool, 1)], Priority.ORDER)
    await settle()
    horizon = expected_at(WAITERS - 1)
    await advance_to(clock, horizon - 1e-3)
    assert len(rec.grants) == sum(expected_at(i) < horizon for i in range(WAITERS))
    await advance_to(clock, horizon + 10)
    assert rec.granted() == list(range(WAITERS))
    for tag, grant in enumerate(rec.grants):
        assert math.isclose(grant.at, expected_at(tag), abs_tol=1e-6), (tag, grant.at)
        assert grant.at >= expected_at(tag) - 1e-9, "granted early"
    assert limiter.snapshot()[pool.name].waiters == 0
