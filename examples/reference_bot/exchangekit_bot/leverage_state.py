"""Applies the dynamic leverage rule once per bar and persists it across restarts."""

from __future__ import annotations

import logging
from decimal import Decimal

import msgspec

from exchangekit import ExchangeClient, Instrument
from exchangekit_bot.config import LeverageConfig, StrategyConfig
from exchangekit_bot.intents import interval_ms
from exchangekit_bot.observability.logs import log_event
from exchangekit_bot.storage.base import Storage
from exchangekit_bot.strategy.leverage import next_leverage
from exchangekit_bot.strategy.regime import realized_volatility

__all__ = ["LeverageKeeper", "LeverageState"]

logger = logging.getLogger("exchangekit_bot.leverage")


class LeverageState(msgspec.Struct, frozen=True, kw_only=True):
    """What is persisted per symbol: the leverage in force and the bar it was set on."""

    leverage: Decimal
    bar: int


class LeverageKeeper:
    """Recomputes leverage on each new bar for derivatives strategies, when enabled."""

    def __init__(self, exchange: ExchangeClient, store: Storage, config: LeverageConfig) -> None:
        self.exchange = exchange
        self.store = store
        self.config = config

    def state(self, symbol: str) -> LeverageState | None:
        raw = self.store.get_value(f"leverage:{symbol}")
        return None if raw is None else msgspec.json.decode(raw, type=LeverageState)

    def win_rate(self, symbol: str, last: int = 20) -> Decimal | None:
        outcomes = [
            f.realized_pnl
            for f in self.store.fills(symbol=symbol)
            if f.realized_pnl is not None and f.realized_pnl != 0
        ][-last:]
        if not outcomes:
            return None
        return Decimal(sum(1 for p in outcomes if p > 0)) / Decimal(len(outcomes))

    async def update(
        self, settings: StrategyConfig, instrument: Instrument, *, drawdown: Decimal
    ) -> Decimal | None:
        """Set a new leverage if a new bar closed since the last update."""
        if not (
            self.config.enabled
            and instrument.kind.is_derivative
            and self.exchange.capabilities.set_leverage
        ):
            return None
        candles = await self.exchange.get_candles(settings.symbol, settings.interval, limit=60)
        if not candles:
            return None
        bar = candles[-1].open_ms // interval_ms(settings.interval)
        previous = self.state(settings.symbol)
        if previous is not None and previous.bar >= bar:
            return previous.leverage
        decision = next_leverage(
            self.config,
            previous=previous.leverage if previous else None,
            realized_volatility=realized_volatility([c.close for c in candles]),
            drawdown=drawdown,
            win_rate=self.win_rate(settings.symbol),
        )
        if previous is None or decision.leverage != previous.leverage:
            await self.exchange.set_leverage(settings.symbol, decision.leverage)
            log_event(
                logger,
                "leverage_set",
                symbol=settings.symbol,
                leverage=decision.leverage,
                volatility_factor=decision.volatility_factor,
                drawdown_factor=decision.drawdown_factor,
                performance_factor=decision.performance_factor,
            )
        state = LeverageState(leverage=decision.leverage, bar=bar)
        self.store.put_value(f"leverage:{settings.symbol}", msgspec.json.encode(state).decode())
        return decision.leverage
