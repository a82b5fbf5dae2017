"""Public WebSocket examples from Bybit's docs, routed and mapped the way the streams do.

BYD websocket/public/{ticker,trade,kline,orderbook}.mdx: each frame goes through the public
router (decode + dedupe key), then the stream's own mapping (ticker merge, trade, candle).
"""

import json
from decimal import Decimal
from typing import Any

import pytest
from exchangekit_bybit.streams import (
    _BOOK,
    _KLINE,
    _TICKER,
    _TRADE,
    BookMessage,
    PublicRouter,
    TickerState,
    candle,
    trade,
)

from exchangekit import MappingError, Side
from exchangekit.ws import Routed

from ._payloads import linear_symbols

D = Decimal

LINEAR_TICKER_SNAPSHOT = {
    "topic": "tickers.BTCUSDT",
    "type": "snapshot",
    "data": {
        "symbol": "BTCUSDT",
        "tickDirection": "PlusTick",
        "price24hPcnt": "0.017103",
        "lastPrice": "17216.00",
        "prevPrice24h": "16926.50",
        "highPrice24h": "17281.50",
        "lowPrice24h": "16915.00",
        "prevPrice1h": "17238.00",
        "markPrice": "17217.33",
        "indexPrice": "17227.36",
        "openInterest": "68744.761",
        "openInterestValue": "1183601235.91",
        "turnover24h": "1570383121.943499",
        "volume24h": "91705.276",
        "nextFundingTime": "1673280000000",
        "fundingRate": "-0.000212",
        "bid1Price": "17215.50",
        "bid1Size": "84.489",
        "ask1Price": "17216.00",
        "ask1Size": "83.020",
    },
    "cs": 24987956059,
    "ts": 1673272861686,
}

SPOT_TICKER_SNAPSHOT = {
    "topic": "tickers.BTCUSDT",
    "ts": 1672305380595,
    "type": "snapshot",
    "cs": 496622841,
    "data": {
        "symbol": "BTCUSDT",
        "lastPrice": "16363.78",
        "highPrice24h": "16566.64",
        "lowPrice24h": "16009.19",
        "prevPrice24h": "16443.66",
        "volume24h": "5865.470182",
        "turnover24h": "95949815.680875",
        "price24hPcnt": "-0.0049",
        "usdIndexPrice": "16364.2",
    },
}


def _route(topic: str, kind: Any, frame: dict[str, Any]) -> Routed:
    router = PublicRouter(None)
    router.register(topic, kind)
    routed = router.route(json.dumps(frame))
    assert isinstance(routed, Routed)
    return routed


def test_linear_ticker_snapshot_then_a_delta_of_changed_fields() -> None:
    state = TickerState("BTC/USDT:USDT")
    _, data, ts = _route("tickers.BTCUSDT", _TICKER, LINEAR_TICKER_SNAPSHOT).payload
    state.update(data, ts)
    first = state.ticker()
    assert first is not None
    assert (first.bid, first.ask, first.last) == (D("17215.50"), D("17216.00"), D("17216.00"))
    assert (first.open, first.high, first.low) == (D("16926.50"), D("17281.50"), D("16915.00"))
    assert (first.volume, first.quote_volume) == (D("91705.276"), D("1570383121.943499"))
    assert first.timestamp_ms == 1673272861686
    delta = {
        "topic": "tickers.BTCUSDT",
        "type": "delta",
        "data": {"symbol": "BTCUSDT", "bid1Price": "17216.50", "bid1Size": "1.2"},
        "cs": 24987956060,
        "ts": 1673272861786,
    }
    _, data, ts = _route("tickers.BTCUSDT", _TICKER, delta).payload
    state.update(data, ts)
    second = state.ticker()
    assert second is not None
    assert (second.bid, second.bid_size, second.last) == (D("17216.50"), D("1.2"), D("17216.00"))
    assert second.timestamp_ms == 1673272861786


