"""What the OKX streams share: what they need from the client (:class:`StreamContext`).

The fan-out itself (:class:`Feed`, :class:`Inbox`, :class:`EventBus`) is the core's
:mod:`exchangekit.ws.fanout`, re-exported here so the streams import one module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from exchangekit.clock import Clock
from exchangekit.ratelimit import Limiter
from exchangekit.transport import Credentials
from exchangekit.transport.adapter_rest import PayloadObserver
from exchangekit.ws.fanout import EventBus, Feed, Inbox, close_session
from exchangekit_okx.mappers import SymbolMap

__all__ = ["EventBus", "Feed", "Inbox", "PayloadObserver", "StreamContext", "close_session"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamContext:
    """What the streams need from their client: URLs, clock, limits and REST calls."""

    exchange: str
    public_url: str
    private_url: str
    business_url: str
    clock: Clock
    limiter: Limiter
    ping_interval_s: float
    stale_after_s: float | None
    observe: PayloadObserver | None
    events: EventBus
    spawn: Callable[[Coroutine[Any, Any, None]], None]
    symbol_map: Callable[[], Awaitable[SymbolMap]]
    inst_type: str
    credentials: Credentials | None = None
    server_now_ms: Callable[[], int] | None = None
    sync_time: Callable[[], Awaitable[None]] | None = None
    resync_time: Callable[[], Awaitable[None]] | None = None
    """Learn the server time again even if known (a login refused for its timestamp)."""
