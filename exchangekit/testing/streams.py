"""Reading a client's streams from a test: collect in the background, await a condition.

::

    async with collecting(client.stream_fills()) as fills:
        await client.place_order(request)
        await fills.wait_for(lambda seen: any(f.order_id == placed.order_id for f in seen))

A test waits for what a user would wait for (a fill, an order update, a ``resynced``
event), never for a fixed time; :attr:`Collector.timeout_s` only bounds a test that
would otherwise hang when what it expects never comes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

__all__ = ["DEFAULT_TIMEOUT_S", "Collector", "collecting"]

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 10.0
"""How long :meth:`Collector.wait_for` waits by default before it raises ``TimeoutError``."""


class Collector(Generic[T]):
    """Reads ``stream`` in a background task into :attr:`items`; tests await conditions on it.

    Create it inside a running event loop and :meth:`close` it (or use :func:`collecting`).
    An error raised by the stream ends the reading; :meth:`wait_for` then times out.
    """

    def __init__(self, stream: AsyncIterator[T], *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.items: list[T] = []
        """Everything read so far, in order."""
        self.timeout_s = timeout_s
        self._changed = asyncio.Condition()
        self._task = asyncio.ensure_future(self._read(stream))

    async def _read(self, stream: AsyncIterator[T]) -> None:
        async for item in stream:
            async with self._changed:
                self.items.append(item)
                self._changed.notify_all()

    async def wait_for(
        self, found: Callable[[list[T]], bool], *, timeout_s: float | None = None
    ) -> list[T]:
        """Wait until ``found(items)`` is true and return :attr:`items`.

        Raises ``TimeoutError`` after ``timeout_s`` (default :attr:`timeout_s`).
        """
        limit = self.timeout_s if timeout_s is None else timeout_s
        async with asyncio.timeout(limit), self._changed:
            await self._changed.wait_for(lambda: found(self.items))
        return self.items

    async def close(self) -> None:
        """Stop reading (cancels the background task; the stream's own cleanup runs)."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@contextlib.asynccontextmanager
async def collecting(
    stream: AsyncIterator[T], *, timeout_s: float = DEFAULT_TIMEOUT_S
) -> AsyncIterator[Collector[T]]:
    """A :class:`Collector` over ``stream``, closed when the block ends."""
    collector = Collector(stream, timeout_s=timeout_s)
    try:
        yield collector
    finally:
        await collector.close()
