"""Market data and time of the simulated exchange (a part of ``SimExchange``)."""

from __future__ import annotations

from decimal import Decimal

from exchangekit.errors import ExchangeError, InvalidOrder
from exchangekit.models import Candle, OrderBook, PriceLevel, Ticker, Trade
from exchangekit.sim.engine import Engine
from exchangekit.sim.markets import SimMarket
from exchangekit.sim.ticks import feed_book, process_tick

__all__ = ["MarketData"]


class MarketData:
    """Reading markets and moving time; :class:`~exchangekit.sim.SimExchange` builds on it."""

    _engine: Engine
    name: str

    def step(self, now_ms: int) -> None:
        """Advance simulated time to ``now_ms``, running every tick due on the way (in time
        order across markets; a market's ties keep listing order)."""
        engine = self._engine
        markets = list(engine.markets.values())
        while True:
            due: SimMarket | None = None
            due_ms = now_ms + 1
            for market in markets:
                at = market.stream.next_time_ms()
                if at is not None and at < due_ms:
                    due, due_ms = market, at
            if due is None:
                break
            mids = {m.symbol: m.mid for m in markets if m.mid is not None}
            process_tick(engine, due, due.stream.next_tick(mids))
        engine.now_ms = max(engine.now_ms, now_ms)

    def set_market(
        self,
        symbol: str,
        *,
        bids: list[PriceLevel],
        asks: list[PriceLevel],
        last: Decimal | None = None,
        timestamp_ms: int | None = None,
    ) -> None:
        """Feed a market from outside (live data): its makers' book becomes ``bids`` and
        ``asks`` (best first); resting orders they cross fill, stops may trigger."""
        engine = self._engine
        if timestamp_ms is not None:
            engine.now_ms = max(engine.now_ms, timestamp_ms)
        feed_book(engine, self._market(symbol), list(bids), list(asks), last)

    def book(self, symbol: str, depth: int = 100) -> OrderBook:
        """The published book, ``sequence`` being the last update id."""
        market = self._market(symbol)
        bids, asks = market.book.snapshot(depth)
        return OrderBook(
            symbol=symbol,
            bids=bids,
            asks=asks,
            sequence=market.book.update_id,
            timestamp_ms=self._engine.now_ms,
        )

    def ticker(self, symbol: str) -> Ticker:
        """Best bid and ask, last trade, and 24-hour statistics from the candles."""
        market = self._market(symbol)
        bids, asks = market.book.snapshot(1)
        day = market.candles.day_stats()
        return Ticker(
            symbol=symbol,
            bid=bids[0][0] if bids else None,
            bid_size=bids[0][1] if bids else None,
            ask=asks[0][0] if asks else None,
            ask_size=asks[0][1] if asks else None,
            last=market.last_price,
            open=day.open if day else None,
            high=day.high if day else None,
            low=day.low if day else None,
            volume=day.volume if day else None,
            quote_volume=day.quote_volume if day else None,
            timestamp_ms=self._engine.now_ms,
        )

    def candles(
        self,
        symbol: str,
        interval: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first, the last one possibly still open."""
        return self._market(symbol).candles.candles(
            interval, now_ms=self._engine.now_ms, start_ms=start_ms, end_ms=end_ms, limit=limit
        )

    def trades(self, symbol: str, limit: int = 500) -> list[Trade]:
        """The latest public trades, oldest first (up to 1000 are kept)."""
        trades = self._market(symbol).trades
        return list(trades)[-limit:] if limit > 0 else []

    def mark_price(self, symbol: str) -> Decimal | None:
        """The mark (the generator's mid on the tick grid, or a fed book's mid)."""
        return self._market(symbol).mark

    def _market(self, symbol: str) -> SimMarket:
        market = self._engine.markets.get(symbol)
        if market is None:
            raise self._stamp(InvalidOrder(f"unknown symbol {symbol!r}"))
        return market

    def _stamp(self, exc: ExchangeError) -> ExchangeError:
        if exc.exchange is None:
            exc.exchange = self.name
        return exc
