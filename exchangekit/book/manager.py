"""Many symbols' books behind one stream: one :class:`BookSync` per symbol, isolated.

A fault on one symbol invalidates and resyncs that symbol only; the others keep applying.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from exchangekit.book.checksum import ChecksumRule
from exchangekit.book.local_book import LocalBook
from exchangekit.book.messages import BookDelta, BookSnapshot
from exchangekit.book.rules import SequenceRule
from exchangekit.book.sync import BookSync, EventHandler, SnapshotFetcher
from exchangekit.clock import Clock

__all__ = ["BookManager"]


class BookManager:
    """The local books of many symbols fed by one adapter.

    ``rule_factory`` makes a fresh rule per symbol (pass the class: ``BinanceSpotRule``).
    ``book_factory`` makes each symbol's :class:`LocalBook` (for instance
    ``lambda s: LocalBook.for_instrument(instruments[s])``); by default scales are taken
    from the first snapshot (and original strings are kept when ``checksum`` needs them). ``fetch_snapshot``, ``checksum`` and ``on_event`` are shared;
    every event names its symbol. Messages for a symbol that was never added (or was
    removed while messages were in flight) are ignored and counted in ``ignored``.
    """

    def __init__(
        self,
        rule_factory: Callable[[], SequenceRule],
        *,
        fetch_snapshot: SnapshotFetcher | None = None,
        book_factory: Callable[[str], LocalBook] | None = None,
        checksum: ChecksumRule | None = None,
        on_event: EventHandler | None = None,
        clock: Clock | None = None,
        max_buffer: int = 10_000,
        resync_on_crossed: bool = True,
    ) -> None:
        self._rule_factory = rule_factory
        keep_text = checksum is not None and checksum.keep_text
        self._book_factory = book_factory or (lambda symbol: LocalBook(symbol, keep_text=keep_text))
        self._fetch_snapshot = fetch_snapshot
        self._checksum = checksum
        self._on_event = on_event
        self._clock = clock
        self._max_buffer = max_buffer
        self._resync_on_crossed = resync_on_crossed
        self._syncs: dict[str, BookSync] = {}
        #: Messages dropped because their symbol is not managed.
        self.ignored = 0

    def add(self, symbol: str) -> BookSync:
        """Start managing ``symbol`` (idempotent); returns its :class:`BookSync`."""
        sync = self._syncs.get(symbol)
        if sync is None:
            sync = BookSync(
                self._book_factory(symbol),
                self._rule_factory(),
                fetch_snapshot=self._fetch_snapshot,
                checksum=self._checksum,
                on_event=self._on_event,
                clock=self._clock,
                max_buffer=self._max_buffer,
                resync_on_crossed=self._resync_on_crossed,
            )
            self._syncs[symbol] = sync
        return sync

    async def remove(self, symbol: str) -> None:
        """Stop managing ``symbol`` and cancel its snapshot request."""
        sync = self._syncs.pop(symbol, None)
        if sync is not None:
            await sync.close()

    def on_delta(self, symbol: str, delta: BookDelta) -> None:
        """Route a delta to its symbol's book."""
        sync = self._syncs.get(symbol)
        if sync is None:
            self.ignored += 1
            return
        sync.on_delta(delta)

    def on_snapshot(self, symbol: str, snapshot: BookSnapshot) -> None:
        """Route an in-band snapshot to its symbol's book."""
        sync = self._syncs.get(symbol)
        if sync is None:
            self.ignored += 1
            return
        sync.on_snapshot(snapshot)

    def __getitem__(self, symbol: str) -> BookSync:
        return self._syncs[symbol]

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._syncs

    def __iter__(self) -> Iterator[str]:
        return iter(self._syncs)

    def __len__(self) -> int:
        return len(self._syncs)

    def book(self, symbol: str) -> LocalBook:
        """The symbol's book (reads raise :class:`BookNotReady` while it resyncs)."""
        return self._syncs[symbol].book

    async def close(self) -> None:
        """Cancel every snapshot request."""
        for sync in list(self._syncs.values()):
            await sync.close()
