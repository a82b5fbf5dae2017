"""The consumer side of an account's private stream, shared by every adapter.

An exchange pushes account events (orders, fills, balances, positions) on one private
connection. The adapter maps each push once into an :class:`AccountUpdate`; an
:class:`AccountFeed` hands it to every consumer (``orders()``, ``fills()``, ``balances()``,
``positions()``), each with its own :class:`~exchangekit.ws.fanout.Inbox`, and starts the
connection on first use. What is exchange-specific (login, listen keys, routing, mapping)
stays in the adapter's subclass, which implements :meth:`AccountFeed.start` and calls
:meth:`AccountFeed._publish` / :meth:`AccountFeed._end_consumers`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import msgspec

from exchangekit.errors import NotSupported
from exchangekit.models import Balance, Fill, Order, Position
from exchangekit.ws.events import EventKind, SessionEvent
from exchangekit.ws.fanout import Inbox

__all__ = ["AccountFeed", "AccountUpdate", "unmappable_push"]


def unmappable_push(what: str, error: BaseException, *, at_ms: int, key: str) -> SessionEvent:
    """The ``gap`` event a private stream publishes for a push it could not map (a new enum
    value, schema drift): nothing of it reached the consumers, who must reconcile over REST
    (the reference bot does so on every ``gap``). Never silent, never fatal to the stream."""
    path = getattr(error, "path", None) or "$"
    reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
    return SessionEvent(
        kind=EventKind.GAP,
        at_ms=at_ms,
        key=key,
        detail=f"{what} not delivered: unmappable at {path} ({reason}); reconcile over REST",
    )


class AccountUpdate(msgspec.Struct, frozen=True, gc=False):
    """One private push, mapped once for every kind of consumer."""

    orders: tuple[Order, ...] = ()
    fills: tuple[Fill, ...] = ()
    balances: tuple[Balance, ...] = ()
    positions: tuple[Position, ...] = ()


class AccountFeed:
    """An account's private events: started on first use, read by any number of consumers.

    ``has_positions`` is false on spot markets: ``positions()`` then refuses with
    :class:`~exchangekit.errors.NotSupported` instead of waiting forever.
    """

    def __init__(self, exchange: str, *, has_positions: bool) -> None:
        self._exchange = exchange
        self._has_positions = has_positions
        self._inboxes: list[Inbox[AccountUpdate]] = []

    async def start(self) -> None:
        """Connect, authenticate and subscribe (once); return when events flow."""
        raise NotImplementedError

    async def orders(self) -> AsyncIterator[Order]:
        async for update in self._listen():
            for order in update.orders:
                yield order

    async def fills(self) -> AsyncIterator[Fill]:
        async for update in self._listen():
            for fill in update.fills:
                yield fill

    async def balances(self) -> AsyncIterator[Balance]:
        async for update in self._listen():
            for balance in update.balances:
                yield balance

    async def positions(self) -> AsyncIterator[Position]:
        if not self._has_positions:
            raise NotSupported("spot has no positions", exchange=self._exchange)
        async for update in self._listen():
            for position in update.positions:
                yield position

    async def _listen(self) -> AsyncIterator[AccountUpdate]:
        inbox: Inbox[AccountUpdate] = Inbox(label=f"{self._exchange} private stream")
        self._inboxes.append(inbox)
        try:
            await self.start()
            async for update in inbox:
                yield update
        finally:
            self._inboxes.remove(inbox)

    def _publish(self, update: AccountUpdate) -> None:
        """Give ``update`` to every consumer."""
        for inbox in self._inboxes:
            inbox.put(update)

    def _end_consumers(self, error: BaseException | None = None) -> None:
        """End every consumer's iteration (with ``error``, if the stream failed)."""
        for inbox in self._inboxes:
            inbox.end(error)
