"""BookSync and BookManager: bridging, isolation, resync, events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

import msgspec
import pytest

from exchangekit import MappingError
from exchangekit.book import (
    BinanceFuturesRule,
    BinanceSpotRule,
    BookDelta,
    BookEvent,
    BookEventKind,
    BookManager,
    BookNotReady,
    BookSnapshot,
    BookSync,
    BybitRule,
    KrakenChecksum,
    LocalBook,
    NoSequenceRule,
    OkxChecksum,
    OkxRule,
)
from exchangekit.clock import ManualClock
from tests.unit.book.driver import YieldClock

D = Decimal
SNAPSHOT = BookSnapshot(bids=[("99", "1")], asks=[("101", "1")], sequence=100)


class Fetcher:
    """``fetch_snapshot`` that serves prepared replies (a snapshot, None or an error)."""

    def __init__(self, *replies: BookSnapshot | Exception | None) -> None:
        self.replies = list(replies)
        self.calls: list[str] = []

    async def __call__(self, symbol: str) -> BookSnapshot | None:
        self.calls.append(symbol)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def spot(first: int, last: int, bids: Sequence[tuple[str, str]] = ()) -> BookDelta:
    return BookDelta(bids=list(bids), first_id=first, last_id=last)


async def live(sync: BookSync) -> None:
    await asyncio.wait_for(sync.wait_live(), timeout=2)


def spot_sync(fetcher: Fetcher, events: list[BookEvent]) -> BookSync:
    return BookSync(
        LocalBook("BTC/USDT"),
        BinanceSpotRule(),
        fetch_snapshot=fetcher,
        on_event=events.append,
        clock=YieldClock(),
    )


async def test_binance_spot_buffered_deltas_bridge_the_snapshot() -> None:
    events: list[BookEvent] = []
    sync = spot_sync(Fetcher(SNAPSHOT), events)

    sync.on_delta(spot(95, 100, [("98", "5")]))  # older than the snapshot: dropped
    sync.on_delta(spot(101, 103, [("99", "2")]))  # spans lastUpdateId + 1: applied
    sync.on_delta(spot(104, 104, [("99.5", "3")]))
    await live(sync)

    assert sync.book.bids() == [(D("99.5"), D(3)), (D(99), D(2))]
    assert sync.book.sequence == 104
    assert [e.kind for e in events] == [BookEventKind.RESYNCED]


async def test_binance_spot_snapshot_older_than_the_first_buffered_event_is_fetched_again() -> None:
    events: list[BookEvent] = []
    newer = BookSnapshot(bids=[("99", "7")], asks=[("101", "1")], sequence=103)
    fetcher = Fetcher(SNAPSHOT, newer)  # lastUpdateId 100 < first U - 1
    sync = spot_sync(fetcher, events)

    sync.on_delta(spot(102, 103, [("99", "4")]))
    sync.on_delta(spot(104, 105, [("99", "5")]))
    await live(sync)

    assert [e.kind for e in events] == [BookEventKind.STALE_SNAPSHOT, BookEventKind.RESYNCED]
    assert fetcher.calls == ["BTC/USDT", "BTC/USDT"]
    assert sync.book.bids() == [(D(99), D(5))]  # the buffered events bridged the new one


async def test_the_delta_that_revealed_a_gap_bridges_the_next_snapshot() -> None:
    events: list[BookEvent] = []
    at_102 = BookSnapshot(bids=[("99", "6")], sequence=102)
    sync = spot_sync(Fetcher(SNAPSHOT, at_102), events)
    sync.on_delta(spot(101, 101))
    await live(sync)

    sync.on_delta(spot(103, 104, [("99", "7")]))  # 102 lost
    await live(sync)

    assert sync.book.bids() == [(D(99), D(7))]
    assert [e.kind for e in events] == [
        BookEventKind.RESYNCED,
        BookEventKind.GAP,
        BookEventKind.RESYNCED,
    ]


async def test_a_snapshot_that_does_not_hold_is_fetched_again_after_a_growing_pause() -> None:
    clock = ManualClock()
    newer = BookSnapshot(bids=[("99", "7")], sequence=102)
    fetcher = Fetcher(SNAPSHOT, SNAPSHOT, newer)  # twice too old for the stream
    sync = BookSync(
        LocalBook("BTC/USDT"),
        BinanceSpotRule(),
        fetch_snapshot=fetcher,
        clock=clock,
        retry_delay_s=1.0,
    )
    sync.on_delta(spot(102, 103))
    await clock.advance(0)
    assert len(fetcher.calls) == 1  # stale: the next request waits 1 s

    await clock.advance(0.9)
    assert len(fetcher.calls) == 1
    await clock.advance(0.1)
    assert len(fetcher.calls) == 2  # stale again: now 2 s

    await clock.advance(1.9)
    assert len(fetcher.calls) == 2
    await clock.advance(0.1)
    assert len(fetcher.calls) == 3
    assert sync.is_live


async def test_binance_futures_buffered_deltas_bridge_on_pu() -> None:
    sync = BookSync(
        LocalBook("BTC/USDT:USDT"),
        BinanceFuturesRule(),
        fetch_snapshot=Fetcher(SNAPSHOT),
        clock=YieldClock(),
    )
    sync.on_delta(BookDelta(bids=[("98", "5")], first_id=90, last_id=99, prev_id=89))
    sync.on_delta(BookDelta(bids=[("99", "2")], first_id=97, last_id=102, prev_id=99))
    sync.on_delta(BookDelta(bids=[("99", "3")], first_id=105, last_id=106, prev_id=102))
    await live(sync)

    assert sync.book.bids() == [(D(99), D(3))]
    assert sync.book.sequence == 106


async def test_a_gap_on_one_symbol_leaves_the_other_books_alone() -> None:
    events: list[BookEvent] = []
    fetcher = Fetcher(SNAPSHOT, SNAPSHOT, BookSnapshot(bids=[("99", "9")], sequence=110))
    books = BookManager(
        BinanceSpotRule, fetch_snapshot=fetcher, on_event=events.append, clock=YieldClock()
    )
    eth, btc = books.add("ETH/USDT"), books.add("BTC/USDT")
    books.on_delta("ETH/USDT", spot(101, 101))
    books.on_delta("BTC/USDT", spot(101, 101))
    await live(eth)
    await live(btc)

    books.on_delta("BTC/USDT", spot(105, 106))  # 102..104 lost
    books.on_delta("ETH/USDT", spot(102, 102, [("99", "4")]))

    assert not btc.is_live
    with pytest.raises(BookNotReady):
        books.book("BTC/USDT").best_bid()
    assert books.book("ETH/USDT").best_bid() == (D(99), D(4))
    assert [(e.symbol, e.kind) for e in events][-1] == ("BTC/USDT", BookEventKind.GAP)

    books.on_delta("BTC/USDT", spot(107, 111, [("99", "8")]))
    await live(btc)
    assert books.book("BTC/USDT").best_bid() == (D(99), D(8))
    assert fetcher.calls == ["ETH/USDT", "BTC/USDT", "BTC/USDT"]
    assert events[-1] == BookEvent(symbol="BTC/USDT", kind=BookEventKind.RESYNCED, sequence=111)


async def test_a_failed_snapshot_fetch_is_reported_and_retried() -> None:
    events: list[BookEvent] = []
    sync = spot_sync(Fetcher(TimeoutError("read timeout"), SNAPSHOT), events)

    sync.on_delta(spot(101, 101))
    await live(sync)

    assert [e.kind for e in events] == [BookEventKind.FETCH_FAILED, BookEventKind.RESYNCED]
    assert "read timeout" in events[0].detail


async def test_an_in_band_snapshot_supersedes_buffered_deltas() -> None:
    sync = BookSync(LocalBook("BTC/USDT"), BybitRule())
    sync.on_delta(BookDelta(bids=[("98", "5")], last_id=7))  # before the snapshot: meaningless
    sync.on_snapshot(BookSnapshot(bids=[("99", "1")], asks=[("101", "1")], sequence=8))
    sync.on_delta(BookDelta(bids=[("99", "2")], last_id=9))

    assert sync.is_live
    assert sync.book.bids() == [(D(99), D(2))]


async def test_bybit_u_equal_one_overwrites_the_book() -> None:
    sync = BookSync(LocalBook("BTC/USDT"), BybitRule())
    sync.on_snapshot(BookSnapshot(bids=[("99", "1")], asks=[("101", "1")], sequence=500))

    sync.on_delta(BookDelta(bids=[("50", "1")], asks=[("60", "1")], last_id=1))
    sync.on_delta(BookDelta(bids=[("51", "1")], last_id=2))

    assert sync.book.bids() == [(D(51), D(1)), (D(50), D(1))]
    assert sync.book.asks() == [(D(60), D(1))]


async def test_an_okx_gap_resubscribes_and_the_next_snapshot_resyncs() -> None:
    events: list[BookEvent] = []
    resubscribe = Fetcher(None)
    sync = BookSync(
        LocalBook("BTC/USDT", keep_text=True),
        OkxRule(),
        fetch_snapshot=resubscribe,
        checksum=OkxChecksum(),
        on_event=events.append,
    )
    sync.on_snapshot(BookSnapshot(bids=[("99", "1")], asks=[("101", "1")], sequence=10))
    sync.on_delta(BookDelta(bids=[("99", "2")], prev_id=10, last_id=12, checksum=0))
    sync.on_delta(BookDelta(bids=[("99", "3")], prev_id=13, last_id=14, checksum=0))
    await asyncio.sleep(0)  # let the resubscribe request run

    assert resubscribe.calls == ["BTC/USDT"]
    assert not sync.is_live
    sync.on_snapshot(BookSnapshot(bids=[("99", "3")], asks=[("101", "1")], sequence=14))
    assert sync.book.best_bid() == (D(99), D(3))
    assert [e.kind for e in events] == [
        BookEventKind.RESYNCED,
        BookEventKind.GAP,
        BookEventKind.RESYNCED,
    ]
    assert events[1].sequence == 12
    assert "prev_id=13" in events[1].detail


async def test_a_checksum_mismatch_invalidates_the_book() -> None:
    events: list[BookEvent] = []
    sync = BookSync(
        LocalBook("BTC/USD", price_scale=1, quantity_scale=8),
        NoSequenceRule(),
        fetch_snapshot=Fetcher(None),
        checksum=KrakenChecksum(),
        on_event=events.append,
    )
    sync.on_snapshot(BookSnapshot(bids=[("1.0", "1")], asks=[("2.0", "1")]))

    sync.on_delta(BookDelta(bids=[("1.5", "1")], checksum=12345))

    assert not sync.is_live
    assert events[-1].kind is BookEventKind.CHECKSUM_MISMATCH


async def test_a_crossed_book_is_treated_as_corrupt_unless_told_otherwise() -> None:
    events: list[BookEvent] = []
    sync = BookSync(
        LocalBook("BTC/USDT"), BybitRule(), fetch_snapshot=Fetcher(None), on_event=events.append
    )
    sync.on_snapshot(BookSnapshot(bids=[("99", "1")], asks=[("101", "1")], sequence=1))
    sync.on_delta(BookDelta(bids=[("101", "1")], last_id=2))
    assert events[-1].kind is BookEventKind.CROSSED
    assert not sync.is_live

    lenient = BookSync(LocalBook("BTC/USDT"), BybitRule(), resync_on_crossed=False)
    lenient.on_snapshot(BookSnapshot(bids=[("99", "1")], asks=[("101", "1")], sequence=1))
    lenient.on_delta(BookDelta(bids=[("101", "1")], last_id=2))
    assert lenient.is_live
    assert lenient.book.is_crossed


async def test_a_malformed_level_invalidates_the_book_and_resyncs() -> None:
    events: list[BookEvent] = []
    fetcher = Fetcher(SNAPSHOT, BookSnapshot(bids=[("99", "3")], sequence=102))
    sync = spot_sync(fetcher, events)
    sync.on_delta(spot(101, 101))
    await live(sync)

    with pytest.raises(MappingError):
        sync.on_delta(spot(102, 102, [("98", "1"), ("99", "not a number")]))

    assert not sync.is_live
    assert events[-1].kind is BookEventKind.MALFORMED
    with pytest.raises(BookNotReady):
        sync.book.best_bid()
    await live(sync)
    assert sync.book.bids() == [(D(99), D(3))]


async def test_a_malformed_snapshot_is_reported_and_fetched_again() -> None:
    events: list[BookEvent] = []
    broken = BookSnapshot(bids=[("99", "-1")], sequence=100)
    sync = spot_sync(Fetcher(broken, SNAPSHOT), events)

    sync.on_delta(spot(101, 101, [("99", "2")]))
    await live(sync)

    assert [e.kind for e in events] == [BookEventKind.MALFORMED, BookEventKind.RESYNCED]
    assert sync.book.bids() == [(D(99), D(2))]  # the buffered delta bridged the second one


async def test_a_failing_event_handler_does_not_break_the_book() -> None:
    def explode(event: BookEvent) -> None:
        raise RuntimeError("observer bug")

    sync = BookSync(LocalBook("BTC/USDT"), BybitRule(), on_event=explode)
    sync.on_snapshot(BookSnapshot(bids=[("99", "1")], sequence=1))
    assert sync.is_live


async def test_the_manager_ignores_symbols_it_does_not_manage() -> None:
    books = BookManager(BybitRule)
    books.on_delta("NOPE/USDT", BookDelta(last_id=1))
    books.on_snapshot("NOPE/USDT", SNAPSHOT)
    assert books.ignored == 2
    assert "NOPE/USDT" not in books


async def test_closing_cancels_a_pending_snapshot_request() -> None:
    started = asyncio.Event()

    async def never(symbol: str) -> BookSnapshot:
        started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    books = BookManager(BinanceSpotRule, fetch_snapshot=never)
    books.add("BTC/USDT").on_delta(spot(1, 1))
    await started.wait()
    await books.close()
    await books.remove("BTC/USDT")
    assert len(books) == 0


def test_a_rest_rule_needs_a_fetcher_and_an_okx_checksum_needs_original_strings() -> None:
    with pytest.raises(ValueError, match="fetch_snapshot"):
        BookSync(LocalBook("X/Y"), BinanceSpotRule())
    with pytest.raises(ValueError, match="keep_text"):
        BookSync(LocalBook("X/Y"), OkxRule(), checksum=OkxChecksum())


async def test_an_exchange_message_decodes_straight_into_a_delta() -> None:
    class FuturesDepthUpdate(
        BookDelta,
        rename={"first_id": "U", "last_id": "u", "prev_id": "pu", "bids": "b", "asks": "a"},
    ):
        bids: Sequence[tuple[str, str]] = ()
        asks: Sequence[tuple[str, str]] = ()
        first_id: int | None = None
        last_id: int | None = None
        prev_id: int | None = None

    raw = b'{"e":"depthUpdate","E":1,"U":157,"u":160,"pu":149,"b":[["0.0024","10"]],"a":[]}'
    delta = msgspec.json.decode(raw, type=FuturesDepthUpdate)

    assert isinstance(delta, BookDelta)
    assert (delta.first_id, delta.last_id, delta.prev_id) == (157, 160, 149)
    assert list(delta.bids) == [("0.0024", "10")]
