"""Delivering events: the record, and subscribers called after each operation completes.

Callbacks run once the engine's state is consistent again (never in the middle of a
match), in emission order. A callback may call back into the exchange; the events that
causes are delivered after the current ones. A callback that raises is logged and does not
stop delivery to the others.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from exchangekit.sim.events import AccountEvent, MarketEvent, Record, SimEvent

__all__ = ["EventBus", "Subscription"]

log = logging.getLogger("exchangekit.sim")

Callback = Callable[[SimEvent], None]


class Subscription:
    """A registered callback; :meth:`close` stops delivery. Also a context manager."""

    def __init__(
        self,
        bus: EventBus,
        callback: Callback,
        kinds: tuple[type[SimEvent], ...] | None,
        account: str | None,
        symbol: str | None,
    ) -> None:
        self._bus = bus
        self.callback = callback
        self.kinds = kinds
        self.account = account
        self.symbol = symbol
        self.closed = False

    def matches(self, event: SimEvent) -> bool:
        if self.kinds is not None and not isinstance(event, self.kinds):
            return False
        if self.account is not None and (
            not isinstance(event, AccountEvent) or event.account != self.account
        ):
            return False
        return self.symbol is None or (
            isinstance(event, MarketEvent) and event.symbol == self.symbol
        )

    def close(self) -> None:
        """Stop delivering events to this callback. Safe to call twice."""
        if not self.closed:
            self.closed = True
            self._bus._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Numbers and records account events; queues every event for subscribers."""

    def __init__(self) -> None:
        self.record = Record()
        self._subscriptions: list[Subscription] = []
        self._pending: deque[SimEvent] = deque()
        self._dispatching = False
        self._seq = 0

    def subscribe(
        self,
        callback: Callback,
        *,
        kinds: Iterable[type[SimEvent]] | None = None,
        account: str | None = None,
        symbol: str | None = None,
    ) -> Subscription:
        """Register ``callback`` for matching events (see ``SimExchange.subscribe``)."""
        sub = Subscription(self, callback, None if kinds is None else tuple(kinds), account, symbol)
        self._subscriptions.append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        self._subscriptions = [s for s in self._subscriptions if s is not sub]

    def wants(self, kind: type[SimEvent], symbol: str | None = None) -> bool:
        """True when some subscriber would receive a ``kind`` event (of ``symbol``), so
        market events are only built when someone listens."""
        for sub in self._subscriptions:
            if sub.account is not None:
                continue
            if sub.kinds is not None and not issubclass(kind, sub.kinds):
                continue
            if sub.symbol is None or sub.symbol == symbol:
                return True
        return False

    def account_event(self, cls: type[AccountEvent], **fields: Any) -> AccountEvent:
        """Build, number, record and queue an account event."""
        self._seq += 1
        event = cls(seq=self._seq, **fields)
        self.record._append(event)
        if self._subscriptions:
            self._pending.append(event)
        return event

    def market_event(self, event: MarketEvent) -> None:
        """Queue a market event (not recorded)."""
        self._pending.append(event)

    def dispatch(self) -> None:
        """Deliver queued events in order; re-entrant calls leave it to the outer loop."""
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._pending:
                event = self._pending.popleft()
                for sub in list(self._subscriptions):
                    if sub.closed or not sub.matches(event):
                        continue
                    try:
                        sub.callback(event)
                    except Exception:
                        log.exception("sim event subscriber %r failed", sub.callback)
        finally:
            self._dispatching = False
