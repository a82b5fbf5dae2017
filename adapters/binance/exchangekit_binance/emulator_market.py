"""The Binance emulator's public REST: exchangeInfo, tickers, klines and depth.

The listings' filters are declared here (``exchangeInfo``); the order handlers of
:mod:`~exchangekit_binance.emulator_spot` and :mod:`~exchangekit_binance.emulator_usdm`
enforce them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from exchangekit.sim.candles import INTERVALS
from exchangekit_binance.emulator_limits import Limits
from exchangekit_binance.emulator_wire import (
    ZERO,
    Call,
    Handlers,
    Listing,
    Payload,
    Refusal,
    Venue,
    dec8,
)
from exchangekit_binance.mappers import SPOT_INTERVALS, USDM_INTERVALS

__all__ = [
    "MAX_NUM_ORDERS",
    "MAX_PRICE",
    "MIN_PRICE",
    "SPOT_ORDER_TYPES",
    "MarketData",
    "day_stats",
    "spot_symbol",
    "usdm_symbol",
]

MIN_PRICE = Decimal("0.01")
MAX_NUM_ORDERS = 200
MAX_PRICE = Decimal(1_000_000)
SPOT_ORDER_TYPES = (
    "LIMIT",
    "LIMIT_MAKER",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
)


class MarketData(Handlers):
    """Handlers of the public market-data endpoints (``call`` -> JSON-ready answer)."""

    def __init__(self, venue: Venue, limits: Limits) -> None:
        super().__init__(venue)
        self.limits = limits

    def _symbols_param(self, call: Call) -> list[Listing]:
        if call.text("symbol"):
            return [self.listing(call)]
        raw = call.text("symbols")
        if raw is None:
            return list(self.venue.listings.values())
        try:
            names = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            raise Refusal(-1100, "Illegal characters found in parameter 'symbols'.") from None
        if not isinstance(names, list):
            raise Refusal(-1100, "Illegal characters found in parameter 'symbols'.")
        found = [self.venue.by_wire.get(str(n)) for n in names]
        if any(x is None for x in found):
            raise Refusal(-1121, "Invalid symbol.")
        return [x for x in found if x is not None]

    def exchange_info(self, call: Call) -> Payload:
        listings = self._symbols_param(call)
        rate_limits = self.limits.exchange_info_rows()
        info: Payload = {"timezone": "UTC", "serverTime": self.venue.now_ms()}
        if self.market == "usdm":
            info["futuresType"] = "U_MARGINED"
        info.update(rateLimits=rate_limits, exchangeFilters=[])
        if self.market == "usdm":
            info["assets"] = [
                {"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}
            ]
        symbol = spot_symbol if self.market == "spot" else usdm_symbol
        info["symbols"] = [symbol(x) for x in listings]
        return info

    def ticker_24h(self, call: Call) -> Payload | list[Payload]:
        single = call.text("symbol") is not None
        rows = []
        for listing in self._symbols_param(call):
            stats = day_stats(self.venue, listing)
            if self.market == "usdm":
                for name in ("prevClosePrice", "bidPrice", "bidQty", "askPrice", "askQty"):
                    stats.pop(name)
            rows.append(stats)
        return rows[0] if single else rows

    def book_ticker(self, call: Call) -> Payload | list[Payload]:
        single = call.text("symbol") is not None
        rows = []
        for listing in self._symbols_param(call):
            book = self.sim.book(listing.symbol, 1)
            bid = book.bids[0] if book.bids else (ZERO, ZERO)
            ask = book.asks[0] if book.asks else (ZERO, ZERO)
            row: Payload = {
                "symbol": listing.wire,
                "bidPrice": listing.price(bid[0]),
                "bidQty": listing.qty(bid[1]),
                "askPrice": listing.price(ask[0]),
                "askQty": listing.qty(ask[1]),
            }
            if self.market == "usdm":
                row.update(time=self.venue.now_ms(), lastUpdateId=book.sequence)
            rows.append(row)
        return rows[0] if single else rows

    def klines(self, call: Call) -> list[list[Any]]:
        listing = self.listing(call)
        interval = call.text("interval", required=True) or ""
        allowed = SPOT_INTERVALS if self.market == "spot" else USDM_INTERVALS
        # The simulator keeps 1m..1d; 1s, 3d, 1w and 1M are refused here (a simplification).
        if interval not in allowed or interval not in INTERVALS:
            raise Refusal(-1120, "Invalid interval.")
        limit = call.integer("limit") or 500
        cap = 1000 if self.market == "spot" else 1500
        if not 1 <= limit <= cap:
            raise Refusal(-1130, "Data sent for parameter 'limit' is not valid.")
        candles = self.sim.candles(
            listing.symbol,
            interval,
            start_ms=call.integer("startTime"),
            end_ms=call.integer("endTime"),
            limit=limit,
        )
        return [
            [
                c.open_ms,
                listing.price(c.open),
                listing.price(c.high),
                listing.price(c.low),
                listing.price(c.close),
                listing.qty(c.volume),
                c.close_ms if c.close_ms is not None else c.open_ms + INTERVALS[interval] - 1,
                dec8(c.quote_volume),
                c.trades or 0,
                "0",
                "0",
                "0",
            ]
            for c in candles
        ]

    def depth(self, call: Call) -> Payload:
        listing = self.listing(call)
        default, cap = (100, 5000) if self.market == "spot" else (500, 1000)
        limit = call.integer("limit") or default
        if not 1 <= limit <= cap:
            raise Refusal(-1130, "Data sent for parameter 'limit' is not valid.")
        book = self.sim.book(listing.symbol, limit)
        snapshot: Payload = {"lastUpdateId": book.sequence}
        if self.market == "usdm":
            snapshot.update(E=self.venue.now_ms(), T=book.timestamp_ms)
        snapshot["bids"] = [[listing.price(p), listing.qty(q)] for p, q in book.bids]
        snapshot["asks"] = [[listing.price(p), listing.qty(q)] for p, q in book.asks]
        return snapshot


# -- listings ------------------------------------------------------------------------------------


def spot_symbol(listing: Listing) -> Payload:
    inst = listing.instrument
    text = dec8
    return {
        "symbol": listing.wire,
        "status": "TRADING" if inst.active else "BREAK",
        "baseAsset": inst.base,
        "baseAssetPrecision": 8,
        "quoteAsset": inst.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": list(SPOT_ORDER_TYPES),
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "amendAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": text(MIN_PRICE),
                "maxPrice": text(MAX_PRICE),
                "tickSize": text(inst.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": text(inst.min_quantity),
                "maxQty": text(inst.max_quantity),
                "stepSize": text(inst.step_size),
            },
            {"filterType": "ICEBERG_PARTS", "limit": 10},
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": text(ZERO),
                "maxQty": text(inst.max_quantity),
                "stepSize": text(ZERO),
            },
            {
                "filterType": "TRAILING_DELTA",
                "minTrailingAboveDelta": 10,
                "maxTrailingAboveDelta": 2000,
                "minTrailingBelowDelta": 10,
                "maxTrailingBelowDelta": 2000,
            },
            {
                "filterType": "PERCENT_PRICE_BY_SIDE",
                "bidMultiplierUp": "5",
                "bidMultiplierDown": "0.2",
                "askMultiplierUp": "5",
                "askMultiplierDown": "0.2",
                "avgPriceMins": 5,
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": text(inst.min_notional),
                "applyMinToMarket": True,
                "maxNotional": text(Decimal(9_000_000)),
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": MAX_NUM_ORDERS},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def usdm_symbol(listing: Listing) -> Payload:
    inst = listing.instrument
    price_places = len(listing.price(ZERO).partition(".")[2])
    qty_places = len(listing.qty(ZERO).partition(".")[2])
    return {
        "symbol": listing.wire,
        "pair": listing.wire,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": 1569398400000,
        "status": "TRADING" if inst.active else "SETTLING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": inst.base,
        "quoteAsset": inst.quote,
        "marginAsset": inst.settle or inst.quote,
        "pricePrecision": price_places,
        "quantityPrecision": qty_places,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": listing.price(inst.tick_size),
                "maxPrice": listing.price(MAX_PRICE),
                "tickSize": listing.price(inst.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": listing.qty(inst.min_quantity),
                "maxQty": listing.qty(inst.max_quantity),
                "stepSize": listing.qty(inst.step_size),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": listing.qty(inst.min_quantity),
                "maxQty": listing.qty(inst.max_quantity),
                "stepSize": listing.qty(inst.step_size),
            },
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": format(inst.min_notional.normalize(), "f")},
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": "1.0500",
                "multiplierDown": "0.9500",
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": [
            "LIMIT",
            "MARKET",
            "STOP",
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET",
        ],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
    }


def day_stats(venue: Venue, listing: Listing) -> dict[str, Any]:
    """Rolling 24-hour statistics in the REST ``ticker/24hr`` field names (values on the wire)."""
    sim = venue.sim
    ticker = sim.ticker(listing.symbol)
    trades = sim.trades(listing.symbol, limit=1000)
    last = ticker.last or ZERO
    open_ = ticker.open or last
    volume = ticker.volume or ZERO
    quote = ticker.quote_volume or ZERO
    change = last - open_
    percent = (change / open_ * 100) if open_ else ZERO
    now = venue.now_ms()
    first_id = int(trades[0].trade_id) if trades else -1
    last_id = int(trades[-1].trade_id) if trades else -1
    return {
        "symbol": listing.wire,
        "priceChange": listing.price(change),
        "priceChangePercent": format(percent.quantize(Decimal("0.001")), "f"),
        "weightedAvgPrice": listing.price(quote / volume if volume else last),
        "prevClosePrice": listing.price(open_),
        "lastPrice": listing.price(last),
        "lastQty": listing.qty(trades[-1].quantity if trades else ZERO),
        "bidPrice": listing.price(ticker.bid),
        "bidQty": listing.qty(ticker.bid_size),
        "askPrice": listing.price(ticker.ask),
        "askQty": listing.qty(ticker.ask_size),
        "openPrice": listing.price(open_),
        "highPrice": listing.price(ticker.high or last),
        "lowPrice": listing.price(ticker.low or last),
        "volume": listing.qty(volume),
        "quoteVolume": dec8(quote),
        "openTime": now - 86_400_000,
        "closeTime": now,
        "firstId": first_id,
        "lastId": last_id,
        "count": last_id - first_id + 1 if trades else 0,
    }
