"""Unified symbol <-> exchange id, for one exchange market, built from its instruments.

Adapters build one map when instruments load and pass it explicitly to every mapper that
meets a symbol (no globals). An unknown id in a payload is schema drift (``MappingError``
with the path); an unknown unified symbol in a request is ``NotSupported``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Self

from exchangekit.errors import MappingError, NotSupported
from exchangekit.models import Instrument

__all__ = ["SymbolMap"]


class SymbolMap:
    """Both directions of the symbol mapping, plus each instrument when built from them.

    Subclasses name their exchange (``exchange_name``) so errors say whose id was unknown.
    """

    exchange_name: ClassVar[str] = "exchange"
    id_field: ClassVar[str] = "$.symbol"
    """Where a payload usually carries the exchange id (for error paths)."""

    __slots__ = ("_by_id", "_by_symbol", "_settle", "_to_exchange", "to_unified")

    def __init__(
        self,
        pairs: Iterable[tuple[str, str]] = (),
        *,
        settle: Mapping[str, str] | None = None,
        instruments: Iterable[Instrument] = (),
    ) -> None:
        """``pairs`` are ``(unified, exchange_id)``; ``settle`` maps exchange id -> coin."""
        self.to_unified: dict[str, str] = {}
        """Exchange id -> unified symbol (read it; build a new map to change it)."""
        self._to_exchange: dict[str, str] = {}
        self._settle: dict[str, str] = dict(settle or {})
        self._by_id: dict[str, Instrument] = {}
        self._by_symbol: dict[str, Instrument] = {}
        for unified, exchange_id in pairs:
            self._add(unified, exchange_id)
        for instrument in instruments:
            self._add(instrument.symbol, instrument.exchange_symbol)
            self._by_id[instrument.exchange_symbol] = instrument
            self._by_symbol[instrument.symbol] = instrument
            if instrument.settle:
                self._settle.setdefault(instrument.exchange_symbol, instrument.settle)

    def _add(self, unified: str, exchange_id: str) -> None:
        self.to_unified[exchange_id] = unified
        self._to_exchange[unified] = exchange_id

    @classmethod
    def from_instruments(cls, instruments: Iterable[Instrument]) -> Self:
        """The map of these instruments (keeps them for :meth:`instrument` lookups)."""
        return cls(instruments=instruments)

    def unified(self, exchange_id: str, *, path: str | None = None, raw: Any = None) -> str:
        """The unified symbol of an exchange id; ``MappingError`` if the id is unknown."""
        symbol = self.to_unified.get(exchange_id)
        if symbol is None:
            raise self._unknown(exchange_id, path, raw)
        return symbol

    def exchange(self, unified: str) -> str:
        """The exchange id of a unified symbol; ``NotSupported`` if this market lacks it."""
        exchange_id = self._to_exchange.get(unified)
        if exchange_id is None:
            raise NotSupported(
                f"{unified} is not a known {self.exchange_name} symbol on this market",
                exchange=self.exchange_name.lower(),
            )
        return exchange_id

    def by_id(self, exchange_id: str, *, path: str | None = None, raw: Any = None) -> Instrument:
        """The instrument of an exchange id; ``MappingError`` if it is unknown."""
        found = self._by_id.get(exchange_id)
        if found is None:
            raise self._unknown(exchange_id, path, raw)
        return found

    def instrument(self, unified: str) -> Instrument:
        """The instrument of a unified symbol; ``NotSupported`` if this market lacks it."""
        found = self._by_symbol.get(unified)
        if found is None:
            raise NotSupported(
                f"{unified} is not a known {self.exchange_name} symbol",
                exchange=self.exchange_name.lower(),
            )
        return found

    def settle(self, exchange_id: str) -> str | None:
        """The settle coin of a derivatives symbol (``None`` on spot)."""
        return self._settle.get(exchange_id)

    def knows_id(self, exchange_id: str) -> bool:
        """True when ``exchange_id`` is one of the map's symbols."""
        return exchange_id in self.to_unified

    def __contains__(self, unified: object) -> bool:
        return unified in self._to_exchange

    def __len__(self) -> int:
        return len(self._to_exchange)

    def _unknown(self, exchange_id: str, path: str | None, raw: Any) -> MappingError:
        return MappingError(
            f"unknown {self.exchange_name} symbol {exchange_id!r} (reload instruments?)",
            path=path or self.id_field,
            raw=raw,
            exchange=self.exchange_name.lower(),
        )
