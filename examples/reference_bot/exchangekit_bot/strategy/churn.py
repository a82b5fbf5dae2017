"""A test strategy that trades every few seconds: for chaos tests and demos, not for money.

Every ``period_s`` it draws a target position of ``level x size`` (``level`` in
``-max_level..max_level``; never below zero on spot or without ``allow_short``) from a hash
of its name and the period number, and trades the difference with market orders. The draw
is a pure function of the period, so the same period after a restart wants the same
target and reuses the same client order ids: exactly what the chaos tests need to prove
that a restarted bot neither loses nor repeats an order. Targets beyond the risk limits are
meant to happen: the risk layer must refuse them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

import msgspec

from exchangekit_bot.config import RegimeConfig, StrategyConfig
from exchangekit_bot.intents import Intent, IntentKind, MarketState, PositionState, Purpose
from exchangekit_bot.strategy.base import StrategyError, convert_params, register_strategy

__all__ = ["ChurnParams", "ChurnStrategy"]

ZERO = Decimal(0)


class ChurnParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of :class:`ChurnStrategy`."""

    notional: Decimal = Decimal(100)
    """Size of one level, in the quote asset."""
    period_s: int = 2
    max_level: int = 3
    allow_short: bool = False


class ChurnStrategy:
    """Trades toward a pseudo-random target position every ``period_s`` seconds."""

    def __init__(self, config: StrategyConfig, regime: RegimeConfig) -> None:
        self.name = config.name
        self.symbol = config.symbol
        self.interval = config.interval
        self.params = convert_params(config.params, ChurnParams, config.name)
        if self.params.period_s < 1 or self.params.max_level < 1:
            raise StrategyError(f"strategy {self.name}: need period_s >= 1 and max_level >= 1")

    def level(self, sequence: int) -> int:
        """The target level of period ``sequence`` (a pure function of name and period)."""
        p = self.params
        digest = hashlib.blake2b(f"{self.name}:{sequence}".encode(), digest_size=4).digest()
        low = -p.max_level if p.allow_short else 0
        return low + int.from_bytes(digest, "big") % (p.max_level - low + 1)

    def decide(self, market: MarketState, position: PositionState) -> Sequence[Intent]:
        p = self.params
        ticker = market.ticker
        mid = market.mid
        if ticker is None or mid is None or mid <= 0:
            return [self._intent(IntentKind.HOLD, ZERO, Purpose.ENTRY, "no price", 0, 0)]
        ts = ticker.timestamp_ms
        sequence = ts // (p.period_s * 1000)
        instrument = market.instrument
        size = instrument.floor_quantity(p.notional / mid)
        level = self.level(sequence)
        if not instrument.kind.is_derivative:
            level = max(level, 0)
        target = level * size
        change = target - position.quantity
        step = instrument.floor_quantity(abs(change), market=True)
        why = f"period {sequence}: target level {level} ({target})"
        if step < max(instrument.min_quantity, instrument.step_size) or step * mid < (
            instrument.min_notional or ZERO
        ):
            return [self._intent(IntentKind.HOLD, ZERO, Purpose.ENTRY, why, ts, sequence)]
        side = IntentKind.BUY if change > 0 else IntentKind.SELL
        reduces = abs(target) < abs(position.quantity) and target * position.quantity >= 0
        purpose = Purpose.EXIT if reduces else Purpose.ENTRY
        return [self._intent(side, step, purpose, why, ts, sequence)]

    def _intent(
        self,
        kind: IntentKind,
        quantity: Decimal,
        purpose: Purpose,
        reason: str,
        ts: int,
        sequence: int,
    ) -> Intent:
        return Intent(
            kind=kind,
            strategy=self.name,
            symbol=self.symbol,
            interval=self.interval,
            reason=reason,
            market_ts_ms=ts,
            sequence=sequence,
            quantity=quantity,
            purpose=purpose,
        )


register_strategy("churn", ChurnStrategy)
