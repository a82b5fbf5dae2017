"""Market-data sources: where each simulated market's price path and trade flow come from.

A *source* is immutable configuration (:class:`RandomWalk`, :class:`External`, or
:class:`~exchangekit.sim.recorded.Recorded`); the exchange opens it into a *tick stream*
with a seed derived from its own seed and the symbol, so the same seed gives the same run
and adding a market never changes another market's path.

The random walk uses only the Mersenne Twister and IEEE arithmetic (no ``log``/``exp``
from the platform's math library), so a seed gives the same path on every machine.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple, Protocol

import msgspec

from exchangekit.models import Instrument, Side

__all__ = [
    "Bar",
    "External",
    "Flow",
    "MarketSource",
    "RandomWalk",
    "Tick",
    "TickStream",
    "derived_rng",
]

_MS_PER_YEAR = 365 * 24 * 3600 * 1000


class Flow(NamedTuple):
    """Aggressive synthetic order flow: a taker ``side`` of ``quantity`` walking the book.

    With ``limit`` it stops at that price; with ``prints`` the unmatched rest is still
    published as a trade at ``limit`` (a recorded trade happened whatever our book held).
    """

    side: Side
    quantity: Decimal
    limit: Decimal | None = None
    prints: bool = False


class Tick(NamedTuple):
    """One step of a market: its time, the new mid price, and the flow that traded."""

    timestamp_ms: int
    mid: float
    flows: Sequence[Flow] = ()


class Bar(NamedTuple):
    """A one-minute bar of pre-generated history (floats: display data only)."""

    open_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float


class TickStream(Protocol):
    """A running source, consumed by the exchange in time order."""

    initial_mid: float | None
    """The mid price before the first tick (``None``: no book until fed)."""

    def next_time_ms(self) -> int | None:
        """Time of the next tick, or ``None`` when there is none (ended, or fed from outside)."""
        ...

    def next_tick(self, mids: Mapping[str, float]) -> Tick:
        """Produce the next tick. ``mids`` holds the current mids of the other markets."""
        ...

    def history(self, end_ms: int, minutes: int) -> list[Bar]:
        """Up to ``minutes`` one-minute bars ending at ``end_ms``, oldest first."""
        ...


class MarketSource(Protocol):
    """Configuration of a market's data, opened once per simulated exchange."""

    def open(
        self, *, instrument: Instrument, seed: int, start_ms: int, tick_ms: int
    ) -> TickStream: ...


def derived_rng(seed: int, symbol: str, purpose: str) -> random.Random:
    """A generator seeded from ``seed``, ``symbol`` and ``purpose`` (stable across runs)."""
    return random.Random(f"{seed}:{symbol}:{purpose}")


def _normal(rng: random.Random) -> float:
    # Irwin-Hall: the sum of 12 uniforms minus 6 has mean 0 and variance 1. Pure IEEE
    # arithmetic, so the same seed gives bit-identical paths on every platform.
    return sum(rng.random() for _ in range(12)) - 6.0


class RandomWalk(msgspec.Struct, frozen=True, kw_only=True):
    """A seeded geometric random walk with volatility regimes and synthetic trade flow.

    Every tick the regime may switch (mean duration ``regime_minutes``); the mid moves by a
    normal draw scaled to ``volatility`` (annualized) times the regime multiplier. With
    ``follow`` set, the mid tracks another market's mid times a slowly mean-reverting basis
    (a perpetual following its spot market). Each tick brings on average
    ``trades_per_tick`` taker orders averaging ``trade_size``, leaning with the move.
    """

    initial_price: Decimal
    volatility: float = 0.6
    regimes: tuple[float, ...] = (0.5, 1.0, 2.5)
    regime_minutes: float = 5.0
    trade_size: Decimal = Decimal("0.01")
    trades_per_tick: float = 1.5
    follow: str | None = None
    basis_volatility: float = 0.00002

    def open(self, *, instrument: Instrument, seed: int, start_ms: int, tick_ms: int) -> TickStream:
        """Start the walk with ``seed`` (the exchange derives it per symbol)."""
        return _Walk(self, instrument, seed, start_ms, tick_ms)


