"""PostgreSQL storage: SQLite's tables and semantics, for state on a database server.

Every durable step is one transaction that first takes a transaction-scoped advisory lock
(one per schema). Writers therefore queue behind each other as SQLite's ``BEGIN IMMEDIATE``
makes them: a read-then-write inside a step sees no interleaved writer (the journal relies
on that), and fills get their sequence numbers in commit order, so :meth:`fill_mark` never
hides a fill that commits later. Reads outside a step run in autocommit and see every
committed write, which is how a running bot sees the kill switch's pause, set from another
process through its own connection.

Money is ``NUMERIC``: exact, and ``1.50`` comes back as ``Decimal("1.50")``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import DictRow, dict_row

from exchangekit_bot.storage.base import StorageError
from exchangekit_bot.storage.dsn import redact_dsn, scrub
from exchangekit_bot.storage.sql import SqlStorage

__all__ = ["SCHEMA", "PostgresStorage"]

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    client_order_id TEXT PRIMARY KEY,
    decision_id TEXT NOT NULL,
    strategy TEXT NOT NULL,
    symbol TEXT NOT NULL,
    "interval" TEXT NOT NULL,
    side TEXT NOT NULL,
    "sequence" BIGINT NOT NULL,
    leg TEXT NOT NULL,
    purpose TEXT NOT NULL,
    order_type TEXT NOT NULL,
    quantity NUMERIC NOT NULL,
    price NUMERIC,
    stop_price NUMERIC,
    reduce_only BOOLEAN NOT NULL,
    post_only BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    filled_quantity NUMERIC NOT NULL,
    remaining_quantity NUMERIC NOT NULL,
    average_fill_price NUMERIC,
    exchange_order_id TEXT,
    market_ts_ms BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    send_started_ms BIGINT,
    send_attempts INTEGER NOT NULL,
    lookups INTEGER NOT NULL,
    next_action_ms BIGINT,
    updated_ms BIGINT NOT NULL,
    last_reason TEXT NOT NULL,
    parent_client_order_id TEXT,
    confirmed_landed BOOLEAN NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, symbol);
CREATE INDEX IF NOT EXISTS orders_by_send ON orders (send_started_ms);
CREATE INDEX IF NOT EXISTS orders_by_exchange_id ON orders (symbol, exchange_order_id);
CREATE TABLE IF NOT EXISTS order_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_order_id TEXT NOT NULL REFERENCES orders (client_order_id),
    ts_ms BIGINT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS order_events_by_order ON order_events (client_order_id);
CREATE TABLE IF NOT EXISTS fills (
    seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
    symbol TEXT NOT NULL,
    trade_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    client_order_id TEXT,
    side TEXT NOT NULL,
    price NUMERIC NOT NULL,
    quantity NUMERIC NOT NULL,
    fee NUMERIC NOT NULL,
    fee_asset TEXT,
    is_maker BOOLEAN,
    timestamp_ms BIGINT NOT NULL,
    received_ms BIGINT,
    realized_pnl NUMERIC,
    decision_id TEXT,
    PRIMARY KEY (symbol, trade_id)
);
CREATE INDEX IF NOT EXISTS fills_by_order ON fills (client_order_id);
CREATE TABLE IF NOT EXISTS risk_rejections (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    decision_id TEXT NOT NULL,
    ts_ms BIGINT NOT NULL,
    strategy TEXT NOT NULL,
    symbol TEXT NOT NULL,
    check_name TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS incidents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    opened_ms BIGINT NOT NULL,
    resolved_ms BIGINT,
    resolution TEXT
);
CREATE TABLE IF NOT EXISTS flags (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    set_by TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE OR REPLACE FUNCTION exchangekit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '% are append-only', TG_ARGV[0]; END $$;
DROP TRIGGER IF EXISTS fills_append_only ON fills;
CREATE TRIGGER fills_append_only BEFORE UPDATE OR DELETE ON fills
    FOR EACH ROW EXECUTE FUNCTION exchangekit_append_only('fills');
DROP TRIGGER IF EXISTS fills_no_truncate ON fills;
CREATE TRIGGER fills_no_truncate BEFORE TRUNCATE ON fills
    FOR EACH STATEMENT EXECUTE FUNCTION exchangekit_append_only('fills');
DROP TRIGGER IF EXISTS order_events_append_only ON order_events;
CREATE TRIGGER order_events_append_only BEFORE UPDATE OR DELETE ON order_events
    FOR EACH ROW EXECUTE FUNCTION exchangekit_append_only('order events');
DROP TRIGGER IF EXISTS order_events_no_truncate ON order_events;
CREATE TRIGGER order_events_no_truncate BEFORE TRUNCATE ON order_events
    FOR EACH STATEMENT EXECUTE FUNCTION exchangekit_append_only('order events');
"""

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@lru_cache(maxsize=256)
def _pyformat(query: str) -> str:
    """``query`` with psycopg's ``%s`` placeholders for the shared queries' ``?``."""
    return query.replace("%", "%%").replace("?", "%s")


