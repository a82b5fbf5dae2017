"""The OKX emulator's REST handlers: market data, trading and account, over the sim.

Each handler takes one :class:`Call` (query, JSON body, account) and returns OKX's envelope
``{"code", "msg", "data"}``. A request OKX would refuse outright raises :class:`Refusal`
(``code`` with ``data`` empty); an order item OKX refuses raises :class:`ItemRefusal` and is
answered ``code`` "1" with the reason in ``data[0].sCode`` (HTTP 200), as OKX does
(OKD #error-code-rest-api-public; fact sheet §3.4, §3.5).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
from exchangekit.models import Fill, Order, OrderRequest, OrderType, Side, TimeInForce
from exchangekit.sim import OrderEvent, SimEvent, SimExchange
from exchangekit.sim.events import OrderEventKind
from exchangekit.testing.wire import EmulatorResponse
from exchangekit_okx.emulator_streams import PublicFeeds, WsVenueState
from exchangekit_okx.emulator_wire import (
    Listing,
    Payload,
    balance_row,
    fill_row,
    order_row,
    plain,
    position_row,
)

__all__ = ["BARS", "Call", "ItemRefusal", "OkxRestApi", "Refusal", "json_response", "ok"]

ZERO = Decimal(0)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_ORD_TYPES: dict[str, tuple[OrderType, TimeInForce | None, bool]] = {
    "market": (OrderType.MARKET, None, False),
    "limit": (OrderType.LIMIT, TimeInForce.GTC, False),
    "post_only": (OrderType.LIMIT, TimeInForce.GTC, True),
    "ioc": (OrderType.LIMIT, TimeInForce.IOC, False),
    "fok": (OrderType.LIMIT, TimeInForce.FOK, False),
}
BARS = {
    "1m": "1m", "3m": "3m", "5m": "5m", "15m": "15m", "30m": "30m", "1H": "1h", "2H": "2h",
    "4H": "4h", "6Hutc": "6h", "12Hutc": "12h", "1Dutc": "1d",
}  # fmt: skip
"""OKX ``bar`` -> the simulator's interval (the simulator keeps 1m..1d, UTC-aligned)."""


_RECENT_MS = 3 * 24 * 3600 * 1000
"""``trade/fills``: "Transaction details (last 3 days)"."""
_ARCHIVE_MS = 90 * 24 * 3600 * 1000
"""``trade/fills-history``: "last 3 months", taken as 90 days."""


