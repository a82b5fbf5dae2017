"""Following the private streams: order updates and fills as they happen.

The streams are the fast path and REST is the truth. An update from the stream goes
through the same journal rules as any other report (legal transitions only, stale reports
ignored, fills deduplicated by trade id), so a duplicated message changes nothing and a
lost one is repaired by the next poll, fill sync or reconciliation. Two rules are specific:

* A stream report of an order whose send outcome is ``unknown`` proves that it landed, but
  only a lookup settles an unknown order: the report makes its lookup due now.
* The session's ``gap`` and ``disconnected`` events (messages were lost, and Binance replays
  nothing) ask the bot for a reconciliation at its next tick.

A stream that cannot be followed at all (the adapter has none, or it closed) is logged and
left: the bot keeps trading on REST polls alone.

:attr:`StreamFollower.live` tells the bot whether both private streams are being followed
on a connected session: while they are, the bot leaves order polls and the fill sync to
its reconciliation timer instead of running them every tick. A reconnect asks for a
reconciliation too (whatever happened while disconnected was not streamed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from exchangekit import ExchangeClient, Fill, Order, OrderStatus
from exchangekit_bot.crash import crash_point
from exchangekit_bot.execution.executor import Executor
from exchangekit_bot.execution.fills import FillSync
from exchangekit_bot.execution.state_machine import Source
from exchangekit_bot.observability.logs import decision_scope, log_event
from exchangekit_bot.observability.metrics import BotMetrics

__all__ = ["StreamFollower"]

logger = logging.getLogger("exchangekit_bot.streams")
#: Session events after which messages may be missing.
_LOSSY = frozenset({"gap", "disconnected"})


class StreamFollower:
    """Applies the exchange's private order and fill streams to the journal."""

    def __init__(
        self,
        exchange: ExchangeClient,
        executor: Executor,
        fill_sync: FillSync,
        *,
        on_gap: Callable[[str], None],
        metrics: BotMetrics | None = None,
    ) -> None:
        self.exchange = exchange
        self.executor = executor
        self.journal = executor.journal
        self.store = executor.journal.store
        self.fill_sync = fill_sync
        self.on_gap = on_gap
        self.metrics = metrics
        self._following: set[str] = set()
        self._disconnected: set[str] = set()

    @property
    def live(self) -> bool:
        """Both the order and the fill stream are followed, and no session is down."""
        return {"orders", "fills"} <= self._following and not self._disconnected

    async def run(self) -> None:
        """Follow every stream until cancelled."""
        await asyncio.gather(
            self._follow("orders", self.exchange.stream_orders, self.apply_order),
            self._follow("fills", self.exchange.stream_fills, self.apply_fill),
            self._follow_events(),
        )

    async def _follow(
        self, name: str, open_stream: Callable[[], AsyncIterator[Any]], apply: Any
    ) -> None:
        self._following.add(name)
        try:
            async for item in open_stream():
                await apply(item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log_event(
                logger,
                "stream_not_followed",
                level=logging.WARNING,
                stream=name,
                error=f"{type(exc).__name__}: {exc}",
            )
        finally:
            self._following.discard(name)

    async def _follow_events(self) -> None:
        events = getattr(self.exchange, "stream_events", None)
        if not callable(events):
            return
        try:
            async for session, event in events():
                kind = str(getattr(event, "kind", ""))
                if kind == "disconnected":
                    self._disconnected.add(session)
                elif kind == "connected" and session in self._disconnected:
                    self._disconnected.discard(session)
                    self.on_gap(f"{session}: reconnected")
                if kind in _LOSSY:
                    log_event(
                        logger,
                        "stream_gap",
                        level=logging.WARNING,
                        session=session,
                        kind=kind,
                        detail=getattr(event, "detail", ""),
                    )
                    self.on_gap(f"{session}: {kind}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log_event(logger, "stream_not_followed", level=logging.WARNING, stream="events",
                      error=f"{type(exc).__name__}: {exc}")  # fmt: skip

    async def apply_order(self, order: Order) -> None:
        """Apply one order update from the stream."""
        record = self.store.get_order(order.client_order_id) if order.client_order_id else None
        if record is None and order.order_id:
            record = self.store.order_by_exchange_id(order.symbol, order.order_id)
        if record is None:
            return
        with decision_scope(record.decision_id):
            if record.status is OrderStatus.UNKNOWN:
                self.journal.update(
                    record,
                    confirmed_landed=True,
                    next_action_ms=self.executor.clock.now_ms(),
                    last_reason="seen on the private stream: look it up now",
                )
                return
            if record.status is OrderStatus.PENDING and record.send_started_ms is None:
                return  # not sent by this process: recovery settles it by lookup
            self.executor.apply_report(record, order, Source.STREAM, "private stream")
            crash_point("status_recorded")

    async def apply_fill(self, fill: Fill) -> None:
        """Record one fill from the stream (deduplicated with the REST fill sync)."""
        fill, record = await self.fill_sync.attribute(fill)
        if record is not None:
            self.fill_sync.record(fill, record, source="stream")
