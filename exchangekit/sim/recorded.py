"""Replaying recorded market data: candles or trades from a CSV or JSON-lines file.

Columns are recognised by name (case-insensitive):

- time: ``open_ms``, ``timestamp_ms``, ``timestamp``, ``time``, ``ts``, ``open_time``
  (values below 10^11 are taken as seconds);
- candles: ``open``, ``high``, ``low``, ``close`` and ``volume``;
- trades: ``price``, a quantity (``quantity``, ``qty``, ``amount``, ``size``) and optionally
  ``side`` (``buy``/``sell``, the taker's) or ``is_buyer_maker``.

A candle becomes four ticks (open, the nearer extreme, the other extreme, close) with a
quarter of its volume traded at each; a trade becomes one tick at its price. Recorded
trades print whatever our book held, and fill resting orders they reach.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import msgspec

from exchangekit.models import Instrument, Side
from exchangekit.sim.sources import Bar, Flow, Tick, TickStream

__all__ = ["Recorded", "load_ticks"]

_TIME = ("open_ms", "timestamp_ms", "timestamp", "time", "ts", "open_time")
_QUANTITY = ("quantity", "qty", "amount", "size")


class Recorded(msgspec.Struct, frozen=True, kw_only=True):
    """Market data replayed from ``path``.

    With ``shift`` (the default) the data is re-timed so its first record falls on the
    exchange's first tick; without it, the file's own timestamps are used (start the
    exchange at the file's start then).
    """

    path: str
    shift: bool = True

    def open(self, *, instrument: Instrument, seed: int, start_ms: int, tick_ms: int) -> TickStream:
        """Load the file and start replaying it."""
        ticks = load_ticks(Path(self.path), instrument)
        if self.shift and ticks:
            offset = start_ms + tick_ms - ticks[0].timestamp_ms
            ticks = [t._replace(timestamp_ms=t.timestamp_ms + offset) for t in ticks]
        return _Replay(ticks)


class _Replay:
    def __init__(self, ticks: list[Tick]) -> None:
        self._ticks = ticks
        self._index = 0
        self.initial_mid: float | None = ticks[0].mid if ticks else None

    def next_time_ms(self) -> int | None:
        if self._index >= len(self._ticks):
            return None
        return self._ticks[self._index].timestamp_ms

    def next_tick(self, mids: Mapping[str, float]) -> Tick:
        tick = self._ticks[self._index]
        self._index += 1
        return tick

    def history(self, end_ms: int, minutes: int) -> list[Bar]:
        return []


def load_ticks(path: Path, instrument: Instrument) -> list[Tick]:
    """Read ``path`` into ticks, oldest first. Raises ``ValueError`` naming what is wrong."""
    rows = _rows(path)
    if not rows:
        raise ValueError(f"{path}: no records")
    columns = set(rows[0])
    if {"open", "high", "low", "close"} <= columns:
        ticks = _candle_ticks(rows, instrument, path)
    elif "price" in columns:
        ticks = _trade_ticks(rows, instrument, path)
    else:
        raise ValueError(
            f"{path}: neither candles (open, high, low, close) nor trades (price) in "
            f"columns {sorted(columns)}"
        )
    ticks.sort(key=lambda t: t.timestamp_ms)
    return ticks


def _rows(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        rows = [msgspec.json.decode(line) for line in text.splitlines() if line.strip()]
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
    return [{str(k).strip().lower(): v for k, v in row.items()} for row in rows]


def _pick(row: Mapping[str, Any], names: tuple[str, ...], path: Path) -> Any:
    for name in names:
        if name in row and row[name] not in (None, ""):
            return row[name]
    raise ValueError(f"{path}: a record has none of the columns {names}: {dict(row)}")


def _number(value: Any, what: str, path: Path) -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{path}: {what} is not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{path}: {what} is not finite: {value!r}")
    return result


def _time_ms(row: Mapping[str, Any], path: Path) -> int:
    value = int(_number(_pick(row, _TIME, path), "time", path))
    return value * 1000 if value < 10**11 else value


def _candle_ticks(rows: list[dict[str, Any]], instrument: Instrument, path: Path) -> list[Tick]:
    times = sorted(_time_ms(r, path) for r in rows)
    gaps = [b - a for a, b in itertools.pairwise(times) if b > a]
    interval = min(gaps) if gaps else 60_000
    # Tick.mid is the market model's float mid (it only shapes synthetic liquidity); every
    # price that trades or rests is the Decimal in the Flow, so no order path sees a float.
    ticks: list[Tick] = []
    for row in rows:
        start = _time_ms(row, path)
        o, h, low, c = (_number(row[k], k, path) for k in ("open", "high", "low", "close"))
        volume = _number(row.get("volume") or 0, "volume", path)
        path_points = (o, low, h, c) if c >= o else (o, h, low, c)
        share = instrument.floor_quantity(volume / 4)
        previous = o
        for i, price in enumerate(path_points):
            side = Side.BUY if price >= previous else Side.SELL
            flows = (Flow(side, share, price, prints=True),) if share > 0 else ()
            ticks.append(Tick(start + i * interval // 4, float(price), flows))
            previous = price
    return ticks


def _trade_ticks(rows: list[dict[str, Any]], instrument: Instrument, path: Path) -> list[Tick]:
    ticks: list[Tick] = []
    previous: Decimal | None = None
    for row in rows:
        price = _number(row["price"], "price", path)
        quantity = instrument.floor_quantity(_number(_pick(row, _QUANTITY, path), "qty", path))
        side = _side(row, price, previous)
        flows = (Flow(side, quantity, price, prints=True),) if quantity > 0 else ()
        ticks.append(Tick(_time_ms(row, path), float(price), flows))
        previous = price
    return ticks


def _side(row: Mapping[str, Any], price: Decimal, previous: Decimal | None) -> Side:
    raw = row.get("side")
    if isinstance(raw, str) and raw.strip().lower() in ("buy", "sell"):
        return Side(raw.strip().lower())
    maker = row.get("is_buyer_maker", row.get("isbuyermaker"))
    if maker is not None:
        buyer_is_maker = maker is True or str(maker).strip().lower() in ("true", "1")
        return Side.SELL if buyer_is_maker else Side.BUY
    # Tick rule: a trade above the previous one was most likely a buyer's.
    return Side.SELL if previous is not None and price < previous else Side.BUY
