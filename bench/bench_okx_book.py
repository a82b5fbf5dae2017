"""OKX ``books`` updates applied to a local book: ours against ccxt.pro as it ships.

Both sides get the same text frames (a 400-level snapshot, then ``update`` frames of 10 to
24 changed levels chained by ``seqId`` / ``prevSeqId``, checksum 0 as OKX sends from
2026-06-23), in process, with no socket:

- ours: ``OkxRouter.route`` (one typed decode of the frame), then ``BookView.on_batch``:
  ``BookSync`` with ``OkxRule`` and ``OkxChecksum``, a ``LocalBook`` keeping the original
  strings; the top 10 levels are read once at the end;
- ccxt.pro 4.5.90: ``json.loads`` plus ``okx.handle_order_book`` (its ``prevSeqId``
  check and ``handle_deltas``) on a stand-in client that accepts every resolve.
"""

from __future__ import annotations

import json
import random
from typing import Any

from bench.harness import Result, best_rate

PEER = "ccxt.pro 4.5.90"
INST = "BTC-USDT"
FIRST_SEQ = 1_000_000


def _frames(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    bids = [[f"{59_999.9 - i * 0.1:.1f}", "1.5", "0", "3"] for i in range(400)]
    asks = [[f"{60_000.0 + i * 0.1:.1f}", "1.5", "0", "3"] for i in range(400)]
    arg = {"channel": "books", "instId": INST}
    row = {"asks": asks, "bids": bids, "ts": "1700000000000", "checksum": 0,
           "prevSeqId": -1, "seqId": FIRST_SEQ}  # fmt: skip
    frames = [json.dumps({"arg": arg, "action": "snapshot", "data": [row]})]
    seq = FIRST_SEQ
    for i in range(count):
        changed = rng.randint(5, 12)
        up_bids = [
            [f"{59_999.9 - rng.randint(0, 399) * 0.1:.1f}",
             "0" if rng.random() < 0.1 else f"{rng.uniform(0.01, 3):.4f}", "0", "2"]
            for _ in range(changed)
        ]  # fmt: skip
        up_asks = [
            [f"{60_000.0 + rng.randint(0, 399) * 0.1:.1f}",
             "0" if rng.random() < 0.1 else f"{rng.uniform(0.01, 3):.4f}", "0", "2"]
            for _ in range(changed)
        ]  # fmt: skip
        prev, seq = seq, seq + rng.randint(1, 3)
        row = {"asks": up_asks, "bids": up_bids, "ts": str(1_700_000_000_001 + i),
               "checksum": 0, "prevSeqId": prev, "seqId": seq}  # fmt: skip
        frames.append(json.dumps({"arg": arg, "action": "update", "data": [row]}))
    return frames


def _ours(frames: list[str]) -> int:
    from exchangekit_okx import streams

    from exchangekit.book import BookSync, LocalBook, OkxChecksum, OkxRule
    from exchangekit.models import Instrument

    inst = Instrument(
        symbol="BTC/USDT", exchange_symbol=INST, base="BTC", quote="USDT",
        tick_size=_D("0.1"), step_size=_D("0.0001"), min_quantity=_D("0.0001"),
    )  # fmt: skip
    router = streams.OkxRouter(None, lambda: 0)
    router.register("books", streams._BOOKS)
    sync = BookSync(
        LocalBook(inst.symbol, keep_text=True),
        OkxRule(),
        fetch_snapshot=_no_snapshot,
        checksum=OkxChecksum(),
    )
    view = streams.BookView(sync, inst, monotonic=lambda: 0.0)
    for frame in frames:
        routed = router.route(frame)
        view.on_batch([routed.payload])  # type: ignore[union-attr, list-item]
    assert sync.is_live and sync.invalidations == 0
    view.top(10)
    return len(frames) - 1


async def _no_snapshot(symbol: str) -> None:  # pragma: no cover - no gap in these frames
    return None


class _Client:
    """What ccxt.pro's handlers need of a connection: subscriptions and resolve."""

    def __init__(self) -> None:
        self.subscriptions: dict[str, Any] = {"books:BTC/USDT": True}

    def resolve(self, result: Any, message_hash: str) -> None:
        pass

    def reject(self, error: Any, message_hash: str) -> None:  # pragma: no cover
        raise AssertionError(error)


def _peer(exchange: Any, frames: list[str]) -> int:
    client = _Client()
    exchange.orderbooks = {}
    for frame in frames:
        exchange.handle_order_book(client, json.loads(frame))
    exchange.orderbooks["BTC/USDT"].limit()
    return len(frames) - 1


def _ccxt_pro() -> Any:
    import ccxt.pro

    okx = ccxt.pro.okx()
    okx.set_markets([
        {
            "id": INST, "symbol": "BTC/USDT", "base": "BTC", "quote": "USDT",
            "baseId": "BTC", "quoteId": "USDT", "type": "spot", "spot": True,
            "margin": False, "swap": False, "future": False, "option": False, "active": True,
            "contract": False, "precision": {"amount": 0.0001, "price": 0.1},
            "limits": {k: {"min": None, "max": None} for k in ("amount", "price", "cost")},
            "info": {},
        }
    ])  # fmt: skip
    return okx


def _D(text: str) -> Any:
    from decimal import Decimal

    return Decimal(text)


def run(quick: bool) -> list[Result]:
    """Book-update throughput, ours against ccxt.pro, on the same frames."""
    frames = _frames(2_000 if quick else 20_000)
    repeat = 2 if quick else 5
    peer = _ccxt_pro()
    ours_rate = peer_rate = 0.0
    for _ in range(repeat):  # interleaved rounds: both see the same machine load
        ours_rate = max(ours_rate, best_rate(lambda: _ours(frames), repeat=1))
        peer_rate = max(peer_rate, best_rate(lambda: _peer(peer, frames), repeat=1))
    return [
        Result(
            name="okx books updates",
            unit="updates",
            ours_per_s=ours_rate,
            peer=PEER,
            peer_per_s=peer_rate,
            note="frames routed and applied in process (no socket); the snapshot is included",
        )
    ]
