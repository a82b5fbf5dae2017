"""Execution: send journaled orders, cancel, follow them, and settle unknown outcomes.

The rules that keep money safe, in one place:

* An order is journaled, then ``send_started_ms`` is committed, then the request is sent.
* ``OrderOutcomeUnknown`` (and any unexpected failure of a send) makes the order
  ``unknown``; it is then settled only by looking it up by client order id. It is never
  sent again.
* ``DuplicateClientOrderId`` proves the order landed: it is looked up, never re-sent
  under a new id, and never declared "never landed".
* ``OrderNotFound`` from a lookup means "never landed" only once the exchange's
  visibility window (``visibility_window_s`` after the send) has passed; before that the
  lookup is repeated on the ``lookup_delays_s`` schedule. After ``max_lookups`` failed
  lookups (errors, or a landed order that cannot be found) an incident is opened and the
  order stays ``unknown``, which blocks new orders on its symbol.
* A ``TransientError`` proves nothing executed: the same request, with the same client
  order id, is re-sent up to ``transient_send_retries`` times, then given up.
* Shadow mode journals and logs everything and sends nothing.
* The outcome of a send is recorded only while the order is still ``pending``: if the
  private stream reported the order first, the stream's (newer) report stands.
"""

from __future__ import annotations

import logging
from typing import Any

from exchangekit import (
    AuthenticationError,
    DuplicateClientOrderId,
    ExchangeClient,
    Instrument,
    NotSupported,
    Order,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRejected,
    OrderRequest,
    OrderStatus,
    OrderType,
    RateLimited,
    TransientError,
)
from exchangekit.clock import Clock
from exchangekit_bot.config import ExecutionConfig
from exchangekit_bot.crash import crash_point
from exchangekit_bot.execution.journal import OrderJournal
from exchangekit_bot.execution.planner import OrderPlan
from exchangekit_bot.execution.slippage import guard_slippage
from exchangekit_bot.execution.state_machine import IllegalTransition, Source
from exchangekit_bot.incidents import IncidentDesk
from exchangekit_bot.intents import Purpose
from exchangekit_bot.observability.logs import decision_scope, log_event
from exchangekit_bot.observability.metrics import BotMetrics
from exchangekit_bot.storage.records import OrderRecord

__all__ = ["Executor"]

logger = logging.getLogger("exchangekit_bot.execution")
S = OrderStatus
_GUARDED = (Purpose.ENTRY, Purpose.EXIT)
_SUPERSEDABLE = (Purpose.ENTRY, Purpose.EXIT, Purpose.QUOTE)


