"""Binance diff-depth throughput: the client's local-book stream vs a bare ``websockets`` reader.

The emulator pushes a depth stream at most every few milliseconds (its market steps on a
timer), which measures the emulator, not the client. So a small loopback ``websockets``
server, in its own process, replays recorded-shape spot ``depthUpdate`` events (combined
stream frames, ~20 levels each, ``U``/``u`` chained) after answering the ``SUBSCRIBE``
request: a short warm-up, a pause in which the client's book bridges its REST snapshot,
then the flood, as fast as the server can write. Both readers time the flood only.

- ours: ``BinanceClient.stream_order_book`` end to end: the resilient ``WsSession`` (routing,
  dedupe by ``u``), the subscription's feed, ``BookSync`` with ``BinanceSpotRule`` bridging a
  REST snapshot (served by ``httpx.MockTransport``) and ``LocalBook``; the reader takes
  ``OrderBook`` views (10 levels) until the book reaches the last event.
- peer: ``websockets.connect`` reading the same frames and doing nothing with them.

Both count the same events from the same server, in interleaved rounds (best of each).
Since ``WsSession`` reads whole frames past the library's message queue
(:mod:`exchangekit.ws.direct`), ours can come out ahead of a bare ``recv()`` loop.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import random
import time
from multiprocessing.connection import Connection
from typing import Any

import httpx
import websockets
from websockets.asyncio.server import ServerConnection, serve

from bench.harness import Result

SYMBOL = "BTC/USDT"
STREAM = "btcusdt@depth@100ms"
FIRST_ID = 1_000_000
WARM_UP = 100
PAUSE_S = 0.2


def _frames(count: int, seed: int = 7) -> list[str]:
    """``count`` combined-stream depth frames continuing a snapshot at ``FIRST_ID``."""
    rng = random.Random(seed)
    frames = []
    update = FIRST_ID
    for i in range(count):
        levels = rng.randint(14, 26)
        bids, asks = [], []
        # Bids stay below 60,000 and asks above it: an uncrossed book, as an exchange's is.
        for _ in range(levels // 2):
            qty = "0.00000000" if rng.random() < 0.1 else f"{rng.uniform(0.001, 2):.8f}"
            bids.append([f"{59_999.99 - rng.randint(0, 300) * 0.01:.2f}", qty])
            qty = "0.00000000" if rng.random() < 0.1 else f"{rng.uniform(0.001, 2):.8f}"
            asks.append([f"{60_000.01 + rng.randint(0, 300) * 0.01:.2f}", qty])
        first, update = update + 1, update + rng.randint(1, 4)
        data = {
            "e": "depthUpdate",
            "E": 1_700_000_000_000 + i,
            "s": "BTCUSDT",
            "U": first,
            "u": update,
            "b": bids,
            "a": asks,
        }
        frames.append(json.dumps({"stream": STREAM, "data": data}, separators=(",", ":")))
    return frames


def _snapshot() -> bytes:
    bids = [[f"{59_999.99 - i * 0.01:.2f}", "1.00000000"] for i in range(1000)]
    asks = [[f"{60_000.01 + i * 0.01:.2f}", "1.00000000"] for i in range(1000)]
    return json.dumps({"lastUpdateId": FIRST_ID, "bids": bids, "asks": asks}).encode()


def _exchange_info() -> bytes:
    filters = [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "1000000", "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.00001", "maxQty": "9000", "stepSize": "0.00001"},
    ]  # fmt: skip
    symbol = {
        "symbol": "BTCUSDT",
        "status": "TRADING",
        "baseAsset": "BTC",
        "quoteAsset": "USDT",
        "filters": filters,
    }
    return json.dumps({"symbols": [symbol], "rateLimits": []}).encode()


# -- the replay server (its own process) ---------------------------------------------------------


def _serve(frames: list[str], pipe: Connection) -> None:
    async def handler(ws: ServerConnection) -> None:
        request = json.loads(await ws.recv())
        await ws.send(json.dumps({"result": None, "id": request.get("id")}))
        for frame in frames[:WARM_UP]:
            await ws.send(frame)
        await asyncio.sleep(PAUSE_S)
        for frame in frames[WARM_UP:]:
            await ws.send(frame)
        await ws.wait_closed()

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, compression=None, max_queue=None) as server:
            pipe.send(server.sockets[0].getsockname()[1])
            await asyncio.get_running_loop().run_in_executor(None, pipe.recv)

    asyncio.run(main())


# -- the two readers -------------------------------------------------------------------------


async def _ours(port: int, ids: list[int]) -> float:
    """Events per second from the first view after the warm-up to the last event."""
    from exchangekit_binance import create

    info, snapshot = _exchange_info(), _snapshot()

    def rest(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=info if "exchangeInfo" in request.url.path else snapshot)

    client = create(
        base_url="https://binance.invalid",
        stream_url=f"ws://127.0.0.1:{port}",
        transport=httpx.MockTransport(rest),
    )
    await client.load_instruments()
    index = {update: i for i, update in enumerate(ids)}
    start, first = 0.0, 0
    async with client:
        async for book in client.stream_order_book(SYMBOL, depth=10):
            at = index[book.sequence or 0]
            if not first and at >= WARM_UP:
                start, first = time.perf_counter(), at
            if at == len(ids) - 1:
                break
    return (len(ids) - 1 - first) / (time.perf_counter() - start)


async def _bare(port: int, count: int) -> float:
    async with websockets.connect(f"ws://127.0.0.1:{port}/stream", compression=None) as ws:
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": [STREAM], "id": 1}))
        await ws.recv()  # the answer to SUBSCRIBE
        for _ in range(WARM_UP + 1):
            await ws.recv()
        start = time.perf_counter()
        for _ in range(count - WARM_UP - 1):
            await ws.recv()
    return (count - WARM_UP - 1) / (time.perf_counter() - start)


def run(quick: bool) -> list[Result]:
    count = 10_000 if quick else 50_000
    repeat = 2 if quick else 5
    frames = _frames(count)
    ids = [json.loads(frame)["data"]["u"] for frame in frames]
    context = mp.get_context("fork")
    parent, child = context.Pipe()
    server = context.Process(target=_serve, args=(frames, child), daemon=True)
    server.start()
    try:
        port: Any = parent.recv()
        # Interleaved rounds, best of each: both readers see the same machine load.
        ours = bare = 0.0
        for _ in range(repeat):
            ours = max(ours, asyncio.run(_ours(port, ids)))
            bare = max(bare, asyncio.run(_bare(port, count)))
    finally:
        parent.send("stop")
        server.join(timeout=5)
        if server.is_alive():
            server.kill()
    return [
        Result(
            name="binance.ws_depth_throughput",
            unit="events",
            ours_per_s=ours,
            peer="bare websockets",
            peer_per_s=bare,
            note=(
                f"{count} spot depthUpdate frames (~20 levels) replayed over loopback by a "
                "websockets server in another process; ours = WsSession + BookSync + "
                "LocalBook through stream_order_book (views of 10 levels), peer = recv only"
            ),
        )
    ]


if __name__ == "__main__":
    for result in run(quick=False):
        print(result.as_json())
