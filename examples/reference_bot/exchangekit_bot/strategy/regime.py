"""Volatility-regime detector: is the market calmer or wilder than usual? It scales size.

The regime compares realized volatility (standard deviation of log returns) over a short
window with a long one. Too little history counts as the high regime: size is smallest
when the bot knows least.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum

import msgspec

from exchangekit_bot.config import RegimeConfig

__all__ = ["Regime", "RegimeName", "detect_regime", "realized_volatility"]


class RegimeName(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    UNKNOWN = "unknown"


class Regime(msgspec.Struct, frozen=True, kw_only=True):
    """The detected regime and the size multiplier it implies."""

    name: RegimeName
    size_multiplier: Decimal
    short_volatility: Decimal | None = None
    long_volatility: Decimal | None = None


def realized_volatility(closes: Sequence[Decimal]) -> Decimal | None:
    """Sample standard deviation of log returns of ``closes``; None below three prices."""
    if len(closes) < 3 or any(c <= 0 for c in closes):
        return None
    returns = [(b / a).ln() for a, b in itertools.pairwise(closes)]
    mean = sum(returns, Decimal(0)) / len(returns)
    variance = sum(((r - mean) ** 2 for r in returns), Decimal(0)) / (len(returns) - 1)
    return variance.sqrt()


def detect_regime(closes: Sequence[Decimal], config: RegimeConfig) -> Regime:
    """Classify the latest ``closes`` (oldest first) into a volatility regime."""
    if len(closes) < config.long_window + 1:
        return Regime(name=RegimeName.UNKNOWN, size_multiplier=config.high_multiplier)
    short = realized_volatility(closes[-(config.short_window + 1) :])
    long = realized_volatility(closes[-(config.long_window + 1) :])
    if short is None or long is None or long == 0:
        return Regime(name=RegimeName.UNKNOWN, size_multiplier=config.high_multiplier)
    ratio = short / long
    if ratio < Decimal(str(config.low_ratio)):
        name, multiplier = RegimeName.LOW, config.low_multiplier
    elif ratio > Decimal(str(config.high_ratio)):
        name, multiplier = RegimeName.HIGH, config.high_multiplier
    else:
        name, multiplier = RegimeName.NORMAL, config.normal_multiplier
    return Regime(
        name=name, size_multiplier=multiplier, short_volatility=short, long_volatility=long
    )
