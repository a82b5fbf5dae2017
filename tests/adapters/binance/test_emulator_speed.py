"""The Binance emulator's market run faster than its base clock (``speed=``), deterministically.

The base is a :class:`ManualClock`, so "ten seconds later" is a step the test takes; the
emulator server, the adapter client and the quotas all read the one scaled clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
import websockets
from exchangekit_binance.emulator import SPOT_EMULATOR, TEST_API_KEY, BinanceDialect
from exchangekit_binance.signing import encode_params, rest_signature

import exchangekit
from exchangekit.clock import ManualClock, ScaledClock
from exchangekit.models import OrderRequest, OrderStatus, OrderType, Side
from exchangekit.testing.server import EmulatorServer

EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z, a minute boundary


@contextlib.asynccontextmanager
async def fast_emulator(
    speed: float = 10.0, **config: Any
) -> AsyncIterator[tuple[ManualClock, BinanceDialect, EmulatorServer, httpx.AsyncClient]]:
    base = ManualClock(epoch_ms=EPOCH_MS)
    dialect = BinanceDialect("spot", clock=base, speed=speed, history_minutes=5, **config)
    async with (
        EmulatorServer(dialect) as server,
        httpx.AsyncClient(base_url=server.http_url, headers={"X-MBX-APIKEY": TEST_API_KEY}) as http,
    ):
        yield base, dialect, server, http


def signed_query(params: dict[str, object], timestamp: int) -> str:
    query = encode_params({**params, "timestamp": timestamp})
    secret = SPOT_EMULATOR.credentials["api_secret"]
    return f"{query}&signature={rest_signature(secret, query)}"


def test_a_scaled_clock_runs_speed_times_its_base() -> None:
    base = ManualClock(epoch_ms=EPOCH_MS)
    clock = ScaledClock(base, speed=4)
    assert clock.now_ms() == EPOCH_MS and clock.monotonic() == 0
    asyncio.run(base.advance(2.5))
    assert clock.now_ms() == EPOCH_MS + 10_000 and clock.monotonic() == 10.0
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(base, speed=0)


async def test_sleeping_on_a_scaled_clock_waits_a_speedth_of_the_base() -> None:
    base = ManualClock(epoch_ms=EPOCH_MS)
    clock = ScaledClock(base, speed=10)
    sleeper = asyncio.create_task(clock.sleep(30))
    await asyncio.sleep(0)  # it starts sleeping
    await base.advance(2.0)
    assert not sleeper.done()
    await base.advance(1.0)
    assert sleeper.done()


async def test_server_time_and_the_market_advance_speed_times_the_base_clock() -> None:
    async with fast_emulator(speed=10) as (base, dialect, server, http):
        assert dialect.clock.now_ms() == EPOCH_MS == server.now_ms()
        await base.advance(3)  # 3 s of the base: 30 s of the exchange
        served = (await http.get("/api/v3/time")).json()["serverTime"]
        assert served == EPOCH_MS + 30_000
        # Any request steps the simulated market up to the exchange's now.
        await http.get("/api/v3/ticker/bookTicker", params={"symbol": "BTCUSDT"})
        assert dialect.sim.now_ms == EPOCH_MS + 30_000
        klines = (
            await http.get(
                "/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m", "limit": 1}
            )
        ).json()
        assert klines[-1][0] == EPOCH_MS  # the minute in progress began at the epoch
        await base.advance(6)  # +60 s of the exchange: a new minute candle
        klines = (
            await http.get(
                "/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m", "limit": 2}
            )
        ).json()
        assert [k[0] for k in klines] == [EPOCH_MS, EPOCH_MS + 60_000]


async def test_the_recv_window_is_checked_in_the_exchanges_scaled_time() -> None:
    async with fast_emulator(speed=10) as (base, _dialect, server, http):
        signed_at = server.now_ms()
        await base.advance(0.4)  # 4 s of the exchange: inside the default 5 s window
        assert (await http.get("/api/v3/account?" + signed_query({}, signed_at))).status_code == 200
        await base.advance(0.2)  # 6 s after signing: outside it
        response = await http.get("/api/v3/account?" + signed_query({}, signed_at))
        assert response.json()["code"] == -1021


async def test_a_client_sharing_the_scaled_clock_signs_and_trades_as_time_flies() -> None:
    async with fast_emulator(speed=50, tick_ms=1000) as (base, dialect, server, _http):
        config = dict(SPOT_EMULATOR.client_config(server))
        assert config["clock"] is dialect.clock  # client_config hands the client the clock
        async with exchangekit.connect("binance", **config) as client:
            for _ in range(3):
                await base.advance(2)  # 100 s of the exchange between requests
                balances = {b.asset: b.total for b in await client.get_balances()}
                assert balances["USDT"] == Decimal(10_000)
            order = await client.place_order(
                OrderRequest(
                    symbol="BTC/USDT",
                    side=Side.BUY,
                    type=OrderType.MARKET,
                    quantity=Decimal("0.001"),
                )
            )
            assert order.status is OrderStatus.FILLED
            assert order.created_ms == server.now_ms() == EPOCH_MS + 300_000


async def test_quota_windows_roll_over_in_the_exchanges_time() -> None:
    limits = {"REQUEST_WEIGHT_1M": 10}
    async with fast_emulator(speed=10, rate_limits=limits) as (base, _dialect, _server, http):
        for _ in range(10):  # weight 1 each: the pool of 10 is full
            assert (await http.get("/api/v3/time")).status_code == 200
        over = await http.get("/api/v3/time")
        assert over.status_code == 429 and over.json()["code"] == -1003
        assert "request weight per 1 MINUTE is 10" in over.json()["msg"]
        await base.advance(6)  # a minute of the exchange: a fresh window
        assert (await http.get("/api/v3/time")).status_code == 200


async def test_periodic_streams_push_on_the_exchanges_time() -> None:
    async with fast_emulator(speed=10) as (base, _dialect, server, _http):
        async with websockets.connect(f"{server.ws_url}/ws/btcusdt@kline_1m") as ws:
            # Spot klines push every 2 s of the exchange; none is due before that.
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(ws.recv(), 0.3)
            await base.advance(0.25)  # 2.5 s of the exchange
            frame = msgspec.json.decode(await asyncio.wait_for(ws.recv(), 5))
            assert frame["e"] == "kline" and frame["E"] == EPOCH_MS + 2_500
