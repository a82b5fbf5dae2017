"""Priority lanes: run a block of calls ahead of everything else waiting for the limiter.

A kill switch must cancel and flatten while the bot is mid-burst and rate-limited. Rather
than adding a ``priority=`` argument to every client method, the caller opens a lane and
every request made inside it (in this task and tasks it starts) waits in that class::

    with priority_lane(Priority.KILL_SWITCH):
        await client.cancel_all_orders()
        await client.place_order(flatten)

A lane only ever raises priority: an endpoint already more urgent keeps its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from exchangekit.ratelimit.spec import Priority

__all__ = ["effective_priority", "priority_lane"]

_LANE: ContextVar[Priority | None] = ContextVar("exchangekit_priority_lane", default=None)


@contextlib.contextmanager
def priority_lane(priority: Priority) -> Iterator[None]:
    """Serve every limiter wait inside the block at ``priority`` (or better)."""
    token = _LANE.set(priority)
    try:
        yield
    finally:
        _LANE.reset(token)


def effective_priority(default: Priority) -> Priority:
    """The priority a request declared as ``default`` waits at, given the current lane."""
    lane = _LANE.get()
    if lane is None or lane >= default:
        return default
    return lane
