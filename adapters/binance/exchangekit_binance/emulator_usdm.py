"""The Binance emulator's USDⓈ-M futures orders and account (``/fapi``): regular orders,
conditional orders on the Algo Service, leverage, listen keys, balances and positions."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit.errors import InsufficientFunds, InvalidOrder, OrderNotFound
from exchangekit.models import Order, OrderStatus, OrderType, Side, TimeInForce
from exchangekit.sim import SimExchange
from exchangekit_binance.emulator_batch import BatchCancels
from exchangekit_binance.emulator_hedge import check_position_side
from exchangekit_binance.emulator_market import MAX_PRICE
from exchangekit_binance.emulator_orders import (
    TIF,
    USDM_CLIENT_ID,
    is_multiple,
    order_request,
    parse_side,
)
from exchangekit_binance.emulator_user_usdm import UsdmUserData
from exchangekit_binance.emulator_wire import (
    ZERO,
    Call,
    Listing,
    Payload,
    Refusal,
    Venue,
    cumulative_quote,
    dec8,
    mandatory,
    position_margin,
    wire_side,
    wire_status,
    wire_tif,
    wire_type,
)
from exchangekit_binance.history import USDM_WINDOW_MS

__all__ = ["UsdmTrading"]

_TYPES = {"LIMIT": OrderType.LIMIT, "MARKET": OrderType.MARKET}
_ALGO_TYPES = {
    "STOP": OrderType.STOP_LIMIT,
    "STOP_MARKET": OrderType.STOP_MARKET,
    "TAKE_PROFIT": OrderType.TAKE_PROFIT_LIMIT,
    "TAKE_PROFIT_MARKET": OrderType.TAKE_PROFIT_MARKET,
}


class UsdmTrading(BatchCancels):
    """Handlers of the futures order, algo-order, account and listen-key endpoints."""

    def __init__(self, venue: Venue, user_data: UsdmUserData) -> None:
        super().__init__(venue)
        self.usdm_user = user_data

    def new_order(self, call: Call) -> Payload:
        listing = self.listing(call)
        side = parse_side(call)
        wire = call.text("type", required=True) or ""
        if wire in _ALGO_TYPES or wire == "TRAILING_STOP_MARKET":
            raise Refusal(
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order API "
                "endpoints instead.",
            )
        otype = _TYPES.get(wire)
        if otype is None:
            raise Refusal(-1116, "Invalid orderType.")
        position_side = check_position_side(self.venue, call)
        reduce_only = call.flag("reduceOnly")
        tif_text = call.text("timeInForce")
        if otype is OrderType.LIMIT and tif_text is None:
            raise Refusal(-1102, mandatory("timeInForce"))
        post_only = tif_text == "GTX"
        tif = None
        if otype is OrderType.LIMIT:
            if tif_text not in ("GTC", "IOC", "FOK", "GTX", "GTD"):
                raise Refusal(-1115, "Invalid timeInForce.")
            if tif_text == "GTD":
                raise Refusal(-1130, "Data sent for parameter 'timeInForce' is not valid.")
            tif = TimeInForce.GTC if post_only else TIF[tif_text or "GTC"]
        quantity = call.decimal("quantity", required=True)
        assert quantity is not None
        price = call.decimal("price", required=otype is OrderType.LIMIT)
        if otype is OrderType.MARKET and price is not None:
            raise Refusal(-1106, "Parameter 'price' sent when not required.")
        client_id = self.client_id(call, "newClientOrderId", USDM_CLIENT_ID)
        resp_type = call.text("newOrderRespType") or "ACK"
        if resp_type not in ("ACK", "RESULT"):
            raise Refusal(-1136, "Invalid newOrderRespType.")
        _filters(self.sim, listing, otype, side, quantity, price, None, reduce_only)
        request = order_request(listing, side, otype, quantity, price, None, tif, client_id)
        request = msgspec.structs.replace(request, reduce_only=reduce_only, post_only=post_only)
        order = self.place(call, request)
        if position_side != "BOTH":
            self.venue.position_sides[order.order_id] = position_side
        if resp_type == "ACK":
            order = msgspec.structs.replace(
                order,
                status=OrderStatus.OPEN,
                filled_quantity=ZERO,
                average_fill_price=None,
                updated_ms=order.created_ms,
            )
        return self._order(listing, order, query=False)

    def cancel(self, call: Call) -> Payload:
        listing = self.listing(call)
        order = self.find(call, listing, cancel=True)
        if order.order_id in self.venue.algo_orders:
            raise Refusal(-2011, "Unknown order sent.")
        try:
            done = self.sim.cancel_order(call.account, order_id=order.order_id)
        except OrderNotFound:
            raise Refusal(-2011, "Unknown order sent.") from None
        return self._order(listing, done, query=False)

    def query(self, call: Call) -> Payload:
        listing = self.listing(call)
        order = self.find(call, listing, cancel=False)
        if order.order_id in self.venue.algo_orders:
            raise Refusal(-2013, "Order does not exist.")
        return self._order(listing, order, query=True)

    def _regular_open(self, account: str, listing: Listing | None) -> list[Order]:
        orders = self.sim.open_orders(account, listing.symbol if listing else None)
        return [o for o in orders if o.order_id not in self.venue.algo_orders]

    def open_orders(self, call: Call) -> list[Payload]:
        orders = self._regular_open(call.account, self.maybe_listing(call))
        return [self._order(self.venue.listings[o.symbol], o, query=True) for o in orders]

    def cancel_all(self, call: Call) -> Payload:
        listing = self.listing(call)
        for order in self._regular_open(call.account, listing):
            try:
                self.sim.cancel_order(call.account, order_id=order.order_id)
            except OrderNotFound:
                continue
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def _order(self, listing: Listing, order: Order, *, query: bool) -> Payload:
        payload = _order(listing, order, query=query)
        payload["positionSide"] = self.venue.position_sides.get(order.order_id, "BOTH")
        return payload

    def trades(self, call: Call) -> list[Payload]:
        listing = self.listing(call)
        return [
            {
                "buyer": f.side is Side.BUY,
                "commission": dec8(f.fee),
                "commissionAsset": f.fee_asset or "USDT",
                "id": int(f.trade_id),
                "maker": bool(f.is_maker),
                "orderId": int(f.order_id),
                "price": listing.price(f.price),
                "qty": listing.qty(f.quantity),
                "quoteQty": dec8(f.price * f.quantity),
                "realizedPnl": dec8(f.realized_pnl),
                "side": wire_side(f.side),
                "positionSide": "BOTH",
                "symbol": listing.wire,
                "time": f.timestamp_ms,
            }
            for f in self.trade_history(call, listing, window_ms=USDM_WINDOW_MS, from_id_alone=True)
        ]

    def _totals(self, account: str) -> dict[str, Decimal]:
        balance = self.sim.balance(account, "USDT")
        positions = self.sim.positions(account)
        margin = sum((position_margin(p) for p in positions), start=ZERO)
        unrealized = sum((p.unrealized_pnl or ZERO for p in positions), start=ZERO)
        wallet = balance.total or ZERO
        return {
            "wallet": wallet,
            "unrealized": unrealized,
            "position_margin": margin,
            "order_margin": max(balance.locked - margin, ZERO),
            "initial": balance.locked,
            "available": balance.free,
            "cross_wallet": wallet - margin,
        }

    def account(self, call: Call) -> Payload:
        t = self._totals(call.account)
        maint = self._maintenance(call.account)
        now = self.sim.now_ms
        positions = []
        for p in self.sim.positions(call.account):
            listing = self.venue.listings[p.symbol]
            margin = position_margin(p)
            positions.append(
                {
                    "symbol": listing.wire,
                    "positionSide": "BOTH",
                    "positionAmt": listing.qty(p.signed_quantity),
                    "unrealizedProfit": dec8(p.unrealized_pnl),
                    "isolatedMargin": dec8(margin + (p.unrealized_pnl or ZERO)),
                    "notional": dec8(p.signed_quantity * (p.mark_price or ZERO)),
                    "isolatedWallet": dec8(margin),
                    "initialMargin": dec8(margin),
                    "maintMargin": dec8(maint.get(p.symbol, ZERO)),
                    "updateTime": p.timestamp_ms or now,
                }
            )
        margin_balance = t["wallet"] + t["unrealized"]
        asset = {
            "asset": "USDT",
            "walletBalance": dec8(t["wallet"]),
            "unrealizedProfit": dec8(t["unrealized"]),
            "marginBalance": dec8(margin_balance),
            "maintMargin": dec8(sum(maint.values(), start=ZERO)),
            "initialMargin": dec8(t["initial"]),
            "positionInitialMargin": dec8(t["position_margin"]),
            "openOrderInitialMargin": dec8(t["order_margin"]),
            "crossWalletBalance": dec8(t["cross_wallet"]),
            "crossUnPnl": dec8(ZERO),
            "availableBalance": dec8(t["available"]),
            "maxWithdrawAmount": dec8(t["available"]),
            "updateTime": now,
        }
        return {
            "totalInitialMargin": asset["initialMargin"],
            "totalMaintMargin": asset["maintMargin"],
            "totalWalletBalance": asset["walletBalance"],
            "totalUnrealizedProfit": asset["unrealizedProfit"],
            "totalMarginBalance": asset["marginBalance"],
            "totalPositionInitialMargin": asset["positionInitialMargin"],
            "totalOpenOrderInitialMargin": asset["openOrderInitialMargin"],
            "totalCrossWalletBalance": asset["crossWalletBalance"],
            "totalCrossUnPnl": asset["crossUnPnl"],
            "availableBalance": asset["availableBalance"],
            "maxWithdrawAmount": asset["maxWithdrawAmount"],
            "assets": [asset],
            "positions": positions,
        }

    def _maintenance(self, account: str) -> dict[str, Decimal]:
        # The sim's maintenance rate is not public; Binance's first bracket is 0.4 %.
        rate = Decimal("0.004")
        return {
            p.symbol: abs(p.signed_quantity * (p.mark_price or ZERO)) * rate
            for p in self.sim.positions(account)
        }

    def balance(self, call: Call) -> list[Payload]:
        t = self._totals(call.account)
        return [
            {
                "accountAlias": "SgsR",
                "asset": "USDT",
                "balance": dec8(t["wallet"]),
                "crossWalletBalance": dec8(t["cross_wallet"]),
                "crossUnPnl": dec8(ZERO),
                "availableBalance": dec8(t["available"]),
                "maxWithdrawAmount": dec8(t["available"]),
                "marginAvailable": True,
                "updateTime": self.sim.now_ms,
            }
        ]

    def position_risk(self, call: Call) -> list[Payload]:
        only = self.maybe_listing(call)
        with_orders = {o.symbol for o in self.sim.open_orders(call.account)}
        maint = self._maintenance(call.account)
        rows = []
        for listing in self.venue.listings.values():
            if only is not None and listing is not only:
                continue
            position = self.sim.position(call.account, listing.symbol)
            if not position.quantity and listing.symbol not in with_orders:
                continue
            amount, mark = position.signed_quantity, position.mark_price or ZERO
            margin = position_margin(position)
            notional = amount * mark
            rows.append(
                {
                    "symbol": listing.wire,
                    "positionSide": "BOTH",
                    "positionAmt": listing.qty(amount),
                    "entryPrice": dec8(position.entry_price),
                    "breakEvenPrice": dec8(position.entry_price),
                    "markPrice": dec8(mark),
                    "unRealizedProfit": dec8(position.unrealized_pnl),
                    "liquidationPrice": dec8(position.liquidation_price),
                    "isolatedMargin": dec8(margin + (position.unrealized_pnl or ZERO)),
                    "notional": dec8(notional),
                    "marginAsset": "USDT",
                    "isolatedWallet": dec8(margin),
                    "initialMargin": dec8(margin),
                    "maintMargin": dec8(maint.get(listing.symbol, ZERO)),
                    "positionInitialMargin": dec8(margin),
                    "openOrderInitialMargin": "0",
                    "adl": 0,
                    "bidNotional": "0",
                    "askNotional": "0",
                    "updateTime": position.timestamp_ms or self.sim.now_ms,
                }
            )
        return rows

    def leverage(self, call: Call) -> Payload:
        listing = self.listing(call)
        value = call.integer("leverage")
        if value is None:
            raise Refusal(-1102, mandatory("leverage"))
        try:
            self.sim.set_leverage(call.account, listing.symbol, value)
        except InvalidOrder:
            raise Refusal(-4028, f"Leverage {value} is not valid") from None
        except InsufficientFunds:
            msg = "Exceeded the maximum allowable position at current leverage."
            raise Refusal(-2027, msg) from None
        return {"leverage": value, "maxNotionalValue": "1000000", "symbol": listing.wire}

    def listen_key_create(self, call: Call) -> Payload:
        return {"listenKey": self.usdm_user.create(call.account)}

    def listen_key_keepalive(self, call: Call) -> Payload:
        key = self.usdm_user.keepalive(call.account)
        if key is None:
            raise Refusal(-1125, "This listenKey does not exist.")
        return {"listenKey": key}

    def listen_key_close(self, call: Call) -> Payload:
        self.usdm_user.close(call.account)
        return {}

    # -- futures conditional orders (Algo Service) ---------------------------------------------

    def algo_new(self, call: Call) -> Payload:
        if (call.text("algoType", required=True) or "") != "CONDITIONAL":
            raise Refusal(-1130, "Data sent for parameter 'algoType' is not valid.")
        listing = self.listing(call)
        side = parse_side(call)
        otype = _ALGO_TYPES.get(call.text("type", required=True) or "")
        if otype is None:
            raise Refusal(-1116, "Invalid orderType.")
        check_position_side(self.venue, call)
        reduce_only = call.flag("reduceOnly")
        trigger = call.decimal("triggerPrice", required=True)
        quantity = call.decimal("quantity", required=True)
        assert quantity is not None
        price = call.decimal("price", required=otype.has_limit_price)
        tif = TIF.get(call.text("timeInForce") or "GTC") if otype.has_limit_price else None
        client_id = self.client_id(call, "clientAlgoId", USDM_CLIENT_ID)
        _filters(self.sim, listing, otype, side, quantity, price, trigger, reduce_only)
        request = order_request(listing, side, otype, quantity, price, trigger, tif, client_id)
        request = msgspec.structs.replace(request, reduce_only=reduce_only)
        order = self.place(call, request)
        self.venue.algo_orders.add(order.order_id)
        return _algo_order(listing, order, "NEW")

    def algo_cancel(self, call: Call) -> Payload:
        algo_id, client_id = call.text("algoId"), call.text("clientAlgoId")
        if algo_id is None and client_id is None:
            raise Refusal(
                -1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!"
            )
        try:
            order = self.sim.get_order(call.account, order_id=algo_id, client_order_id=client_id)
        except (OrderNotFound, InvalidOrder):
            raise Refusal(-2011, "Unknown order sent.") from None
        if order.order_id not in self.venue.algo_orders:
            raise Refusal(-2011, "Unknown order sent.")
        try:
            self.sim.cancel_order(call.account, order_id=order.order_id)
        except OrderNotFound:
            raise Refusal(-2011, "Unknown order sent.") from None
        return {
            "algoId": int(order.order_id),
            "clientAlgoId": order.client_order_id or "",
            "code": "200",
            "msg": "success",
        }

    def algo_open(self, call: Call) -> list[Payload]:
        listing = self.maybe_listing(call)
        orders = self.sim.open_orders(call.account, listing.symbol if listing else None)
        return [
            _algo_order(self.venue.listings[o.symbol], o, "NEW")
            for o in orders
            if o.order_id in self.venue.algo_orders
        ]


def _filters(
    sim: SimExchange,
    listing: Listing,
    otype: OrderType,
    side: Side,
    quantity: Decimal,
    price: Decimal | None,
    stop: Decimal | None,
    reduce_only: bool,
) -> None:
    """Futures filters with futures' own codes (BFD error-code page)."""
    inst = listing.instrument
    for value in (price, stop):
        if value is None:
            continue
        if not is_multiple(value, inst.tick_size):
            raise Refusal(-4014, "Price not increased by tick size.")
        if value < inst.tick_size:
            raise Refusal(-4013, "Price less than min price.")
        if value > MAX_PRICE:
            raise Refusal(-4002, "Price greater than max price.")
    if quantity <= 0:
        raise Refusal(-4003, "Quantity less than or equal to zero.")
    if not is_multiple(quantity, inst.step_size):
        raise Refusal(-1111, "Precision is over the maximum defined for this asset.")
    if quantity < inst.min_quantity:
        raise Refusal(-4004, "Quantity less than min quantity.")
    if inst.max_quantity is not None and quantity > inst.max_quantity:
        raise Refusal(-4005, "Quantity greater than max quantity.")
    mark = sim.mark_price(listing.symbol)
    if mark and price is not None and otype is OrderType.LIMIT:
        # PERCENT_PRICE: a buy at most 5 % above the mark, a sell at most 5 % below.
        if side is Side.BUY and price > mark * Decimal("1.05"):
            cap = listing.price(mark * Decimal("1.05"))
            raise Refusal(-4016, f"Limit price can't be higher than {cap}.")
        if side is Side.SELL and price < mark * Decimal("0.95"):
            floor = listing.price(mark * Decimal("0.95"))
            raise Refusal(-4024, f"Limit price can't be lower than {floor}.")
    at = price if price is not None else stop if stop is not None else mark
    if not reduce_only and at is not None and quantity * at < inst.min_notional:
        minimum = format(inst.min_notional.normalize(), "f")
        raise Refusal(
            -4164,
            f"Order's notional must be no smaller than {minimum} (unless you choose reduce only).",
        )


