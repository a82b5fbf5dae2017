"""Local order book: Binance futures diff-depth events, ours vs ccxt.pro's binance handler.

Both sides start from the same raw JSON bytes: a 1000-level REST snapshot, then 10k
``depthUpdate`` events of about 25 levels each (tick 0.01 around a drifting mid, about 10%
deletions, the ``U``/``u``/``pu`` chain of the futures stream).

- ours: ``msgspec`` decodes each event straight into a :class:`BookDelta` subclass, and
  :class:`BookSync` applies it to a :class:`LocalBook` through :class:`BinanceFuturesRule`
  (sequence check, apply, crossed-book check).
- ccxt: ``json.loads`` (what ccxt's WebSocket client uses) then ``binance.handle_order_book``
  from ``ccxt.pro`` with its own ``OrderBook``; markets are set by hand, no network. The
  message dispatch and future resolution of ccxt's client are left out, which flatters ccxt.

A second row times top-of-book reads: ``best_bid()`` + ``best_ask()`` (Decimal levels) vs
``orderbook["bids"][0]`` + ``orderbook["asks"][0]`` (float lists).
"""

from __future__ import annotations

import gc
import json
import random
import time
from collections.abc import Sequence
from typing import Any

import msgspec

from bench.harness import Result, best_rate
from exchangekit.book import BinanceFuturesRule, BookDelta, BookSnapshot, BookSync, LocalBook

SYMBOL = "BTC/USDT:USDT"
MARKET_ID = "BTCUSDT"
EVENTS = 10_000
SNAPSHOT_LEVELS = 1000


class FuturesDepthUpdate(
    BookDelta,
    rename={
        "first_id": "U",
        "last_id": "u",
        "prev_id": "pu",
        "bids": "b",
        "asks": "a",
        "timestamp_ms": "E",
    },
):
    """Binance futures ``depthUpdate`` decoded straight into a BookDelta."""

    bids: Sequence[tuple[str, str]] = ()  # tuples of str: smaller, and not tracked by the GC
    asks: Sequence[tuple[str, str]] = ()
    first_id: int | None = None
    last_id: int | None = None
    prev_id: int | None = None
    timestamp_ms: int | None = None


class DepthSnapshot(BookSnapshot, rename={"sequence": "lastUpdateId", "timestamp_ms": "E"}):
    """Binance futures ``GET /fapi/v1/depth`` decoded straight into a BookSnapshot."""

    sequence: int | None = None
    timestamp_ms: int | None = None


# -- data ------------------------------------------------------------------------------------


def _qty(rng: random.Random) -> str:
    return f"{rng.randint(1, 20_000) / 1000:.3f}"


def _px(ticks: int) -> str:
    return f"{ticks // 100}.{ticks % 100:02d}"


def make_stream(seed: int = 7) -> tuple[bytes, list[bytes]]:
    """A REST snapshot and ``EVENTS`` consistent diff events, as raw JSON bytes."""
    rng = random.Random(seed)
    mid = 6_700_000  # 67000.00 in ticks of 0.01
    bids = {mid - k: _qty(rng) for k in range(1, SNAPSHOT_LEVELS + 1)}
    asks = {mid + k: _qty(rng) for k in range(1, SNAPSHOT_LEVELS + 1)}
    last_id = 1_000_000
    snapshot = {
        "lastUpdateId": last_id,
        "E": 1_700_000_000_000,
        "T": 1_700_000_000_000,
        "bids": [[_px(p), q] for p, q in sorted(bids.items(), reverse=True)],
        "asks": [[_px(p), q] for p, q in sorted(asks.items())],
    }
    events: list[bytes] = []
    for n in range(EVENTS):
        mid += rng.choice((-2, -1, 0, 0, 0, 1, 2))
        b: dict[int, str] = {p: "0.000" for p in bids if p >= mid}  # keep the book uncrossed
        a: dict[int, str] = {p: "0.000" for p in asks if p <= mid}
        while len(b) + len(a) < 25:
            side, book = (b, bids) if rng.random() < 0.5 else (a, asks)
            offset = 1 + min(int(rng.expovariate(1 / 15)), 400)
            price = mid - offset if side is b else mid + offset
            if rng.random() < 0.10 and book:
                side[price] = "0.000"
            else:
                side[price] = _qty(rng)
        for side, book in ((b, bids), (a, asks)):
            for price, qty in side.items():
                if qty == "0.000":
                    book.pop(price, None)
                else:
                    book[price] = qty
        first = last_id + 1 + rng.randint(0, 3)
        final = first + rng.randint(0, 5)
        event = {
            "e": "depthUpdate",
            "E": 1_700_000_000_000 + n,
            "T": 1_700_000_000_000 + n,
            "s": MARKET_ID,
            "U": first,
            "u": final,
            "pu": last_id,
            "b": [[_px(p), q] for p, q in b.items()],
            "a": [[_px(p), q] for p, q in a.items()],
        }
        last_id = final
        events.append(json.dumps(event, separators=(",", ":")).encode())
    return json.dumps(snapshot, separators=(",", ":")).encode(), events


# -- ours ------------------------------------------------------------------------------------


async def _never(symbol: str) -> BookSnapshot:
    raise AssertionError(f"the benchmark stream has no gap, yet {symbol} asked for a snapshot")


