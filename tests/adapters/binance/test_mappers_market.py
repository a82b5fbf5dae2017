"""Market data and instruments: Binance payloads (docs-shaped) -> unified models."""

from decimal import Decimal

import msgspec
import pytest
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s

from exchangekit import MarketKind, Side

from ._payloads import load, spot_symbols, usdm_symbols

D = Decimal


def test_spot_instruments_take_tick_step_and_notional_from_filters() -> None:
    by_symbol = {
        i.symbol: i for i in m.spot_instruments(load("spot_exchange_info", s.SpotExchangeInfo))
    }
    btc = by_symbol["BTC/USDT"]
    assert (btc.exchange_symbol, btc.base, btc.quote, btc.kind) == (
        "BTCUSDT",
        "BTC",
        "USDT",
        MarketKind.SPOT,
    )
    assert (btc.tick_size, btc.step_size, btc.min_quantity) == (
        D("0.01"),
        D("0.00001"),
        D("0.00001"),
    )
    assert (btc.min_notional, btc.max_notional) == (D("5"), D("9000000"))
    assert (btc.min_price, btc.max_price, btc.max_quantity) == (D("0.01"), D("1000000"), D("9000"))
    # MARKET_LOT_SIZE with stepSize 0 means "no separate market step".
    assert btc.market_step_size is None
    assert btc.market_max_quantity == D("83.77380290")
    assert btc.settle is None and btc.active


def test_spot_instrument_with_legacy_min_notional_and_an_unknown_filter_still_maps() -> None:
    by_symbol = {
        i.symbol: i for i in m.spot_instruments(load("spot_exchange_info", s.SpotExchangeInfo))
    }
    eth = by_symbol["ETH/BTC"]
    assert eth.min_notional == D("0.001")
    assert eth.tick_size == D("0.000001")


def test_spot_instrument_not_trading_is_inactive() -> None:
    by_symbol = {
        i.symbol: i for i in m.spot_instruments(load("spot_exchange_info", s.SpotExchangeInfo))
    }
    assert not by_symbol["LTC/BTC"].active


def test_futures_instruments_name_perpetuals_and_dated_futures() -> None:
    instruments = m.usdm_instruments(load("usdm_exchange_info", s.UsdmExchangeInfo))
    by_symbol = {i.symbol: i for i in instruments}
    perp = by_symbol["BTC/USDT:USDT"]
    assert (perp.exchange_symbol, perp.kind, perp.settle, perp.expiry_ms) == (
        "BTCUSDT", MarketKind.PERPETUAL, "USDT", None)  # fmt: skip
    assert perp.min_notional == D("100")  # futures write MIN_NOTIONAL.notional
    assert (perp.tick_size, perp.step_size, perp.market_step_size) == (
        D("0.10"),
        D("0.001"),
        D("0.001"),
    )
    dated = by_symbol["BTC/USDT:USDT-261225"]
    assert (dated.exchange_symbol, dated.kind, dated.expiry_ms) == (
        "BTCUSDT_261225", MarketKind.FUTURE, 1798185600000)  # fmt: skip
    assert "OLD/USDT:USDT" not in by_symbol  # empty contractType: left out, not guessed
    assert len(instruments) == 5


def test_symbol_map_round_trips_and_rejects_unknown_ids() -> None:
    symbols = usdm_symbols()
    assert symbols.exchange("BTC/USDT:USDT-261225") == "BTCUSDT_261225"
    assert symbols.unified("BTCUSDT") == "BTC/USDT:USDT"
    assert "BTC/USDT:USDT" in symbols and len(symbols) == 5
    with pytest.raises(m.MappingError) as info:
        symbols.unified("NOPEUSDT", path="$.s")
    assert info.value.path == "$.s"


