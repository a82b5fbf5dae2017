"""Streams first, REST for snapshots and recovery (issue #5/#7): the market cache serves
tickers and candles from the public streams only when it can vouch for them, and with the
private streams live the bot leaves order polls and the fill sync to its reconciliation
timer, without missing a fill."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from exchangekit_bot.bot import Bot
from exchangekit_bot.execution.fills import FillSync
from exchangekit_bot.execution.streams import StreamFollower
from exchangekit_bot.market_streams import MarketCache, _Series
from exchangekit_bot.storage import SqliteStorage

from exchangekit import Candle
from tests.bot.helpers import make_executor

D = Decimal
MIN = 60_000


def candle(open_ms: int, *, closed: bool = True) -> Candle:
    return Candle(
        symbol="BTC/USDT",
        interval="1m",
        open_ms=open_ms,
        open=D(1),
        high=D(1),
        low=D(1),
        close=D(1),
        volume=D(1),
        closed=closed,
    )


class Counting:
    """Counts the REST calls made through it (everything else passes through)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: collections.Counter[str] = collections.Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not name.startswith("get_"):
            return target

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return await target(*args, **kwargs)

        return counted


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_series_is_served_only_while_the_stream_vouches_for_it():
    series = _Series(MIN, keep=10)
    now = 10 * MIN + 1000
    assert series.candles(now, fresh_ms=10_000) is None  # nothing seeded
    series.seed([candle(7 * MIN), candle(8 * MIN), candle(9 * MIN)])
    assert series.candles(now, fresh_ms=10_000) is None  # seeded, but no stream update yet
    series.apply(candle(10 * MIN, closed=False), now)
    assert [c.open_ms for c in series.candles(now, fresh_ms=10_000)] == [
        7 * MIN,
        8 * MIN,
        9 * MIN,
        10 * MIN,
    ]
    assert series.candles(now + 10_001, fresh_ms=10_000) is None  # the stream went quiet
    later = 11 * MIN + 1000
    series.apply(candle(11 * MIN, closed=False), later)  # the close of 10 never came
    assert series.candles(later, fresh_ms=10_000) is None
    series.apply(candle(10 * MIN), later)
    assert series.candles(later, fresh_ms=10_000) is not None
    series.apply(candle(13 * MIN, closed=False), 13 * MIN)  # 12 was skipped: a hole
    assert series.candles(13 * MIN, fresh_ms=10_000) is None


def test_a_series_keeps_only_the_lookback():
    series = _Series(MIN, keep=3)
    series.seed([candle(i * MIN) for i in range(3)])
    for i in range(3, 6):
        series.apply(candle(i * MIN), i * MIN)
    assert sorted(series.by_open) == [3 * MIN, 4 * MIN, 5 * MIN]


async def test_without_running_streams_every_read_goes_to_rest(paper, clock):
    exchange = Counting(paper.inner)
    cache = MarketCache(exchange, clock, symbols=["BTC/USDT"], series=[("BTC/USDT", "1m")], keep=60)
    for _ in range(3):
        await cache.ticker("BTC/USDT")
        await cache.candles("BTC/USDT", "1m", limit=60)
        await clock.advance(5)
    assert exchange.calls == {"get_ticker": 3, "get_candles": 3}


async def test_streamed_candles_and_tickers_equal_what_rest_says(paper, clock):
    exchange = Counting(paper.inner)
    cache = MarketCache(exchange, clock, symbols=["BTC/USDT"], series=[("BTC/USDT", "1m")], keep=60)
    task = asyncio.create_task(cache.run())
    await settle()
    try:
        for _ in range(40):  # 200 s: three candles end while the stream is followed
            await clock.advance(5)
            await settle()
            await cache.candles("BTC/USDT", "1m", limit=60)
            await cache.ticker("BTC/USDT")
        assert exchange.calls == {"get_candles": 1}  # the seed; never a ticker read
        assert await cache.candles("BTC/USDT", "1m", limit=60) == await paper.inner.get_candles(
            "BTC/USDT", "1m", limit=60
        )
        assert await cache.ticker("BTC/USDT") == await paper.inner.get_ticker("BTC/USDT")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await cache.candles("BTC/USDT", "1m", limit=60) is not None
    assert exchange.calls["get_candles"] == 2  # the stream ended: back to REST


async def test_with_live_private_streams_fills_are_polled_only_on_reconciliation_ticks(
    paper, clock, config, state_path
):
    exchange = Counting(paper.inner)
    store = SqliteStorage(state_path)
    bot = Bot(config, exchange, store, clock)  # reconcile every 15 s, a tick every 5 s
    await bot.start()
    streams = asyncio.create_task(bot.stream_follower().run())
    await settle()

    async def own_fills_on_the_exchange() -> set[str]:
        return {
            f.trade_id
            for s in bot.symbols
            for f in await paper.inner.get_fills(s)  # (not counted)
            if f.client_order_id and f.client_order_id.startswith("xk")
        }

    try:
        assert bot._private_streams is not None and bot._private_streams.live
        polled: list[bool] = []
        for _ in range(30):  # 150 s: both strategies trade, resting orders fill later
            before = exchange.calls["get_fills"]
            await bot.tick()
            polled.append(exchange.calls["get_fills"] > before)
            await clock.advance(5)
            await settle()
            # Between reconciliations the stream keeps the fills current: none is missing.
            assert {f.trade_id for f in store.fills()} == await own_fills_on_the_exchange()
        # The start reconciled at t=0; the trade lists are read only on the ticks the
        # reconciliation timer (15 s) falls on.
        assert polled == [i > 0 and i % 3 == 0 for i in range(30)]
        assert len(store.fills()) >= 2  # it did trade
    finally:
        streams.cancel()
        with pytest.raises(asyncio.CancelledError):
            await streams
        store.close()


class _Session:
    def __init__(self, kind: str) -> None:
        self.kind = kind


class SessionEvents:
    """An exchange whose private streams stay open and whose session events we script."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.events: asyncio.Queue[tuple[str, _Session]] = asyncio.Queue()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def _forever(self) -> AsyncIterator[Any]:
        await asyncio.Event().wait()
        yield None

    def stream_orders(self) -> AsyncIterator[Any]:
        return self._forever()

    def stream_fills(self) -> AsyncIterator[Any]:
        return self._forever()

    async def stream_events(self) -> AsyncIterator[tuple[str, _Session]]:
        while True:
            yield await self.events.get()


async def test_a_disconnected_session_is_not_live_and_a_reconnect_asks_for_reconciliation(
    paper, clock, store
):
    exchange = SessionEvents(paper.inner)
    executor = await make_executor(exchange, store, clock)
    asked: list[str] = []
    follower = StreamFollower(
        exchange, executor, FillSync(exchange, store, clock, prefix="xk"), on_gap=asked.append
    )
    task = asyncio.create_task(follower.run())
    await settle()
    try:
        assert follower.live
        exchange.events.put_nowait(("user", _Session("disconnected")))
        await settle()
        assert not follower.live and asked == ["user: disconnected"]
        exchange.events.put_nowait(("user", _Session("connected")))
        await settle()
        assert follower.live and asked == ["user: disconnected", "user: reconnected"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
