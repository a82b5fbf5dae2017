"""The resilient WebSocket session every adapter uses.

One loop for every venue: connect, authenticate, subscribe, read, ping, watch for stale
streams, back off and reconnect, rotate before the venue's connection lifetime runs out.
The venue's rules come in as a :class:`~exchangekit.ws.WsVenue`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from types import TracebackType

from exchangekit.clock import Clock, SystemClock
from exchangekit.ratelimit.spec import Cost, Priority, RateLimiter
from exchangekit.ws.core import SessionCore
from exchangekit.ws.errors import SessionClosed
from exchangekit.ws.events import EventHub, EventKind, EventStream, SessionEvent
from exchangekit.ws.stream import SubscriptionStream
from exchangekit.ws.venue import Frame, Subscription, WsVenue

__all__ = ["WsSession"]

_REPORTABLE = frozenset({EventKind.GAP, EventKind.RESYNCED})


class WsSession:
    """A WebSocket connection to one venue that survives everything a network does.

    ::

        async with WsSession(venue) as session:
            async for payload in session.subscribe(Subscription("btcusdt@depth@100ms")):
                ...

    The session owns its subscriptions: it re-sends them after every reconnect (after
    ``on_connect``), and sends the unsubscribe message when a consumer leaves its
    ``async for``. Connection failures are retried forever with capped, fully jittered
    exponential backoff; the attempt counter restarts after a connection stayed up for
    ``venue.backoff.stable_after_s``. Everything that happens is observable through
    :meth:`events`. Closing the session (or leaving ``async with``) stops every task it
    started.

    Args:
        venue: The venue's rules.
        clock: Time source for every timer of the session (stale, pings, backoff, rotation).
        rng: Randomness for backoff jitter; seed it in tests.
        limiter: Charged ``connect_cost`` before each connection attempt and
            ``message_cost`` before each frame sent.
        max_queued: Payloads a subscription buffers for a slow consumer before it drops
            the oldest and reports a ``gap``.
        dedupe_window: Dedupe keys remembered per subscription.
        reconnect_on_stale: Reconnect when a subscription goes stale (a socket that is
            open but silent is the classic failure). Otherwise only report it.
        event_capacity: Events an observer may fall behind before the oldest are dropped.
        on_event: Called synchronously with every event as it happens (to gate trading
            without waiting for an observer task to run).
    """

    def __init__(
        self,
        venue: WsVenue,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        limiter: RateLimiter | None = None,
        connect_cost: Sequence[Cost] = (),
        message_cost: Sequence[Cost] = (),
        priority: Priority = Priority.MARKET_DATA,
        max_queued: int = 10_000,
        dedupe_window: int = 10_000,
        reconnect_on_stale: bool = True,
        event_capacity: int = 1_000,
        on_event: Callable[[SessionEvent], None] | None = None,
    ) -> None:
        self._venue = venue
        clock = clock if clock is not None else SystemClock()
        self._hub = EventHub(clock, venue=venue.name, capacity=event_capacity, on_event=on_event)
        self._core = SessionCore(
            venue,
            clock=clock,
            rng=rng if rng is not None else random.Random(),
            events=self._hub,
            limiter=limiter,
            connect_cost=connect_cost,
            message_cost=message_cost,
            priority=priority,
            max_queued=max_queued,
            dedupe_window=dedupe_window,
            reconnect_on_stale=reconnect_on_stale,
        )
        self._started = False

    # -- public API --------------------------------------------------------------------

    async def __aenter__(self) -> WsSession:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def start(self) -> None:
        """Start connecting in the background. ``async with`` calls this for you."""
        if self._core.closed:
            raise SessionClosed("session is closed", exchange=self._venue.name)
        if not self._started:
            self._started = True
            self._core.start()

    async def close(self) -> None:
        """Close every connection, end every stream, and stop and await every task."""
        if not self._core.closed:
            await self._core.close()

    def subscribe(self, subscription: Subscription) -> SubscriptionStream:
        """Subscribe now (and after every reconnect) and return the stream of payloads."""
        core = self._core
        if core.failure is not None:
            raise core.failure
        if core.closed:
            raise SessionClosed("session is closed", exchange=self._venue.name)
        if subscription.key in core.streams:
            raise ValueError(f"{self._venue.name}: already subscribed to {subscription.key!r}")
        return core.add_stream(subscription)

    def resubscribe(self, key: str) -> None:
        """Unsubscribe and subscribe ``key`` again, e.g. to get a fresh book snapshot."""
        stream = self._core.streams[key]
        venue = self._venue
        frames: list[Frame] = []
        if venue.unsubscribe_message is not None:
            frames.extend(venue.unsubscribe_message([stream.subscription]))
        frames.extend(venue.subscribe_message([stream.subscription]))
        self._core.send_everywhere(frames)
        stream.armed_at = self._core.clock.monotonic()

    def events(self) -> EventStream:
        """A new observer of every event from now on, in order, until the session closes."""
        return self._hub.open()

    def report(self, kind: EventKind, key: str | None = None, detail: str = "") -> None:
        """Publish a ``gap`` or ``resynced`` found by a layer above (the order book)."""
        if kind not in _REPORTABLE:
            raise ValueError(f"only {sorted(_REPORTABLE)} can be reported, not {kind!r}")
        self._hub.emit(kind, key=key, detail=detail)

    @property
    def connected(self) -> bool:
        """Whether a connection is up and serving the subscriptions."""
        active = self._core.active
        return active is not None and not active.closed.done()

    @property
    def failure(self) -> BaseException | None:
        """The error that stopped the session for good, if any."""
        return self._core.failure

    @property
    def subscriptions(self) -> dict[str, SubscriptionStream]:
        """The live subscriptions by key (a copy)."""
        return dict(self._core.streams)

    def last_message_ms(self, key: str) -> int | None:
        """Wall-clock epoch ms of subscription ``key``'s last payload, ``None`` before one."""
        return self._core.streams[key].last_message_ms

    def __repr__(self) -> str:
        core = self._core
        state = "closed" if core.closed else ("connected" if self.connected else "connecting")
        return f"WsSession({self._venue.name!r}, {state}, subscriptions={len(core.streams)})"
