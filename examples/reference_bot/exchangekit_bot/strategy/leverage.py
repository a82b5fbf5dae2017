"""Optional dynamic leverage: base x volatility x drawdown x performance, clamped.

Each factor is explainable on its own:

* volatility: ``target / realized`` (clamped to 0.25..2): calmer markets allow more;
* drawdown: ``1 - drawdown / max_drawdown`` (floored at 0): deeper losses allow less;
* performance: ``0.5 + recent win rate`` (1 with no history): a losing streak cuts it.

The product is clamped to ``[minimum, maximum]``, rounded down to a whole leverage, and may
move at most ``max_step`` from the previous value. The bot persists the result in its state
store, so a restart continues from where it was instead of jumping back to ``base``.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

import msgspec

from exchangekit_bot.config import LeverageConfig

__all__ = ["LeverageDecision", "next_leverage"]


class LeverageDecision(msgspec.Struct, frozen=True, kw_only=True):
    """The new leverage and the factors that produced it (for the log)."""

    leverage: Decimal
    volatility_factor: Decimal
    drawdown_factor: Decimal
    performance_factor: Decimal
    unclamped: Decimal


def _clamp(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


def next_leverage(
    config: LeverageConfig,
    *,
    previous: Decimal | None,
    realized_volatility: Decimal | None,
    drawdown: Decimal,
    win_rate: Decimal | None,
) -> LeverageDecision:
    """The leverage to use next. Missing inputs count as the cautious case."""
    if realized_volatility is None or realized_volatility <= 0:
        vol_factor = Decimal("0.25")
    else:
        target = Decimal(str(config.target_volatility))
        vol_factor = _clamp(target / realized_volatility, Decimal("0.25"), Decimal(2))
    max_dd = Decimal(str(config.max_drawdown))
    dd_factor = max(Decimal(0), 1 - max(drawdown, Decimal(0)) / max_dd)
    perf_factor = (
        Decimal(1)
        if win_rate is None
        else Decimal("0.5") + _clamp(win_rate, Decimal(0), Decimal(1))
    )
    raw = config.base * vol_factor * dd_factor * perf_factor
    value = _clamp(raw, config.minimum, config.maximum)
    if previous is not None:
        value = _clamp(value, previous - config.max_step, previous + config.max_step)
    value = _clamp(value.to_integral_value(rounding=ROUND_FLOOR), config.minimum, config.maximum)
    return LeverageDecision(
        leverage=value,
        volatility_factor=vol_factor,
        drawdown_factor=dd_factor,
        performance_factor=perf_factor,
        unclamped=raw,
    )
