"""The bot: wires the seven layers together and runs one tick at a time.

Startup order matters: instruments, then settle every pending or unknown order by lookup,
then a full reconciliation, and only then the strategies. Each tick: heartbeat, the pause
flag, exchange state, order follow-up, account checks (daily loss and drawdown flatten
and halt), decisions, protective stops.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from enum import StrEnum

from exchangekit import ExchangeClient, ExchangeError, Instrument, OrderType, Side
from exchangekit.clock import Clock
from exchangekit_bot.account import AccountTracker
from exchangekit_bot.config import BotConfig
from exchangekit_bot.decision import DecisionRunner
from exchangekit_bot.execution.client_ids import OrderKey, check_streams_distinct
from exchangekit_bot.execution.executor import Executor
from exchangekit_bot.execution.fills import FillSync
from exchangekit_bot.execution.journal import OrderJournal
from exchangekit_bot.execution.planner import OrderPlan
from exchangekit_bot.execution.protective import ProtectiveStops
from exchangekit_bot.execution.streams import StreamFollower
from exchangekit_bot.incidents import IncidentDesk
from exchangekit_bot.intents import Purpose
from exchangekit_bot.killswitch import HEARTBEAT_KEY, PAUSE_SEEN_KEY, pause
from exchangekit_bot.leverage_state import LeverageKeeper
from exchangekit_bot.market_data import MarketDataFeed
from exchangekit_bot.market_streams import MarketCache
from exchangekit_bot.observability.heartbeat import Heartbeat
from exchangekit_bot.observability.logs import log_event, new_decision_id, set_log_clock
from exchangekit_bot.observability.metrics import BotMetrics
from exchangekit_bot.reconcile import Reconciler
from exchangekit_bot.risk.engine import RiskContext, RiskEngine
from exchangekit_bot.risk.snapshot import ExchangeSnapshot
from exchangekit_bot.storage.base import Storage
from exchangekit_bot.strategy.base import Strategy, build_strategy

__all__ = ["Bot", "BotStartError", "BotStreams", "Mode"]

logger = logging.getLogger("exchangekit_bot.bot")


class Mode(StrEnum):
    """How the bot runs. Backtest mode is a separate engine (``modes.backtest``)."""

    PAPER = "paper"
    LIVE = "live"
    SHADOW = "shadow"


class BotStartError(RuntimeError):
    """The bot refused to start (missing instruments, bad configuration)."""


class BotStreams:
    """The private follower and the market cache, run (and cancelled) together."""

    def __init__(self, private: StreamFollower, market: MarketCache) -> None:
        self.private = private
        self.market = market

    async def run(self) -> None:
        await asyncio.gather(self.private.run(), self.market.run())


class Bot:
    """One bot on one exchange account."""

    def __init__(
        self,
        config: BotConfig,
        exchange: ExchangeClient,
        store: Storage,
        clock: Clock,
        *,
        mode: Mode = Mode.PAPER,
        metrics: BotMetrics | None = None,
    ) -> None:
        self.config = config
        self.exchange = exchange
        self.store = store
        self.clock = clock
        self.mode = mode
        self.metrics = metrics or BotMetrics()
        set_log_clock(clock)
        self.strategies: list[Strategy] = [
            build_strategy(s, config.regime) for s in config.strategies
        ]
        self.settings = {s.name: s for s in config.strategies}
        self.symbols = [s.symbol for s in config.strategies]
        self.heartbeat = Heartbeat(
            clock, stall_after_s=config.observability.stall_after_s, metrics=self.metrics
        )
        self.incidents = IncidentDesk(store, clock, self.metrics)
        self.journal = OrderJournal(store, clock, prefix=config.execution.client_id_prefix)
        self.risk = RiskEngine(config.risk)
        self.account = AccountTracker(store, config.risk)
        self.market = MarketCache(
            exchange,
            clock,
            symbols=self.symbols,
            series=[(s.symbol, s.interval) for s in config.strategies],
            keep=config.run.candles_lookback,
        )
        """Tickers and candles from the public streams (followed with the private ones)."""
        self.instruments: dict[str, Instrument] = {}
        self.halted_reason: str | None = None
        self.ticks = 0
        self._last_reconcile = float("-inf")
        self._private_streams: StreamFollower | None = None
        self.started = False
        self.started_wiring = False

    # -- wiring ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Load instruments, settle unknown orders, reconcile; then strategies may run."""
        every = await self.exchange.load_instruments()
        missing = [s for s in self.symbols if s not in every]
        if missing:
            raise BotStartError(f"{self.exchange.name} does not list {missing}")
        self.instruments = {s: every[s] for s in self.symbols}
        check_streams_distinct(
            OrderKey(
                strategy=s.name,
                symbol=s.symbol,
                interval=s.interval,
                side=side,
                sequence=0,
                leg=leg,
            )
            for s in self.config.strategies
            for side in Side
            for leg in (p.value for p in Purpose)
        )
        cfg = self.config
        self.executor = Executor(
            self.exchange,
            self.journal,
            self.incidents,
            self.clock,
            cfg.execution,
            instruments=self.instruments,
            metrics=self.metrics,
            shadow=self.mode is Mode.SHADOW,
        )
        self.fill_sync = FillSync(
            self.exchange,
            self.store,
            self.clock,
            prefix=cfg.execution.client_id_prefix,
            metrics=self.metrics,
        )
        self.reconciler = Reconciler(
            self.executor,
            self.fill_sync,
            self.incidents,
            symbols=self.symbols,
            prefix=cfg.execution.client_id_prefix,
            tolerance=cfg.run.position_tolerance,
            refresh=self.snapshot,
            metrics=self.metrics,
        )
        self.started_wiring = True
        self.stops = ProtectiveStops(self.executor, cfg.execution, halt=self.halt)
        self.leverage = LeverageKeeper(self.exchange, self.store, cfg.leverage)
        feed = MarketDataFeed(
            self.exchange, self.clock, limits=cfg.risk, run=cfg.run, cache=self.market
        )
        self.decisions = DecisionRunner(
            cfg,
            feed,
            self.risk,
            self.executor,
            self.metrics,
            context=self.risk_context,
            refresh=self.snapshot,
        )
        log_event(
            logger,
            "bot_starting",
            mode=self.mode,
            exchange=self.exchange.name,
            symbols=self.symbols,
            paused=self.store.pause_state().paused,
        )
        await self.executor.recover()
        snapshot = await self.snapshot()
        await self.reconciler.run(snapshot)
        self._last_reconcile = self.clock.monotonic()
        for settings in cfg.strategies:
            if settings.protective_stop_pct is not None and not self.stops.supported(
                snapshot, settings
            ):
                log_event(
                    logger,
                    "no_exchange_side_stop",
                    level=logging.WARNING,
                    strategy=settings.name,
                    symbol=settings.symbol,
                    reason="spot market or adapter without reduce-only stop orders",
                )
        self.started = True

    async def snapshot(self) -> ExchangeSnapshot:
        """Read balances, positions, open orders and tickers from the exchange."""
        caps = self.exchange.capabilities
        balances = await self.exchange.get_balances()
        positions = await self.exchange.get_positions() if caps.positions else []
        # Per symbol: the bot reconciles only its own symbols, and an all-symbols list costs
        # far more request weight (Binance: 40 against 1 per symbol on futures, 80 on spot).
        open_orders = [o for s in self.symbols for o in await self.exchange.get_open_orders(s)]
        tickers = {s: await self.market.ticker(s) for s in self.symbols}
        return ExchangeSnapshot(
            exchange=self.exchange.name,
            fetched_ms=self.clock.now_ms(),
            quote_asset=self.config.exchange.quote_asset,
            instruments=self.instruments,
            balances=tuple(balances),
            positions=tuple(p for p in positions if p.symbol in self.instruments),
            open_orders=tuple(open_orders),
            tickers=tickers,
            baselines=self.reconciler.spot_baselines(self.instruments)
            if self.started_wiring
            else {},
        )

    def request_reconcile(self, why: str) -> None:
        """Reconcile at the next tick (the private stream lost messages, say)."""
        log_event(logger, "reconcile_requested", reason=why)
        self._last_reconcile = float("-inf")

    def stream_follower(self) -> BotStreams:
        """Every stream the bot follows (started by the runner): the private order and fill
        streams, and the public ticker and candle streams that feed :attr:`market`."""
        private = StreamFollower(
            self.exchange,
            self.executor,
            self.fill_sync,
            on_gap=self.request_reconcile,
            metrics=self.metrics,
        )
        self._private_streams = private
        return BotStreams(private, self.market)

    def risk_context(self) -> RiskContext:
        now = self.clock.now_ms()
        return RiskContext(
            now_ms=now,
            paused=self.store.pause_state().paused,
            halted_reason=self.halted_reason,
            open_incidents=self.incidents.open_count(),
            unknown_orders=self.journal.unknown_by_symbol(),
            orders_last_minute=self.journal.sent_since(now - 60_000),
            pending=self.journal.pending_by_symbol(),
        )

    # -- the loop body --------------------------------------------------------------------

    async def tick(self) -> None:
        """One pass of the pipeline. Exchange errors skip the tick (fail-closed)."""
        self.heartbeat.beat()
        self.ticks += 1
        try:
            await self._tick()
        except ExchangeError as exc:
            self.metrics.skipped_decisions.labels(reason="exchange_error").inc()
            self.metrics.reconnects.inc()
            log_event(
                logger, "tick_skipped", level=logging.WARNING, error=f"{type(exc).__name__}: {exc}"
            )
        self._export_rate_limits()

    async def _tick(self) -> None:
        paused = self.store.pause_state()
        self.metrics.paused.set(1 if paused.paused else 0)
        # Ticks run one after another, so at the start of this one nothing this bot sent
        # is still in flight: tell a waiting kill switch that the pause has taken hold.
        self.store.put_value(HEARTBEAT_KEY, str(self.clock.now_ms()))
        if paused.paused and self.store.get_value(PAUSE_SEEN_KEY) != str(paused.since_ms):
            self.store.put_value(PAUSE_SEEN_KEY, str(paused.since_ms))
            log_event(logger, "pause_seen", reason=paused.reason, by=paused.by)
        await self.executor.resolve_unknown()
        await self.executor.send_due()
        reconcile_due = (
            self.clock.monotonic() - self._last_reconcile >= self.config.run.reconcile_every_s
        )
        # With the private streams live, orders and fills arrive as they happen: they are
        # polled only on the reconciliation's ticks (its timer, or after a gap/reconnect).
        streams = self._private_streams
        if streams is None or not streams.live or reconcile_due:
            await self.executor.poll(self.symbols)
            for symbol in self.symbols:
                for fill in await self.fill_sync.sync(symbol):
                    self.incidents.open(
                        "orphan_fill",
                        f"fill {fill.trade_id} of unknown own order {fill.client_order_id}",
                    )
        snapshot = await self.snapshot()
        if reconcile_due:
            await self.reconciler.run(snapshot)
            self._last_reconcile = self.clock.monotonic()
        verdict = self.account.observe(snapshot.equity(), snapshot.fetched_ms)
        if verdict.equity is not None:
            self.metrics.set_money(self.metrics.equity, verdict.equity)
            pnl = self.account.pnl(verdict.equity)
            if pnl is not None:
                self.metrics.set_money(self.metrics.pnl, pnl)
        self.metrics.set_money(self.metrics.drawdown, verdict.drawdown)
        if verdict.halt and not paused.paused:
            await self.halt(verdict.reason, snapshot)
            return
        if paused.paused:
            self.metrics.skipped_decisions.labels(reason="paused").inc()
            return
        for strategy in self.strategies:
            settings = self.settings[strategy.name]
            snapshot = await self.decisions.run(
                strategy, settings, self.instruments[strategy.symbol], snapshot
            )
        for settings in self.config.strategies:
            await self.stops.maintain(settings, snapshot)
            await self.leverage.update(
                settings, self.instruments[settings.symbol], drawdown=verdict.drawdown
            )

    def _export_rate_limits(self) -> None:
        usage_of = getattr(self.exchange, "rate_limit_usage", None)
        if not callable(usage_of):
            limiter = getattr(self.exchange, "rate_limiter", None) or getattr(
                self.exchange, "limiter", None
            )
            usage_of = getattr(limiter, "snapshot", None)
        if not callable(usage_of):
            return
        for name, usage in usage_of().items():
            if getattr(usage, "limit", 0):
                self.metrics.rate_limit_usage.labels(pool=name).set(usage.used / usage.limit)

    # -- halting --------------------------------------------------------------------------

    async def halt(self, reason: str, snapshot: ExchangeSnapshot | None = None) -> None:
        """Cancel the bot's orders, flatten its positions, then pause (persistently)."""
        self.halted_reason = reason
        self.incidents.open("halt", reason)
        log_event(logger, "halting", level=logging.CRITICAL, reason=reason)
        await self.executor.cancel_working(None, f"halt: {reason}")
        snapshot = snapshot or await self.snapshot()
        decision_id = new_decision_id()
        for settings in self.config.strategies:
            instrument = self.instruments[settings.symbol]
            position = snapshot.position(settings.symbol)  # spot: less the baseline
            if not instrument.kind.is_derivative:
                position = max(position, Decimal(0))
            quantity = instrument.floor_quantity(abs(position), market=True)
            if quantity <= 0 or quantity < instrument.min_quantity:
                continue
            side = Side.SELL if position > 0 else Side.BUY
            plan = OrderPlan(
                key=OrderKey(
                    strategy=settings.name,
                    symbol=settings.symbol,
                    interval=settings.interval,
                    side=side,
                    sequence=self.clock.now_ms() // 1000,
                    leg="flatten",
                ),
                purpose=Purpose.FLATTEN,
                order_type=OrderType.MARKET,
                quantity=quantity,
                reduce_only=instrument.kind.is_derivative,
                due_ms=self.clock.now_ms(),
                market_ts_ms=snapshot.fetched_ms,
            )
            await self.executor.submit([plan], decision_id)
        pause(self.store, f"halt: {reason}", by="bot", ts_ms=self.clock.now_ms())
