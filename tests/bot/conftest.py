"""Fixtures for the reference bot's tests: the paper exchange on a manual clock, a state
store (SQLite in a temporary directory, and the same tests again on a real PostgreSQL
server), and an exchange wrapper that counts and injects faults."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from exchangekit_bot.config import BotConfig, load_config
from exchangekit_bot.storage import PostgresStorage, SqliteStorage, Storage

import exchangekit
from exchangekit import Order, OrderRequest
from exchangekit.clock import ManualClock
from tests.bot.pg_server import TestPostgres

OpenState = Callable[[], Storage]


class FaultyExchange:
    """Wraps a real client; counts submissions and injects send faults on request.

    ``land_then_raise``: the next ``place_order`` reaches the exchange, then raises this
    (an accept-then-timeout). ``raise_before_send``: the next one raises without landing.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.place_calls: list[OrderRequest] = []
        self.land_then_raise: Exception | None = None
        self.raise_before_send: Exception | None = None
        self.reject_stops: Exception | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def __aenter__(self) -> FaultyExchange:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    async def place_order(self, request: OrderRequest) -> Order:
        self.place_calls.append(request)
        if self.reject_stops is not None and request.type.is_conditional:
            raise self.reject_stops
        if self.raise_before_send is not None:
            exc, self.raise_before_send = self.raise_before_send, None
            raise exc
        order: Order = await self.inner.place_order(request)
        if self.land_then_raise is not None:
            exc, self.land_then_raise = self.land_then_raise, None
            raise exc
        return order


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def paper(clock: ManualClock) -> AsyncIterator[FaultyExchange]:
    client = exchangekit.connect(
        "paper", clock=clock, seed=3, taker_fee="0.0005", maker_fee="0.0001"
    )
    wrapped = FaultyExchange(client)
    async with wrapped:
        yield wrapped


@pytest.fixture
def state_path(tmp_path: Path) -> str:
    return str(tmp_path / "state.db")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TestPostgres]:
    """A real PostgreSQL server for the whole session (see ``tests/bot/pg_server.py``)."""
    server = TestPostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every test that uses the state store runs on both backends."""
    return str(request.param)


@pytest.fixture
def open_state(backend: str, state_path: str, request: pytest.FixtureRequest) -> OpenState:
    """Opens the test's state store through a NEW connection each call, as another process
    (a restarted bot, the kill switch) would: a SQLite file, or a PostgreSQL schema of its
    own in the session's database."""
    if backend == "sqlite":
        return lambda: SqliteStorage(state_path)
    server: TestPostgres = request.getfixturevalue("postgres_server")
    schema = server.new_schema()
    return lambda: PostgresStorage(server.dsn, schema=schema)


@pytest.fixture
def store(open_state: OpenState) -> Iterator[Storage]:
    s = open_state()
    yield s
    s.close()


@pytest.fixture
def config(state_path: str) -> BotConfig:
    return load_config(
        None,
        storage__path=state_path,
        run={"tick_s": 5.0, "reconcile_every_s": 15.0, "candles_lookback": 60},
    )


D = Decimal
