"""Binance response parsing: raw bytes -> unified models, ours against ccxt as it ships.

Each case times three things on the same bytes in the same run:

- ours: typed msgspec decode into the adapter's wire Structs, then the pure mapper into
  exchangekit models (Decimal money);
- ccxt 4.5.90: ``json.loads`` plus the parse method its fetch_* call runs on the response
  (markets set offline with ``set_markets``; floats/strings as ccxt returns them);
- bare: the typed msgspec decode alone, to show what the mapping layer costs
  (the note gives time(ours) / time(bare); the target is <= 1.5).

Orders come in three cases, each the path a client call takes: ``parse_order`` is the RESULT
answer ``place_order`` asks for, ``parse_open_orders`` the page ``get_open_orders`` reads (the
reference bot's every tick), ``parse_order_full`` the FULL answer with its fills mapped too
(what ccxt's ``parse_order`` does with them; ``spot_placement`` for callers who ask for FULL).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec

from bench.harness import Result, parse_case

PEER = "ccxt 4.5.90"
TARGETS = {
    "binance.parse_ticker": 6.0,
    "binance.parse_order": 15.0,
    "binance.parse_open_orders": 15.0,
    "binance.parse_order_full": 15.0,
    "binance.parse_position_risk": 15.0,
    "binance.parse_depth_1000": 3.0,
    "binance.parse_klines_1000": 1.3,
}

TICKER = {
    "symbol": "BTCUSDT", "priceChange": "-94.99999800", "priceChangePercent": "-95.960",
    "weightedAvgPrice": "0.29628482", "prevClosePrice": "0.10002000", "lastPrice": "4.00000200",
    "lastQty": "200.00000000", "bidPrice": "4.00000000", "bidQty": "100.00000000",
    "askPrice": "4.00000200", "askQty": "100.00000000", "openPrice": "99.00000000",
    "highPrice": "100.00000000", "lowPrice": "0.10000000", "volume": "8913.30000000",
    "quoteVolume": "15.30000000", "openTime": 1499783499040, "closeTime": 1499869899040,
    "firstId": 28385, "lastId": 28460, "count": 76,
}  # fmt: skip
ORDER = {
    "symbol": "BTCUSDT", "orderId": 28, "orderListId": -1, "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP",
    "transactTime": 1507725176595, "price": "0.00000000", "origQty": "10.00000000",
    "executedQty": "10.00000000", "origQuoteOrderQty": "0.000000",
    "cummulativeQuoteQty": "39980.00000000", "status": "FILLED", "timeInForce": "GTC",
    "type": "MARKET", "side": "SELL", "workingTime": 1507725176595,
    "selfTradePreventionMode": "NONE",
    "fills": [
        {"price": "4000.00000000", "qty": "1.00000000", "commission": "4.00000000",
         "commissionAsset": "USDT", "tradeId": 56},
        {"price": "3999.00000000", "qty": "5.00000000", "commission": "19.99500000",
         "commissionAsset": "USDT", "tradeId": 57},
    ],
}  # fmt: skip
RESULT_ORDER = {k: v for k, v in ORDER.items() if k != "fills"}
"""``newOrderRespType=RESULT``, what ``place_order`` asks for (BSD rest-api.md, same fields as
FULL without ``fills``)."""
OPEN_ORDER_ROWS = 20


def _open_orders() -> list[dict[str, Any]]:
    """A ``GET /api/v3/openOrders`` page in the documented row shape: what the reference bot
    reads every tick. A third of the rows are partly filled."""
    rows = []
    for i in range(OPEN_ORDER_ROWS):
        part = i % 3 == 0
        price = 60000 - i * 5
        rows.append({
            "symbol": "BTCUSDT", "orderId": 4_000_000 + i, "orderListId": -1,
            "clientOrderId": f"web_{i:04d}9f1c2b7e", "price": f"{price:.2f}",
            "origQty": "0.00100000", "executedQty": "0.00040000" if part else "0.00000000",
            "cummulativeQuoteQty": f"{price * 0.0004:.8f}" if part else "0.00000000",
            "status": "PARTIALLY_FILLED" if part else "NEW", "timeInForce": "GTC",
            "type": "LIMIT", "side": "BUY" if i % 2 else "SELL", "stopPrice": "0.00000000",
            "icebergQty": "0.00000000", "time": 1499827319559 + i,
            "updateTime": 1499827319559 + i, "isWorking": True,
            "workingTime": 1499827319559 + i, "origQuoteOrderQty": "0.00000000",
            "selfTradePreventionMode": "EXPIRE_MAKER",
        })  # fmt: skip
    return rows


POSITION = {
    "symbol": "BTCUSDT", "positionSide": "BOTH", "positionAmt": "-0.250", "entryPrice": "64123.45",
    "breakEvenPrice": "64100.02", "markPrice": "63950.10000000", "unRealizedProfit": "43.33750000",
    "liquidationPrice": "91234.56780000", "isolatedMargin": "0", "notional": "-15987.52500000",
    "marginAsset": "USDT", "isolatedWallet": "0", "initialMargin": "799.37625000",
    "maintMargin": "63.95010000", "positionInitialMargin": "799.37625000",
    "openOrderInitialMargin": "0", "adl": 2, "bidNotional": "0", "askNotional": "0",
    "updateTime": 1720736417660,
}  # fmt: skip
POSITION_ROWS = 20


def _depth() -> dict[str, Any]:
    bids = [[f"{60000 - i * 0.1:.2f}", f"{0.001 + i * 0.0003:.8f}"] for i in range(1000)]
    asks = [[f"{60000.1 + i * 0.1:.2f}", f"{0.002 + i * 0.0002:.8f}"] for i in range(1000)]
    return {"lastUpdateId": 1027024, "bids": bids, "asks": asks}


def _klines() -> list[list[Any]]:
    rows = []
    for i in range(1000):
        o = 60000 + (i % 50)
        rows.append([
            1499040000000 + i * 60000, f"{o:.2f}", f"{o + 5.5:.2f}", f"{o - 4.25:.2f}",
            f"{o + 1.75:.2f}", f"{12.345 + i / 1000:.5f}", 1499040000000 + i * 60000 + 59999,
            f"{740000.5 + i:.8f}", 308 + i, "6.17250000", "370000.25000000", "0",
        ])  # fmt: skip
    return rows


def _ccxt() -> tuple[Any, Any, Any, Any]:
    import ccxt

    spot = ccxt.binance()
    spot.set_markets([_market("BTC/USDT", "BTCUSDT", spot=True)])
    usdm = ccxt.binanceusdm()
    usdm.set_markets([_market("BTC/USDT:USDT", "BTCUSDT", spot=False)])
    return spot, spot.market("BTC/USDT"), usdm, usdm.market("BTC/USDT:USDT")


def _market(symbol: str, market_id: str, *, spot: bool) -> dict[str, Any]:
    return {
        "id": market_id, "symbol": symbol, "base": "BTC", "quote": "USDT",
        "settle": None if spot else "USDT", "baseId": "BTC", "quoteId": "USDT",
        "settleId": None if spot else "USDT", "type": "spot" if spot else "swap",
        "spot": spot, "margin": spot, "swap": not spot, "future": False, "option": False,
        "active": True, "contract": not spot, "linear": None if spot else True,
        "inverse": None if spot else False, "contractSize": None if spot else 1,
        "precision": {"amount": 0.00001, "price": 0.01},
        "limits": {"amount": {"min": None, "max": None}, "price": {"min": None, "max": None},
                   "cost": {"min": None, "max": None}, "leverage": {"min": None, "max": None}},
        "info": {},
    }  # fmt: skip


def _case(
    name: str,
    unit: str,
    units: int,
    ours: Callable[[], object],
    bare: Callable[[], object],
    peer: Callable[[], object],
    *,
    loops: int,
    repeat: int,
) -> Result:
    target = TARGETS[name]
    return parse_case(
        name, unit, units, ours, bare, peer, peer_name=PEER, loops=loops, repeat=repeat,
        note=lambda overhead: (
            f"time ours/bare = {overhead:.2f} (target <= 1.5); target >= {target}x ccxt"
        ),
    )  # fmt: skip


def run(quick: bool) -> list[Result]:
    """Parse benchmarks for the Binance adapter against ccxt (same bytes, same run)."""
    from ccxt.base.precise import Precise
    from exchangekit_binance import mappers as m
    from exchangekit_binance import schemas as s

    from exchangekit.mapping import decoder

    spot, spot_market, usdm, _ = _ccxt()
    spot_map = m.SymbolMap([("BTC/USDT", "BTCUSDT")])
    usdm_map = m.SymbolMap([("BTC/USDT:USDT", "BTCUSDT")])
    repeat = 2 if quick else 5
    scale = 0.1 if quick else 1.0

    def loops(n: int) -> int:
        return max(1, int(n * scale))

    ticker_b = json.dumps(TICKER).encode()
    order_b = json.dumps(RESULT_ORDER).encode()
    full_b = json.dumps(ORDER).encode()
    open_b = json.dumps(_open_orders()).encode()
    positions_b = json.dumps([POSITION] * POSITION_ROWS).encode()
    depth_b = json.dumps(_depth()).encode()
    klines_b = json.dumps(_klines()).encode()

    dec_ticker = decoder(s.SpotTicker24h, exchange="binance")
    dec_order = decoder(s.SpotOrder, exchange="binance")
    dec_open = decoder(list[s.SpotOrder], exchange="binance")
    dec_positions = decoder(list[s.UsdmPositionRisk], exchange="binance")
    dec_depth = decoder(s.DepthSnapshot, exchange="binance")
    dec_klines = decoder(list[s.KlineRow], exchange="binance")
    now_ms = 1_900_000_000_000

    def ours_order() -> object:
        # What place_order runs on its RESULT answer.
        return m.spot_order(dec_order(order_b), spot_map)

    def ours_open() -> object:
        # What get_open_orders runs on the page.
        return [m.spot_order(row, spot_map) for row in dec_open(open_b)]

    def ours_full() -> object:
        # Order and fills: the unified content of a FULL answer (ccxt parses the fills too).
        return m.spot_placement(dec_order(full_b), spot_map)

    def ccxt_positions() -> object:
        # What fetch_positions_risk runs after the response (ccxt binance.py).
        result = []
        for row in json.loads(positions_b):
            entry = usdm.safe_string(row, "entryPrice")
            if Precise.string_gt(entry, "0"):
                result.append(usdm.parse_position_risk(row))
        return usdm.filter_by_array_positions(result, "symbol", usdm.market_symbols(None))

    def ccxt_depth() -> object:
        response = json.loads(depth_b)
        book = spot.parse_order_book(response, "BTC/USDT")
        book["nonce"] = spot.safe_integer(response, "lastUpdateId")
        return book

    cases = [
        _case(
            "binance.parse_ticker", "tickers", 1,
            lambda: m.spot_ticker(dec_ticker(ticker_b), spot_map),
            lambda: dec_ticker(ticker_b),
            lambda: spot.parse_ticker(json.loads(ticker_b), spot_market),
            loops=loops(20000), repeat=repeat,
        ),
        _case(
            "binance.parse_order", "orders", 1, ours_order,
            lambda: dec_order(order_b),
            lambda: spot.parse_order(json.loads(order_b), spot_market),
            loops=loops(20000), repeat=repeat,
        ),
        _case(
            "binance.parse_open_orders", "rows", OPEN_ORDER_ROWS, ours_open,
            lambda: dec_open(open_b),
            lambda: spot.parse_orders(json.loads(open_b), spot_market),
            loops=loops(1000), repeat=repeat,
        ),
        _case(
            "binance.parse_order_full", "orders", 1, ours_full,
            lambda: dec_order(full_b),
            lambda: spot.parse_order(json.loads(full_b), spot_market),
            loops=loops(20000), repeat=repeat,
        ),
        _case(
            "binance.parse_position_risk", "rows", POSITION_ROWS,
            lambda: m.positions_from_risk(dec_positions(positions_b), usdm_map),
            lambda: dec_positions(positions_b),
            ccxt_positions,
            loops=loops(1000), repeat=repeat,
        ),
        _case(
            "binance.parse_depth_1000", "snapshots", 1,
            lambda: m.order_book(dec_depth(depth_b), "BTC/USDT"),
            lambda: dec_depth(depth_b),
            ccxt_depth,
            loops=loops(100), repeat=repeat,
        ),
        _case(
            "binance.parse_klines_1000", "batches", 1,
            lambda: m.candles(dec_klines(klines_b), "BTC/USDT", "1m", now_ms=now_ms),
            lambda: dec_klines(klines_b),
            lambda: spot.parse_ohlcvs(json.loads(klines_b), spot_market, "1m", None, None),
            loops=loops(40), repeat=repeat,
        ),
    ]  # fmt: skip
    _check_same_numbers(
        m.spot_ticker(dec_ticker(ticker_b), spot_map).last,
        spot.parse_ticker(json.loads(ticker_b), spot_market)["last"],
    )
    _check_same_numbers(
        m.spot_order(dec_order(order_b), spot_map).average_fill_price,
        spot.parse_order(json.loads(order_b), spot_market)["average"],
    )
    _check_same_numbers(
        m.spot_placement(dec_order(full_b), spot_map)[1][1].fee,
        spot.parse_order(json.loads(full_b), spot_market)["trades"][1]["fee"]["cost"],
    )
    _check_same_numbers(
        m.spot_order(dec_open(open_b)[3], spot_map).remaining_quantity,
        spot.parse_orders(json.loads(open_b), spot_market)[3]["remaining"],
    )
    _check_same_numbers(
        m.positions_from_risk(dec_positions(positions_b), usdm_map)[-1].entry_price,
        ccxt_positions()[-1]["entryPrice"],  # type: ignore[index]
    )
    return cases


def _check_same_numbers(ours: Decimal | None, theirs: Any) -> None:
    """Guard: both sides parsed the same payload (a benchmark of wrong work is worthless)."""
    if ours is None or Decimal(str(theirs)) != ours:
        raise AssertionError(f"ours {ours} != ccxt {theirs}")


if __name__ == "__main__":  # pragma: no cover
    for r in run(quick=True):
        print(msgspec.json.encode(r.as_json()).decode())