def test_spot_ticker_takes_its_quote_from_level_one_book_messages() -> None:
    state = TickerState("BTC/USDT")
    _, data, ts = _route("tickers.BTCUSDT", _TICKER, SPOT_TICKER_SNAPSHOT).payload
    state.update(data, ts)
    before = state.ticker()
    assert before is not None and (before.bid, before.ask) == (None, None)
    # A level-1 delta as Bybit sends it: the new best bid, then the old one removed.
    book = {
        "topic": "orderbook.1.BTCUSDT",
        "ts": 1672305380600,
        "type": "delta",
        "data": {
            "s": "BTCUSDT",
            "b": [["16363.70", "0.02853"], ["16363.60", "0"]],
            "a": [],
            "u": 16468297,
            "seq": 14234996104,
        },
    }
    message = _route("orderbook.1.BTCUSDT", _BOOK, book).payload
    assert isinstance(message, BookMessage)
    state.quote(message.data, message.ts)
    after = state.ticker()
    assert after is not None
    assert (after.bid, after.bid_size, after.ask) == (D("16363.70"), D("0.02853"), None)


@pytest.mark.parametrize(
    "bids",
    [
        [["16363.60", "0"], ["16363.70", "0.5"]],
        [["16363.70", "0.5"], ["16363.60", "0"]],
    ],
)
def test_removed_level_one_entries_never_become_the_quote(bids: list[list[str]]) -> None:
    state = TickerState("BTC/USDT")
    book = {"topic": "orderbook.1.BTCUSDT", "type": "delta", "ts": 5}
    book["data"] = {"s": "BTCUSDT", "b": bids, "a": [["16364", "0"]], "u": 2}
    message = _route("orderbook.1.BTCUSDT", _BOOK, book).payload
    state.quote(message.data, message.ts)
    assert state.fields["bid1Price"] == "16363.70"
    assert "ask1Price" not in state.fields


def test_junk_level_one_size_is_a_mapping_error() -> None:
    state = TickerState("BTC/USDT")
    book = {"topic": "orderbook.1.BTCUSDT", "type": "snapshot", "ts": 5}
    book["data"] = {"s": "BTCUSDT", "b": [["1", "lots"]], "a": [], "u": 1}
    message = _route("orderbook.1.BTCUSDT", _BOOK, book).payload
    with pytest.raises(MappingError):
        state.quote(message.data, message.ts)


def test_public_trade_example_maps_to_a_taker_trade() -> None:
    frame = {
        "topic": "publicTrade.BTCUSDT",
        "type": "snapshot",
        "ts": 1672304486868,
        "data": [
            {
                "T": 1672304486865,
                "s": "BTCUSDT",
                "S": "Buy",
                "v": "0.001",
                "p": "16578.50",
                "L": "PlusTick",
                "i": "20f43950-d8dd-5b31-9112-a178eb6023af",
                "BT": False,
                "RPI": False,
                "seq": 1783284617,
            }
        ],
    }
    routed = _route("publicTrade.BTCUSDT", _TRADE, frame)
    [row] = routed.payload
    mapped = trade(row, linear_symbols())
    assert mapped.symbol == "BTC/USDT:USDT"
    assert (mapped.side, mapped.price, mapped.quantity) == (Side.BUY, D("16578.50"), D("0.001"))
    assert (mapped.trade_id, mapped.timestamp_ms) == (row.i, 1672304486865)
    assert routed.dedupe_key == ("20f43950-d8dd-5b31-9112-a178eb6023af",)


def test_kline_example_maps_to_an_open_candle() -> None:
    frame = {
        "topic": "kline.5.BTCUSDT",
        "data": [
            {
                "start": 1672324800000,
                "end": 1672325099999,
                "interval": "5",
                "open": "16649.5",
                "close": "16677",
                "high": "16677",
                "low": "16608",
                "volume": "2.081",
                "turnover": "34666.4005",
                "confirm": False,
                "timestamp": 1672324988882,
            }
        ],
        "ts": 1672324988882,
        "type": "snapshot",
    }
    [row] = _route("kline.5.BTCUSDT", _KLINE, frame).payload
    bar = candle(row, "BTC/USDT")
    assert (bar.interval, bar.open_ms, bar.close_ms, bar.closed) == (
        "5m",
        1672324800000,
        1672325100000,
        False,
    )
    assert (bar.open, bar.high, bar.low, bar.close) == (
        D("16649.5"),
        D("16677"),
        D("16608"),
        D("16677"),
    )
    assert (bar.volume, bar.quote_volume) == (D("2.081"), D("34666.4005"))
