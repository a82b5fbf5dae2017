"""Reconciliation against the paper exchange; protective stops; halting; the heartbeat."""

from __future__ import annotations

from decimal import Decimal

import msgspec
from exchangekit_bot.bot import Bot
from exchangekit_bot.config import StrategyConfig
from exchangekit_bot.execution.client_ids import OrderKey, client_order_id
from exchangekit_bot.execution.planner import OrderPlan
from exchangekit_bot.execution.state_machine import Source
from exchangekit_bot.intents import Purpose
from exchangekit_bot.observability import BotMetrics, Heartbeat

from exchangekit import OrderRejected, OrderRequest, OrderStatus, OrderType, Side

D = Decimal
S = OrderStatus
TREND_ONLY = [
    StrategyConfig(
        name="trend",
        kind="trend",
        symbol="BTC/USDT:USDT",
        params={"fast": 3, "slow": 8, "notional": "1200", "allow_short": True, "band": "0"},
        protective_stop_pct=D("0.02"),
    )
]


def only_trend(config):
    return msgspec.structs.replace(config, strategies=TREND_ONLY)


async def run_ticks(bot: Bot, clock, n: int) -> None:
    for _ in range(n):
        await bot.tick()
        await clock.advance(5)


async def test_an_own_order_missing_from_the_journal_opens_an_incident_and_pauses_trading(
    paper, clock, config, store
):
    cid = client_order_id(
        OrderKey(strategy="ghost", symbol="ETH/USDT", interval="1m", side=Side.BUY, sequence=1)
    )
    await paper.inner.place_order(
        OrderRequest(
            symbol="ETH/USDT",
            side=Side.BUY,
            type=OrderType.LIMIT,
            quantity=D("0.01"),
            price=D(2000),
            client_order_id=cid,
        )
    )
    bot = Bot(config, paper, store, clock)
    await bot.start()
    assert [i.kind for i in store.incidents(open_only=True)] == ["orphan_order"]
    await run_ticks(bot, clock, 10)
    assert paper.place_calls == []  # fail-closed until an operator resumes
    assert set(store.rejection_counts()) == {"incident_open"}


async def test_an_unknown_order_listed_open_is_applied_without_a_lookup(
    paper, clock, config, store
):
    bot = Bot(config, paper, store, clock)
    await bot.start()
    plan = OrderPlan(
        key=OrderKey(
            strategy="quoter",
            symbol="ETH/USDT",
            interval="1m",
            side=Side.BUY,
            sequence=5,
            leg="quote",
        ),
        purpose=Purpose.QUOTE,
        order_type=OrderType.LIMIT,
        quantity=D("0.01"),
        price=D(2000),
    )
    (record,) = bot.journal.record_plans([plan], "d")
    await paper.inner.place_order(bot.executor._request(record))
    record = bot.journal.transition(
        record, S.UNKNOWN, Source.LOCAL, "timeout", next_action_ms=clock.now_ms() + 10**9
    )
    report = await bot.reconciler.run(await bot.snapshot())
    assert store.get_order(record.client_order_id).status is S.OPEN  # type: ignore[union-attr]
    assert report.applied and not report.incidents


async def test_a_position_change_the_journal_cannot_explain_is_an_incident_after_two_checks(
    paper, clock, config, store
):
    bot = Bot(only_trend(config), paper, store, clock)
    await bot.start()
    await paper.inner.place_order(
        OrderRequest(
            symbol="BTC/USDT:USDT", side=Side.BUY, type=OrderType.MARKET, quantity=D("0.01")
        )
    )
    first = await bot.reconciler.run(await bot.snapshot())
    assert first.position_differences["BTC/USDT:USDT"] == D("0.01") and not first.incidents
    second = await bot.reconciler.run(await bot.snapshot())
    assert second.incidents and "BTC/USDT:USDT" in second.incidents[0]
    third = await bot.reconciler.run(await bot.snapshot())
    assert len(store.incidents(open_only=True)) == 1 and third.incidents  # still one incident
    from exchangekit_bot.killswitch import resume

    resume(store, by="test", ts_ms=clock.now_ms())
    after = await bot.reconciler.run(await bot.snapshot())
    assert after.position_differences["BTC/USDT:USDT"] == 0 and not after.incidents


