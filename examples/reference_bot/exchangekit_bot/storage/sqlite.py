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

from exchangekit_bot.storage.sql import SqlStorage

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


class SqliteStorage(SqlStorage):
    """:class:`~exchangekit_bot.storage.base.Storage` on one SQLite file."""

    _SEQ = "rowid"
    _BYTE_ORDER = ""  # BINARY, SQLite's default collation, compares bytes

    def __init__(self, path: str) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        self._db.row_factory = sqlite3.Row
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

    def close(self) -> None:
        """Close the database file."""
        self._db.close()

    @contextmanager
    def _step(self) -> Iterator[None]:
        # IMMEDIATE takes the write lock up front: a read-then-write inside the step sees
        # no interleaved writer (another process waits, up to busy_timeout).
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _execute(self, query: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(query, args)

    def _insert_id(self, query: str, args: Sequence[Any]) -> int:
        # lastrowid rather than RETURNING, which needs SQLite 3.35.
        return int(self._db.execute(query, args).lastrowid or 0)
