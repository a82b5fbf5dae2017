"""Weight-aware rate limiting: pools, costs, priorities and the limiter that enforces them.

::

    from exchangekit.ratelimit import Cost, Limiter, Pool, PoolKind, Priority

    WEIGHT = Pool(name="ip-weight", limit=6000, window_s=60, header="X-MBX-USED-WEIGHT-1M")
    ORDERS = Pool(name="orders-10s", limit=100, window_s=10, kind=PoolKind.SLIDING_WINDOW)
    limiter = Limiter([WEIGHT, ORDERS])
    await limiter.acquire([Cost(WEIGHT, 1), Cost(ORDERS, 1)], priority=Priority.ORDER)
"""

from typing import TYPE_CHECKING, Any

from exchangekit.ratelimit.backend import LimiterBackend
from exchangekit.ratelimit.limiter import Limiter
from exchangekit.ratelimit.memory import MemoryBackend
from exchangekit.ratelimit.spec import (
    Cost,
    Pool,
    PoolKind,
    PoolUsage,
    Priority,
    RateLimiter,
    Scope,
)

if TYPE_CHECKING:
    from exchangekit.ratelimit.redis_backend import LimiterBackendUnavailable, RedisBackend

__all__ = [
    "Cost",
    "Limiter",
    "LimiterBackend",
    "LimiterBackendUnavailable",
    "MemoryBackend",
    "Pool",
    "PoolKind",
    "PoolUsage",
    "Priority",
    "RateLimiter",
    "RedisBackend",
    "Scope",
]


def __getattr__(name: str) -> Any:
    # The Redis backend is imported on first use only: importing exchangekit never needs redis.
    if name in ("RedisBackend", "LimiterBackendUnavailable"):
        from exchangekit.ratelimit import redis_backend

        return getattr(redis_backend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
