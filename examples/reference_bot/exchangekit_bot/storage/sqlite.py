"""SQLite storage: one file, WAL journal, a transaction around every durable step.

The kill switch opens the same file from another process to set the pause flag; WAL lets
it write while the bot holds the database open, and ``busy_timeout`` makes either side
wait briefly for the other's write lock instead of failing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import msgspec

from exchangekit import Fill, OrderStatus
from exchangekit_bot.storage.records import (
    Incident,
    OrderEvent,
    OrderRecord,
    PauseState,
    RiskRejection,
)

__all__ = ["SCHEMA", "SqliteStorage"]

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY,
    decision_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    symbol TEXT NOT NULL,
    interval TEXT NOT NULL,
    side TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    leg TEXT NOT NULL,
    purpose TEXT NOT NULL,
    order_type TEXT NOT NULL,
    quantity TEXT NOT NULL,
    price TEXT,
    stop_price TEXT,
    reduce_only INTEGER NOT NULL,
    post_only INTEGER NOT NULL,
    status TEXT NOT NULL,
    filled_quantity TEXT NOT NULL,
    remaining_quantity TEXT NOT NULL,
    average_fill_price TEXT,
    exchange_order_id TEXT,
    market_ts_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    due_ms INTEGER NOT NULL,
    send_started_ms INTEGER,
    send_attempts INTEGER NOT NULL,
    lookups INTEGER NOT NULL,
    next_action_ms INTEGER,
    updated_ms INTEGER NOT NULL,
    last_reason TEXT NOT NULL,
    parent_client_order_id TEXT,
    confirmed_landed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, symbol);
CREATE INDEX IF NOT EXISTS orders_by_send ON orders (send_started_ms);
CREATE INDEX IF NOT EXISTS orders_by_exchange_id ON orders (symbol, exchange_order_id);
CREATE TABLE IF NOT EXISTS order_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
    ts_ms INTEGER NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS order_events_by_order ON order_events (client_order_id);
CREATE TABLE IF NOT EXISTS fills (
    symbol TEXT NOT NULL,
    trade_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    client_order_id TEXT,
    side TEXT NOT NULL,
    price TEXT NOT NULL,
    quantity TEXT NOT NULL,
    fee TEXT NOT NULL,
    fee_asset TEXT,
    is_maker INTEGER,
    timestamp_ms INTEGER NOT NULL,
    received_ms INTEGER,
    realized_pnl TEXT,
    decision_id TEXT,
    PRIMARY KEY (symbol, trade_id)
);
CREATE INDEX IF NOT EXISTS fills_by_order ON fills (client_order_id);
CREATE TABLE IF NOT EXISTS risk_rejections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    strategy TEXT NOT NULL,
    symbol TEXT NOT NULL,
    check_name TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    opened_ms INTEGER NOT NULL,
    resolved_ms INTEGER,
    resolution TEXT
);
CREATE TABLE IF NOT EXISTS flags (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    set_by TEXT NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS fills_append_only_u BEFORE UPDATE ON fills
    BEGIN SELECT RAISE(ABORT, 'fills are append-only'); END;
CREATE TRIGGER IF NOT EXISTS fills_append_only_d BEFORE DELETE ON fills
    BEGIN SELECT RAISE(ABORT, 'fills are append-only'); END;
CREATE TRIGGER IF NOT EXISTS order_events_append_only_u BEFORE UPDATE ON order_events
    BEGIN SELECT RAISE(ABORT, 'order events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS order_events_append_only_d BEFORE DELETE ON order_events
    BEGIN SELECT RAISE(ABORT, 'order events are append-only'); END;
"""

_ORDER_COLUMNS = OrderRecord.__struct_fields__
_FILL_COLUMNS = Fill.__struct_fields__
_PAUSE = "paused"


def _row(struct: msgspec.Struct) -> dict[str, Any]:
    # Decimals become exact strings, enums their values, bools 0/1.
    return msgspec.to_builtins(struct)  # type: ignore[no-any-return]


