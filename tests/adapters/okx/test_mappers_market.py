"""Instruments and market data map to unified models in base units (ctVal for swaps)."""

from decimal import Decimal as D

import pytest
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s

from exchangekit import MarketKind
from exchangekit.errors import NotSupported

from ._payloads import load, symbols

SYMBOLS = symbols()


def test_spot_instruments_use_okx_steps_as_base_units() -> None:
    spot = m.instruments(load("instruments_spot", s.Envelope[s.Instrument]))
    btc = spot[0]
    assert (btc.symbol, btc.exchange_symbol, btc.kind) == ("BTC/USDT", "BTC-USDT", MarketKind.SPOT)
    assert (btc.base, btc.quote, btc.settle) == ("BTC", "USDT", None)
    assert (btc.tick_size, btc.step_size, btc.min_quantity) == (
        D("0.1"),
        D("0.00000001"),
        D("0.00001"),
    )
    assert btc.contract_size == 1
    assert btc.max_quantity == D("9999999999")
    assert btc.market_max_quantity is None  # maxMktSz ""
    assert btc.active
    assert not spot[1].active  # state "suspend"


def test_linear_swaps_convert_lot_and_minimum_from_contracts_with_ctval() -> None:
    swaps = m.instruments(load("instruments_swap", s.Envelope[s.Instrument]))
    assert [i.symbol for i in swaps] == ["BTC/USDT:USDT", "ETH/USDT:USDT"]  # inverse left out
    btc = swaps[0]
    assert (btc.exchange_symbol, btc.kind, btc.settle) == (
        "BTC-USDT-SWAP",
        MarketKind.PERPETUAL,
        "USDT",
    )
    assert btc.contract_size == D("0.01")
    assert btc.step_size == D("0.0001")  # lotSz 0.01 contracts x 0.01 BTC
    assert btc.min_quantity == D("0.0001")
    assert btc.max_quantity == D("1000000")  # 100000000 contracts x 0.01
    assert btc.market_max_quantity == D("120")
    assert btc.tick_size == D("0.1")
    eth = swaps[1]
    assert (eth.contract_size, eth.step_size, eth.min_quantity) == (D("0.1"), D("0.1"), D("0.1"))


def test_contract_conversion_is_exact_both_ways() -> None:
    btc = SYMBOLS.instrument("BTC/USDT:USDT")
    assert btc.to_contracts(D("0.0123")) == D("1.23")
    assert btc.to_base(D("1.23")) == D("0.0123")


def test_spot_ticker_keeps_base_and_quote_volume() -> None:
    t = m.ticker(load("ticker_spot", s.Envelope[s.Ticker]), SYMBOLS)
    assert t.symbol == "BTC/USDT"
    assert (t.bid, t.bid_size, t.ask, t.ask_size) == (
        D("51230.1"),
        D("1.20388"),
        D("51230.2"),
        D("0.41234"),
    )
    assert (t.last, t.open, t.high, t.low) == (D("51230.1"), D("50112.5"), D("51500"), D("49888.8"))
    assert (t.volume, t.quote_volume) == (D("12034.56789"), D("612345678.123"))
    assert t.timestamp_ms == 1708587373362


def test_swap_ticker_sizes_are_converted_and_volume_is_volccy() -> None:
    t = m.ticker(load("ticker_swap", s.Envelope[s.Ticker]), SYMBOLS)
    assert t.symbol == "BTC/USDT:USDT"
    assert t.ask_size == D("1.255")  # 125.5 contracts x 0.01
    assert t.bid_size == D("0.88")
    assert t.volume == D("98765.43")  # volCcy24h is base for swaps
    assert t.quote_volume is None


def test_candles_come_back_oldest_first_with_the_confirm_flag() -> None:
    rows = m.candles(load("candles_spot", s.Envelope[s.Candle]), "BTC/USDT", "1m", SYMBOLS)
    assert [c.open_ms for c in rows] == [1708588680000, 1708588740000, 1708588800000]
    assert [c.closed for c in rows] == [True, True, False]
    last = rows[-1]
    assert (last.open, last.high, last.low, last.close) == (
        D("51230.1"),
        D("51260"),
        D("51200.3"),
        D("51250.7"),
    )
    assert (last.volume, last.quote_volume) == (D("12.3456"), D("632456.12"))


def test_swap_candle_volume_is_base_from_volccy() -> None:
    rows = m.candles(load("candles_swap", s.Envelope[s.Candle]), "BTC/USDT:USDT", "1m", SYMBOLS)
    assert [c.volume for c in rows] == [D("20.005"), D("15.3")]
    assert rows[0].quote_volume == D("1024556.7")


def test_spot_book_keeps_levels_best_first() -> None:
    book = m.order_book(load("books_spot", s.Envelope[s.OrderBook]), "BTC/USDT", SYMBOLS)
    assert book.bids == [(D("41006.3"), D("0.30178218")), (D("41006"), D("0.00001"))]
    assert book.asks == [(D("41006.8"), D("0.60038921")), (D("41007"), D("1.5"))]
    assert book.timestamp_ms == 1629966436396
    assert book.sequence is None


def test_swap_book_sizes_are_contracts_converted_to_base() -> None:
    book = m.order_book(load("books_swap", s.Envelope[s.OrderBook]), "BTC/USDT:USDT", SYMBOLS)
    assert book.asks == [(D("41006.8"), D("0.60")), (D("41007"), D("1.505"))]
    assert book.bids[1] == (D("41006"), D("0.0001"))


def test_server_time_is_epoch_milliseconds() -> None:
    assert m.server_time_ms(load("time", s.Envelope[s.ServerTime])) == 1597026383085


@pytest.mark.parametrize(
    ("interval", "bar"),
    [("1m", "1m"), ("1h", "1H"), ("4h", "4H"), ("1d", "1Dutc"), ("1w", "1Wutc"), ("1M", "1Mutc")],
)
def test_candle_intervals_map_to_utc_aligned_bars(interval: str, bar: str) -> None:
    assert m.candle_params("BTC/USDT", interval, SYMBOLS)["bar"] == bar


def test_candle_bounds_are_inclusive_through_okx_exclusive_paging() -> None:
    params = m.candle_params("BTC/USDT:USDT", "1m", SYMBOLS, start_ms=1000, end_ms=5000, limit=300)
    assert params == {
        "instId": "BTC-USDT-SWAP",
        "bar": "1m",
        "after": "5001",
        "before": "999",
        "limit": "300",
    }


def test_unknown_interval_and_unknown_symbol_are_not_supported() -> None:
    with pytest.raises(NotSupported):
        m.candle_params("BTC/USDT", "7m", SYMBOLS)
    with pytest.raises(NotSupported):
        m.candle_params("DOGE/USDT", "1m", SYMBOLS)
