"""Local order books: snapshot plus deltas, exchange sequence rules, checksums, resync.

An adapter wires one :class:`BookManager` per book stream (Binance spot shown)::

    from exchangekit.book import BinanceSpotRule, BookDelta, BookManager, BookSnapshot

    async def fetch_snapshot(symbol: str) -> BookSnapshot:
        raw = await rest.depth(symbol, limit=5000)  # the adapter's REST call + mapper
        return BookSnapshot(bids=raw.bids, asks=raw.asks, sequence=raw.lastUpdateId)

    books = BookManager(BinanceSpotRule, fetch_snapshot=fetch_snapshot, on_event=on_book_event)
    books.add("BTC/USDT")
    async for msg in depth_stream:  # each depthUpdate decoded by the adapter's schema
        books.on_delta("BTC/USDT", BookDelta(bids=msg.b, asks=msg.a, first_id=msg.U,
                                             last_id=msg.u, timestamp_ms=msg.E))

    book = books.book("BTC/USDT")
    book.best_bid(), book.top(10)  # Decimal levels; BookNotReady while it resyncs

The first delta triggers the snapshot fetch; deltas are buffered and bridged. On a gap the
symbol's book is invalidated, ``on_book_event`` gets ``BookEvent(kind=GAP)``, a snapshot is
fetched again, and ``RESYNCED`` follows. Feeds with in-band snapshots (Bybit, OKX, Kraken)
give their snapshot messages to ``books.on_snapshot(symbol, snapshot)``, and their
``fetch_snapshot`` only resubscribes and returns ``None``. Checksums:
``BookManager(OkxRule, checksum=OkxChecksum())``, or
``BookManager(NoSequenceRule, checksum=KrakenChecksum(price_decimals=..., ...))`` with
``book_factory=lambda s: LocalBook(s, max_depth=subscribed_depth)`` for Kraken v2.
"""

from __future__ import annotations

from exchangekit.book.checksum import (
    ChecksumRule,
    KrakenChecksum,
    OkxChecksum,
    kraken_checksum,
    okx_checksum,
)
from exchangekit.book.local_book import BookNotReady, Levels, LocalBook
from exchangekit.book.manager import BookManager
from exchangekit.book.messages import BookDelta, BookEvent, BookEventKind, BookSnapshot
from exchangekit.book.rules import (
    BinanceFuturesRule,
    BinanceSpotRule,
    BybitRule,
    NoSequenceRule,
    OkxRule,
    SequenceRule,
    Verdict,
)
from exchangekit.book.sync import BookSync, EventHandler, SnapshotFetcher

__all__ = [
    "BinanceFuturesRule",
    "BinanceSpotRule",
    "BookDelta",
    "BookEvent",
    "BookEventKind",
    "BookManager",
    "BookNotReady",
    "BookSnapshot",
    "BookSync",
    "BybitRule",
    "ChecksumRule",
    "EventHandler",
    "KrakenChecksum",
    "Levels",
    "LocalBook",
    "NoSequenceRule",
    "OkxChecksum",
    "OkxRule",
    "SequenceRule",
    "SnapshotFetcher",
    "Verdict",
    "kraken_checksum",
    "okx_checksum",
]

# Public classes report themselves as exchangekit.book.X, not as a private module path.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        try:
            _obj.__module__ = __name__
        except (AttributeError, TypeError):  # pragma: no cover - builtins refuse it
            pass
del _name, _obj
