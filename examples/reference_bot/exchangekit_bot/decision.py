"""One decision, end to end: market data -> strategy -> risk -> execution.

Everything logged inside carries one decision id, from the signal through the risk checks
and the orders to their acknowledgements (fills found later carry it too, through the
journal).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from exchangekit import Instrument
from exchangekit_bot.config import BotConfig, StrategyConfig
from exchangekit_bot.execution.client_ids import is_own_client_order_id
from exchangekit_bot.execution.executor import Executor
from exchangekit_bot.execution.planner import plan_orders
from exchangekit_bot.intents import IntentKind, PositionState
from exchangekit_bot.market_data import MarketDataFeed, MarketDataSkip
from exchangekit_bot.observability.logs import decision_scope, log_event, new_decision_id
from exchangekit_bot.observability.metrics import BotMetrics
from exchangekit_bot.risk.engine import RiskContext, RiskEngine
from exchangekit_bot.risk.snapshot import ExchangeSnapshot
from exchangekit_bot.storage.records import RiskRejection
from exchangekit_bot.strategy.base import Strategy

__all__ = ["DecisionRunner"]

logger = logging.getLogger("exchangekit_bot.decision")


class DecisionRunner:
    """Runs the decision pipeline for one strategy at a time."""

    def __init__(
        self,
        config: BotConfig,
        feed: MarketDataFeed,
        risk: RiskEngine,
        executor: Executor,
        metrics: BotMetrics,
        *,
        context: Callable[[], RiskContext],
        refresh: Callable[[], Awaitable[ExchangeSnapshot]],
    ) -> None:
        self.config = config
        self.feed = feed
        self.risk = risk
        self.executor = executor
        self.store = executor.journal.store
        self.metrics = metrics
        self.context = context
        self.refresh = refresh

    def _skip(self, reason: str, **fields: Any) -> None:
        self.metrics.skipped_decisions.labels(reason=reason).inc()
        log_event(logger, "decision_skipped", reason=reason, **fields)

    def _position(self, strategy: Strategy, snapshot: ExchangeSnapshot) -> PositionState:
        prefix = self.config.execution.client_id_prefix
        own = tuple(
            o
            for o in snapshot.open_orders
            if o.symbol == strategy.symbol
            and is_own_client_order_id(o.client_order_id, prefix=prefix)
            and not o.type.is_conditional
        )
        return PositionState(
            symbol=strategy.symbol,
            quantity=snapshot.position(strategy.symbol),
            entry_price=snapshot.entry_price(strategy.symbol),
            open_orders=own,
            equity=snapshot.equity() or Decimal(0),
        )

    async def run(
        self,
        strategy: Strategy,
        settings: StrategyConfig,
        instrument: Instrument,
        snapshot: ExchangeSnapshot,
    ) -> ExchangeSnapshot:
        """Decide and act for ``strategy``; returns the (possibly refreshed) snapshot."""
        clock = self.executor.clock
        started = clock.monotonic()
        decision_id = new_decision_id()
        with decision_scope(decision_id):
            market = await self.feed.fetch(strategy.symbol, strategy.interval, instrument)
            if isinstance(market, MarketDataSkip):
                self._skip(market.reason, strategy=strategy.name, detail=market.detail)
                return snapshot
            self.executor.supersede(strategy.name, strategy.symbol, decision_id)
            intents = strategy.decide(market, self._position(strategy, snapshot))
            for intent in intents:
                log_event(
                    logger,
                    "signal",
                    strategy=strategy.name,
                    symbol=intent.symbol,
                    kind=intent.kind,
                    quantity=intent.quantity,
                    price=intent.price,
                    purpose=intent.purpose,
                    reason=intent.reason,
                    market_ts_ms=intent.market_ts_ms,
                    sequence=intent.sequence,
                )
                if intent.kind is IntentKind.HOLD:
                    continue
                verdict = self.risk.check(intent, snapshot, self.context())
                log_event(
                    logger,
                    "risk_check",
                    allowed=verdict.allowed,
                    check=verdict.check,
                    reason=verdict.reason,
                    kind=intent.kind,
                )
                if not verdict.allowed:
                    self.store.record_rejection(
                        RiskRejection(
                            decision_id=decision_id,
                            ts_ms=clock.now_ms(),
                            strategy=strategy.name,
                            symbol=intent.symbol,
                            check=verdict.check,
                            reason=verdict.reason,
                        )
                    )
                    self.metrics.risk_rejections.labels(check=verdict.check).inc()
                    self._skip(verdict.check, strategy=strategy.name)
                    continue
                if intent.kind is IntentKind.CANCEL:
                    record = self.store.get_order(intent.client_order_id or "")
                    if record is not None:
                        await self.executor.cancel(record, intent.reason)
                    continue
                reference = snapshot.mid(intent.symbol) or market.mid
                if reference is None:
                    continue
                plans = plan_orders(
                    intent,
                    instrument,
                    self.config.execution,
                    now_ms=clock.now_ms(),
                    reference_price=reference,
                )
                if not plans:
                    self._skip("below_minimum_size", strategy=strategy.name)
                    continue
                await self.executor.submit(plans, decision_id)
                # The next intent of this decision is checked against fresh exchange state.
                snapshot = await self.refresh()
            self.metrics.decision_latency.observe(clock.monotonic() - started)
        return snapshot
