"""What the Bybit streams share: what they need from the client, and the fan-out.

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
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from exchangekit.clock import Clock
from exchangekit.errors import ExchangeError
from exchangekit.ratelimit import Limiter
from exchangekit.transport import Credentials
from exchangekit.ws import SessionEvent, SubscriptionStream
from exchangekit_bybit.config import PayloadObserver
from exchangekit_bybit.endpoints import MarketName
from exchangekit_bybit.mappers import SymbolMap

__all__ = ["EventBus", "Feed", "Inbox", "StreamContext"]

log = logging.getLogger("exchangekit.bybit")

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamContext:
    """What the streams need from their client: URLs, clock, limits and REST calls."""

    exchange: str
    market: MarketName
    public_url: str
    private_url: str
    clock: Clock
    limiter: Limiter
    ping_interval_s: float
    stale_after_s: float | None
    observe: PayloadObserver | None
    events: EventBus
    spawn: Callable[[Coroutine[Any, Any, None]], None]
    symbol_map: Callable[[], Awaitable[SymbolMap]]
    credentials: Credentials | None = None
    server_now_ms: Callable[[], int] | None = None
    sync_time: Callable[[], Awaitable[None]] | None = None
    original_ids: Mapping[str, str] = field(default_factory=dict)
    """Encoded ``orderLinkId`` -> the caller's client order id, for ids this client placed."""


class Inbox(Generic[T]):
    """One consumer's queue, with an end that may carry an error.

    A consumer that falls ``limit`` items behind loses the oldest ones (logged): a stream
    never blocks on its slowest reader.
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
        if len(self._items) >= self._limit:
            self._items.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("bybit stream consumer too slow: %d items dropped", self.dropped)
        self._items.append(item)
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
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        await self._waiter

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

    Payloads go to every attached inbox, or to ``on_item`` alone when given (the order book
    applies each message once, whoever reads it). When the subscription ends, so do the
    inboxes (with its error, if any) and ``on_end`` is called. When the last consumer
    detaches, the subscription is closed and ``on_idle`` is called.
    """

    def __init__(
        self,
        stream: SubscriptionStream,
        *,
        on_idle: Callable[[Feed[T]], None],
        on_item: Callable[[T], None] | None = None,
        on_end: Callable[[BaseException | None], None] | None = None,
    ) -> None:
        self.key = stream.key
        self.stream = stream
        self.closed = False
        self._inboxes: list[Inbox[T]] = []
        self._on_idle = on_idle
        self._on_item = on_item
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
        try:
            while True:
                item: Any = await self.stream.get()
                if self._on_item is None:
                    for inbox in self._inboxes:
                        inbox.put(item)
                    continue
                try:
                    self._on_item(item)
                except ExchangeError:  # one bad payload must not end the stream
                    log.exception("bybit %s: payload dropped", self.key)
        except StopAsyncIteration:
            pass
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
        finally:
            self.closed = True
            for inbox in list(self._inboxes):
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
