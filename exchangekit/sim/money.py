"""Exact money arithmetic for the ledger.

Amounts that come out of a division (margin at 3x, a pro-rata release, an averaged entry
price) would otherwise carry 28 significant digits, and adding them to balances would
round: dust would appear or vanish. Rounding every computed amount to :data:`QUANTUM`
keeps each balance a short exact decimal, so every sum the ledger does is exact and
conservation holds to the last digit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

__all__ = ["QUANTUM", "money"]

QUANTUM = Decimal("1e-12")


def money(value: Decimal) -> Decimal:
    """``value`` rounded to :data:`QUANTUM` if it is finer; unchanged otherwise."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -12:
        return value.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    return value
