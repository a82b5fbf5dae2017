"""The Binance emulator's spot orders and account (``/api/v3/order``, ``openOrders``,
``myTrades``, ``account``): the filters of BSD filters.md and spot's response shapes."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit.errors import OrderNotFound
from exchangekit.models import Fill, Order, OrderType, Side, TimeInForce
from exchangekit.sim import SimExchange
from exchangekit_binance.emulator_market import MAX_NUM_ORDERS, MAX_PRICE, MIN_PRICE
from exchangekit_binance.emulator_orders import (
    SPOT_CLIENT_ID,
    TIF,
    Trading,
    is_multiple,
    order_request,
    parse_side,
    reference_price,
)
from exchangekit_binance.emulator_wire import (
    ZERO,
    Call,
    Listing,
    Payload,
    Refusal,
    cumulative_quote,
    dec8,
    mandatory,
    wire_side,
    wire_status,
    wire_tif,
    wire_type,
)
from exchangekit_binance.history import SPOT_WINDOW_MS

__all__ = ["SpotTrading"]

_TYPES = {
    "LIMIT": OrderType.LIMIT,
    "LIMIT_MAKER": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP_LOSS": OrderType.STOP_MARKET,
    "STOP_LOSS_LIMIT": OrderType.STOP_LIMIT,
    "TAKE_PROFIT": OrderType.TAKE_PROFIT_MARKET,
    "TAKE_PROFIT_LIMIT": OrderType.TAKE_PROFIT_LIMIT,
}


class SpotTrading(Trading):
    """Handlers of spot's order and account endpoints."""

    def new_order(self, call: Call) -> Payload:
        listing = self.listing(call)
        side = parse_side(call)
        wire = call.text("type", required=True) or ""
        otype = _TYPES.get(wire)
        if otype is None:
            raise Refusal(-1116, "Invalid orderType.")
        tif = _tif(call, wire)
        quantity = call.decimal("quantity")
        quote_qty = call.decimal("quoteOrderQty")
        price = call.decimal("price")
        stop = call.decimal("stopPrice")
        if otype is OrderType.MARKET:
            if quantity is None and quote_qty is None:
                raise Refusal(
                    -1102,
                    "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
                )
        elif quantity is None:
            raise Refusal(-1102, mandatory("quantity"))
        if otype.has_limit_price and price is None:
            raise Refusal(-1102, mandatory("price"))
        if not otype.has_limit_price and price is not None:
            raise Refusal(-1106, "Parameter 'price' sent when not required.")
        if otype.is_conditional and stop is None:
            raise Refusal(-1102, mandatory("stopPrice"))
        for name, value in (("quantity", quantity), ("price", price), ("stopPrice", stop)):
            if value is not None and -value.as_tuple().exponent > 8:  # type: ignore[operator]
                raise Refusal(-1111, f"Parameter '{name}' has too much precision.")
        client_id = self.client_id(call, "newClientOrderId", SPOT_CLIENT_ID)
        resp_type = call.text("newOrderRespType") or (
            "FULL" if otype in (OrderType.MARKET, OrderType.LIMIT) else "ACK"
        )
        if resp_type not in ("ACK", "RESULT", "FULL"):
            raise Refusal(-1130, "Data sent for parameter 'newOrderRespType' is not valid.")
        if quantity is None:
            assert quote_qty is not None
            quantity = self._quantity_for_quote(listing, side, quote_qty)
        _filters(self.sim, listing, otype, quantity, price, stop)
        if len(self.sim.open_orders(call.account, listing.symbol)) >= MAX_NUM_ORDERS:
            raise Refusal(-1013, "Filter failure: MAX_NUM_ORDERS")
        request = order_request(listing, side, otype, quantity, price, stop, tif, client_id)
        if wire == "LIMIT_MAKER":
            request = msgspec.structs.replace(request, post_only=True, time_in_force=None)
        order = self.place(call, request)
        if resp_type == "ACK":
            return _ack(listing, order)
        payload = _order(listing, order, result=True)
        if resp_type == "FULL":
            payload["fills"] = [_fill(listing, f) for f in self.fills_of(call, order)]
        return payload

    def _quantity_for_quote(self, listing: Listing, side: Side, quote_qty: Decimal) -> Decimal:
        """``quoteOrderQty`` as a base quantity at the best opposite price (an approximation:
        Binance walks the book spending exactly the quote amount)."""
        ticker = self.sim.ticker(listing.symbol)
        price = (ticker.ask if side is Side.BUY else ticker.bid) or ticker.last
        if not price:
            raise Refusal(-1013, "Filter failure: NOTIONAL")
        return listing.instrument.floor_quantity(quote_qty / price, market=True)

    def cancel(self, call: Call) -> Payload:
        listing = self.listing(call)
        order = self.find(call, listing, cancel=True)
        cancel_id = self.client_id(call, "newClientOrderId", SPOT_CLIENT_ID)
        self.venue.cancel_ids[order.order_id] = cancel_id
        try:
            done = self.sim.cancel_order(call.account, order_id=order.order_id)
        except OrderNotFound:
            self.venue.cancel_ids.pop(order.order_id, None)
            raise Refusal(-2011, "Unknown order sent.") from None
        return _cancelled(listing, done, cancel_id, self.venue.now_ms())

    def query(self, call: Call) -> Payload:
        listing = self.listing(call)
        return _order(listing, self.find(call, listing, cancel=False), result=False)

    def open_orders(self, call: Call) -> list[Payload]:
        listing = self.maybe_listing(call)
        orders = self.sim.open_orders(call.account, listing.symbol if listing else None)
        return [_order(self.venue.listings[o.symbol], o, result=False) for o in orders]

    def cancel_all(self, call: Call) -> list[Payload]:
        listing = self.listing(call)
        open_orders = self.sim.open_orders(call.account, listing.symbol)
        if not open_orders:
            raise Refusal(-2011, "Unknown order sent.")
        ids = {o.order_id: self.venue.new_client_id() for o in open_orders}
        self.venue.cancel_ids.update(ids)
        done = self.sim.cancel_all(call.account, listing.symbol)
        now = self.venue.now_ms()
        return [_cancelled(listing, o, ids[o.order_id], now) for o in done]

    def trades(self, call: Call) -> list[Payload]:
        listing = self.listing(call)
        return [
            {
                "symbol": listing.wire,
                "id": int(f.trade_id),
                "orderId": int(f.order_id),
                "orderListId": -1,
                "price": listing.price(f.price),
                "qty": listing.qty(f.quantity),
                "quoteQty": dec8(f.price * f.quantity),
                "commission": dec8(f.fee),
                "commissionAsset": f.fee_asset or listing.instrument.quote,
                "time": f.timestamp_ms,
                "isBuyer": f.side is Side.BUY,
                "isMaker": bool(f.is_maker),
                "isBestMatch": True,
            }
            for f in self.trade_history(call, listing, window_ms=SPOT_WINDOW_MS)
        ]

    def account(self, call: Call) -> Payload:
        omit_zero = call.flag("omitZeroBalances")
        balances = [
            {"asset": b.asset, "free": dec8(b.free), "locked": dec8(b.locked)}
            for b in self.sim.balances(call.account)
            if not omit_zero or b.free or b.locked
        ]
        rates = {"maker": "0.00100000", "taker": "0.00100000", "buyer": "0.00000000"}
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {**rates, "seller": "0.00000000"},
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": self.sim.now_ms,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": 1000 + sorted(self.sim.accounts).index(call.account),
        }


