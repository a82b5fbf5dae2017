"""Shared helpers of the loopback tests: the emulator with a typed client, stream readers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from exchangekit_bybit.client import BybitClient
from exchangekit_bybit.emulator import BybitDialect

from exchangekit.testing.faults import FaultPlan
from exchangekit.testing.fixtures import emulated_client
from exchangekit.testing.orders import resting_buy
from exchangekit.testing.server import EmulatorServer
from exchangekit.testing.streams import Collector, collecting

__all__ = ["VENUES", "Collector", "collecting", "emulated", "resting_order"]

VENUES = {"bybit": "BTC/USDT", "bybitlinear": "BTC/USDT:USDT"}


@contextlib.asynccontextmanager
async def emulated(
    adapter: str, *, faults: FaultPlan | None = None, **config: Any
) -> AsyncIterator[tuple[EmulatorServer, BybitDialect, BybitClient]]:
    """The ``adapter`` emulator on loopback and a client pointed at it, both typed."""
    config.setdefault("interval_scale", 0.2)  # pushes every 10 ms: tests see events quickly
    async with emulated_client(adapter, BybitClient, faults=faults, **config) as (server, client):
        assert isinstance(server.dialect, BybitDialect)
        yield server, server.dialect, client


resting_order = resting_buy
"""A buy 10 % under the market, worth about 200 USDT: it rests."""