def _lock_key(schema: str) -> int:
    """A stable signed 64-bit advisory-lock key for the bot's tables in ``schema``."""
    digest = hashlib.blake2b(f"exchangekit-bot:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresStorage(SqlStorage):
    """:class:`~exchangekit_bot.storage.base.Storage` on a PostgreSQL database.

    ``dsn`` is a libpq connection string or ``postgresql://`` URL (a password is better
    left to ``PGPASSWORD`` or ``~/.pgpass`` than written in a config file); ``schema``
    (created if missing) keeps one bot's tables apart from another's in the same database.
    The DSN's password never appears in this object's repr or in the errors it raises.
    """

    _SEQ = "seq"
    _BYTE_ORDER = ' COLLATE "C"'  # whatever the database's locale
    _NATIVE_TYPES = (Decimal,)

    def __init__(self, dsn: str, *, schema: str | None = None, connect_timeout: int = 10) -> None:
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise StorageError(f"schema must be a lower-case SQL identifier, got {schema!r}")
        self.location = redact_dsn(dsn)
        """The DSN without its password: safe to print."""
        # A timeout in the DSN wins; without one libpq would wait forever on a dead host.
        timeout: dict[str, Any] = (
            {} if "connect_timeout" in dsn else {"connect_timeout": connect_timeout}
        )
        try:
            self._db = psycopg.connect(dsn, autocommit=True, row_factory=dict_row, **timeout)
        except psycopg.Error as exc:
            # The driver's message may quote a malformed DSN; the chain would carry it too.
            raise StorageError(
                f"cannot connect to PostgreSQL at {self.location}: {scrub(str(exc), dsn)}"
            ) from None
        try:
            self.schema = self._open_schema(schema)
        except BaseException:
            self._db.close()
            raise

    def _open_schema(self, schema: str | None) -> str:
        if schema is not None:
            self._db.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        name = schema or self._scalar("SELECT current_schema()")
        if name is None:
            raise StorageError(f"{self.location}: the search_path names no existing schema")
        self._lock_key = _lock_key(str(name))
        # Creating the schema takes the same lock as every write, so two processes opening
        # a new database at once do not race on CREATE TABLE; an up-to-date schema is left
        # alone (no DDL, no table locks) on every later open.
        with self.transaction():
            exists = self._scalar("SELECT 1 FROM pg_namespace WHERE nspname = ?", (name,))
            if exists is None:  # (CREATE SCHEMA IF NOT EXISTS needs CREATE on the database)
                self._db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
            version = None
            if self._scalar("SELECT to_regclass('meta')") is not None:
                version = self._scalar("SELECT value FROM meta WHERE key = 'schema_version'")
            if version is None or int(version) < SCHEMA_VERSION:
                self._db.execute(SCHEMA)
                self._execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),),
                )
        return str(name)

    def __repr__(self) -> str:
        return f"PostgresStorage({self.location!r}, schema={self.schema!r})"

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @contextmanager
    def _step(self) -> Iterator[None]:
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_key,))
            yield

    def _execute(self, query: str, args: Sequence[Any] = ()) -> psycopg.Cursor[DictRow]:
        return self._db.execute(_pyformat(query), args)

    def _insert_id(self, query: str, args: Sequence[Any]) -> int:
        return int(self._scalar(query + " RETURNING id", args))
