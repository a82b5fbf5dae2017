"""The storage queries, written once for both SQL backends.

:class:`SqlStorage` holds every method of :class:`~exchangekit_bot.storage.base.Storage`
whose SQL and logic are the same on SQLite and PostgreSQL. Queries use ``?`` placeholders
and read rows by column name; a backend supplies the connection (:meth:`SqlStorage._execute`,
which translates the placeholders if its driver wants another style), the outermost step
(:meth:`SqlStorage._step`), the new id of an insert, and three small dialect values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar, Protocol

import msgspec

from exchangekit import Fill, OrderStatus
from exchangekit_bot.storage.records import (
    Incident,
    OrderEvent,
    OrderRecord,
    PauseState,
    RiskRejection,
)

__all__ = ["Cursor", "Row", "SqlStorage"]

_ORDER_COLUMNS = OrderRecord.__struct_fields__
_ORDER_VALUES = [c for c in _ORDER_COLUMNS if c != "client_order_id"]
_FILL_COLUMNS = Fill.__struct_fields__
_EVENT_COLUMNS = OrderEvent.__struct_fields__
_PAUSE = "paused"


class Row(Protocol):
    """A result row read by column name (``sqlite3.Row``, psycopg's ``dict_row``)."""

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, key: str, /) -> Any: ...


