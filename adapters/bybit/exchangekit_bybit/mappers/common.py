"""Shared pieces of the Bybit mappers: value parsers that raise :class:`MappingError`
with the field path, the :class:`SymbolMap`, and the enumeration tables."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from exchangekit.errors import MappingError
from exchangekit.models import (
    MarginMode,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit.symbolmap import SymbolMap as CoreSymbolMap
from exchangekit_bybit import schemas as s

__all__ = ["INTERVALS", "INTERVAL_MS", "SymbolMap"]


EXCHANGE = "bybit"
ZERO = Decimal(0)
Category = Literal["spot", "linear"]

INTERVALS: dict[str, str] = {
    "1m": "1",
    "3m": "3",
    "5m": "5",
    "15m": "15",
    "30m": "30",
    "1h": "60",
    "2h": "120",
    "4h": "240",
    "6h": "360",
    "12h": "720",
    "1d": "D",
    "1w": "W",
    "1M": "M",
}
"""Unified interval -> Bybit kline interval (BYD market/kline.mdx)."""
INTERVAL_MS = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "1w": 604_800_000,
}
"""Length of every fixed-length interval (``1M`` has none)."""
_INTERVAL_MS = INTERVAL_MS


def _fail(message: str, path: str, raw: Any) -> MappingError:
    return MappingError(message, path=path, raw=raw, exchange=EXCHANGE)


def _dec(value: str, path: str, raw: Any) -> Decimal:
    """A required decimal from a Bybit string."""
    try:
        result = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise _fail(f"expected a decimal string, got {value!r}", path, raw) from None
    if not result.is_finite():
        raise _fail(f"expected a finite decimal, got {value!r}", path, raw)
    return result


def _opt(value: str, path: str, raw: Any) -> Decimal | None:
    """An optional decimal: ``""`` is ``None``; other values must parse."""
    return _dec(value, path, raw) if value != "" else None


def _price(value: str, path: str, raw: Any) -> Decimal | None:
    """A price where ``""`` and zero both mean "not set"."""
    result = _opt(value, path, raw)
    return result if result else None


def _ms(value: str | int, path: str, raw: Any) -> int:
    """A timestamp written as a string of digits (``"1684738540559"``) or an integer."""
    if isinstance(value, int):
        if isinstance(value, bool) or value < 0:
            raise _fail(f"expected epoch milliseconds, got {value!r}", path, raw)
        return value
    if not (value.isascii() and value.isdigit()):
        raise _fail(f"expected epoch milliseconds, got {value!r}", path, raw)
    return int(value)


def _opt_ms(value: str | int, path: str, raw: Any) -> int | None:
    return _ms(value, path, raw) if value not in ("", "0", 0) else None


def _limit(value: str, path: str, raw: Any) -> Decimal | None:
    """An instrument limit: ``""`` and zero both mean "none given"."""
    return _opt(value, path, raw) or None


# -- symbols -------------------------------------------------------------------------------


class SymbolMap(CoreSymbolMap):
    """Unified symbol <-> Bybit id for one market (spot and linear each have their own).

    Built from the market's instruments and passed to every mapper that meets a symbol.
    It also knows each symbol's settle coin: linear executions leave ``feeCurrency``
    empty, and the fee is paid in the settle coin.
    """

    __slots__ = ()
    exchange_name = "Bybit"


# -- enumerations --------------------------------------------------------------------------

_STATUS: dict[str, OrderStatus] = {
    "Created": OrderStatus.OPEN,  # accepted, not yet in the engine: acknowledged, so open
    "New": OrderStatus.OPEN,
    "PartiallyFilled": OrderStatus.PARTIALLY_FILLED,
    "Untriggered": OrderStatus.OPEN,  # conditional order waiting for its trigger
    "Triggered": OrderStatus.OPEN,  # transient: Untriggered -> Triggered -> New
    "Active": OrderStatus.OPEN,
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELLED,  # derivatives: may carry an executed quantity
    "PartiallyFilledCanceled": OrderStatus.CANCELLED,  # spot: partly filled, rest cancelled
    "Rejected": OrderStatus.REJECTED,
    "Deactivated": OrderStatus.CANCELLED,  # conditional / TP-SL / OCO cancelled before trigger
}
# Enum members bound once: reading ``Enum.MEMBER`` costs an attribute lookup on the class.
_LIMIT = OrderType.LIMIT
_MARKET = OrderType.MARKET
_BOTH = PositionSide.BOTH
_ISOLATED = MarginMode.ISOLATED
_CROSS = MarginMode.CROSS
_TERMINAL_WIRE = frozenset(wire for wire, status in _STATUS.items() if status.is_terminal)
_SIDE = {"Buy": Side.BUY, "Sell": Side.SELL}
_SIDE_OUT = {Side.BUY: "Buy", Side.SELL: "Sell"}
_TIF: dict[str, tuple[TimeInForce, bool]] = {
    "GTC": (TimeInForce.GTC, False),
    "IOC": (TimeInForce.IOC, False),
    "FOK": (TimeInForce.FOK, False),
    "PostOnly": (TimeInForce.GTC, True),
    "RPI": (TimeInForce.GTC, True),  # retail-price-improvement orders are maker-only
}
_TAKE_PROFIT_STOP_TYPES = frozenset({"TakeProfit", "PartialTakeProfit"})
_STOP_STOP_TYPES = frozenset({"StopLoss", "PartialStopLoss", "TrailingStop"})


def _is_take_profit(raw: s.Order, trigger: Decimal, path: str) -> bool:
    if raw.stopOrderType in _TAKE_PROFIT_STOP_TYPES:
        return True
    if raw.stopOrderType in _STOP_STOP_TYPES:
        return False
    # triggerDirection 1 = triggers when the price rises, 2 = when it falls (BYD enum.mdx).
    # Spot conditional orders carry none (0): the direction is then where the trigger sits
    # against lastPriceOnCreated ("last price when the order was placed").
    direction = raw.triggerDirection
    if direction not in (1, 2):
        last = _price(raw.lastPriceOnCreated, f"{path}.lastPriceOnCreated", raw)
        if last is None or last == trigger:
            return False  # no way to tell: a stop is the cautious reading
        direction = 1 if trigger > last else 2
    # A buy that triggers on a fall (or a sell on a rise) takes profit; the rest are stops.
    return (raw.side == "Buy") == (direction == 2)


def _order_type(raw: s.Order, trigger: Decimal | None, path: str) -> OrderType:
    limit = raw.orderType == "Limit"
    if trigger is None:
        return OrderType.LIMIT if limit else OrderType.MARKET
    if _is_take_profit(raw, trigger, path):
        return OrderType.TAKE_PROFIT_LIMIT if limit else OrderType.TAKE_PROFIT_MARKET
    return OrderType.STOP_LIMIT if limit else OrderType.STOP_MARKET
