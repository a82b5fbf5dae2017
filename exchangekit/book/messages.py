"""What flows through the book: snapshots and deltas in, events out.

The ids are named for what they mean, whatever the exchange calls them:

=============  ====================  ===================  ===========  ============
field          Binance spot          Binance futures      Bybit        OKX
=============  ====================  ===================  ===========  ============
``first_id``   ``U``                 ``U``                (unused)     (unused)
``last_id``    ``u``                 ``u``                ``u``        ``seqId``
``prev_id``    (unused)              ``pu``               (unused)     ``prevSeqId``
``sequence``   ``lastUpdateId``      ``lastUpdateId``     ``u``        ``seqId``
=============  ====================  ===================  ===========  ============

Both types are msgspec Structs, so an adapter whose wire message already has this shape can
decode straight into a subclass that renames the fields, with no copy. msgspec applies a
subclass's ``rename`` only to the fields the subclass declares, so redeclare those::

    class FuturesDepthUpdate(BookDelta, rename={"first_id": "U", "last_id": "u", "prev_id": "pu",
                                                "bids": "b", "asks": "a", "timestamp_ms": "E"}):
        bids: Sequence[Sequence[str]] = ()
        asks: Sequence[Sequence[str]] = ()
        first_id: int | None = None
        last_id: int | None = None
        prev_id: int | None = None
        timestamp_ms: int | None = None

    delta = msgspec.json.decode(raw, type=FuturesDepthUpdate)  # a BookDelta
"""

from collections.abc import Sequence
from enum import StrEnum

import msgspec

__all__ = ["BookDelta", "BookEvent", "BookEventKind", "BookSnapshot"]

# No ``from __future__ import annotations`` here: msgspec resolves the annotations of these
# Structs by name, and the package re-exports them under ``exchangekit.book``.


class BookSnapshot(msgspec.Struct, kw_only=True, gc=False):
    """A full book: every level the exchange sent, and the id it is valid at."""

    bids: Sequence[Sequence[str]] = ()
    asks: Sequence[Sequence[str]] = ()
    sequence: int | None = None
    checksum: int | None = None
    timestamp_ms: int | None = None
    received_ms: int | None = None


class BookDelta(msgspec.Struct, kw_only=True, gc=False):
    """Level updates with absolute quantities (zero deletes) and the ids that order them."""

    bids: Sequence[Sequence[str]] = ()
    asks: Sequence[Sequence[str]] = ()
    first_id: int | None = None
    last_id: int | None = None
    prev_id: int | None = None
    checksum: int | None = None
    timestamp_ms: int | None = None
    received_ms: int | None = None


class BookEventKind(StrEnum):
    """Why a book changed state."""

    GAP = "gap"
    """A delta is missing or out of order; the book was invalidated."""
    STALE_SNAPSHOT = "stale_snapshot"
    """The snapshot is older than the first delta that should follow it; fetching again."""
    CHECKSUM_MISMATCH = "checksum_mismatch"
    """The exchange's checksum disagrees with the local book; the book was invalidated."""
    CROSSED = "crossed"
    """Best bid at or above best ask; the book was invalidated."""
    MALFORMED = "malformed"
    """A level could not be read (``MappingError``); the book was invalidated."""
    FETCH_FAILED = "fetch_failed"
    """``fetch_snapshot`` raised; it is retried with capped exponential backoff."""
    RESYNCED = "resynced"
    """A snapshot is in place and the buffered deltas are bridged: the book is readable."""


class BookEvent(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One state change of one symbol's book, for logs, metrics and trading gates."""

    symbol: str
    kind: BookEventKind
    detail: str = ""
    sequence: int | None = None
    """The book's sequence position when it happened (``None`` when not known)."""
