"""What a Bybit client can be configured with, and what it honestly supports."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from exchangekit.clock import Clock
from exchangekit.models import MarketKind, OrderType, TimeInForce
from exchangekit.protocols import Capabilities
from exchangekit.ratelimit import Limiter
from exchangekit.transport import RetryPolicy, Timeouts
from exchangekit.transport.adapter_rest import PayloadObserver
from exchangekit_bybit import endpoints as ep
from exchangekit_bybit.mappers import INTERVALS

__all__ = ["LINEAR_CAPABILITIES", "SPOT_CAPABILITIES", "BybitConfig", "PayloadObserver"]

_TIFS = frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK})
_INTERVALS = tuple(INTERVALS)

SPOT_CAPABILITIES = Capabilities(
    market_kinds=frozenset({MarketKind.SPOT}),
    order_types=frozenset(OrderType),  # conditionals as orderFilter=StopOrder + triggerPrice
    time_in_force=_TIFS,
    post_only=True,  # timeInForce=PostOnly
    stop_orders=True,
    private_streams=True,
    candle_intervals=_INTERVALS,
    max_book_depth=1000,  # GET /v5/market/orderbook limit 1-1000 (fact sheet §2.6)
    max_candles_per_request=1000,
)
"""Spot (unified account): no reduce-only, positions or leverage."""

LINEAR_CAPABILITIES = Capabilities(
    market_kinds=frozenset({MarketKind.PERPETUAL}),
    order_types=frozenset(OrderType),  # conditionals: triggerPrice + triggerDirection
    time_in_force=_TIFS,
    reduce_only=True,
    post_only=True,
    hedge_mode=True,  # positionIdx 1 (long) / 2 (short)
    stop_orders=True,
    set_leverage=True,
    positions=True,
    private_streams=True,
    candle_intervals=_INTERVALS,
    max_book_depth=1000,
    max_candles_per_request=1000,
)
"""Linear perpetuals (USDT/USDC settled). Dated LinearFutures are not mapped yet."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BybitConfig:
    """Every keyword ``create(**config)`` accepts.

    ``market`` picks ``"spot"`` or ``"linear"`` (the ``category`` every request carries).
    ``testnet`` uses api-testnet / stream-testnet; ``demo`` the demo-trading account
    (REST ``api-demo``, private stream ``stream-demo``, public streams from mainnet: Bybit
    serves no public demo streams). ``base_url`` (REST root) and ``stream_url`` (WebSocket
    root: ``<root>/v5/public/<category>`` and ``<root>/v5/private``) override either.
    """

    api_key: str | None = None
    api_secret: str | None = None
    testnet: bool = False
    demo: bool = False
    market: ep.MarketName = "spot"
    base_url: str | None = None
    stream_url: str | None = None
    recv_window_ms: int = 5000
    settle_coin: str = "USDT"
    """Linear: the settle coin of account-wide queries (open orders, cancel-all, positions)."""
    hedge_mode: bool = False
    """Linear: the account trades in hedge mode (``positionIdx`` 1/2 on every order)."""
    clock: Clock | None = None
    limiter: Limiter | None = None
    """Share one limiter between the clients of one IP and UID."""
    payload_observer: PayloadObserver | None = None
    timeouts: Timeouts | None = None
    retry: RetryPolicy | None = None
    """Retries of reads and of requests that provably never left; orders never."""
    ping_interval_s: float = 20.0
    """Bybit: send ``{"op":"ping"}`` every 20 s (fact sheet §2.7)."""
    stale_after_s: float | None = None
    """Reconnect a market-data stream silent this long (off: a quiet market is legal)."""
    transport: httpx.AsyncBaseTransport | None = None
    """Replaces the network (``httpx.MockTransport`` in tests)."""
    passphrase: str | None = None
    """Accepted and ignored, so one configuration shape fits every exchange."""

    def __post_init__(self) -> None:
        if self.market not in ("spot", "linear"):
            raise ValueError(f"market must be 'spot' or 'linear', not {self.market!r}")
        if self.testnet and self.demo:
            raise ValueError("choose testnet or demo, not both")
        if bool(self.api_key) != bool(self.api_secret):
            raise ValueError("give both api_key and api_secret, or neither")
        if not 0 < self.recv_window_ms <= 60_000:
            raise ValueError("recv_window_ms must be in (0, 60000]")

    @property
    def spec(self) -> ep.MarketSpec:
        return ep.SPOT if self.market == "spot" else ep.LINEAR

    @property
    def capabilities(self) -> Capabilities:
        return SPOT_CAPABILITIES if self.market == "spot" else LINEAR_CAPABILITIES

    @property
    def rest_url(self) -> str:
        spec = self.spec
        if self.base_url:
            return self.base_url.rstrip("/")
        if self.demo:
            return spec.rest_demo_url
        return spec.rest_testnet_url if self.testnet else spec.rest_url

    @property
    def public_ws_url(self) -> str:
        if self.stream_url:
            return f"{self.stream_url.rstrip('/')}/v5/public/{self.spec.category}"
        # Demo trading has no public streams of its own: mainnet's are used.
        return self.spec.ws_public_testnet_url if self.testnet else self.spec.ws_public_url

    @property
    def private_ws_url(self) -> str:
        if self.stream_url:
            return f"{self.stream_url.rstrip('/')}/v5/private"
        if self.demo:
            return self.spec.ws_private_demo_url
        return self.spec.ws_private_testnet_url if self.testnet else self.spec.ws_private_url
