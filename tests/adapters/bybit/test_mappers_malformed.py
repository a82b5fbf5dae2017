"""Malformed payloads raise MappingError with the path of the bad field, never KeyError."""

from typing import Any

import pytest
from exchangekit_bybit import mappers as m
from exchangekit_bybit import schemas as s

from exchangekit import MappingError
from exchangekit.mapping import decoder

from ._payloads import encode, linear_symbols, obj, spot_symbols

LINEAR = linear_symbols()
SPOT = spot_symbols()


def _decode(type_: type[Any], data: Any) -> Any:
    return decoder(type_, exchange="bybit")(encode(data))


@pytest.mark.parametrize(
    ("fixture", "type_", "mutate", "path"),
    [
        (
            "linear_open_orders",
            s.Envelope[s.OrderList],
            lambda d: d["result"]["list"][0].pop("orderStatus"),
            "$.result.list[0].orderStatus",
        ),
        (
            "linear_open_orders",
            s.Envelope[s.OrderList],
            lambda d: d["result"]["list"][1].update(orderStatus="Exploded"),
            "$.result.list[1].orderStatus",
        ),
        (
            "linear_open_orders",
            s.Envelope[s.OrderList],
            lambda d: d["result"]["list"][0].update(qty="lots"),
            "$.result.list[0].qty",
        ),
        (
            "linear_executions",
            s.Envelope[s.ExecutionList],
            lambda d: d["result"]["list"][0].update(side="Both"),
            "$.result.list[0].side",
        ),
        (
            "spot_instruments",
            s.Envelope[s.InstrumentList],
            lambda d: d["result"]["list"][1]["priceFilter"].pop("tickSize"),
            "$.result.list[1].priceFilter.tickSize",
        ),
        (
            "linear_kline",
            s.Envelope[s.KlineResult],
            lambda d: d["result"]["list"][2].__setitem__(4, "close?"),
            "$.result.list[2][4]",
        ),
        (
            "linear_orderbook",
            s.Envelope[s.OrderBookResult],
            lambda d: d["result"].pop("u"),
            "$.result.u",
        ),
        (
            "wallet_balance",
            s.Envelope[s.WalletBalance],
            lambda d: d["result"]["list"][0]["coin"][1].update(walletBalance=""),
            "$.result.list[0].coin[1].walletBalance",
        ),
        (
            "linear_positions",
            s.Envelope[s.PositionList],
            lambda d: d["result"]["list"][0].update(side="Long"),
            "$.result.list[0].side",
        ),
    ],
)
def test_shape_errors_name_the_field(
    fixture: str, type_: type[Any], mutate: Any, path: str
) -> None:
    data = obj(fixture)
    mutate(data)
    with pytest.raises(MappingError) as info:
        _decode(type_, data)
    assert info.value.path == path
    assert info.value.exchange == "bybit"


def test_error_envelope_does_not_decode_as_a_result() -> None:
    # The client classifies retCode first; decoding an error as a success is a MappingError.
    with pytest.raises(MappingError):
        _decode(s.Envelope[s.OrderList], obj("error_insufficient_balance"))


def _orders(data: Any) -> Any:
    return m.orders(_decode(s.Envelope[s.OrderList], data).result, LINEAR)


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("createdTime", "yesterday", "$.result.list[0].createdTime"),
        ("updatedTime", "²", "$.result.list[0].updatedTime"),
        ("avgPrice", "n/a", "$.result.list[0].avgPrice"),
        ("triggerPrice", "NaN", "$.result.list[0].triggerPrice"),
        ("leavesQty", "x", "$.result.list[0].leavesQty"),
        ("symbol", "DOGEUSDT", "$.result.list[0].symbol"),
    ],
)
def test_mapper_value_errors_name_the_field(field: str, value: str, path: str) -> None:
    data = obj("linear_open_orders")
    data["result"]["list"][0][field] = value
    with pytest.raises(MappingError) as info:
        _orders(data)
    assert info.value.path == path


def test_bad_execution_time_names_the_row() -> None:
    data = obj("linear_executions")
    data["result"]["list"][0]["execTime"] = ""
    with pytest.raises(MappingError) as info:
        m.fills(_decode(s.Envelope[s.ExecutionList], data).result, LINEAR)
    assert info.value.path == "$.result.list[0].execTime"


def test_bad_kline_start_time_names_the_cell() -> None:
    data = obj("linear_kline")
    data["result"]["list"][1][0] = "-5"
    result = _decode(s.Envelope[s.KlineResult], data).result
    with pytest.raises(MappingError) as info:
        m.candles(result, "BTC/USDT:USDT", "1h", now_ms=0)
    assert info.value.path == "$.result.list[1][0]"


def test_spot_instrument_without_base_precision_is_refused() -> None:
    data = obj("spot_instruments")
    data["result"]["list"][0]["lotSizeFilter"].pop("basePrecision")
    with pytest.raises(MappingError) as info:
        m.instruments(_decode(s.Envelope[s.InstrumentList], data).result)
    assert info.value.path == "$.result.list[0].lotSizeFilter.basePrecision"


def test_linear_perpetual_without_settle_coin_is_refused() -> None:
    data = obj("linear_instruments")
    data["result"]["list"][0]["settleCoin"] = ""
    with pytest.raises(MappingError) as info:
        m.instruments(_decode(s.Envelope[s.InstrumentList], data).result)
    assert info.value.path == "$.result.list[0].settleCoin"


def test_unsupported_category_is_refused() -> None:
    data = obj("linear_instruments")
    data["result"]["category"] = "option"
    with pytest.raises(MappingError) as info:
        m.instruments(_decode(s.Envelope[s.InstrumentList], data).result)
    assert info.value.path == "$.result.category"


def test_bad_position_number_names_the_field() -> None:
    data = obj("linear_positions")
    data["result"]["list"][1]["liqPrice"] = "--"
    with pytest.raises(MappingError) as info:
        m.positions(_decode(s.Envelope[s.PositionList], data).result, LINEAR)
    assert info.value.path == "$.result.list[1].liqPrice"


def test_bad_wallet_number_names_the_field() -> None:
    data = obj("wallet_balance")
    data["result"]["list"][0]["coin"][0]["locked"] = "some"
    with pytest.raises(MappingError) as info:
        m.balances(_decode(s.Envelope[s.WalletBalance], data).result)
    assert info.value.path == "$.result.list[0].coin[0].locked"


def test_bad_ticker_bid_names_the_field() -> None:
    data = obj("spot_tickers")
    data["result"]["list"][0]["bid1Price"] = "bid"
    row = _decode(s.Envelope[s.TickerList], data).result.list[0]
    with pytest.raises(MappingError) as info:
        m.ticker(row, SPOT, timestamp_ms=1, path="$.result.list[0]")
    assert info.value.path == "$.result.list[0].bid1Price"
