"""The storage interface: everything durable goes through it.

SQLite (:mod:`exchangekit_bot.storage.sqlite`) is the default; PostgreSQL
(:mod:`exchangekit_bot.storage.postgres`), for state on a database server, implements the
same methods with the same semantics; both take their queries from
:class:`~exchangekit_bot.storage.sql.SqlStorage`. Every method that changes state is atomic
on its own; :meth:`Storage.transaction` groups several into one durable step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from exchangekit import Fill, OrderStatus
from exchangekit_bot.storage.records import (
    Incident,
    OrderEvent,
    OrderRecord,
    PauseState,
    RiskRejection,
)

__all__ = ["Storage", "StorageError"]


class StorageError(RuntimeError):
    """The state store cannot be opened or reached (the message never holds a password)."""


@runtime_checkable
class Storage(Protocol):
    """Durable state of one bot: journal, fills, rejections, incidents, flags, values."""

    def transaction(self) -> AbstractContextManager[None]:
        """Group the calls inside into one atomic, durable step (nesting joins the outer)."""
        ...

    def close(self) -> None: ...

    # -- the intent journal --------------------------------------------------------------

    def insert_orders(self, records: Sequence[OrderRecord]) -> None:
        """Journal new orders; raises ``KeyError`` if a client order id already exists."""
        ...

    def get_order(self, client_order_id: str) -> OrderRecord | None: ...

    def order_by_exchange_id(self, symbol: str, exchange_order_id: str) -> OrderRecord | None:
        """The journaled order the exchange knows as ``exchange_order_id`` on ``symbol``."""
        ...

    def update_order(self, record: OrderRecord) -> None:
        """Replace the stored row of ``record.client_order_id``."""
        ...

    def orders(
        self,
        *,
        statuses: Sequence[OrderStatus] | None = None,
        symbol: str | None = None,
        strategy: str | None = None,
    ) -> list[OrderRecord]:
        """Journaled orders, oldest first, filtered."""
        ...

    def count_sent_since(self, since_ms: int) -> int:
        """Orders whose send started at or after ``since_ms``."""
        ...

    def add_order_event(self, event: OrderEvent) -> None: ...

    def order_events(self, client_order_id: str) -> list[OrderEvent]: ...

    # -- fills (append-only, unique per symbol and trade id) -------------------------------

    def add_fill(self, fill: Fill, *, decision_id: str | None) -> bool:
        """Store ``fill`` unless its trade id is known; True when it was new."""
        ...

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
        ...

    def fill_mark(self) -> int:
        """A marker of how many fills are recorded (grows with every new fill)."""
        ...

    # -- risk, incidents, pause ----------------------------------------------------------

    def record_rejection(self, rejection: RiskRejection) -> None: ...

    def rejection_counts(self) -> dict[str, int]:
        """Rejections by check name."""
        ...

    def open_incident(self, kind: str, detail: str, *, ts_ms: int) -> Incident: ...

    def incidents(self, *, open_only: bool = False) -> list[Incident]: ...

    def resolve_incidents(self, resolution: str, *, ts_ms: int) -> int:
        """Close every open incident with ``resolution``; returns how many."""
        ...

    def set_pause(self, reason: str, *, by: str, ts_ms: int) -> None: ...

    def clear_pause(self, *, by: str, ts_ms: int) -> None: ...

    def pause_state(self) -> PauseState: ...

    # -- small named values (leverage state, equity peak, baselines) ----------------------

    def get_value(self, key: str) -> str | None: ...

    def put_value(self, key: str, value: str) -> None: ...

    def values(self, prefix: str) -> Iterator[tuple[str, str]]:
        """Every stored value whose key starts with ``prefix``."""
        ...
