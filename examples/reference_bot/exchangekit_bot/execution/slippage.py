"""Slippage guard: walk the book and refuse or shrink an order that would pay too much.

The expected average price of a market order is what it would pay walking the visible
levels of ``get_order_book`` from the best price. If that average is worse than the best
price by more than ``max_slippage_bps``, the order is shrunk to the largest quantity that
stays inside the bound, or refused when that is below the instrument's minimum. A book too
thin to fill the order at all counts as too expensive (fail-closed).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import msgspec

from exchangekit import Instrument, OrderBook, Side

__all__ = ["SlippageVerdict", "expected_average_price", "guard_slippage"]

BPS = Decimal(10_000)


class SlippageVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """What the guard decided. ``quantity`` is 0 when the order is refused."""

    quantity: Decimal
    expected_price: Decimal | None
    slippage_bps: Decimal | None
    reason: str

    @property
    def refused(self) -> bool:
        return self.quantity <= 0


def expected_average_price(
    levels: Sequence[tuple[Decimal, Decimal]], quantity: Decimal
) -> Decimal | None:
    """Average price of taking ``quantity`` from ``levels`` (best first); None if too thin."""
    left, cost = quantity, Decimal(0)
    for price, size in levels:
        take = min(left, size)
        cost += take * price
        left -= take
        if left <= 0:
            return cost / quantity
    return None


def _slippage(side: Side, best: Decimal, average: Decimal) -> Decimal:
    return (average - best) / best * BPS * side.sign


def guard_slippage(
    book: OrderBook,
    side: Side,
    quantity: Decimal,
    *,
    max_slippage_bps: Decimal,
    instrument: Instrument,
) -> SlippageVerdict:
    """Allow, shrink or refuse a market order of ``quantity`` on ``side`` against ``book``."""
    levels = book.asks if side is Side.BUY else book.bids
    if not levels:
        return SlippageVerdict(
            quantity=Decimal(0), expected_price=None, slippage_bps=None, reason="empty book"
        )
    best = levels[0][0]
    average = expected_average_price(levels, quantity)
    if average is not None:
        slip = _slippage(side, best, average)
        if slip <= max_slippage_bps:
            return SlippageVerdict(
                quantity=quantity, expected_price=average, slippage_bps=slip, reason="within bound"
            )
    # Largest quantity whose average stays inside the bound: take whole levels while the
    # running average allows, then the part of the next level that keeps it at the bound.
    bound = best * (1 + side.sign * max_slippage_bps / BPS)
    taken, cost = Decimal(0), Decimal(0)
    for price, size in levels:
        if (cost + size * price - bound * (taken + size)) * side.sign <= 0:
            taken, cost = taken + size, cost + size * price
            continue
        # Solve (cost + x*price) / (taken + x) == bound for x.
        denominator = price - bound
        if denominator != 0:
            x = (bound * taken - cost) / denominator
            if x > 0:
                taken, cost = taken + min(x, size), cost + min(x, size) * price
        break
    shrunk = instrument.floor_quantity(min(taken, quantity), market=True)
    if shrunk < max(instrument.min_quantity, Decimal(0)) or shrunk <= 0:
        return SlippageVerdict(
            quantity=Decimal(0),
            expected_price=average,
            slippage_bps=None if average is None else _slippage(side, best, average),
            reason=f"book too thin: no tradable size within {max_slippage_bps} bps",
        )
    shrunk_avg = expected_average_price(levels, shrunk)
    return SlippageVerdict(
        quantity=shrunk,
        expected_price=shrunk_avg,
        slippage_bps=None if shrunk_avg is None else _slippage(side, best, shrunk_avg),
        reason=f"shrunk from {quantity} to stay within {max_slippage_bps} bps",
    )
