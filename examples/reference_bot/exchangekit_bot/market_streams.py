"""Tickers and candles kept fresh by the public streams; REST only fills the gaps.

Issue #5's rule: market-data streams are the cheapest way to keep state fresh, REST is
for snapshots and recovery. :class:`MarketCache` follows ``stream_tickers`` (every bot
symbol) and ``stream_candles`` (every strategy's series) while the runner runs the bot's
streams. A reader asks it first and falls back to REST whenever the cache cannot vouch
for what it holds:

* a ticker is served while it is at most ``ticker_fresh_s`` old (the exchange's own
  timestamp; Binance pushes spot tickers every second);
* a candle series is served once a REST fetch has seeded it and while the stream keeps
  delivering (an update within ``candles_fresh_s``), with no candle missing in between,
  and with every candle that has ended marked closed (the stream's final update of a
  candle arrived). Otherwise the reader fetches by REST and re-seeds.

Without running streams (tests that call ``Bot.tick`` directly, an adapter without
streams) the cache stays empty and every read goes to REST, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from exchangekit import Candle, ExchangeClient, Ticker
from exchangekit.clock import Clock
from exchangekit_bot.intents import interval_ms
from exchangekit_bot.observability.logs import log_event

__all__ = ["MarketCache"]

logger = logging.getLogger("exchangekit_bot.market_streams")


class _Series:
    """One symbol's candles of one interval, by open time."""

    def __init__(self, step_ms: int, keep: int) -> None:
        self.step_ms = step_ms
        self.keep = keep
        self.by_open: dict[int, Candle] = {}
        self.seeded = False
        self.updated_ms: int | None = None
        """Clock time of the last stream update (None: none since the last seed)."""

    def seed(self, candles: Sequence[Candle]) -> None:
        self.by_open = {c.open_ms: c for c in candles}
        self.seeded = bool(candles)

    def forget(self) -> None:
        """The stream ended: nothing here can be vouched for any more."""
        self.by_open = {}
        self.seeded = False
        self.updated_ms = None

    def apply(self, candle: Candle, now_ms: int) -> None:
        newest = max(self.by_open, default=None)
        if newest is not None and candle.open_ms > newest + self.step_ms:
            self.seeded = False  # a candle was skipped: only REST can fill the hole
        self.by_open[candle.open_ms] = candle
        self.updated_ms = now_ms
        if len(self.by_open) > self.keep:
            for open_ms in sorted(self.by_open)[: len(self.by_open) - self.keep]:
                del self.by_open[open_ms]

    def candles(self, now_ms: int, fresh_ms: int) -> list[Candle] | None:
        if not self.seeded or self.updated_ms is None or now_ms - self.updated_ms > fresh_ms:
            return None
        ordered = [self.by_open[k] for k in sorted(self.by_open)]
        for candle in ordered:
            if candle.open_ms + self.step_ms <= now_ms and not candle.closed:
                return None  # its closing update never came
        return ordered


class MarketCache:
    """Latest tickers and candle series from the public streams."""

    def __init__(
        self,
        exchange: ExchangeClient,
        clock: Clock,
        *,
        symbols: Sequence[str],
        series: Sequence[tuple[str, str]],
        keep: int,
        ticker_fresh_s: float = 5.0,
        candles_fresh_s: float = 10.0,
    ) -> None:
        self.exchange = exchange
        self.clock = clock
        self.symbols = list(dict.fromkeys(symbols))
        self.ticker_fresh_ms = int(ticker_fresh_s * 1000)
        self.candles_fresh_ms = int(candles_fresh_s * 1000)
        self._tickers: dict[str, Ticker] = {}
        self._series = {
            (symbol, interval): _Series(interval_ms(interval), keep)
            for symbol, interval in dict.fromkeys(series)
        }
        self.served = {"ticker": 0, "candles": 0}
        """Reads answered from the streams (the rest went to REST)."""

    # -- following ----------------------------------------------------------------------

    async def run(self) -> None:
        """Follow the ticker and candle streams until cancelled."""
        await asyncio.gather(
            self._follow_tickers(),
            *(self._follow_candles(symbol, interval) for symbol, interval in self._series),
        )

    async def _follow_tickers(self) -> None:
        try:
            async for ticker in self.exchange.stream_tickers(self.symbols):
                self._tickers[ticker.symbol] = ticker
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._not_followed("tickers", exc)
        finally:
            self._tickers.clear()

    async def _follow_candles(self, symbol: str, interval: str) -> None:
        series = self._series[(symbol, interval)]
        try:
            async for candle in self.exchange.stream_candles(symbol, interval):
                series.apply(candle, self.clock.now_ms())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._not_followed(f"candles {symbol} {interval}", exc)
        finally:
            series.forget()

    def _not_followed(self, stream: str, exc: Exception) -> None:
        log_event(
            logger,
            "stream_not_followed",
            level=logging.WARNING,
            stream=stream,
            error=f"{type(exc).__name__}: {exc}",
        )

    # -- reading ------------------------------------------------------------------------

    async def ticker(self, symbol: str) -> Ticker:
        """The streamed ticker while fresh, else one REST read."""
        cached = self._tickers.get(symbol)
        if cached is not None and self.clock.now_ms() - cached.timestamp_ms <= (
            self.ticker_fresh_ms
        ):
            self.served["ticker"] += 1
            return cached
        return await self.exchange.get_ticker(symbol)

    async def candles(self, symbol: str, interval: str, *, limit: int) -> list[Candle]:
        """The streamed series when the cache can vouch for it, else one REST read (which
        seeds the cache for the stream to keep up to date)."""
        series = self._series.get((symbol, interval))
        if series is not None:
            cached = series.candles(self.clock.now_ms(), self.candles_fresh_ms)
            if cached is not None:
                self.served["candles"] += 1
                return cached[-limit:]
        candles = await self.exchange.get_candles(symbol, interval, limit=limit)
        if series is not None:
            series.seed(candles)
        return candles
