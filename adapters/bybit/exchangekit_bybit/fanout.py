"""What the Bybit streams share: what they need from the client (:class:`StreamContext`).

The fan-out itself (:class:`Feed`, :class:`Inbox`, :class:`EventBus`) is the core's
:mod:`exchangekit.ws.fanout`, re-exported here so the streams import one module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from exchangekit.clock import Clock
from exchangekit.ratelimit import Limiter
from exchangekit.transport import Credentials
from exchangekit.ws.fanout import EventBus, Feed, Inbox
from exchangekit_bybit.config import PayloadObserver
from exchangekit_bybit.endpoints import MarketName
from exchangekit_bybit.mappers import SymbolMap

__all__ = ["EventBus", "Feed", "Inbox", "StreamContext"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamContext:
    """What the streams need from their client: URLs, clock, limits and REST calls."""

    exchange: str
    market: MarketName
    public_url: str
    private_url: str
    clock: Clock
    limiter: Limiter
    ping_interval_s: float
    stale_after_s: float | None
    observe: PayloadObserver | None
    events: EventBus
    spawn: Callable[[Coroutine[Any, Any, None]], None]
    symbol_map: Callable[[], Awaitable[SymbolMap]]
    credentials: Credentials | None = None
    server_now_ms: Callable[[], int] | None = None
    sync_time: Callable[[], Awaitable[None]] | None = None
    original_ids: Mapping[str, str] = field(default_factory=dict)
    """Encoded ``orderLinkId`` -> the caller's client order id, for ids this client placed."""
