"""SQLite storage: durable steps are atomic, fills are append-only and deduplicated."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from exchangekit_bot.storage import SqliteStorage
from exchangekit_bot.storage.base import Storage

from exchangekit import Fill, OrderStatus, Side
from tests.bot.helpers import market_plan


def fill(trade_id: str, qty: str = "0.1") -> Fill:
    return Fill(
        symbol="BTC/USDT",
        trade_id=trade_id,
        order_id="1",
        client_order_id="c",
        side=Side.BUY,
        price=Decimal(100),
        quantity=Decimal(qty),
        timestamp_ms=1,
    )


def test_sqlite_implements_the_storage_interface(store):
    assert isinstance(store, Storage)


def test_fills_are_deduplicated_by_trade_id_and_cannot_be_changed(store):
    assert store.add_fill(fill("t1"), decision_id="d") is True
    assert store.add_fill(fill("t1", qty="9"), decision_id="d") is False
    assert [f.quantity for f in store.fills()] == [Decimal("0.1")]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store._db.execute("UPDATE fills SET quantity = '5'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store._db.execute("DELETE FROM fills")


def test_a_failed_step_leaves_nothing_behind(store, clock):
    from exchangekit_bot.execution.journal import OrderJournal

    journal = OrderJournal(store, clock, prefix="xk")
    with pytest.raises(RuntimeError), store.transaction():
        journal.record_plans([market_plan(sequence=1), market_plan(sequence=2)], "d")
        raise RuntimeError("crash inside the step")
    assert store.orders() == []


def test_journaling_the_same_client_order_id_twice_is_refused(store, clock):
    from exchangekit_bot.execution.journal import OrderJournal

    journal = OrderJournal(store, clock, prefix="xk")
    (record,) = journal.record_plans([market_plan()], "d")
    with pytest.raises(KeyError):
        store.insert_orders([record])
    assert journal.record_plans([market_plan()], "d2")[0].decision_id == "d"


def test_state_survives_reopening(state_path):
    first = SqliteStorage(state_path)
    first.put_value("k", "v")
    first.set_pause("p", by="me", ts_ms=5)
    first.open_incident("kind", "detail", ts_ms=6)
    first.add_fill(fill("t1"), decision_id=None)
    first.close()
    second = SqliteStorage(state_path)
    assert second.get_value("k") == "v"
    assert second.pause_state().since_ms == 5
    assert [i.kind for i in second.incidents(open_only=True)] == ["kind"]
    assert second.fill_mark() == 1 and len(second.fills(after_mark=0)) == 1
    assert second.fills(after_mark=1) == []
    assert dict(second.values("k")) == {"k": "v"}
    assert second._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    second.close()


def test_orders_are_filtered_by_status(store, clock):
    from exchangekit_bot.execution.journal import OrderJournal

    OrderJournal(store, clock, prefix="xk").record_plans([market_plan()], "d")
    assert len(store.orders(statuses=(OrderStatus.PENDING,))) == 1
    assert store.orders(statuses=(OrderStatus.OPEN,)) == []
