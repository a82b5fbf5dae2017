"""What every Binance mapper shares: the exchange name, symbol maps, failures with a path, and
the wire-to-unified enumerations (status, side, order type and time in force)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import msgspec

from exchangekit.errors import MappingError
from exchangekit.models import (
    Order,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit.symbolmap import SymbolMap as CoreSymbolMap

__all__ = ["SPOT_INTERVALS", "SymbolMap", "USDM_INTERVALS"]

EXCHANGE = "binance"
ZERO = Decimal(0)
Market = Literal["spot", "usdm"]

SPOT_INTERVALS = (
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h",
    "1d", "3d", "1w", "1M",
)  # fmt: skip
"""Binance kline intervals; the unified names are the same strings (BSD enums.md)."""
USDM_INTERVALS = SPOT_INTERVALS[1:]
"""Futures have every spot interval except ``1s``."""


def _fail(message: str, path: str, raw: Any) -> MappingError:
    return MappingError(message, path=path, raw=raw, exchange=EXCHANGE)


def _unmappable(exc: Exception, raw: Any) -> MappingError:
    """A value that decoded but cannot be computed with (``"NaN"``, ``"sNaN"``,
    ``"Infinity"`` pass as decimals; a model refuses a value): never a bare error.

    The mapper's own checks name the field; this last net can only name the payload.
    """
    if isinstance(exc, MappingError):  # pragma: no cover - MappingError is not caught
        return exc
    return _fail(f"payload cannot be mapped: {exc!r}", "$", raw)


# -- symbols -------------------------------------------------------------------------------


class SymbolMap(CoreSymbolMap):
    """Unified symbol <-> Binance id for one market (spot and futures each have their own).

    Built from the market's instruments and passed to every mapper that meets a symbol.
    """

    __slots__ = ()
    exchange_name = "Binance"


# -- enumerations --------------------------------------------------------------------------

_STATUS: dict[str, OrderStatus] = {
    "NEW": OrderStatus.OPEN,
    # Accepted but waiting as an order-list leg: acknowledged, so open (see module doc).
    "PENDING_NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELLED,
    "PENDING_CANCEL": OrderStatus.OPEN,  # documented as unused; still working until cancelled
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,  # expired by self-trade prevention
    # Liquidation orders of older futures docs: placed by the exchange and working.
    "NEW_INSURANCE": OrderStatus.OPEN,
    "NEW_ADL": OrderStatus.OPEN,
}
_TERMINAL_WIRE = frozenset(wire for wire, status in _STATUS.items() if status.is_terminal)
_ALGO_STATUS: dict[str, OrderStatus] = {
    "NEW": OrderStatus.OPEN,
    "TRIGGERING": OrderStatus.OPEN,
    # Triggered: now a regular order in the matching engine; follow it by its order id.
    "TRIGGERED": OrderStatus.OPEN,
    # Filled *or* cancelled in the matching engine: the algo record does not say which.
    "FINISHED": OrderStatus.UNKNOWN,
    "CANCELED": OrderStatus.CANCELLED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
}
_SIDE = {"BUY": Side.BUY, "SELL": Side.SELL}
_SIDE_OUT = {Side.BUY: "BUY", Side.SELL: "SELL"}
_POSITION_SIDE = {"BOTH": PositionSide.BOTH, "LONG": PositionSide.LONG, "SHORT": PositionSide.SHORT}
_POSITION_SIDE_OUT = {v: k for k, v in _POSITION_SIDE.items()}

# Binance type -> (unified type, post_only)
_SPOT_TYPE = {
    "LIMIT": (OrderType.LIMIT, False),
    "LIMIT_MAKER": (OrderType.LIMIT, True),
    "MARKET": (OrderType.MARKET, False),
    "STOP_LOSS": (OrderType.STOP_MARKET, False),
    "STOP_LOSS_LIMIT": (OrderType.STOP_LIMIT, False),
    "TAKE_PROFIT": (OrderType.TAKE_PROFIT_MARKET, False),
    "TAKE_PROFIT_LIMIT": (OrderType.TAKE_PROFIT_LIMIT, False),
}
_USDM_TYPE = {
    "LIMIT": (OrderType.LIMIT, False),
    "MARKET": (OrderType.MARKET, False),
    "STOP": (OrderType.STOP_LIMIT, False),
    "STOP_MARKET": (OrderType.STOP_MARKET, False),
    "TAKE_PROFIT": (OrderType.TAKE_PROFIT_LIMIT, False),
    "TAKE_PROFIT_MARKET": (OrderType.TAKE_PROFIT_MARKET, False),
    # Forced liquidation orders (client id "autoclose-..."): market orders by the exchange.
    "LIQUIDATION": (OrderType.MARKET, False),
    # A stop-market whose trigger follows the price. There is no unified trailing type; it
    # maps as a stop-market with no fixed stop price (Binance: "ignore stopPrice" for it),
    # so one trailing stop in an account cannot break open-order lists or cancel-all.
    "TRAILING_STOP_MARKET": (OrderType.STOP_MARKET, False),
}
TRAILING = "TRAILING_STOP_MARKET"
# Binance time in force -> (unified, post_only)
_TIF = {
    "GTC": (TimeInForce.GTC, False),
    "IOC": (TimeInForce.IOC, False),
    "FOK": (TimeInForce.FOK, False),
    "GTD": (TimeInForce.GTD, False),
    "GTX": (TimeInForce.GTC, True),  # "good till crossing" = post-only
    "RPI": (TimeInForce.GTC, True),  # retail-price-improvement orders are maker-only
    # Good till the position is gone (TP/SL of a position): works like GTC until then.
    "GTE_GTC": (TimeInForce.GTC, False),
}

_OrderShape = tuple[OrderType, TimeInForce | None, bool]


def _shapes(types: dict[str, tuple[OrderType, bool]]) -> dict[tuple[str, str], _OrderShape]:
    """(type, timeInForce) -> (unified type, tif, post_only), precomputed for speed."""
    table: dict[tuple[str, str], _OrderShape] = {}
    for wire_type, (otype, type_post) in types.items():
        for wire_tif, (tif, tif_post) in _TIF.items():
            shown = tif if otype.has_limit_price else None
            table[wire_type, wire_tif] = (otype, shown, type_post or tif_post)
    return table


_SPOT_SHAPE = {
    wire_type: {tif: shape for (t, tif), shape in _shapes(_SPOT_TYPE).items() if t == wire_type}
    for wire_type in _SPOT_TYPE
}
"""type -> timeInForce -> shape; every documented spot pair is present (Literal-checked)."""
_USDM_SHAPE = _shapes(_USDM_TYPE)


def _shape(
    table: dict[tuple[str, str], _OrderShape], wire_type: str, tif: str, path: str, raw: Any
) -> _OrderShape:
    shape = table.get((wire_type, tif))
    if shape is None:
        raise _fail(f"order type {wire_type} has no unified equivalent", path, raw)
    return shape


def _set_unusual(order: Order, **fields: object) -> None:
    """Set fields that are usually at their default on an Order no one has seen yet.

    msgspec's struct ``__init__`` leaves its fast path above 15 keyword arguments
    (measured: 0.2 µs -> 0.7 µs per Order), so the hot order mappers pass at most 15 and
    add the rarely-set ones here.
    """
    for name, value in fields.items():
        msgspec.structs.force_setattr(order, name, value)


def _opt(value: Decimal | None) -> Decimal | None:
    """Binance writes "0" for an unset price; that is ``None`` here."""
    return value if value else None


def _loose(value: str | int | None, path: str, raw: Any) -> Decimal | None:
    """A :data:`~exchangekit_binance.schemas.common.LooseDecimal`: ``""``/``null`` -> ``None``.

    Anything else must be a finite number, or the payload is malformed at ``path``.
    """
    if value is None or value == "":
        return None
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise _fail(f"not a number: {value!r}", path, raw) from None
    if not number.is_finite():
        raise _fail(f"not a finite number: {value!r}", path, raw)
    return number
