"""Order models: what the caller asks for, what the exchange reports, and fills."""

import os
import re
from decimal import Decimal

import msgspec
from msgspec.structs import force_setattr

from exchangekit.errors import InvalidOrder
from exchangekit.models._decimal import ZERO, as_decimal
from exchangekit.models.enums import (
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit.models.symbols import parse_symbol

__all__ = ["Fill", "Order", "OrderRequest", "new_client_order_id"]

_CLIENT_ID_RE = re.compile(r"^[\x21-\x7e]{1,64}$")


def new_client_order_id() -> str:
    """A fresh random client order id: 32 characters of ``[a-z0-9]``, valid on every venue."""
    return "ek" + os.urandom(15).hex()


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """An order as the caller wants it. Validated on construction.

    Money fields accept ``Decimal``, ``int`` or a numeric ``str`` and refuse ``float``.
    A limit-priced order with no ``time_in_force`` gets ``gtc``. With no
    ``client_order_id`` one is generated, so every request can be reconciled by it.
    """

    symbol: str
    side: Side
    type: OrderType
    quantity: Decimal
    price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    reduce_only: bool = False
    post_only: bool = False
    position_side: PositionSide | None = None
    client_order_id: str | None = None

    def __post_init__(self) -> None:
        cid = self.client_order_id

        def refuse(reason: str) -> InvalidOrder:
            return InvalidOrder(f"invalid order for {self.symbol}: {reason}", client_order_id=cid)

        try:
            parse_symbol(self.symbol)
            side = Side(self.side)
            otype = OrderType(self.type)
            quantity = as_decimal(self.quantity, "quantity")
            price = None if self.price is None else as_decimal(self.price, "price")
            stop = None if self.stop_price is None else as_decimal(self.stop_price, "stop_price")
            tif = None if self.time_in_force is None else TimeInForce(self.time_in_force)
            pside = None if self.position_side is None else PositionSide(self.position_side)
        except (TypeError, ValueError) as exc:
            raise refuse(str(exc)) from None
        if quantity <= ZERO:
            raise refuse(f"quantity must be positive, got {quantity}")
        if otype.has_limit_price:
            if price is None:
                raise refuse(f"a {otype.value} order needs a price")
            if price <= ZERO:
                raise refuse(f"price must be positive, got {price}")
        elif price is not None:
            raise refuse(f"a {otype.value} order takes no price (got {price})")
        if otype.is_conditional:
            if stop is None:
                raise refuse(f"a {otype.value} order needs a stop_price")
            if stop <= ZERO:
                raise refuse(f"stop_price must be positive, got {stop}")
        elif stop is not None:
            raise refuse(f"a {otype.value} order takes no stop_price (got {stop})")
        if self.post_only:
            if not otype.has_limit_price:
                raise refuse("post_only needs a limit-priced order")
            if tif in (TimeInForce.IOC, TimeInForce.FOK):
                raise refuse(f"post_only cannot be combined with {tif.value}")
        if not otype.has_limit_price and tif not in (None, TimeInForce.IOC, TimeInForce.FOK):
            raise refuse(f"a {otype.value} order cannot rest ({tif.value})")
        if otype.has_limit_price and tif is None:
            tif = TimeInForce.GTC
        if cid is None:
            cid = new_client_order_id()
        elif not _CLIENT_ID_RE.match(cid):
            raise refuse(f"client_order_id must be 1-64 printable ASCII characters, got {cid!r}")
        for name, value in (
            ("side", side),
            ("type", otype),
            ("quantity", quantity),
            ("price", price),
            ("stop_price", stop),
            ("time_in_force", tif),
            ("position_side", pside),
            ("client_order_id", cid),
        ):
            force_setattr(self, name, value)

    @property
    def notional(self) -> Decimal | None:
        """Quote value at the limit price, or ``None`` for unpriced orders."""
        return None if self.price is None else self.price * self.quantity


class Order(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An order as the exchange reports it.

    Requested, filled and remaining quantities are kept apart; ``average_fill_price`` is
    ``None`` until something fills.
    """

    # gc=False: every field is a str, Decimal, enum, int, bool or None, so an Order can
    # never be part of a reference cycle; untracked, it is cheaper to create and to free.

    symbol: str
    order_id: str
    client_order_id: str | None
    side: Side
    type: OrderType
    status: OrderStatus
    quantity: Decimal
    filled_quantity: Decimal = ZERO
    remaining_quantity: Decimal | None = None
    price: Decimal | None = None
    average_fill_price: Decimal | None = None
    stop_price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    reduce_only: bool = False
    post_only: bool = False
    position_side: PositionSide | None = None
    created_ms: int | None = None
    updated_ms: int | None = None
    received_ms: int | None = None

    def __post_init__(self) -> None:
        if self.remaining_quantity is None:
            remaining = self.quantity - self.filled_quantity
            if self.status.is_terminal:
                remaining = ZERO
            force_setattr(self, "remaining_quantity", max(remaining, ZERO))

    @property
    def is_open(self) -> bool:
        return self.status.is_working


class Fill(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One execution of one order. ``trade_id`` is unique per symbol on the exchange."""

    symbol: str
    trade_id: str
    order_id: str
    client_order_id: str | None
    side: Side
    price: Decimal
    quantity: Decimal
    fee: Decimal = ZERO
    fee_asset: str | None = None
    is_maker: bool | None = None
    timestamp_ms: int
    received_ms: int | None = None
    realized_pnl: Decimal | None = None
