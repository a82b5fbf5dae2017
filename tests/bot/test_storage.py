"""The storage contract, on SQLite and on a real PostgreSQL server (the ``store`` and
``open_state`` fixtures are parametrized by backend): durable steps are atomic, fills are
append-only and deduplicated, state survives reopening."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import psycopg
import pytest
from exchangekit_bot.storage.base import Storage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchangekit import Fill, OrderStatus, Side
from tests.bot.helpers import market_plan

DB_ERRORS = (sqlite3.DatabaseError, psycopg.Error)


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


def test_the_store_implements_the_storage_interface(store):
    assert isinstance(store, Storage)


def test_fills_are_deduplicated_by_trade_id_and_cannot_be_changed(store):
    assert store.add_fill(fill("t1"), decision_id="d") is True
    assert store.add_fill(fill("t1", qty="9"), decision_id="d") is False
    assert [f.quantity for f in store.fills()] == [Decimal("0.1")]
    with pytest.raises(DB_ERRORS, match="append-only"):
        store._db.execute("UPDATE fills SET quantity = '5'")
    with pytest.raises(DB_ERRORS, match="append-only"):
        store._db.execute("DELETE FROM fills")
    assert [f.quantity for f in store.fills()] == [Decimal("0.1")]


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


def test_state_survives_reopening(open_state, backend):
    first = open_state()
    first.put_value("k", "v")
    first.set_pause("p", by="me", ts_ms=5)
    first.open_incident("kind", "detail", ts_ms=6)
    first.add_fill(fill("t1"), decision_id=None)
    first.close()
    second = open_state()
    assert second.get_value("k") == "v"
    assert second.pause_state().since_ms == 5
    assert [i.kind for i in second.incidents(open_only=True)] == ["kind"]
    assert second.fill_mark() == 1 and len(second.fills(after_mark=0)) == 1
    assert second.fills(after_mark=1) == []
    assert dict(second.values("k")) == {"k": "v"}
    if backend == "sqlite":
        assert second._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    second.close()


def test_orders_are_filtered_by_status(store, clock):
    from exchangekit_bot.execution.journal import OrderJournal

    OrderJournal(store, clock, prefix="xk").record_plans([market_plan()], "d")
    assert len(store.orders(statuses=(OrderStatus.PENDING,))) == 1
    assert store.orders(statuses=(OrderStatus.OPEN,)) == []


def test_decimals_round_trip_exactly(store):
    odd = [Decimal("0.10"), Decimal("1E-8"), Decimal("123456789012345678.123456789"), Decimal(0)]
    for i, value in enumerate(odd):
        f = Fill(
            symbol="BTC/USDT",
            trade_id=f"t{i}",
            order_id="1",
            client_order_id=None,
            side=Side.SELL,
            price=value,
            quantity=value,
            fee=value,
            realized_pnl=-value,
            timestamp_ms=i,
        )
        assert store.add_fill(f, decision_id=None)
    back = store.fills()
    assert [f.price for f in back] == odd and [f.realized_pnl for f in back] == [-v for v in odd]
    assert [str(f.quantity) for f in back] == [str(v) for v in odd]  # the scale is kept too


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    quantity=st.decimals(min_value=Decimal("1E-12"), max_value=Decimal(10**12), places=12),
    price=st.one_of(
        st.none(), st.decimals(min_value=Decimal("1E-8"), max_value=Decimal(10**9), places=8)
    ),
)
def test_a_journaled_order_reads_back_equal(store, quantity, price):
    from exchangekit_bot.storage.records import OrderRecord

    from exchangekit import OrderType

    record = OrderRecord(
        client_order_id=f"c{store.fill_mark()}-{len(store.orders())}",
        decision_id="d",
        strategy="s",
        symbol="BTC/USDT",
        interval="1m",
        side=Side.BUY,
        sequence=1,
        leg="entry",
        purpose=market_plan().purpose,
        order_type=OrderType.LIMIT,
        quantity=quantity,
        price=price,
        remaining_quantity=quantity,
        reduce_only=True,
    )
    store.insert_orders([record])
    assert store.get_order(record.client_order_id) == record
    assert store.orders()[-1] == record


def test_a_refused_duplicate_inside_a_step_leaves_the_step_usable(store, clock):
    """A caller may catch the KeyError and go on: the rest of the step still commits."""
    from exchangekit_bot.execution.journal import OrderJournal

    (record,) = OrderJournal(store, clock, prefix="xk").record_plans([market_plan()], "d")
    with store.transaction():
        with pytest.raises(KeyError):
            store.insert_orders([record])
        store.put_value("after", "the duplicate")
    assert store.get_value("after") == "the duplicate"


def test_fill_marks_follow_fills_written_by_another_connection(open_state):
    bot, other = open_state(), open_state()
    assert bot.add_fill(fill("t1"), decision_id=None)
    mark = bot.fill_mark()
    assert other.add_fill(fill("t2"), decision_id=None)
    assert not other.add_fill(fill("t1"), decision_id=None)  # known, from the other one
    assert [f.trade_id for f in bot.fills(after_mark=mark)] == ["t2"]
    assert bot.fill_mark() == other.fill_mark() == 2
    bot.close()
    other.close()
