"""From an intent to concrete orders: rounding, reduce-only, order type, TWAP slicing.

Pure: the instrument and the time come in, :class:`OrderPlan` values come out.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit import Instrument, OrderType, Side, TimeInForce
from exchangekit_bot.config import ExecutionConfig
from exchangekit_bot.execution.client_ids import OrderKey
from exchangekit_bot.execution.twap import plan_twap
from exchangekit_bot.intents import Intent, IntentKind, Purpose

__all__ = ["OrderPlan", "plan_orders"]


class OrderPlan(msgspec.Struct, frozen=True, kw_only=True):
    """One order ready to be journaled: its key and every field of the request."""

    key: OrderKey
    purpose: Purpose
    order_type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    reduce_only: bool = False
    post_only: bool = False
    time_in_force: TimeInForce | None = None
    due_ms: int = 0
    market_ts_ms: int = 0
    parent: str | None = None
    """Leg of the TWAP parent this slice belongs to."""


def plan_orders(
    intent: Intent,
    instrument: Instrument,
    config: ExecutionConfig,
    *,
    now_ms: int,
    reference_price: Decimal,
) -> list[OrderPlan]:
    """The orders that carry out a buy or sell ``intent`` (empty if it rounds to nothing)."""
    if intent.kind not in (IntentKind.BUY, IntentKind.SELL):
        return []
    side = Side.BUY if intent.kind is IntentKind.BUY else Side.SELL
    market = intent.price is None
    quantity = instrument.floor_quantity(intent.quantity, market=market)
    if quantity <= 0 or quantity < instrument.min_quantity:
        return []
    reduce_only = instrument.kind.is_derivative and intent.purpose in (
        Purpose.EXIT,
        Purpose.FLATTEN,
    )
    base = OrderPlan(
        key=OrderKey(
            strategy=intent.strategy,
            symbol=intent.symbol,
            interval=intent.interval,
            side=side,
            sequence=intent.sequence,
            leg=intent.purpose.value,
        ),
        purpose=intent.purpose,
        order_type=OrderType.MARKET if market else OrderType.LIMIT,
        quantity=quantity,
        price=None if market else instrument.passive_price(intent.price or Decimal(0), side),
        reduce_only=reduce_only,
        post_only=intent.post_only and not market,
        time_in_force=None if market else TimeInForce.GTC,
        due_ms=now_ms,
        market_ts_ms=intent.market_ts_ms,
    )
    notional = quantity * reference_price
    if (
        not market
        or intent.purpose is Purpose.FLATTEN
        or notional <= config.twap_threshold_notional
    ):
        return [base]
    slices = plan_twap(
        quantity,
        slices=config.twap_slices,
        start_ms=now_ms,
        interval_ms=round(config.twap_interval_s * 1000),
        instrument=instrument,
    )
    if len(slices) <= 1:
        return [base]
    return [
        msgspec.structs.replace(
            base,
            key=msgspec.structs.replace(base.key, leg=f"{base.key.leg}.t{s.index}"),
            quantity=s.quantity,
            due_ms=s.due_ms,
            parent=base.key.leg,
        )
        for s in slices
    ]
