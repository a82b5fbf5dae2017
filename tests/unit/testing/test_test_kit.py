"""The public test kit: stream collectors, typed emulated clients, resting orders."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from exchangekit_binance.client import BinanceClient
from exchangekit_okx.client import OkxClient

from exchangekit import OrderStatus
from exchangekit.testing import Collector, collecting
from exchangekit.testing.fixtures import emulated_client
from exchangekit.testing.orders import resting_buy


async def _numbers(gate: asyncio.Event, closed: list[bool]) -> AsyncIterator[int]:
    try:
        for i in range(3):
            yield i
        await gate.wait()
        yield 3
        await asyncio.Event().wait()
    finally:
        closed.append(True)


async def test_wait_for_returns_once_the_condition_holds_and_close_ends_the_stream() -> None:
    gate, closed = asyncio.Event(), []
    async with collecting(_numbers(gate, closed)) as numbers:
        assert await numbers.wait_for(lambda seen: len(seen) >= 3) == [0, 1, 2]
        gate.set()
        assert await numbers.wait_for(lambda seen: 3 in seen) == [0, 1, 2, 3]
    assert closed == [True]


async def test_wait_for_raises_timeout_when_what_it_waits_for_never_comes() -> None:
    collector = Collector(_numbers(asyncio.Event(), []), timeout_s=5.0)
    try:
        with pytest.raises(TimeoutError):
            await collector.wait_for(lambda seen: 3 in seen, timeout_s=0.05)
        assert collector.items == [0, 1, 2]
    finally:
        await collector.close()


async def test_emulated_client_refuses_a_client_of_another_type() -> None:
    with pytest.raises(TypeError, match="BinanceClient"):
        async with emulated_client("binance", OkxClient):
            pass


async def test_a_resting_buy_rests_and_its_cancel_is_streamed() -> None:
    # The example of docs/testing.md.
    async with emulated_client("binance", BinanceClient) as (_, client):
        async with collecting(client.stream_orders()) as orders:
            await client.start_user_stream()
            request = await resting_buy(client, "BTC/USDT")
            ticker = await client.get_ticker("BTC/USDT")
            assert ticker.bid is not None and request.price is not None
            assert request.price < ticker.bid
            placed = await client.place_order(request)
            assert placed.status is OrderStatus.OPEN
            await client.cancel_order("BTC/USDT", client_order_id=request.client_order_id)
            await orders.wait_for(lambda seen: any(o.status.is_terminal for o in seen))