class Executor:
    """Sends and follows orders for one exchange account."""

    def __init__(
        self,
        exchange: ExchangeClient,
        journal: OrderJournal,
        incidents: IncidentDesk,
        clock: Clock,
        config: ExecutionConfig,
        *,
        instruments: dict[str, Instrument],
        metrics: BotMetrics | None = None,
        shadow: bool = False,
    ) -> None:
        self.exchange = exchange
        self.journal = journal
        self.incidents = incidents
        self.clock = clock
        self.config = config
        self.instruments = instruments
        self.metrics = metrics
        self.shadow = shadow

    # -- submitting -----------------------------------------------------------------------

    async def submit(self, plans: list[OrderPlan], decision_id: str) -> list[OrderRecord]:
        """Journal ``plans`` (all or none), then send those already due."""
        records = self.journal.record_plans(plans, decision_id)
        now = self.clock.now_ms()
        out = []
        for record in records:
            if (
                record.status is S.PENDING
                and record.send_started_ms is None
                and record.due_ms <= now
            ):
                record = await self._send(record)
            out.append(record)
        return out

    def supersede(self, strategy: str, symbol: str, decision_id: str) -> list[OrderRecord]:
        """Give up the orders of ``strategy`` on ``symbol`` waiting for a re-send: a new
        decision, made from fresh exchange state, replaces them. Every attempt at them ended
        in an error proving nothing executed, so nothing is lost; sending them later, on
        top of the new decision, would trade an intent that no longer holds."""
        out = []
        for record in self.journal.store.orders(statuses=(S.PENDING,), symbol=symbol):
            if (
                record.strategy == strategy
                and record.send_started_ms is not None
                and record.purpose in _SUPERSEDABLE
            ):
                with decision_scope(record.decision_id):
                    out.append(self._give_up(record, f"superseded by decision {decision_id}"))
        return out

    async def send_due(self) -> None:
        """Send TWAP slices that have come due and re-sends scheduled after transient errors."""
        now = self.clock.now_ms()
        for record in self.journal.store.orders(statuses=(S.PENDING,)):
            first = record.send_started_ms is None and record.due_ms <= now
            retry = (
                record.send_started_ms is not None
                and record.next_action_ms is not None
                and record.next_action_ms <= now
            )
            if first or retry:
                await self._send(record)

    async def _send(self, record: OrderRecord) -> OrderRecord:
        with decision_scope(record.decision_id):
            return await self._send_in_scope(record)

    async def _send_in_scope(self, record: OrderRecord) -> OrderRecord:
        pause = self.journal.store.pause_state()
        if pause.paused and record.purpose is not Purpose.FLATTEN:
            return self._give_up(record, f"not sent: paused ({pause.reason})")
        if self.shadow:
            log_event(
                logger,
                "shadow_order",
                client_order_id=record.client_order_id,
                side=record.side,
                quantity=record.quantity,
                price=record.price,
            )
            return self._give_up(record, "shadow mode: decided, not sent")
        if (
            record.order_type is OrderType.MARKET
            and record.purpose in _GUARDED
            and record.send_attempts == 0
        ):
            guarded = await self._guard_slippage(record)
            if guarded is None or guarded.status is not S.PENDING:
                return guarded or record
            record = guarded
        record = self.journal.update(
            record,
            send_started_ms=self.clock.now_ms(),
            send_attempts=record.send_attempts + 1,
            next_action_ms=None,
        )
        crash_point("send_marked")
        request = self._request(record)
        log_event(
            logger,
            "order_send",
            client_order_id=record.client_order_id,
            attempt=record.send_attempts,
            symbol=record.symbol,
            side=record.side,
            type=record.order_type,
            quantity=record.quantity,
            price=record.price,
            reduce_only=record.reduce_only,
        )
        if self.metrics:
            self.metrics.orders_sent.labels(purpose=record.purpose.value).inc()
        try:
            order = await self.exchange.place_order(request)
        except Exception as exc:
            crash_point("send_failed")
            return await self._send_failed(record, exc)
        crash_point("sent")
        record = self.apply_report(record, order, Source.ACK, "acknowledged")
        crash_point("ack_recorded")
        return record

    async def _send_failed(self, record: OrderRecord, exc: Exception) -> OrderRecord:
        if isinstance(exc, DuplicateClientOrderId):
            record = self._to_unknown(record, f"duplicate client order id, so it landed: {exc}")
            if record.status is not S.UNKNOWN:
                return record
            record = self.journal.update(record, confirmed_landed=True)
            return await self._lookup(record)
        if isinstance(exc, OrderOutcomeUnknown):
            return self._to_unknown(record, f"outcome unknown: {exc}")
        if isinstance(exc, OrderRejected):
            return self._settle_send(record, S.REJECTED, f"rejected: {exc}")
        if isinstance(exc, TransientError):
            return self._retry_or_give_up(record, exc)
        if isinstance(exc, AuthenticationError):
            self.incidents.open("authentication", str(exc))
            return self._settle_send(record, S.REJECTED, f"auth refused: {exc}")
        if isinstance(exc, NotSupported):
            return self._settle_send(record, S.REJECTED, f"not supported: {exc}")
        logger.error("send failed unexpectedly; treating the outcome as unknown", exc_info=exc)
        return self._to_unknown(record, f"unexpected {type(exc).__name__}: {exc}")

    def _settle_send(
        self,
        record: OrderRecord,
        status: OrderStatus,
        reason: str,
        *,
        source: Source = Source.ACK,
        **changes: Any,
    ) -> OrderRecord:
        """Record a send's outcome, unless a stream report already moved the order on."""
        current = self.journal.current(record)
        if current.status is not S.PENDING:
            log_event(
                logger,
                "send_outcome_overtaken",
                client_order_id=record.client_order_id,
                journal=current.status,
                outcome=status,
                reason=reason,
            )
            return current
        return self.journal.transition(current, status, source, reason, **changes)

    async def _guard_slippage(self, record: OrderRecord) -> OrderRecord | None:
        instrument = self.instruments[record.symbol]
        try:
            book = await self.exchange.get_order_book(record.symbol, self.config.book_depth)
        except Exception as exc:
            return self._give_up(record, f"slippage guard: no order book ({exc})")
        verdict = guard_slippage(
            book,
            record.side,
            record.quantity,
            max_slippage_bps=self.config.max_slippage_bps,
            instrument=instrument,
        )
        log_event(
            logger,
            "slippage_guard",
            client_order_id=record.client_order_id,
            requested=record.quantity,
            allowed=verdict.quantity,
            expected_price=verdict.expected_price,
            slippage_bps=verdict.slippage_bps,
            reason=verdict.reason,
        )
        if verdict.refused:
            if self.metrics:
                self.metrics.skipped_decisions.labels(reason="slippage_guard").inc()
            return self._give_up(record, f"slippage guard: {verdict.reason}")
        if verdict.quantity < record.quantity:
            return self.journal.update(
                record,
                quantity=verdict.quantity,
                remaining_quantity=verdict.quantity,
                last_reason=f"slippage guard: {verdict.reason}",
            )
        return record

    def _request(self, record: OrderRecord) -> OrderRequest:
        return OrderRequest(
            symbol=record.symbol,
            side=record.side,
            type=record.order_type,
            quantity=record.quantity,
            price=record.price,
            stop_price=record.stop_price,
            reduce_only=record.reduce_only,
            post_only=record.post_only,
            client_order_id=record.client_order_id,
        )

    def _give_up(self, record: OrderRecord, reason: str) -> OrderRecord:
        """Close an order that was provably never sent."""
        return self._settle_send(record, S.REJECTED, reason, source=Source.LOCAL)

    def _retry_or_give_up(self, record: OrderRecord, exc: TransientError) -> OrderRecord:
        record = self.journal.current(record)
        if record.status is not S.PENDING:
            return record
        if record.send_attempts > self.config.transient_send_retries:
            return self._give_up(record, f"not executed, retries spent: {exc}")
        delay_s = 1.0 * record.send_attempts
        if isinstance(exc, RateLimited) and exc.retry_after_s:
            delay_s = max(delay_s, exc.retry_after_s)
        log_event(
            logger,
            "send_retry_scheduled",
            level=logging.WARNING,
            client_order_id=record.client_order_id,
            delay_s=delay_s,
            error=str(exc),
        )
        return self.journal.update(
            record,
            next_action_ms=self.clock.now_ms() + round(delay_s * 1000),
            last_reason=f"retry scheduled (same client order id): {exc}",
        )

    def _to_unknown(self, record: OrderRecord, reason: str) -> OrderRecord:
        record = self._settle_send(record, S.UNKNOWN, reason, source=Source.LOCAL)
        if record.status is not S.UNKNOWN:
            return record
        record = self.journal.update(record, next_action_ms=self._next_lookup_ms(record))
        crash_point("unknown_recorded")
        return record

    def apply_report(
        self, record: OrderRecord, order: Order, source: Source, reason: str, **changes: Any
    ) -> OrderRecord:
        """Apply an exchange report; an illegal transition becomes an incident, not a crash."""
        try:
            return self.journal.apply_exchange_order(record, order, source, reason, **changes)
        except IllegalTransition as exc:
            self.incidents.open(
                "illegal_transition", f"{record.client_order_id}: {exc} (exchange: {order.status})"
            )
            return record

    # -- settling unknown outcomes ------------------------------------------------------

    def _next_lookup_ms(self, record: OrderRecord) -> int:
        delays = self.config.lookup_delays_s or (1.0,)
        delay = delays[min(record.lookups, len(delays) - 1)]
        return self.clock.now_ms() + round(delay * 1000)

    async def recover(self) -> list[OrderRecord]:
        """At startup: every order that was pending or unknown is settled by lookup.

        A pending order may have been sent just before the crash (or just after its send
        mark was written), so it is treated exactly like an unknown outcome.
        """
        now = self.clock.now_ms()
        for record in self.journal.store.orders(statuses=(S.PENDING,)):
            reason = (
                "restart: intent journaled, no send recorded"
                if record.send_started_ms is None
                else "restart: send recorded, outcome not recorded"
            )
            self.journal.transition(record, S.UNKNOWN, Source.LOCAL, reason, next_action_ms=now)
        for record in self.journal.store.orders(statuses=(S.UNKNOWN,)):
            if record.next_action_ms is None or record.next_action_ms > now:
                self.journal.update(record, next_action_ms=now)
        return await self.resolve_unknown()

    async def resolve_unknown(self) -> list[OrderRecord]:
        """Look up every unknown order whose next lookup is due."""
        now = self.clock.now_ms()
        out = []
        for record in self.journal.store.orders(statuses=(S.UNKNOWN,)):
            if record.next_action_ms is None or record.next_action_ms <= now:
                with decision_scope(record.decision_id):
                    record = await self._lookup(record)
            out.append(record)
        if self.metrics:
            self.metrics.orders_unknown.set(sum(1 for r in out if r.status is S.UNKNOWN))
        return out

    async def _lookup(self, record: OrderRecord) -> OrderRecord:
        lookups = record.lookups + 1
        try:
            order = await self.exchange.get_order(
                record.symbol, client_order_id=record.client_order_id
            )
        except OrderNotFound:
            crash_point("lookup_answered")
            sent_ms = record.send_started_ms or record.created_ms
            window_over = self.clock.now_ms() - sent_ms >= self.config.visibility_window_s * 1000
            log_event(
                logger,
                "lookup_not_found",
                client_order_id=record.client_order_id,
                lookup=lookups,
                window_over=window_over,
            )
            if window_over and not record.confirmed_landed:
                return self.journal.transition(
                    record,
                    S.REJECTED,
                    Source.LOOKUP,
                    f"never landed: not found by client order id {lookups} lookup(s), "
                    f"{self.config.visibility_window_s}s after the send",
                    lookups=lookups,
                )
            return self._lookup_again(record, lookups, "not found yet")
        except Exception as exc:
            return self._lookup_again(record, lookups, f"lookup failed: {exc}")
        crash_point("lookup_answered")
        record = self.journal.current(record)
        if record.status is S.PENDING:
            record = self.journal.transition(record, S.UNKNOWN, Source.LOCAL, "looking up")
        if record.status is not S.UNKNOWN:
            return self.apply_report(record, order, Source.POLL, f"lookup #{lookups}")
        record = self.apply_report(
            record, order, Source.LOOKUP, f"resolved by lookup #{lookups}", lookups=lookups
        )
        crash_point("lookup_recorded")
        return record

    def _lookup_again(self, record: OrderRecord, lookups: int, why: str) -> OrderRecord:
        record = self.journal.update(record, lookups=lookups, last_reason=why)
        if lookups >= self.config.max_lookups:
            self.incidents.open(
                "unresolved_order",
                f"{record.client_order_id} on {record.symbol} still unknown after "
                f"{lookups} lookups ({why})",
                dedupe=f"{record.client_order_id} ",
            )
        return self.journal.update(record, next_action_ms=self._next_lookup_ms(record))

    # -- following and cancelling --------------------------------------------------------

    async def poll(self, symbols: list[str]) -> None:
        """Refresh every working order from the exchange (open list, then lookups)."""
        for symbol in symbols:
            working = self.journal.working(symbol)
            if not working:
                continue
            open_orders = await self.exchange.get_open_orders(symbol)
            by_cid = {o.client_order_id: o for o in open_orders if o.client_order_id}
            for record in working:
                with decision_scope(record.decision_id):
                    order = by_cid.get(record.client_order_id)
                    if order is not None:
                        self.apply_report(record, order, Source.POLL, "open-orders poll")
                        crash_point("status_recorded")
                        continue
                    try:
                        order = await self.exchange.get_order(
                            symbol, client_order_id=record.client_order_id
                        )
                    except OrderNotFound:
                        self.incidents.open(
                            "order_vanished",
                            f"{record.client_order_id} was {record.status.value} and the exchange "
                            "no longer knows it",
                        )
                        continue
                    self.apply_report(record, order, Source.POLL, "no longer open")
                    crash_point("status_recorded")

    async def cancel(self, record: OrderRecord, reason: str) -> OrderRecord:
        """Cancel one working order by client order id; the exchange's answer is applied."""
        if record.status not in (S.OPEN, S.PARTIALLY_FILLED):
            return record
        with decision_scope(record.decision_id):
            log_event(logger, "order_cancel", client_order_id=record.client_order_id, reason=reason)
            if self.shadow:
                return record
            try:
                order = await self.exchange.cancel_order(
                    record.symbol, client_order_id=record.client_order_id
                )
            except OrderNotFound:
                try:
                    order = await self.exchange.get_order(
                        record.symbol, client_order_id=record.client_order_id
                    )
                except Exception as exc:
                    log_event(logger, "cancel_unsettled", level=logging.WARNING, error=str(exc))
                    return record
            except Exception as exc:
                log_event(logger, "cancel_failed", level=logging.WARNING, error=str(exc))
                return record
            crash_point("cancel_sent")
            return self.apply_report(record, order, Source.POLL, f"cancel: {reason}")

    async def cancel_working(self, symbol: str | None, reason: str) -> None:
        """Cancel every working order of the bot (on ``symbol``, or everywhere)."""
        for record in self.journal.working(symbol):
            await self.cancel(record, reason)
