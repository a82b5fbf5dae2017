"""Exchange state as fetched in one pass: the only input the risk layer trusts.

Positions come from the exchange, not from the bot's fills: for a derivative the
exchange's position, for a spot symbol the base asset the account holds less its
``baseline``, the holdings that were there before the bot traded (a spot account usually
holds coins the bot did not buy, and must not sell). Equity leaves those holdings out too,
so the bot's loss and drawdown limits measure the bot, not the price of someone's coins.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit import Balance, Instrument, Order, Position, Side, Ticker

__all__ = ["ExchangeSnapshot"]

ZERO = Decimal(0)


class ExchangeSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """Balances, positions, open orders and prices of one exchange account at one time."""

    exchange: str
    fetched_ms: int
    quote_asset: str
    instruments: dict[str, Instrument]
    balances: tuple[Balance, ...] = ()
    positions: tuple[Position, ...] = ()
    open_orders: tuple[Order, ...] = ()
    tickers: dict[str, Ticker] = {}
    baselines: dict[str, Decimal] = {}
    """Spot symbol -> base-asset holdings the bot did not build (reconciliation baseline)."""

    def balance(self, asset: str) -> Balance | None:
        for b in self.balances:
            if b.asset == asset:
                return b
        return None

    def free(self, asset: str) -> Decimal:
        b = self.balance(asset)
        return ZERO if b is None else b.free

    def holding(self, symbol: str) -> Decimal:
        """What the exchange reports: the signed derivatives position, or the whole spot
        base-asset balance (baseline included)."""
        instrument = self.instruments.get(symbol)
        if instrument is not None and not instrument.kind.is_derivative:
            b = self.balance(instrument.base)
            return ZERO if b is None else (b.total or ZERO)
        return sum((p.signed_quantity for p in self.positions if p.symbol == symbol), ZERO)

    def position(self, symbol: str) -> Decimal:
        """The bot's signed position: :meth:`holding` less the spot baseline."""
        return self.holding(symbol) - self.baselines.get(symbol, ZERO)

    def entry_price(self, symbol: str) -> Decimal | None:
        for p in self.positions:
            if p.symbol == symbol and p.quantity != 0:
                return p.entry_price
        return None

    def mid(self, symbol: str) -> Decimal | None:
        t = self.tickers.get(symbol)
        if t is None:
            return None
        if t.bid is not None and t.ask is not None:
            return (t.bid + t.ask) / 2
        return t.last

    def working_quantity(self, symbol: str, side: Side) -> Decimal:
        """Unfilled quantity of open orders on ``symbol`` and ``side`` (worst case: all fill)."""
        return sum(
            (
                o.remaining_quantity or ZERO
                for o in self.open_orders
                if o.symbol == symbol
                and o.side is side
                and not o.reduce_only
                and not o.type.is_conditional
            ),
            ZERO,
        )

    def asset_value(self, asset: str, amount: Decimal) -> Decimal | None:
        """Value of ``amount`` of ``asset`` in the quote asset, via a traded spot symbol."""
        if asset == self.quote_asset:
            return amount
        for symbol, instrument in self.instruments.items():
            if instrument.kind.is_derivative:
                continue
            if instrument.base == asset and instrument.quote == self.quote_asset:
                mid = self.mid(symbol)
                return None if mid is None else amount * mid
        return None

    def equity(self) -> Decimal | None:
        """Account value in the quote asset: balances plus open positions' unrealized PnL,
        less the spot baselines (holdings the bot did not build).

        None when an asset the bot trades cannot be valued (no price), so callers fail
        closed; other assets without a price here (held outside the bot) are left out.
        """
        traded = {i.base for i in self.instruments.values() if not i.kind.is_derivative}
        traded.add(self.quote_asset)
        total = ZERO
        for b in self.balances:
            amount = b.total or ZERO
            if amount == 0:
                continue
            value = self.asset_value(b.asset, amount)
            if value is None:
                if b.asset in traded:
                    return None
                continue
            total += value
        for p in self.positions:
            if p.unrealized_pnl is not None:
                total += p.unrealized_pnl
        for symbol, quantity in self.baselines.items():
            instrument = self.instruments.get(symbol)
            if instrument is None or instrument.kind.is_derivative or not quantity:
                continue
            value = self.asset_value(instrument.base, quantity)
            if value is None:
                return None
            total -= value
        return total

    def exposure(self) -> Decimal:
        """Sum of absolute position values over every symbol with a price."""
        total = ZERO
        for symbol in self.instruments:
            qty = self.position(symbol)
            mid = self.mid(symbol)
            if qty != 0 and mid is not None:
                total += abs(qty) * mid
        return total
