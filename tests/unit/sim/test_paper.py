"""The ``paper`` adapter behind ``ExchangeClient``: three lines to an order, streams, clock."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import pytest

import exchangekit
from exchangekit import (
    ExchangeClient,
    MarketKind,
    NotSupported,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit.clock import ManualClock
from exchangekit.sim import OrderEvent
from exchangekit.sim.paper import PaperClient

D = Decimal
T = TypeVar("T")


def paper(clock: ManualClock | None = None, **config: object) -> PaperClient:
    client = exchangekit.connect("paper", clock=clock or ManualClock(), **config)
    assert isinstance(client, PaperClient)
    return client


async def collecting(stream: AsyncIterator[T], count: int) -> asyncio.Task[list[T]]:
    """Start reading ``count`` items from ``stream``; returns once it is subscribed."""

    async def collect() -> list[T]:
        items: list[T] = []
        async for item in stream:
            items.append(item)
            if len(items) == count:
                break
        return items

    task = asyncio.create_task(collect())
    for _ in range(3):
        await asyncio.sleep(0)
    return task


async def finish(task: asyncio.Task[list[T]], clock: ManualClock | None = None) -> list[T]:
    """Wait for ``task``, moving the manual clock a tick at a time (never the wall clock)."""
    for _ in range(2000):
        if task.done():
            break
        if clock is not None:
            await clock.advance(0.25)
        else:
            await asyncio.sleep(0)
    assert task.done(), "the stream did not deliver"
    return await task


async def take(stream: AsyncIterator[T], count: int, clock: ManualClock) -> list[T]:
    return await finish(await collecting(stream, count), clock)


async def test_three_lines_place_an_order_on_a_ready_account() -> None:
    async with exchangekit.connect("paper") as ex:
        order = await ex.place_order(
            OrderRequest(symbol="BTC/USDT", side="buy", type="market", quantity=D("0.01"))  # type: ignore[arg-type]
        )
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == D("0.01")


async def test_default_account_and_markets() -> None:
    async with paper() as ex:
        assert isinstance(ex, ExchangeClient)
        instruments = await ex.load_instruments()
        assert list(instruments) == ["BTC/USDT", "ETH/USDT", "BTC/USDT:USDT"]
        assert instruments["BTC/USDT:USDT"].kind is MarketKind.PERPETUAL
        (usdt,) = await ex.get_balances()
        assert (usdt.asset, usdt.free, usdt.locked) == ("USDT", D(10_000), D(0))
        order = await ex.place_order(
            OrderRequest(symbol="ETH/USDT", side=Side.BUY, type=OrderType.MARKET, quantity=D(1))
        )
        fills = await ex.get_fills("ETH/USDT")
        assert fills[0].fee == 0
        assert {f.order_id for f in fills} == {order.order_id}
        candles = await ex.get_candles("BTC/USDT", "1m", limit=20)
        assert len(candles) == 20 and all(c.open_ms % 60_000 == 0 for c in candles)


async def test_capabilities_are_honest() -> None:
    async with paper() as ex:
        caps = ex.capabilities
        assert caps.market_kinds == {MarketKind.SPOT, MarketKind.PERPETUAL}
        assert caps.order_types == set(OrderType)
        assert not caps.hedge_mode and caps.reduce_only and caps.post_only
        with pytest.raises(NotSupported):
            await ex.place_order(
                OrderRequest(
                    symbol="BTC/USDT",
                    side=Side.BUY,
                    type=OrderType.LIMIT,
                    quantity=D("0.01"),
                    price=D(50_000),
                    time_in_force=TimeInForce.GTD,
                )
            )
        with pytest.raises(NotSupported):
            await ex.place_order(
                OrderRequest(
                    symbol="BTC/USDT:USDT",
                    side=Side.BUY,
                    type=OrderType.MARKET,
                    quantity=D("0.01"),
                    position_side=PositionSide.LONG,
                )
            )
        await ex.set_leverage("BTC/USDT:USDT", 3)
        await ex.place_order(
            OrderRequest(
                symbol="BTC/USDT:USDT", side=Side.SELL, type=OrderType.MARKET, quantity=D("0.01")
            )
        )
        (pos,) = await ex.get_positions()
        assert (pos.side, pos.leverage) == (PositionSide.SHORT, D(3))


def test_unknown_configuration_is_refused() -> None:
    with pytest.raises(TypeError):
        exchangekit.connect("paper", sed=3)


async def test_the_market_moves_with_the_clock_and_speed() -> None:
    clock = ManualClock()
    async with paper(clock, speed=10, seed=4) as ex:
        start = ex.sim.now_ms
        before = await ex.get_ticker("BTC/USDT")
        await clock.advance(6)
        after = await ex.get_ticker("BTC/USDT")
        assert ex.sim.now_ms == start + 60_000
        assert after.timestamp_ms == before.timestamp_ms + 60_000
        assert (after.bid, after.last) != (before.bid, before.last)


async def test_same_seed_and_clock_give_the_same_paper_session() -> None:
    async def run() -> list[object]:
        clock = ManualClock()
        async with paper(clock, seed=5) as ex:
            await clock.advance(30)
            await ex.place_order(
                OrderRequest(
                    symbol="BTC/USDT",
                    side=Side.BUY,
                    type=OrderType.MARKET,
                    quantity=D("0.01"),
                    client_order_id="one",
                )
            )
            await clock.advance(30)
            return [
                await ex.get_ticker("BTC/USDT"),
                await ex.get_balances(),
                ex.sim.record.encode(),
            ]

    assert await run() == await run()


async def test_order_stream_reports_new_then_cancelled() -> None:
    clock = ManualClock()
    async with paper(clock) as ex:
        waiting = await collecting(ex.stream_orders(), 2)
        ticker = await ex.get_ticker("BTC/USDT")
        assert ticker.bid is not None
        placed = await ex.place_order(
            OrderRequest(
                symbol="BTC/USDT",
                side=Side.BUY,
                type=OrderType.LIMIT,
                quantity=D("0.001"),
                price=ticker.bid - D(500),
            )
        )
        await ex.cancel_order("BTC/USDT", order_id=placed.order_id)
        updates = await finish(waiting)
        assert [u.status for u in updates] == [OrderStatus.OPEN, OrderStatus.CANCELLED]
        assert {u.order_id for u in updates} == {placed.order_id}


async def test_fill_balance_and_position_streams_follow_a_trade() -> None:
    clock = ManualClock()
    async with paper(clock, taker_fee="0.0005") as ex:
        fills = await collecting(ex.stream_fills(), 1)
        balances = await collecting(ex.stream_balances(), 1)
        positions = await collecting(ex.stream_positions(), 1)
        await ex.place_order(
            OrderRequest(
                symbol="BTC/USDT:USDT", side=Side.BUY, type=OrderType.MARKET, quantity=D("0.01")
            )
        )
        (fill,) = await finish(fills)
        (balance,) = await finish(balances)
        (position,) = await finish(positions)
        assert fill.side is Side.BUY and fill.is_maker is False and fill.fee > 0
        assert balance.asset == "USDT" and balance.locked > 0
        assert position.quantity == D("0.01") and position.side is PositionSide.LONG


async def test_market_streams_flow_as_the_clock_moves() -> None:
    clock = ManualClock()
    async with paper(clock) as ex:
        books = await take(ex.stream_order_book("BTC/USDT", 5), 3, clock)
        assert all(len(b.bids) == 5 and b.bids[0][0] < b.asks[0][0] for b in books)
        sequences = [b.sequence or 0 for b in books]
        assert sequences == sorted(sequences) and len(set(sequences)) == 3
        tickers = await take(ex.stream_tickers(["BTC/USDT", "ETH/USDT"]), 4, clock)
        assert {t.symbol for t in tickers} == {"BTC/USDT", "ETH/USDT"}
        trades = await take(ex.stream_trades("ETH/USDT"), 5, clock)
        assert all(t.symbol == "ETH/USDT" for t in trades)
        candles = await take(ex.stream_candles("BTC/USDT", "1m"), 300, clock)
        closed = [c for c in candles if c.closed]
        assert closed and all(c.open_ms % 60_000 == 0 for c in candles)


async def test_close_ends_streams_and_leaves_no_tasks_behind() -> None:
    before = set(asyncio.all_tasks())
    clock = ManualClock()
    ex = paper(clock)
    await ex.get_ticker("BTC/USDT")
    consumer = await collecting(ex.stream_fills(), 1)
    await ex.close()
    assert await finish(consumer) == []  # the stream ended
    await ex.close()  # twice is fine
    await asyncio.sleep(0)
    assert set(asyncio.all_tasks()) - before == set()
    assert clock.sleepers == 0


async def test_paper_trading_on_live_market_data_simulates_only_execution() -> None:
    clock = ManualClock()
    async with (
        paper(clock, seed=21) as source,
        paper(clock, market_data=source, symbols=["BTC/USDT"], poll_interval_s=1.0) as trader,
    ):
        assert list(await trader.load_instruments()) == ["BTC/USDT"]
        first_live = await source.get_order_book("BTC/USDT", 10)
        first_mine = await trader.get_order_book("BTC/USDT", 10)
        assert (first_mine.bids, first_mine.asks) == (first_live.bids, first_live.asks)
        await clock.advance(5)
        live = await source.get_order_book("BTC/USDT", 50)
        mine = await trader.get_order_book("BTC/USDT", 50)
        assert (mine.bids, mine.asks) == (live.bids, live.asks)
        order = await trader.place_order(
            OrderRequest(
                symbol="BTC/USDT", side=Side.BUY, type=OrderType.MARKET, quantity=D("0.001")
            )
        )
        assert order.average_fill_price == live.asks[0][0]
        assert source.sim.record.of(OrderEvent) == []  # the source never saw the order
        assert trader.sim.record.of(OrderEvent)[-1].order.order_id == order.order_id


async def test_recorded_file_drives_a_paper_market(tmp_path: Path) -> None:
    path = tmp_path / "eth.csv"
    path.write_text(
        "timestamp,open,high,low,close,volume\n"
        "1700000000000,3000,3010,2990,3005,12\n"
        "1700000060000,3005,3020,3001,3018,9\n"
    )
    clock = ManualClock()
    async with paper(clock, recorded={"ETH/USDT": path}, history_minutes=0) as ex:
        await clock.advance(150)
        ticker = await ex.get_ticker("ETH/USDT")
        assert ticker.last == D(3018) and ticker.high == D(3020)


def test_importing_exchangekit_does_not_import_the_simulator() -> None:
    code = "import sys, exchangekit; assert 'exchangekit.sim' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_demo_runs_a_minute_and_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    from exchangekit.sim.demo import main

    assert main(["--minutes", "1", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Summary (1 simulated minutes" in out
    for label in (
        "orders placed",
        "fills",
        "fees paid",
        "realized PnL",
        "final balances",
        "equity",
    ):
        assert label in out
    assert "[01:00] BTC/USDT" in out
    assert "USDT" in out.split("final balances")[1]
