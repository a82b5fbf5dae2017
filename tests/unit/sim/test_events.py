"""Event delivery: after the operation, in order, re-entrant, robust to a failing callback."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchangekit import OrderStatus
from exchangekit.sim import (
    BalanceEvent,
    FillEvent,
    OrderEvent,
    OrderEventKind,
    PositionEvent,
    SimEvent,
    SimExchange,
)
from tests.unit.sim.conftest import PERP, check_ground_truth, order

D = Decimal


def test_a_callback_may_trade_and_its_events_follow_the_current_ones(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    seen: list[SimEvent] = []

    def take_profit(event: SimEvent) -> None:
        seen.append(event)
        if isinstance(event, FillEvent) and event.fill.side.value == "buy":
            sim.place_order(a, order("sell", str(event.fill.quantity), "101"))

    sim.subscribe(take_profit, account=a, kinds=[FillEvent, OrderEvent])
    sim.place_order(a, order("buy", "1"))
    kinds = [(type(e).__name__, getattr(e, "kind", None)) for e in seen]
    assert kinds == [
        ("OrderEvent", OrderEventKind.NEW),
        ("FillEvent", None),
        ("OrderEvent", OrderEventKind.TRADE),
        ("OrderEvent", OrderEventKind.NEW),
    ]
    assert [o.status for o in sim.open_orders(a)] == [OrderStatus.OPEN]
    assert [e.seq for e in sim.record] == sorted(e.seq for e in sim.record)
    check_ground_truth(sim)


def test_a_failing_callback_is_logged_and_others_still_get_events(
    sim: SimExchange, caplog: pytest.LogCaptureFixture
) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    got: list[SimEvent] = []

    def broken(event: SimEvent) -> None:
        raise RuntimeError("subscriber bug")

    sim.subscribe(broken, account=a)
    sim.subscribe(got.append, account=a)
    sim.place_order(a, order("buy", "1"))
    assert any(isinstance(e, FillEvent) for e in got)
    assert "subscriber" in caplog.text


def test_balance_and_position_events_name_what_changed(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    sim.place_order(a, order("buy", "1"))
    spot_change = sim.record.of(BalanceEvent, account=a)[-1]
    assert [b.asset for b in spot_change.balances] == ["BTC", "USDT"]
    assert spot_change.balances[0].total == D(1)
    sim.place_order(a, order("sell", "0.5", symbol=PERP))
    (position,) = sim.record.of(PositionEvent, account=a)
    assert position.position.symbol == PERP and position.position.quantity == D("0.5")
    assert sim.record.of(BalanceEvent, account=a)[-1].balances[0].asset == "USDT"
