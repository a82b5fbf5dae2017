"""Where pool usage lives. The :class:`~exchangekit.ratelimit.Limiter` queues, orders and
wakes callers; a backend only keeps the counts and answers "charge all of these, or tell me
when". :class:`~exchangekit.ratelimit.MemoryBackend` keeps them in this process; a shared
backend (Redis, one budget for many processes on the same IP or key) implements the same
Protocol, and nothing above the limiter changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from exchangekit.ratelimit.spec import Cost, Pool, PoolUsage

__all__ = ["LimiterBackend"]


@runtime_checkable
class LimiterBackend(Protocol):
    """The state behind a limiter.

    ``try_acquire`` is the only coroutine: it is the one call a shared backend must make
    atomic across processes (a single script round trip). The others may be answered from
    local state or sent without waiting for the answer; ``usage`` may be a little stale.
    """

    def register(self, pool: Pool) -> None:
        """Start accounting ``pool``, or adopt its new definition (a refreshed limit) while
        keeping the usage already counted under its name."""
        ...

    def now(self) -> float:
        """The backend's clock, in seconds; a reading taken before ``try_acquire`` names
        that charge for :meth:`refund`."""
        ...

    async def try_acquire(self, costs: Sequence[Cost]) -> float:
        """Charge every cost at once and return 0.0; or, when any pool lacks room or is held,
        charge nothing and return the seconds until all of them could take their weight
        (assuming nothing else is charged meanwhile). Every pool must be registered."""
        ...

    def refund(self, costs: Sequence[Cost], since: float) -> None:
        """Undo the charge that the first successful ``try_acquire(costs)`` after the
        ``now()`` reading ``since`` made, as far as it still counts (its window may be gone).
        Used when a caller is cancelled after being granted but before it could send."""
        ...

    def sync(self, pool: Pool, used: float, *, sent_at: float | None = None) -> None:
        """Adopt the usage the server reported for ``pool``."""
        ...

    def pause(self, pools: Sequence[Pool], seconds: float) -> None:
        """Refuse every charge to ``pools`` for ``seconds``."""
        ...

    def ban(self, seconds: float) -> None:
        """Refuse every charge to every pool for ``seconds``."""
        ...

    def usage(self) -> dict[str, PoolUsage]:
        """Used and remaining per registered pool, by name (``waiters`` left at 0)."""
        ...
