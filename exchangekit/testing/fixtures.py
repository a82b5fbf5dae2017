"""Starting emulators from tests: an async context manager and a pytest fixture.

In your own ``conftest.py``::

    pytest_plugins = ["exchangekit.testing.fixtures"]

    async def test_my_bot(emulator):
        async with emulator("binance", faults=FaultPlan([...])) as (server, client):
            await client.place_order(...)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pytest

from exchangekit.connect import connect
from exchangekit.protocols import ExchangeClient
from exchangekit.testing.faults import FaultPlan
from exchangekit.testing.registry import load_emulator
from exchangekit.testing.server import EmulatorServer

__all__ = ["emulated_client", "emulator", "running_emulator"]

C = TypeVar("C", bound=ExchangeClient)


@contextlib.asynccontextmanager
async def running_emulator(
    name: str,
    *,
    faults: FaultPlan | None = None,
    client_options: dict[str, Any] | None = None,
    **dialect_config: Any,
) -> AsyncIterator[tuple[EmulatorServer, ExchangeClient]]:
    """Start ``name``'s emulator on a free loopback port and a client pointed at it."""
    spec = load_emulator(name)
    dialect = spec.create_dialect(**dialect_config)
    async with EmulatorServer(dialect, faults=faults) as server:
        config = {**spec.client_config(server), **(client_options or {})}
        client = connect(spec.adapter, **config)
        try:
            yield server, client
        finally:
            await client.close()


@contextlib.asynccontextmanager
async def emulated_client(
    name: str,
    client_type: type[C],
    *,
    faults: FaultPlan | None = None,
    client_options: dict[str, Any] | None = None,
    **dialect_config: Any,
) -> AsyncIterator[tuple[EmulatorServer, C]]:
    """:func:`running_emulator` with the client checked to be a ``client_type``.

    For tests that use an adapter's extras (``start_user_stream``, ``stream_events``...)
    with the type checker's help::

        async with emulated_client("binance", BinanceClient) as (server, client):
            await client.start_user_stream()
    """
    async with running_emulator(
        name, faults=faults, client_options=client_options, **dialect_config
    ) as (server, client):
        if not isinstance(client, client_type):
            raise TypeError(
                f"{name}: connect() made a {type(client).__name__}, not a {client_type.__name__}"
            )
        yield server, client


@pytest.fixture
def emulator() -> Callable[
    ..., contextlib.AbstractAsyncContextManager[tuple[EmulatorServer, ExchangeClient]]
]:
    """A factory: ``async with emulator("binance", faults=plan) as (server, client)``."""
    return running_emulator
