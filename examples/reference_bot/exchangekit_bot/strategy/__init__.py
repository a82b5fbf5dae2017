"""Strategies: the pure decision layer, the two reference strategies, and a churn strategy
for chaos tests."""

from exchangekit_bot.strategy.base import Strategy, StrategyError, build_strategy, register_strategy
from exchangekit_bot.strategy.churn import ChurnStrategy
from exchangekit_bot.strategy.leverage import LeverageDecision, next_leverage
from exchangekit_bot.strategy.quoter import TwoSidedQuoter
from exchangekit_bot.strategy.regime import Regime, RegimeName, detect_regime
from exchangekit_bot.strategy.trend import TrendFollower

__all__ = [
    "ChurnStrategy",
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
