"""The market moves: a new quote, the orders it reaches, the flow, the stops it triggers.

Each generator tick (or each externally fed book) runs, in order: re-quote the synthetic
makers; fill resting user orders the new quote crossed (at the user's price, as makers);
trade the tick's synthetic or recorded flow; roll candles; trigger stops whose price the
last trade or the mark reached; liquidate; pay funding; publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from exchangekit.models import PriceLevel, Side
from exchangekit.sim.book import Piece
from exchangekit.sim.engine import Engine
from exchangekit.sim.events import MarketTickEvent, OrderEventKind
from exchangekit.sim.liquidity import build_levels
from exchangekit.sim.markets import SimMarket
from exchangekit.sim.orders import SimOrder
from exchangekit.sim.risk import liquidate_due, pay_funding
from exchangekit.sim.sources import Flow, Tick
from exchangekit.sim.validation import triggers

__all__ = ["feed_book", "process_tick"]


def process_tick(engine: Engine, market: SimMarket, tick: Tick) -> None:
    """Run one generator tick of ``market``."""
    engine.now_ms = max(engine.now_ms, tick.timestamp_ms)
    market.set_mid(tick.mid)
    bids, asks = build_levels(
        market.spec.liquidity,
        tick.mid,
        tick=market.instrument.tick_size,
        step=market.instrument.step_size,
        rng=market.book_rng,
    )
    market.book.set_synthetic(bids, asks)
    _after_requote(engine, market, tick.flows)


def feed_book(
    engine: Engine,
    market: SimMarket,
    bids: list[PriceLevel],
    asks: list[PriceLevel],
    last: Decimal | None,
) -> None:
    """An externally fed book (live data) replaces the makers' levels; the mark is its mid."""
    if bids and asks:
        mid = (bids[0][0] + asks[0][0]) / 2
        market.set_mid(float(mid), mark=mid)
    elif last is not None:
        market.set_mid(float(last), mark=last)
    market.book.set_synthetic(bids, asks)
    if last is not None:
        market.last_price = last
        market.note_price(last)
    _after_requote(engine, market, ())


def _after_requote(engine: Engine, market: SimMarket, flows: Sequence[Flow]) -> None:
    _cross(engine, market)
    for flow in flows:
        # A recorded trade happened whatever our synthetic book held: it meets user
        # orders only and is printed as it was.
        traded = engine.take(
            market, flow.side, flow.limit, None, flow.quantity, synthetic=not flow.prints
        )
        if flow.prints and flow.limit is not None and traded < flow.quantity:
            engine.print_trade(market, flow.limit, flow.quantity - traded, flow.side)
    opening = market.last_price if market.last_price is not None else market.mark
    market.candles.advance(engine.now_ms, opening_price=opening)
    _trigger_stops(engine, market)
    liquidate_due(engine, market)
    pay_funding(engine, market)
    engine.touch_market(market)
    if engine.bus.wants(MarketTickEvent, market.symbol) and market.mark is not None:
        engine.bus.market_event(
            MarketTickEvent(
                timestamp_ms=engine.now_ms,
                symbol=market.symbol,
                mark_price=market.mark,
                last_price=market.last_price,
            )
        )
    engine.flush()


def _cross(engine: Engine, market: SimMarket) -> None:
    """Fill resting user orders that the new quote crossed, at the user's price."""
    book = market.book
    for side in (Side.BUY, Side.SELL):
        while True:
            order = book.best_user(side)
            level = book.best_synthetic(side.opposite)
            if order is None or level is None or order.price is None:
                break
            crossed = level[0] <= order.price if side is Side.BUY else level[0] >= order.price
            if not crossed:
                break
            got = engine.trade(market, side.opposite, None, Piece(order.price, level[1], order))
            if got:
                # The synthetic counterparty traded through its own level.
                book.consume_synthetic(side.opposite, level[0], got)


def _trigger_stops(engine: Engine, market: SimMarket) -> None:
    prices = [p for p in (market.range_low, market.range_high, market.mark) if p is not None]
    market.range_low = market.range_high = None
    if not market.stops or not prices:
        return
    low, high = min(prices), max(prices)
    for order in [o for o in market.stops if _fires(o, low, high)]:
        if order.status.is_terminal or order not in market.stops:
            continue
        market.stops.remove(order)
        order.triggered = True
        order.priority = engine.next_priority()
        order.updated_ms = engine.now_ms
        engine.settlement.release(order)
        engine.order_event(order, OrderEventKind.TRIGGERED)
        engine.enter(engine.accounts[order.account], market, order, placing=False)


def _fires(order: SimOrder, low: Decimal, high: Decimal) -> bool:
    stop = order.stop_price
    return stop is not None and triggers(order.side, order.type, stop, low, high)
