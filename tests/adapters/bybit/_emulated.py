"""Shared helpers of the loopback tests: the emulator with a typed client, stream readers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any, Generic, TypeVar

from exchangekit_bybit.client import BybitClient
from exchangekit_bybit.emulator import BybitDialect

from exchangekit import OrderRequest, OrderType, Side
from exchangekit.testing.faults import FaultPlan
from exchangekit.testing.fixtures import running_emulator
from exchangekit.testing.server import EmulatorServer

T = TypeVar("T")

VENUES = {"bybit": "BTC/USDT", "bybitlinear": "BTC/USDT:USDT"}
TIMEOUT_S = 10.0


@contextlib.asynccontextmanager
async def emulated(
    adapter: str, *, faults: FaultPlan | None = None, **config: Any
) -> AsyncIterator[tuple[EmulatorServer, BybitDialect, BybitClient]]:
    """The ``adapter`` emulator on loopback and a client pointed at it, both typed."""
    options = config.pop("client_options", None)
    config.setdefault("interval_scale", 0.2)  # pushes every 10 ms: tests see events quickly
    async with running_emulator(adapter, faults=faults, client_options=options, **config) as (
        server,
        client,
    ):
        assert isinstance(client, BybitClient)
        assert isinstance(server.dialect, BybitDialect)
        yield server, server.dialect, client


class Collector(Generic[T]):
    """Reads a stream in the background; tests await what they expect to see in it."""

    def __init__(self, stream: AsyncIterator[T]) -> None:
        self.items: list[T] = []
        self._changed = asyncio.Condition()
        self._task = asyncio.ensure_future(self._read(stream))

    async def _read(self, stream: AsyncIterator[T]) -> None:
        async for item in stream:
            async with self._changed:
                self.items.append(item)
                self._changed.notify_all()

    async def wait_for(self, found: Callable[[list[T]], bool]) -> list[T]:
        async with asyncio.timeout(TIMEOUT_S), self._changed:
            await self._changed.wait_for(lambda: found(self.items))
        return self.items

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@contextlib.asynccontextmanager
async def collecting(stream: AsyncIterator[T]) -> AsyncIterator[Collector[T]]:
    collector = Collector(stream)
    try:
        yield collector
    finally:
        await collector.close()


async def resting_order(client: BybitClient, symbol: str) -> OrderRequest:
    """A buy 10 % under the market, worth about 200 USDT: it rests."""
    instrument = (await client.load_instruments())[symbol]
    ticker = await client.get_ticker(symbol)
    assert ticker.bid is not None
    price = instrument.round_price(ticker.bid * Decimal("0.9"), mode="down")
    quantity = instrument.floor_quantity(Decimal(200) / price) + instrument.step_size
    return OrderRequest(
        symbol=symbol, side=Side.BUY, type=OrderType.LIMIT, quantity=quantity, price=price
    )
