"""What a strategy sees and what it says: market state, position state, intents.

These are plain frozen values. A strategy receives a :class:`MarketState` and a
:class:`PositionState` and returns :class:`Intent` values; it performs no I/O.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import msgspec

from exchangekit import Candle, Instrument, Order, OrderBook, Ticker

__all__ = ["Intent", "IntentKind", "MarketState", "Purpose", "PositionState", "interval_ms"]

ZERO = Decimal(0)

_INTERVAL_UNITS_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def interval_ms(interval: str) -> int:
    """Length of a candle interval (``1m``, ``15m``, ``1h``, ``1d``) in milliseconds."""
    try:
        count, unit = int(interval[:-1]), interval[-1]
        return count * _INTERVAL_UNITS_MS[unit]
    except (ValueError, KeyError):
        raise ValueError(f"unsupported candle interval {interval!r}") from None


class IntentKind(StrEnum):
    """What a strategy asks for."""

    BUY = "buy"
    SELL = "sell"
    CANCEL = "cancel"
    HOLD = "hold"


class Purpose(StrEnum):
    """Why an order exists; the executor treats each differently."""

    ENTRY = "entry"
    """Increases the position; may get a protective stop."""
    EXIT = "exit"
    """Reduces the position (sent reduce-only on derivatives)."""
    QUOTE = "quote"
    """A resting two-sided quote."""
    STOP = "stop"
    """Exchange-side protective stop (reduce-only stop_market)."""
    FLATTEN = "flatten"
    """Risk-driven close of the whole position."""


class Intent(msgspec.Struct, frozen=True, kw_only=True):
    """One thing a strategy wants done, with why, and the market data time it used.

    ``sequence`` numbers the decision inside its ``(strategy, symbol, interval)`` stream
    (a trend follower uses the bar index of the candle it decided on), so the same decision
    made again after a restart yields the same client order id.
    """

    kind: IntentKind
    strategy: str
    symbol: str
    interval: str
    reason: str
    market_ts_ms: int
    sequence: int = 0
    quantity: Decimal = ZERO
    price: Decimal | None = None
    """Limit price; ``None`` for a market order."""
    purpose: Purpose = Purpose.ENTRY
    post_only: bool = False
    client_order_id: str | None = None
    """For ``cancel``: which order."""

    @property
    def sends_order(self) -> bool:
        return self.kind in (IntentKind.BUY, IntentKind.SELL)


class MarketState(msgspec.Struct, frozen=True, kw_only=True):
    """The market data a decision may use, all fetched before the decision."""

    symbol: str
    interval: str
    now_ms: int
    instrument: Instrument
    candles: tuple[Candle, ...] = ()
    """Closed candles, oldest first."""
    ticker: Ticker | None = None
    book: OrderBook | None = None

    @property
    def last_close(self) -> Decimal | None:
        return self.candles[-1].close if self.candles else None

    @property
    def mid(self) -> Decimal | None:
        """Mid of the ticker's bid and ask, else its last price, else the last close."""
        t = self.ticker
        if t is not None and t.bid is not None and t.ask is not None:
            return (t.bid + t.ask) / 2
        if t is not None and t.last is not None:
            return t.last
        return self.last_close


class PositionState(msgspec.Struct, frozen=True, kw_only=True):
    """The strategy's position as the exchange reports it (not as the bot believes it)."""

    symbol: str
    quantity: Decimal = ZERO
    """Signed: positive long, negative short. Spot: the base asset held."""
    entry_price: Decimal | None = None
    open_orders: tuple[Order, ...] = ()
    """This strategy's working orders on the exchange."""
    equity: Decimal = ZERO
    leverage: Decimal = Decimal(1)
