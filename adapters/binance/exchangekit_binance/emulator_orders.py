"""What the Binance emulator's spot and futures order handlers share.

Finding an order (-2011/-2013), client order ids, placing in the simulated exchange with its
refusals translated into Binance's codes (fact sheet §1.5), trade history, and the request
checks both markets make.
"""

from __future__ import annotations

import re
from decimal import Decimal

from exchangekit.errors import (
    DuplicateClientOrderId,
    ExchangeError,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
)
from exchangekit.models import Fill, Order, OrderRequest, OrderType, Side, TimeInForce
from exchangekit.sim import SimExchange
from exchangekit_binance.emulator_wire import Call, Handlers, Listing, Refusal

__all__ = [
    "SPOT_CLIENT_ID",
    "TIF",
    "USDM_CLIENT_ID",
    "Trading",
    "filter_refusal",
    "is_multiple",
    "reference_price",
    "order_request",
    "parse_side",
]

SPOT_CLIENT_ID = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")
USDM_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}


class Trading(Handlers):
    """Base of the spot and futures order handlers."""

    def find(self, call: Call, listing: Listing, *, cancel: bool) -> Order:
        order_id = call.text("orderId")
        client_id = call.text("origClientOrderId")
        if order_id is None and client_id is None:
            raise Refusal(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        try:
            order = self.sim.get_order(
                call.account, symbol=listing.symbol, order_id=order_id, client_order_id=client_id
            )
        except (OrderNotFound, InvalidOrder):
            order = None
        if order is None or (client_id is not None and order.client_order_id != client_id):
            if cancel:
                raise Refusal(-2011, "Unknown order sent.")
            raise Refusal(-2013, "Order does not exist.")
        return order

    def client_id(self, call: Call, name: str, pattern: re.Pattern[str]) -> str:
        client_id = call.text(name)
        if client_id is None:
            return self.venue.new_client_id()
        if len(client_id) > 36 and self.market == "usdm":
            raise Refusal(-4015, "Client order id length should not be more than 36 chars")
        if not pattern.match(client_id):
            raise Refusal(
                -1100,
                f"Illegal characters found in parameter '{name}'; legal range is "
                f"'{pattern.pattern}'.",
            )
        return client_id

    def place(self, call: Call, request: OrderRequest) -> Order:
        """Place in the sim, translating its refusals into Binance's codes (fact sheet §1.5)."""
        spot = self.market == "spot"
        try:
            return self.sim.place_order(call.account, request)
        except DuplicateClientOrderId:
            if spot:
                raise Refusal(-2010, "Duplicate order sent.") from None
            raise Refusal(-4116, "ClientOrderId is duplicated.") from None
        except InsufficientFunds:
            if spot:
                raise Refusal(
                    -2010, "Account has insufficient balance for requested action."
                ) from None
            raise Refusal(-2019, "Margin is insufficient.") from None
        except NotSupported as exc:
            msg = f"Data sent for parameter 'timeInForce' is not valid. ({exc.message})"
            raise Refusal(-1130, msg) from None
        except InvalidOrder as exc:
            raise filter_refusal(exc, spot) from None
        except ExchangeError as exc:
            text = exc.message.lower()
            if "post-only" in text:
                if spot:
                    raise Refusal(-2010, "Order would immediately match and take.") from None
                raise Refusal(
                    -5022,
                    "Due to the order could not be executed as maker, the Post Only order "
                    "will be rejected. The order will not be recorded in the order history",
                ) from None
            if "trigger immediately" in text:
                if spot:
                    raise Refusal(-2010, "Stop price would trigger immediately.") from None
                raise Refusal(-2021, "Order would immediately trigger.") from None
            if "reduce-only" in text:
                raise Refusal(-2022, "ReduceOnly Order is rejected.") from None
            raise Refusal(-2010, exc.message) from None

    def fills_of(self, call: Call, order: Order) -> list[Fill]:
        since = order.created_ms
        return [
            f
            for f in self.sim.fills(call.account, order.symbol, since_ms=since)
            if f.order_id == order.order_id
        ]

    def trade_history(
        self, call: Call, listing: Listing, *, window_ms: int, from_id_alone: bool = False
    ) -> list[Fill]:
        """myTrades / userTrades: a time range at most ``window_ms`` long (-1127, both
        markets' docs); on futures ``fromId`` goes without a time range (-1128)."""
        order_id, from_id = call.text("orderId"), call.integer("fromId")
        start, end = call.integer("startTime"), call.integer("endTime")
        if start is not None and end is not None and end - start > window_ms:
            hours = window_ms // 3_600_000
            raise Refusal(-1127, f"More than {hours} hours between startTime and endTime.")
        if from_id_alone and from_id is not None and (start is not None or end is not None):
            raise Refusal(-1128, "Combination of optional parameters invalid.")
        fills = self.sim.fills(call.account, listing.symbol)
        limit = min(call.integer("limit") or 500, 1000)
        chosen = [
            f
            for f in fills
            if (order_id is None or f.order_id == order_id)
            and (from_id is None or int(f.trade_id) >= from_id)
            and (start is None or f.timestamp_ms >= start)
            and (end is None or f.timestamp_ms <= end)
        ]
        oldest_first = from_id is not None or start is not None
        return chosen[:limit] if oldest_first else chosen[-limit:]


def parse_side(call: Call) -> Side:
    value = call.text("side", required=True)
    if value == "BUY":
        return Side.BUY
    if value == "SELL":
        return Side.SELL
    raise Refusal(-1117, "Invalid side.")


def order_request(
    listing: Listing,
    side: Side,
    otype: OrderType,
    quantity: Decimal,
    price: Decimal | None,
    stop: Decimal | None,
    tif: TimeInForce | None,
    client_id: str,
) -> OrderRequest:
    try:
        return OrderRequest(
            symbol=listing.symbol,
            side=side,
            type=otype,
            quantity=quantity,
            price=price,
            stop_price=stop,
            time_in_force=tif,
            client_order_id=client_id,
        )
    except InvalidOrder as exc:
        raise Refusal(-1013, f"Invalid quantity or price ({exc.message}).") from None


def reference_price(sim: SimExchange, listing: Listing) -> Decimal | None:
    ticker = sim.ticker(listing.symbol)
    return ticker.last or sim.mark_price(listing.symbol)


def is_multiple(value: Decimal, unit: Decimal) -> bool:
    return unit == 0 or value % unit == 0


def filter_refusal(exc: InvalidOrder, spot: bool) -> Refusal:
    """A filter failure the sim found that the checks above let through."""
    text = exc.message.lower()
    if "tick" in text or "price" in text:
        name, code, msg = "PRICE_FILTER", -4014, "Price not increased by tick size."
    elif "notional" in text:
        name, code, msg = "NOTIONAL", -4164, "Order's notional must be no smaller than minimum."
    else:
        name, code, msg = "LOT_SIZE", -1111, "Precision is over the maximum defined for this asset."
    if spot:
        return Refusal(-1013, f"Filter failure: {name}")
    return Refusal(code, msg)
