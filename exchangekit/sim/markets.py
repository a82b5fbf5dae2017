"""One simulated market: its configuration (:class:`MarketSpec`) and running state."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from exchangekit.models import Instrument, MarketKind, Trade
from exchangekit.sim.book import SimBook
from exchangekit.sim.candles import CandleSeries
from exchangekit.sim.liquidity import LiquidityModel, build_levels
from exchangekit.sim.orders import SimOrder
from exchangekit.sim.sources import MarketSource, TickStream, derived_rng

__all__ = ["MarketSpec", "SimMarket", "open_market"]


@dataclass(frozen=True)
class MarketSpec:
    """How to simulate one instrument: where its prices come from and how its book looks.

    ``maintenance_margin_rate`` sets the liquidation price of positions; a non-zero
    ``funding_rate`` is paid every funding interval of the exchange (longs pay shorts when
    positive). Both apply to derivatives only.
    """

    instrument: Instrument
    source: MarketSource
    liquidity: LiquidityModel = field(default_factory=LiquidityModel)
    max_leverage: Decimal = Decimal(125)
    maintenance_margin_rate: Decimal = Decimal("0.004")
    funding_rate: Decimal = Decimal(0)

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def is_derivative(self) -> bool:
        return self.instrument.kind is not MarketKind.SPOT


@dataclass(slots=True, eq=False)
class SimMarket:
    """Running state of one market inside the exchange."""

    spec: MarketSpec
    stream: TickStream
    book: SimBook
    candles: CandleSeries
    book_rng: random.Random
    mid: float | None = None
    mark: Decimal | None = None
    last_price: Decimal | None = None
    trades: deque[Trade] = field(default_factory=lambda: deque(maxlen=1000))
    trade_count: int = 0
    stops: list[SimOrder] = field(default_factory=list)
    holders: dict[str, None] = field(default_factory=dict)
    """Accounts with an open position, in the order they opened (an ordered set)."""
    next_funding_ms: int = 0
    range_low: Decimal | None = None
    range_high: Decimal | None = None
    """Traded price range since stops were last checked."""

    @property
    def instrument(self) -> Instrument:
        return self.spec.instrument

    @property
    def symbol(self) -> str:
        return self.spec.instrument.symbol

    def set_mid(self, mid: float, *, mark: Decimal | None = None) -> None:
        """Move the mid price; the mark is ``mark``, else the mid on the tick grid."""
        tick = self.spec.instrument.tick_size
        self.mid = mid
        self.mark = mark if mark is not None else Decimal(round(mid / float(tick))) * tick

    def note_price(self, price: Decimal) -> None:
        """Widen the traded range stops are checked against."""
        if self.range_low is None or price < self.range_low:
            self.range_low = price
        if self.range_high is None or price > self.range_high:
            self.range_high = price


def open_market(
    spec: MarketSpec,
    *,
    seed: int,
    start_ms: int,
    tick_ms: int,
    history_minutes: int,
    funding_interval_ms: int,
) -> SimMarket:
    """Open ``spec``'s data source and set up its first quote and candle history."""
    inst = spec.instrument
    stream = spec.source.open(instrument=inst, seed=seed, start_ms=start_ms, tick_ms=tick_ms)
    market = SimMarket(
        spec=spec,
        stream=stream,
        book=SimBook(inst.symbol),
        candles=CandleSeries(inst.symbol),
        book_rng=derived_rng(seed, inst.symbol, "book"),
        next_funding_ms=(start_ms // funding_interval_ms + 1) * funding_interval_ms,
    )
    if stream.initial_mid is not None:
        if history_minutes:
            history = stream.history(start_ms, history_minutes)
            market.candles.seed(history, tick=inst.tick_size, step=inst.step_size)
        market.set_mid(stream.initial_mid)
        market.last_price = market.mark
        bids, asks = build_levels(
            spec.liquidity,
            stream.initial_mid,
            tick=inst.tick_size,
            step=inst.step_size,
            rng=market.book_rng,
        )
        market.book.set_synthetic(bids, asks)
        market.candles.advance(start_ms, opening_price=market.mark)
    market.book.flush()
    return market