def _tif(call: Call, wire: str) -> TimeInForce | None:
    text = call.text("timeInForce")
    needs = wire in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
    if needs and text is None:
        raise Refusal(-1102, mandatory("timeInForce"))
    if not needs and text is not None:
        raise Refusal(-1106, "Parameter 'timeInForce' sent when not required.")
    if text is None:
        return None
    tif = TIF.get(text)
    if tif is None:
        raise Refusal(-1115, "Invalid timeInForce.")
    return tif


def _filters(
    sim: SimExchange,
    listing: Listing,
    otype: OrderType,
    quantity: Decimal,
    price: Decimal | None,
    stop: Decimal | None,
) -> None:
    """The spot filters (BSD filters.md), in the order Binance reports their failures."""
    inst = listing.instrument
    for value in (price, stop):
        if value is not None and (
            not is_multiple(value, inst.tick_size) or not MIN_PRICE <= value <= MAX_PRICE
        ):
            raise Refusal(-1013, "Filter failure: PRICE_FILTER")
    reference = reference_price(sim, listing)
    if price is not None and reference and not reference / 5 <= price <= reference * 5:
        raise Refusal(-1013, "Filter failure: PERCENT_PRICE_BY_SIDE")
    market = otype is OrderType.MARKET
    if (
        not is_multiple(quantity - inst.min_quantity, inst.step_size)
        or quantity < inst.min_quantity
        or (inst.max_quantity is not None and quantity > inst.max_quantity)
    ):
        raise Refusal(-1013, f"Filter failure: {'MARKET_LOT_SIZE' if market else 'LOT_SIZE'}")
    at = price if price is not None else stop if stop is not None else reference
    if at is not None and quantity * at < inst.min_notional:
        raise Refusal(-1013, "Filter failure: NOTIONAL")


