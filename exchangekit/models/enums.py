"""Enumerations shared by every model.

All are ``str`` enums with UPPER member names and lowercase values, so ``Side("buy")`` and
``OrderStatus("partially_filled")`` work and values serialize as plain strings.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "MarginMode",
    "MarketKind",
    "OrderStatus",
    "OrderType",
    "PositionSide",
    "Side",
    "TimeInForce",
]


class Side(StrEnum):
    """Order or trade side. For a public trade it is the taker's side."""

    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY

    @property
    def sign(self) -> int:
        """``+1`` for buy, ``-1`` for sell."""
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    """Order types. Stop and take-profit orders trigger at ``stop_price``."""

    MARKET = "market"
    LIMIT = "limit"
    STOP_MARKET = "stop_market"
    STOP_LIMIT = "stop_limit"
    TAKE_PROFIT_MARKET = "take_profit_market"
    TAKE_PROFIT_LIMIT = "take_profit_limit"

    @property
    def has_limit_price(self) -> bool:
        """True when the order rests or executes at a limit price."""
        return self in _LIMIT_PRICED

    @property
    def is_conditional(self) -> bool:
        """True when the order needs a trigger (``stop_price``)."""
        return self in _CONDITIONAL


_LIMIT_PRICED = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.TAKE_PROFIT_LIMIT})
_CONDITIONAL = frozenset(
    {
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.TAKE_PROFIT_MARKET,
        OrderType.TAKE_PROFIT_LIMIT,
    }
)


class TimeInForce(StrEnum):
    """How long a limit order stays working."""

    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"
    GTD = "gtd"


class OrderStatus(StrEnum):
    """Unified order status.

    ``pending`` is local (built, not yet acknowledged); ``unknown`` means the outcome of a
    submission is not known and must be reconciled by client order id.
    """

    PENDING = "pending"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        """True when the order can no longer change on the exchange."""
        return self in _TERMINAL

    @property
    def is_working(self) -> bool:
        """True when the order rests on the exchange and may still fill."""
        return self in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


_TERMINAL = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class PositionSide(StrEnum):
    """Side of a position. ``both`` is the one-way (net) mode slot of hedge-capable venues."""

    LONG = "long"
    SHORT = "short"
    BOTH = "both"


class MarketKind(StrEnum):
    """What kind of market an instrument trades in."""

    SPOT = "spot"
    PERPETUAL = "perpetual"
    FUTURE = "future"
    OPTION = "option"

    @property
    def is_derivative(self) -> bool:
        return self is not MarketKind.SPOT


class MarginMode(StrEnum):
    CROSS = "cross"
    ISOLATED = "isolated"
