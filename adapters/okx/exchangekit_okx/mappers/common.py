"""Shared pieces of the OKX mappers: value parsers that raise :class:`MappingError`
with the field path, the :class:`SymbolMap` and contract -> base conversion."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Self

from exchangekit.errors import MappingError
from exchangekit.models import (
    Instrument,
    MarketKind,
    OrderType,
)
from exchangekit.symbolmap import SymbolMap as CoreSymbolMap

__all__ = ["INTERVALS", "SymbolMap"]


EXCHANGE = "okx"
ZERO = Decimal(0)
TdMode = Literal["cash", "cross", "isolated"]

INTERVALS: dict[str, str] = {
    "1m": "1m",
    "3m": "3m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1H",
    "2h": "2H",
    "4h": "4H",
    # 6H and longer are aligned to UTC+8 unless the "utc" variant is asked for (fact sheet
    # §3.6): unified candles open on UTC boundaries.
    "6h": "6Hutc",
    "12h": "12Hutc",
    "1d": "1Dutc",
    "1w": "1Wutc",
    "1M": "1Mutc",
}
"""Unified interval -> OKX ``bar``."""


def _fail(message: str, path: str, raw: Any) -> MappingError:
    return MappingError(message, path=path, raw=raw, exchange=EXCHANGE)


def _dec(text: str, path: str, raw: Any) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise _fail(f"expected a decimal string, got {text!r}", path, raw) from None
    if not value.is_finite():
        raise _fail(f"expected a finite decimal, got {text!r}", path, raw)
    return value


def _opt_dec(text: str, path: str, raw: Any) -> Decimal | None:
    """``""`` (OKX's "not set") is ``None``; anything else must be a decimal."""
    return None if text == "" else _dec(text, path, raw)


def _opt_price(text: str, path: str, raw: Any) -> Decimal | None:
    """A price where ``""`` and ``"0"`` both mean "not set" (``avgPx`` before a fill)."""
    value = _opt_dec(text, path, raw)
    return value if value else None


def _ms(text: str, path: str, raw: Any) -> int:
    if not (text.isascii() and text.isdigit()):
        raise _fail(f"expected a millisecond timestamp string, got {text!r}", path, raw)
    return int(text)


def _opt_ms(text: str, path: str, raw: Any) -> int | None:
    return None if text == "" else _ms(text, path, raw)


# Enum members bound once: reading ``Enum.MEMBER`` costs an attribute lookup on the class.
_SPOT = MarketKind.SPOT
_LIMIT = OrderType.LIMIT


# -- symbols -------------------------------------------------------------------------------


class SymbolMap(CoreSymbolMap):
    """Unified symbol <-> OKX ``instId``, and each instrument for contract conversion.

    Built from the instruments (spot and swaps can share one map: their ids never clash)
    and passed to every mapper that meets a symbol or a size.
    """

    __slots__ = ("instrument_of",)
    exchange_name = "OKX"
    id_field = "$.instId"

    def __init__(self, items: Iterable[Instrument] = ()) -> None:
        super().__init__(instruments=items)
        self.instrument_of: dict[str, Instrument] = self._by_id
        """``instId`` -> instrument, for hot paths (read it; build a new map to change it)."""

    @classmethod
    def from_instruments(cls, instruments: Iterable[Instrument]) -> Self:
        return cls(instruments)


def _base(instrument: Instrument, size: Decimal) -> Decimal:
    """Contracts -> base units for swaps; spot sizes are already base."""
    if instrument.kind is MarketKind.SPOT:
        return size
    return instrument.to_base(size)


def _opt_base(instrument: Instrument, size: Decimal | None) -> Decimal | None:
    return None if size is None else _base(instrument, size)
