"""The risk layer between strategy and execution."""

from exchangekit_bot.risk.engine import (
    AccountVerdict,
    RiskContext,
    RiskEngine,
    RiskVerdict,
    assess_account,
)
from exchangekit_bot.risk.snapshot import ExchangeSnapshot

__all__ = [
    "AccountVerdict",
    "ExchangeSnapshot",
    "RiskContext",
    "RiskEngine",
    "RiskVerdict",
    "assess_account",
]
