"""Sequence rules: is this delta the next one, an old one, or is something missing?

A rule is a small stateful object, one per symbol. :class:`BookSync` calls ``reset`` with
the id of every snapshot it applies, then ``check`` for every delta in arrival order. The
verdict tells it what to do:

- ``APPLY``: the delta continues the book; the rule has moved its position past it.
- ``SKIP``: the delta is already contained in the book (older than the snapshot, or a
  replayed duplicate); drop it, nothing is lost.
- ``GAP``: a delta is missing or out of order; the book cannot be trusted.
- ``RESET``: the delta is itself a full book (Bybit ``u == 1`` after a service restart).

Where each rule comes from is noted on the class; the facts are gathered in
``shared/exchanges/binance-bybit-okx.md``.
"""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable

from exchangekit.book.messages import BookDelta

__all__ = [
    "BinanceFuturesRule",
    "BinanceSpotRule",
    "BybitRule",
    "NoSequenceRule",
    "OkxRule",
    "SequenceRule",
    "Verdict",
]


class Verdict(enum.Enum):
    """What to do with one delta."""

    APPLY = "apply"
    SKIP = "skip"
    GAP = "gap"
    RESET = "reset"


APPLY = Verdict.APPLY
SKIP = Verdict.SKIP
GAP = Verdict.GAP
RESET = Verdict.RESET


@runtime_checkable
class SequenceRule(Protocol):
    """The sequencing of one exchange's book feed, for one symbol."""

    snapshots_in_band: bool
    """True when snapshots arrive on the stream itself (Bybit, OKX, Kraken): nothing is
    fetched at start, and on a gap ``fetch_snapshot`` only has to resubscribe."""

    @property
    def position(self) -> int | None:
        """The id the book is at (the last applied delta's, or the snapshot's)."""
        ...

    def reset(self, sequence: int | None) -> None:
        """A snapshot valid at ``sequence`` was applied; the next delta is the first after it."""
        ...

    def check(self, delta: BookDelta) -> Verdict:
        """The verdict for ``delta``; on ``APPLY`` the position moves to the delta's id."""
        ...


def _required(sequence: int | None, rule: str) -> int:
    if sequence is None:
        raise ValueError(f"{rule} needs a snapshot with a sequence id")
    return sequence


def _ids(delta: BookDelta, rule: str) -> tuple[int, int]:
    first, last = delta.first_id, delta.last_id
    if first is None or last is None:
        raise ValueError(f"{rule} needs first_id (U) and last_id (u) on every delta")
    return first, last


class BinanceSpotRule:
    """Binance spot diff depth: ``U``/``u`` continuity against the REST ``lastUpdateId``.

    From "How to manage a local order book correctly" (binance-spot-api-docs,
    web-socket-streams.md): drop events with ``u <= lastUpdateId``; the first kept event
    must have ``U <= lastUpdateId + 1 <= u``. After that the current text only requires
    ``U <= local id + 1`` (normally ``U == previous u + 1``, an overlap is harmless since
    quantities are absolute) and ignores events with ``u`` at or below the local id. A
    first event with ``U > lastUpdateId + 1`` means the snapshot is older than the stream:
    :class:`BookSync` reports it as a stale snapshot and fetches again.
    """

    __slots__ = ("_last",)
    snapshots_in_band = False

    def __init__(self) -> None:
        self._last: int | None = None

    @property
    def position(self) -> int | None:
        return self._last

    def reset(self, sequence: int | None) -> None:
        self._last = _required(sequence, "BinanceSpotRule")

    def check(self, delta: BookDelta) -> Verdict:
        last = self._last
        if last is None:
            return GAP
        first, final = delta.first_id, delta.last_id
        if first is None or final is None:
            first, final = _ids(delta, "BinanceSpotRule")
        if final <= last:
            return SKIP
        if first <= last + 1:
            self._last = final
            return APPLY
        return GAP


