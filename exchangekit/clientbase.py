"""What every adapter's client does the same way: its lifecycle, background tasks and lanes.

An adapter's client subclasses :class:`ClientLifecycle`, calls ``super().__init__(limiter,
events)`` and implements :meth:`ClientLifecycle._close_streams` and
:meth:`ClientLifecycle._close_transport`. It then gets ``async with`` support, an idempotent
:meth:`~ClientLifecycle.close` that ends streams first, then background tasks, then the HTTP
transport, a ``_spawn`` for tasks the client owns, ``rate_limit_usage()`` and
``kill_switch()``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self

from exchangekit.ratelimit import Limiter, PoolUsage, Priority
from exchangekit.ratelimit.lane import priority_lane
from exchangekit.ws.fanout import EventBus

__all__ = ["ClientLifecycle"]


class ClientLifecycle:
    """Lifecycle shared by the adapters' clients (see the module docstring)."""

    def __init__(self, limiter: Limiter, events: EventBus) -> None:
        self._limiter = limiter
        self._events = events
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close every stream and connection. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        await self._close_streams()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        self._events.close()
        await self._close_transport()

    async def _close_streams(self) -> None:
        """Close the client's WebSocket streams (private first, then public)."""
        raise NotImplementedError

    async def _close_transport(self) -> None:
        """Close the client's HTTP transport."""
        raise NotImplementedError

    def rate_limit_usage(self) -> dict[str, PoolUsage]:
        """Used and remaining per pool, as the limiter knows it (synced from the exchange's
        usage headers where it sends them: the adapter's docs say which)."""
        return self._limiter.snapshot()

    def kill_switch(self) -> contextlib.AbstractContextManager[None]:
        """Every request inside the block goes ahead of everything else waiting::

        with client.kill_switch():
            await client.cancel_all_orders()
        """
        return priority_lane(Priority.KILL_SWITCH)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` as a task the client owns: cancelled and awaited by :meth:`close`."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
