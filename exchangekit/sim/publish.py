"""Publishing what an operation changed: book deltas, balances and positions."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from exchangekit.sim.accounts import FEES, HOUSE
from exchangekit.sim.events import BalanceEvent, BookDeltaEvent, PositionEvent
from exchangekit.sim.markets import SimMarket

if TYPE_CHECKING:
    from exchangekit.sim.engine import Engine

__all__ = ["publish"]

ZERO = Decimal(0)


def publish(engine: Engine, markets: list[SimMarket], positions: list[tuple[str, str]]) -> None:
    """Queue one book delta per changed market (when someone listens), one balance event
    per account whose balances changed, and one event per changed position."""
    bus, ledger, now = engine.bus, engine.ledger, engine.now_ms
    for market in markets:
        delta = market.book.flush()
        if delta is not None and bus.wants(BookDeltaEvent, market.symbol):
            bus.market_event(
                BookDeltaEvent(
                    timestamp_ms=now,
                    symbol=market.symbol,
                    first_update_id=delta.first_update_id,
                    last_update_id=delta.last_update_id,
                    prev_update_id=delta.prev_update_id,
                    bids=delta.bids,
                    asks=delta.asks,
                )
            )
    for account, assets in ledger.take_touched().items():
        if account in (HOUSE, FEES):
            continue
        bus.account_event(
            BalanceEvent,
            timestamp_ms=now,
            account=account,
            balances=[ledger.balance(account, a) for a in sorted(assets)],
        )
    for account, symbol in positions:
        market = engine.markets[symbol]
        acct = engine.accounts[account]
        bus.account_event(
            PositionEvent,
            timestamp_ms=now,
            account=account,
            position=acct.position(symbol).view(
                mark=market.mark or ZERO,
                leverage=acct.leverage_for(symbol),
                maintenance_rate=market.spec.maintenance_margin_rate,
                timestamp_ms=now,
            ),
        )
