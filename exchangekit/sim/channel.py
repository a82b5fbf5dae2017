"""From the engine's synchronous callbacks to ``async for``: a small single-loop channel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Channel", "ChannelClosed"]

T = TypeVar("T")


class ChannelClosed(Exception):
    """The channel was closed and everything in it was read."""


class Channel(Generic[T]):
    """Items pushed from callbacks, awaited by one reader, in order.

    With ``conflate``, an item whose key is already waiting replaces it in place (a reader
    that falls behind gets the latest book or ticker, not a backlog); otherwise every item
    is kept. Push and read must happen on the same event loop's thread.
    """

    def __init__(self, *, conflate: Callable[[T], Hashable] | None = None) -> None:
        self._conflate = conflate
        self._items: dict[Hashable, T] = {}
        self._counter = 0
        self._ready = asyncio.Event()
        self.closed = False

    def push(self, item: T) -> None:
        if self.closed:
            return
        if self._conflate is not None:
            self._items[self._conflate(item)] = item
        else:
            self._counter += 1
            self._items[self._counter] = item
        self._ready.set()

    def close(self) -> None:
        """End the stream once what is queued has been read."""
        self.closed = True
        self._ready.set()

    async def get(self) -> T:
        """The next item; ``ChannelClosed`` when closed and drained."""
        while not self._items:
            if self.closed:
                raise ChannelClosed
            self._ready.clear()
            await self._ready.wait()
        key = next(iter(self._items))
        return self._items.pop(key)
