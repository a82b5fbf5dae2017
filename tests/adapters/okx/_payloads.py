"""OKX payloads shaped like the docs' examples (tests/adapters/okx/payloads/*.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s

from exchangekit.mapping import decoder

T = TypeVar("T")
PAYLOADS = Path(__file__).parent / "payloads"


def raw(name: str) -> bytes:
    """The fixture's bytes, exactly as stored."""
    return (PAYLOADS / f"{name}.json").read_bytes()


def obj(name: str) -> Any:
    """The fixture as plain JSON data (for ccxt and for mutating into malformed variants)."""
    return json.loads(raw(name))


def load(name: str, type_: Any) -> Any:
    """The fixture decoded into a wire struct, the way the client will do it."""
    return decoder(type_, exchange="okx")(raw(name))


def encode(data: Any) -> bytes:
    return json.dumps(data).encode()


def symbols() -> m.SymbolMap:
    """Spot and linear swaps from the instrument fixtures, in one map."""
    spot = m.instruments(load("instruments_spot", s.Envelope[s.Instrument]))
    swap = m.instruments(load("instruments_swap", s.Envelope[s.Instrument]))
    return m.SymbolMap.from_instruments([*spot, *swap])
