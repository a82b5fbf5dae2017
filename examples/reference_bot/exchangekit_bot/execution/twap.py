"""TWAP slicing: a large order becomes equal slices spread over time.

The plan is computed once, written to the journal whole (every slice with its own
deterministic client order id and due time) before the first slice is sent, so a restart
knows exactly which slices exist. Slices are floored to the instrument's step; the
remainder goes to the last slice.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit import Instrument

__all__ = ["TwapSlice", "plan_twap"]


class TwapSlice(msgspec.Struct, frozen=True, kw_only=True):
    """One slice: its number (1-based), quantity and when it is due."""

    index: int
    quantity: Decimal
    due_ms: int


def plan_twap(
    quantity: Decimal,
    *,
    slices: int,
    start_ms: int,
    interval_ms: int,
    instrument: Instrument,
) -> list[TwapSlice]:
    """Split ``quantity`` into at most ``slices`` tradable slices, ``interval_ms`` apart.

    Fewer slices are used when equal slices would fall under the instrument's minimum
    quantity. The slice quantities always add up to ``quantity`` floored to step.
    """
    total = instrument.floor_quantity(quantity, market=True)
    if total <= 0:
        return []
    floor_min = max(instrument.min_quantity, instrument.market_step_size or instrument.step_size)
    count = max(1, slices)
    while count > 1 and instrument.floor_quantity(total / count, market=True) < floor_min:
        count -= 1
    each = instrument.floor_quantity(total / count, market=True)
    plan = [
        TwapSlice(index=i + 1, quantity=each, due_ms=start_ms + i * interval_ms)
        for i in range(count - 1)
    ]
    last = total - each * (count - 1)
    plan.append(TwapSlice(index=count, quantity=last, due_ms=start_ms + (count - 1) * interval_ms))
    return plan
