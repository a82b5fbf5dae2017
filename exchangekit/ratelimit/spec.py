"""Rate-limit data: pools, costs and priorities. Adapters declare these as data in their
``endpoints.py``; the limiter engine reads them."""

from collections.abc import Sequence
from enum import IntEnum, StrEnum
from typing import Protocol

import msgspec

__all__ = ["Cost", "Pool", "PoolKind", "PoolUsage", "Priority", "RateLimiter", "Scope"]


class PoolKind(StrEnum):
    """How a pool forgets past usage."""

    FIXED_WINDOW = "fixed_window"
    """Usage resets at each window boundary (Binance REQUEST_WEIGHT per minute)."""
    SLIDING_WINDOW = "sliding_window"
    """Usage counts every charge made in the last ``window_s`` seconds."""
    TOKEN_BUCKET = "token_bucket"
    """``limit`` tokens, refilled continuously at ``limit / window_s`` per second."""
    DECAYING_COUNTER = "decaying_counter"
    """A counter that decays by ``decay_per_s`` and must stay at or under ``limit`` (Kraken)."""


class Scope(StrEnum):
    """Whose budget a pool is: it decides which callers share it."""

    IP = "ip"
    ACCOUNT = "account"
    ENDPOINT = "endpoint"


class Priority(IntEnum):
    """Lower values are served first when callers wait for the same pool."""

    KILL_SWITCH = 0
    CANCEL = 1
    ORDER = 2
    ACCOUNT = 3
    MARKET_DATA = 4


class Pool(msgspec.Struct, frozen=True, kw_only=True):
    """One budget. ``limit`` units per ``window_s`` seconds (or a counter cap for Kraken)."""

    name: str
    limit: int
    window_s: float
    kind: PoolKind = PoolKind.FIXED_WINDOW
    scope: Scope = Scope.IP
    decay_per_s: float | None = None
    """Decay rate of a ``DECAYING_COUNTER`` pool; ignored by other kinds."""
    header: str | None = None
    """Response header in which the server reports this pool's usage, if any."""
    doc: str = ""

    def __post_init__(self) -> None:
        if self.limit <= 0:
            raise ValueError(f"pool {self.name}: limit must be positive")
        if self.window_s <= 0 and self.kind is not PoolKind.DECAYING_COUNTER:
            raise ValueError(f"pool {self.name}: window_s must be positive")
        if self.kind is PoolKind.DECAYING_COUNTER and not self.decay_per_s:
            raise ValueError(f"pool {self.name}: a decaying counter needs decay_per_s")


class Cost(msgspec.Struct, frozen=True):
    """``weight`` units charged to ``pool`` by one request."""

    pool: Pool
    weight: int = 1


class PoolUsage(msgspec.Struct, frozen=True, kw_only=True):
    """A pool's state as ``snapshot()`` reports it."""

    pool: str
    limit: int
    used: float
    remaining: float
    paused_for_s: float = 0.0
    waiters: int = 0


class RateLimiter(Protocol):
    """What the transport and the WebSocket session need from a limiter.

    One request charges several pools at once; it waits (without polling) until every pool
    has room, served by priority then arrival order. After each response the caller feeds
    back what the server reported.
    """

    async def acquire(
        self, costs: Sequence[Cost], *, priority: Priority = Priority.MARKET_DATA
    ) -> None:
        """Wait until every pool can take its weight, then charge them all at once."""
        ...

    def sync_usage(self, pool: Pool, used: float, *, sent_at: float | None = None) -> None:
        """Set ``pool``'s usage in the current window to what the server reported.

        ``sent_at`` (the limiter clock's monotonic time, read before ``acquire``) places the
        report in time, so usage charged after it is kept on top of the report; without it
        the report can only raise usage.
        """
        ...

    def pause(self, pools: Sequence[Pool], seconds: float) -> None:
        """Hold every caller of ``pools`` for ``seconds`` (HTTP 429 with Retry-After)."""
        ...

    def ban(self, seconds: float) -> None:
        """Hold every caller of every pool for ``seconds`` (HTTP 418, IP ban)."""
        ...

    def snapshot(self) -> dict[str, PoolUsage]:
        """Used and remaining per pool, by pool name."""
        ...
