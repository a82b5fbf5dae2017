"""The Binance emulator's market streams, read with raw websockets as Binance documents them."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any, Literal, NamedTuple

import httpx
import msgspec
import pytest
import websockets
from exchangekit_binance import schemas as s
from exchangekit_binance.emulator import BinanceDialect

from exchangekit.book import BinanceFuturesRule, BinanceSpotRule, BookDelta, Verdict
from exchangekit.sim import BookDeltaEvent, SimEvent
from exchangekit.testing import FaultKind, FaultPlan, FaultRule
from exchangekit.testing.server import EmulatorServer

Book = dict[Decimal, Decimal]


class Emulated(NamedTuple):
    dialect: BinanceDialect
    server: EmulatorServer
    http: httpx.AsyncClient


@contextlib.asynccontextmanager
async def fast_emulator(
    market: Literal["spot", "usdm"], *, faults: FaultPlan | None = None, **config: Any
) -> AsyncIterator[Emulated]:
    """Ticks every 5 ms and pushes streams 20x faster than Binance, so tests see hundreds of
    events in a second or two."""
    config = {"tick_ms": 5, "interval_scale": 0.05, "history_minutes": 0, **config}
    dialect = BinanceDialect(market, **config)
    async with (
        EmulatorServer(dialect, faults=faults) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        yield Emulated(dialect, server, http)


async def receive(ws: Any) -> Any:
    """The next frame, decoded (a test fails rather than hangs when none comes)."""
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


def _apply(book: Book, levels: list[list[str]]) -> None:
    for price, quantity in levels:
        if Decimal(quantity):
            book[Decimal(price)] = Decimal(quantity)
        else:
            book.pop(Decimal(price), None)


async def _bridge(market: Literal["spot", "usdm"], stream_url: str, depth_path: str) -> int:
    """Follow Binance's "manage a local order book" procedure for a few hundred events and
    check the local book against the simulator's after every one. Returns events applied."""
    symbol = "BTC/USDT" if market == "spot" else "BTC/USDT:USDT"
    async with fast_emulator(market) as emu:
        sim = emu.dialect.sim
        truth: dict[int, tuple[Book, Book]] = {}

        def remember(event: SimEvent) -> None:
            assert isinstance(event, BookDeltaEvent)
            book = sim.book(symbol, 1000)
            truth[event.last_update_id] = (dict(book.bids), dict(book.asks))

        sim.subscribe(remember, kinds=[BookDeltaEvent], symbol=symbol)
        async with websockets.connect(emu.server.ws_url + stream_url) as ws:
            buffered = [await receive(ws)]  # 1. open the stream and buffer
            snapshot = (
                await emu.http.get(depth_path, params={"symbol": "BTCUSDT", "limit": 1000})
            ).json()
            last_update_id = snapshot["lastUpdateId"]
            assert last_update_id >= buffered[0]["U"] - 1  # 2. the snapshot is not older
            bids: Book = {}
            asks: Book = {}
            _apply(bids, snapshot["bids"])
            _apply(asks, snapshot["asks"])
            rule = BinanceSpotRule() if market == "spot" else BinanceFuturesRule()
            rule.reset(last_update_id)
            applied, previous_u = 0, None
            while applied < 300:
                event = buffered.pop(0) if buffered else await receive(ws)
                assert event["e"] == "depthUpdate" and event["s"] == "BTCUSDT"
                delta = BookDelta(first_id=event["U"], last_id=event["u"], prev_id=event.get("pu"))
                verdict = rule.check(delta)
                if verdict is Verdict.SKIP:
                    assert previous_u is None  # 3. only events before the snapshot are dropped
                    continue
                assert verdict is Verdict.APPLY, (event["U"], event["u"], rule.position)
                if previous_u is None:  # the documented condition on the first applied event
                    if market == "spot":
                        assert event["U"] <= last_update_id + 1 <= event["u"]
                    else:
                        assert event["U"] <= last_update_id <= event["u"] or (
                            event["pu"] == last_update_id
                        )
                elif market == "spot":
                    assert event["U"] == previous_u + 1
                else:
                    assert event["pu"] == previous_u
                _apply(bids, event["b"])
                _apply(asks, event["a"])
                assert (bids, asks) == truth[event["u"]]
                previous_u = event["u"]
                applied += 1
        return applied


async def test_spot_depth_stream_bridges_to_the_rest_snapshot_over_hundreds_of_events() -> None:
    assert await _bridge("spot", "/ws/btcusdt@depth@100ms", "/api/v3/depth") == 300


async def test_futures_depth_stream_chains_pu_to_the_rest_snapshot_over_hundreds_of_events() -> (
    None
):
    assert await _bridge("usdm", "/public/ws/btcusdt@depth@100ms", "/fapi/v1/depth") == 300


