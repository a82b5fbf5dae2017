"""What a Binance client can be configured with, and what it honestly supports."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from exchangekit.clock import Clock
from exchangekit.models import MarketKind, OrderType, TimeInForce
from exchangekit.protocols import Capabilities
from exchangekit.ratelimit import Limiter
from exchangekit.transport import RetryPolicy, Timeouts
from exchangekit_binance import endpoints as ep
from exchangekit_binance.fanout import PayloadObserver
from exchangekit_binance.mappers import SPOT_INTERVALS, USDM_INTERVALS
from exchangekit_binance.signing import load_private_key

__all__ = ["SPOT_CAPABILITIES", "USDM_CAPABILITIES", "BinanceConfig"]

_TIFS = frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK})

SPOT_CAPABILITIES = Capabilities(
    market_kinds=frozenset({MarketKind.SPOT}),
    order_types=frozenset(OrderType),  # stops as STOP_LOSS[_LIMIT], TAKE_PROFIT[_LIMIT]
    time_in_force=_TIFS,
    post_only=True,  # LIMIT_MAKER
    stop_orders=True,
    private_streams=True,
    candle_intervals=SPOT_INTERVALS,
    max_book_depth=5000,
    max_candles_per_request=1000,
)
"""Spot: no reduce-only, positions or leverage (BSD enums.md)."""

USDM_CAPABILITIES = Capabilities(
    market_kinds=frozenset({MarketKind.PERPETUAL, MarketKind.FUTURE}),
    order_types=frozenset(OrderType),  # conditionals go to the Algo Service
    time_in_force=_TIFS,
    reduce_only=True,
    post_only=True,  # GTX
    hedge_mode=True,  # position_side long/short is sent as positionSide
    stop_orders=True,
    set_leverage=True,
    positions=True,
    private_streams=True,
    candle_intervals=USDM_INTERVALS,
    max_book_depth=1000,
    max_candles_per_request=1000,  # 1500 is documented for futures [?]; 1000 is safe
)
"""USDⓈ-M futures: GTD is left out (the unified request carries no expiry)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BinanceConfig:
    """Every keyword ``create(**config)`` accepts.

    ``market`` picks spot or USDⓈ-M futures; ``testnet`` their testnets; ``base_url``
    (REST root), ``stream_url`` (WebSocket root of the market streams and, on futures, of
    the private stream) and ``ws_api_url`` (spot WebSocket API) override either.

    An HMAC key comes with ``api_secret``; an RSA or Ed25519 key with ``private_key`` (PEM
    text or bytes, or a PEM file's path) and, when the PEM is encrypted,
    ``private_key_password``. Secrets are left out of the repr.
    """

    api_key: str | None = None
    api_secret: str | None = field(default=None, repr=False)
    private_key: str | bytes | None = field(default=None, repr=False)
    """An RSA or Ed25519 private key (PEM, or the path of a PEM file) instead of a secret."""
    private_key_password: str | bytes | None = field(default=None, repr=False)
    testnet: bool = False
    market: ep.MarketName = "spot"
    base_url: str | None = None
    stream_url: str | None = None
    ws_api_url: str | None = None
    recv_window_ms: int = 5000
    clock: Clock | None = None
    limiter: Limiter | None = None
    """Share one limiter between the clients of one IP (weights are per IP)."""
    payload_observer: PayloadObserver | None = None
    """``(endpoint_key, schema, raw)`` for every payload decoded (schema-drift reports)."""
    timeouts: Timeouts | None = None
    retry: RetryPolicy | None = None
    """Retries of reads and of requests that provably never left; orders never."""
    max_connection_lifetime_s: float | None = None
    """Binance ends connections after 24 h (the default); sessions rotate ahead of it."""
    listen_key_keepalive_s: float = 1800.0
    """Futures listen keys lapse after 60 min without a keepalive."""
    stale_after_s: float | None = None
    """Reconnect a market-data stream silent this long (off: a quiet book is legal)."""
    transport: httpx.AsyncBaseTransport | None = None
    """Replaces the network (``httpx.MockTransport`` in tests)."""
    passphrase: str | None = None
    """Accepted and ignored, so one configuration shape fits every exchange."""

    def __post_init__(self) -> None:
        if self.market not in ("spot", "usdm"):
            raise ValueError(f"market must be 'spot' or 'usdm', not {self.market!r}")
        if self.private_key is not None:
            if self.api_secret:
                raise ValueError("give api_secret (HMAC) or private_key (RSA, Ed25519), not both")
            if not self.api_key:
                raise ValueError("a private_key needs its api_key")
            key = load_private_key(self.private_key, self.private_key_password)
            # Signing reads PEM text in place of the secret (exchangekit_binance.signing).
            object.__setattr__(self, "api_secret", key.private_pem())
        elif self.private_key_password is not None:
            raise ValueError("private_key_password without a private_key")
        if bool(self.api_key) != bool(self.api_secret):
            raise ValueError("give both api_key and api_secret, or neither")
        if not 0 < self.recv_window_ms <= 60_000:
            raise ValueError("recv_window_ms must be in (0, 60000]")

    @property
    def spec(self) -> ep.MarketSpec:
        return ep.SPOT if self.market == "spot" else ep.USDM

    @property
    def capabilities(self) -> Capabilities:
        return SPOT_CAPABILITIES if self.market == "spot" else USDM_CAPABILITIES

    @property
    def rest_url(self) -> str:
        spec = self.spec
        url = self.base_url or (spec.rest_testnet_url if self.testnet else spec.rest_url)
        return url.rstrip("/")

    @property
    def streams_url(self) -> str:
        spec = self.spec
        default = spec.ws_streams_testnet_url if self.testnet else spec.ws_streams_url
        return (self.stream_url or default).rstrip("/")

    @property
    def api_url(self) -> str:
        spec = self.spec
        return self.ws_api_url or (spec.ws_api_testnet_url if self.testnet else spec.ws_api_url)

    @property
    def lifetime_s(self) -> float:
        return self.max_connection_lifetime_s or 24 * 3600.0
