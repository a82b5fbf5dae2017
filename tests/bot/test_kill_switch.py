"""Kill switch: a persistent pause, every order cancelled, every position flattened."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from exchangekit_bot.bot import Bot
from exchangekit_bot.cli import main
from exchangekit_bot.killswitch import kill, pause, resume
from exchangekit_bot.storage import SqliteStorage

from exchangekit import OrderRequest, OrderType, Side
from exchangekit.ratelimit.lane import effective_priority
from exchangekit.ratelimit.spec import Priority

D = Decimal


async def test_pause_survives_a_restart_and_the_restarted_bot_sends_nothing(
    paper, clock, config, open_state
):
    first = open_state()
    pause(first, "operator says stop", by="test", ts_ms=clock.now_ms())
    first.close()

    store = open_state()  # the bot process restarts
    assert store.pause_state().paused and store.pause_state().reason == "operator says stop"
    bot = Bot(config, paper, store, clock)
    await bot.start()
    for _ in range(30):  # 150 s of market: both strategies would have traded
        await bot.tick()
        await clock.advance(5)
    assert paper.place_calls == []
    assert store.orders() == []
    store.close()


async def test_a_running_bot_notices_the_pause_and_stops_sending(
    paper, clock, config, store, open_state
):
    bot = Bot(config, paper, store, clock)
    await bot.start()
    await bot.tick()
    sent = len(paper.place_calls)
    assert sent > 0  # it was trading
    other_process = open_state()  # the kill switch's own connection
    pause(other_process, "kill switch", by="kill-switch", ts_ms=clock.now_ms())
    other_process.close()
    for _ in range(20):
        await clock.advance(5)
        await bot.tick()
    assert len(paper.place_calls) == sent


async def test_kill_cancels_every_order_and_flattens_every_position(paper, clock, store):
    ex = paper.inner
    await ex.place_order(
        OrderRequest(
            symbol="BTC/USDT:USDT", side=Side.BUY, type=OrderType.MARKET, quantity=D("0.02")
        )
    )
    await ex.place_order(
        OrderRequest(
            symbol="BTC/USDT:USDT",
            side=Side.SELL,
            type=OrderType.STOP_MARKET,
            quantity=D("0.02"),
            stop_price=D(50000),
            reduce_only=True,
        )
    )
    await ex.place_order(
        OrderRequest(symbol="ETH/USDT", side=Side.BUY, type=OrderType.MARKET, quantity=D("0.5"))
    )
    await ex.place_order(
        OrderRequest(
            symbol="ETH/USDT", side=Side.BUY, type=OrderType.LIMIT, quantity=D("0.1"), price=D(2500)
        )
    )
    await ex.place_order(
        OrderRequest(
            symbol="BTC/USDT",
            side=Side.BUY,
            type=OrderType.LIMIT,
            quantity=D("0.001"),
            price=D(50000),
        )
    )
    assert len(await ex.get_open_orders()) == 3
    assert (await ex.get_positions())[0].quantity == D("0.02")
    # The bot's first reconciliation found no ETH on the account: all of it is the bot's.
    store.put_value("baseline:ETH/USDT", '{"quantity":"0","ts_ms":0,"fill_mark":0}')

    report = await kill(paper, store, clock, symbols=["BTC/USDT:USDT", "ETH/USDT"])

    assert report.clean, report
    assert await ex.get_open_orders() == []
    assert all(p.quantity == 0 for p in await ex.get_positions())
    eth = next(b for b in await ex.get_balances() if b.asset == "ETH")
    assert eth.total < D("0.0001")  # spot holdings the bot built are sold
    assert store.pause_state().paused and store.pause_state().by == "kill-switch"
    assert report.cancelled == 3


async def test_kill_waits_out_rate_limits_instead_of_giving_up(paper, clock, store):
    from exchangekit import RateLimited

    ex = paper.inner
    await ex.place_order(
        OrderRequest(
            symbol="BTC/USDT:USDT", side=Side.SELL, type=OrderType.MARKET, quantity=D("0.01")
        )
    )
    paper.raise_before_send = RateLimited("slow down", retry_after_s=2.0, exchange="paper")
    task = asyncio.create_task(kill(paper, store, clock, symbols=["BTC/USDT:USDT"]))
    waited = 0.0
    while not task.done() and waited < 30:
        await clock.advance(0.5)  # the kill switch waits on the clock, not the wall
        waited += 0.5
    report = task.result()
    assert waited >= 2.0
    assert report.clean
    assert all(p.quantity == 0 for p in await ex.get_positions())
    assert [r.reduce_only for r in paper.place_calls] == [True, True]  # retried once, reduce-only


async def test_every_kill_switch_request_waits_in_the_kill_switch_lane(paper, clock, store):
    lanes: list[Priority] = []

    class Recording:
        def __getattr__(self, name):
            inner = getattr(paper.inner, name)
            if not callable(inner) or name.startswith("_") or name == "capabilities":
                return inner

            async def call(*args, **kwargs):
                lanes.append(effective_priority(Priority.MARKET_DATA))
                return await inner(*args, **kwargs)

            return call

        capabilities = paper.inner.capabilities

    await paper.inner.place_order(
        OrderRequest(
            symbol="BTC/USDT:USDT", side=Side.BUY, type=OrderType.MARKET, quantity=D("0.01")
        )
    )
    report = await kill(Recording(), store, clock, symbols=["BTC/USDT:USDT"])
    assert report.clean and report.lane == "KILL_SWITCH"
    assert lanes and set(lanes) == {Priority.KILL_SWITCH}


def test_pause_and_resume_commands_share_the_state_file(state_path, capsys):
    assert main(["pause", "--state", state_path, "--reason", "maintenance"]) == 0
    store = SqliteStorage(state_path)
    assert store.pause_state().reason == "maintenance"
    store.open_incident("position_mismatch", "BTC/USDT: x", ts_ms=1)
    store.close()
    assert main(["status", "--state", state_path]) == 0
    assert "maintenance" in capsys.readouterr().out
    assert main(["resume", "--state", state_path]) == 0
    store = SqliteStorage(state_path)
    assert not store.pause_state().paused
    assert store.incidents(open_only=True) == []
    assert store.get_value("rebaseline") == "1"
    store.close()


def test_resume_function_reports_acknowledged_incidents(store):
    store.open_incident("halt", "drawdown", ts_ms=1)
    pause(store, "halt", by="bot", ts_ms=1)
    assert resume(store, by="tester", ts_ms=2) == 1


async def test_shadow_mode_decides_and_journals_but_never_sends(paper, clock, config, store):
    from exchangekit_bot.bot import Mode

    bot = Bot(config, paper, store, clock, mode=Mode.SHADOW)
    await bot.start()
    for _ in range(12):
        await bot.tick()
        await clock.advance(5)
    assert paper.place_calls == []
    decided = store.orders()
    assert decided and all(r.last_reason.startswith("shadow mode") for r in decided)
    assert all(r.send_started_ms is None for r in decided)


async def test_spot_holdings_are_left_alone_where_the_bot_never_recorded_a_baseline(
    paper, clock, store
):
    ex = paper.inner
    await ex.place_order(
        OrderRequest(symbol="ETH/USDT", side=Side.BUY, type=OrderType.MARKET, quantity=D("0.5"))
    )
    report = await kill(paper, store, clock, symbols=["ETH/USDT"])
    assert report.clean and report.flatten_orders == []
    eth = next(b for b in await ex.get_balances() if b.asset == "ETH")
    assert eth.total and eth.total > D("0.49")