class BinanceFuturesRule:
    """Binance USDⓈ-M / COIN-M futures diff depth: ``pu`` chains each event to the previous.

    From the futures "How to manage a local order book correctly" page: drop events with
    ``u < lastUpdateId``; the first processed event must have ``U <= lastUpdateId <= u``
    (an event whose ``pu`` is exactly ``lastUpdateId`` follows the snapshot just as well);
    afterwards every event's ``pu`` must equal the previous event's ``u``. ``U`` need not be
    the previous ``u + 1`` on futures. An event at or below the local id that does not chain
    is a replay and is skipped.
    """

    __slots__ = ("_first", "_last")
    snapshots_in_band = False

    def __init__(self) -> None:
        self._last: int | None = None
        self._first = True

    @property
    def position(self) -> int | None:
        return self._last

    def reset(self, sequence: int | None) -> None:
        self._last = _required(sequence, "BinanceFuturesRule")
        self._first = True

    def check(self, delta: BookDelta) -> Verdict:
        last = self._last
        if last is None:
            return GAP
        final = delta.last_id
        if delta.prev_id == last and final is not None:
            self._last = final
            self._first = False
            return APPLY
        first, final = _ids(delta, "BinanceFuturesRule")
        if self._first:
            if final < last:
                return SKIP
            if first <= last:
                self._last = final
                self._first = False
                return APPLY
            return GAP
        if final <= last:
            return SKIP
        return GAP


class BybitRule:
    """Bybit V5 ``orderbook.{depth}.{symbol}``: ``u`` counts deltas one by one.

    From the Bybit orderbook topic page: a ``snapshot`` message resets the book (give it to
    :meth:`BookSync.on_snapshot`); a message with ``u == 1`` means the service restarted
    and must overwrite the book (``RESET``); a delta must have ``u == previous u + 1``.
    ``seq`` is a cross-sequence for comparing depths and is not checked. The docs state no
    explicit gap rule for deltas; a REST snapshot's ``u`` matches the 1000-level stream.
    """

    __slots__ = ("_last", "snapshots_in_band")

    def __init__(self, *, snapshots_in_band: bool = True) -> None:
        self._last: int | None = None
        self.snapshots_in_band = snapshots_in_band

    @property
    def position(self) -> int | None:
        return self._last

    def reset(self, sequence: int | None) -> None:
        self._last = _required(sequence, "BybitRule")

    def check(self, delta: BookDelta) -> Verdict:
        final = delta.last_id
        if final is None:
            raise ValueError("BybitRule needs last_id (u) on every delta")
        if final == 1:
            return RESET
        last = self._last
        if last is None:
            return GAP
        if final == last + 1:
            self._last = final
            return APPLY
        if final <= last:
            return SKIP
        return GAP


class OkxRule:
    """OKX V5 ``books`` channels: each update's ``prevSeqId`` is the previous ``seqId``.

    From the OKX order book channel page: the snapshot has ``prevSeqId = -1``; an update
    whose ``prevSeqId`` differs from the last applied ``seqId`` means a loss (resubscribe).
    A heartbeat with no change has ``seqId == prevSeqId``; after maintenance ``seqId`` may
    drop below ``prevSeqId``, which is legal and continues the chain, so neither needs a
    special case: only the chain is checked.
    """

    __slots__ = ("_last",)
    snapshots_in_band = True

    def __init__(self) -> None:
        self._last: int | None = None

    @property
    def position(self) -> int | None:
        return self._last

    def reset(self, sequence: int | None) -> None:
        self._last = _required(sequence, "OkxRule")

    def check(self, delta: BookDelta) -> Verdict:
        prev = delta.prev_id
        final = delta.last_id
        if prev is None or final is None:
            raise ValueError("OkxRule needs prev_id (prevSeqId) and last_id (seqId)")
        if prev == -1:
            return RESET
        if self._last is not None and prev == self._last:
            self._last = final
            return APPLY
        return GAP


class NoSequenceRule:
    """No ids at all: every delta applies. Use with a checksum (Kraken v2) or not at all."""

    __slots__ = ("_last", "snapshots_in_band")

    def __init__(self, *, snapshots_in_band: bool = True) -> None:
        self._last: int | None = None
        self.snapshots_in_band = snapshots_in_band

    @property
    def position(self) -> int | None:
        return self._last

    def reset(self, sequence: int | None) -> None:
        self._last = sequence

    def check(self, delta: BookDelta) -> Verdict:
        if delta.last_id is not None:
            self._last = delta.last_id
        return APPLY
