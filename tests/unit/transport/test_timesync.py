"""Server-time offset: learned from a round trip, used for signed timestamps."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

import httpx
import pytest

from exchangekit.clock import ManualClock
from exchangekit.transport import RestTransport, ServerTimeSync, TimeSample

from .fakes import CREDENTIALS, QUERY_ORDER, SERVER_TIME, binance_signer, no_errors

EPOCH = 1_700_000_000_000


def test_offset_is_server_time_minus_the_round_trip_midpoint() -> None:
    sample = TimeSample(server_ms=EPOCH + 5_100, sent_ms=EPOCH, received_ms=EPOCH + 200)
    assert (sample.offset_ms, sample.rtt_ms) == (5_000, 200)
    sync = ServerTimeSync(ManualClock(epoch_ms=EPOCH))
    assert sync.now_ms() == EPOCH and not sync.synced
    assert sync.record(sample) == 5_000
    assert sync.now_ms() == EPOCH + 5_000 and sync.rtt_ms == 200


def test_a_sample_received_before_it_was_sent_is_refused() -> None:
    with pytest.raises(ValueError):
        ServerTimeSync(ManualClock()).record(TimeSample(0, sent_ms=10, received_ms=5))


async def test_transport_learns_the_offset_and_signs_with_server_time() -> None:
    clock = ManualClock(epoch_ms=EPOCH)
    seen: list[httpx.Request] = []

    async def exchange(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/v3/time":
            await clock.advance(0.2)  # 200 ms on the wire; the server stamps the midpoint
            return httpx.Response(200, json={"serverTime": EPOCH + 5_100})
        return httpx.Response(200, json={})

    transport = RestTransport(
        "https://api.example.test",
        exchange="binance",
        classify=no_errors,
        signer=binance_signer,
        credentials=CREDENTIALS,
        clock=clock,
        transport=httpx.MockTransport(exchange),
    )
    async with transport:
        offset = await transport.sync_time(SERVER_TIME, lambda r: int(r.json()["serverTime"]))
        await transport.request(QUERY_ORDER, {"symbol": "BTCUSDT"})
    assert offset == 5_000 and transport.time_sync.rtt_ms == 200
    signed = dict(parse_qsl(seen[-1].url.query.decode()))
    assert int(signed["timestamp"]) == clock.now_ms() + 5_000


async def test_concurrent_resyncs_share_one_round_trip() -> None:
    clock = ManualClock(epoch_ms=EPOCH)
    sync = ServerTimeSync(clock)
    calls = 0
    gate = asyncio.Event()

    async def fetch() -> TimeSample:
        nonlocal calls
        calls += 1
        await gate.wait()
        return TimeSample(EPOCH + 1_000, EPOCH, EPOCH)

    tasks = [asyncio.create_task(sync.sync(fetch)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*tasks) == [1_000] * 5
    assert calls == 1
    assert sync.age_s() == 0.0


async def test_sync_from_a_bare_server_time_measures_around_the_fetch() -> None:
    clock = ManualClock(epoch_ms=EPOCH)
    sync = ServerTimeSync(clock)

    async def server_ms() -> int:
        await clock.advance(0.1)
        return EPOCH + 50 - 2_000  # the server is 2 s behind us

    assert await sync.sync_server_ms(server_ms) == -2_000