class SqliteStorage:
    """:class:`~exchangekit_bot.storage.base.Storage` on one SQLite file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        self._db.row_factory = sqlite3.Row
        self._depth = 0
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed journal row survives power loss, not just a process crash.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(
            "BEGIN IMMEDIATE;"
            + SCHEMA
            + "INSERT OR IGNORE INTO meta (key, value) VALUES "
            + f"('schema_version', '{SCHEMA_VERSION}'); COMMIT;"
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic, durable step; an inner ``transaction()`` joins the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._db.execute("ROLLBACK")
            raise
        self._depth = 0
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # -- the intent journal --------------------------------------------------------------

    def insert_orders(self, records: Sequence[OrderRecord]) -> None:
        columns = ", ".join(_ORDER_COLUMNS)
        marks = ", ".join(f":{c}" for c in _ORDER_COLUMNS)
        with self.transaction():
            for record in records:
                try:
                    self._db.execute(
                        f"INSERT INTO orders ({columns}) VALUES ({marks})", _row(record)
                    )
                except sqlite3.IntegrityError:
                    raise KeyError(f"order {record.client_order_id} is already journaled") from None

    def get_order(self, client_order_id: str) -> OrderRecord | None:
        row = self._db.execute(
            "SELECT * FROM orders WHERE client_order_id = ?", (client_order_id,)
        ).fetchone()
        return None if row is None else msgspec.convert(dict(row), OrderRecord, strict=False)

    def order_by_exchange_id(self, symbol: str, exchange_order_id: str) -> OrderRecord | None:
        row = self._db.execute(
            "SELECT * FROM orders WHERE symbol = ? AND exchange_order_id = ?",
            (symbol, exchange_order_id),
        ).fetchone()
        return None if row is None else msgspec.convert(dict(row), OrderRecord, strict=False)

    def update_order(self, record: OrderRecord) -> None:
        sets = ", ".join(f"{c} = :{c}" for c in _ORDER_COLUMNS if c != "client_order_id")
        with self.transaction():
            cursor = self._db.execute(
                f"UPDATE orders SET {sets} WHERE client_order_id = :client_order_id", _row(record)
            )
            if cursor.rowcount != 1:
                raise KeyError(f"order {record.client_order_id} is not journaled")

    def orders(
        self,
        *,
        statuses: Sequence[OrderStatus] | None = None,
        symbol: str | None = None,
        strategy: str | None = None,
    ) -> list[OrderRecord]:
        where: list[str] = []
        args: list[str] = []
        if statuses is not None:
            where.append(f"status IN ({', '.join('?' for _ in statuses)})")
            args.extend(s.value for s in statuses)
        if symbol is not None:
            where.append("symbol = ?")
            args.append(symbol)
        if strategy is not None:
            where.append("strategy = ?")
            args.append(strategy)
        sql = "SELECT * FROM orders"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY created_ms, rowid", args).fetchall()
        return [msgspec.convert(dict(r), OrderRecord, strict=False) for r in rows]

    def count_sent_since(self, since_ms: int) -> int:
        row = self._db.execute(
            "SELECT COUNT(*) FROM orders WHERE send_started_ms >= ?", (since_ms,)
        ).fetchone()
        return int(row[0])

    def add_order_event(self, event: OrderEvent) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO order_events (client_order_id, ts_ms, from_status, to_status, "
                "source, reason) VALUES (:client_order_id, :ts_ms, :from_status, :to_status, "
                ":source, :reason)",
                _row(event),
            )

    def order_events(self, client_order_id: str) -> list[OrderEvent]:
        rows = self._db.execute(
            "SELECT client_order_id, ts_ms, from_status, to_status, source, reason "
            "FROM order_events WHERE client_order_id = ? ORDER BY id",
            (client_order_id,),
        ).fetchall()
        return [msgspec.convert(dict(r), OrderEvent, strict=False) for r in rows]

    # -- fills ---------------------------------------------------------------------------

    def add_fill(self, fill: Fill, *, decision_id: str | None) -> bool:
        row = _row(fill)
        row["decision_id"] = decision_id
        columns = [*_FILL_COLUMNS, "decision_id"]
        with self.transaction():
            cursor = self._db.execute(
                f"INSERT OR IGNORE INTO fills ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})",
                row,
            )
            return cursor.rowcount == 1

    def fills(
        self,
        *,
        symbol: str | None = None,
        client_order_id: str | None = None,
        since_ms: int | None = None,
        after_mark: int | None = None,
    ) -> list[Fill]:
        where: list[str] = []
        args: list[str | int] = []
        for column, value in (("symbol", symbol), ("client_order_id", client_order_id)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if since_ms is not None:
            where.append("timestamp_ms >= ?")
            args.append(since_ms)
        if after_mark is not None:
            where.append("rowid > ?")
            args.append(after_mark)
        sql = f"SELECT {', '.join(_FILL_COLUMNS)} FROM fills"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY rowid", args).fetchall()
        return [msgspec.convert(dict(r), Fill, strict=False) for r in rows]

    def fill_mark(self) -> int:
        row = self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM fills").fetchone()
        return int(row[0])

    # -- risk, incidents, pause ----------------------------------------------------------

    def record_rejection(self, rejection: RiskRejection) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO risk_rejections (decision_id, ts_ms, strategy, symbol, check_name, "
                "reason) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    rejection.decision_id,
                    rejection.ts_ms,
                    rejection.strategy,
                    rejection.symbol,
                    rejection.check,
                    rejection.reason,
                ),
            )

    def rejection_counts(self) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT check_name, COUNT(*) FROM risk_rejections GROUP BY check_name ORDER BY 2 DESC"
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    def open_incident(self, kind: str, detail: str, *, ts_ms: int) -> Incident:
        with self.transaction():
            cursor = self._db.execute(
                "INSERT INTO incidents (kind, detail, opened_ms) VALUES (?, ?, ?)",
                (kind, detail, ts_ms),
            )
        return Incident(id=int(cursor.lastrowid or 0), kind=kind, detail=detail, opened_ms=ts_ms)

    def incidents(self, *, open_only: bool = False) -> list[Incident]:
        sql = "SELECT * FROM incidents"
        if open_only:
            sql += " WHERE resolved_ms IS NULL"
        rows = self._db.execute(sql + " ORDER BY id").fetchall()
        return [msgspec.convert(dict(r), Incident, strict=False) for r in rows]

    def resolve_incidents(self, resolution: str, *, ts_ms: int) -> int:
        with self.transaction():
            cursor = self._db.execute(
                "UPDATE incidents SET resolved_ms = ?, resolution = ? WHERE resolved_ms IS NULL",
                (ts_ms, resolution),
            )
        return cursor.rowcount

    def set_pause(self, reason: str, *, by: str, ts_ms: int) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO flags (name, value, set_by, updated_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                "set_by = excluded.set_by, updated_ms = excluded.updated_ms",
                (_PAUSE, reason or "paused", by, ts_ms),
            )

    def clear_pause(self, *, by: str, ts_ms: int) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM flags WHERE name = ?", (_PAUSE,))

    def pause_state(self) -> PauseState:
        row = self._db.execute(
            "SELECT value, set_by, updated_ms FROM flags WHERE name = ?", (_PAUSE,)
        ).fetchone()
        if row is None:
            return PauseState(paused=False)
        return PauseState(paused=True, reason=row[0], by=row[1], since_ms=row[2])

    # -- values --------------------------------------------------------------------------

    def get_value(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put_value(self, key: str, value: str) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def values(self, prefix: str) -> Iterator[tuple[str, str]]:
        rows = self._db.execute(
            "SELECT key, value FROM kv WHERE substr(key, 1, ?) = ? ORDER BY key",
            (len(prefix), prefix),
        ).fetchall()
        for key, value in rows:
            yield str(key), str(value)