def _ack(listing: Listing, order: Order) -> Payload:
    return {
        "symbol": listing.wire,
        "orderId": int(order.order_id),
        "orderListId": -1,
        "clientOrderId": order.client_order_id or "",
        "transactTime": order.created_ms or 0,
    }


def _order(listing: Listing, order: Order, *, result: bool) -> Payload:
    """RESULT/FULL placement (``result``) or query/openOrders (else) shape."""
    created = order.created_ms or 0
    working = order.status.is_working and not order.type.is_conditional
    payload: Payload = {"symbol": listing.wire, "orderId": int(order.order_id), "orderListId": -1}
    payload["clientOrderId"] = order.client_order_id or ""
    if result:
        payload["transactTime"] = created
    payload.update(
        price=dec8(order.price),
        origQty=dec8(order.quantity),
        executedQty=dec8(order.filled_quantity),
        cummulativeQuoteQty=dec8(cumulative_quote(order)),
        status=wire_status(order),
        timeInForce=wire_tif(order, "spot"),
        type=wire_type(order, "spot"),
        side=wire_side(order.side),
    )
    if order.stop_price is not None:
        payload["stopPrice"] = dec8(order.stop_price)
    if not result:
        payload.update(
            stopPrice=dec8(order.stop_price),
            icebergQty=dec8(ZERO),
            time=created,
            updateTime=order.updated_ms or created,
            isWorking=working,
        )
    payload.update(
        workingTime=-1 if order.type.is_conditional and working else created,
        origQuoteOrderQty=dec8(ZERO),
        selfTradePreventionMode="EXPIRE_MAKER",
    )
    return payload


def _fill(listing: Listing, fill: Fill) -> Payload:
    return {
        "price": listing.price(fill.price),
        "qty": listing.qty(fill.quantity),
        "commission": dec8(fill.fee),
        "commissionAsset": fill.fee_asset or listing.instrument.quote,
        "tradeId": int(fill.trade_id),
    }


def _cancelled(listing: Listing, order: Order, cancel_id: str, now: int) -> Payload:
    return {
        "symbol": listing.wire,
        "origClientOrderId": order.client_order_id or "",
        "orderId": int(order.order_id),
        "orderListId": -1,
        "clientOrderId": cancel_id,
        "transactTime": now,
        "price": dec8(order.price),
        "origQty": dec8(order.quantity),
        "executedQty": dec8(order.filled_quantity),
        "cummulativeQuoteQty": dec8(cumulative_quote(order)),
        "status": wire_status(order),
        "timeInForce": wire_tif(order, "spot"),
        "type": wire_type(order, "spot"),
        "side": wire_side(order.side),
        "selfTradePreventionMode": "EXPIRE_MAKER",
    }
