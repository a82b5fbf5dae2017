"""Strategies: the pure decision layer, and the two reference strategies."""

from exchangekit_bot.strategy.base import Strategy, StrategyError, build_strategy, register_strategy
from exchangekit_bot.strategy.leverage import LeverageDecision, next_leverage
from exchangekit_bot.strategy.quoter import TwoSidedQuoter
from exchangekit_bot.strategy.regime import Regime, RegimeName, detect_regime
from exchangekit_bot.strategy.trend import TrendFollower

__all__ = [
    "LeverageDecision",
    "Regime",
    "RegimeName",
    "Strategy",
    "StrategyError",
    "TrendFollower",
    "TwoSidedQuoter",
    "build_strategy",
    "detect_regime",
    "next_leverage",
    "register_strategy",
]
