"""The Bybit emulator's REST handlers: market data, orders and the account, in Bybit's shapes.

Each handler takes one :class:`Call` (the request's parameters: the query of a GET, the JSON
body of a POST, and the account of its API key) and returns the ``result`` of the envelope,
or raises :class:`Refusal` with Bybit's ``retCode`` (fact sheet §2.5). The dialect in
:mod:`exchangekit_bybit.emulator` routes, authenticates, charges quotas and wraps answers.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from exchangekit.errors import (
    DuplicateClientOrderId,
    ExchangeError,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
)
from exchangekit.models import Order, OrderRequest, OrderType, Side, TimeInForce
from exchangekit.sim import SimExchange
from exchangekit.testing.wire import EmulatorRequest
from exchangekit_bybit.emulator_wire import (
    Category,
    Listing,
    Payload,
    Venue,
    execution_row,
    num,
    order_row,
    position_row,
    wallet_account,
)
from exchangekit_bybit.mappers import INTERVALS

__all__ = ["Call", "Refusal", "RestHandlers", "category_of", "request_params"]

ZERO = Decimal(0)
_ORDER_LINK_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_MAX_OPEN_ORDERS = 500  # per symbol (fact sheet §2.4)
_MAX_LEVERAGE = Decimal(100)

# Codes by category: (spot, linear) (BYD error.mdx; fact sheet §2.5).
_DUPLICATE = {
    "spot": (170141, "Duplicate clientOrderId."),
    "linear": (110072, "OrderLinkedID is duplicate"),
}
_FUNDS = {
    "spot": (170131, "Insufficient balance."),
    "linear": (110007, "ab not enough for new order"),
}
_NOT_FOUND = {
    "spot": (170213, "Order does not exist."),
    "linear": (110001, "order not exists or too late to cancel"),
}
_TOO_SMALL = {
    "spot": (170140, "Order value exceeded lower limit."),
    "linear": (110094, "Order does not meet minimum order value"),
}
_REJECTED = {
    "spot": (170210, "New order rejected."),
    "linear": (110003, "Order price is out of permissible range"),
}


class Refusal(Exception):
    """Bybit's ``{retCode, retMsg}`` answer to a request it will not act on (HTTP 200)."""

    def __init__(self, code: int, msg: str, status: int = 200) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


def _params_error(detail: str) -> Refusal:
    return Refusal(10001, f"params error: {detail}")


class Call:
    """One REST call: its parameters (query for GET, JSON body for POST) and its account."""

    def __init__(self, params: Mapping[str, Any], account: str) -> None:
        self.params = params
        self.account = account

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.params.get(name)
        if value is None or value == "":
            if required:
                raise _params_error(f"{name} is required")
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not _NUMBER.match(value):
            raise _params_error(f"{name} is not a number: {value}")
        try:
            return Decimal(value)
        except InvalidOperation:
            raise _params_error(f"{name} is not a number: {value}") from None

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        if not value.lstrip("-").isdigit():
            raise _params_error(f"{name} is not an integer: {value}")
        return int(value)

    def category(self) -> Category:
        value = self.text("category", required=True)
        if value not in ("spot", "linear"):
            raise Refusal(10001, f"Illegal category {value}")
        return value  # type: ignore[return-value]


