"""Sharing one subscription among many readers: the fan-out every adapter's streams use.

A :class:`Feed` reads one :class:`~exchangekit.ws.SubscriptionStream` and hands each payload to
every attached consumer's :class:`Inbox`, or to one callback (the order book applies each
delta once, whoever is reading); the last consumer to leave unsubscribes. :class:`EventBus`
merges the lifecycle events of every session of a client into one observable stream.

Readers never slow the socket down: an inbox that falls ``limit`` items behind loses its
oldest items, and says so in the log, instead of blocking the feed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

from exchangekit.errors import ExchangeError
from exchangekit.ws.events import SessionEvent
from exchangekit.ws.session import WsSession
from exchangekit.ws.stream import SubscriptionStream

__all__ = ["EventBus", "Feed", "FeedRegistry", "Inbox", "close_session", "read_feed"]

log = logging.getLogger("exchangekit.ws.fanout")

T = TypeVar("T")


async def close_session(session: WsSession) -> None:
    """Close a session (and every task it started)."""
    await session.close()


class Inbox(Generic[T]):
    """One consumer's queue of items, with an end that may carry an error.

    A consumer that falls ``limit`` items behind loses the oldest ones, and the loss is
    logged (``label`` names the stream): a stream never blocks on its slowest reader.
    """

    def __init__(self, limit: int = 10_000, *, label: str = "stream") -> None:
        self._items: deque[T] = deque()
        self._limit = limit
        self._label = label
        self._waiter: asyncio.Future[None] | None = None
        self._ended = False
        self._error: BaseException | None = None
        self._signalled = False
        self.dropped = 0

    def put(self, item: T) -> None:
        items = self._items
        if len(items) >= self._limit:
            items.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("%s consumer too slow: %d items dropped", self._label, self.dropped)
        items.append(item)
        self._wake()

    def signal(self) -> None:
        """Something changed (no item to carry): wake the consumer once."""
        self._signalled = True
        self._wake()

    def end(self, error: BaseException | None = None) -> None:
        """No more items: readers get the ones queued, then the end (or ``error``)."""
        if not self._ended:
            self._ended, self._error = True, error
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    async def _wait(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        await waiter

    def _finish(self) -> None:
        if self._error is not None:
            raise self._error
        raise StopAsyncIteration

    async def get(self) -> T:
        """The next item; raises ``StopAsyncIteration`` (or the error) once ended."""
        while not self._items:
            if self._ended:
                self._finish()
            await self._wait()
        return self._items.popleft()

    def __aiter__(self) -> Inbox[T]:
        return self

    async def __anext__(self) -> T:
        return await self.get()

    async def wait_signal(self) -> None:
        """Return once :meth:`signal` was called since the last return."""
        while not self._signalled:
            if self._ended:
                self._finish()
            await self._wait()
        self._signalled = False


class Feed(Generic[T]):
    """One subscription, read by one task, shared by every attached consumer.

    Payloads go to every attached inbox, or to one callback alone when given: ``on_batch``
    receives everything already buffered at once (a burst is handled in one call),
    ``on_item`` one payload at a time. An :class:`~exchangekit.errors.ExchangeError` from
    the callback drops that payload (logged) and the feed goes on. When the subscription
    ends, so do the inboxes (with its error, if any) and ``on_end`` is called. When the last
    consumer detaches, the subscription is closed (unsubscribed) and ``on_idle`` is called.
    """

    def __init__(
        self,
        stream: SubscriptionStream,
        *,
        on_idle: Callable[[Feed[T]], None],
        on_batch: Callable[[list[T]], None] | None = None,
        on_item: Callable[[T], None] | None = None,
        on_end: Callable[[BaseException | None], None] | None = None,
        label: str = "stream",
    ) -> None:
        if on_batch is not None and on_item is not None:
            raise ValueError("give on_batch or on_item, not both")
        self.key = stream.key
        self.stream = stream
        self.closed = False
        self.label = label
        self._inboxes: list[Inbox[T]] = []
        self._on_idle = on_idle
        if on_item is not None:
            item_callback = on_item

            def each(batch: list[T]) -> None:
                for item in batch:
                    try:
                        item_callback(item)
                    except ExchangeError:  # drop this payload, keep the rest of the burst
                        log.exception("%s %s: payload dropped", self.label, self.key)

            on_batch = each
        self._on_batch = on_batch
        self._on_end = on_end
        self._task = asyncio.get_running_loop().create_task(self._pump(), name=f"feed-{self.key}")

    def attach(self, inbox: Inbox[T]) -> None:
        self._inboxes.append(inbox)

    def detach(self, inbox: Inbox[T]) -> None:
        if inbox in self._inboxes:
            self._inboxes.remove(inbox)
        if not self._inboxes and not self.closed:
            self.closed = True
            self.stream.close()
            self._task.cancel()
            self._on_idle(self)

    async def close(self) -> None:
        self.closed = True
        self.stream.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _pump(self) -> None:
        error: BaseException | None = None
        on_batch = self._on_batch
        inboxes = self._inboxes
        stream = self.stream
        try:
            while True:
                item: Any = await stream.get()
                if on_batch is None:
                    for inbox in inboxes:
                        inbox.put(item)
                    continue
                batch = [item, *stream.drain()]
                try:
                    on_batch(batch)
                except ExchangeError:  # one bad payload must not end the stream
                    log.exception("%s %s: payloads dropped", self.label, self.key)
        except StopAsyncIteration:
            pass
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
        finally:
            self.closed = True
            for inbox in list(inboxes):
                inbox.end(error)
            if self._on_end is not None:
                self._on_end(error)


class EventBus:
    """Lifecycle events of every session of one client, as ``(session, event)`` pairs."""

    def __init__(self) -> None:
        self._inboxes: list[Inbox[tuple[str, SessionEvent]]] = []

    def publish(self, session: str, event: SessionEvent) -> None:
        for inbox in self._inboxes:
            inbox.put((session, event))

    async def listen(self) -> AsyncIterator[tuple[str, SessionEvent]]:
        inbox: Inbox[tuple[str, SessionEvent]] = Inbox(limit=1000, label="session events")
        self._inboxes.append(inbox)
        try:
            async for item in inbox:
                yield item
        finally:
            self._inboxes.remove(inbox)

    def close(self) -> None:
        for inbox in self._inboxes:
            inbox.end()


class FeedRegistry:
    """The open feeds of one client, by subscription key.

    The first reader of a key subscribes (``subscribe()`` opens the stream); later readers
    share that feed; when the last one leaves, the feed unsubscribes and is forgotten, and
    ``on_forget(key)`` lets the owner drop what it kept for that key (a local book).
    """

    def __init__(self, *, label: str, on_forget: Callable[[str], None] | None = None) -> None:
        self._feeds: dict[str, Feed[Any]] = {}
        self._label = label
        self._on_forget = on_forget

    def attach(
        self,
        key: str,
        subscribe: Callable[[], SubscriptionStream],
        inbox: Inbox[Any],
        *,
        on_batch: Callable[[list[Any]], None] | None = None,
        on_item: Callable[[Any], None] | None = None,
        on_end: Callable[[BaseException | None], None] | None = None,
    ) -> Feed[Any]:
        """Attach ``inbox`` to the feed of ``key``, subscribing on first use."""
        feed = self._feeds.get(key)
        if feed is None or feed.closed:
            feed = Feed(
                subscribe(),
                on_idle=self._forget,
                on_batch=on_batch,
                on_item=on_item,
                on_end=on_end,
                label=self._label,
            )
            self._feeds[key] = feed
        feed.attach(inbox)
        return feed

    async def close(self) -> None:
        """Close every feed (unsubscribing)."""
        for feed in list(self._feeds.values()):
            await feed.close()

    def _forget(self, feed: Feed[Any]) -> None:
        if self._feeds.get(feed.key) is feed:
            del self._feeds[feed.key]
            if self._on_forget is not None:
                self._on_forget(feed.key)


async def read_feed(attach: Callable[[Inbox[Any]], Feed[Any]]) -> AsyncIterator[Any]:
    """Yield what a feed delivers to a fresh inbox (``attach(inbox)`` joins the feed); leaving
    the loop detaches it, and the last reader leaving unsubscribes."""
    inbox: Inbox[Any] = Inbox()
    feed = attach(inbox)
    try:
        async for item in inbox:
            yield item
    finally:
        feed.detach(inbox)