def _order(listing: Listing, order: Order, *, query: bool) -> Payload:
    otype = wire_type(order, "usdm")
    payload: Payload = {
        "orderId": int(order.order_id),
        "symbol": listing.wire,
        "status": wire_status(order),
        "clientOrderId": order.client_order_id or "",
        "price": listing.price(order.price),
        "avgPrice": dec8(order.average_fill_price),
        "origQty": listing.qty(order.quantity),
        "executedQty": listing.qty(order.filled_quantity),
        "cumQty": listing.qty(order.filled_quantity),
        "cumQuote": dec8(cumulative_quote(order)),
        "timeInForce": wire_tif(order, "usdm"),
        "type": otype,
        "reduceOnly": order.reduce_only,
        "closePosition": False,
        "side": wire_side(order.side),
        "positionSide": "BOTH",
        "stopPrice": listing.price(order.stop_price),
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": otype,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
    }
    if query:
        payload["time"] = order.created_ms or 0
    payload["updateTime"] = order.updated_ms or order.created_ms or 0
    return payload


def _algo_order(listing: Listing, order: Order, status: str) -> Payload:
    return {
        "algoId": int(order.order_id),
        "clientAlgoId": order.client_order_id or "",
        "algoType": "CONDITIONAL",
        "orderType": wire_type(order, "usdm"),
        "symbol": listing.wire,
        "side": wire_side(order.side),
        "positionSide": "BOTH",
        "timeInForce": wire_tif(order, "usdm"),
        "quantity": listing.qty(order.quantity),
        "algoStatus": status,
        "triggerPrice": listing.price(order.stop_price),
        "price": listing.price(order.price),
        "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": "CONTRACT_PRICE",
        "priceMatch": "NONE",
        "closePosition": False,
        "priceProtect": False,
        "reduceOnly": order.reduce_only,
        "createTime": order.created_ms or 0,
        "updateTime": order.updated_ms or 0,
        "triggerTime": 0,
        "goodTillDate": 0,
    }
