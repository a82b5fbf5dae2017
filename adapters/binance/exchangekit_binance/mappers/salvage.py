"""What can still be read from an order event that does not map: Binance adds enumeration
values (order types, statuses, execution types) without notice, and losing a fill to one
of them would be worse than reporting it with less detail.

Rules (nothing about money is ever guessed):

- the side (``S``) unknown: nothing is delivered;
- the execution type (``x``) unknown: no fill (it may or may not be one);
- the status (``X``) unknown: the order is delivered with status ``unknown``;
- the futures position side (``ps``) unknown: the order is delivered without one;
- the order type or time in force (``o``/``f``) unknown, or a combination the mappers do
  not know: no order (its type would be a guess), but the fill of a ``TRADE`` execution is
  delivered, since every one of its fields (price, quantity, fee, trade id) is read as sent.

The caller reports every salvage as a ``gap`` so the consumer reconciles over REST.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import msgspec

from exchangekit.errors import MappingError
from exchangekit.mapping import convert
from exchangekit.models import Fill, Order, OrderStatus
from exchangekit_binance import schemas as s
from exchangekit_binance.mappers.common import EXCHANGE, SymbolMap
from exchangekit_binance.mappers.events import execution_report, order_trade_update
from exchangekit_binance.schemas import common as c

__all__ = ["Salvaged", "salvage_order_event"]

# Field -> (the values the schema knows, a known value to stand in while mapping). The
# stand-in never reaches the caller: what it touches is dropped or overridden below.
_Enums = dict[str, tuple[frozenset[str], str]]
_SPOT: _Enums = {
    "S": (frozenset(get_args(c.Side)), "BUY"),
    "o": (frozenset(get_args(c.SpotOrderType)), "LIMIT"),
    "f": (frozenset(get_args(c.SpotTimeInForce)), "GTC"),
    "x": (frozenset(get_args(c.SpotExecutionType)), "NEW"),
    "X": (frozenset(get_args(c.OrderStatus)), "NEW"),
}
_USDM: _Enums = {
    "S": (frozenset(get_args(c.Side)), "BUY"),
    "o": (frozenset(get_args(c.UsdmOrderType)), "LIMIT"),
    "f": (frozenset(get_args(c.UsdmTimeInForce)), "GTC"),
    "x": (frozenset(get_args(c.UsdmExecutionType)), "NEW"),
    "X": (frozenset(get_args(c.OrderStatus)), "NEW"),
    "ps": (frozenset(get_args(c.PositionSide)), "BOTH"),
}
_SHAPE = ("o", "f")


@dataclass(frozen=True, slots=True)
class Salvaged:
    """What an unmappable order event still says."""

    order: Order | None
    fill: Fill | None
    unknown: tuple[str, ...]
    """``path='value'`` of every enumeration value the schema does not know."""


def salvage_order_event(name: str, data: bytes, symbols: SymbolMap) -> Salvaged | None:
    """Read ``executionReport`` / ``ORDER_TRADE_UPDATE`` bytes by the rules above; ``None``
    for any other event, or when not even that much can be read."""
    try:
        raw = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return None
    if not isinstance(raw, dict):
        return None
    body: Any = raw
    if name == "executionReport":
        prefix, enums = "$", _SPOT
    elif name == "ORDER_TRADE_UPDATE":
        body, prefix, enums = raw.get("o"), "$.o", _USDM
        if not isinstance(body, dict):
            return None
    else:
        return None
    unknown = {key for key, (known, _) in enums.items() if body.get(key) not in known}
    paths = tuple(f"{prefix}.{key}={body.get(key)!r}" for key in sorted(unknown))
    if "S" in unknown:
        return Salvaged(None, None, paths)
    mapped = _map(name, raw, body, enums, unknown, symbols)
    if mapped is None:  # the type and time in force are fine, the combination is not
        mapped = _map(name, raw, body, enums, unknown | set(_SHAPE), symbols)
        if mapped is None:
            return Salvaged(None, None, paths)
        unknown = unknown | set(_SHAPE)
    order: Order | None = mapped[0]
    fill = mapped[1]
    if "x" in unknown:
        fill = None
    if unknown & set(_SHAPE):
        order = None
    elif order is not None:
        if "X" in unknown:
            order = msgspec.structs.replace(order, status=OrderStatus.UNKNOWN)
        if "ps" in unknown:
            order = msgspec.structs.replace(order, position_side=None)
    return Salvaged(order, fill, paths)


def _map(
    name: str,
    raw: dict[str, Any],
    body: dict[str, Any],
    enums: _Enums,
    stand_in: set[str],
    symbols: SymbolMap,
) -> tuple[Order, Fill | None] | None:
    patched = {**body, **{key: enums[key][1] for key in stand_in}}
    try:
        if name == "executionReport":
            return execution_report(convert(patched, s.ExecutionReport, exchange=EXCHANGE), symbols)
        event = convert({**raw, "o": patched}, s.OrderTradeUpdateEvent, exchange=EXCHANGE)
        return order_trade_update(event, symbols)
    except (MappingError, LookupError):  # LookupError: a type/time-in-force pair unknown
        return None