def run_ours(snapshot_raw: bytes, events: list[bytes]) -> tuple[BookSync, float]:
    """The synced book after every event, and the seconds the events took."""
    decode_delta = msgspec.json.Decoder(FuturesDepthUpdate).decode
    decode_snapshot = msgspec.json.Decoder(DepthSnapshot).decode
    sync = BookSync(LocalBook(SYMBOL), BinanceFuturesRule(), fetch_snapshot=_never)
    sync.on_snapshot(decode_snapshot(snapshot_raw))
    on_delta = sync.on_delta
    gc.collect()
    started = time.perf_counter()
    for raw in events:
        on_delta(decode_delta(raw))
    return sync, time.perf_counter() - started


# -- ccxt ------------------------------------------------------------------------------------


class _FakeClient:
    """What ``binance.handle_order_book`` touches on ccxt's WebSocket client."""

    url = "wss://fstream.binance.com/ws"  # not a spot url: the swap market is picked

    def __init__(self) -> None:
        self.futures: dict[str, Any] = {}
        self.subscriptions: dict[str, Any] = {}

    def resolve(self, result: Any, message_hash: str) -> Any:
        return result

    def reject(self, error: Exception, message_hash: str | None = None) -> None:
        raise error


def make_ccxt() -> Any:
    import ccxt.pro  # type: ignore[import-untyped]

    exchange = ccxt.pro.binance({"options": {"defaultType": "swap"}})
    exchange.set_markets(
        [
            {
                "id": MARKET_ID,
                "symbol": SYMBOL,
                "base": "BTC",
                "quote": "USDT",
                "settle": "USDT",
                "baseId": "BTC",
                "quoteId": "USDT",
                "settleId": "USDT",
                "type": "swap",
                "spot": False,
                "margin": False,
                "swap": True,
                "future": False,
                "option": False,
                "contract": True,
                "linear": True,
                "inverse": False,
                "active": True,
                "contractSize": 1,
                "precision": {"price": 0.01, "amount": 0.001},
                "limits": {},
                "info": {},
            }
        ]
    )
    return exchange


def run_ccxt(exchange: Any, snapshot_raw: bytes, events: list[bytes]) -> tuple[Any, float]:
    """ccxt's book after every event, and the seconds the events took."""
    client = _FakeClient()
    raw = json.loads(snapshot_raw)
    snapshot = exchange.parse_order_book(raw, SYMBOL, raw.get("T"))
    snapshot["nonce"] = raw["lastUpdateId"]
    orderbook = exchange.order_book({}, SNAPSHOT_LEVELS)
    orderbook.reset(snapshot)
    exchange.orderbooks[SYMBOL] = orderbook
    handle = exchange.handle_order_book
    loads = json.loads
    gc.collect()
    started = time.perf_counter()
    for message in events:
        handle(client, loads(message))
    return exchange.orderbooks[SYMBOL], time.perf_counter() - started


# -- run -------------------------------------------------------------------------------------


def _check_same(sync: BookSync, orderbook: Any) -> None:
    """Both books must hold the same levels at the end, or the comparison means nothing."""
    assert sync.is_live and sync.invalidations == 0 and sync.skipped == 0, sync
    ours = sync.top()
    for mine, theirs in ((ours.bids, orderbook["bids"]), (ours.asks, orderbook["asks"])):
        got = [(float(p), float(q)) for p, q in mine]
        want = [(p, q) for p, q, *_ in theirs]
        assert got == want, (len(got), len(want), got[:3], want[:3])


def _read_rate(read: Any, reads: int) -> float:
    def loop() -> int:
        for _ in range(reads // 10):
            read(), read(), read(), read(), read(), read(), read(), read(), read(), read()
        return reads

    return best_rate(loop, repeat=3)


def run(quick: bool) -> list[Result]:
    snapshot_raw, events = make_stream()
    exchange = make_ccxt()
    sync, _ = run_ours(snapshot_raw, events)
    orderbook, _ = run_ccxt(exchange, snapshot_raw, events)
    _check_same(sync, orderbook)

    ours = theirs = float("inf")
    for _ in range(2 if quick else 5):  # interleaved: a busy moment on a shared box hits both
        ours = min(ours, run_ours(snapshot_raw, events)[1])
        theirs = min(theirs, run_ccxt(exchange, snapshot_raw, events)[1])
    levels = sum(len(e["b"]) + len(e["a"]) for e in map(json.loads, events)) / len(events)
    results = [
        Result(
            name="book.binance_diff",
            unit="events",
            ours_per_s=len(events) / ours,
            peer="ccxt.pro binance",
            peer_per_s=len(events) / theirs,
            note=f"{len(events)} futures depthUpdate events, {levels:.1f} levels each on "
            f"a {SNAPSHOT_LEVELS}-level book: decode + sequence check + apply, same bytes",
        )
    ]

    book = sync.book

    def read_ours() -> object:
        return book.best_bid(), book.best_ask()

    def read_theirs() -> object:
        return orderbook["bids"][0], orderbook["asks"][0]

    reads = 20_000 if quick else 200_000
    results.append(
        Result(
            name="book.top_of_book",
            unit="reads",
            ours_per_s=_read_rate(read_ours, reads),
            peer="ccxt orderbook[side][0]",
            peer_per_s=_read_rate(read_theirs, reads),
            note="best bid + best ask per read, book unchanged between reads; "
            "ours are (Decimal, Decimal) tuples, ccxt's are float lists",
        )
    )
    return results