class _Walk:
    def __init__(
        self, cfg: RandomWalk, instrument: Instrument, seed: int, start_ms: int, tick_ms: int
    ) -> None:
        self._cfg = cfg
        self._seed = seed
        self._instrument = instrument
        self._rng = derived_rng(seed, instrument.symbol, "walk")
        self._tick_ms = tick_ms
        self._next_ms = start_ms + tick_ms
        self._sigma = cfg.volatility / math.sqrt(_MS_PER_YEAR / tick_ms)
        self._switch = min(tick_ms / (cfg.regime_minutes * 60_000), 1.0)
        self._regime = min(1, len(cfg.regimes) - 1)
        self._basis = 0.0
        self._trade_steps = max(float(cfg.trade_size / instrument.step_size), 1.0)
        self._max_trades = max(math.ceil(cfg.trades_per_tick * 2), 1)
        self._trade_p = cfg.trades_per_tick / self._max_trades
        self.initial_mid: float | None = float(cfg.initial_price)
        self._mid = float(cfg.initial_price)

    def next_time_ms(self) -> int | None:
        return self._next_ms

    def next_tick(self, mids: Mapping[str, float]) -> Tick:
        rng, cfg = self._rng, self._cfg
        timestamp = self._next_ms
        self._next_ms += self._tick_ms
        if rng.random() < self._switch:
            self._regime = rng.randrange(len(cfg.regimes))
        z = _normal(rng)
        leader = mids.get(cfg.follow) if cfg.follow else None
        if leader is not None:
            self._basis = self._basis * 0.995 + cfg.basis_volatility * z
            self._mid = leader * (1.0 + self._basis)
        else:
            move = self._sigma * cfg.regimes[self._regime] * z
            self._mid = max(self._mid * (1.0 + move), float(self._instrument.tick_size) * 100)
        flows: list[Flow] = []
        buy_bias = min(max(0.5 + 0.15 * z, 0.1), 0.9)
        for _ in range(self._max_trades):
            if rng.random() >= self._trade_p:
                continue
            side = Side.BUY if rng.random() < buy_bias else Side.SELL
            u = rng.random()
            steps = max(int(self._trade_steps * (0.2 + 2.4 * u * u)), 1)
            flows.append(Flow(side, Decimal(steps) * self._instrument.step_size))
        return Tick(timestamp, self._mid, flows)

    def history(self, end_ms: int, minutes: int) -> list[Bar]:
        # Walk backwards from the starting price, so history ends where the live path begins.
        rng = derived_rng(self._seed, self._instrument.symbol, "history")
        sigma = self._cfg.volatility / math.sqrt(_MS_PER_YEAR / 60_000)
        volume_mean = float(self._cfg.trade_size) * self._cfg.trades_per_tick * 240
        close = float(self._cfg.initial_price)
        last_open = end_ms - end_ms % 60_000
        bars: list[Bar] = []
        for k in range(1, minutes + 1):
            open_ = close / (1.0 + sigma * _normal(rng))
            wick = abs(sigma * _normal(rng)) * 0.5
            high = max(open_, close) * (1.0 + wick)
            low = min(open_, close) * (1.0 - wick)
            volume = volume_mean * (0.5 + rng.random())
            bars.append(Bar(last_open - k * 60_000, open_, high, low, close, volume))
            close = open_
        bars.reverse()
        return bars


class External(msgspec.Struct, frozen=True, kw_only=True):
    """A market fed from outside (live data from another adapter): it never ticks by itself;
    :meth:`SimExchange.set_market <exchangekit.sim.SimExchange.set_market>` moves it."""

    initial_price: Decimal | None = None

    def open(self, *, instrument: Instrument, seed: int, start_ms: int, tick_ms: int) -> TickStream:
        """A stream that never ticks by itself."""
        return _Fed(None if self.initial_price is None else float(self.initial_price))


class _Fed:
    def __init__(self, initial_mid: float | None) -> None:
        self.initial_mid = initial_mid

    def next_time_ms(self) -> int | None:
        return None

    def next_tick(self, mids: Mapping[str, float]) -> Tick:  # pragma: no cover - never called
        raise RuntimeError("an external market does not tick by itself")

    def history(self, end_ms: int, minutes: int) -> list[Bar]:
        return []
