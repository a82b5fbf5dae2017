"""Reference strategy 1: a trend follower on closed candles (EMA crossover, target position).

Long when the fast EMA is above the slow one by more than ``band``, short (where allowed)
or flat when below; size is ``notional`` scaled by the volatility regime. It emits the
difference between the target and the exchange-reported position, so it converges after a
partial fill, a restart or a manual change, instead of stacking orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import msgspec

from exchangekit_bot.config import RegimeConfig, StrategyConfig
from exchangekit_bot.intents import (
    Intent,
    IntentKind,
    MarketState,
    PositionState,
    Purpose,
    interval_ms,
)
from exchangekit_bot.strategy.base import StrategyError, convert_params, register_strategy
from exchangekit_bot.strategy.regime import detect_regime

__all__ = ["TrendFollower", "TrendParams", "ema"]

ZERO = Decimal(0)


class TrendParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of :class:`TrendFollower`."""

    fast: int = 8
    slow: int = 21
    band: Decimal = Decimal("0.0005")
    notional: Decimal = Decimal(1000)
    allow_short: bool = False
    min_change_fraction: Decimal = Decimal("0.2")
    """Ignore a target change smaller than this fraction of the target size (no churn)."""


def ema(values: Sequence[Decimal], span: int) -> Decimal:
    """Exponential moving average of ``values`` (oldest first) with ``alpha = 2/(span+1)``."""
    if not values:
        raise ValueError("ema of no values")
    alpha = Decimal(2) / Decimal(span + 1)
    result = values[0]
    for value in values[1:]:
        result = alpha * value + (1 - alpha) * result
    return result


class TrendFollower:
    """EMA-crossover trend follower that trades toward a target position."""

    def __init__(self, config: StrategyConfig, regime: RegimeConfig) -> None:
        self.name = config.name
        self.symbol = config.symbol
        self.interval = config.interval
        self.params = convert_params(config.params, TrendParams, config.name)
        self.regime_config = regime
        if not 1 <= self.params.fast < self.params.slow:
            raise StrategyError(f"strategy {self.name}: need 1 <= fast < slow")

    def _hold(self, reason: str, ts: int, seq: int = 0) -> list[Intent]:
        return [
            Intent(
                kind=IntentKind.HOLD,
                strategy=self.name,
                symbol=self.symbol,
                interval=self.interval,
                reason=reason,
                market_ts_ms=ts,
                sequence=seq,
            )
        ]

    def decide(self, market: MarketState, position: PositionState) -> Sequence[Intent]:
        """Target position from the EMA crossover; trade the difference."""
        p = self.params
        candles = market.candles
        if len(candles) < p.slow + 1:
            return self._hold(f"warming up: {len(candles)}/{p.slow + 1} candles", market.now_ms)
        last = candles[-1]
        data_ts = last.open_ms + interval_ms(self.interval)
        sequence = last.open_ms // interval_ms(self.interval)
        closes = [c.close for c in candles]
        fast, slow = ema(closes, p.fast), ema(closes, p.slow)
        price = market.mid or last.close
        regime = detect_regime(closes, self.regime_config)
        size = market.instrument.floor_quantity(p.notional * regime.size_multiplier / price)
        if fast > slow * (1 + p.band):
            target, why = size, f"fast ema {fast:.2f} > slow {slow:.2f}"
        elif fast < slow * (1 - p.band):
            target = -size if p.allow_short else ZERO
            why = f"fast ema {fast:.2f} < slow {slow:.2f}"
        else:
            return self._hold(f"inside band: fast {fast:.2f} ~ slow {slow:.2f}", data_ts, sequence)
        why += f", regime {regime.name.value} x{regime.size_multiplier}"
        change = target - position.quantity
        threshold = max(abs(target), size) * p.min_change_fraction
        if abs(change) <= threshold or abs(change) < market.instrument.min_quantity:
            return self._hold(f"at target {target} ({why})", data_ts, sequence)
        reduces = abs(target) < abs(position.quantity) and (target * position.quantity >= 0)
        orders: list[Intent] = []
        if position.quantity != 0 and target * position.quantity < 0:
            # Crossing through zero: close first, then open, so the close can be reduce-only.
            orders.append(self._order(-position.quantity, Purpose.EXIT, why, data_ts, sequence))
            orders.append(self._order(target, Purpose.ENTRY, why, data_ts, sequence))
        else:
            orders.append(
                self._order(
                    change, Purpose.EXIT if reduces else Purpose.ENTRY, why, data_ts, sequence
                )
            )
        return orders

    def _order(
        self, signed_qty: Decimal, purpose: Purpose, why: str, ts: int, sequence: int
    ) -> Intent:
        return Intent(
            kind=IntentKind.BUY if signed_qty > 0 else IntentKind.SELL,
            strategy=self.name,
            symbol=self.symbol,
            interval=self.interval,
            reason=f"{purpose.value}: {why}",
            market_ts_ms=ts,
            sequence=sequence,
            quantity=abs(signed_qty),
            purpose=purpose,
        )


register_strategy("trend", TrendFollower)
