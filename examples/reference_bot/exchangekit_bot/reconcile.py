"""Reconciliation: the exchange is the source of truth; the journal is brought in line.

Run at startup before any strategy decides, then on a timer. Differences are sorted:

unambiguous, applied and logged
    a journaled order whose status or fills moved on the exchange; an unknown order that
    appears in the open-orders list; fills of journaled orders that were not recorded yet.

ambiguous, an incident (the strategies pause until an operator resumes)
    an open order or a fill with this bot's client-id shape that the journal does not know;
    an order the journal holds as final that the exchange lists as open; a position that
    differs from "baseline + recorded fills" on two reconciliations in a row (one
    difference may be a fill in flight between the two reads).

The position baseline is the exchange position when the bot first ran (and again after an
operator's ``resume``); the expected position is that plus every recorded fill since.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal

import msgspec

from exchangekit import ExchangeError, Instrument, Order, OrderStatus
from exchangekit_bot.crash import crash_point
from exchangekit_bot.execution.client_ids import is_own_client_order_id
from exchangekit_bot.execution.executor import Executor
from exchangekit_bot.execution.fills import FillSync
from exchangekit_bot.execution.journal import exchange_status
from exchangekit_bot.execution.state_machine import Source
from exchangekit_bot.incidents import IncidentDesk
from exchangekit_bot.observability.logs import log_event
from exchangekit_bot.observability.metrics import BotMetrics
from exchangekit_bot.risk.snapshot import ExchangeSnapshot
from exchangekit_bot.storage.base import Storage

__all__ = ["REBASELINE_KEY", "Baseline", "ReconcileReport", "Reconciler"]

logger = logging.getLogger("exchangekit_bot.reconcile")
REBASELINE_KEY = "rebaseline"
ZERO = Decimal(0)


class Baseline(msgspec.Struct, frozen=True, kw_only=True):
    """The exchange position of a symbol, read right after the fills recorded up to
    ``fill_mark``; fills recorded after the mark explain every later change."""

    quantity: Decimal
    ts_ms: int
    fill_mark: int


class ReconcileReport(msgspec.Struct, kw_only=True):
    """What one reconciliation found and did."""

    applied: list[str] = msgspec.field(default_factory=list)
    incidents: list[str] = msgspec.field(default_factory=list)
    position_differences: dict[str, Decimal] = msgspec.field(default_factory=dict)


class Reconciler:
    """Compares exchange state with the journal and acts on the differences."""

    def __init__(
        self,
        executor: Executor,
        fill_sync: FillSync,
        incidents: IncidentDesk,
        *,
        symbols: list[str],
        prefix: str,
        tolerance: Decimal,
        refresh: Callable[[], Awaitable[ExchangeSnapshot]],
        metrics: BotMetrics | None = None,
    ) -> None:
        self.executor = executor
        self.journal = executor.journal
        self.store: Storage = executor.journal.store
        self.fill_sync = fill_sync
        self.incidents = incidents
        self.symbols = symbols
        self.prefix = prefix
        self.tolerance = tolerance
        self.refresh = refresh
        self.metrics = metrics

    async def run(self, snapshot: ExchangeSnapshot) -> ReconcileReport:
        """One full pass: orders, fills, then positions."""
        report = ReconcileReport()
        await self.executor.resolve_unknown()
        await self._open_orders(snapshot, report)
        await self.executor.poll(self.symbols)
        crash_point("reconcile_orders")
        for symbol in self.symbols:
            for fill in await self.fill_sync.sync(symbol):
                detail = f"fill {fill.trade_id} of unknown own order {fill.client_order_id}"
                self.incidents.open("orphan_fill", detail)
                report.incidents.append(detail)
        crash_point("reconcile_fills")
        await self._positions(snapshot, report)
        log_event(
            logger,
            "reconciled",
            applied=len(report.applied),
            incidents=len(report.incidents),
            differences={k: str(v) for k, v in report.position_differences.items()},
        )
        return report

    async def _open_orders(self, snapshot: ExchangeSnapshot, report: ReconcileReport) -> None:
        for order in snapshot.open_orders:
            cid = order.client_order_id
            if (
                cid is None
                or order.symbol not in self.symbols
                or not is_own_client_order_id(cid, prefix=self.prefix)
            ):
                continue
            record = self.store.get_order(cid)
            if record is None:
                detail = f"open order {cid} on {order.symbol} is not in the journal"
                self.incidents.open("orphan_order", detail)
                report.incidents.append(detail)
            elif record.status is OrderStatus.UNKNOWN:
                # Being listed open is the answer a lookup would give.
                self.executor.apply_report(record, order, Source.LOOKUP, "found in open orders")
                report.applied.append(f"{cid}: unknown -> listed open")
            elif record.status.is_terminal and not await self._closed_since(order):
                detail = f"journal holds {cid} as {record.status.value}; exchange lists it open"
                self.incidents.open("journal_conflict", detail)
                report.incidents.append(detail)

    async def _closed_since(self, listed: Order) -> bool:
        """True when the exchange, asked again, no longer has ``listed`` open: the list was
        read before a fill or cancel the journal has already recorded (from the stream)."""
        try:
            order = await self.executor.exchange.get_order(
                listed.symbol, client_order_id=listed.client_order_id
            )
        except ExchangeError:
            return False
        return exchange_status(order).is_terminal

    def spot_baselines(self, instruments: dict[str, Instrument]) -> dict[str, Decimal]:
        """Baseline quantities of the spot symbols (holdings the bot did not build)."""
        out: dict[str, Decimal] = {}
        for symbol in self.symbols:
            instrument = instruments.get(symbol)
            base = self.baseline(symbol)
            if instrument is not None and not instrument.kind.is_derivative and base is not None:
                out[symbol] = base.quantity
        return out

    def baseline(self, symbol: str) -> Baseline | None:
        raw = self.store.get_value(f"baseline:{symbol}")
        return None if raw is None else msgspec.json.decode(raw, type=Baseline)

    async def set_baselines(self, *, only_missing: bool) -> None:
        """Take the exchange positions, read now (after the fill sync), as baselines."""
        symbols = [s for s in self.symbols if not (only_missing and self.baseline(s) is not None)]
        if not symbols:
            return
        # Sync, mark, read: a fill landing between the sync and the read would be counted
        # twice (in the position and again after the mark), so keep that window short.
        for symbol in symbols:
            await self.fill_sync.sync(symbol)
        mark = self.store.fill_mark()
        snapshot = await self.refresh()
        for symbol in symbols:
            base = Baseline(
                quantity=snapshot.holding(symbol), ts_ms=snapshot.fetched_ms, fill_mark=mark
            )
            self.store.put_value(f"baseline:{symbol}", msgspec.json.encode(base).decode())
            self.store.put_value(f"mismatch:{symbol}", "0")
            crash_point("baseline_recorded")
            log_event(logger, "baseline", symbol=symbol, quantity=base.quantity, fill_mark=mark)

    def expected_position(self, symbol: str, snapshot: ExchangeSnapshot) -> Decimal | None:
        """Baseline plus fills recorded since, less fees paid in the base asset (spot)."""
        base = self.baseline(symbol)
        if base is None:
            return None
        instrument = snapshot.instruments.get(symbol)
        spot_base = None if instrument is None or instrument.kind.is_derivative else instrument.base
        expected = base.quantity
        for fill in self.store.fills(symbol=symbol, after_mark=base.fill_mark):
            expected += fill.side.sign * fill.quantity
            if spot_base is not None and fill.fee_asset == spot_base:
                expected -= fill.fee
        return expected

    async def _positions(self, snapshot: ExchangeSnapshot, report: ReconcileReport) -> None:
        rebaseline = self.store.get_value(REBASELINE_KEY) == "1"
        await self.set_baselines(only_missing=not rebaseline)
        if rebaseline:
            self.store.put_value(REBASELINE_KEY, "0")
        for symbol in self.symbols:
            expected = self.expected_position(symbol, snapshot)
            if expected is None:
                continue
            difference = snapshot.holding(symbol) - expected
            report.position_differences[symbol] = difference
            if self.metrics:
                self.metrics.balance_difference.labels(symbol=symbol).set(float(difference))
            key = f"mismatch:{symbol}"
            if abs(difference) <= self.tolerance:
                self.store.put_value(key, "0")
                continue
            streak = int(self.store.get_value(key) or "0") + 1
            self.store.put_value(key, str(streak))
            log_event(
                logger,
                "position_difference",
                level=logging.WARNING,
                symbol=symbol,
                exchange=snapshot.holding(symbol),
                expected=expected,
                streak=streak,
            )
            if streak >= 2:
                detail = (
                    f"{symbol}: exchange position {snapshot.holding(symbol)} vs "
                    f"{expected} expected from the journal"
                )
                self.incidents.open("position_mismatch", detail, dedupe=f"{symbol}:")
                report.incidents.append(detail)
