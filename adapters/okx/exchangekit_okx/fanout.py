"""What the OKX streams share: what they need from the client, and the fan-out.

A :class:`Feed` reads one :class:`~exchangekit.ws.SubscriptionStream` and hands each
payload to every attached consumer's :class:`Inbox` (or to one callback, for the order
book); the last consumer to leave unsubscribes. :class:`EventBus` merges the lifecycle
events of every session of a client into one observable stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from exchangekit.clock import Clock
from exchangekit.errors import ExchangeError
from exchangekit.ratelimit import Limiter
from exchangekit.transport import Credentials
from exchangekit.ws import SessionEvent, SubscriptionStream, WsSession
from exchangekit_okx.mappers import SymbolMap

__all__ = ["EventBus", "Feed", "Inbox", "PayloadObserver", "StreamContext", "close_session"]

log = logging.getLogger("exchangekit.okx")

T = TypeVar("T")

PayloadObserver = Callable[[str, Any, bytes], None]
"""``(endpoint_key, schema, raw)``: sees every payload the client decodes (drift reports)."""


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


async def close_session(session: WsSession) -> None:
    """Close a session (and every task it started)."""
    await session.close()


class Inbox(Generic[T]):
    """One consumer's queue of items, with an end that may carry an error.

    A consumer that falls ``limit`` items behind loses the oldest ones, and the loss is
    logged: a stream never blocks on its slowest reader.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._items: deque[T] = deque()
        self._limit = limit
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
                log.warning("okx stream consumer too slow: %d items dropped", self.dropped)
        items.append(item)
        self._wake()

    def signal(self) -> None:
        """Something changed (no item to carry): wake the consumer once."""
        self._signalled = True
        self._wake()

    def end(self, error: BaseException | None = None) -> None:
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

    Payloads go to every attached inbox, or to ``on_batch`` alone when given (the order
    book applies each delta once, whoever is reading): ``on_batch`` receives everything
    already buffered at once, so a burst is handled in one call. When the subscription ends, so do
    the inboxes (with its error, if any) and ``on_end`` is called. When the last consumer
    detaches, the subscription is closed (unsubscribed) and ``on_idle`` is called.
    """

    def __init__(
        self,
        stream: SubscriptionStream,
        *,
        on_idle: Callable[[Feed[T]], None],
        on_batch: Callable[[list[T]], None] | None = None,
        on_end: Callable[[BaseException | None], None] | None = None,
    ) -> None:
        self.key = stream.key
        self.stream = stream
        self.closed = False
        self._inboxes: list[Inbox[T]] = []
        self._on_idle = on_idle
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
        taken = 0
        try:
            while True:
                item: Any = await stream.get()
                taken += 1
                if on_batch is None:
                    for inbox in inboxes:
                        inbox.put(item)
                    continue
                batch = [item]
                # Already buffered (accepted, not dropped, not yet taken): get() won't wait.
                while stream.delivered - stream.dropped > taken:
                    batch.append(await stream.get())
                    taken += 1
                try:
                    on_batch(batch)
                except ExchangeError:  # one bad payload must not end the stream
                    log.exception("okx %s: payloads dropped", self.key)
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
        inbox: Inbox[tuple[str, SessionEvent]] = Inbox(limit=1000)
        self._inboxes.append(inbox)
        try:
            async for item in inbox:
                yield item
        finally:
            self._inboxes.remove(inbox)

    def close(self) -> None:
        for inbox in self._inboxes:
            inbox.end()
