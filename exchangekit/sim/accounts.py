"""Accounts and the double-entry ledger behind their balances.

Every balance change is a lock, an unlock or a transfer between two ledger accounts, so the
sum of each asset over all ledger accounts changes only by deposits. Two internal accounts
close the books: :data:`HOUSE`, the counterparty of every fill (the synthetic market makers
and the clearing house that pays realized PnL and funding), and :data:`FEES`, which collects
trading fees.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from exchangekit.models import Balance, Fill
from exchangekit.sim.orders import SimOrder
from exchangekit.sim.positions import PositionState

__all__ = ["FEES", "HOUSE", "AccountState", "Holding", "Ledger"]

HOUSE = "~house"
"""The ledger account on the other side of every fill."""
FEES = "~fees"
"""The ledger account that collects fees."""

ZERO = Decimal(0)


@dataclass(slots=True)
class Holding:
    """One asset of one ledger account."""

    free: Decimal = ZERO
    locked: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


class Ledger:
    """Balances of every ledger account, changed only by balanced operations."""

    def __init__(self) -> None:
        self._holdings: dict[str, dict[str, Holding]] = defaultdict(dict)
        self._deposits: dict[str, Decimal] = defaultdict(Decimal)
        self._touched: dict[str, set[str]] = defaultdict(set)

    def holding(self, account: str, asset: str) -> Holding:
        """The account's holding of ``asset`` (created empty on first use)."""
        held = self._holdings[account].get(asset)
        if held is None:
            held = self._holdings[account][asset] = Holding()
        return held

    def free(self, account: str, asset: str) -> Decimal:
        return self.holding(account, asset).free

    def deposit(self, account: str, asset: str, amount: Decimal) -> None:
        """Money entering the simulation from outside (the only non-transfer change)."""
        self.holding(account, asset).free += amount
        self._deposits[asset] += amount
        self._touched[account].add(asset)

    def lock(self, account: str, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from free to locked (negative moves it back)."""
        if not amount:
            return
        held = self.holding(account, asset)
        held.free -= amount
        held.locked += amount
        self._touched[account].add(asset)

    def transfer(
        self, source: str, target: str, asset: str, amount: Decimal, *, from_locked: bool = False
    ) -> None:
        """Move ``amount`` of ``asset`` from ``source`` (free, or locked) to ``target``'s free."""
        if not amount:
            return
        held = self.holding(source, asset)
        if from_locked:
            held.locked -= amount
        else:
            held.free -= amount
        self.holding(target, asset).free += amount
        self._touched[source].add(asset)
        self._touched[target].add(asset)

    def balances(self, account: str) -> list[Balance]:
        """Every asset the account has ever held, sorted by asset."""
        return [self.balance(account, asset) for asset in sorted(self._holdings[account])]

    def balance(self, account: str, asset: str) -> Balance:
        held = self.holding(account, asset)
        return Balance(asset=asset, free=held.free, locked=held.locked, total=held.total)

    def total(self, asset: str) -> Decimal:
        """The sum of ``asset`` over every ledger account (equals deposits, always)."""
        return sum((h[asset].total for h in self._holdings.values() if asset in h), start=ZERO)

    def deposits(self) -> dict[str, Decimal]:
        """Everything deposited, by asset."""
        return dict(self._deposits)

    def assets(self) -> set[str]:
        return {asset for held in self._holdings.values() for asset in held}

    def take_touched(self) -> dict[str, set[str]]:
        """Assets changed since the last call, by account; resets the tracking."""
        touched = dict(self._touched)
        self._touched = defaultdict(set)
        return touched


@dataclass(slots=True)
class AccountState:
    """One trading account: fee rates, leverage settings, orders, positions and fills."""

    account_id: str
    maker_fee: Decimal
    taker_fee: Decimal
    default_leverage: Decimal
    leverage: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[str, PositionState] = field(default_factory=dict)
    orders: dict[str, SimOrder] = field(default_factory=dict)
    open_orders: dict[str, SimOrder] = field(default_factory=dict)
    by_client_id: dict[str, SimOrder] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)

    def leverage_for(self, symbol: str) -> Decimal:
        return self.leverage.get(symbol, self.default_leverage)

    def position(self, symbol: str) -> PositionState:
        pos = self.positions.get(symbol)
        if pos is None:
            pos = self.positions[symbol] = PositionState(symbol)
        return pos

    @property
    def lock_rate(self) -> Decimal:
        """The fee rate funds are reserved for (the larger rate, never below zero)."""
        return max(self.maker_fee, self.taker_fee, ZERO)