def test_spot_ticker_maps_every_field() -> None:
    t = m.spot_ticker(load("spot_ticker_24hr", s.SpotTicker24h), spot_symbols())
    assert t.symbol == "BNB/BTC"
    assert (t.bid, t.bid_size, t.ask, t.ask_size) == (D("4"), D("100"), D("4.000002"), D("100"))
    assert (t.last, t.open, t.high, t.low) == (D("4.000002"), D("99"), D("100"), D("0.1"))
    assert (t.volume, t.quote_volume, t.timestamp_ms) == (D("8913.3"), D("15.3"), 1499869899040)


def test_futures_ticker_takes_best_bid_ask_from_book_ticker() -> None:
    symbols = usdm_symbols()
    raw = load("usdm_ticker_24hr", s.UsdmTicker24h)
    without = m.usdm_ticker(raw, symbols)
    assert without.bid is None and without.last == D("4.000002")
    book = load("usdm_book_ticker", s.BookTicker)
    t = m.usdm_ticker(raw, symbols, book)
    assert (t.symbol, t.bid, t.bid_size, t.ask, t.ask_size) == (
        "BTC/USDT:USDT", D("4"), D("431"), D("4.000002"), D("9"))  # fmt: skip


def test_ticker_event_maps_to_a_ticker() -> None:
    t = m.ticker_from_event(load("spot_ws_ticker", s.Ticker24hEvent), spot_symbols())
    assert (t.symbol, t.last, t.bid, t.ask, t.volume, t.timestamp_ms) == (
        "BNB/BTC", D("0.0025"), D("0.0024"), D("0.0026"), D("10000"), 1672515782136)  # fmt: skip


def test_klines_map_to_candles_and_the_current_one_is_open() -> None:
    rows = load("spot_klines", list[s.KlineRow])
    candles = m.candles(rows, "ETH/BTC", "1w", now_ms=1500000000000)
    first, last = candles
    assert (first.open_ms, first.open, first.high, first.low, first.close) == (
        1499040000000, D("0.01634790"), D("0.8"), D("0.015758"), D("0.015771"))  # fmt: skip
    assert (first.volume, first.quote_volume, first.trades, first.close_ms) == (
        D("148976.11427815"), D("2434.19055334"), 308, 1499644799999)  # fmt: skip
    assert first.closed and not last.closed
    assert all(c.symbol == "ETH/BTC" and c.interval == "1w" for c in candles)


def test_kline_event_keeps_binances_closed_flag() -> None:
    c = m.candle_from_event(load("spot_ws_kline", s.KlineEvent), spot_symbols())
    assert (c.symbol, c.interval, c.open_ms, c.close, c.closed, c.trades) == (
        "BNB/BTC", "1m", 1672515780000, D("0.0020"), False, 100)  # fmt: skip


def test_unified_interval_names_are_binances() -> None:
    assert m.SPOT_INTERVALS == (
        "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h",
        "1d", "3d", "1w", "1M",
    )  # fmt: skip
    assert "1s" not in m.USDM_INTERVALS and "1M" in m.USDM_INTERVALS


def test_depth_snapshot_maps_to_a_sorted_book_with_its_sequence() -> None:
    book = m.order_book(load("spot_depth", s.DepthSnapshot), "BNB/BTC", received_ms=7)
    assert book.bids == [(D("4"), D("431")), (D("3.99"), D("9"))]
    assert book.asks == [(D("4.000002"), D("12")), (D("4.000003"), D("5"))]
    assert (book.sequence, book.timestamp_ms, book.received_ms) == (1027024, None, 7)
    assert book.mid == (D("4") + D("4.000002")) / 2
    futures = m.order_book(load("usdm_depth", s.DepthSnapshot), "BTC/USDT:USDT")
    assert futures.timestamp_ms == 1589436922972


def test_depth_update_events_keep_the_sequence_fields() -> None:
    spot = load("spot_ws_depth_update", s.DepthUpdateEvent)
    assert (spot.U, spot.u, spot.pu) == (157, 160, None)
    futures = load("usdm_ws_depth_update", s.DepthUpdateEvent)
    assert (futures.U, futures.u, futures.pu, futures.T) == (157, 160, 149, 123456788)
    book = m.order_book_from_event(futures, usdm_symbols())
    assert (book.symbol, book.sequence, book.bids) == (
        "BTC/USDT:USDT",
        160,
        [(D("0.0024"), D("10"))],
    )