class Cursor(Protocol):
    """What the queries need from a driver's cursor."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> Sequence[Row]: ...


def _names(columns: Iterable[str]) -> str:
    # Quoted: "interval" and "sequence" are keywords in PostgreSQL.
    return ", ".join(f'"{c}"' for c in columns)


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _sets(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}" = ?' for c in columns)


_SELECT_ORDERS = f"SELECT {_names(_ORDER_COLUMNS)} FROM orders"
_INSERT_ORDER = (
    f"INSERT INTO orders ({_names(_ORDER_COLUMNS)}) VALUES ({_marks(len(_ORDER_COLUMNS))}) "
    "ON CONFLICT (client_order_id) DO NOTHING"
)
_UPDATE_ORDER = f"UPDATE orders SET {_sets(_ORDER_VALUES)} WHERE client_order_id = ?"
_SELECT_EVENTS = f"SELECT {_names(_EVENT_COLUMNS)} FROM order_events"
_INSERT_EVENT = (
    f"INSERT INTO order_events ({_names(_EVENT_COLUMNS)}) VALUES ({_marks(len(_EVENT_COLUMNS))})"
)
_SELECT_FILLS = f"SELECT {_names(_FILL_COLUMNS)} FROM fills"
_INSERT_FILL = (
    f"INSERT INTO fills ({_names([*_FILL_COLUMNS, 'decision_id'])}) "
    f"VALUES ({_marks(len(_FILL_COLUMNS) + 1)}) ON CONFLICT (symbol, trade_id) DO NOTHING"
)
_SELECT_INCIDENTS = f"SELECT {_names(Incident.__struct_fields__)} FROM incidents"


class SqlStorage(ABC):
    """:class:`~exchangekit_bot.storage.base.Storage` on a SQL database, minus the dialect.

    A subclass opens the connection and the schema, and fills in the abstract hooks and
    the class values below; it inherits every query.
    """

    _SEQ: ClassVar[str]
    """The column that numbers ``orders`` and ``fills`` rows in insertion order."""
    _BYTE_ORDER: ClassVar[str]
    """The ``COLLATE`` clause (or nothing) that sorts text by its bytes."""
    _NATIVE_TYPES: ClassVar[tuple[type, ...]] = ()
    """Types the driver binds as they are (PostgreSQL: ``Decimal`` as ``NUMERIC``); a
    Decimal is otherwise stored as its exact string."""

    _depth = 0

    @abstractmethod
    def _execute(self, query: str, args: Sequence[Any] = ()) -> Cursor:
        """Run ``query`` (``?`` placeholders) with positional ``args``."""

    @abstractmethod
    def _insert_id(self, query: str, args: Sequence[Any]) -> int:
        """Run the ``INSERT`` ``query`` into a table keyed by ``id``; the new row's id."""

    @abstractmethod
    def _step(self) -> AbstractContextManager[None]:
        """One outermost durable step: begin, then commit, or roll back on any exception."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

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
            with self._step():
                yield
        finally:
            self._depth = 0

    # -- helpers ---------------------------------------------------------------------------

    def _values(self, struct: msgspec.Struct, columns: Iterable[str]) -> list[Any]:
        # Enums become their values; Decimals exact strings unless the driver takes them.
        row = msgspec.to_builtins(struct, builtin_types=self._NATIVE_TYPES)
        return [row[c] for c in columns]

    def _one(self, query: str, args: Sequence[Any] = ()) -> Row | None:
        return self._execute(query, args).fetchone()

    def _all(self, query: str, args: Sequence[Any] = ()) -> Sequence[Row]:
        return self._execute(query, args).fetchall()

    def _scalar(self, query: str, args: Sequence[Any] = ()) -> Any:
        row = self._one(query, args)
        return None if row is None else row[next(iter(row.keys()))]

    @staticmethod
    def _where(query: str, where: Sequence[str], order_by: str) -> str:
        if where:
            query += " WHERE " + " AND ".join(where)
        return f"{query} ORDER BY {order_by}"

    # -- the intent journal ----------------------------------------------------------------

    def insert_orders(self, records: Sequence[OrderRecord]) -> None:
        """Journal new orders; raises ``KeyError`` if a client order id already exists."""
        # DO NOTHING instead of a failed statement: a PostgreSQL transaction stays usable
        # after it, so a caller that catches the KeyError can go on, as on SQLite.
        with self.transaction():
            for record in records:
                args = self._values(record, _ORDER_COLUMNS)
                if self._execute(_INSERT_ORDER, args).rowcount != 1:
                    raise KeyError(f"order {record.client_order_id} is already journaled")

    def get_order(self, client_order_id: str) -> OrderRecord | None:
        """The journaled order ``client_order_id``, or None."""
        return self._order("client_order_id = ?", (client_order_id,))

    def order_by_exchange_id(self, symbol: str, exchange_order_id: str) -> OrderRecord | None:
        """The journaled order the exchange knows as ``exchange_order_id`` on ``symbol``."""
        return self._order("symbol = ? AND exchange_order_id = ?", (symbol, exchange_order_id))

    def _order(self, where: str, args: Sequence[Any]) -> OrderRecord | None:
        row = self._one(f"{_SELECT_ORDERS} WHERE {where}", args)
        return None if row is None else msgspec.convert(dict(row), OrderRecord, strict=False)

    def update_order(self, record: OrderRecord) -> None:
        """Replace the stored row of ``record.client_order_id``."""
        args = self._values(record, [*_ORDER_VALUES, "client_order_id"])
        with self.transaction():
            if self._execute(_UPDATE_ORDER, args).rowcount != 1:
                raise KeyError(f"order {record.client_order_id} is not journaled")

    def orders(
        self,
        *,
        statuses: Sequence[OrderStatus] | None = None,
        symbol: str | None = None,
        strategy: str | None = None,
    ) -> list[OrderRecord]:
        """Journaled orders, oldest first, filtered."""
        where: list[str] = []
        args: list[str] = []
        if statuses is not None:
            if not statuses:
                return []
            where.append(f"status IN ({_marks(len(statuses))})")
            args.extend(s.value for s in statuses)
        for column, value in (("symbol", symbol), ("strategy", strategy)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        rows = self._all(self._where(_SELECT_ORDERS, where, f"created_ms, {self._SEQ}"), args)
        return [msgspec.convert(dict(r), OrderRecord, strict=False) for r in rows]

    def count_sent_since(self, since_ms: int) -> int:
        """Orders whose send started at or after ``since_ms``."""
        return int(
            self._scalar("SELECT COUNT(*) FROM orders WHERE send_started_ms >= ?", (since_ms,))
        )

    def add_order_event(self, event: OrderEvent) -> None:
        """Append one status change to the audit trail."""
        with self.transaction():
            self._execute(_INSERT_EVENT, self._values(event, _EVENT_COLUMNS))

    def order_events(self, client_order_id: str) -> list[OrderEvent]:
        """The status changes of ``client_order_id``, in the order they were recorded."""
        rows = self._all(
            f"{_SELECT_EVENTS} WHERE client_order_id = ? ORDER BY id", (client_order_id,)
        )
        return [msgspec.convert(dict(r), OrderEvent, strict=False) for r in rows]

    # -- fills -----------------------------------------------------------------------------

    def add_fill(self, fill: Fill, *, decision_id: str | None) -> bool:
        """Store ``fill`` unless its trade id is known; True when it was new."""
        with self.transaction():
            # Look first (under the write lock) so a duplicate does not draw a number from
            # PostgreSQL's fill sequence: fill_mark then counts fills, as SQLite's rowid does.
            known = self._one(
                "SELECT 1 FROM fills WHERE symbol = ? AND trade_id = ?",
                (fill.symbol, fill.trade_id),
            )
            if known is not None:
                return False
            args = [*self._values(fill, _FILL_COLUMNS), decision_id]
            return self._execute(_INSERT_FILL, args).rowcount == 1

    def fills(
        self,
        *,
        symbol: str | None = None,
        client_order_id: str | None = None,
        since_ms: int | None = None,
        after_mark: int | None = None,
    ) -> list[Fill]:
        """Recorded fills in the order they were recorded; ``after_mark`` keeps only those
        recorded after :meth:`fill_mark` returned that value."""
        where: list[str] = []
        args: list[str | int] = []
        for column, value in (
            ("symbol = ?", symbol),
            ("client_order_id = ?", client_order_id),
            ("timestamp_ms >= ?", since_ms),
            (f"{self._SEQ} > ?", after_mark),
        ):
            if value is not None:
                where.append(column)
                args.append(value)
        rows = self._all(self._where(_SELECT_FILLS, where, self._SEQ), args)
        return [msgspec.convert(dict(r), Fill, strict=False) for r in rows]

    def fill_mark(self) -> int:
        """A marker of how many fills are recorded (grows with every new fill)."""
        return int(self._scalar(f"SELECT COALESCE(MAX({self._SEQ}), 0) FROM fills"))

    # -- risk, incidents, pause ------------------------------------------------------------

    def record_rejection(self, rejection: RiskRejection) -> None:
        """Record an intent the risk layer stopped."""
        with self.transaction():
            self._execute(
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
        """Rejections by check name."""
        rows = self._all(
            "SELECT check_name, COUNT(*) AS n FROM risk_rejections GROUP BY check_name "
            "ORDER BY n DESC"
        )
        return {str(r["check_name"]): int(r["n"]) for r in rows}

    def open_incident(self, kind: str, detail: str, *, ts_ms: int) -> Incident:
        """Record a new open incident."""
        with self.transaction():
            new_id = self._insert_id(
                "INSERT INTO incidents (kind, detail, opened_ms) VALUES (?, ?, ?)",
                (kind, detail, ts_ms),
            )
        return Incident(id=new_id, kind=kind, detail=detail, opened_ms=ts_ms)

    def incidents(self, *, open_only: bool = False) -> list[Incident]:
        """Every incident (or the open ones), oldest first."""
        where = ["resolved_ms IS NULL"] if open_only else []
        rows = self._all(self._where(_SELECT_INCIDENTS, where, "id"))
        return [msgspec.convert(dict(r), Incident, strict=False) for r in rows]

    def resolve_incidents(self, resolution: str, *, ts_ms: int) -> int:
        """Close every open incident with ``resolution``; returns how many."""
        with self.transaction():
            return self._execute(
                "UPDATE incidents SET resolved_ms = ?, resolution = ? WHERE resolved_ms IS NULL",
                (ts_ms, resolution),
            ).rowcount

    def set_pause(self, reason: str, *, by: str, ts_ms: int) -> None:
        """Set the persistent pause flag (an empty reason reads ``paused``)."""
        with self.transaction():
            self._execute(
                "INSERT INTO flags (name, value, set_by, updated_ms) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                "set_by = excluded.set_by, updated_ms = excluded.updated_ms",
                (_PAUSE, reason or "paused", by, ts_ms),
            )

    def clear_pause(self, *, by: str, ts_ms: int) -> None:
        """Clear the pause flag."""
        with self.transaction():
            self._execute("DELETE FROM flags WHERE name = ?", (_PAUSE,))

    def pause_state(self) -> PauseState:
        """The pause flag as it is now, whoever set it."""
        row = self._one("SELECT value, set_by, updated_ms FROM flags WHERE name = ?", (_PAUSE,))
        if row is None:
            return PauseState(paused=False)
        return PauseState(
            paused=True, reason=row["value"], by=row["set_by"], since_ms=row["updated_ms"]
        )

    # -- values ----------------------------------------------------------------------------

    def get_value(self, key: str) -> str | None:
        """The value stored under ``key``, or None."""
        value = self._scalar("SELECT value FROM kv WHERE key = ?", (key,))
        return None if value is None else str(value)

    def put_value(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing any earlier one."""
        with self.transaction():
            self._execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def values(self, prefix: str) -> Iterator[tuple[str, str]]:
        """Every stored value whose key starts with ``prefix``, in byte order of the keys."""
        rows = self._all(
            f"SELECT key, value FROM kv WHERE substr(key, 1, ?) = ? ORDER BY key{self._BYTE_ORDER}",
            (len(prefix), prefix),
        )
        for row in rows:
            yield str(row["key"]), str(row["value"])
