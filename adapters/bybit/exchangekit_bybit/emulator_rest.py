"""The Bybit emulator's REST handlers for market data and the account, and what every
handler shares: :class:`Call` (a request's parameters: the query of a GET, the JSON body of
a POST, and the account of its API key) and :class:`Refusal` (Bybit's ``retCode``, fact
sheet §2.5). Order handlers live in :mod:`exchangekit_bybit.emulator_orders`; the dialect in
:mod:`exchangekit_bybit.emulator` routes, authenticates, charges quotas and wraps answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from exchangekit.errors import InsufficientFunds, InvalidOrder
from exchangekit.sim import SimExchange
from exchangekit.testing.wire import EmulatorRequest
from exchangekit_bybit.emulator_wire import (
    Category,
    Listing,
    Payload,
    Venue,
    num,
    position_row,
    wallet_account,
)
from exchangekit_bybit.mappers import INTERVALS

__all__ = [
    "Call",
    "Handlers",
    "MarketHandlers",
    "Refusal",
    "category_of",
    "params_error",
    "request_params",
]

ZERO = Decimal(0)
_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_MAX_LEVERAGE = Decimal(100)


class Refusal(Exception):
    """Bybit's ``{retCode, retMsg}`` answer to a request it will not act on (HTTP 200)."""

    def __init__(self, code: int, msg: str, status: int = 200) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


def params_error(detail: str) -> Refusal:
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
                raise params_error(f"{name} is required")
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not _NUMBER.match(value):
            raise params_error(f"{name} is not a number: {value}")
        try:
            return Decimal(value)
        except InvalidOperation:
            raise params_error(f"{name} is not a number: {value}") from None

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        if not value.lstrip("-").isdigit():
            raise params_error(f"{name} is not an integer: {value}")
        return int(value)

    def category(self) -> Category:
        value = self.text("category", required=True)
        if value not in ("spot", "linear"):
            raise Refusal(10001, f"Illegal category {value}")
        return value  # type: ignore[return-value]


class Handlers:
    """What every group of handlers shares: the venue, its sim, symbol lookup."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue

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

    def _category_of_symbol(self, symbol: str) -> Category | None:
        listing = self.venue.by_symbol(symbol)
        return listing.category if listing else None


class MarketHandlers(Handlers):
    """Market data and the account: tickers, candles, books, wallet, positions, leverage."""

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
