"""The order state machine never permits an illegal transition."""

from __future__ import annotations

from decimal import Decimal

import pytest
from exchangekit_bot.execution.state_machine import (
    IllegalTransition,
    OrderProgress,
    Source,
    apply_update,
    is_legal,
)
from hypothesis import given
from hypothesis import strategies as st

from exchangekit import OrderStatus

S = OrderStatus
TERMINAL = {S.FILLED, S.CANCELLED, S.REJECTED, S.EXPIRED}


def spec_allows(current: OrderStatus, new: OrderStatus, source: Source) -> bool:
    """The rules as the issue states them, written independently of the module's table."""
    if current in TERMINAL:
        return False  # terminal states are final
    if current is S.UNKNOWN:
        # unknown resolves only through a lookup (and may stay unknown meanwhile)
        return new is S.UNKNOWN or (source is Source.LOOKUP and new is not S.PENDING)
    if new is current:
        return True
    if new is S.PENDING:
        return False  # nothing goes back to "not yet sent"
    if current is S.PENDING:
        return True
    if new in (S.UNKNOWN, S.REJECTED):
        return False  # an acknowledged order is known, and can no longer be rejected
    if current is S.PARTIALLY_FILLED:
        return new is not S.OPEN  # fills never un-happen
    return True


statuses = st.sampled_from(list(OrderStatus))
sources = st.sampled_from(list(Source))


@given(current=statuses, new=statuses, source=sources)
def test_every_single_transition_matches_the_rules(current, new, source):
    expected = spec_allows(current, new, source) or (current in TERMINAL and new is current)
    assert is_legal(current, new, source) == (expected or (current is new and current in TERMINAL))
    progress = OrderProgress(status=current, requested=Decimal(10), filled=Decimal(0))
    filled = Decimal(1) if new is S.PARTIALLY_FILLED else None
    if current in TERMINAL:
        if new is current:
            assert apply_update(progress, new, source) == progress
        else:
            with pytest.raises(IllegalTransition):
                apply_update(progress, new, source, filled=filled)
    elif spec_allows(current, new, source):
        assert apply_update(progress, new, source, filled=filled).status is new
    else:
        with pytest.raises(IllegalTransition):
            apply_update(progress, new, source, filled=filled)


updates = st.lists(
    st.tuples(statuses, sources, st.integers(min_value=0, max_value=12)), max_size=25
)


@given(steps=updates)
def test_random_histories_only_walk_legal_edges(steps):
    progress = OrderProgress(status=S.PENDING, requested=Decimal(10))
    history = [progress]
    for status, source, filled in steps:
        try:
            progress = apply_update(progress, status, source, filled=Decimal(filled))
        except IllegalTransition:
            continue
        previous = history[-1]
        if progress != previous:
            assert spec_allows(previous.status, progress.status, source)
        assert previous.filled <= progress.filled <= progress.requested
        if previous.status in TERMINAL:
            assert progress == previous
        history.append(progress)
    assert progress.requested == Decimal(10)


def test_unknown_is_not_resolved_by_an_acknowledgement_or_a_poll():
    unknown = OrderProgress(status=S.UNKNOWN, requested=Decimal(1))
    for source in (Source.ACK, Source.POLL, Source.STREAM, Source.LOCAL):
        with pytest.raises(IllegalTransition):
            apply_update(unknown, S.FILLED, source, filled=Decimal(1))
    assert apply_update(unknown, S.FILLED, Source.LOOKUP, filled=Decimal(1)).status is S.FILLED


def test_requested_filled_and_remaining_are_kept_apart():
    p = OrderProgress(status=S.OPEN, requested=Decimal(5))
    p = apply_update(p, S.PARTIALLY_FILLED, Source.POLL, filled=Decimal(2))
    assert (p.requested, p.filled, p.remaining) == (Decimal(5), Decimal(2), Decimal(3))
    p = apply_update(p, S.CANCELLED, Source.POLL)
    assert (p.requested, p.filled, p.remaining) == (Decimal(5), Decimal(2), Decimal(0))
    with pytest.raises(IllegalTransition):
        apply_update(
            OrderProgress(status=S.OPEN, requested=Decimal(5)),
            S.OPEN,
            Source.POLL,
            filled=Decimal(6),
        )
