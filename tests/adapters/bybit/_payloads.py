"""Bybit V5 payloads shaped like the docs' examples (tests/adapters/bybit/payloads/*.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from exchangekit_bybit import mappers as m
from exchangekit_bybit import schemas as s

from exchangekit.mapping import decoder

T = TypeVar("T")
PAYLOADS = Path(__file__).parent / "payloads"


def raw(name: str) -> bytes:
    """The fixture's bytes, exactly as stored."""
    return (PAYLOADS / f"{name}.json").read_bytes()


def obj(name: str) -> Any:
    """The fixture as plain JSON data (for ccxt and for mutating into malformed variants)."""
    return json.loads(raw(name))


def load(name: str, type_: type[T]) -> T:
    """The fixture decoded into a wire struct, the way the client will do it."""
    return decoder(type_, exchange="bybit")(raw(name))


def encode(data: Any) -> bytes:
    return json.dumps(data).encode()


def spot_symbols() -> m.SymbolMap:
    info = load("spot_instruments", s.Envelope[s.InstrumentList])
    return m.SymbolMap.from_instruments(m.instruments(info.result))


def linear_symbols() -> m.SymbolMap:
    info = load("linear_instruments", s.Envelope[s.InstrumentList])
    return m.SymbolMap.from_instruments(m.instruments(info.result))
