"""Candles for backtests: generated (seeded, offline) or read from a file.

The generator is a random walk whose drift switches between trending and ranging
segments and whose volatility switches between calm and wild regimes, so both reference
strategies and the regime detector have something to do.
"""

from __future__ import annotations

import csv
import math
import random
import zlib
from decimal import Decimal
from pathlib import Path

import msgspec

from exchangekit import Candle
from exchangekit_bot.intents import interval_ms

__all__ = ["generate_candles", "load_candles"]

START_MS = 1_700_000_040_000  # a whole minute


def generate_candles(
    symbol: str,
    *,
    bars: int,
    seed: int,
    start_price: Decimal,
    interval: str = "1m",
    start_ms: int = START_MS,
) -> list[Candle]:
    """``bars`` closed candles of a seeded regime-switching random walk."""
    rng = random.Random(seed * 1_000_003 + zlib.crc32(symbol.encode()))
    step = interval_ms(interval)
    price = float(start_price)
    drift, vol = 0.0, 0.0012
    out: list[Candle] = []
    for i in range(bars):
        if rng.random() < 0.02:
            drift = rng.choice((-1, 0, 0, 1)) * rng.uniform(0.0003, 0.0012)
        if rng.random() < 0.01:
            vol = rng.choice((0.0006, 0.0012, 0.0030))
        open_ = price
        ticks = [open_]
        for _ in range(4):
            ticks.append(ticks[-1] * math.exp(drift / 4 + vol / 2 * rng.gauss(0, 1)))
        price = ticks[-1]
        high = max(ticks) * (1 + abs(rng.gauss(0, vol / 4)))
        low = min(ticks) * (1 - abs(rng.gauss(0, vol / 4)))
        volume = abs(rng.gauss(10, 3)) + 0.1
        out.append(
            Candle(
                symbol=symbol,
                interval=interval,
                open_ms=start_ms + i * step,
                open=_money(open_),
                high=_money(high),
                low=_money(low),
                close=_money(price),
                volume=Decimal(f"{volume:.4f}"),
                closed=True,
            )
        )
    return out


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def load_candles(path: str | Path, *, symbol: str, interval: str = "1m") -> list[Candle]:
    """Read candles from CSV (``open_ms,open,high,low,close,volume[,symbol]`` with a header)
    or JSON lines of Candle objects. Rows of another symbol are skipped."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    out: list[Candle] = []
    if p.suffix in (".jsonl", ".ndjson", ".json"):
        for line in text.splitlines():
            if line.strip():
                candle = msgspec.json.decode(line, type=Candle, strict=False)
                if candle.symbol == symbol:
                    out.append(candle)
    else:
        for row in csv.DictReader(text.splitlines()):
            if row.get("symbol") not in (None, "", symbol):
                continue
            out.append(
                Candle(
                    symbol=symbol,
                    interval=interval,
                    open_ms=int(row["open_ms"]),
                    open=Decimal(row["open"]),
                    high=Decimal(row["high"]),
                    low=Decimal(row["low"]),
                    close=Decimal(row["close"]),
                    volume=Decimal(row.get("volume") or 0),
                )
            )
    out.sort(key=lambda c: c.open_ms)
    return out