class RestHandlers:
    """Bybit's REST answers over the venue's simulated exchange."""

    def __init__(self, venue: Venue, rng: random.Random) -> None:
        self.venue = venue
        self._rng = rng
        self._orders: list[tuple[str, str]] = []  # (account, order id), oldest first

    @property
    def sim(self) -> SimExchange:
        return self.venue.sim

    def _listing(self, call: Call, category: Category | None = None) -> Listing:
        category = category or call.category()
        wire = call.text("symbol", required=True) or ""
        listing = self.venue.listings.get((category, wire))
        if listing is None:
            raise Refusal(10001, "params error: symbol invalid")
        return listing

    def _maybe_listing(self, call: Call, category: Category) -> Listing | None:
        return self._listing(call, category) if call.text("symbol") else None

    # -- market data ------------------------------------------------------------------------

    def time(self, call: Call) -> Payload:
        now_ns = self.venue.now_ms() * 1_000_000
        return {"timeSecond": str(now_ns // 1_000_000_000), "timeNano": str(now_ns)}

    def instruments(self, call: Call) -> Payload:
        category = call.category()
        only = call.text("symbol")
        rows = [
            _instrument_row(x)
            for (cat, wire), x in self.venue.listings.items()
            if cat == category and (only is None or wire == only)
        ]
        return {"category": category, "list": rows, "nextPageCursor": ""}

    def tickers(self, call: Call) -> Payload:
        category = call.category()
        only = self._maybe_listing(call, category)
        rows = []
        for (cat, _), listing in self.venue.listings.items():
            if cat != category or (only is not None and listing is not only):
                continue
            t = self.sim.ticker(listing.symbol)
            change = (t.last / t.open - 1) if t.last and t.open else ZERO
            row: Payload = {
                "symbol": listing.wire,
                "bid1Price": listing.price(t.bid),
                "bid1Size": listing.qty(t.bid_size),
                "ask1Price": listing.price(t.ask),
                "ask1Size": listing.qty(t.ask_size),
                "lastPrice": listing.price(t.last),
                "prevPrice24h": listing.price(t.open),
                "price24hPcnt": num(change.quantize(Decimal("0.0001"))),
                "highPrice24h": listing.price(t.high),
                "lowPrice24h": listing.price(t.low),
                "turnover24h": num(t.quote_volume),
                "volume24h": num(t.volume),
            }
            if category == "linear":
                mark = self.sim.mark_price(listing.symbol)
                row.update(
                    markPrice=listing.price(mark),
                    indexPrice=listing.price(mark),
                    fundingRate="0.0001",
                    nextFundingTime="0",
                    openInterest="1000",
                    openInterestValue="0",
                    fundingIntervalHour="8",
                )
            else:
                row["usdIndexPrice"] = listing.price(t.last)
            rows.append(row)
        return {"category": category, "list": rows}

    def kline(self, call: Call) -> Payload:
        listing = self._listing(call)
        wire_interval = call.text("interval", required=True) or ""
        interval = next((u for u, w in INTERVALS.items() if w == wire_interval), None)
        if interval is None or interval in ("1w", "1M"):  # the sim keeps 1m..1d
            raise Refusal(10001, "params error: Invalid period!")
        limit = call.integer("limit") or 200
        if not 1 <= limit <= 1000:
            raise Refusal(10001, "params error: limit must be in [1, 1000]")
        start, end = call.integer("start"), call.integer("end")
        if start is not None:
            # Bybit answers the newest `limit` candles of [start, end], newest first.
            candles = self.sim.candles(
                listing.symbol, interval, start_ms=start, end_ms=end, limit=100_000
            )
            candles = candles[-limit:]
        else:
            candles = self.sim.candles(listing.symbol, interval, end_ms=end, limit=limit)
        rows = [
            [
                str(c.open_ms),
                listing.price(c.open),
                listing.price(c.high),
                listing.price(c.low),
                listing.price(c.close),
                num(c.volume),
                num(c.quote_volume or ZERO),
            ]
            for c in reversed(candles)
        ]
        return {"symbol": listing.wire, "category": listing.category, "list": rows}

    def orderbook(self, call: Call) -> Payload:
        listing = self._listing(call)
        default = 1 if listing.category == "spot" else 25
        limit = call.integer("limit") or default
        if not 1 <= limit <= 1000:
            raise Refusal(10001, "params error: limit must be in [1, 1000]")
        book = self.sim.book(listing.symbol, limit)
        now = self.venue.now_ms()
        return {
            "s": listing.wire,
            "b": [[listing.price(p), listing.qty(q)] for p, q in book.bids],
            "a": [[listing.price(p), listing.qty(q)] for p, q in book.asks],
            "ts": now,
            "u": book.sequence,
            "seq": next(self.venue.seq),
            "cts": now,
        }

    # -- orders -----------------------------------------------------------------------------

    def create(self, call: Call) -> Payload:
        listing = self._listing(call)
        category = listing.category
        side = _side(call)
        wire_type = call.text("orderType", required=True)
        if wire_type not in ("Market", "Limit"):
            raise Refusal(10001, f"params error: orderType {wire_type}")
        quantity = call.decimal("qty", required=True)
        assert quantity is not None
        price = call.decimal("price")
        if wire_type == "Limit" and price is None:
            raise Refusal(10001, "params error: price is required for a limit order")
        trigger = call.decimal("triggerPrice")
        link_id = call.text("orderLinkId")
        if link_id is not None and not _ORDER_LINK_ID.match(link_id):
            raise Refusal(10001, "params error: orderLinkId is invalid")
        link_id = link_id or f"auto{self._rng.getrandbits(64):016x}"
        tif_text = call.text("timeInForce") or ("IOC" if wire_type == "Market" else "GTC")
        if tif_text not in ("GTC", "IOC", "FOK", "PostOnly"):
            raise Refusal(10001, f"params error: timeInForce {tif_text}")
        reduce_only = call.text("reduceOnly") == "true"
        if category == "spot":
            if reduce_only:
                raise Refusal(10001, "params error: reduceOnly is not supported on spot")
            if (wire_type == "Market" and call.text("marketUnit") == "quoteCoin") or (
                wire_type == "Market" and side is Side.BUY and call.text("marketUnit") is None
            ):
                quantity = self._base_for_quote(listing, quantity)
        else:
            idx = call.integer("positionIdx") or 0
            if idx != 0:
                raise Refusal(10001, "position idx not match position mode")
        otype = self._order_type(listing, side, wire_type, trigger, call)
        self._check_filters(listing, otype, quantity, price)
        if len(self.sim.open_orders(call.account, listing.symbol)) >= _MAX_OPEN_ORDERS:
            raise Refusal(110020 if category == "linear" else 170210, "Too many open orders.")
        request = OrderRequest(
            symbol=listing.symbol,
            side=side,
            type=otype,
            quantity=quantity,
            price=price if otype.has_limit_price else None,
            stop_price=trigger if otype.is_conditional else None,
            time_in_force=_TIF.get(tif_text)
            if otype.has_limit_price and tif_text != "PostOnly"
            else None,
            post_only=tif_text == "PostOnly" and otype.has_limit_price,
            reduce_only=reduce_only,
            client_order_id=link_id,
        )
        order = self._place(call.account, category, request)
        self._orders.append((call.account, order.order_id))
        return {"orderId": order.order_id, "orderLinkId": order.client_order_id or ""}

    def _base_for_quote(self, listing: Listing, amount: Decimal) -> Decimal:
        """A spot market buy's ``qty`` in quote coin, as base at the best ask (approximate:
        Bybit walks the book spending the amount)."""
        ticker = self.sim.ticker(listing.symbol)
        price = ticker.ask or ticker.last
        if not price:
            raise Refusal(*_TOO_SMALL["spot"])
        return listing.instrument.floor_quantity(amount / price, market=True)

    def _order_type(
        self, listing: Listing, side: Side, wire_type: str, trigger: Decimal | None, call: Call
    ) -> OrderType:
        limit = wire_type == "Limit"
        if trigger is None:
            return OrderType.LIMIT if limit else OrderType.MARKET
        if listing.category == "spot":
            direction = None  # spot conditionals trigger on the side of the current price
            last = self.sim.ticker(listing.symbol).last or trigger
            rises = trigger > last
        else:
            direction = call.integer("triggerDirection")
            if direction not in (1, 2):
                raise Refusal(10001, "params error: triggerDirection is required")
            rises = direction == 1
        take_profit = (side is Side.BUY) != rises
        if take_profit:
            return OrderType.TAKE_PROFIT_LIMIT if limit else OrderType.TAKE_PROFIT_MARKET
        return OrderType.STOP_LIMIT if limit else OrderType.STOP_MARKET

    def _check_filters(
        self, listing: Listing, otype: OrderType, quantity: Decimal, price: Decimal | None
    ) -> None:
        inst = listing.instrument
        spot = listing.category == "spot"
        if quantity <= 0 or quantity % inst.step_size:
            raise Refusal(170137 if spot else 10001, "Order quantity has too many decimals.")
        if price is not None and (price <= 0 or price % inst.tick_size):
            raise Refusal(170134 if spot else 10001, "Order price has too many decimals.")
        if quantity < inst.min_quantity:
            raise Refusal(170136 if spot else 10001, "Order quantity exceeded lower limit.")
        reference = price or self.sim.ticker(listing.symbol).last or ZERO
        if inst.min_notional and quantity * reference < inst.min_notional:
            raise Refusal(*_TOO_SMALL[listing.category])

    def _place(self, account: str, category: Category, request: OrderRequest) -> Order:
        """Place in the sim, translating its refusals into Bybit's codes."""
        try:
            return self.sim.place_order(account, request)
        except DuplicateClientOrderId:
            raise Refusal(*_DUPLICATE[category]) from None
        except InsufficientFunds:
            raise Refusal(*_FUNDS[category]) from None
        except NotSupported as exc:
            raise Refusal(10001, f"params error: {exc.message}") from None
        except InvalidOrder as exc:
            raise Refusal(10001, f"params error: {exc.message}") from None
        except ExchangeError as exc:
            code, _ = _REJECTED[category]
            raise Refusal(code, exc.message) from None

    def _find(self, call: Call, listing: Listing | None, category: Category) -> Order | None:
        order_id, link_id = call.text("orderId"), call.text("orderLinkId")
        if order_id is None and link_id is None:
            return None
        try:
            order = self.sim.get_order(
                call.account,
                symbol=listing.symbol if listing else None,
                order_id=order_id,
                client_order_id=None if order_id else link_id,
            )
        except (OrderNotFound, InvalidOrder):
            return None
        found = self.venue.by_symbol(order.symbol)
        if found is None or found.category != category:
            return None
        if link_id is not None and order.client_order_id != link_id:
            return None
        return order

    def cancel(self, call: Call) -> Payload:
        listing = self._listing(call)
        if call.text("orderId") is None and call.text("orderLinkId") is None:
            raise Refusal(10001, "params error: orderId or orderLinkId is required")
        order = self._find(call, listing, listing.category)
        if order is None or order.status.is_terminal:
            raise Refusal(*_NOT_FOUND[listing.category])
        try:
            self.sim.cancel_order(call.account, order_id=order.order_id)
        except OrderNotFound:
            raise Refusal(*_NOT_FOUND[listing.category]) from None
        return {"orderId": order.order_id, "orderLinkId": order.client_order_id or ""}

    def cancel_all(self, call: Call) -> Payload:
        category = call.category()
        listing = self._maybe_listing(call, category)
        if category == "linear" and listing is None and call.text("settleCoin") is None:
            raise Refusal(10001, "params error: symbol, baseCoin or settleCoin is required")
        done = []
        for order in self._open(call.account, category, listing):
            try:
                self.sim.cancel_order(call.account, order_id=order.order_id)
            except OrderNotFound:
                continue
            done.append({"orderId": order.order_id, "orderLinkId": order.client_order_id or ""})
        return {"list": done, "success": "1"}

    def _open(self, account: str, category: Category, listing: Listing | None) -> list[Order]:
        orders = self.sim.open_orders(account, listing.symbol if listing else None)
        return [o for o in orders if self._category_of_symbol(o.symbol) == category]

    def _category_of_symbol(self, symbol: str) -> Category | None:
        listing = self.venue.by_symbol(symbol)
        return listing.category if listing else None

    def _order_list(self, category: Category, orders: Sequence[Order]) -> Payload:
        rows = [
            order_row(self.venue.listings[(category, _wire(self.venue, o))], o, self.venue)
            for o in sorted(orders, key=lambda o: o.created_ms or 0, reverse=True)
        ]
        return {"category": category, "list": rows, "nextPageCursor": ""}

    def realtime(self, call: Call) -> Payload:
        category = call.category()
        listing = self._maybe_listing(call, category)
        by_id = call.text("orderId") is not None or call.text("orderLinkId") is not None
        if by_id:
            order = self._find(call, listing, category)
            return self._order_list(category, [order] if order else [])
        if category == "linear" and listing is None and call.text("settleCoin") is None:
            raise Refusal(10001, "params error: symbol, baseCoin or settleCoin is required")
        limit = min(call.integer("limit") or 20, 50)
        orders = self._open(call.account, category, listing)
        page = self._order_list(category, orders)
        page["list"] = page["list"][:limit]
        return page

    def history(self, call: Call) -> Payload:
        category = call.category()
        listing = self._maybe_listing(call, category)
        if call.text("orderId") is not None or call.text("orderLinkId") is not None:
            order = self._find(call, listing, category)
            return self._order_list(category, [order] if order else [])
        limit = min(call.integer("limit") or 20, 50)
        orders = []
        for account, order_id in reversed(self._orders):
            if account != call.account:
                continue
            order = self.sim.get_order(account, order_id=order_id)
            if self._category_of_symbol(order.symbol) != category:
                continue
            if listing is None or order.symbol == listing.symbol:
                orders.append(order)
            if len(orders) >= limit:
                break
        return self._order_list(category, orders)

    def executions(self, call: Call) -> Payload:
        category = call.category()
        listing = self._maybe_listing(call, category)
        start, end = call.integer("startTime"), call.integer("endTime")
        limit = min(call.integer("limit") or 50, 100)
        order_id = call.text("orderId")
        fills = [
            f
            for f in self.sim.fills(call.account, listing.symbol if listing else None)
            if self._category_of_symbol(f.symbol) == category
            and (order_id is None or f.order_id == order_id)
            and (start is None or f.timestamp_ms >= start)
            and (end is None or f.timestamp_ms <= end)
        ]
        chosen = fills[:limit] if start is not None else fills[-limit:]
        rows = []
        for f in reversed(chosen):  # newest first
            found = self.venue.by_symbol(f.symbol)
            assert found is not None
            order = self.sim.get_order(call.account, order_id=f.order_id)
            rows.append(execution_row(found, f, order, next(self.venue.seq)))
        return {"category": category, "list": rows, "nextPageCursor": ""}

    # -- account ----------------------------------------------------------------------------

    def wallet(self, call: Call) -> Payload:
        if (call.text("accountType", required=True) or "") != "UNIFIED":
            raise Refusal(10001, "accountType only support UNIFIED.")
        wanted = call.text("coin")
        coins = set(wanted.split(",")) if wanted else None
        balances = [
            b
            for b in self.sim.balances(call.account)
            if (coins is None or b.asset in coins) and (b.total or b.free or b.locked)
        ]
        return {"list": [wallet_account(balances)]}

    def positions(self, call: Call) -> Payload:
        category = call.category()
        if category != "linear":
            raise Refusal(10001, "params error: category only support linear or option")
        listing = self._maybe_listing(call, category)
        if listing is None and call.text("settleCoin") is None:
            raise Refusal(10001, "params error: symbol or settleCoin is required")
        rows = []
        now = self.venue.now_ms()
        for (cat, _), x in self.venue.listings.items():
            if cat != "linear" or (listing is not None and x is not listing):
                continue
            position = self.sim.position(call.account, x.symbol)
            if position.quantity or listing is not None:
                rows.append(position_row(x, position, next(self.venue.seq), now))
        return {"category": category, "list": rows, "nextPageCursor": ""}

    def set_leverage(self, call: Call) -> Payload:
        listing = self._listing(call)
        if listing.category != "linear":
            raise Refusal(10001, "params error: category only support linear")
        buy, sell = call.decimal("buyLeverage", required=True), call.decimal("sellLeverage")
        assert buy is not None
        if sell is not None and sell != buy:
            raise Refusal(110027, "buy leverage must equal sell leverage in one-way mode")
        current = self.sim.position(call.account, listing.symbol).leverage
        if current == buy:
            raise Refusal(110043, "Set leverage not modified")
        if not 1 <= buy <= _MAX_LEVERAGE:
            raise Refusal(10001, "params error: leverage invalid")
        try:
            self.sim.set_leverage(call.account, listing.symbol, buy)
        except InvalidOrder:
            raise Refusal(10001, "params error: leverage invalid") from None
        except InsufficientFunds:
            raise Refusal(110012, "Insufficient available balance") from None
        return {}


# -- helpers ------------------------------------------------------------------------------------


def request_params(request: EmulatorRequest) -> dict[str, Any]:
    if request.method == "GET" or not request.body:
        return dict(request.query)
    try:
        body = msgspec.json.decode(request.body)
    except msgspec.DecodeError:
        raise Refusal(10001, "params error: the body is not JSON") from None
    if not isinstance(body, dict):
        raise Refusal(10001, "params error: the body must be a JSON object")
    return body


def category_of(request: EmulatorRequest) -> Category:
    try:
        params = request_params(request)
    except Refusal:
        return "spot"
    return "linear" if params.get("category") == "linear" else "spot"


def _side(call: Call) -> Side:
    value = call.text("side", required=True)
    if value == "Buy":
        return Side.BUY
    if value == "Sell":
        return Side.SELL
    raise Refusal(10001, f"params error: side invalid: {value}")


def _wire(venue: Venue, order: Order) -> str:
    listing = venue.by_symbol(order.symbol)
    assert listing is not None
    return listing.wire


def _instrument_row(listing: Listing) -> Payload:
    inst = listing.instrument
    if listing.category == "spot":
        return {
            "symbol": listing.wire,
            "baseCoin": inst.base,
            "quoteCoin": inst.quote,
            "innovation": "0",
            "status": "Trading",
            "marginTrading": "utaOnly",
            "stTag": "0",
            "lotSizeFilter": {
                "basePrecision": num(inst.step_size),
                "quotePrecision": num(inst.tick_size),
                "minOrderQty": num(inst.min_quantity),
                "maxOrderQty": num(inst.max_quantity),
                "minOrderAmt": num(inst.min_notional),
                "maxOrderAmt": "2000000",
                "maxLimitOrderQty": num(inst.max_quantity),
                "maxMarketOrderQty": num(inst.max_quantity),
            },
            "priceFilter": {"tickSize": num(inst.tick_size)},
            "riskParameters": {"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.05"},
        }
    return {
        "symbol": listing.wire,
        "contractType": "LinearPerpetual",
        "status": "Trading",
        "baseCoin": inst.base,
        "quoteCoin": inst.quote,
        "settleCoin": inst.settle or inst.quote,
        "launchTime": "1585526400000",
        "deliveryTime": "0",
        "deliveryFeeRate": "",
        "priceScale": str(max(0, -int(inst.tick_size.normalize().as_tuple().exponent))),
        "leverageFilter": {
            "minLeverage": "1",
            "maxLeverage": num(_MAX_LEVERAGE),
            "leverageStep": "0.01",
        },
        "priceFilter": {
            "minPrice": num(inst.tick_size),
            "maxPrice": "1999999.8",
            "tickSize": num(inst.tick_size),
        },
        "lotSizeFilter": {
            "maxOrderQty": num(inst.max_quantity),
            "maxMktOrderQty": num(inst.max_quantity),
            "minOrderQty": num(inst.min_quantity),
            "qtyStep": num(inst.step_size),
            "postOnlyMaxOrderQty": num(inst.max_quantity),
            "minNotionalValue": num(inst.min_notional),
        },
        "unifiedMarginTrade": True,
        "fundingInterval": 480,
        "copyTrading": "both",
        "isPreListing": False,
    }
