"""The Bybit emulator's order handlers: create, cancel, cancel-all, realtime, history and
executions, over the venue's simulated exchange, with Bybit's codes per category.

Bybit answers a create with ids only; a ``PostOnly`` order that would take liquidity is
accepted and cancelled at once (``EC_PostOnlyWillTakeLiquidity``), which the simulator,
refusing such orders, cannot hold: those orders are kept here.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from urllib.parse import quote, unquote

from exchangekit.errors import (
    DuplicateClientOrderId,
    ExchangeError,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
)
from exchangekit.models import Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from exchangekit.sim import AccountEvent, OrderEvent
from exchangekit.sim.events import OrderEventKind
from exchangekit_bybit.emulator_rest import Call, Handlers, Refusal
from exchangekit_bybit.emulator_wire import (
    Category,
    Listing,
    Payload,
    Venue,
    execution_row,
    order_row,
)

__all__ = ["POST_ONLY_REJECT", "OrderHandlers", "issue_cursor"]

ZERO = Decimal(0)
_ORDER_LINK_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_MAX_OPEN_ORDERS = 500  # per symbol (fact sheet §2.4)

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


POST_ONLY_REJECT = "EC_PostOnlyWillTakeLiquidity"


class _PostOnlyWouldTake(Exception):
    """The simulator refused a post-only order that would take liquidity."""


class OrderHandlers(Handlers):
    """Orders and executions of the venue's accounts."""

    def __init__(
        self,
        venue: Venue,
        rng: random.Random,
        on_event: Callable[[AccountEvent], None] | None = None,
    ) -> None:
        super().__init__(venue)
        self._rng = rng
        self._on_event = on_event
        self._orders: list[tuple[str, str]] = []  # (account, order id), oldest first
        self._ghosts: dict[str, tuple[str, Order]] = {}
        """Post-only orders Bybit accepted and cancelled at once (the sim never held them)."""

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
        if any(
            a == call.account and o.client_order_id == link_id for a, o in self._ghosts.values()
        ):
            raise Refusal(*_DUPLICATE[category])
        try:
            order = self._place(call.account, category, request)
        except _PostOnlyWouldTake:
            # Bybit accepts a PostOnly order that would take liquidity and cancels it at
            # once (rejectReason EC_PostOnlyWillTakeLiquidity): an order, not an error.
            order = self._post_only_cancelled(call.account, request)
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
            if request.post_only and "post-only" in exc.message:
                raise _PostOnlyWouldTake from None  # the sim's words: no code to go by
            code, _ = _REJECTED[category]
            raise Refusal(code, exc.message) from None

    def _post_only_cancelled(self, account: str, request: OrderRequest) -> Order:
        now = self.venue.now_ms()
        order = Order(
            symbol=request.symbol,
            order_id=f"{self._rng.getrandbits(128):032x}",
            client_order_id=request.client_order_id,
            side=request.side,
            type=request.type,
            status=OrderStatus.CANCELLED,
            quantity=request.quantity,
            remaining_quantity=ZERO,
            price=request.price,
            time_in_force=request.time_in_force,
            post_only=True,
            created_ms=now,
            updated_ms=now,
        )
        self._ghosts[order.order_id] = (account, order)
        if self._on_event is not None:
            self._on_event(
                OrderEvent(
                    timestamp_ms=now, seq=0, account=account,
                    kind=OrderEventKind.CANCELLED, order=order, reason=POST_ONLY_REJECT,
                )
            )  # fmt: skip
        return order

    def _ghost(self, account: str, order_id: str | None, link_id: str | None) -> Order | None:
        for owner, order in self._ghosts.values():
            if owner != account:
                continue
            if order_id is not None and order.order_id == order_id:
                return order
            if order_id is None and link_id is not None and order.client_order_id == link_id:
                return order
        return None

    def _find(self, call: Call, listing: Listing | None, category: Category) -> Order | None:
        order_id, link_id = call.text("orderId"), call.text("orderLinkId")
        if order_id is None and link_id is None:
            return None
        order: Order | None
        try:
            order = self.sim.get_order(
                call.account,
                symbol=listing.symbol if listing else None,
                order_id=order_id,
                client_order_id=None if order_id else link_id,
            )
        except (OrderNotFound, InvalidOrder):
            order = self._ghost(call.account, order_id, link_id)
        if order is None:
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

    def _order_list(self, category: Category, orders: Sequence[Order]) -> Payload:
        rows = [
            order_row(
                self.venue.listings[(category, _wire(self.venue, o))],
                o,
                self.venue,
                reject_reason=POST_ONLY_REJECT if o.order_id in self._ghosts else "EC_NoError",
            )
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
        # [?] the cursor here is an offset into the newest-first list (Bybit does not say
        # what its realtime cursor stands for); an order placed between pages shifts it.
        offset = _cursor_position(call.text("cursor")) or 0
        rows = page["list"]
        page["list"] = rows[offset : offset + limit]
        page["nextPageCursor"] = issue_cursor(offset + limit) if len(rows) > offset + limit else ""
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
            ghost = self._ghosts.get(order_id)
            order = ghost[1] if ghost else self.sim.get_order(account, order_id=order_id)
            if self._category_of_symbol(order.symbol) != category:
                continue
            if listing is None or order.symbol == listing.symbol:
                orders.append(order)
            if len(orders) >= limit:
                break
        return self._order_list(category, orders)

    def executions(self, call: Call) -> Payload:
        """``/v5/execution/list`` as Bybit serves it: newest first, ``limit`` 1-100 (default
        50), pages by ``nextPageCursor``, a range of at most 7 days (the last 7 days when
        no time is given; ``startTime`` alone means ``[startTime, startTime + 7 days]``,
        ``endTime`` alone ``[endTime - 7 days, endTime]``; docs, order/execution)."""
        category = call.category()
        listing = self._maybe_listing(call, category)
        start, end = call.integer("startTime"), call.integer("endTime")
        low, high = _execution_range(start, end, self.venue.now_ms())
        limit = call.integer("limit") or 50
        if not 1 <= limit <= _EXECUTIONS_PAGE:
            raise Refusal(10001, "params error: limit must be in [1, 100]")
        order_id = call.text("orderId")
        below = _cursor_position(call.text("cursor"))
        fills = self.sim.fills(call.account, listing.symbol if listing else None)
        # Newest first; a fill's place in the account's list (oldest first) is its cursor.
        matching = [
            (position, f)
            for position, f in reversed(list(enumerate(fills)))
            if (below is None or position < below)
            and self._category_of_symbol(f.symbol) == category
            and (order_id is None or f.order_id == order_id)
            and low <= f.timestamp_ms <= high
        ]
        chosen = matching[:limit]
        rows = []
        for _, f in chosen:
            found = self.venue.by_symbol(f.symbol)
            assert found is not None
            order = self.sim.get_order(call.account, order_id=f.order_id)
            rows.append(execution_row(found, f, order, next(self.venue.seq)))
        more = len(matching) > limit
        cursor = issue_cursor(chosen[-1][0]) if more else ""
        return {"category": category, "list": rows, "nextPageCursor": cursor}


_EXECUTIONS_PAGE = 100
_WEEK_MS = 7 * 24 * 3600 * 1000


def _execution_range(start: int | None, end: int | None, now_ms: int) -> tuple[int, int]:
    """The ``[low, high]`` execution times a request covers, or Bybit's refusal."""
    if start is None and end is None:
        return now_ms - _WEEK_MS, now_ms
    if end is None:
        assert start is not None
        return start, start + _WEEK_MS
    if start is None:
        return end - _WEEK_MS, end
    if start > end:
        raise Refusal(10001, "params error: startTime needs to be smaller than endTime")
    if end - start > _WEEK_MS:
        # [?] the code: the docs' error list names 181010 with this text among asset
        # endpoints; the execution list's own refusal is taken to be the generic 10001.
        raise Refusal(
            10001, "params error: The time range between startTime and endTime cannot exceed 7 days"
        )
    return start, end


# Bybit's cursors come percent-encoded inside the JSON ("132766%3A2%2C132766%3A2": two
# "number:number" pairs, encoded once; [?] what the numbers stand for is not documented,
# ours are a position and a page). A client sends a cursor back as it came, so its own
# encoding of each '%' is what a real server (and the loopback one) decodes away.
_CURSOR = re.compile(r"^(\d+):(\d+),\1:\2$")


def issue_cursor(position: int, page: int = 1) -> str:
    """A ``nextPageCursor`` in Bybit's shape standing for ``position``."""
    return quote(f"{position}:{page},{position}:{page}", safe="")


def _cursor_position(cursor: str | None) -> int | None:
    """The position a ``nextPageCursor`` of ours stands for, or Bybit's refusal."""
    if not cursor:
        return None
    found = _CURSOR.match(unquote(cursor)) if "%" in cursor else None
    if found is None:
        raise Refusal(10001, "params error: cursor is invalid")
    return int(found.group(1))


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
