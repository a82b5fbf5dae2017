"""Pure pieces: backoff delays, the dedupe window, venue validation."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchangekit.ws import Backoff, Subscription, WsVenue
from exchangekit.ws.dedupe import RecentKeys

bases = st.floats(min_value=1e-4, max_value=10.0)
caps = st.floats(min_value=1e-4, max_value=600.0)


@given(base=bases, cap=caps, attempt=st.integers(min_value=0, max_value=10_000), seed=st.integers())
def test_backoff_delay_stays_within_zero_and_the_capped_exponential(
    base: float, cap: float, attempt: int, seed: int
) -> None:
    backoff = Backoff(base_s=base, cap_s=cap)
    delay = backoff.delay(attempt, random.Random(seed))
    assert 0.0 <= delay <= min(cap, base * 2.0 ** min(attempt, 1000))
    assert backoff.ceiling(attempt) <= cap


@given(base=bases, cap=caps)
def test_backoff_ceiling_grows_until_the_cap_and_then_stays(base: float, cap: float) -> None:
    backoff = Backoff(base_s=base, cap_s=cap)
    ceilings = [backoff.ceiling(n) for n in range(80)]
    assert ceilings == sorted(ceilings)
    assert ceilings[-1] == cap


def test_backoff_delays_are_full_jitter_not_a_fixed_schedule() -> None:
    backoff = Backoff(base_s=1.0, cap_s=4.0)
    rng = random.Random(3)
    delays = [backoff.delay(5, rng) for _ in range(2000)]
    assert min(delays) < 0.1 and max(delays) > 3.9  # spread over the whole [0, cap]
    assert abs(sum(delays) / len(delays) - 2.0) < 0.15


def test_backoff_refuses_nonsense_settings() -> None:
    with pytest.raises(ValueError):
        Backoff(base_s=0.0)
    with pytest.raises(ValueError):
        Backoff(cap_s=-1.0)
    with pytest.raises(ValueError):
        Backoff().ceiling(-1)


@given(
    keys=st.lists(st.integers(min_value=0, max_value=50), max_size=300),
    capacity=st.integers(min_value=1, max_value=40),
)
def test_recent_keys_drops_exactly_the_repeats_inside_the_window(
    keys: list[int], capacity: int
) -> None:
    recent = RecentKeys(capacity)
    window: list[int] = []  # the model: the last `capacity` distinct keys accepted
    for key in keys:
        expected_new = key not in window
        assert recent.add(key) is expected_new
        if expected_new:
            window.append(key)
            del window[:-capacity]
        assert len(recent) == len(window) <= capacity
        assert all(k in recent for k in window)


def _venue(**overrides: object) -> WsVenue:
    settings: dict[str, object] = {
        "name": "v",
        "url": "ws://127.0.0.1:1/ws",
        "subscribe_message": lambda subs: [],
        "route": lambda raw: None,
    }
    settings.update(overrides)
    return WsVenue(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "overrides",
    [
        {"url": None},
        {"url_factory": lambda: None},
        {"ping_message": "ping"},
        {"ping_interval_s": 5.0},
        {"max_lifetime_s": 10.0, "rotate_before_s": 10.0},
        {"max_lifetime_s": -1.0},
        {"handover_timeout_s": 0.0},
    ],
    ids=[
        "no-url",
        "two-urls",
        "ping-without-interval",
        "interval-without-ping",
        "rotation-lead-not-inside-lifetime",
        "negative-lifetime",
        "zero-handover",
    ],
)
def test_venue_refuses_inconsistent_rules(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _venue(**overrides)


def test_pong_timeout_defaults_to_the_ping_interval() -> None:
    assert _venue(ping_message="ping", ping_interval_s=20.0).effective_pong_timeout_s == 20.0
    assert _venue().effective_pong_timeout_s is None


def test_subscription_refuses_a_non_positive_stale_timer() -> None:
    with pytest.raises(ValueError):
        Subscription("k", stale_after_s=0.0)
