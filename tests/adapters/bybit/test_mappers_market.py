"""Instruments and market data map from the docs' example payloads."""

from decimal import Decimal

import pytest
from exchangekit_bybit import mappers as m
from exchangekit_bybit import schemas as s

from exchangekit import MarketKind, NotSupported

from ._payloads import linear_symbols, load, spot_symbols

D = Decimal


def test_spot_instruments_use_base_precision_and_min_order_amount() -> None:
    result = load("spot_instruments", s.Envelope[s.InstrumentList]).result
    btc, eth = m.instruments(result)
    assert (btc.symbol, btc.exchange_symbol, btc.kind) == ("BTC/USDT", "BTCUSDT", MarketKind.SPOT)
    assert (btc.tick_size, btc.step_size) == (D("0.1"), D("0.000001"))
    assert btc.min_notional == D("5")
    assert btc.max_notional == D("8000000")
    # minOrderQty is deprecated on spot ("no longer checked"): not a minimum here.
    assert btc.min_quantity == 0
    assert (btc.max_quantity, btc.market_max_quantity) == (D("83"), D("41.5"))
    assert btc.settle is None and btc.active
    assert eth.symbol == "ETH/USDT" and eth.step_size == D("0.00001")


def test_linear_instruments_are_perpetuals_and_dated_futures_are_left_out() -> None:
    result = load("linear_instruments", s.Envelope[s.InstrumentList]).result
    instruments = m.instruments(result)
    assert [i.symbol for i in instruments] == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    btc = instruments[0]
    assert (btc.kind, btc.settle, btc.exchange_symbol) == (
        MarketKind.PERPETUAL,
        "USDT",
        "BTCUSDT",
    )
    assert (btc.tick_size, btc.step_size, btc.min_quantity) == (D("0.10"), D("0.001"), D("0.001"))
    assert (btc.min_notional, btc.max_quantity, btc.market_max_quantity) == (
        D("5"),
        D("1190.000"),
        D("500.000"),
    )
    assert (btc.min_price, btc.max_price) == (D("0.10"), D("1999999.80"))


def test_spot_and_linear_symbol_maps_resolve_the_same_id_differently() -> None:
    assert spot_symbols().unified("BTCUSDT") == "BTC/USDT"
    assert linear_symbols().unified("BTCUSDT") == "BTC/USDT:USDT"
    assert linear_symbols().settle("BTCUSDT") == "USDT"
    assert spot_symbols().settle("BTCUSDT") is None
    assert linear_symbols().exchange("ETH/USDT:USDT") == "ETHUSDT"
    with pytest.raises(NotSupported):
        spot_symbols().exchange("BTC/USDT:USDT")


def test_spot_ticker_maps_best_prices_and_24h_statistics() -> None:
    env = load("spot_tickers", s.Envelope[s.TickerList])
    t = m.ticker(env.result.list[0], spot_symbols(), timestamp_ms=env.time or 0)
    assert t.symbol == "BTC/USDT"
    assert (t.bid, t.bid_size, t.ask, t.ask_size) == (
        D("20517.96"),
        D("2"),
        D("20527.77"),
        D("1.862172"),
    )
    assert (t.last, t.open, t.high, t.low) == (
        D("20533.13"),
        D("20393.48"),
        D("21128.12"),
        D("20318.89"),
    )
    assert (t.volume, t.quote_volume) == (D("11801.27771"), D("243765620.65899866"))
    assert t.timestamp_ms == 1673859087947


def test_linear_ticker_maps_from_the_linear_shape() -> None:
    env = load("linear_tickers", s.Envelope[s.TickerList])
    t = m.ticker(env.result.list[0], linear_symbols(), timestamp_ms=env.time or 0)
    assert t.symbol == "BTC/USDT:USDT"
    assert (t.bid, t.ask, t.last) == (D("16596.00"), D("16597.50"), D("16597.00"))
    assert t.volume == D("49337318")


def test_ticker_with_an_empty_book_has_no_bid_or_ask() -> None:
    row = load("spot_tickers", s.Envelope[s.TickerList]).result.list[0]
    empty = s.Ticker(**{**{f: getattr(row, f) for f in row.__struct_fields__}, "bid1Price": ""})
    assert m.ticker(empty, spot_symbols(), timestamp_ms=1).bid is None


def test_klines_come_back_oldest_first_with_the_open_one_marked() -> None:
    result = load("linear_kline", s.Envelope[s.KlineResult]).result
    now_ms = 1670608800000 + 60_000  # inside the newest hour
    candles = m.candles(result, "BTC/USDT:USDT", "1h", now_ms=now_ms)
    assert [c.open_ms for c in candles] == [1670601600000, 1670605200000, 1670608800000]
    assert [c.closed for c in candles] == [True, True, False]
    first = candles[0]
    assert (first.open, first.high, first.low, first.close) == (
        D("17086.5"),
        D("17088"),
        D("16978"),
        D("17071.5"),
    )
    assert (first.volume, first.quote_volume) == (D("6356"), D("0.37288112"))
    assert first.close_ms == 1670605200000


def test_monthly_klines_mark_only_the_newest_open() -> None:
    result = load("linear_kline", s.Envelope[s.KlineResult]).result
    candles = m.candles(result, "BTC/USDT:USDT", "1M", now_ms=0)
    assert [c.closed for c in candles] == [True, True, False]


def test_order_book_keeps_levels_best_first_and_u_as_sequence() -> None:
    result = load("linear_orderbook", s.Envelope[s.OrderBookResult]).result
    book = m.order_book(result, linear_symbols(), received_ms=5)
    assert book.symbol == "BTC/USDT:USDT"
    assert book.bids[0] == (D("65485.47"), D("47.081829"))
    assert book.asks[0] == (D("65557.7"), D("16.606555"))
    assert (book.sequence, book.timestamp_ms, book.received_ms) == (230704, 1716863719031, 5)


def test_server_time_is_milliseconds_from_nanoseconds() -> None:
    env = load("server_time", s.Envelope[s.ServerTime])
    assert m.server_time_ms(env) == 1688639403423


def test_kline_params_translate_the_interval_and_carry_the_category() -> None:
    params = m.kline_params(
        "BTC/USDT", "1h", spot_symbols(), category="spot", start_ms=1, end_ms=2, limit=200
    )
    assert params == {
        "category": "spot",
        "symbol": "BTCUSDT",
        "interval": "60",
        "start": "1",
        "end": "2",
        "limit": "200",
    }
    assert (
        m.kline_params("BTC/USDT:USDT", "1d", linear_symbols(), category="linear")["interval"]
        == "D"
    )
    with pytest.raises(NotSupported):
        m.kline_params("BTC/USDT", "1s", spot_symbols(), category="spot")
