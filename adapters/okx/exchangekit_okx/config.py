"""What an OKX client can be configured with, and where it connects.

One OKX account trades spot and swaps through one API; a client serves one market at a
time (``market="spot"`` for ``okx``, ``"swap"`` for ``okxswap``) so its capabilities are
exact. ``demo=True`` (alias ``testnet=True``) is OKX demo trading: the same REST host with
``x-simulated-trading: 1`` on every request and the ``wspap`` WebSocket host (fact sheet
§3.1). ``base_url`` and ``ws_url`` override the hosts (an emulator on loopback).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx

from exchangekit.clock import Clock
from exchangekit.protocols import Capabilities
from exchangekit.ratelimit import Limiter
from exchangekit.transport import RetryPolicy, Timeouts
from exchangekit_okx import endpoints as ep
from exchangekit_okx.fanout import PayloadObserver

__all__ = ["OkxConfig", "TdModeName"]

TdModeName = Literal["cross", "isolated"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OkxConfig:
    """Every keyword ``create(**config)`` accepts."""

    api_key: str | None = None
    api_secret: str | None = None
    passphrase: str | None = None
    """The passphrase chosen when the API key was created (OKX requires it)."""
    market: ep.MarketName = "spot"
    demo: bool = False
    testnet: bool = False
    """Same as ``demo``: OKX has no separate testnet, demo trading is its test venue."""
    td_mode: TdModeName | None = None
    """Swap margin mode: ``cross`` (default) or ``isolated``. Spot always trades ``cash``."""
    base_url: str | None = None
    """REST root (default ``https://www.okx.com``)."""
    ws_url: str | None = None
    """WebSocket root: ``<ws_url>/ws/v5/public``, ``/private`` and ``/business`` are used."""
    clock: Clock | None = None
    limiter: Limiter | None = None
    """Share one limiter between clients of one account (OKX limits per user id)."""
    payload_observer: PayloadObserver | None = None
    """``(endpoint_key, schema, raw)`` for every payload decoded (schema-drift reports)."""
    timeouts: Timeouts | None = None
    retry: RetryPolicy | None = None
    """Retries of reads and of requests that provably never left; orders never."""
    stale_after_s: float | None = None
    """Reconnect a market-data stream silent this long (off: a quiet market is legal)."""
    ping_interval_s: float = 20.0
    """Text ``ping`` after this much silence (OKX closes a connection idle for 30 s)."""
    transport: httpx.AsyncBaseTransport | None = None
    """Replaces the network (``httpx.MockTransport`` in tests)."""

    def __post_init__(self) -> None:
        if self.market not in ("spot", "swap"):
            raise ValueError(f"market must be 'spot' or 'swap', not {self.market!r}")
        if bool(self.api_key) != bool(self.api_secret):
            raise ValueError("give both api_key and api_secret, or neither")
        if self.api_key and not self.passphrase:
            raise ValueError("OKX keys need the passphrase set at key creation")
        if self.td_mode not in (None, "cross", "isolated"):
            raise ValueError(f"td_mode must be 'cross' or 'isolated', not {self.td_mode!r}")
        if self.market == "spot" and self.td_mode is not None:
            raise ValueError("spot trades in cash mode: td_mode applies to swaps only")
        if not 0 < self.ping_interval_s < 30:
            raise ValueError("ping_interval_s must be in (0, 30): OKX drops 30 s idle links")

    @property
    def spec(self) -> ep.MarketSpec:
        return ep.SPOT if self.market == "spot" else ep.SWAP

    @property
    def capabilities(self) -> Capabilities:
        return self.spec.capabilities

    @property
    def is_demo(self) -> bool:
        return self.demo or self.testnet

    @property
    def rest_url(self) -> str:
        return (self.base_url or self.spec.rest_url).rstrip("/")

    def ws_endpoint(self, kind: str) -> str:
        """The WebSocket URL of ``public``, ``private`` or ``business``."""
        if self.ws_url:
            return f"{self.ws_url.rstrip('/')}/ws/v5/{kind}"
        spec = self.spec
        urls = {
            "public": (spec.ws_public_url, spec.ws_demo_public_url),
            "private": (spec.ws_private_url, spec.ws_demo_private_url),
            "business": (spec.ws_business_url, spec.ws_demo_business_url),
        }
        live, demo = urls[kind]
        return demo if self.is_demo else live