async def test_combined_streams_wrap_events_and_live_subscriptions_are_acknowledged() -> None:
    async with (
        fast_emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/stream?streams=btcusdt@depth@100ms") as ws,
    ):
        first = await receive(ws)
        assert list(first) == ["stream", "data"] and first["stream"] == "btcusdt@depth@100ms"
        assert first["data"]["e"] == "depthUpdate"
        await ws.send(
            json.dumps({"method": "SUBSCRIBE", "params": ["ethusdt@bookTicker"], "id": 1})
        )
        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
        await ws.send(
            json.dumps({"method": "UNSUBSCRIBE", "params": ["btcusdt@depth@100ms"], "id": 3})
        )
        answers: dict[int, str] = {}
        seen: set[str] = set()
        while len(answers) < 3 or "ethusdt@bookTicker" not in seen:
            raw = str(await asyncio.wait_for(ws.recv(), 5))
            frame = json.loads(raw)
            if "id" in frame:
                answers[frame["id"]] = raw
            else:
                seen.add(frame["stream"])
        assert answers[1] == '{"result":null,"id":1}'
        assert answers[3] == '{"result":null,"id":3}'
        assert json.loads(answers[2]) == {
            "result": ["btcusdt@depth@100ms", "ethusdt@bookTicker"],
            "id": 2,
        }
        # After the UNSUBSCRIBE ack, only the book ticker keeps coming.
        for _ in range(5):
            assert (await receive(ws))["stream"] == "ethusdt@bookTicker"


async def test_raw_streams_send_bare_events_and_bad_requests_get_binances_errors() -> None:
    async with (
        fast_emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/ws/ethusdt@bookTicker") as ws,
    ):
        event = await receive(ws)
        assert set(event) == {"u", "s", "b", "B", "a", "A"} and event["s"] == "ETHUSDT"
        await ws.send("not json")
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": [1], "id": 7}))
        errors: list[dict[str, Any]] = []
        while len(errors) < 2:
            frame = await receive(ws)
            if "error" in frame:
                errors.append(frame)
        assert errors[0]["error"]["code"] == 3 and errors[0]["id"] is None
        assert errors[1]["error"]["code"] == 2 and errors[1]["id"] == 7


async def test_market_streams_decode_into_the_adapters_schemas() -> None:
    wanted = {
        "btcusdt@trade": s.TradeEvent,
        "btcusdt@aggTrade": s.AggTradeEvent,
        "btcusdt@kline_1m": s.KlineEvent,
        "btcusdt@ticker": s.Ticker24hEvent,
        "btcusdt@bookTicker": s.BookTickerEvent,
        "btcusdt@depth@100ms": s.DepthUpdateEvent,
    }
    async with (
        fast_emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/stream?streams=" + "/".join(wanted)) as ws,
    ):
        seen: dict[str, Any] = {}
        while len(seen) < len(wanted):
            frame = await receive(ws)
            seen.setdefault(frame["stream"], frame["data"])
        for stream, schema in wanted.items():
            msgspec.convert(seen[stream], schema)
        assert seen["btcusdt@kline_1m"]["k"]["i"] == "1m"
        assert seen["btcusdt@trade"]["s"] == "BTCUSDT"


async def test_futures_routes_carry_only_their_own_streams() -> None:
    async with fast_emulator("usdm") as emu:
        url = emu.server.ws_url
        public = "/public/stream?streams=btcusdt@markPrice@1s/btcusdt@bookTicker"
        market = "/market/stream?streams=btcusdt@markPrice@1s/btcusdt@bookTicker/btcusdt@aggTrade"
        legacy = "/stream?streams=btcusdt@markPrice@1s/btcusdt@bookTicker"
        async with (
            websockets.connect(url + public) as on_public,
            websockets.connect(url + market) as on_market,
            websockets.connect(url + legacy) as on_legacy,
        ):
            marks: list[dict[str, Any]] = []
            while len(marks) < 2:
                frame = await receive(on_market)
                assert frame["stream"] != "btcusdt@bookTicker"
                if frame["stream"] == "btcusdt@markPrice@1s":
                    marks.append(frame["data"])
            for _ in range(20):
                ticker = await receive(on_public)
                assert ticker["stream"] == "btcusdt@bookTicker"
                assert (await receive(on_legacy))["stream"] == "btcusdt@bookTicker"
        mark = marks[-1]
        assert mark["e"] == "markPriceUpdate" and mark["s"] == "BTCUSDT"
        assert Decimal(mark["p"]) > 0 and mark["T"] % (8 * 3_600_000) == 0
        assert msgspec.convert(ticker["data"], s.BookTickerEvent).e == "bookTicker"


async def test_stream_faults_target_streams_by_name() -> None:
    plan = FaultPlan([FaultRule(kind=FaultKind.WS_SKIP, target="*@depth*", after=5, times=1)])
    async with (
        fast_emulator("usdm", faults=plan) as emu,
        websockets.connect(emu.server.ws_url + "/public/ws/btcusdt@depth@100ms") as ws,
    ):
        events = [await receive(ws) for _ in range(10)]
    gaps = [b for a, b in itertools.pairwise(events) if b["pu"] != a["u"]]
    assert len(gaps) == 1 and plan.count(FaultKind.WS_SKIP) == 1


async def test_connections_close_at_their_maximum_lifetime() -> None:
    async with (
        fast_emulator("spot", max_connection_lifetime_s=0.2) as emu,
        websockets.connect(emu.server.ws_url + "/ws/btcusdt@depth@100ms") as ws,
    ):
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await receive(ws)


async def test_a_client_that_floods_the_stream_server_is_disconnected() -> None:
    async with (
        fast_emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/ws") as ws,
    ):
        with pytest.raises(websockets.ConnectionClosed):
            for i in range(20):  # Binance: 5 incoming messages per second
                await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
            while True:
                await receive(ws)
