"""Bybit ``orderbook.200`` stream: ours vs ccxt.pro's bybit handler, on the same frames.

Both sides read the same raw JSON frames: one ``snapshot`` of 200 levels a side, then 10k
``delta`` frames of about 12 levels each (tick 0.1 around a drifting mid, about 10% deletions,
``u`` growing by one), shaped like BYD public/orderbook.mdx.

- ours: :class:`exchangekit_bybit.streams.PublicRouter` decodes each whole frame (the
  session's routing step, dedupe key included), then
  :class:`~exchangekit_bybit.streams.BookView` applies it through
  :class:`~exchangekit.book.BookSync` with :class:`~exchangekit.book.BybitRule` (the ``u``
  check, apply, crossed-book check) to a :class:`~exchangekit.book.LocalBook`.
- ccxt: ``json.loads`` then ``bybit.handle_order_book`` from ``ccxt.pro`` (no sequence
  check); the client's dispatch and future resolution are left out, which flatters ccxt.
"""

from __future__ import annotations

import gc
import json
import random
import time
from typing import Any

from exchangekit_bybit.streams import _BOOK, BookView, PublicRouter

from bench.harness import Result
from exchangekit.book import BookSync, BybitRule, LocalBook

SYMBOL = "BTC/USDT:USDT"
MARKET_ID = "BTCUSDT"
TOPIC = f"orderbook.200.{MARKET_ID}"
EVENTS = 10_000
LEVELS = 200


def _px(ticks: int) -> str:
    return f"{ticks // 10}.{ticks % 10}"


def _qty(rng: random.Random) -> str:
    return f"{rng.randint(1, 20_000) / 1000:.3f}"


def make_stream(seed: int = 11) -> list[bytes]:
    """A snapshot frame then ``EVENTS`` consistent delta frames, as raw JSON bytes."""
    rng = random.Random(seed)
    mid = 670_000  # 67000.0 in ticks of 0.1
    bids = {mid - k: _qty(rng) for k in range(1, LEVELS + 1)}
    asks = {mid + k: _qty(rng) for k in range(1, LEVELS + 1)}
    u = 5_000_000

    def frame(kind: str, b: list[list[str]], a: list[list[str]], n: int) -> bytes:
        data = {"s": MARKET_ID, "b": b, "a": a, "u": u, "seq": 9_000_000 + n}
        message = {"topic": TOPIC, "type": kind, "ts": 1_700_000_000_000 + n, "data": data,
                   "cts": 1_700_000_000_000 + n}  # fmt: skip
        return json.dumps(message, separators=(",", ":")).encode()

    frames = [
        frame(
            "snapshot",
            [[_px(p), q] for p, q in sorted(bids.items(), reverse=True)],
            [[_px(p), q] for p, q in sorted(asks.items())],
            0,
        )
    ]
    for n in range(1, EVENTS + 1):
        mid += rng.choice((-2, -1, 0, 0, 0, 1, 2))
        b: dict[int, str] = {p: "0" for p in bids if p >= mid}  # keep the book uncrossed
        a: dict[int, str] = {p: "0" for p in asks if p <= mid}
        while len(b) + len(a) < 12:
            side, book = (b, bids) if rng.random() < 0.5 else (a, asks)
            offset = 1 + min(int(rng.expovariate(1 / 10)), LEVELS - 1)
            price = mid - offset if side is b else mid + offset
            side[price] = "0" if rng.random() < 0.10 and price in book else _qty(rng)
        for side, book in ((b, bids), (a, asks)):
            for price, qty in side.items():
                if qty == "0":
                    book.pop(price, None)
                else:
                    book[price] = qty
        u += 1
        delta_bids = [[_px(p), q] for p, q in b.items()]
        frames.append(frame("delta", delta_bids, [[_px(p), q] for p, q in a.items()], n))
    return frames


async def _never(symbol: str) -> None:
    raise AssertionError("the benchmark stream has no gap")


def run_ours(frames: list[bytes]) -> tuple[BookView, float]:
    router = PublicRouter(None)
    router.register(TOPIC, _BOOK)
    view = BookView(BookSync(LocalBook(SYMBOL), BybitRule(), fetch_snapshot=_never))
    route, on_message = router.route, view.on_message
    on_message(route(frames[0]).payload)  # type: ignore[union-attr]
    gc.collect()
    started = time.perf_counter()
    for raw in frames[1:]:
        on_message(route(raw).payload)  # type: ignore[union-attr]
    return view, time.perf_counter() - started


class _FakeClient:
    """What ``bybit.handle_order_book`` touches on ccxt's WebSocket client."""

    url = "wss://stream.bybit.com/v5/public/linear"

    def resolve(self, result: Any, message_hash: str) -> Any:
        return result


def make_ccxt() -> Any:
    import ccxt.pro  # type: ignore[import-untyped]

    exchange = ccxt.pro.bybit()
    exchange.set_markets(
        [
            {
                "id": MARKET_ID, "symbol": SYMBOL, "base": "BTC", "quote": "USDT",
                "settle": "USDT", "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT",
                "type": "swap", "spot": False, "margin": False, "swap": True, "future": False,
                "option": False, "contract": True, "linear": True, "inverse": False,
                "active": True, "contractSize": 1,
                "precision": {"price": 0.1, "amount": 0.001}, "limits": {}, "info": {},
            }
        ]
    )  # fmt: skip
    return exchange


def run_ccxt(exchange: Any, frames: list[bytes]) -> tuple[Any, float]:
    client = _FakeClient()
    exchange.orderbooks = {}
    handle, loads = exchange.handle_order_book, json.loads
    handle(client, loads(frames[0]))
    gc.collect()
    started = time.perf_counter()
    for raw in frames[1:]:
        handle(client, loads(raw))
    return exchange.orderbooks[SYMBOL], time.perf_counter() - started


def _check_same(view: BookView, orderbook: Any) -> None:
    """Both books must hold the same levels at the end, or the comparison means nothing."""
    sync = view.sync
    assert sync.is_live and sync.invalidations == 0 and sync.skipped == 0, sync
    ours = sync.top()
    for mine, theirs in ((ours.bids, orderbook["bids"]), (ours.asks, orderbook["asks"])):
        got = [(float(p), float(q)) for p, q in mine]
        want = [(p, q) for p, q, *_ in theirs]
        assert got == want, (len(got), len(want), got[:3], want[:3])


def run(quick: bool) -> list[Result]:
    frames = make_stream()
    exchange = make_ccxt()
    view, _ = run_ours(frames)
    orderbook, _ = run_ccxt(exchange, frames)
    _check_same(view, orderbook)
    ours = theirs = float("inf")
    for _ in range(2 if quick else 5):  # interleaved: a busy moment on a shared box hits both
        ours = min(ours, run_ours(frames)[1])
        theirs = min(theirs, run_ccxt(exchange, frames)[1])
    deltas = len(frames) - 1
    return [
        Result(
            name="book.bybit_orderbook_200",
            unit="frames",
            ours_per_s=deltas / ours,
            peer="ccxt.pro bybit",
            peer_per_s=deltas / theirs,
            note=f"{deltas} orderbook.200 delta frames of ~12 levels on a {LEVELS}-level book: "
            "frame decode + u check + apply (ccxt: json.loads + apply, no sequence check)",
        )
    ]