class Refusal(Exception):
    """OKX's ``{"code", "msg", "data": []}`` answer to a request it will not act on."""

    def __init__(self, code: str, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status

    def response(self) -> EmulatorResponse:
        return json_response({"code": self.code, "msg": self.msg, "data": []}, self.status)


class ItemRefusal(Exception):
    """An order item OKX refuses: ``code`` "1" with the reason in ``data[0].sCode``."""

    def __init__(self, s_code: str, s_msg: str) -> None:
        super().__init__(s_msg)
        self.s_code, self.s_msg = s_code, s_msg


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> EmulatorResponse:
    return EmulatorResponse(status=status, body=msgspec.json.encode(data), headers=headers or {})


def ok(data: list[Any]) -> Payload:
    return {"code": "0", "msg": "", "data": data}


@dataclass(frozen=True, slots=True)
class Call:
    """One REST call: query, JSON body and the account it acts for."""

    query: Mapping[str, str]
    body: Any
    account: str

    def get(self, name: str, *, required: bool = False) -> str | None:
        source = self.body if isinstance(self.body, dict) else self.query
        value = source.get(name)
        if value in (None, ""):
            if required:
                raise Refusal("50014", f"Parameter {name} can not be empty.")
            return None
        return str(value)

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        text = self.get(name, required=required)
        if text is None:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise Refusal("51000", f"Parameter {name} error") from None
        if not value.is_finite() or value < 0:
            raise Refusal("51000", f"Parameter {name} error")
        return value

    def integer(self, name: str) -> int | None:
        text = self.get(name)
        if text is None:
            return None
        if not text.lstrip("-").isdigit():
            raise Refusal("51000", f"Parameter {name} error")
        return int(text)


class OkxRestApi:
    """The REST handlers over one simulated exchange (see the module docstring)."""

    def __init__(self, state: WsVenueState, public: PublicFeeds, now_ms: Callable[[], int]) -> None:
        self.state = state
        self.public = public
        self.now_ms = now_ms
        self._by_symbol = {x.symbol: x for x in state.listings.values()}
        self._bill_ids: dict[tuple[str, str, str], int] = {}
        self._position_ids: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(1)
        self.algo_ids: set[str] = set()
        """Orders placed through ``order-algo`` (stops and take-profits)."""
        self.triggered: set[str] = set()
        self._subscription = state.sim.subscribe(self._on_order_event, kinds=(OrderEvent,))

    def _on_order_event(self, event: SimEvent) -> None:
        if isinstance(event, OrderEvent) and event.kind is OrderEventKind.TRIGGERED:
            self.triggered.add(event.order.order_id)

    def is_pending_algo(self, order_id: str) -> bool:
        """An algo order not triggered yet: OKX lists it on the algo endpoints only."""
        return order_id in self.algo_ids and order_id not in self.triggered

    @property
    def sim(self) -> SimExchange:
        return self.state.sim

    def listing_of(self, symbol: str) -> Listing | None:
        return self._by_symbol.get(symbol)

    def _listing(self, call: Call, *, inst_type: str | None = None) -> Listing:
        inst_id = call.get("instId", required=True) or ""
        listing = self.state.listings.get(inst_id)
        if listing is None or (inst_type is not None and listing.inst_type != inst_type):
            raise Refusal("51001", "Instrument ID does not exist.")
        return listing

    def position_id(self, account: str, symbol: str) -> str:
        key = (account, symbol)
        if key not in self._position_ids:
            self._position_ids[key] = str(600_000_000 + len(self._position_ids))
        return self._position_ids[key]

    def _fee_of(self, account: str, order: Order) -> tuple[Decimal, str]:
        fills = [f for f in self.sim.fills(account, order.symbol) if f.order_id == order.order_id]
        total = sum((f.fee for f in fills), start=ZERO)
        return total, (fills[0].fee_asset or "") if fills else ""

    def _order_row(self, account: str, order: Order) -> Payload:
        listing = self._by_symbol[order.symbol]
        fee, ccy = self._fee_of(account, order)
        lever = ""
        if listing.swap:
            lever = plain(self.sim.position(account, order.symbol).leverage)
        row = order_row(listing, order, fee=fee, fee_ccy=ccy, lever=lever)
        if order.order_id in self.algo_ids:
            row["clOrdId"] = ""  # the order a triggered algo placed has no clOrdId
        return row

    # -- market data ------------------------------------------------------------------------

    def instruments(self, call: Call) -> Payload:
        inst_type = call.get("instType", required=True)
        if inst_type not in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"):
            raise Refusal("51000", "Parameter instType error")
        inst_id = call.get("instId")
        rows = [
            x.row()
            for x in self.state.listings.values()
            if x.inst_type == inst_type and (inst_id is None or x.inst_id == inst_id)
        ]
        return ok(rows)

    def ticker(self, call: Call) -> Payload:
        return ok([self.public.ticker_row(self._listing(call))])

    def candles(self, call: Call, cap: int) -> Payload:
        listing = self._listing(call)
        bar = call.get("bar") or "1m"
        interval = BARS.get(bar)
        if interval is None:
            raise Refusal("51000", "Parameter bar error")
        limit = call.integer("limit") or 100
        if not 1 <= limit <= cap:
            raise Refusal("51000", "Parameter limit error")
        after, before = call.integer("after"), call.integer("before")
        # after: records older than this ts; before: newer than this ts (both exclusive).
        rows = self.public.candle_rows(
            listing,
            interval,
            start_ms=None if before is None else before + 1,
            end_ms=None if after is None else after - 1,
        )
        return ok(rows[:limit])

    def books(self, call: Call) -> Payload:
        listing = self._listing(call)
        size = call.integer("sz") or 1
        if not 1 <= size <= 400:
            raise Refusal("51000", "Parameter sz error")
        book = self.sim.book(listing.symbol, size)
        row = {
            "asks": [[plain(p), listing.sz(q), "0", "1"] for p, q in book.asks],
            "bids": [[plain(p), listing.sz(q), "0", "1"] for p, q in book.bids],
            "ts": str(self.now_ms()),
        }
        return ok([row])

    # -- trading ----------------------------------------------------------------------------

    def place_order(self, call: Call) -> Payload:
        cl_ord_id = str(call.body.get("clOrdId", "")) if isinstance(call.body, dict) else ""
        try:
            order = self._place(call)
        except ItemRefusal as refusal:
            item = {"ordId": "", "clOrdId": cl_ord_id, "tag": "", "ts": str(self.now_ms())}
            item.update(sCode=refusal.s_code, sMsg=refusal.s_msg, subCode="")
            return {"code": "1", "msg": "All operations failed", "data": [item]}
        item = {
            "ordId": order.order_id,
            "clOrdId": order.client_order_id or "",
            "tag": "",
            "ts": str(order.created_ms or self.now_ms()),
            "sCode": "0",
            "sMsg": "Order placed",
            "subCode": "",
        }
        return ok([item])

    def _place(self, call: Call) -> Order:
        if not isinstance(call.body, dict):
            raise Refusal("50002", "JSON syntax error")
        listing = self._listing(call)
        td_mode = call.get("tdMode", required=True)
        if (listing.swap and td_mode not in ("cross", "isolated")) or (
            not listing.swap and td_mode != "cash"
        ):
            raise ItemRefusal("51000", "Parameter tdMode error")
        side = {"buy": Side.BUY, "sell": Side.SELL}.get(call.get("side", required=True) or "")
        if side is None:
            raise ItemRefusal("51000", "Parameter side error")
        kind = _ORD_TYPES.get(call.get("ordType", required=True) or "")
        if kind is None:
            raise ItemRefusal("51000", "Parameter ordType error")
        otype, tif, post_only = kind
        pos_side = call.get("posSide")
        if pos_side not in (None, "net"):
            # The emulated account is in net (one-way) mode.
            raise ItemRefusal("51000", "Parameter posSide error")
        size = call.decimal("sz", required=True)
        assert size is not None
        price = call.decimal("px")
        if otype.has_limit_price and price is None:
            raise ItemRefusal("51000", "Parameter px error")
        if otype is OrderType.MARKET and not listing.swap and call.get("tgtCcy") == "quote_ccy":
            raise ItemRefusal("51000", "Parameter tgtCcy error: quote_ccy is not emulated")
        quantity = self._check_size(listing, size)
        inst = listing.instrument
        if price is not None and (price <= 0 or price % inst.tick_size != 0):
            raise ItemRefusal("51000", "Parameter px error")
        cl_ord_id = call.get("clOrdId")
        if cl_ord_id is not None and not _CLIENT_ID.match(cl_ord_id):
            raise ItemRefusal("51000", "Parameter clOrdId error")
        reduce_only = str(call.body.get("reduceOnly", "false")).lower() == "true"
        if reduce_only and not listing.swap:
            raise ItemRefusal("51000", "Parameter reduceOnly error")
        try:
            request = OrderRequest(
                symbol=listing.symbol,
                side=side,
                type=otype,
                quantity=quantity,
                price=price if otype.has_limit_price else None,
                time_in_force=tif,
                post_only=post_only,
                reduce_only=reduce_only,
                client_order_id=cl_ord_id or f"okxemu{next(self._ids)}",
            )
        except InvalidOrder as exc:
            raise ItemRefusal("51000", f"Parameter error: {exc.message}") from None
        return self._submit(call.account, request)

    def _check_size(self, listing: Listing, size: Decimal) -> Decimal:
        """``sz`` in OKX's unit (contracts on swaps) -> base units, with OKX's refusals."""
        inst = listing.instrument
        unit = listing.ct_val
        lot, minimum = inst.step_size / unit, inst.min_quantity / unit
        if size <= 0:
            raise ItemRefusal("51000", "Parameter sz error")
        if lot > 0 and size % lot != 0:
            raise ItemRefusal(
                "51121", f"Order quantity must be a multiple of the lot size {plain(lot)}."
            )
        if size < minimum:
            raise ItemRefusal(
                "51020",
                f"Order amount should be greater than the min available amount {plain(minimum)}.",
            )
        return listing.to_base(size)

    def _submit(self, account: str, request: OrderRequest) -> Order:
        """Place in the sim, translating its refusals into OKX's sCodes (fact sheet §3.5)."""
        try:
            return self.sim.place_order(account, request)
        except DuplicateClientOrderId:
            raise ItemRefusal("51016", "Duplicated clOrdId") from None
        except InsufficientFunds:
            raise ItemRefusal(
                "51008", "Order failed. Insufficient USDT balance in account."
            ) from None
        except NotSupported as exc:
            raise ItemRefusal("51010", f"Not supported: {exc.message}") from None
        except InvalidOrder as exc:
            raise ItemRefusal("51000", f"Parameter error: {exc.message}") from None
        except ExchangeError as exc:
            text = exc.message.lower()
            if "post-only" in text or "post only" in text:
                raise ItemRefusal("51019", "Post only order would take liquidity.") from None
            if "reduce-only" in text or "reduce only" in text:
                raise ItemRefusal("51169", "Order failed: no position to reduce.") from None
            raise ItemRefusal("51000", exc.message) from None

    def _find(self, call: Call, listing: Listing) -> Order | None:
        order_id, client_id = call.get("ordId"), call.get("clOrdId")
        if order_id is None and client_id is None:
            raise Refusal("50015", "Either parameter ordId or clOrdId is required.")
        try:
            found = self.sim.get_order(
                call.account,
                symbol=listing.symbol,
                order_id=order_id,
                client_order_id=None if order_id else client_id,
            )
        except (OrderNotFound, InvalidOrder):
            return None
        if found.order_id in self.algo_ids and (
            order_id is None or found.order_id not in self.triggered
        ):
            # An untriggered algo order is no regular order yet; a triggered one's order is
            # found by its ordId only (its client id is the algo's algoClOrdId).
            return None
        return found

    def _cancel_one(self, account: str, item: Mapping[str, Any]) -> Payload:
        call = Call({}, dict(item), account)
        out: Payload = {
            "ordId": str(item.get("ordId", "")),
            "clOrdId": str(item.get("clOrdId", "")),
        }
        out["ts"] = str(self.now_ms())
        try:
            listing = self._listing(call)
            order = self._find(call, listing)
            if order is None or order.status.is_terminal:
                raise OrderNotFound("gone")
            done = self.sim.cancel_order(account, order_id=order.order_id)
        except (OrderNotFound, Refusal):
            msg = "Cancellation failed as the order has been filled, canceled or does not exist."
            out.update(sCode="51400", sMsg=msg)
            return out
        out.update(ordId=done.order_id, clOrdId=done.client_order_id or "", sCode="0", sMsg="")
        return out

    def cancel_order(self, call: Call) -> Payload:
        if not isinstance(call.body, dict):
            raise Refusal("50002", "JSON syntax error")
        self._listing(call)
        if call.get("ordId") is None and call.get("clOrdId") is None:
            raise Refusal("50015", "Either parameter ordId or clOrdId is required.")
        item = self._cancel_one(call.account, call.body)
        if item["sCode"] != "0":
            return {"code": "1", "msg": "All operations failed", "data": [item]}
        return ok([item])

    def cancel_batch(self, call: Call) -> Payload:
        items = call.body if isinstance(call.body, list) else None
        if not items or len(items) > 20 or not all(isinstance(i, dict) for i in items):
            raise Refusal("51000", "Parameter error: 1 to 20 orders per request")
        data = [self._cancel_one(call.account, item) for item in items]
        failed = sum(1 for d in data if d["sCode"] != "0")
        if failed == len(data):
            return {"code": "1", "msg": "All operations failed", "data": data}
        if failed:
            return {"code": "2", "msg": "Bulk operation partially succeeded", "data": data}
        return ok(data)

    def get_order(self, call: Call) -> Payload:
        listing = self._listing(call)
        order = self._find(call, listing)
        if order is None:
            raise Refusal("51603", "Order does not exist", 200)
        return ok([self._order_row(call.account, order)])

    def pending_orders(self, call: Call) -> Payload:
        inst_type, inst_id = call.get("instType"), call.get("instId")
        after = call.integer("after")
        limit = min(call.integer("limit") or 100, 100)
        orders = [
            o
            for o in reversed(self.sim.open_orders(call.account))  # newest first, as OKX
            if (inst_type is None or self._by_symbol[o.symbol].inst_type == inst_type)
            and (inst_id is None or self._by_symbol[o.symbol].inst_id == inst_id)
            and (after is None or int(o.order_id) < after)
            and not self.is_pending_algo(o.order_id)
        ]
        return ok([self._order_row(call.account, o) for o in orders[:limit]])

    def fills(self, call: Call) -> Payload:
        """``trade/fills``: the last 3 days."""
        return self._fill_list(call, _RECENT_MS)

    def fills_history(self, call: Call) -> Payload:
        """``trade/fills-history``: the last 3 months; ``instType`` is required."""
        call.get("instType", required=True)
        return self._fill_list(call, _ARCHIVE_MS)

    def _fill_list(self, call: Call, kept_ms: int) -> Payload:
        """Newest first, at most ``limit`` (100) rows; ``after`` / ``before`` page by bill id
        (older / newer than it, exclusive); ``begin`` / ``end`` filter on ``ts``, taken as
        exclusive [?] (the docs do not say); nothing older than ``kept_ms`` is served."""
        inst_type, inst_id, ord_id = call.get("instType"), call.get("instId"), call.get("ordId")
        begin, end = call.integer("begin"), call.integer("end")
        after, before = call.integer("after"), call.integer("before")
        limit = min(call.integer("limit") or 100, 100)
        oldest = self.now_ms() - kept_ms
        rows = []
        for bill, fill in reversed(self._billed(call.account)):  # newest first, as OKX
            listing = self._by_symbol[fill.symbol]
            if (
                fill.timestamp_ms >= oldest
                and (inst_type is None or listing.inst_type == inst_type)
                and (inst_id is None or listing.inst_id == inst_id)
                and (ord_id is None or fill.order_id == ord_id)
                and (begin is None or fill.timestamp_ms > begin)
                and (end is None or fill.timestamp_ms < end)
                and (after is None or bill < after)
                and (before is None or bill > before)
            ):
                rows.append(fill_row(listing, fill, str(bill)))
        return ok(rows[:limit])

    def _billed(self, account: str) -> list[tuple[int, Fill]]:
        """The account's fills, oldest first, each with its bill id. Ids are given in the
        order fills happened, so they ascend with time as OKX's do."""
        out = []
        for fill in self.sim.fills(account):
            key = (account, fill.order_id, fill.trade_id)
            bill = self._bill_ids.setdefault(key, 700_000_000 + len(self._bill_ids))
            out.append((bill, fill))
        return out

    # -- account ----------------------------------------------------------------------------

    def balance(self, call: Call) -> Payload:
        upl: dict[str, Decimal] = {}
        for p in self.sim.positions(call.account):
            asset = self._by_symbol[p.symbol].instrument.settle or "USDT"
            upl[asset] = upl.get(asset, ZERO) + (p.unrealized_pnl or ZERO)
        balances = self.sim.balances(call.account)
        wanted = call.get("ccy")
        if wanted is not None:
            names = set(wanted.split(","))
            balances = [b for b in balances if b.asset in names]
        return ok([balance_row(balances, upl, self.now_ms())])

    def positions(self, call: Call) -> Payload:
        inst_type, inst_ids = call.get("instType"), call.get("instId")
        wanted = set(inst_ids.split(",")) if inst_ids else None
        rows = []
        for p in self.sim.positions(call.account):
            listing = self._by_symbol[p.symbol]
            if (inst_type is None or listing.inst_type == inst_type) and (
                wanted is None or listing.inst_id in wanted
            ):
                pos_id = self.position_id(call.account, p.symbol)
                rows.append(position_row(listing, p, pos_id, self.now_ms()))
        return ok(rows)

    def set_leverage(self, call: Call) -> Payload:
        listing = self._listing(call, inst_type="SWAP")
        lever = call.decimal("lever", required=True)
        mode = call.get("mgnMode", required=True)
        if mode not in ("cross", "isolated"):
            raise Refusal("51000", "Parameter mgnMode error")
        try:
            self.sim.set_leverage(call.account, listing.symbol, lever or ZERO)
        except InvalidOrder:
            raise Refusal("51000", "Parameter lever error") from None
        except InsufficientFunds:
            raise Refusal("51008", "Order failed. Insufficient USDT margin in account") from None
        row = {"lever": plain(lever), "mgnMode": mode, "instId": listing.inst_id, "posSide": "net"}
        return ok([row])
