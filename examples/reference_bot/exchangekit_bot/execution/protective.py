"""Exchange-side protective stops, and what happens when one cannot be placed.

After an entry fills on a derivative, the position gets a reduce-only ``stop_market`` for
its whole size, ``protective_stop_pct`` beyond the exchange's entry price. The stop is
replaced when the position size changes and cancelled when the position is flat.

Failure policy (a decision, not a log line): a stop that is rejected, or that never landed,
counts as a failed attempt; the next tick tries again with a new client order id. After
``stop_retry_budget`` consecutive failures the position is flattened with a reduce-only
market order and the bot halts (persistent pause plus an incident): an unprotected
position is not left running.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal

from exchangekit import OrderStatus, OrderType, Side
from exchangekit_bot.config import ExecutionConfig, StrategyConfig
from exchangekit_bot.execution.client_ids import OrderKey
from exchangekit_bot.execution.executor import Executor
from exchangekit_bot.execution.planner import OrderPlan
from exchangekit_bot.intents import Purpose
from exchangekit_bot.observability.logs import log_event, new_decision_id
from exchangekit_bot.risk.snapshot import ExchangeSnapshot
from exchangekit_bot.storage.records import OrderRecord

__all__ = ["ProtectiveStops", "consecutive_failures"]

logger = logging.getLogger("exchangekit_bot.stops")
S = OrderStatus
_LIVE = (S.PENDING, S.UNKNOWN, S.OPEN, S.PARTIALLY_FILLED)


def consecutive_failures(stops: list[OrderRecord]) -> int:
    """Rejected stops since the last one that was accepted (oldest-first input)."""
    count = 0
    for record in reversed(stops):
        if record.status is not S.REJECTED:
            break
        count += 1
    return count


class ProtectiveStops:
    """Keeps one protective stop per strategy position, within a retry budget."""

    def __init__(
        self,
        executor: Executor,
        config: ExecutionConfig,
        *,
        halt: Callable[[str], Awaitable[None]],
    ) -> None:
        self.executor = executor
        self.journal = executor.journal
        self.config = config
        self.halt = halt

    def supported(self, snapshot: ExchangeSnapshot, strategy: StrategyConfig) -> bool:
        """Whether an exchange-side stop can be placed for ``strategy``."""
        caps = self.executor.exchange.capabilities
        instrument = snapshot.instruments.get(strategy.symbol)
        return (
            strategy.protective_stop_pct is not None
            and instrument is not None
            and instrument.kind.is_derivative
            and caps.stop_orders
            and caps.reduce_only
            and OrderType.STOP_MARKET in caps.order_types
        )

    async def maintain(self, strategy: StrategyConfig, snapshot: ExchangeSnapshot) -> None:
        """Place, replace or cancel the stop so it matches the exchange position."""
        if not self.supported(snapshot, strategy) or strategy.protective_stop_pct is None:
            return
        symbol = strategy.symbol
        position = snapshot.position(symbol)
        history = [
            r
            for r in self.journal.store.orders(strategy=strategy.name, symbol=symbol)
            if r.purpose is Purpose.STOP
        ]
        live = [r for r in history if r.status in _LIVE]
        if any(r.status in (S.PENDING, S.UNKNOWN) for r in live):
            return  # settle the one in flight before deciding anything else
        want_side = Side.SELL if position > 0 else Side.BUY
        keep = [
            r
            for r in live
            if position != 0 and r.side is want_side and r.remaining_quantity == abs(position)
        ]
        for record in live:
            if record not in keep[:1]:
                await self.executor.cancel(record, "protective stop no longer matches the position")
        if position == 0 or keep:
            return
        failures = consecutive_failures(history)
        if failures >= self.config.stop_retry_budget:
            await self.halt(
                f"protective stop for {symbol} failed {failures} time(s); position flattened"
            )
            return
        await self._place(strategy, snapshot, position, want_side, len(history) + 1)

    async def _place(
        self,
        strategy: StrategyConfig,
        snapshot: ExchangeSnapshot,
        position: Decimal,
        side: Side,
        sequence: int,
    ) -> None:
        pct = strategy.protective_stop_pct
        if pct is None:
            return
        instrument = snapshot.instruments[strategy.symbol]
        reference = snapshot.entry_price(strategy.symbol) or snapshot.mid(strategy.symbol)
        if reference is None:
            return
        offset = 1 - pct if position > 0 else 1 + pct
        stop_price = instrument.round_price(reference * offset)
        entries = [
            r
            for r in self.journal.store.orders(strategy=strategy.name, symbol=strategy.symbol)
            if r.purpose is Purpose.ENTRY and r.filled_quantity > 0
        ]
        decision_id = entries[-1].decision_id if entries else new_decision_id()
        plan = OrderPlan(
            key=OrderKey(
                strategy=strategy.name,
                symbol=strategy.symbol,
                interval=strategy.interval,
                side=side,
                sequence=sequence,
                leg="stop",
            ),
            purpose=Purpose.STOP,
            order_type=OrderType.STOP_MARKET,
            quantity=instrument.floor_quantity(abs(position), market=True),
            stop_price=stop_price,
            reduce_only=True,
            due_ms=self.executor.clock.now_ms(),
            market_ts_ms=snapshot.fetched_ms,
        )
        (record,) = await self.executor.submit([plan], decision_id)
        log_event(
            logger,
            "protective_stop",
            client_order_id=record.client_order_id,
            status=record.status,
            stop_price=stop_price,
            quantity=plan.quantity,
            attempt=sequence,
        )