async def test_entries_get_an_exchange_side_reduce_only_stop(paper, clock, config, store):
    bot = Bot(only_trend(config), paper, store, clock)
    await bot.start()
    await run_ticks(bot, clock, 40)
    stops = [r for r in store.orders() if r.purpose is Purpose.STOP]
    assert stops, "no protective stop was placed"
    working = [r for r in stops if r.status is S.OPEN]
    position = (await paper.get_positions("BTC/USDT:USDT"))[0]
    assert position.quantity > 0  # seed 3: the trend follower holds a position by now
    assert len(working) == 1
    assert working[0].reduce_only and working[0].quantity == position.quantity
    exchange_stop = next(
        o
        for o in await paper.get_open_orders("BTC/USDT:USDT")
        if o.client_order_id == working[0].client_order_id
    )
    assert exchange_stop.type is OrderType.STOP_MARKET
    assert exchange_stop.side is (Side.SELL if position.signed_quantity > 0 else Side.BUY)


async def test_failing_stops_flatten_the_position_and_halt_after_the_budget(
    paper, clock, config, store
):
    paper.reject_stops = OrderRejected("stop orders disabled", exchange="paper")
    bot = Bot(only_trend(config), paper, store, clock)
    await bot.start()
    await run_ticks(bot, clock, 40)
    stop_attempts = [r for r in paper.place_calls if r.type is OrderType.STOP_MARKET]
    assert len(stop_attempts) == config.execution.stop_retry_budget
    assert store.pause_state().paused and "protective stop" in store.pause_state().reason
    assert [i.kind for i in store.incidents(open_only=True)] == ["halt"]
    assert all(p.quantity == 0 for p in await paper.get_positions())
    flatten = [r for r in store.orders() if r.purpose is Purpose.FLATTEN]
    assert flatten and all(r.reduce_only and r.status is S.FILLED for r in flatten)


async def test_daily_loss_beyond_the_limit_flattens_and_halts(paper, clock, config, store):
    tight = msgspec.structs.replace(
        only_trend(config), risk=msgspec.structs.replace(config.risk, max_daily_loss=D("0.5"))
    )
    bot = Bot(tight, paper, store, clock)
    await bot.start()
    await run_ticks(bot, clock, 60)
    assert store.pause_state().paused and "daily loss" in store.pause_state().reason
    assert all(p.quantity == 0 for p in await paper.get_positions())
    sent = len(paper.place_calls)
    await run_ticks(bot, clock, 10)
    assert len(paper.place_calls) == sent  # halted stays halted


async def test_heartbeat_reports_a_stalled_loop_once_and_its_recovery(clock):
    metrics = BotMetrics()
    stalls: list[float] = []
    beat = Heartbeat(clock, stall_after_s=10, metrics=metrics, on_stall=stalls.append)
    beat.beat()
    await clock.advance(9)
    assert not beat.check()
    await clock.advance(2)
    assert beat.check() and beat.check()
    assert len(stalls) == 1 and b"bot_loop_stalled 1.0" in metrics.render()
    beat.beat()
    assert not beat.stalled and b"bot_loop_stalled 0.0" in metrics.render()


async def test_metrics_cover_what_operators_alert_on(paper, clock, config, store):
    bot = Bot(config, paper, store, clock)
    await bot.start()
    await run_ticks(bot, clock, 12)
    text = bot.metrics.render().decode()
    for name in (
        "bot_decision_latency_seconds",
        "bot_skipped_decisions",
        "bot_orders_unknown",
        "bot_balance_difference",
        "bot_reconnects",
        "bot_rate_limit_usage_ratio",
        "bot_pnl",
        "bot_drawdown_ratio",
        "bot_orders_sent_total",
    ):
        assert name in text
