"""Plays a generated feed into a BookSync, with faults, a slow snapshot fetch and checks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from exchangekit.book import BookEvent, BookEventKind, BookSnapshot, BookSync, LocalBook
from tests.unit.book.reference import Feed, same

SKIP, DUPLICATE, SWAP = "skip", "duplicate", "swap"


class YieldClock:
    """A clock whose sleep only lets the other tasks run: backoff costs no time in tests."""

    def monotonic(self) -> float:
        return 0.0

    def now_ms(self) -> int:
        return 0

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


def delivery_order(first: int, last: int, faults: list[tuple[str, int, int]]) -> list[int]:
    """Events ``first..last`` (1-based) in arrival order after ``(kind, position, distance)``."""
    order = list(range(first, last + 1))
    for kind, position, distance in faults:
        i = order.index(position) if position in order else None
        if i is None:
            continue
        if kind == SKIP:
            del order[i]
        elif kind == DUPLICATE:
            order.insert(min(i + 1 + distance, len(order)), position)
        elif kind == SWAP and i + 1 < len(order):
            order[i], order[i + 1] = order[i + 1], order[i]
    return order


@dataclass
class Driver:
    """Feeds ``feed`` to a BookSync the way an adapter would, and checks it after each step.

    ``fetch_delay`` is how many deliveries a snapshot request takes; ``offset`` is where the
    REST snapshot sits relative to the newest event delivered (negative: older, positive:
    newer than the stream, as when the WebSocket lags).
    """

    feed: Feed
    fetch_delay: int = 0
    offset: int = 0
    cursor: int = 0
    fetches: int = 0
    in_band_due: bool = False
    events: list[BookEvent] = field(default_factory=list)
    sync: BookSync = field(init=False)

    def __post_init__(self) -> None:
        flavor = self.feed.flavor
        if flavor.name == "kraken":
            book = LocalBook("X/Y", price_scale=2, quantity_scale=3, max_depth=flavor.depth)
        else:
            book = LocalBook("X/Y", keep_text=flavor.name == "okx")
        self.sync = BookSync(
            book,
            flavor.make_rule(),
            fetch_snapshot=self.fetch,
            checksum=flavor.checksum,
            on_event=self.events.append,
            clock=YieldClock(),
        )

    async def fetch(self, symbol: str) -> BookSnapshot | None:
        self.fetches += 1
        for _ in range(self.fetch_delay):
            await asyncio.sleep(0)
        if self.feed.flavor.in_band:
            self.in_band_due = True  # "resubscribed": the snapshot comes on the stream
            return None
        k = min(max(self.cursor + self.offset, 0), len(self.feed.events))
        return self.feed.snapshot(k)

    async def start(self) -> None:
        if self.feed.flavor.in_band:
            self.sync.on_snapshot(self.feed.snapshot(0))  # the subscription's first message

    async def deliver(self, k: int) -> None:
        """Deliver event ``k`` (1-based), then let a running fetch make one step."""
        if self.in_band_due:
            self.in_band_due = False
            self.sync.on_snapshot(self.feed.snapshot(self.cursor))
            self.check(self.cursor)
        self.cursor = max(self.cursor, k)
        self.sync.on_delta(self.feed.events[k - 1])
        self.check(k)
        await asyncio.sleep(0)

    async def settle(self) -> None:
        """Let every pending resync finish with a current snapshot."""
        self.offset = 0
        for _ in range(200):
            if self.in_band_due:
                self.in_band_due = False
                self.sync.on_snapshot(self.feed.snapshot(self.cursor))
            if self.sync.is_live and not self.in_band_due and self.sync._fetch_task is None:
                return
            await asyncio.sleep(0)
        raise AssertionError(f"book never resynced: {self.sync}, events {self.events}")

    def check(self, delivered: int) -> None:
        """A live book is never silently wrong: it equals the truth at its own position."""
        if not self.sync.is_live:
            return
        book = self.sync.book
        if self.feed.flavor.name == "kraken":
            index = delivered  # its checksum just matched the state after that message
        else:
            index = self.feed.index_of(book.sequence)
        assert same(book, self.feed.states[index]), (self.feed.flavor.name, index, book)

    def position(self) -> int:
        """The truth index the (live) book is at."""
        if self.feed.flavor.name == "kraken":
            return self.cursor
        return self.feed.index_of(self.sync.book.sequence)

    def kinds(self) -> list[BookEventKind]:
        return [event.kind for event in self.events]
