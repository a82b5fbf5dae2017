"""Every public mapper also takes its payload as parsed JSON (``json.loads``) or JSON text,
with the same result as the decoded struct; malformed input is a ``MappingError`` with the
field's path. Bybit mappers take the envelope's ``result`` (as the client passes it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from exchangekit_bybit import mappers as m
from exchangekit_bybit import schemas as s

from exchangekit import MappingError
from tests.adapters.bybit._payloads import linear_symbols, load, obj, spot_symbols

SPOT = spot_symbols()
LINEAR = linear_symbols()

CASES: list[tuple[str, Any, Callable[[Any], object]]] = [
    ("linear_open_orders", s.OrderList, lambda p: m.orders(p, LINEAR)),
    ("spot_order_history", s.OrderList, lambda p: m.orders(p, SPOT)),
    ("linear_executions", s.ExecutionList, lambda p: m.fills(p, LINEAR)),
    ("linear_positions", s.PositionList, lambda p: m.positions(p, LINEAR, include_flat=True)),
    ("wallet_balance", s.WalletBalance, lambda p: m.balances(p)),
    ("linear_instruments", s.InstrumentList, lambda p: m.instruments(p)),
    ("linear_kline", s.KlineResult, lambda p: m.candles(p, "BTC/USDT:USDT", "1", now_ms=0)),
    ("linear_orderbook", s.OrderBookResult, lambda p: m.order_book(p, LINEAR)),
]


@pytest.mark.parametrize(("name", "schema", "mapper"), CASES, ids=[c[0] for c in CASES])
def test_parsed_json_maps_like_the_decoded_struct(
    name: str, schema: Any, mapper: Callable[[Any], object]
) -> None:
    expected = mapper(load(name, s.Envelope[schema]).result)
    parsed = obj(name)["result"]
    assert mapper(parsed) == expected
    assert mapper(msgspec_json(parsed)) == expected


def test_single_rows_map_from_parsed_json_too() -> None:
    rows = obj("linear_executions")["result"]["list"]
    struct_rows = load("linear_executions", s.Envelope[s.ExecutionList]).result.list
    assert m.fill(rows[0], LINEAR) == m.fill(struct_rows[0], LINEAR)
    order_rows = obj("linear_open_orders")["result"]["list"]
    decoded = load("linear_open_orders", s.Envelope[s.OrderList]).result.list
    assert m.order(order_rows[0], LINEAR) == m.order(decoded[0], LINEAR)
    ticker = obj("linear_tickers")["result"]["list"][0]
    decoded_ticker = load("linear_tickers", s.Envelope[s.TickerList]).result.list[0]
    assert m.ticker(ticker, LINEAR, timestamp_ms=1) == m.ticker(
        decoded_ticker, LINEAR, timestamp_ms=1
    )


@pytest.mark.parametrize(
    ("mapper", "payload", "path"),
    [
        (lambda p: m.orders(p, LINEAR), {"list": [{"symbol": "BTCUSDT"}]}, "$.list[0].orderId"),
        (lambda p: m.fills(p, LINEAR), None, "$"),
        (lambda p: m.balances(p), [1], "$"),
    ],
)
def test_malformed_parsed_json_is_a_mapping_error_with_the_path(
    mapper: Callable[[Any], object], payload: Any, path: str
) -> None:
    with pytest.raises(MappingError) as info:
        mapper(payload)
    assert info.value.path == path
    assert info.value.exchange == "bybit"


def msgspec_json(data: Any) -> bytes:
    import msgspec

    return msgspec.json.encode(data)
