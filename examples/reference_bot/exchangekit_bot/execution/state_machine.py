"""The order state machine: only legal transitions, terminal states final.

::

    pending ──► open ──► partially_filled ──► filled
       │          │              │
       │          └──────────────┴──► cancelled / expired
       ├──► filled / rejected / cancelled / expired
       └──► unknown ──(lookup only)──► open / partially_filled / filled /
                                       cancelled / expired / rejected (never landed)

``unknown`` leaves only through a lookup by client order id (``Source.LOOKUP``); an
acknowledgement or a stream message cannot resolve it, because an order whose submission
outcome is unknown must be confirmed by asking the exchange. Filled quantity never goes
down and never exceeds the requested quantity.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

import msgspec

from exchangekit import OrderStatus

__all__ = [
    "LEGAL_TRANSITIONS",
    "IllegalTransition",
    "OrderProgress",
    "Source",
    "apply_update",
    "check_transition",
    "is_legal",
]

S = OrderStatus
ZERO = Decimal(0)


class Source(StrEnum):
    """Where an order update came from."""

    LOCAL = "local"
    """The bot itself (a send that failed before reaching the exchange, a timeout)."""
    ACK = "ack"
    """The exchange's answer to the submission."""
    POLL = "poll"
    """An open-orders poll or an order lookup of a known order."""
    STREAM = "stream"
    LOOKUP = "lookup"
    """A lookup by client order id that resolves an unknown outcome."""


LEGAL_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING: frozenset(
        {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.REJECTED, S.EXPIRED, S.UNKNOWN}
    ),
    S.UNKNOWN: frozenset(
        {S.OPEN, S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.EXPIRED, S.REJECTED}
    ),
    S.OPEN: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, S.EXPIRED}),
    S.PARTIALLY_FILLED: frozenset({S.FILLED, S.CANCELLED, S.EXPIRED}),
    S.FILLED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.EXPIRED: frozenset(),
}


class IllegalTransition(Exception):
    """An update tried to move an order along a transition the machine forbids."""


def is_legal(current: OrderStatus, new: OrderStatus, source: Source) -> bool:
    """True when ``current -> new`` reported by ``source`` is allowed.

    Staying in a non-terminal state is allowed (a repeated report); staying in a terminal
    state is a no-op that :func:`apply_update` ignores.
    """
    if current is S.UNKNOWN:
        return new is S.UNKNOWN or (source is Source.LOOKUP and new in LEGAL_TRANSITIONS[current])
    if new is current:
        return True
    return new in LEGAL_TRANSITIONS[current]


def check_transition(current: OrderStatus, new: OrderStatus, source: Source) -> None:
    """Raise :class:`IllegalTransition` unless ``current -> new`` is legal."""
    if not is_legal(current, new, source):
        raise IllegalTransition(f"{current.value} -> {new.value} via {source.value} is not allowed")


class OrderProgress(msgspec.Struct, frozen=True, kw_only=True):
    """The part of an order the state machine guards: status and quantities, kept apart."""

    status: OrderStatus
    requested: Decimal
    filled: Decimal = ZERO
    remaining: Decimal | None = None
    average_fill_price: Decimal | None = None

    def __post_init__(self) -> None:
        if self.remaining is None:
            msgspec.structs.force_setattr(self, "remaining", self.requested - self.filled)


def apply_update(
    current: OrderProgress,
    status: OrderStatus,
    source: Source,
    *,
    filled: Decimal | None = None,
    remaining: Decimal | None = None,
    average_fill_price: Decimal | None = None,
) -> OrderProgress:
    """The progress after an update, or :class:`IllegalTransition`.

    A terminal order ignores every further report (it is final); quantities reported by
    the exchange must not shrink the filled amount or exceed the requested one.
    """
    if current.status.is_terminal:
        if status is current.status:
            return current
        raise IllegalTransition(
            f"{current.status.value} is final; refusing {status.value} via {source.value}"
        )
    check_transition(current.status, status, source)
    new_filled = current.filled if filled is None else filled
    if new_filled < current.filled:
        raise IllegalTransition(
            f"filled quantity cannot go down ({current.filled} -> {new_filled})"
        )
    if new_filled > current.requested:
        raise IllegalTransition(
            f"filled {new_filled} exceeds the requested quantity {current.requested}"
        )
    if status is S.PARTIALLY_FILLED and new_filled == 0:
        raise IllegalTransition("partially_filled with nothing filled")
    if status.is_terminal:
        new_remaining = ZERO
    elif remaining is not None:
        new_remaining = remaining
    else:
        new_remaining = current.requested - new_filled
    return OrderProgress(
        status=status,
        requested=current.requested,
        filled=new_filled,
        remaining=new_remaining,
        average_fill_price=average_fill_price or current.average_fill_price,
    )
