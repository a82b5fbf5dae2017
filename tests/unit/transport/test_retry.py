"""What the transport retries by itself, and how long it waits."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchangekit.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeUnavailable,
    InvalidOrder,
    IPBanned,
    NetworkError,
    OrderOutcomeUnknown,
    RateLimited,
)
from exchangekit.transport import RetryPolicy

from .fakes import DEPTH, NEW_ORDER

POLICY = RetryPolicy()


@pytest.mark.parametrize(
    ("error", "on_order", "on_read"),
    [
        (NetworkError("refused"), True, True),
        (ExchangeUnavailable("503"), False, True),
        (OrderOutcomeUnknown("timeout"), False, False),
        (InvalidOrder("filter"), False, False),
        (AuthenticationError("bad key"), False, False),
        (RateLimited("429", retry_after_s=1), False, False),
        (IPBanned("418", until_ms=1), False, False),
        (ExchangeError("unexpected"), False, False),
        (ValueError("a bug"), False, False),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_only_what_cannot_execute_twice_is_retried(
    error: Exception, on_order: bool, on_read: bool
) -> None:
    assert POLICY.should_retry(error, NEW_ORDER) is on_order
    assert POLICY.should_retry(error, DEPTH) is on_read


@given(
    retry_number=st.integers(min_value=1, max_value=60),
    base=st.floats(min_value=0, max_value=10),
    cap=st.floats(min_value=0, max_value=60),
    seed=st.integers(),
)
def test_backoff_is_full_jitter_under_the_capped_exponential(
    retry_number: int, base: float, cap: float, seed: int
) -> None:
    policy = RetryPolicy(base_delay_s=base, max_delay_s=cap)
    delay = policy.delay_s(retry_number, random.Random(seed))
    assert 0 <= delay <= min(cap, base * 2 ** (retry_number - 1))


def test_backoff_ceiling_doubles_until_the_cap() -> None:
    policy = RetryPolicy(base_delay_s=1, max_delay_s=5)
    rng = random.Random(1)
    ceilings = [max(policy.delay_s(n, rng) for _ in range(2000)) for n in (1, 2, 3, 4)]
    assert ceilings[0] == pytest.approx(1, abs=0.01)
    assert ceilings[1] == pytest.approx(2, abs=0.02)
    assert ceilings[2] == pytest.approx(4, abs=0.04)
    assert ceilings[3] == pytest.approx(5, abs=0.05)


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(base_delay_s=-1)
