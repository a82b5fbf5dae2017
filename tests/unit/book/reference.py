"""Test helpers: a plain Decimal reference book and a simulated exchange book feed."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from exchangekit.book import (
    BinanceFuturesRule,
    BinanceSpotRule,
    BookDelta,
    BookSnapshot,
    BybitRule,
    ChecksumRule,
    KrakenChecksum,
    LocalBook,
    NoSequenceRule,
    OkxRule,
    SequenceRule,
    kraken_checksum,
)

Level = tuple[Decimal, Decimal]


class RefBook:
    """The obviously-correct book: two dicts of Decimal, sorted on every read."""

    def __init__(self) -> None:
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def copy(self) -> RefBook:
        other = RefBook()
        other.bids = dict(self.bids)
        other.asks = dict(self.asks)
        return other

    def apply(self, bids: Sequence[Sequence[str]], asks: Sequence[Sequence[str]]) -> None:
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for level in levels:
                price, qty = Decimal(level[0]), Decimal(level[1])
                if qty == 0:
                    side.pop(price, None)
                else:
                    side[price] = qty

    def truncate(self, depth: int) -> None:
        self.bids = dict(self.sorted_bids()[:depth])
        self.asks = dict(self.sorted_asks()[:depth])

    def sorted_bids(self) -> list[Level]:
        return sorted(self.bids.items(), reverse=True)

    def sorted_asks(self) -> list[Level]:
        return sorted(self.asks.items())


def same(book: LocalBook, ref: RefBook) -> bool:
    """Every level of ``book`` equals ``ref``'s, in order (Decimal value equality)."""
    return book.bids() == ref.sorted_bids() and book.asks() == ref.sorted_asks()


def ticks(value: int, scale: int) -> str:
    """``value`` units of ``10**-scale`` written with exactly ``scale`` decimals."""
    text = str(value).rjust(scale + 1, "0")
    return f"{text[:-scale]}.{text[-scale:]}" if scale else text


def trimmed(text: str) -> str:
    """``"100.10"`` -> ``"100.1"``, ``"3.000"`` -> ``"3"``: what a float-ish feed sends."""
    if "." not in text:
        return text
    return text.rstrip("0").rstrip(".")


# -- simulated feeds ---------------------------------------------------------------------------


@dataclass
class Flavor:
    """One exchange's book feed: its ids, its rule, how its snapshots arrive."""

    name: str
    make_rule: Callable[[], SequenceRule]
    in_band: bool
    checksum: ChecksumRule | None = None
    depth: int | None = None
    trims: bool = False  # sends values with trailing zeros dropped, sometimes


FLAVORS = {
    "binance_spot": Flavor("binance_spot", BinanceSpotRule, in_band=False),
    "binance_futures": Flavor("binance_futures", BinanceFuturesRule, in_band=False),
    "bybit": Flavor("bybit", BybitRule, in_band=True),
    "okx": Flavor("okx", OkxRule, in_band=True, trims=True),
    "kraken": Flavor(
        "kraken", NoSequenceRule, in_band=True, checksum=KrakenChecksum(), depth=10, trims=True
    ),
}


@dataclass
class Feed:
    """A generated truth: the book after every event, and the messages that carry it."""

    flavor: Flavor
    states: list[RefBook] = field(default_factory=list)  # states[k]: after k events
    sequences: list[int | None] = field(default_factory=list)  # id of states[k]
    events: list[BookDelta] = field(default_factory=list)  # events[k - 1] makes states[k]

    def snapshot(self, k: int) -> BookSnapshot:
        bids, asks = strings(self.states[k])
        checksum = kraken_checksum(bids, asks) if self.flavor.name == "kraken" else None
        return BookSnapshot(bids=bids, asks=asks, sequence=self.sequences[k], checksum=checksum)

    def index_of(self, sequence: int | None) -> int:
        """The last state index whose id is ``sequence``."""
        return max(k for k, s in enumerate(self.sequences) if s == sequence)


def strings(state: RefBook) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The state's levels, best first, written at tick 0.01 and step 0.001."""

    def write(levels: list[Level]) -> list[tuple[str, str]]:
        return [(ticks(int(p.scaleb(2)), 2), ticks(int(q.scaleb(3)), 3)) for p, q in levels]

    return write(state.sorted_bids()), write(state.sorted_asks())


MID = 10_000  # 100.00 at tick 0.01


def make_feed(flavor: Flavor, seed: int, n_events: int) -> Feed:
    """A consistent feed of ``n_events`` events for ``flavor``, reproducible from ``seed``."""
    rng = random.Random(seed)
    feed = Feed(flavor)
    state = RefBook()
    initial_bids = [(ticks(MID - k, 2), ticks(rng.randint(1, 5000), 3)) for k in range(1, 13)]
    initial_asks = [(ticks(MID + k, 2), ticks(rng.randint(1, 5000), 3)) for k in range(12)]
    state.apply(initial_bids, initial_asks)
    if flavor.depth:
        state.truncate(flavor.depth)
    last = {"okx": 1_000_000, "bybit": 40}.get(flavor.name, 5_000)
    resets = 0
    feed.states.append(state.copy())
    feed.sequences.append(None if flavor.name == "kraken" else last)
    for _ in range(n_events):
        heartbeat = flavor.name == "okx" and rng.random() < 0.1
        bids: list[tuple[str, str]] = []
        asks: list[tuple[str, str]] = []
        for _ in range(0 if heartbeat else rng.randint(1, 4)):
            is_bid = rng.random() < 0.5
            price = MID - rng.randint(1, 20) if is_bid else MID + rng.randint(0, 19)
            qty = 0 if rng.random() < 0.25 else rng.randint(1, 5000)
            ptext, qtext = ticks(price, 2), ticks(qty, 3)
            if flavor.trims and rng.random() < 0.3:
                ptext, qtext = trimmed(ptext), trimmed(qtext)
            (bids if is_bid else asks).append((ptext, qtext))
        state.apply(bids, asks)
        if flavor.depth:
            state.truncate(flavor.depth)
        delta = BookDelta(bids=bids, asks=asks)
        if flavor.name == "binance_spot":
            first = last + 1
            last = first + rng.randint(0, 3)
            delta = BookDelta(bids=bids, asks=asks, first_id=first, last_id=last)
        elif flavor.name == "binance_futures":
            first = last + 1 + rng.randint(0, 2)  # U need not follow u + 1 on futures
            prev, last = last, first + rng.randint(0, 3)
            delta = BookDelta(bids=bids, asks=asks, first_id=first, last_id=last, prev_id=prev)
        elif flavor.name == "bybit":
            last += 1
            delta = BookDelta(bids=bids, asks=asks, last_id=last)
        elif flavor.name == "okx":
            prev = last
            if heartbeat:
                pass  # seqId == prevSeqId, no levels
            elif rng.random() < 0.05:
                resets += 1
                last = 1_000_000 - resets * 100_000 + rng.randint(0, 100)  # lower: legal
            else:
                last += rng.randint(1, 3)
            delta = BookDelta(bids=bids, asks=asks, last_id=last, prev_id=prev, checksum=0)
        elif flavor.name == "kraken":
            checksum = kraken_checksum(*strings(state))
            delta = BookDelta(bids=bids, asks=asks, checksum=checksum)
        feed.events.append(delta)
        feed.states.append(state.copy())
        feed.sequences.append(None if flavor.name == "kraken" else last)
    return feed
