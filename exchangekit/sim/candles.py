"""Candles built from the simulated trades, and the rolling 24-hour ticker statistics."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from decimal import Decimal

from exchangekit.errors import NotSupported
from exchangekit.models import Candle
from exchangekit.sim.sources import Bar

__all__ = ["INTERVALS", "CandleSeries", "DayStats", "interval_ms"]

INTERVALS: dict[str, int] = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "8h": 28_800_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
}
"""Supported candle intervals, in milliseconds."""

_MINUTE = 60_000
_DAY_MINUTES = 1440
ZERO = Decimal(0)


def interval_ms(interval: str) -> int:
    """Milliseconds of a unified interval name; ``NotSupported`` for others."""
    try:
        return INTERVALS[interval]
    except KeyError:
        raise NotSupported(
            f"candle interval {interval!r} is not supported (use one of {', '.join(INTERVALS)})"
        ) from None


@dataclass(slots=True)
class _Bar:
    open_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal = ZERO
    quote_volume: Decimal = ZERO
    trades: int = 0


@dataclass(frozen=True, slots=True)
class DayStats:
    """Open, high, low and volumes over the last 24 hours."""

    open: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal
    quote_volume: Decimal


class CandleSeries:
    """One-minute bars of one symbol (the last ``max_minutes`` of them), aggregated on
    demand into longer intervals."""

    def __init__(self, symbol: str, *, max_minutes: int = 20_160) -> None:
        self.symbol = symbol
        self._max = max(max_minutes, _DAY_MINUTES)
        self._bars: list[_Bar] = []
        self._current: _Bar | None = None
        self._day: DayStats | None = None

    def seed(self, bars: list[Bar], *, tick: Decimal, step: Decimal) -> None:
        """Pre-generated history, prices rounded to ``tick`` and volumes to ``step``."""
        tick_f, step_f = float(tick), float(step)

        def price(x: float) -> Decimal:
            return Decimal(round(x / tick_f)) * tick

        for bar in bars:
            volume = Decimal(int(bar.volume / step_f)) * step
            close = price(bar.close)
            self._bars.append(
                _Bar(
                    bar.open_ms,
                    price(bar.open),
                    price(bar.high),
                    price(bar.low),
                    close,
                    volume,
                    volume * close,
                )
            )
        self._day = None

    def on_trade(self, timestamp_ms: int, price: Decimal, quantity: Decimal) -> None:
        """Add a trade to the bar of its minute."""
        self.advance(timestamp_ms, opening_price=price)
        bar = self._current
        assert bar is not None
        bar.high = max(bar.high, price)
        bar.low = min(bar.low, price)
        bar.close = price
        bar.volume += quantity
        bar.quote_volume += price * quantity
        bar.trades += 1

    def advance(self, timestamp_ms: int, *, opening_price: Decimal | None = None) -> None:
        """Close bars up to ``timestamp_ms``'s minute, filling quiet minutes with flat bars."""
        minute = timestamp_ms - timestamp_ms % _MINUTE
        current = self._current
        if current is not None and current.open_ms >= minute:
            return
        last = current.close if current else (self._bars[-1].close if self._bars else None)
        if current is not None:
            self._bars.append(current)
            close = current.close
            gap_start = max(current.open_ms + _MINUTE, minute - self._max * _MINUTE)
            for open_ms in range(gap_start, minute, _MINUTE):
                self._bars.append(_Bar(open_ms, close, close, close, close))
            self._day = None
        if len(self._bars) > self._max * 3 // 2:
            del self._bars[: len(self._bars) - self._max]
        start = last if last is not None else opening_price
        self._current = None if start is None else _Bar(minute, start, start, start, start)

    def candles(
        self,
        interval: str,
        *,
        now_ms: int,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first; the last may be the unfinished one (``closed=False``)."""
        size = interval_ms(interval)
        limit = 500 if limit is None else max(limit, 0)
        bars = self._bars + ([self._current] if self._current else [])
        # Cut at end_ms before taking the newest `limit` candles: with an end and no start the
        # answer is the `limit` candles up to end_ms (how exchanges page backwards).
        if end_ms is not None:
            last_open = end_ms - end_ms % size + size - 1  # the whole candle that opens by end_ms
            bars = bars[: bisect.bisect_right(bars, last_open, key=lambda b: b.open_ms)]
        if start_ms is not None:
            first = start_ms - start_ms % size
            bars = bars[bisect.bisect_left(bars, first, key=lambda b: b.open_ms) :]
        else:
            needed = (limit + 1) * (size // _MINUTE)
            bars = bars[-needed:]
        out = [self._candle(group, interval, size, now_ms) for group in _grouped(bars, size)]
        if end_ms is not None:
            out = [c for c in out if c.open_ms <= end_ms]
        return out[:limit] if start_ms is not None else out[-limit:] if limit else []

    def day_stats(self) -> DayStats | None:
        """24-hour open, high, low and volumes (the last 1440 minutes), or ``None``."""
        if self._day is None:
            window = self._bars[-(_DAY_MINUTES - 1) :]
            if window:
                self._day = DayStats(
                    open=window[0].open,
                    high=max(b.high for b in window),
                    low=min(b.low for b in window),
                    volume=sum((b.volume for b in window), start=ZERO),
                    quote_volume=sum((b.quote_volume for b in window), start=ZERO),
                )
        day, bar = self._day, self._current
        if bar is None:
            return day
        if day is None:
            return DayStats(bar.open, bar.high, bar.low, bar.volume, bar.quote_volume)
        return DayStats(
            open=day.open,
            high=max(day.high, bar.high),
            low=min(day.low, bar.low),
            volume=day.volume + bar.volume,
            quote_volume=day.quote_volume + bar.quote_volume,
        )

    def _candle(self, group: list[_Bar], interval: str, size: int, now_ms: int) -> Candle:
        open_ms = group[0].open_ms - group[0].open_ms % size
        return Candle(
            symbol=self.symbol,
            interval=interval,
            open_ms=open_ms,
            open=group[0].open,
            high=max(b.high for b in group),
            low=min(b.low for b in group),
            close=group[-1].close,
            volume=sum((b.volume for b in group), start=ZERO),
            quote_volume=sum((b.quote_volume for b in group), start=ZERO),
            closed=open_ms + size <= now_ms,
            close_ms=open_ms + size - 1,
            trades=sum(b.trades for b in group),
        )


def _grouped(bars: list[_Bar], size: int) -> list[list[_Bar]]:
    groups: list[list[_Bar]] = []
    key = None
    for bar in bars:
        start = bar.open_ms - bar.open_ms % size
        if start != key:
            groups.append([])
            key = start
        groups[-1].append(bar)
    return groups
