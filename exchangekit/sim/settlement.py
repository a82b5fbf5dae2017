"""Money movements of fills, order reservations, funding and liquidation.

Every fill settles against :data:`~exchangekit.sim.accounts.HOUSE`, whoever the maker was:
for a trade between two users the house receives and pays the same amounts, so it nets out.
Spot fees are charged in the quote asset, derivative fees in the settlement asset.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from exchangekit.models import Instrument, MarketKind, Side
from exchangekit.sim.accounts import FEES, HOUSE, AccountState, Ledger
from exchangekit.sim.money import money
from exchangekit.sim.orders import SimOrder
from exchangekit.sim.positions import FillEffect, PositionState, apply_effect, fill_effect

__all__ = ["Settled", "Settlement", "lock_asset", "settle_asset"]

ZERO = Decimal(0)
ONE = Decimal(1)


def settle_asset(instrument: Instrument) -> str:
    """The asset margin, PnL and fees of a derivative are paid in."""
    return instrument.settle or instrument.quote


def lock_asset(instrument: Instrument, side: Side) -> str:
    """What an order reserves: quote for a spot buy, base for a spot sell, else margin."""
    if instrument.kind is MarketKind.SPOT:
        return instrument.quote if side is Side.BUY else instrument.base
    return settle_asset(instrument)


class Settled(NamedTuple):
    """What a settled fill cost and did."""

    fee: Decimal
    fee_asset: str
    realized_pnl: Decimal | None
    position_before: Decimal | None
    position_after: Decimal | None


class _Movement(NamedTuple):
    notional: Decimal
    fee: Decimal
    fee_asset: str
    unlock: Decimal
    free_delta: dict[str, Decimal]
    effect: FillEffect | None


class Settlement:
    """Applies fills and reservations to the ledger and to positions."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    # -- reservations ---------------------------------------------------------------------

    @staticmethod
    def lock_needed(order: SimOrder, instrument: Instrument, remaining: Decimal) -> Decimal:
        """What an order with ``remaining`` left must hold while it rests or waits."""
        price = order.reference_price
        if remaining <= 0 or price is None:
            return ZERO
        if instrument.kind is MarketKind.SPOT:
            if order.side is Side.BUY:
                return money(remaining * price * (ONE + order.lock_rate))
            return remaining
        if order.reduce_only:
            return ZERO
        return money(remaining * price * (ONE / order.leverage + order.lock_rate))

    def can_hold(self, order: SimOrder, instrument: Instrument) -> bool:
        """True when the account can fund the reservation for the order's remaining."""
        needed = self.lock_needed(order, instrument, order.remaining) - order.locked
        return needed <= 0 or self.ledger.free(order.account, order.lock_asset) >= needed

    def hold(self, order: SimOrder, instrument: Instrument) -> None:
        """Set the order's reservation to what its remaining quantity needs (zero if done)."""
        target = self.lock_needed(order, instrument, order.remaining)
        self.ledger.lock(order.account, order.lock_asset, target - order.locked)
        order.locked = target

    def release(self, order: SimOrder) -> None:
        """Give back everything the order holds."""
        self.ledger.lock(order.account, order.lock_asset, -order.locked)
        order.locked = ZERO

    # -- fills ----------------------------------------------------------------------------

    def affordable(
        self,
        account: AccountState,
        order: SimOrder,
        instrument: Instrument,
        fills: Iterable[tuple[Decimal, Decimal]],
        *,
        rest: Decimal = ZERO,
    ) -> bool:
        """Would the taker ``fills`` (price, quantity), then resting ``rest``, leave every
        free balance they draw on at or above zero? Nothing is changed."""
        deltas: dict[str, Decimal] = {}
        pos = dataclasses.replace(account.position(order.symbol))
        for price, quantity in fills:
            move = self._movement(account, pos, order, instrument, price, quantity, False)
            for asset, delta in move.free_delta.items():
                deltas[asset] = deltas.get(asset, ZERO) + delta
            if move.effect is not None:
                apply_effect(pos, move.effect, order.side.sign * quantity, price)
        if rest > 0:
            asset = order.lock_asset
            deltas[asset] = deltas.get(asset, ZERO) - self.lock_needed(order, instrument, rest)
        return self._fits(order.account, deltas)

    def can_fill(
        self,
        account: AccountState,
        order: SimOrder,
        instrument: Instrument,
        price: Decimal,
        quantity: Decimal,
        *,
        is_maker: bool,
    ) -> bool:
        """True when :meth:`settle` would succeed for this fill."""
        pos = account.position(order.symbol)
        move = self._movement(account, pos, order, instrument, price, quantity, is_maker)
        return self._fits(order.account, move.free_delta)

    def _fits(self, account: str, deltas: dict[str, Decimal]) -> bool:
        """True when no free balance the deltas draw on would end below zero."""
        return all(
            delta >= 0 or self.ledger.free(account, asset) + delta >= 0
            for asset, delta in deltas.items()
        )

    def settle(
        self,
        account: AccountState,
        order: SimOrder,
        instrument: Instrument,
        price: Decimal,
        quantity: Decimal,
        *,
        is_maker: bool,
    ) -> Settled | None:
        """Apply one fill of ``order``; ``None`` (and no change) if the account cannot pay."""
        pos = account.position(order.symbol)
        move = self._movement(account, pos, order, instrument, price, quantity, is_maker)
        ledger, acct = self.ledger, order.account
        if not self._fits(acct, move.free_delta):
            return None
        ledger.lock(acct, order.lock_asset, -move.unlock)
        order.locked -= move.unlock
        before: Decimal | None = None
        after: Decimal | None = None
        pnl: Decimal | None = None
        if move.effect is None:
            base, quote = instrument.base, instrument.quote
            if order.side is Side.BUY:
                ledger.transfer(acct, HOUSE, quote, move.notional)
                ledger.transfer(HOUSE, acct, base, quantity)
            else:
                ledger.transfer(acct, HOUSE, base, quantity)
                ledger.transfer(HOUSE, acct, quote, move.notional)
        else:
            asset, effect = settle_asset(instrument), move.effect
            before = pos.quantity
            ledger.lock(acct, asset, -effect.margin_released)
            ledger.transfer(HOUSE, acct, asset, effect.realized_pnl)
            ledger.lock(acct, asset, effect.margin_added)
            apply_effect(pos, effect, order.side.sign * quantity, price)
            after, pnl = pos.quantity, effect.realized_pnl
        ledger.transfer(acct, FEES, move.fee_asset, move.fee)
        order.filled += quantity
        order.filled_quote += move.notional
        return Settled(move.fee, move.fee_asset, pnl, before, after)

    def _movement(
        self,
        account: AccountState,
        pos: PositionState,
        order: SimOrder,
        instrument: Instrument,
        price: Decimal,
        quantity: Decimal,
        is_maker: bool,
    ) -> _Movement:
        notional = price * quantity
        fee = money(notional * (account.maker_fee if is_maker else account.taker_fee))
        # A resting order gives back the reservation of what just filled.
        unlock = ZERO
        if is_maker:
            left = order.quantity - order.filled - quantity
            unlock = order.locked - self.lock_needed(order, instrument, left)
        delta: dict[str, Decimal] = {order.lock_asset: unlock}
        if instrument.kind is MarketKind.SPOT:
            base, quote = instrument.base, instrument.quote
            sign = 1 if order.side is Side.BUY else -1
            delta[base] = delta.get(base, ZERO) + sign * quantity
            delta[quote] = delta.get(quote, ZERO) - sign * notional - fee
            return _Movement(notional, fee, quote, unlock, delta, None)
        asset = settle_asset(instrument)
        effect = fill_effect(
            pos, order.side.sign * quantity, price, account.leverage_for(order.symbol)
        )
        delta[asset] = (
            delta.get(asset, ZERO)
            + effect.margin_released
            + effect.realized_pnl
            - effect.margin_added
            - fee
        )
        return _Movement(notional, fee, asset, unlock, delta, effect)

    # -- derivatives housekeeping ---------------------------------------------------------

    def fund(
        self, account: str, instrument: Instrument, pos: PositionState, mark: Decimal, rate: Decimal
    ) -> Decimal:
        """Pay funding on ``pos`` out of (or into) its isolated margin: longs pay shorts when
        ``rate`` is positive, the house being every position's counterparty. A payment never
        exceeds the margin. Returns the amount credited to the account."""
        payment = min(money(pos.quantity * mark * rate), pos.margin)
        self.ledger.transfer(account, HOUSE, settle_asset(instrument), payment, from_locked=True)
        pos.margin -= payment
        return -payment

    def liquidate(
        self, account: str, instrument: Instrument, pos: PositionState, price: Decimal
    ) -> tuple[Decimal, Decimal]:
        """Close ``pos`` at ``price``: the account loses its margin (realized loss plus a
        liquidation fee of what margin is left). Returns ``(realized_pnl, fee)``."""
        asset = settle_asset(instrument)
        sign = 1 if pos.quantity > 0 else -1
        pnl = money((price - pos.entry_price) * pos.size * sign)
        fee = max(pos.margin + pnl, ZERO)
        self.ledger.lock(account, asset, -pos.margin)
        self.ledger.transfer(HOUSE, account, asset, pnl)
        self.ledger.transfer(account, FEES, asset, fee)
        pos.realized_pnl += pnl
        pos.quantity = pos.entry_price = pos.margin = ZERO
        return pnl, fee
