"""Keep one symbol's local book in sync: buffer, bridge a snapshot, apply, resync on a fault.

:class:`BookSync` is the state machine between a stream of :class:`BookDelta` and a
:class:`LocalBook`:

1. Until a snapshot is in place, deltas are buffered (a bounded deque) and, for feeds
   without in-band snapshots, the injected ``fetch_snapshot(symbol)`` is called.
2. A fetched snapshot is applied, then the buffered deltas are bridged with the rule:
   older ones are skipped, the first that continues the snapshot is applied, and so on.
   An in-band snapshot (``on_snapshot``) supersedes whatever was buffered.
3. Live, each delta is checked by the rule and applied; the checksum (when the exchange
   sent one) and the crossed-book check run after it.
4. A gap, a checksum mismatch or a crossed book invalidates this book only (reads raise
   :class:`BookNotReady`), reports a :class:`BookEvent`, keeps the delta that showed the
   gap for the next bridge, and asks for a new snapshot. When the book is whole again a
   ``resynced`` event follows.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from exchangekit.book.checksum import ChecksumRule
from exchangekit.book.local_book import LocalBook
from exchangekit.book.messages import BookDelta, BookEvent, BookEventKind, BookSnapshot
from exchangekit.book.rules import SequenceRule, Verdict
from exchangekit.clock import Clock, SystemClock
from exchangekit.errors import MappingError
from exchangekit.models import OrderBook

__all__ = ["BookSync", "EventHandler", "SnapshotFetcher"]

_log = logging.getLogger(__name__)

_APPLY = Verdict.APPLY

SnapshotFetcher = Callable[[str], Awaitable[BookSnapshot | None]]
"""``fetch_snapshot(symbol)``: a REST snapshot to bridge, or ``None`` when the adapter
resubscribed instead and the snapshot will arrive in band through ``on_snapshot``."""


EventHandler = Callable[[BookEvent], None]


class BookSync:
    """Snapshot plus deltas for one symbol, with the exchange's sequence rule.

    ``rule`` is one of the rules in :mod:`exchangekit.book.rules` (a fresh instance per
    symbol). ``fetch_snapshot`` is required unless the rule's snapshots come in band; for
    those it is called on a fault to resubscribe (left out, the adapter must resubscribe
    itself when it sees the event).
    ``checksum`` verifies the book after every message that carries one.
    ``resync_on_crossed`` treats a crossed book as corrupt (turn it off for markets whose
    book may legitimately cross, such as a call auction). ``on_event`` receives every
    :class:`BookEvent`; it must not block. ``max_buffer`` bounds the deltas kept while
    waiting for a snapshot (the oldest go first). A failed fetch, or a snapshot that did not
    hold (stale, malformed, crossed, checksum), is retried after ``retry_delay_s``, doubling
    up to ``max_retry_delay_s``, on the injected ``clock``.
    """

    def __init__(
        self,
        book: LocalBook,
        rule: SequenceRule,
        *,
        fetch_snapshot: SnapshotFetcher | None = None,
        checksum: ChecksumRule | None = None,
        on_event: EventHandler | None = None,
        clock: Clock | None = None,
        max_buffer: int = 10_000,
        resync_on_crossed: bool = True,
        retry_delay_s: float = 0.5,
        max_retry_delay_s: float = 30.0,
    ) -> None:
        if fetch_snapshot is None and not rule.snapshots_in_band:
            raise ValueError(f"{type(rule).__name__} needs fetch_snapshot (no in-band snapshots)")
        if checksum is not None and checksum.keep_text and not book.keeps_text:
            raise ValueError(f"{type(checksum).__name__} needs LocalBook(keep_text=True)")
        self.book = book
        self.rule = rule
        self._fetch_snapshot = fetch_snapshot
        self._checksum = checksum
        self._on_event = on_event
        self._clock: Clock = clock or SystemClock()
        self._buffer: deque[BookDelta] = deque(maxlen=max_buffer)
        self._resync_on_crossed = resync_on_crossed
        self._retry_delay_s = retry_delay_s
        self._max_retry_delay_s = max_retry_delay_s
        self._live = False
        self._live_event = asyncio.Event()
        self._fetch_task: asyncio.Task[None] | None = None
        self._since_snapshot = 0
        self._unstable = 0
        #: Deltas dropped as already contained in the book (old or replayed).
        self.skipped = 0
        #: Times the book was invalidated (gap, stale snapshot, checksum, crossed).
        self.invalidations = 0

    @property
    def symbol(self) -> str:
        """The symbol of the book."""
        return self.book.symbol

    @property
    def is_live(self) -> bool:
        """True when the book is synced and readable."""
        return self._live

    async def wait_live(self) -> None:
        """Return once the book is synced (immediately if it already is)."""
        await self._live_event.wait()

    def top(self, depth: int | None = None) -> OrderBook:
        """The book as an OrderBook; raises :class:`BookNotReady` while it is not synced."""
        return self.book.top(depth)

    # -- input ------------------------------------------------------------------------------

    def on_delta(self, delta: BookDelta) -> None:
        """Feed the next delta from the stream, in arrival order.

        A level that cannot be read invalidates the book, requests a snapshot, reports
        ``malformed`` and then raises the :class:`MappingError`.
        """
        if self._live:
            verdict = self.rule.check(delta)
            if verdict is _APPLY:
                self._apply(delta)
            else:
                self._handle(delta, verdict)
            return
        self._buffer.append(delta)
        if not self.rule.snapshots_in_band:
            self.request_snapshot()

    def on_malformed(self, detail: str) -> None:
        """A delta arrived that could not be read at all: it is lost, so is the book.

        For adapters that decode levels lazily (after routing): the book is invalidated
        and reported ``malformed``, deltas buffered before the lost one are dropped (no
        snapshot can be bridged across it), and a new snapshot is requested.
        """
        self._invalidate(BookEventKind.MALFORMED, detail, pending=())

    def on_snapshot(self, snapshot: BookSnapshot) -> None:
        """Install a snapshot that arrived on the stream; it supersedes buffered deltas.

        Also the way to seed the book with a snapshot the adapter obtained by itself.
        """
        self._buffer.clear()
        self._install(snapshot, ())

    def request_snapshot(self) -> None:
        """Ask ``fetch_snapshot`` for a snapshot unless a request is already running."""
        if self._fetch_snapshot is None or self._fetch_task is not None:
            return
        self._fetch_task = asyncio.get_running_loop().create_task(
            self._fetch(), name=f"book-snapshot-{self.symbol}"
        )

    async def close(self) -> None:
        """Cancel a running snapshot request."""
        task, self._fetch_task = self._fetch_task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    # -- internals --------------------------------------------------------------------------

    def _apply(self, delta: BookDelta) -> bool:
        book = self.book
        try:
            book.apply_delta(
                delta.bids,
                delta.asks,
                sequence=delta.last_id,
                timestamp_ms=delta.timestamp_ms,
                received_ms=delta.received_ms,
            )
        except MappingError as exc:
            self._invalidate(BookEventKind.MALFORMED, str(exc), pending=())
            raise
        self._since_snapshot += 1
        if delta.checksum is None and not (self._resync_on_crossed and book.is_crossed):
            return True  # the common case, without another call
        return self._verify(delta.checksum)

    def _verify(self, checksum: int | None) -> bool:
        book = self.book
        if (
            checksum is not None
            and self._checksum is not None
            and not self._checksum.verify(book, checksum)
        ):
            self._invalidate(
                BookEventKind.CHECKSUM_MISMATCH, f"exchange sent {checksum}", pending=()
            )
            return False
        if self._resync_on_crossed and book.is_crossed:
            self._invalidate(BookEventKind.CROSSED, _crossed_detail(book), pending=())
            return False
        return True

    def _handle(self, delta: BookDelta, verdict: Verdict) -> None:
        if verdict is Verdict.SKIP:
            self.skipped += 1
        elif verdict is Verdict.RESET:
            self._install(_as_snapshot(delta), ())
        else:
            stale = self._since_snapshot == 0
            kind = BookEventKind.STALE_SNAPSHOT if stale else BookEventKind.GAP
            self._invalidate(kind, _gap_detail(self.rule.position, delta), pending=(delta,))

    def _install(self, snapshot: BookSnapshot, buffered: Iterable[BookDelta]) -> None:
        pending = deque(buffered)
        try:
            self.book.apply_snapshot(
                snapshot.bids,
                snapshot.asks,
                sequence=snapshot.sequence,
                timestamp_ms=snapshot.timestamp_ms,
                received_ms=snapshot.received_ms,
            )
        except MappingError as exc:
            self._since_snapshot = 0  # counts as a snapshot that did not hold: back off
            self._invalidate(BookEventKind.MALFORMED, str(exc), pending=pending)
            raise
        self.rule.reset(snapshot.sequence)
        self._since_snapshot = 0
        self._live = True
        if not self._verify(snapshot.checksum):
            self._buffer.extend(pending)
            return
        while pending:
            delta = pending.popleft()
            verdict = self.rule.check(delta)
            if verdict is Verdict.APPLY:
                if not self._apply(delta):
                    self._buffer.extend(pending)
                    return
            elif verdict is Verdict.RESET:
                self._install(_as_snapshot(delta), pending)
                return
            else:
                self._handle(delta, verdict)
                if not self._live:
                    self._buffer.extend(pending)
                    return
        self._live_event.set()
        self._emit(BookEventKind.RESYNCED, "")

    def _invalidate(
        self, kind: BookEventKind, detail: str, *, pending: Iterable[BookDelta]
    ) -> None:
        position = self.rule.position
        # Invalidated before any delta followed the snapshot: the snapshot itself is the
        # problem, so the next fetch waits a little (exponential, capped) instead of
        # hammering a heavy REST endpoint.
        self._unstable = self._unstable + 1 if self._since_snapshot == 0 else 0
        self._live = False
        self._live_event.clear()
        self.book.invalidate()
        self._buffer.clear()
        self._buffer.extend(pending)
        self.invalidations += 1
        self._emit(kind, detail, sequence=position)
        self.request_snapshot()

    async def _fetch(self) -> None:
        assert self._fetch_snapshot is not None
        failures = self._unstable
        while True:
            if failures:
                await self._clock.sleep(
                    min(self._retry_delay_s * 2 ** (failures - 1), self._max_retry_delay_s)
                )
            try:
                snapshot = await self._fetch_snapshot(self.symbol)
                break
            except Exception as exc:  # any failure of the injected fetcher: report, retry
                self._emit(BookEventKind.FETCH_FAILED, repr(exc))
                failures += 1
        self._fetch_task = None
        if snapshot is None or self._live:
            return  # in band: the snapshot comes through on_snapshot
        buffered = list(self._buffer)
        self._buffer.clear()
        try:
            self._install(snapshot, buffered)
        except MappingError:
            pass  # reported as MALFORMED, and a new snapshot is already requested

    def _emit(self, kind: BookEventKind, detail: str, *, sequence: int | None = None) -> None:
        if kind is not BookEventKind.RESYNCED:
            _log.info("order book %s: %s %s", self.symbol, kind.value, detail)
        if self._on_event is None:
            return
        event = BookEvent(
            symbol=self.symbol,
            kind=kind,
            detail=detail,
            sequence=self.book.sequence if sequence is None else sequence,
        )
        try:
            self._on_event(event)
        except Exception:  # a failing observer must not break the book
            _log.exception("order book %s: event handler failed on %s", self.symbol, kind)

    def __repr__(self) -> str:
        state = "live" if self._live else "syncing"
        return f"BookSync({self.symbol!r}, {state}, {type(self.rule).__name__})"


def _as_snapshot(delta: BookDelta) -> BookSnapshot:
    return BookSnapshot(
        bids=delta.bids,
        asks=delta.asks,
        sequence=delta.last_id,
        checksum=delta.checksum,
        timestamp_ms=delta.timestamp_ms,
        received_ms=delta.received_ms,
    )


def _gap_detail(position: int | None, delta: BookDelta) -> str:
    ids = ", ".join(
        f"{name}={value}"
        for name, value in (
            ("first_id", delta.first_id),
            ("last_id", delta.last_id),
            ("prev_id", delta.prev_id),
        )
        if value is not None
    )
    return f"book at {position}, received {ids}"


def _crossed_detail(book: LocalBook) -> str:
    bid, ask = book.best_bid(), book.best_ask()
    return f"best bid {bid[0] if bid else None} >= best ask {ask[0] if ask else None}"
