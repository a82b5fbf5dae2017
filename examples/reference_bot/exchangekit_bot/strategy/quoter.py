"""Reference strategy 2: a simple two-sided quoter with inventory skew.

It rests a post-only bid and ask around the mid, shifts both away from the side where
inventory is already heavy, stops quoting a side at the inventory limit, and replaces a
quote only when the market has moved more than ``requote_bps`` from it. On spot it never
offers more than it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import msgspec

from exchangekit import Order, Side
from exchangekit_bot.config import RegimeConfig, StrategyConfig
from exchangekit_bot.intents import Intent, IntentKind, MarketState, PositionState, Purpose
from exchangekit_bot.strategy.base import convert_params, register_strategy
from exchangekit_bot.strategy.regime import detect_regime

__all__ = ["QuoterParams", "TwoSidedQuoter"]

BPS = Decimal(10_000)


class QuoterParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Settings of :class:`TwoSidedQuoter`."""

    notional: Decimal = Decimal(100)
    spread_bps: Decimal = Decimal(20)
    skew_bps: Decimal = Decimal(10)
    """How far quotes shift at full inventory."""
    requote_bps: Decimal = Decimal(8)
    max_inventory_notional: Decimal = Decimal(500)
    requote_s: int = 5
    """Length of one quoting round: decisions in the same round share a sequence."""


class TwoSidedQuoter:
    """Quotes both sides around the mid, skewed by inventory."""

    def __init__(self, config: StrategyConfig, regime: RegimeConfig) -> None:
        self.name = config.name
        self.symbol = config.symbol
        self.interval = config.interval
        self.params = convert_params(config.params, QuoterParams, config.name)
        self.regime_config = regime

    def decide(self, market: MarketState, position: PositionState) -> Sequence[Intent]:
        """Keep one bid and one ask near where they should be; cancel the rest."""
        p = self.params
        ticker = market.ticker
        mid = market.mid
        if ticker is None or mid is None or ticker.bid is None or ticker.ask is None:
            return [self._intent(IntentKind.HOLD, "no two-sided ticker", market.now_ms, 0)]
        ts = ticker.timestamp_ms
        sequence = ts // (p.requote_s * 1000)
        instrument = market.instrument
        regime = detect_regime([c.close for c in market.candles], self.regime_config)
        size = instrument.floor_quantity(p.notional * regime.size_multiplier / mid)
        inventory_notional = position.quantity * mid
        fill = max(min(inventory_notional / p.max_inventory_notional, Decimal(1)), Decimal(-1))
        centre = mid * (1 - fill * p.skew_bps / BPS)
        half = p.spread_bps / 2 / BPS
        wanted: dict[Side, tuple[Decimal, Decimal] | None] = {
            Side.BUY: (instrument.passive_price(centre * (1 - half), Side.BUY), size),
            Side.SELL: (instrument.passive_price(centre * (1 + half), Side.SELL), size),
        }
        reasons = {Side.BUY: "", Side.SELL: ""}
        if inventory_notional + size * mid > p.max_inventory_notional:
            wanted[Side.BUY], reasons[Side.BUY] = None, "inventory at its limit"
        if not instrument.kind.is_derivative:
            held = instrument.floor_quantity(max(position.quantity, Decimal(0)))
            if held < max(instrument.min_quantity, instrument.step_size):
                wanted[Side.SELL], reasons[Side.SELL] = None, "no inventory to offer (spot)"
            elif held < size:
                wanted[Side.SELL] = (instrument.passive_price(centre * (1 + half), Side.SELL), held)
        intents: list[Intent] = []
        for side in (Side.BUY, Side.SELL):
            intents.extend(
                self._side(side, wanted[side], reasons[side], position, mid, ts, sequence)
            )
        return intents

    def _side(
        self,
        side: Side,
        want: tuple[Decimal, Decimal] | None,
        why_not: str,
        position: PositionState,
        mid: Decimal,
        ts: int,
        sequence: int,
    ) -> list[Intent]:
        resting = [o for o in position.open_orders if o.side is side and o.price is not None]
        out: list[Intent] = []
        keep: Order | None = None
        for order in resting:
            moved = abs((order.price or mid) - want[0]) / mid * BPS if want else None
            if keep is None and moved is not None and moved <= self.params.requote_bps:
                keep = order
                continue
            out.append(
                self._intent(
                    IntentKind.CANCEL,
                    f"{side.value} quote {order.price} is stale" if want else why_not,
                    ts,
                    sequence,
                    client_order_id=order.client_order_id,
                )
            )
        if want is None:
            if not out:
                out.append(
                    self._intent(IntentKind.HOLD, f"no {side.value} quote: {why_not}", ts, sequence)
                )
            return out
        price, quantity = want
        if keep is not None:
            out.append(
                self._intent(
                    IntentKind.HOLD, f"{side.value} quote {keep.price} still good", ts, sequence
                )
            )
        elif quantity > 0:
            out.append(
                Intent(
                    kind=IntentKind.BUY if side is Side.BUY else IntentKind.SELL,
                    strategy=self.name,
                    symbol=self.symbol,
                    interval=self.interval,
                    reason=f"quote {side.value} {quantity} @ {price} (mid {mid:.4f})",
                    market_ts_ms=ts,
                    sequence=sequence,
                    quantity=quantity,
                    price=price,
                    purpose=Purpose.QUOTE,
                    post_only=True,
                )
            )
        return out

    def _intent(
        self,
        kind: IntentKind,
        reason: str,
        ts: int,
        sequence: int,
        *,
        client_order_id: str | None = None,
    ) -> Intent:
        return Intent(
            kind=kind,
            strategy=self.name,
            symbol=self.symbol,
            interval=self.interval,
            reason=reason,
            market_ts_ms=ts,
            sequence=sequence,
            client_order_id=client_order_id,
        )


register_strategy("quoter", TwoSidedQuoter)
