"""The intent journal: orders are written before they are sent, and every status change
goes through the state machine and is recorded with its source, in one transaction.

Every change applies to the row as stored now, not to the copy a caller holds: the private
stream, the acknowledgement and a poll can each report the same order, in any order, and
an older report must never overwrite a newer one. A report that is behind what the journal
already knows (``open`` after ``partially_filled``, anything live after a final state) is
stale and ignored; only a final state contradicting another final state is a conflict.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import msgspec

from exchangekit import Order, OrderStatus, Side
from exchangekit.clock import Clock
from exchangekit_bot.crash import crash_point
from exchangekit_bot.execution.client_ids import client_order_id
from exchangekit_bot.execution.planner import OrderPlan
from exchangekit_bot.execution.state_machine import OrderProgress, Source, apply_update
from exchangekit_bot.observability.logs import decision_scope, log_event
from exchangekit_bot.storage.base import Storage
from exchangekit_bot.storage.records import OrderEvent, OrderRecord

__all__ = ["OrderJournal", "WORKING", "exchange_status", "is_stale_report"]

logger = logging.getLogger("exchangekit_bot.journal")
WORKING = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
ZERO = Decimal(0)


def exchange_status(order: Order) -> OrderStatus:
    """The status an exchange report means for the journal.

    An order the exchange reports at all has landed, so its ``pending`` or ``unknown``
    counts as ``open``; an ``open`` order with fills is ``partially_filled``.
    """
    status = order.status
    if status in (OrderStatus.PENDING, OrderStatus.UNKNOWN):
        status = OrderStatus.OPEN
    if status is OrderStatus.OPEN and order.filled_quantity > 0:
        status = OrderStatus.PARTIALLY_FILLED
    return status


_PROGRESS = {
    OrderStatus.PENDING: 0,
    OrderStatus.UNKNOWN: 0,
    OrderStatus.OPEN: 1,
    OrderStatus.PARTIALLY_FILLED: 2,
}


def is_stale_report(record: OrderRecord, status: OrderStatus, filled: Decimal) -> bool:
    """True when a report of ``status`` with ``filled`` is behind what ``record`` knows.

    Orders only move forward (pending -> open -> partially filled -> final, fills growing),
    so a report that would move one back was overtaken by a later one.
    """
    if record.status.is_terminal:
        return not status.is_terminal
    if status.is_terminal:
        return False
    if filled < record.filled_quantity:
        return True
    return _PROGRESS.get(status, 0) < _PROGRESS.get(record.status, 0)


class OrderJournal:
    """Storage-facing half of execution: creates, transitions and queries order records."""

    def __init__(self, store: Storage, clock: Clock, *, prefix: str) -> None:
        self.store = store
        self.clock = clock
        self.prefix = prefix

    def record_plans(self, plans: list[OrderPlan], decision_id: str) -> list[OrderRecord]:
        """Journal ``plans`` atomically. A plan whose client order id is already journaled
        is not written again: the existing record is returned (the decision was made
        before, e.g. before a restart), which is what makes re-deciding idempotent."""
        now = self.clock.now_ms()
        out: list[OrderRecord] = []
        fresh: list[OrderRecord] = []
        with self.store.transaction():
            for plan in plans:
                cid = client_order_id(plan.key, prefix=self.prefix)
                existing = self.store.get_order(cid)
                if existing is not None:
                    out.append(existing)
                    continue
                record = OrderRecord(
                    client_order_id=cid,
                    decision_id=decision_id,
                    strategy=plan.key.strategy,
                    symbol=plan.key.symbol,
                    interval=plan.key.interval,
                    side=plan.key.side,
                    sequence=plan.key.sequence,
                    leg=plan.key.leg,
                    purpose=plan.purpose,
                    order_type=plan.order_type,
                    quantity=plan.quantity,
                    price=plan.price,
                    stop_price=plan.stop_price,
                    reduce_only=plan.reduce_only,
                    post_only=plan.post_only,
                    remaining_quantity=plan.quantity,
                    market_ts_ms=plan.market_ts_ms,
                    created_ms=now,
                    due_ms=plan.due_ms,
                    updated_ms=now,
                    last_reason="journaled",
                    parent_client_order_id=plan.parent,
                )
                fresh.append(record)
                out.append(record)
            self.store.insert_orders(fresh)
        if fresh:
            crash_point("journaled")
        for record in fresh:
            with decision_scope(record.decision_id):
                log_event(
                    logger,
                    "order_journaled",
                    client_order_id=record.client_order_id,
                    symbol=record.symbol,
                    side=record.side,
                    type=record.order_type,
                    quantity=record.quantity,
                    price=record.price,
                    purpose=record.purpose,
                    due_ms=record.due_ms,
                )
        return out

    def current(self, record: OrderRecord) -> OrderRecord:
        """``record`` as stored now (another report may have moved it since it was read)."""
        return self.store.get_order(record.client_order_id) or record

    def update(self, record: OrderRecord, **changes: Any) -> OrderRecord:
        """Persist non-status changes (send marks, lookup counters, schedules) to the row as
        stored now."""
        changed = msgspec.structs.replace(
            self.current(record), updated_ms=self.clock.now_ms(), **changes
        )
        self.store.update_order(changed)
        return changed

    def transition(
        self,
        record: OrderRecord,
        status: OrderStatus,
        source: Source,
        reason: str,
        *,
        filled: Decimal | None = None,
        remaining: Decimal | None = None,
        average_fill_price: Decimal | None = None,
        **changes: Any,
    ) -> OrderRecord:
        """Move ``record`` (as stored now) to ``status`` if the state machine allows it (else
        raise ``IllegalTransition``), persisting the record and an order event together."""
        record = self.current(record)
        progress = apply_update(
            OrderProgress(
                status=record.status,
                requested=record.quantity,
                filled=record.filled_quantity,
                remaining=record.remaining_quantity,
                average_fill_price=record.average_fill_price,
            ),
            status,
            source,
            filled=filled,
            remaining=remaining,
            average_fill_price=average_fill_price,
        )
        updated = msgspec.structs.replace(
            record,
            status=progress.status,
            filled_quantity=progress.filled,
            remaining_quantity=progress.remaining or ZERO,
            average_fill_price=progress.average_fill_price,
            **changes,
        )
        if updated == record:
            return record
        updated = msgspec.structs.replace(
            updated, updated_ms=self.clock.now_ms(), last_reason=reason
        )
        with self.store.transaction():
            self.store.update_order(updated)
            if record.status is not updated.status:
                self.store.add_order_event(
                    OrderEvent(
                        client_order_id=record.client_order_id,
                        ts_ms=updated.updated_ms,
                        from_status=record.status,
                        to_status=updated.status,
                        source=source.value,
                        reason=reason,
                    )
                )
        with decision_scope(record.decision_id):
            log_event(
                logger,
                "order_status",
                client_order_id=record.client_order_id,
                symbol=record.symbol,
                previous=record.status,
                status=updated.status,
                source=source,
                reason=reason,
                filled=updated.filled_quantity,
                remaining=updated.remaining_quantity,
                requested=updated.quantity,
            )
        return updated

    def apply_exchange_order(
        self, record: OrderRecord, order: Order, source: Source, reason: str, **changes: Any
    ) -> OrderRecord:
        """Bring ``record`` in line with the exchange's report of the order; a report behind
        what the journal already knows is ignored (the current record is returned)."""
        record = self.current(record)
        status = exchange_status(order)
        if is_stale_report(record, status, order.filled_quantity):
            log_event(
                logger,
                "stale_report",
                level=logging.DEBUG,
                client_order_id=record.client_order_id,
                journal=record.status,
                reported=status,
                source=source,
            )
            return record
        return self.transition(
            record,
            status,
            source,
            reason,
            filled=max(order.filled_quantity, record.filled_quantity),
            remaining=order.remaining_quantity,
            average_fill_price=order.average_fill_price,
            exchange_order_id=order.order_id or record.exchange_order_id,
            **changes,
        )

    # -- queries --------------------------------------------------------------------------

    def working(self, symbol: str | None = None) -> list[OrderRecord]:
        return self.store.orders(statuses=WORKING, symbol=symbol)

    def unresolved(self) -> list[OrderRecord]:
        """Orders whose outcome must be settled by lookup (unknown, or pending after a
        restart)."""
        return self.store.orders(statuses=(OrderStatus.UNKNOWN, OrderStatus.PENDING))

    def pending_by_symbol(self) -> dict[str, dict[Side, Decimal]]:
        """Quantity of journaled orders not yet at the exchange, by symbol and side (orders
        that can only add to a position: not reduce-only, not conditional)."""
        out: dict[str, dict[Side, Decimal]] = {}
        for record in self.store.orders(statuses=(OrderStatus.PENDING,)):
            if record.reduce_only or record.order_type.is_conditional:
                continue
            sides = out.setdefault(record.symbol, {})
            sides[record.side] = sides.get(record.side, ZERO) + record.remaining_quantity
        return out

    def unknown_by_symbol(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.store.orders(statuses=(OrderStatus.UNKNOWN,)):
            counts[record.symbol] = counts.get(record.symbol, 0) + 1
        return counts

    def sent_since(self, since_ms: int) -> int:
        """Orders whose send started at or after ``since_ms`` (the order-rate check)."""
        return self.store.count_sent_since(since_ms)
