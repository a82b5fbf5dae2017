"""Synthetic maker liquidity: a realistic-looking book around a mid price."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import msgspec

from exchangekit.models import PriceLevel

__all__ = ["LiquidityModel", "build_levels"]


class LiquidityModel(msgspec.Struct, frozen=True, kw_only=True):
    """Shape of the synthetic book the market makers quote each tick.

    Sizes grow with depth (``size_growth`` per level) and vary by up to ``size_jitter``
    either way, so a large market order walks several levels and pays for it.
    """

    levels: int = 20
    """Levels per side."""
    spread_ticks: int = 1
    """Best ask minus best bid, in ticks (at least 1)."""
    level_spacing_ticks: int = 1
    """Distance between consecutive levels, in ticks."""
    top_size: Decimal = Decimal(1)
    """Average quantity at the best level, in base units."""
    size_growth: float = 0.25
    size_jitter: float = 0.5


def build_levels(
    model: LiquidityModel,
    mid: float,
    *,
    tick: Decimal,
    step: Decimal,
    rng: random.Random,
) -> tuple[list[PriceLevel], list[PriceLevel]]:
    """Bids and asks (best first) around ``mid``, prices on the tick grid, sizes on the step."""
    tick_f = float(tick)
    spread = max(model.spread_ticks, 1)
    spacing = max(model.level_spacing_ticks, 1)
    best_bid = max(math.floor(mid / tick_f - spread / 2), model.levels * spacing + 1)
    best_ask = best_bid + spread
    top_steps = max(float(model.top_size / step), 1.0)
    bids: list[PriceLevel] = []
    asks: list[PriceLevel] = []
    for k in range(model.levels):
        depth = 1.0 + model.size_growth * k
        for side, grid in ((bids, best_bid - k * spacing), (asks, best_ask + k * spacing)):
            jitter = 1.0 + model.size_jitter * (2.0 * rng.random() - 1.0)
            steps = max(int(top_steps * depth * jitter), 1)
            side.append((Decimal(grid) * tick, Decimal(steps) * step))
    return bids, asks
