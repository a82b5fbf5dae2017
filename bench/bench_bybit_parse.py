"""Bybit V5 response parsing: raw bytes -> unified models, ours against ccxt as it ships.

Same method as bench_binance_parse: each case times, on the same bytes in the same run,

- ours: typed msgspec decode of the whole ``{retCode, result, ...}`` envelope into the
  adapter's wire Structs, then the pure mapper into exchangekit models (Decimal money);
- ccxt 4.5.90: ``json.loads`` plus the parse method its fetch_* call runs on ``result``
  (markets set offline with ``set_markets``);
- bare: the typed decode alone (the note gives time(ours) / time(bare)).

The payloads are shaped like BYD's response examples (tests/adapters/bybit/payloads).
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import Any

import msgspec

from bench.harness import Result, parse_case

PEER = "ccxt 4.5.90"
ROWS = 20

TICKER = {
    "symbol": "BTCUSDT", "lastPrice": "16597.00", "indexPrice": "16598.54", "markPrice": "16596.00",
    "prevPrice24h": "16464.50", "price24hPcnt": "0.008047", "highPrice24h": "30912.50",
    "lowPrice24h": "15700.00", "prevPrice1h": "16595.50", "openInterest": "373504107",
    "openInterestValue": "22505.67", "turnover24h": "2352.94950046", "volume24h": "49337318",
    "fundingRate": "-0.001034", "nextFundingTime": "1672387200000", "predictedDeliveryPrice": "",
    "basisRate": "", "deliveryFeeRate": "", "deliveryTime": "0", "ask1Size": "1",
    "bid1Price": "16596.00", "ask1Price": "16597.50", "bid1Size": "1",
}  # fmt: skip
ORDER = {
    "orderId": "fd4300ae-7847-404e-b947-b46980a4d140", "orderLinkId": "test-000005",
    "blockTradeId": "", "symbol": "BTCUSDT", "price": "16000.00", "qty": "0.100", "side": "Buy",
    "isLeverage": "", "positionIdx": 0, "orderStatus": "PartiallyFilled", "cancelType": "UNKNOWN",
    "rejectReason": "EC_NoError", "avgPrice": "15999.5", "leavesQty": "0.060",
    "leavesValue": "960", "cumExecQty": "0.040", "cumExecValue": "639.98", "cumExecFee": "0.38",
    "timeInForce": "GTC", "orderType": "Limit", "stopOrderType": "UNKNOWN", "orderIv": "",
    "triggerPrice": "0.00", "takeProfit": "", "stopLoss": "", "tpTriggerBy": "",
    "slTriggerBy": "", "triggerDirection": 0, "triggerBy": "UNKNOWN", "lastPriceOnCreated": "",
    "reduceOnly": False, "closeOnTrigger": False, "smpType": "None", "smpGroup": 0,
    "smpOrderId": "", "tpslMode": "", "tpLimitPrice": "", "slLimitPrice": "", "placeType": "",
    "createdTime": "1684738540559", "updatedTime": "1684738540561",
}  # fmt: skip
POSITION = {
    "positionIdx": 0, "riskId": 1, "riskLimitValue": "2000000", "symbol": "BTCUSDT", "side": "Sell",
    "size": "0.250", "avgPrice": "64123.45", "positionValue": "16030.86", "tradeMode": 0,
    "positionStatus": "Normal", "autoAddMargin": 0, "adlRankIndicator": 2, "leverage": "10",
    "positionBalance": "1603.08", "markPrice": "63950.10", "liqPrice": "91234.56", "bustPrice": "",
    "positionMM": "80.1", "positionIM": "1603.08", "tpslMode": "Full", "takeProfit": "0.00",
    "stopLoss": "0.00", "trailingStop": "0.00", "unrealisedPnl": "43.3375",
    "curRealisedPnl": "-1.2", "cumRealisedPnl": "-12.4", "seq": 4688002127,
    "isReduceOnly": False, "mmrSysUpdateTime": "", "leverageSysUpdatedTime": "",
    "createdTime": "1676538056258", "updatedTime": "1697673600012",
}  # fmt: skip


def _envelope(result: Any) -> bytes:
    return json.dumps(
        {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": 1672376496682}
    ).encode()


def _orderbook() -> dict[str, Any]:
    bids = [[f"{60000 - i * 0.1:.2f}", f"{0.001 + i * 0.0003:.6f}"] for i in range(1000)]
    asks = [[f"{60000.1 + i * 0.1:.2f}", f"{0.002 + i * 0.0002:.6f}"] for i in range(1000)]
    return {"s": "BTCUSDT", "b": bids, "a": asks, "ts": 1716863719031, "u": 230704,
            "seq": 1432604333, "cts": 1716863718905}  # fmt: skip


def _klines() -> dict[str, Any]:
    rows = []
    for i in range(999, -1, -1):  # newest first, as Bybit sends them
        o = 60000 + (i % 50)
        rows.append([
            str(1499040000000 + i * 60000), f"{o:.2f}", f"{o + 5.5:.2f}", f"{o - 4.25:.2f}",
            f"{o + 1.75:.2f}", f"{12.345 + i / 1000:.5f}", f"{740000.5 + i:.8f}",
        ])  # fmt: skip
    return {"symbol": "BTCUSDT", "category": "linear", "list": rows}


def _market(symbol: str) -> dict[str, Any]:
    return {
        "id": "BTCUSDT", "symbol": symbol, "base": "BTC", "quote": "USDT", "settle": "USDT",
        "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT", "type": "swap", "spot": False,
        "margin": False, "swap": True, "future": False, "option": False, "active": True,
        "contract": True, "linear": True, "inverse": False, "contractSize": 1,
        "precision": {"amount": 0.001, "price": 0.01},
        "limits": {k: {"min": None, "max": None} for k in ("amount", "price", "cost", "leverage")},
        "info": {},
    }  # fmt: skip


_case = functools.partial(parse_case, peer_name=PEER)


def run(quick: bool) -> list[Result]:
    """Parse benchmarks for the Bybit adapter against ccxt (same bytes, same run)."""
    import ccxt
    from exchangekit_bybit import mappers as m
    from exchangekit_bybit import schemas as s

    from exchangekit.mapping import decoder

    bybit = ccxt.bybit()
    bybit.set_markets([_market("BTC/USDT:USDT")])
    market = bybit.market("BTC/USDT:USDT")
    symbols = m.SymbolMap([("BTC/USDT:USDT", "BTCUSDT")], settle={"BTCUSDT": "USDT"})
    repeat = 2 if quick else 5
    scale = 0.1 if quick else 1.0

    def loops(n: int) -> int:
        return max(1, int(n * scale))

    ticker_b = _envelope({"category": "linear", "list": [TICKER]})
    orders_b = _envelope({"category": "linear", "list": [ORDER] * ROWS, "nextPageCursor": ""})
    positions_b = _envelope({"category": "linear", "list": [POSITION] * ROWS})
    book_b = _envelope(_orderbook())
    klines_b = _envelope(_klines())

    dec_ticker = decoder(s.Envelope[s.TickerList], exchange="bybit")
    dec_orders = decoder(s.Envelope[s.OrderList], exchange="bybit")
    dec_positions = decoder(s.Envelope[s.PositionList], exchange="bybit")
    dec_book = decoder(s.Envelope[s.OrderBookResult], exchange="bybit")
    dec_klines = decoder(s.Envelope[s.KlineResult], exchange="bybit")
    now_ms = 1_900_000_000_000

    def ours_ticker() -> object:
        env = dec_ticker(ticker_b)
        return m.ticker(env.result.list[0], symbols, timestamp_ms=env.time or 0)

    def ccxt_ticker() -> object:
        return bybit.parse_ticker(json.loads(ticker_b)["result"]["list"][0], market)

    def ccxt_orders() -> object:
        return bybit.parse_orders(json.loads(orders_b)["result"]["list"], market)

    def ccxt_positions() -> object:
        return bybit.parse_positions(json.loads(positions_b)["result"]["list"])

    def ccxt_book() -> object:
        result = json.loads(book_b)["result"]
        return bybit.parse_order_book(
            result, "BTC/USDT:USDT", bybit.safe_integer(result, "ts"), "b", "a"
        )

    def ccxt_klines() -> object:
        return bybit.parse_ohlcvs(json.loads(klines_b)["result"]["list"], market, "1m")

    cases = [
        _case("bybit.parse_ticker", "tickers", 1, ours_ticker, lambda: dec_ticker(ticker_b),
         ccxt_ticker, loops=loops(20000), repeat=repeat),
        _case("bybit.parse_orders", "rows", ROWS,
         lambda: m.orders(dec_orders(orders_b).result, symbols),
         lambda: dec_orders(orders_b), ccxt_orders, loops=loops(1000), repeat=repeat),
        _case("bybit.parse_positions", "rows", ROWS,
         lambda: m.positions(dec_positions(positions_b).result, symbols),
         lambda: dec_positions(positions_b), ccxt_positions, loops=loops(1000),
         repeat=repeat),
        _case("bybit.parse_orderbook_1000", "snapshots", 1,
         lambda: m.order_book(dec_book(book_b).result, symbols),
         lambda: dec_book(book_b), ccxt_book, loops=loops(100), repeat=repeat),
        _case("bybit.parse_klines_1000", "batches", 1,
         lambda: m.candles(dec_klines(klines_b).result, "BTC/USDT:USDT", "1m", now_ms=now_ms),
         lambda: dec_klines(klines_b), ccxt_klines, loops=loops(40), repeat=repeat),
    ]  # fmt: skip
    _check_same_numbers(ours_ticker().last, ccxt_ticker()["last"])  # type: ignore[attr-defined,index]
    _check_same_numbers(
        m.orders(dec_orders(orders_b).result, symbols)[0].average_fill_price,
        ccxt_orders()[0]["average"],  # type: ignore[index]
    )
    _check_same_numbers(
        m.positions(dec_positions(positions_b).result, symbols)[0].entry_price,
        ccxt_positions()[0]["entryPrice"],  # type: ignore[index]
    )
    return cases


def _check_same_numbers(ours: Decimal | None, theirs: Any) -> None:
    """Guard: both sides parsed the same payload (a benchmark of wrong work is worthless)."""
    if ours is None or Decimal(str(theirs)) != ours:
        raise AssertionError(f"ours {ours} != ccxt {theirs}")


if __name__ == "__main__":  # pragma: no cover
    for r in run(quick=True):
        print(msgspec.json.encode(r.as_json()).decode())
