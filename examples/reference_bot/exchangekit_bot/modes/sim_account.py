"""The backtest's account: cash, spot holdings, perpetual positions, fees, realized PnL.

Average-cost accounting: reducing a position realizes ``(price - entry) x quantity``
(signed); a closing trade counts as a win when that is positive after its fee.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit import Balance, Instrument, Position, PositionSide, Side, Ticker
from exchangekit_bot.risk.snapshot import ExchangeSnapshot

__all__ = ["SimAccount", "SimTrade"]

ZERO = Decimal(0)


class SimTrade(msgspec.Struct, frozen=True, kw_only=True):
    """One simulated execution."""

    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal
    realized_pnl: Decimal
    closing: bool
    ts_ms: int
    reason: str


class SimAccount:
    """Cash and positions in one quote asset."""

    def __init__(self, cash: Decimal, instruments: dict[str, Instrument], quote: str) -> None:
        self.cash = cash
        self.instruments = instruments
        self.quote = quote
        self.positions: dict[str, Decimal] = dict.fromkeys(instruments, ZERO)
        self.entries: dict[str, Decimal] = dict.fromkeys(instruments, ZERO)
        self.fees = ZERO
        self.trades: list[SimTrade] = []

    def execute(
        self,
        symbol: str,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        fee_rate: Decimal,
        *,
        ts_ms: int,
        reason: str,
    ) -> SimTrade:
        """Book a fill; spot pays the notional in cash, perpetuals only realize PnL."""
        position, entry = self.positions[symbol], self.entries[symbol]
        signed = side.sign * quantity
        fee = quantity * price * fee_rate
        realized, closing = ZERO, False
        if position != 0 and (position > 0) != (signed > 0):
            closed = min(abs(signed), abs(position))
            realized = (price - entry) * closed * (1 if position > 0 else -1)
            closing = True
        new_position = position + signed
        if new_position == 0:
            new_entry = ZERO
        elif position == 0 or (position > 0) != (new_position > 0):
            new_entry = price
        elif abs(new_position) > abs(position):
            new_entry = (entry * abs(position) + price * abs(signed)) / abs(new_position)
        else:
            new_entry = entry
        if self.instruments[symbol].kind.is_derivative:
            self.cash += realized - fee
        else:
            self.cash -= signed * price + fee
        self.positions[symbol], self.entries[symbol] = new_position, new_entry
        self.fees += fee
        trade = SimTrade(
            symbol=symbol,
            side=side,
            quantity=quantity,
            price=price,
            fee=fee,
            realized_pnl=realized - fee if closing else ZERO,
            closing=closing,
            ts_ms=ts_ms,
            reason=reason,
        )
        self.trades.append(trade)
        return trade

    def equity(self, prices: dict[str, Decimal]) -> Decimal:
        total = self.cash
        for symbol, qty in self.positions.items():
            if qty == 0:
                continue
            if self.instruments[symbol].kind.is_derivative:
                total += (prices[symbol] - self.entries[symbol]) * qty
            else:
                total += qty * prices[symbol]
        return total

    def snapshot(self, tickers: dict[str, Ticker], now_ms: int) -> ExchangeSnapshot:
        """The account as the risk layer sees exchange state."""
        balances = [Balance(asset=self.quote, free=self.cash)]
        positions = []
        for symbol, qty in self.positions.items():
            instrument = self.instruments[symbol]
            if not instrument.kind.is_derivative:
                balances.append(Balance(asset=instrument.base, free=qty))
            elif qty != 0:
                t = tickers[symbol]
                mark = t.last or ZERO
                positions.append(
                    Position(
                        symbol=symbol,
                        side=PositionSide.LONG if qty > 0 else PositionSide.SHORT,
                        quantity=abs(qty),
                        entry_price=self.entries[symbol],
                        mark_price=mark,
                        unrealized_pnl=(mark - self.entries[symbol]) * qty,
                    )
                )
        return ExchangeSnapshot(
            exchange="backtest",
            fetched_ms=now_ms,
            quote_asset=self.quote,
            instruments=self.instruments,
            balances=tuple(balances),
            positions=tuple(positions),
            tickers=tickers,
        )
