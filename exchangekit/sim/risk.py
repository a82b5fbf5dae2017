"""Derivatives housekeeping on each market move: liquidations and funding payments.

Positions use isolated margin. When the mark reaches a position's liquidation price, the
exchange closes it at that price (rounded against the house): the account loses its
margin, part as realized loss and the rest as a liquidation fee; its open orders on the
symbol are cancelled first. Funding is paid every funding interval from (or into) each
position's margin.
"""

from __future__ import annotations

from decimal import Decimal

from exchangekit.models import Fill, OrderStatus, OrderType, Side, TimeInForce
from exchangekit.sim.accounts import AccountState
from exchangekit.sim.engine import Engine
from exchangekit.sim.events import FillEvent, FundingEvent, OrderEventKind
from exchangekit.sim.markets import SimMarket
from exchangekit.sim.orders import SimOrder
from exchangekit.sim.settlement import settle_asset

__all__ = ["liquidate_due", "pay_funding"]

ZERO = Decimal(0)


def liquidate_due(engine: Engine, market: SimMarket) -> None:
    """Liquidate every position on ``market`` whose liquidation price the mark reached."""
    mark = market.mark
    if not market.holders or mark is None:
        return
    rate = market.spec.maintenance_margin_rate
    for account in list(market.holders):
        acct = engine.accounts[account]
        liq = acct.position(market.symbol).liquidation_price(rate)
        if liq is None:
            continue
        long = acct.position(market.symbol).quantity > 0
        if (long and mark > liq) or (not long and mark < liq):
            continue
        price = market.instrument.round_price(liq, mode="up" if long else "down")
        _liquidation_fill(engine, acct, market, price)


def _liquidation_fill(
    engine: Engine, acct: AccountState, market: SimMarket, price: Decimal
) -> None:
    for working in [o for o in acct.open_orders.values() if o.symbol == market.symbol]:
        engine.close_order(working, OrderStatus.CANCELLED, "position liquidated")
    pos = acct.position(market.symbol)
    before, size = pos.quantity, pos.size
    order_id = engine.next_order_id()
    order = SimOrder(
        account=acct.account_id,
        order_id=order_id,
        symbol=market.symbol,
        side=Side.SELL if before > 0 else Side.BUY,
        type=OrderType.MARKET,
        quantity=size,
        price=None,
        stop_price=None,
        time_in_force=TimeInForce.IOC,
        reduce_only=True,
        post_only=False,
        client_order_id=f"liquidation-{order_id}",
        created_ms=engine.now_ms,
        updated_ms=engine.now_ms,
        priority=engine.next_priority(),
        status=OrderStatus.FILLED,
        filled=size,
        filled_quote=size * price,
        lock_asset=settle_asset(market.instrument),
    )
    acct.orders[order_id] = order
    pnl, fee = engine.settlement.liquidate(acct.account_id, market.instrument, pos, price)
    trade_id = engine.print_trade(market, price, size, order.side)
    fill = Fill(
        symbol=market.symbol,
        trade_id=trade_id,
        order_id=order_id,
        client_order_id=order.client_order_id,
        side=order.side,
        price=price,
        quantity=size,
        fee=fee,
        fee_asset=order.lock_asset,
        is_maker=False,
        timestamp_ms=engine.now_ms,
        realized_pnl=pnl,
    )
    acct.fills.append(fill)
    engine.bus.account_event(
        FillEvent,
        timestamp_ms=engine.now_ms,
        account=acct.account_id,
        fill=fill,
        reduce_only=True,
        position_before=before,
        position_after=ZERO,
        liquidation=True,
    )
    engine.order_event(order, OrderEventKind.TRADE, fill=fill, reason="liquidation")
    engine.position_changed(acct, market)


def pay_funding(engine: Engine, market: SimMarket) -> None:
    """Pay every funding interval that has passed on ``market``."""
    rate, mark = market.spec.funding_rate, market.mark
    if not rate or mark is None or not market.spec.is_derivative:
        return
    while engine.now_ms >= market.next_funding_ms:
        for account in list(market.holders):
            pos = engine.accounts[account].position(market.symbol)
            amount = engine.settlement.fund(account, market.instrument, pos, mark, rate)
            engine.bus.account_event(
                FundingEvent,
                timestamp_ms=engine.now_ms,
                account=account,
                symbol=market.symbol,
                asset=settle_asset(market.instrument),
                rate=rate,
                mark_price=mark,
                position_quantity=pos.quantity,
                amount=amount,
            )
        market.next_funding_ms += engine.funding_interval_ms
