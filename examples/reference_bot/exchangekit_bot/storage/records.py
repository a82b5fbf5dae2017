"""The rows the bot keeps: journaled orders, their events, risk rejections, incidents."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit import OrderStatus, OrderType, Side
from exchangekit_bot.intents import Purpose

__all__ = ["Incident", "OrderEvent", "OrderRecord", "PauseState", "RiskRejection"]

ZERO = Decimal(0)


class OrderRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One order in the intent journal, from the decision to its final state.

    It is written (``status=pending``, ``send_started_ms=None``) before anything is sent;
    ``send_started_ms`` is set, durably, right before the request leaves the process.
    """

    client_order_id: str
    decision_id: str
    strategy: str
    symbol: str
    interval: str
    side: Side
    sequence: int
    leg: str
    purpose: Purpose
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    reduce_only: bool = False
    post_only: bool = False
    status: OrderStatus = OrderStatus.PENDING
    filled_quantity: Decimal = ZERO
    remaining_quantity: Decimal = ZERO
    average_fill_price: Decimal | None = None
    exchange_order_id: str | None = None
    market_ts_ms: int = 0
    created_ms: int = 0
    due_ms: int = 0
    """Not to be sent before this time (TWAP slices)."""
    send_started_ms: int | None = None
    send_attempts: int = 0
    lookups: int = 0
    next_action_ms: int | None = None
    """When the next lookup (unknown) or re-send (transient failure) is due."""
    updated_ms: int = 0
    last_reason: str = ""
    parent_client_order_id: str | None = None
    confirmed_landed: bool = False
    """The exchange said the id was already used: the order exists even if a lookup
    cannot find it yet, so it is never declared 'never landed'."""


class OrderEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One status change of one order (append-only audit trail)."""

    client_order_id: str
    ts_ms: int
    from_status: OrderStatus
    to_status: OrderStatus
    source: str
    reason: str = ""


class RiskRejection(msgspec.Struct, frozen=True, kw_only=True):
    """An intent the risk layer stopped, and why."""

    decision_id: str
    ts_ms: int
    strategy: str
    symbol: str
    check: str
    reason: str


class Incident(msgspec.Struct, frozen=True, kw_only=True):
    """Something the bot could not resolve alone; the strategy stays paused while it is open."""

    id: int
    kind: str
    detail: str
    opened_ms: int
    resolved_ms: int | None = None
    resolution: str | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_ms is None


class PauseState(msgspec.Struct, frozen=True, kw_only=True):
    """The persistent pause flag that the kill switch and ``pause`` set."""

    paused: bool
    reason: str = ""
    by: str = ""
    since_ms: int | None = None
