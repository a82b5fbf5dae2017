"""OKX V5 response parsing: raw bytes -> unified models, ours against ccxt as it ships.

Each case times three things on the same bytes in the same run:

- ours: typed msgspec decode of the ``{code, msg, data}`` envelope into the adapter's wire
  Structs, then the pure mapper into exchangekit models (Decimal money, swap sizes
  converted from contracts to base units);
- ccxt 4.5.90: ``json.loads`` plus the parse method its fetch_* call runs on ``data``
  (markets set offline with ``set_markets``; ccxt leaves swap sizes in contracts);
- bare: the typed msgspec decode alone, to show what the mapping layer costs.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import Any

import msgspec

from bench.harness import Result, parse_case

PEER = "ccxt 4.5.90"

TICKER = {
    "instType": "SWAP", "instId": "BTC-USDT-SWAP", "last": "51228.4", "lastSz": "3",
    "askPx": "51228.5", "askSz": "125.5", "bidPx": "51228.4", "bidSz": "88",
    "open24h": "50100", "high24h": "51490.7", "low24h": "49870.1", "volCcy24h": "98765.43",
    "vol24h": "9876543", "sodUtc0": "50490", "sodUtc8": "50790.2", "ts": "1708587373400",
}  # fmt: skip
ORDER = {
    "instType": "SWAP", "instId": "BTC-USDT-SWAP", "ordId": "301835739059335169",
    "clOrdId": "ek0123456789abcdef0123456789ab", "px": "50000", "sz": "2.5", "ordType": "ioc",
    "side": "buy", "posSide": "long", "tdMode": "isolated", "accFillSz": "1.25",
    "avgPx": "49999.9", "state": "partially_filled", "lever": "5", "fee": "-0.3125",
    "feeCcy": "USDT", "reduceOnly": "false", "tgtCcy": "", "fillPx": "49999.9",
    "fillSz": "1.25", "fillTime": "1708587373500", "tradeId": "744876981", "tag": "",
    "cancelSource": "", "category": "normal", "cTime": "1708587373300",
    "uTime": "1708587373500",
}  # fmt: skip
ORDER_ROWS = 50


def _books() -> dict[str, Any]:
    asks = [[f"{60000.1 + i * 0.1:.1f}", f"{1 + i % 40}", "0", f"{1 + i % 7}"] for i in range(400)]
    bids = [[f"{60000 - i * 0.1:.1f}", f"{2 + i % 30}", "0", f"{1 + i % 5}"] for i in range(400)]
    return {"asks": asks, "bids": bids, "ts": "1629966436396"}


def _candles() -> list[list[str]]:
    rows = []
    for i in range(300):
        o = 60000 + (i % 50)
        rows.append([
            str(1708588800000 - i * 60000), f"{o:.1f}", f"{o + 5.5:.1f}", f"{o - 4.2:.1f}",
            f"{o + 1.7:.1f}", f"{1530 + i}", f"{15.3 + i / 100:.2f}", f"{783900.12 + i:.2f}",
            "0" if i == 0 else "1",
        ])  # fmt: skip
    return rows


def _envelope(data: list[Any]) -> bytes:
    return json.dumps({"code": "0", "msg": "", "data": data}).encode()


def _ccxt() -> tuple[Any, Any]:
    import ccxt

    okx = ccxt.okx()
    okx.set_markets([
        {
            "id": "BTC-USDT-SWAP", "symbol": "BTC/USDT:USDT", "base": "BTC", "quote": "USDT",
            "settle": "USDT", "baseId": "BTC", "quoteId": "USDT", "settleId": "USDT",
            "type": "swap", "spot": False, "margin": False, "swap": True, "future": False,
            "option": False, "active": True, "contract": True, "linear": True, "inverse": False,
            "contractSize": 0.01, "precision": {"amount": 0.01, "price": 0.1},
            "limits": {k: {"min": None, "max": None} for k in ("amount", "price", "cost", "leverage")},
            "info": {},
        }
    ])  # fmt: skip
    return okx, okx.market("BTC/USDT:USDT")


def _note(overhead: float) -> str:
    return f"time ours/bare = {overhead:.2f}; swap sizes converted to base (ccxt keeps contracts)"


_case = functools.partial(parse_case, peer_name=PEER, note=_note)


def run(quick: bool) -> list[Result]:
    """Parse benchmarks for the OKX adapter against ccxt (same bytes, same run)."""
    from exchangekit_okx import mappers as m
    from exchangekit_okx import schemas as s

    from exchangekit.mapping import decoder
    from exchangekit.models import Instrument, MarketKind

    okx, market = _ccxt()
    symbols = m.SymbolMap(
        [
            Instrument(
                symbol="BTC/USDT:USDT",
                exchange_symbol="BTC-USDT-SWAP",
                base="BTC",
                quote="USDT",
                settle="USDT",
                kind=MarketKind.PERPETUAL,
                tick_size=Decimal("0.1"),
                step_size=Decimal("0.0001"),
                contract_size=Decimal("0.01"),
            )
        ]
    )
    repeat = 2 if quick else 5
    scale = 0.1 if quick else 1.0

    def loops(n: int) -> int:
        return max(1, int(n * scale))

    ticker_b = _envelope([TICKER])
    orders_b = _envelope([ORDER] * ORDER_ROWS)
    books_b = _envelope([_books()])
    candles_b = _envelope(_candles())

    dec_ticker = decoder(s.Envelope[s.Ticker], exchange="okx")
    dec_orders = decoder(s.Envelope[s.Order], exchange="okx")
    dec_books = decoder(s.Envelope[s.OrderBook], exchange="okx")
    dec_candles = decoder(s.Envelope[s.Candle], exchange="okx")
    symbol = "BTC/USDT:USDT"

    def ccxt_orders() -> object:
        return okx.parse_orders(json.loads(orders_b)["data"], market)

    def ccxt_books() -> object:
        data = json.loads(books_b)["data"][0]
        return okx.parse_order_book(data, symbol, okx.safe_integer(data, "ts"))

    cases = [
        _case(
            "okx.parse_ticker", "tickers", 1,
            lambda: m.ticker(dec_ticker(ticker_b), symbols),
            lambda: dec_ticker(ticker_b),
            lambda: okx.parse_ticker(json.loads(ticker_b)["data"][0], market),
            loops=loops(20000), repeat=repeat,
        ),
        _case(
            "okx.parse_orders_pending", "rows", ORDER_ROWS,
            lambda: m.orders(dec_orders(orders_b), symbols),
            lambda: dec_orders(orders_b),
            ccxt_orders,
            loops=loops(400), repeat=repeat,
        ),
        _case(
            "okx.parse_books_400", "snapshots", 1,
            lambda: m.order_book(dec_books(books_b), symbol, symbols),
            lambda: dec_books(books_b),
            ccxt_books,
            loops=loops(200), repeat=repeat,
        ),
        _case(
            "okx.parse_candles_300", "batches", 1,
            lambda: m.candles(dec_candles(candles_b), symbol, "1m", symbols),
            lambda: dec_candles(candles_b),
            lambda: okx.parse_ohlcvs(json.loads(candles_b)["data"], market, "1m", None, None),
            loops=loops(100), repeat=repeat,
        ),
    ]  # fmt: skip
    ours_order = m.orders(dec_orders(orders_b), symbols)[0]
    theirs_order = okx.parse_order(ORDER, market)
    _check_same_numbers(ours_order.average_fill_price, theirs_order["average"])
    # ccxt keeps contracts; ours are base units (ctVal 0.01).
    _check_same_numbers(ours_order.quantity, theirs_order["amount"], Decimal("0.01"))
    return cases


def _check_same_numbers(ours: Decimal | None, theirs: Any, factor: Decimal = Decimal(1)) -> None:
    """Guard: both sides parsed the same payload (a benchmark of wrong work is worthless)."""
    if ours is None or Decimal(str(theirs)) * factor != ours:
        raise AssertionError(f"ours {ours} != ccxt {theirs} x {factor}")


if __name__ == "__main__":  # pragma: no cover
    for r in run(quick=True):
        print(msgspec.json.encode(r.as_json()).decode())
