"""Every public mapper also takes its payload (the whole ``{"code", "data"}`` envelope) as
parsed JSON or JSON text, with the same result as the decoded struct; malformed input is a
``MappingError`` with the field's path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s

from exchangekit import MappingError
from tests.adapters.okx._payloads import load, obj, raw, symbols

SYMBOLS = symbols()

CASES: list[tuple[str, Any, Callable[[Any], object]]] = [
    ("order_spot", s.Order, lambda p: m.order(p, SYMBOLS)),
    ("orders_pending_swap", s.Order, lambda p: m.orders(p, SYMBOLS)),
    ("fills", s.Fill, lambda p: m.fills(p, SYMBOLS)),
    ("positions", s.Position, lambda p: m.positions(p, SYMBOLS, include_flat=True)),
    ("balance", s.Balance, lambda p: m.balances(p)),
    ("instruments_swap", s.Instrument, lambda p: m.instruments(p)),
    ("ticker_spot", s.Ticker, lambda p: m.ticker(p, SYMBOLS)),
    ("candles_spot", s.Candle, lambda p: m.candles(p, "BTC/USDT", "1m", SYMBOLS)),
    ("books_spot", s.OrderBook, lambda p: m.order_book(p, "BTC/USDT", SYMBOLS)),
    ("time", s.ServerTime, lambda p: m.server_time_ms(p)),
]


@pytest.mark.parametrize(("name", "schema", "mapper"), CASES, ids=[c[0] for c in CASES])
def test_parsed_json_maps_like_the_decoded_struct(
    name: str, schema: Any, mapper: Callable[[Any], object]
) -> None:
    expected = mapper(load(name, s.Envelope[schema]))
    assert mapper(obj(name)) == expected
    assert mapper(raw(name)) == expected


@pytest.mark.parametrize(
    ("mapper", "payload", "path"),
    [
        (lambda p: m.order(p, SYMBOLS), {"code": "0", "data": [{"instId": "BTC-USDT"}]},
         "$.data[0].instType"),
        (lambda p: m.fills(p, SYMBOLS), None, "$"),
        (lambda p: m.balances(p), "not json", "$"),
    ],
)  # fmt: skip
def test_malformed_parsed_json_is_a_mapping_error_with_the_path(
    mapper: Callable[[Any], object], payload: Any, path: str
) -> None:
    with pytest.raises(MappingError) as info:
        mapper(payload)
    assert info.value.path == path
    assert info.value.exchange == "okx"