@pytest.mark.parametrize(
    ("fixture", "event_type", "trade_id"),
    [("spot_ws_trade", s.TradeEvent, "12345"), ("spot_ws_agg_trade", s.AggTradeEvent, "12345")],
)
def test_trade_events_give_the_takers_side(fixture: str, event_type: type, trade_id: str) -> None:
    trade = m.trade_from_event(load(fixture, event_type), spot_symbols())
    # m=true: the buyer was the maker, so the taker sold.
    assert (trade.symbol, trade.trade_id, trade.side) == ("BNB/BTC", trade_id, Side.SELL)
    assert (trade.price, trade.quantity, trade.timestamp_ms) == (
        D("0.001"),
        D("100"),
        1672515782136,
    )


def test_book_ticker_events_decode_on_both_markets() -> None:
    spot = load("spot_ws_book_ticker", s.BookTickerEvent)
    assert (spot.u, spot.b, spot.A, spot.E) == (400900217, D("25.3519"), D("40.66"), None)
    futures = load("usdm_ws_book_ticker", s.BookTickerEvent)
    assert (futures.e, futures.E, futures.T) == ("bookTicker", 1568014460893, 1568014460891)


def test_ws_api_envelopes_split_result_error_and_rate_limits() -> None:
    ok = load("ws_api_response_ok", s.WsApiResponse)
    assert ok.status == 200 and ok.error is None
    order = msgspec.json.decode(ok.result, type=s.SpotOrder)
    assert order.orderId == 12510053279
    assert [(r.rateLimitType, r.count) for r in ok.rateLimits][-1] == ("REQUEST_WEIGHT", 321)
    failed = load("ws_api_response_error", s.WsApiResponse)
    assert failed.status == 400 and failed.error is not None
    assert (failed.error.code, bytes(failed.result)) == (-2010, b"")


def test_ws_api_event_wrapper_and_combined_stream_unwrap_to_events() -> None:
    wrapped = load("ws_api_event", s.WsApiEvent)
    assert wrapped.subscriptionId == 0
    event = msgspec.json.decode(wrapped.event, type=s.OutboundAccountPosition)
    assert m.account_position_balances(event)[0].free == D("10000")
    combined = load("spot_ws_combined_trade", s.StreamEnvelope)
    assert combined.stream == "bnbbtc@trade"
    assert msgspec.json.decode(combined.data, type=s.TradeEvent).t == 12345


def test_user_events_route_by_their_event_type() -> None:
    spot_event = msgspec.json.Decoder(
        s.ExecutionReport | s.OutboundAccountPosition | s.BalanceUpdateEvent
    )
    from ._payloads import raw

    assert isinstance(spot_event.decode(raw("spot_ws_balance_update")), s.BalanceUpdateEvent)
    assert isinstance(spot_event.decode(raw("spot_ws_execution_report_new")), s.ExecutionReport)
    usdm_event = msgspec.json.Decoder(
        s.OrderTradeUpdateEvent | s.UsdmAccountUpdateEvent | s.ListenKeyExpiredEvent
    )
    expired = usdm_event.decode(raw("usdm_ws_listen_key_expired"))
    assert isinstance(expired, s.ListenKeyExpiredEvent) and expired.E == "1736996475556"
    assert msgspec.json.decode(raw("spot_ws_trade"), type=s.EventHeader).e == "trade"


def test_ack_and_book_ticker_responses_decode() -> None:
    ack = load("spot_order_ack", s.SpotOrderAck)
    assert (ack.orderId, ack.orderListId, ack.transactTime) == (28, -1, 1507725176595)
    book = load("spot_book_ticker", s.BookTicker)
    assert (book.symbol, book.bidQty, book.askPrice, book.time) == (
        "LTCBTC",
        D("431"),
        D("4.000002"),
        None,
    )
