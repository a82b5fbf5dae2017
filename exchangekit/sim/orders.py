"""The simulated exchange's working state of one order."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from exchangekit.models import Order, OrderStatus, OrderType, Side, TimeInForce

__all__ = ["SimOrder"]

ZERO = Decimal(0)


@dataclass(slots=True, eq=False)
class SimOrder:
    """Mutable state of one order inside the engine. :meth:`snapshot` gives the public view.

    ``priority`` is the time-priority key: the order's arrival number, renewed when a
    conditional order triggers (it joins the queue then). ``locked`` is what the order holds
    of ``lock_asset`` right now; ``lock_rate`` and ``leverage`` are fixed at placement so a
    later fee or leverage change never leaves a lock unaccounted.
    """

    account: str
    order_id: str
    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal
    price: Decimal | None
    stop_price: Decimal | None
    time_in_force: TimeInForce | None
    reduce_only: bool
    post_only: bool
    client_order_id: str | None
    created_ms: int
    updated_ms: int
    priority: int
    status: OrderStatus = OrderStatus.OPEN
    filled: Decimal = ZERO
    filled_quote: Decimal = ZERO
    triggered: bool = False
    locked: Decimal = ZERO
    lock_asset: str = ""
    lock_rate: Decimal = ZERO
    leverage: Decimal = Decimal(1)

    @property
    def remaining(self) -> Decimal:
        """Quantity still to fill (zero once the order is terminal)."""
        if self.status.is_terminal:
            return ZERO
        return self.quantity - self.filled

    @property
    def is_pending_trigger(self) -> bool:
        """True while a stop or take-profit order waits for its trigger."""
        return self.type.is_conditional and not self.triggered

    @property
    def reference_price(self) -> Decimal | None:
        """The price funds are reserved at: the limit price, else the stop price."""
        return self.price if self.price is not None else self.stop_price

    def snapshot(self) -> Order:
        """The order as a client sees it."""
        return Order(
            symbol=self.symbol,
            order_id=self.order_id,
            client_order_id=self.client_order_id,
            side=self.side,
            type=self.type,
            status=self.status,
            quantity=self.quantity,
            filled_quantity=self.filled,
            remaining_quantity=self.remaining,
            price=self.price,
            average_fill_price=self.filled_quote / self.filled if self.filled else None,
            stop_price=self.stop_price,
            time_in_force=self.time_in_force,
            reduce_only=self.reduce_only,
            post_only=self.post_only,
            created_ms=self.created_ms,
            updated_ms=self.updated_ms,
        )
