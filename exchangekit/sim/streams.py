"""The paper client's streams: engine callbacks turned into ``async for`` iterators.

Private streams (orders, fills, balances, positions) and trades deliver every event in
order. Books, tickers and candles are conflated: a reader that falls behind gets the
latest state, never a backlog. Every stream ends when the client closes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable, Sequence
from decimal import Decimal
from typing import Any

from exchangekit.models import Balance, Candle, Fill, Order, OrderBook, Position, Ticker, Trade
from exchangekit.sim.channel import Channel, ChannelClosed
from exchangekit.sim.events import (
    BalanceEvent,
    BookDeltaEvent,
    FillEvent,
    MarketTickEvent,
    OrderEvent,
    PositionEvent,
    SimEvent,
    TradeEvent,
)
from exchangekit.sim.exchange import SimExchange

__all__ = ["PaperStreams"]


class PaperStreams:
    """The ``stream_*`` methods of :class:`~exchangekit.sim.paper.PaperClient`."""

    sim: SimExchange
    account: str
    _channels: set[Channel[Any]]

    async def _ready(self) -> None:
        raise NotImplementedError

    async def _events(
        self,
        kinds: tuple[type[SimEvent], ...],
        *,
        account: str | None = None,
        symbols: Sequence[str] = (),
        conflate: bool = False,
        initial: Sequence[SimEvent] = (),
    ) -> AsyncIterator[SimEvent]:
        """Matching sim events as they happen (the latest per symbol, if ``conflate``)."""
        await self._ready()
        wanted = set(symbols)

        def key(event: SimEvent) -> Hashable:
            return getattr(event, "symbol", None)

        channel: Channel[SimEvent] = Channel(conflate=key if conflate else None)

        def deliver(event: SimEvent) -> None:
            if not wanted or getattr(event, "symbol", None) in wanted:
                channel.push(event)

        for event in initial:
            channel.push(event)
        sub = self.sim.subscribe(deliver, kinds=kinds, account=account)
        self._channels.add(channel)
        try:
            while True:
                try:
                    yield await channel.get()
                except ChannelClosed:
                    return
        finally:
            sub.close()
            self._channels.discard(channel)

    def _tick(self, symbol: str) -> MarketTickEvent:
        mark = self.sim.mark_price(symbol) or Decimal(0)
        return MarketTickEvent(
            timestamp_ms=self.sim.now_ms, symbol=symbol, mark_price=mark, last_price=None
        )

    async def stream_tickers(self, symbols: Sequence[str]) -> AsyncIterator[Ticker]:
        """The ticker of each symbol now, then after every market tick (latest only)."""
        initial = [self._tick(s) for s in symbols]
        async for event in self._events(
            (MarketTickEvent,), symbols=symbols, conflate=True, initial=initial
        ):
            yield self.sim.ticker(getattr(event, "symbol", ""))

    async def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        """The current candle after every tick; a finished candle once more, closed."""
        last_open: int | None = None
        async for _ in self._events(
            (MarketTickEvent,), symbols=[symbol], conflate=True, initial=[self._tick(symbol)]
        ):
            candles = self.sim.candles(symbol, interval, limit=2)
            if not candles:
                continue
            if last_open is not None and candles[-1].open_ms != last_open:
                yield from_open(candles, last_open)
            last_open = candles[-1].open_ms
            yield candles[-1]

    async def stream_trades(self, symbol: str) -> AsyncIterator[Trade]:
        async for event in self._events((TradeEvent,), symbols=[symbol]):
            assert isinstance(event, TradeEvent)
            yield event.trade

    async def stream_order_book(self, symbol: str, depth: int = 100) -> AsyncIterator[OrderBook]:
        """The book now, then after every change (latest only; nothing is ever skipped
        that a later snapshot does not contain)."""
        async for _ in self._events(
            (BookDeltaEvent,),
            symbols=[symbol],
            conflate=True,
            initial=[self._tick(symbol)],
        ):
            yield self.sim.book(symbol, depth)

    async def stream_orders(self) -> AsyncIterator[Order]:
        async for event in self._events((OrderEvent,), account=self.account):
            assert isinstance(event, OrderEvent)
            yield event.order

    async def stream_fills(self) -> AsyncIterator[Fill]:
        async for event in self._events((FillEvent,), account=self.account):
            assert isinstance(event, FillEvent)
            yield event.fill

    async def stream_positions(self) -> AsyncIterator[Position]:
        async for event in self._events((PositionEvent,), account=self.account):
            assert isinstance(event, PositionEvent)
            yield event.position

    async def stream_balances(self) -> AsyncIterator[Balance]:
        async for event in self._events((BalanceEvent,), account=self.account):
            assert isinstance(event, BalanceEvent)
            for balance in event.balances:
                yield balance


def from_open(candles: list[Candle], open_ms: int) -> Candle:
    """The candle that opened at ``open_ms`` (the one just finished)."""
    return next((c for c in candles if c.open_ms == open_ms), candles[0])
