"""Weight-aware rate limiting: pools, costs, priorities and the limiter that enforces them.

::

    from exchangekit.ratelimit import Cost, Limiter, Pool, PoolKind, Priority

    WEIGHT = Pool(name="ip-weight", limit=6000, window_s=60, header="X-MBX-USED-WEIGHT-1M")
    ORDERS = Pool(name="orders-10s", limit=100, window_s=10, kind=PoolKind.SLIDING_WINDOW)
    limiter = Limiter([WEIGHT, ORDERS])
    await limiter.acquire([Cost(WEIGHT, 1), Cost(ORDERS, 1)], priority=Priority.ORDER)
"""

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

__all__ = [
    "Cost",
    "Limiter",
    "LimiterBackend",
    "MemoryBackend",
    "Pool",
    "PoolKind",
    "PoolUsage",
    "Priority",
    "RateLimiter",
    "Scope",
]
