"""Checks an order request passes before the engine sees it, with the errors exchanges use.

==================================  ==============================================
refused because                      raises
==================================  ==============================================
unknown symbol, filter broken        ``InvalidOrder`` (the message names the filter)
reduce-only on a spot market         ``InvalidOrder``
GTD, hedge-mode position side        ``NotSupported``
client order id already used         ``DuplicateClientOrderId``
stop would trigger immediately       ``OrderRejected``
reduce-only would increase           ``OrderRejected``
==================================  ==============================================

Post-only orders that would take and orders the account cannot fund are refused by the
engine (``OrderRejected``, ``InsufficientFunds``), which knows the book.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from exchangekit.errors import DuplicateClientOrderId, InvalidOrder, NotSupported, OrderRejected
from exchangekit.models import MarketKind, OrderRequest, OrderType, PositionSide, Side, TimeInForce
from exchangekit.sim.accounts import AccountState
from exchangekit.sim.markets import SimMarket

__all__ = ["ClientOrderIdScope", "check_request", "triggers"]

ClientOrderIdScope = Literal["account", "open"]
"""``account``: a client order id is never reused in an account (Bybit); ``open``: only
while its order is working (Binance, OKX)."""


def check_request(
    acct: AccountState,
    market: SimMarket,
    request: OrderRequest,
    *,
    scope: ClientOrderIdScope,
) -> None:
    """Raise the error an exchange would give for ``request``, or return."""
    inst = market.instrument
    cid = request.client_order_id
    if request.time_in_force is TimeInForce.GTD:
        raise NotSupported("good-till-date orders are not supported", client_order_id=cid)
    if request.position_side not in (None, PositionSide.BOTH):
        raise NotSupported(
            "hedge-mode position sides are not supported (one-way mode only)",
            client_order_id=cid,
        )
    if request.reduce_only and inst.kind is MarketKind.SPOT:
        raise InvalidOrder(
            f"{inst.symbol}: reduce_only applies to derivatives only", client_order_id=cid
        )
    if cid is not None:
        existing = acct.by_client_id.get(cid)
        if existing is not None and (scope == "account" or not existing.status.is_terminal):
            raise DuplicateClientOrderId(
                f"client order id {cid!r} was already used (order {existing.order_id})",
                client_order_id=cid,
            )
    reference = market.last_price if market.last_price is not None else market.mark
    inst.check_order(request, reference_price=reference)
    prices = [p for p in (market.last_price, market.mark) if p is not None]
    stop = request.stop_price
    if (
        prices
        and stop is not None
        and triggers(request.side, request.type, stop, min(prices), max(prices))
    ):
        raise OrderRejected(
            f"{inst.symbol}: order would trigger immediately (stop {stop})",
            client_order_id=cid,
        )
    if request.reduce_only and not request.type.is_conditional:
        pos = acct.position(inst.symbol)
        if pos.reducible_by(Decimal(request.side.sign)) <= 0:
            raise OrderRejected(
                f"{inst.symbol}: reduce-only order would increase the position",
                client_order_id=cid,
            )


def triggers(side: Side, otype: OrderType, stop: Decimal, low: Decimal, high: Decimal) -> bool:
    """True when a conditional order's ``stop`` lies within the traded ``[low, high]``.

    Stops buy on a rise and sell on a fall; take-profits the other way round.
    """
    rising = (side is Side.BUY) == (otype in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT))
    return high >= stop if rising else low <= stop
