"""Building the venue a contract test runs against: an adapter plus a target.

Targets:

- ``emulator`` (default): the adapter's wire emulator on a free loopback port (every adapter
  that registers an ``exchangekit.emulators`` entry point), plus the in-process ``paper``
  adapter. Always runs, in CI too.
- ``testnet``: the exchange's real testnet or demo environment. Credentials come from
  ``EXCHANGEKIT_<ADAPTER>_TESTNET_API_KEY`` / ``..._API_SECRET`` (and ``..._PASSPHRASE``
  where the exchange has one). Without them, each adapter's tests skip with one reason.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import exchangekit
from exchangekit import ExchangeClient, MarketKind
from exchangekit.testing.drift import DriftRecorder
from exchangekit.testing.faults import FaultKind, FaultPlan, FaultRule

# Symbols the suite trades on a real testnet, per adapter (tiny orders, far from the market).
TESTNET_SYMBOLS: dict[str, str] = {
    "binance": "BTC/USDT",
    "binanceusdm": "BTC/USDT:USDT",
    "bybit": "BTC/USDT",  # Bybit testnet (testnet=True); demo trading: demo=True
    "bybitlinear": "BTC/USDT:USDT",
    "okx": "BTC/USDT",  # OKX demo trading (testnet=True)
    "okxswap": "BTC/USDT:USDT",
}


@dataclass
class Venue:
    """What a contract test gets: a connected client and what it may trade."""

    adapter: str
    target: str
    client: ExchangeClient
    symbol: str
    server: Any = None
    """The EmulatorServer when the target is ``emulator`` with a wire emulator."""
    drift: DriftRecorder | None = None
    faults: FaultPlan = field(default_factory=FaultPlan.none)

    @property
    def is_derivative(self) -> bool:
        return exchangekit.parse_symbol(self.symbol).kind is not MarketKind.SPOT

    @property
    def id(self) -> str:
        return f"{self.adapter}-{self.target}"


def credential_env(adapter: str) -> dict[str, str]:
    """The environment variable names that hold ``adapter``'s testnet credentials."""
    prefix = f"EXCHANGEKIT_{adapter.upper()}_TESTNET_"
    return {
        "api_key": prefix + "API_KEY",
        "api_secret": prefix + "API_SECRET",
        "passphrase": prefix + "PASSPHRASE",
    }


def testnet_credentials(adapter: str) -> dict[str, str] | None:
    names = credential_env(adapter)
    key, secret = os.environ.get(names["api_key"]), os.environ.get(names["api_secret"])
    if not key or not secret:
        return None
    creds = {"api_key": key, "api_secret": secret}
    if os.environ.get(names["passphrase"]):
        creds["passphrase"] = os.environ[names["passphrase"]]
    return creds


def contract_fault_plan(seed: int) -> FaultPlan:
    """Faults an adapter must absorb without failing the suite: drops, gaps, duplicates,
    latency, and 429s on reads (a 429 on an order is the caller's decision to make)."""
    return FaultPlan(
        [
            FaultRule(kind=FaultKind.LATENCY, probability=0.2, latency_ms=5, jitter_ms=20),
            FaultRule(
                kind=FaultKind.HTTP_429,
                method="GET",
                probability=0.05,
                retry_after_s=0.2,
                target="*[!y]",
            ),  # never on listen-key keepalives ending in "y"
            FaultRule(kind=FaultKind.WS_DUPLICATE, probability=0.05),
            FaultRule(kind=FaultKind.WS_SKIP, target="*depth*", probability=0.02),
            FaultRule(kind=FaultKind.WS_DROP, after=40, every=150),
        ],
        seed=seed,
    )


@contextlib.asynccontextmanager
async def open_venue(adapter: str, target: str, *, faulty: bool = False) -> AsyncIterator[Venue]:
    """Connect ``adapter`` on ``target``; always cancel what the test left open."""
    if target == "testnet":
        creds = testnet_credentials(adapter)
        assert creds is not None  # the fixture skips before getting here
        client = exchangekit.connect(adapter, testnet=True, **creds)
        venue = Venue(adapter, target, client, TESTNET_SYMBOLS[adapter])
        async with _cleaned(venue):
            yield venue
        return
    if adapter == "paper":
        client = exchangekit.connect("paper", seed=11)
        venue = Venue("paper", target, client, "BTC/USDT")
        async with _cleaned(venue):
            yield venue
        return

    from exchangekit.testing.registry import load_emulator
    from exchangekit.testing.server import EmulatorServer

    spec = load_emulator(adapter)
    plan = contract_fault_plan(seed=5) if faulty else FaultPlan.none()
    drift = DriftRecorder()
    async with EmulatorServer(spec.create_dialect(seed=3), faults=plan) as server:
        config = {**spec.client_config(server), "payload_observer": drift.observe}
        client = exchangekit.connect(spec.adapter, **config)
        venue = Venue(
            adapter, target, client, spec.symbols[0], server=server, drift=drift, faults=plan
        )
        async with _cleaned(venue):
            yield venue


@contextlib.asynccontextmanager
async def _cleaned(venue: Venue) -> AsyncIterator[None]:
    try:
        async with venue.client:
            try:
                yield
            finally:
                # Orders on a testnet are always cleaned up, even when a test fails.
                with contextlib.suppress(exchangekit.ExchangeError):
                    await venue.client.cancel_all_orders(venue.symbol)
    finally:
        await venue.client.close()
