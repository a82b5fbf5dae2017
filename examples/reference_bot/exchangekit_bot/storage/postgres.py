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
from typing import Any

import msgspec
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from exchangekit import Fill, OrderStatus
from exchangekit_bot.storage.base import StorageError
from exchangekit_bot.storage.dsn import redact_dsn, scrub
from exchangekit_bot.storage.records import (
    Incident,
    OrderEvent,
    OrderRecord,
    PauseState,
    RiskRejection,
)

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

_ORDER_COLUMNS = OrderRecord.__struct_fields__
_FILL_COLUMNS = Fill.__struct_fields__
_EVENT_COLUMNS = OrderEvent.__struct_fields__
_PAUSE = "paused"
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _columns(names: Sequence[str]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _placeholders(names: Sequence[str]) -> sql.Composed:
    return sql.SQL(", ").join(sql.Placeholder(n) for n in names)


def _row(struct: msgspec.Struct) -> dict[str, Any]:
    # Enums become their values; Decimals stay Decimals (sent as NUMERIC, exactly).
    return msgspec.to_builtins(struct, builtin_types=(Decimal,))  # type: ignore[no-any-return]


_SELECT_ORDERS = sql.SQL("SELECT {} FROM orders").format(_columns(_ORDER_COLUMNS))
_SELECT_FILLS = sql.SQL("SELECT {} FROM fills").format(_columns(_FILL_COLUMNS))


def _lock_key(schema: str) -> int:
    """A stable signed 64-bit advisory-lock key for the bot's tables in ``schema``."""
    digest = hashlib.blake2b(f"exchangekit-bot:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresStorage:
    """:class:`~exchangekit_bot.storage.base.Storage` on a PostgreSQL database.

    ``dsn`` is a libpq connection string or ``postgresql://`` URL (a password is better
    left to ``PGPASSWORD`` or ``~/.pgpass`` than written in a config file); ``schema``
    (created if missing) keeps one bot's tables apart from another's in the same database.
    The DSN's password never appears in this object's repr or in the errors it raises.
    """

    def __init__(self, dsn: str, *, schema: str | None = None, connect_timeout: int = 10) -> None:
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise StorageError(f"schema must be a lower-case SQL identifier, got {schema!r}")
        self.location = redact_dsn(dsn)
        """The DSN without its password: safe to print."""
        self._depth = 0
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
            exists = self._scalar("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,))
            if exists is None:  # (CREATE SCHEMA IF NOT EXISTS needs CREATE on the database)
                self._db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
            version = None
            if self._scalar("SELECT to_regclass('meta')") is not None:
                version = self._scalar("SELECT value FROM meta WHERE key = 'schema_version'")
            if version is None or int(version) < SCHEMA_VERSION:
                self._db.execute(SCHEMA)
                self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(SCHEMA_VERSION),),
                )
        return str(name)

    def __repr__(self) -> str:
        return f"PostgresStorage({self.location!r}, schema={self.schema!r})"

    def _scalar(self, query: str, args: Sequence[Any] = ()) -> Any:
        row = self._db.execute(query, args).fetchone()
        return None if row is None else next(iter(row.values()))

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
        self._depth = 1
        try:
            with self._db.transaction():
                self._db.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_key,))
                yield
        finally:
            self._depth = 0

    def close(self) -> None:
        self._db.close()

    # -- the intent journal --------------------------------------------------------------

    def insert_orders(self, records: Sequence[OrderRecord]) -> None:
        # ON CONFLICT keeps the transaction usable after a duplicate (a failed statement
        # would abort it), so a caller that catches the KeyError can go on, as on SQLite.
        query = sql.SQL(
            "INSERT INTO orders ({}) VALUES ({}) ON CONFLICT (client_order_id) DO NOTHING"
        ).format(_columns(_ORDER_COLUMNS), _placeholders(_ORDER_COLUMNS))
        with self.transaction():
            for record in records:
                if self._db.execute(query, _row(record)).rowcount != 1:
                    raise KeyError(f"order {record.client_order_id} is already journaled")

    def get_order(self, client_order_id: str) -> OrderRecord | None:
        row = self._db.execute(
            _SELECT_ORDERS + sql.SQL(" WHERE client_order_id = %s"), (client_order_id,)
        ).fetchone()
        return None if row is None else msgspec.convert(row, OrderRecord, strict=False)

    def order_by_exchange_id(self, symbol: str, exchange_order_id: str) -> OrderRecord | None:
        row = self._db.execute(
            _SELECT_ORDERS + sql.SQL(" WHERE symbol = %s AND exchange_order_id = %s"),
            (symbol, exchange_order_id),
        ).fetchone()
        return None if row is None else msgspec.convert(row, OrderRecord, strict=False)

    def update_order(self, record: OrderRecord) -> None:
        sets = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c))
            for c in _ORDER_COLUMNS
            if c != "client_order_id"
        )
        query = sql.SQL("UPDATE orders SET {} WHERE client_order_id = %(client_order_id)s")
        with self.transaction():
            if self._db.execute(query.format(sets), _row(record)).rowcount != 1:
                raise KeyError(f"order {record.client_order_id} is not journaled")

    def orders(
        self,
        *,
        statuses: Sequence[OrderStatus] | None = None,
        symbol: str | None = None,
        strategy: str | None = None,
    ) -> list[OrderRecord]:
        where: list[sql.Composable] = []
        args: list[Any] = []
        if statuses is not None:
            if not statuses:
                return []
            where.append(sql.SQL("status = ANY(%s)"))
            args.append([s.value for s in statuses])
        if symbol is not None:
            where.append(sql.SQL("symbol = %s"))
            args.append(symbol)
        if strategy is not None:
            where.append(sql.SQL("strategy = %s"))
            args.append(strategy)
        query = _SELECT_ORDERS
        if where:
            query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where)
        rows = self._db.execute(query + sql.SQL(" ORDER BY created_ms, seq"), args).fetchall()
        return [msgspec.convert(r, OrderRecord, strict=False) for r in rows]

    def count_sent_since(self, since_ms: int) -> int:
        return int(
            self._scalar("SELECT COUNT(*) FROM orders WHERE send_started_ms >= %s", (since_ms,))
        )

    def add_order_event(self, event: OrderEvent) -> None:
        query = sql.SQL("INSERT INTO order_events ({}) VALUES ({})").format(
            _columns(_EVENT_COLUMNS), _placeholders(_EVENT_COLUMNS)
        )
        with self.transaction():
            self._db.execute(query, _row(event))

    def order_events(self, client_order_id: str) -> list[OrderEvent]:
        query = sql.SQL(
            "SELECT {} FROM order_events WHERE client_order_id = %s ORDER BY id"
        ).format(_columns(_EVENT_COLUMNS))
        rows = self._db.execute(query, (client_order_id,)).fetchall()
        return [msgspec.convert(r, OrderEvent, strict=False) for r in rows]

    # -- fills ---------------------------------------------------------------------------

    def add_fill(self, fill: Fill, *, decision_id: str | None) -> bool:
        row = _row(fill)
        row["decision_id"] = decision_id
        columns = [*_FILL_COLUMNS, "decision_id"]
        query = sql.SQL(
            "INSERT INTO fills ({}) VALUES ({}) ON CONFLICT (symbol, trade_id) DO NOTHING"
        ).format(_columns(columns), _placeholders(columns))
        with self.transaction():
            # Look first (under the write lock) so a duplicate does not draw a number from
            # the fill sequence: fill_mark then counts fills, as SQLite's rowid does.
            known = self._db.execute(
                "SELECT 1 FROM fills WHERE symbol = %s AND trade_id = %s",
                (fill.symbol, fill.trade_id),
            ).fetchone()
            if known is not None:
                return False
            return self._db.execute(query, row).rowcount == 1

    def fills(
        self,
        *,
        symbol: str | None = None,
        client_order_id: str | None = None,
        since_ms: int | None = None,
        after_mark: int | None = None,
    ) -> list[Fill]:
        where: list[sql.Composable] = []
        args: list[str | int] = []
        for column, value in (("symbol", symbol), ("client_order_id", client_order_id)):
            if value is not None:
                where.append(sql.SQL("{} = %s").format(sql.Identifier(column)))
                args.append(value)
        if since_ms is not None:
            where.append(sql.SQL("timestamp_ms >= %s"))
            args.append(since_ms)
        if after_mark is not None:
            where.append(sql.SQL("seq > %s"))
            args.append(after_mark)
        query = _SELECT_FILLS
        if where:
            query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where)
        rows = self._db.execute(query + sql.SQL(" ORDER BY seq"), args).fetchall()
        return [msgspec.convert(r, Fill, strict=False) for r in rows]

    def fill_mark(self) -> int:
        return int(self._scalar("SELECT COALESCE(MAX(seq), 0) FROM fills"))

    # -- risk, incidents, pause ----------------------------------------------------------

    def record_rejection(self, rejection: RiskRejection) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO risk_rejections (decision_id, ts_ms, strategy, symbol, check_name, "
                "reason) VALUES (%s, %s, %s, %s, %s, %s)",
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
            "SELECT check_name, COUNT(*) AS n FROM risk_rejections GROUP BY check_name "
            "ORDER BY n DESC"
        ).fetchall()
        return {str(r["check_name"]): int(r["n"]) for r in rows}

    def open_incident(self, kind: str, detail: str, *, ts_ms: int) -> Incident:
        with self.transaction():
            new_id = self._scalar(
                "INSERT INTO incidents (kind, detail, opened_ms) VALUES (%s, %s, %s) RETURNING id",
                (kind, detail, ts_ms),
            )
        return Incident(id=int(new_id), kind=kind, detail=detail, opened_ms=ts_ms)

    def incidents(self, *, open_only: bool = False) -> list[Incident]:
        query = "SELECT id, kind, detail, opened_ms, resolved_ms, resolution FROM incidents"
        if open_only:
            query += " WHERE resolved_ms IS NULL"
        rows = self._db.execute(query + " ORDER BY id").fetchall()
        return [msgspec.convert(r, Incident, strict=False) for r in rows]

    def resolve_incidents(self, resolution: str, *, ts_ms: int) -> int:
        with self.transaction():
            cursor = self._db.execute(
                "UPDATE incidents SET resolved_ms = %s, resolution = %s WHERE resolved_ms IS NULL",
                (ts_ms, resolution),
            )
        return cursor.rowcount

    def set_pause(self, reason: str, *, by: str, ts_ms: int) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO flags (name, value, set_by, updated_ms) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                "set_by = excluded.set_by, updated_ms = excluded.updated_ms",
                (_PAUSE, reason or "paused", by, ts_ms),
            )

    def clear_pause(self, *, by: str, ts_ms: int) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM flags WHERE name = %s", (_PAUSE,))

    def pause_state(self) -> PauseState:
        row = self._db.execute(
            "SELECT value, set_by, updated_ms FROM flags WHERE name = %s", (_PAUSE,)
        ).fetchone()
        if row is None:
            return PauseState(paused=False)
        return PauseState(
            paused=True, reason=row["value"], by=row["set_by"], since_ms=row["updated_ms"]
        )

    # -- values --------------------------------------------------------------------------

    def get_value(self, key: str) -> str | None:
        value = self._scalar("SELECT value FROM kv WHERE key = %s", (key,))
        return None if value is None else str(value)

    def put_value(self, key: str, value: str) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT INTO kv (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def values(self, prefix: str) -> Iterator[tuple[str, str]]:
        rows = self._db.execute(
            # COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
            'SELECT key, value FROM kv WHERE substr(key, 1, %s) = %s ORDER BY key COLLATE "C"',
            (len(prefix), prefix),
        ).fetchall()
        for row in rows:
            yield str(row["key"]), str(row["value"])
