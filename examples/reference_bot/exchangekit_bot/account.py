"""Account tracking from exchange state: equity, its peak, the day's start, PnL.

The peak and the day-start equity are persisted, so a restart neither forgets a drawdown
nor resets the daily loss budget.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from exchangekit_bot.config import RiskLimits
from exchangekit_bot.risk.engine import AccountVerdict, assess_account
from exchangekit_bot.storage.base import Storage

__all__ = ["AccountTracker"]


def _day(ts_ms: int) -> str:
    return dt.datetime.fromtimestamp(ts_ms / 1000, tz=dt.UTC).strftime("%Y%m%d")


class AccountTracker:
    """Feeds equity observations into the daily-loss and drawdown checks."""

    def __init__(self, store: Storage, limits: RiskLimits) -> None:
        self.store = store
        self.limits = limits
        self.max_drawdown = Decimal(0)
        self.last_equity: Decimal | None = None

    def _get(self, key: str) -> Decimal | None:
        raw = self.store.get_value(key)
        return None if raw is None else Decimal(raw)

    @property
    def start_equity(self) -> Decimal | None:
        return self._get("equity:start")

    def observe(self, equity: Decimal | None, now_ms: int) -> AccountVerdict:
        """Update peak and day start with ``equity`` and judge the account."""
        day_key = f"equity:day:{_day(now_ms)}"
        self.last_equity = equity
        if equity is not None:
            with self.store.transaction():
                if self.start_equity is None:
                    self.store.put_value("equity:start", str(equity))
                if self._get(day_key) is None:
                    self.store.put_value(day_key, str(equity))
                peak = self._get("equity:peak")
                if peak is None or equity > peak:
                    self.store.put_value("equity:peak", str(equity))
        verdict = assess_account(
            self.limits,
            equity=equity,
            peak_equity=self._get("equity:peak"),
            day_start_equity=self._get(day_key),
        )
        self.max_drawdown = max(self.max_drawdown, verdict.drawdown)
        return verdict

    def pnl(self, equity: Decimal | None) -> Decimal | None:
        start = self.start_equity
        return None if equity is None or start is None else equity - start
