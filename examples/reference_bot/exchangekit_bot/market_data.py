"""Market data for decisions, with stale-data gating (the first layer of the pipeline).

A decision gets closed candles and a fresh ticker, or it does not happen: a ticker older
than ``max_ticker_age_s``, or a last closed candle more than two intervals old, skips the
decision with reason ``stale_market_data``.
"""

from __future__ import annotations

import msgspec

from exchangekit import ExchangeClient, Instrument
from exchangekit.clock import Clock
from exchangekit_bot.config import RiskLimits, RunConfig
from exchangekit_bot.intents import MarketState, interval_ms
from exchangekit_bot.market_streams import MarketCache

__all__ = ["MarketDataFeed", "MarketDataSkip"]


class MarketDataSkip(msgspec.Struct, frozen=True, kw_only=True):
    """Why no decision can be made now."""

    reason: str
    detail: str


class MarketDataFeed:
    """Fetches and gates the market state of one strategy's symbol."""

    def __init__(
        self,
        exchange: ExchangeClient,
        clock: Clock,
        *,
        limits: RiskLimits,
        run: RunConfig,
        cache: MarketCache | None = None,
    ) -> None:
        self.exchange = exchange
        self.clock = clock
        self.limits = limits
        self.run = run
        self.cache = cache
        """Streamed tickers and candles, asked first (REST when it cannot vouch for them)."""

    async def fetch(
        self, symbol: str, interval: str, instrument: Instrument
    ) -> MarketState | MarketDataSkip:
        """The market state, or the reason to skip (errors fetching count as a skip)."""
        limit = self.run.candles_lookback
        try:
            if self.cache is not None:
                candles = await self.cache.candles(symbol, interval, limit=limit)
                ticker = await self.cache.ticker(symbol)
            else:
                candles = await self.exchange.get_candles(symbol, interval, limit=limit)
                ticker = await self.exchange.get_ticker(symbol)
        except Exception as exc:
            return MarketDataSkip(reason="market_data_error", detail=f"{type(exc).__name__}: {exc}")
        now = self.clock.now_ms()
        step = interval_ms(interval)
        closed = tuple(c for c in candles if c.closed and c.open_ms + step <= now)
        ticker_age_s = (now - ticker.timestamp_ms) / 1000
        if ticker_age_s > self.limits.max_ticker_age_s:
            return MarketDataSkip(
                reason="stale_market_data", detail=f"ticker {ticker_age_s:.1f}s old"
            )
        if closed and now - (closed[-1].open_ms + step) > 2 * step:
            return MarketDataSkip(
                reason="stale_market_data",
                detail=f"last closed candle ended {(now - closed[-1].open_ms - step) / 1000:.0f}s ago",
            )
        return MarketState(
            symbol=symbol,
            interval=interval,
            now_ms=now,
            instrument=instrument,
            candles=closed,
            ticker=ticker,
        )
