"""Linear perpetual positions in one-way (net) mode: netting, entry price, margin, PnL.

Pure arithmetic on :class:`PositionState`; moving money is the settlement's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from exchangekit.models import MarginMode, Position, PositionSide
from exchangekit.sim.money import money

__all__ = ["FillEffect", "PositionState", "fill_effect"]

ZERO = Decimal(0)


@dataclass(slots=True)
class PositionState:
    """A net position: ``quantity`` is signed (long > 0). ``margin`` is the isolated margin
    held for it; ``realized_pnl`` accumulates since the position was last flat."""

    symbol: str
    quantity: Decimal = ZERO
    entry_price: Decimal = ZERO
    margin: Decimal = ZERO
    realized_pnl: Decimal = ZERO

    @property
    def size(self) -> Decimal:
        return abs(self.quantity)

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        """Profit if closed at ``mark`` now."""
        return (mark - self.entry_price) * self.quantity

    def liquidation_price(self, maintenance_rate: Decimal) -> Decimal | None:
        """Mark price at which margin minus loss falls to the maintenance margin.

        Long: ``entry - margin/size + mmr*entry``; short: the mirror image.
        """
        if not self.quantity:
            return None
        sign = 1 if self.quantity > 0 else -1
        price = self.entry_price - sign * (
            self.margin / self.size - maintenance_rate * self.entry_price
        )
        return max(money(price), ZERO)

    def reducible_by(self, signed_quantity: Decimal) -> Decimal:
        """How much of an order in the direction of ``signed_quantity`` would reduce."""
        if self.quantity * signed_quantity >= 0:
            return ZERO
        return self.size

    def view(
        self, *, mark: Decimal, leverage: Decimal, maintenance_rate: Decimal, timestamp_ms: int
    ) -> Position:
        """The position as a client sees it."""
        side = PositionSide.LONG if self.quantity >= 0 else PositionSide.SHORT
        open_ = bool(self.quantity)
        return Position(
            symbol=self.symbol,
            side=side,
            quantity=self.size,
            entry_price=self.entry_price if open_ else None,
            mark_price=mark,
            unrealized_pnl=self.unrealized_pnl(mark) if open_ else ZERO,
            realized_pnl=self.realized_pnl,
            leverage=leverage,
            liquidation_price=self.liquidation_price(maintenance_rate),
            margin_mode=MarginMode.ISOLATED,
            timestamp_ms=timestamp_ms,
        )


class FillEffect(NamedTuple):
    """What one fill does to a position, before it is applied."""

    closed: Decimal
    opened: Decimal
    realized_pnl: Decimal
    margin_released: Decimal
    margin_added: Decimal


def fill_effect(
    pos: PositionState, signed_quantity: Decimal, price: Decimal, leverage: Decimal
) -> FillEffect:
    """Netting: the part against the position closes it (realizing PnL and releasing margin
    pro rata), the rest opens in the new direction with ``notional / leverage`` margin."""
    size = abs(signed_quantity)
    closed = min(size, pos.reducible_by(signed_quantity))
    opened = size - closed
    pnl = ZERO
    released = ZERO
    if closed:
        sign = 1 if pos.quantity > 0 else -1
        pnl = money((price - pos.entry_price) * closed * sign)
        released = pos.margin if closed == pos.size else money(pos.margin * closed / pos.size)
    added = money(opened * price / leverage) if opened else ZERO
    return FillEffect(closed, opened, pnl, released, added)


def apply_effect(
    pos: PositionState, effect: FillEffect, signed_quantity: Decimal, price: Decimal
) -> None:
    """Apply a :func:`fill_effect` result to ``pos``."""
    was_flat = not pos.quantity
    if effect.closed:
        pos.realized_pnl += effect.realized_pnl
        pos.margin -= effect.margin_released
    new_quantity = pos.quantity + signed_quantity
    if effect.opened:
        held = pos.size if pos.quantity * signed_quantity > 0 else ZERO
        total = held + effect.opened
        pos.entry_price = money((pos.entry_price * held + price * effect.opened) / total)
        pos.margin += effect.margin_added
        if was_flat:
            pos.realized_pnl = ZERO
    pos.quantity = new_quantity
    if not pos.quantity:
        pos.entry_price = ZERO
        pos.margin = ZERO
