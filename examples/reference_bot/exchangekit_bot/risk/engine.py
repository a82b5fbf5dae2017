"""The risk layer: every check an intent must pass before execution, fail-closed.

Each check has a name (what the metrics and the rejection table count by) and computes
from the :class:`ExchangeSnapshot`, never from what the bot believes it did. Missing data
(no price, no equity) is a rejection, not a pass. Orders that only reduce the position pass
the sizing checks (so the bot can always get smaller) but not the pause, the freshness or
the price band.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit import Side
from exchangekit_bot.config import RiskLimits
from exchangekit_bot.intents import Intent, IntentKind
from exchangekit_bot.risk.snapshot import ExchangeSnapshot

__all__ = ["AccountVerdict", "RiskContext", "RiskEngine", "RiskVerdict", "assess_account"]

ZERO = Decimal(0)
#: Headroom on spot buys for fees and price movement between check and fill.
SPOT_BUY_HEADROOM = Decimal("1.005")


class RiskContext(msgspec.Struct, frozen=True, kw_only=True):
    """Bot-side facts the checks need besides exchange state."""

    now_ms: int
    paused: bool = False
    halted_reason: str | None = None
    open_incidents: int = 0
    unknown_orders: dict[str, int] = {}
    """Orders in ``unknown`` state, by symbol."""
    orders_last_minute: int = 0
    pending: dict[str, dict[Side, Decimal]] = {}
    """Journaled orders not yet at the exchange (a re-send after a transient error, TWAP
    slices), by symbol and side: the worst case counts them as filled."""


class RiskVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """Whether an intent may go on; ``check`` names the check that stopped it."""

    allowed: bool
    check: str = ""
    reason: str = ""


ALLOW = RiskVerdict(allowed=True)


def _deny(check: str, reason: str) -> RiskVerdict:
    return RiskVerdict(allowed=False, check=check, reason=reason)


class AccountVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """Account-level result: whether to flatten and halt, and the numbers behind it."""

    halt: bool
    reason: str = ""
    equity: Decimal | None = None
    drawdown: Decimal = ZERO
    daily_pnl: Decimal = ZERO


def assess_account(
    limits: RiskLimits,
    *,
    equity: Decimal | None,
    peak_equity: Decimal | None,
    day_start_equity: Decimal | None,
) -> AccountVerdict:
    """Daily loss and drawdown against their limits. Unknown equity halts (fail-closed)."""
    if equity is None:
        return AccountVerdict(halt=True, reason="equity cannot be valued from exchange state")
    peak = max(peak_equity or equity, equity)
    drawdown = (peak - equity) / peak if peak > 0 else ZERO
    daily = equity - (day_start_equity if day_start_equity is not None else equity)
    if daily < -limits.max_daily_loss:
        return AccountVerdict(
            halt=True,
            reason=f"daily loss {-daily:.2f} exceeds {limits.max_daily_loss}",
            equity=equity,
            drawdown=drawdown,
            daily_pnl=daily,
        )
    if drawdown > limits.max_drawdown_pct:
        return AccountVerdict(
            halt=True,
            reason=f"drawdown {drawdown:.2%} exceeds {limits.max_drawdown_pct:.2%}",
            equity=equity,
            drawdown=drawdown,
            daily_pnl=daily,
        )
    return AccountVerdict(halt=False, equity=equity, drawdown=drawdown, daily_pnl=daily)


class RiskEngine:
    """Runs every check, in order, on one intent; the first failure wins."""

    def __init__(self, limits: RiskLimits) -> None:
        self.limits = limits

    def check(self, intent: Intent, snapshot: ExchangeSnapshot, ctx: RiskContext) -> RiskVerdict:
        """The verdict on ``intent`` given the exchange state and the bot's context."""
        if intent.kind is IntentKind.HOLD:
            return ALLOW
        if ctx.paused:
            return _deny("paused", "trading is paused (kill switch or operator)")
        if intent.kind is IntentKind.CANCEL:
            return ALLOW
        if ctx.open_incidents:
            return _deny("incident_open", f"{ctx.open_incidents} open incident(s)")
        verdict = self._freshness(intent, snapshot, ctx)
        if verdict is not ALLOW:
            return verdict
        if ctx.unknown_orders.get(intent.symbol):
            return _deny(
                "unknown_orders",
                f"{ctx.unknown_orders[intent.symbol]} order(s) on {intent.symbol} in unknown state",
            )
        mid = snapshot.mid(intent.symbol)
        instrument = snapshot.instruments.get(intent.symbol)
        if mid is None or mid <= 0 or instrument is None:
            return _deny("no_reference_price", f"no market price for {intent.symbol}")
        if intent.quantity <= 0:
            return _deny("bad_quantity", f"quantity {intent.quantity} is not positive")
        side = Side.BUY if intent.kind is IntentKind.BUY else Side.SELL
        band = self.limits.price_band_pct
        if intent.price is not None and abs(intent.price - mid) > mid * band:
            return _deny(
                "price_band", f"limit {intent.price} is more than {band:.2%} from mid {mid:.4f}"
            )
        position = snapshot.position(intent.symbol)
        reduces = _reduces(position, side, intent.quantity)
        if ctx.halted_reason and not reduces:
            return _deny("halted", ctx.halted_reason)
        verdict = self._inventory(intent, side, position, snapshot, mid)
        if verdict is not ALLOW:
            return verdict
        if not reduces:
            pending = ctx.pending.get(intent.symbol, {}).get(side, ZERO)
            verdict = self._sizing(intent, side, position, snapshot, mid, pending)
            if verdict is not ALLOW:
                return verdict
        if ctx.orders_last_minute + 1 > self.limits.max_orders_per_minute:
            return _deny(
                "order_rate",
                f"{ctx.orders_last_minute} orders in the last minute "
                f"(limit {self.limits.max_orders_per_minute})",
            )
        return ALLOW

    def _freshness(
        self, intent: Intent, snapshot: ExchangeSnapshot, ctx: RiskContext
    ) -> RiskVerdict:
        age_s = (ctx.now_ms - intent.market_ts_ms) / 1000
        if age_s > self.limits.max_market_data_age_s:
            return _deny(
                "stale_market_data",
                f"decision used data {age_s:.1f}s old (limit {self.limits.max_market_data_age_s}s)",
            )
        ticker = snapshot.tickers.get(intent.symbol)
        if ticker is None:
            return _deny("stale_market_data", f"no ticker for {intent.symbol}")
        ticker_age_s = (ctx.now_ms - ticker.timestamp_ms) / 1000
        if ticker_age_s > self.limits.max_ticker_age_s:
            return _deny(
                "stale_market_data",
                f"ticker {ticker_age_s:.1f}s old (limit {self.limits.max_ticker_age_s}s)",
            )
        return ALLOW

    def _inventory(
        self,
        intent: Intent,
        side: Side,
        position: Decimal,
        snapshot: ExchangeSnapshot,
        mid: Decimal,
    ) -> RiskVerdict:
        instrument = snapshot.instruments[intent.symbol]
        if instrument.kind.is_derivative:
            return ALLOW
        if side is Side.SELL:
            free = snapshot.free(instrument.base)
            if intent.quantity > free:
                return _deny(
                    "side_vs_inventory",
                    f"sell {intent.quantity} {instrument.base} but only {free} free (spot, no shorting)",
                )
            if intent.quantity > position:
                return _deny(
                    "side_vs_inventory",
                    f"sell {intent.quantity} {instrument.base} but the bot holds {position} "
                    "(the rest of the balance is not the bot's to sell)",
                )
            return ALLOW
        cost = intent.quantity * (intent.price or mid) * SPOT_BUY_HEADROOM
        free_quote = snapshot.free(instrument.quote)
        if cost > free_quote:
            return _deny(
                "side_vs_inventory", f"buy needs {cost:.2f} {instrument.quote}, {free_quote} free"
            )
        return ALLOW

    def _sizing(
        self,
        intent: Intent,
        side: Side,
        position: Decimal,
        snapshot: ExchangeSnapshot,
        mid: Decimal,
        pending: Decimal = ZERO,
    ) -> RiskVerdict:
        limits = self.limits
        symbol = intent.symbol
        order_notional = intent.quantity * (intent.price or mid)
        max_order = limits.max_order_notional.get(symbol, limits.default_max_order_notional)
        if order_notional > max_order:
            return _deny(
                "order_notional", f"order notional {order_notional:.2f} exceeds {max_order}"
            )
        # Worst case: every open order on this side fills too, and every journaled order
        # still waiting to be sent.
        working = snapshot.working_quantity(symbol, side) + pending
        resulting = position + side.sign * (working + intent.quantity)
        max_position = limits.max_position_notional.get(
            symbol, limits.default_max_position_notional
        )
        if abs(resulting) * mid > max_position:
            return _deny(
                "position_limit",
                f"position would reach {resulting} ({abs(resulting) * mid:.2f} notional, "
                f"limit {max_position})",
            )
        growth = (abs(resulting) - abs(position)) * mid
        exposure = snapshot.exposure() + max(growth, ZERO)
        if exposure > limits.max_total_exposure:
            return _deny(
                "total_exposure",
                f"total exposure would reach {exposure:.2f} (limit {limits.max_total_exposure})",
            )
        per_exchange = limits.max_exposure_per_exchange.get(snapshot.exchange)
        if per_exchange is not None and exposure > per_exchange:
            return _deny(
                "exchange_exposure",
                f"exposure on {snapshot.exchange} would reach {exposure:.2f} "
                f"(limit {per_exchange})",
            )
        return ALLOW


def _reduces(position: Decimal, side: Side, quantity: Decimal) -> bool:
    """True when the order moves the position toward zero without crossing it."""
    if position == 0:
        return False
    return (position > 0) == (side is Side.SELL) and quantity <= abs(position)
