"""Malformed payloads raise MappingError naming the bad field; nothing else leaks."""

from typing import Any

import pytest
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s

from exchangekit.errors import MappingError
from exchangekit.mapping import decoder

from ._payloads import encode, obj, symbols

SYMBOLS = symbols()


def _decode_and_map(fixture: str, type_: Any, mapper: Any, mutate: Any) -> None:
    data = obj(fixture)
    mutate(data)
    envelope = decoder(type_, exchange="okx")(encode(data))
    mapper(envelope)


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def mutate(data: Any) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _drop(path: tuple[Any, ...]) -> Any:
    def mutate(data: Any) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


ORDER = (s.Envelope[s.Order], lambda e: m.orders(e, SYMBOLS))
CASES = [
    ("order_spot", *ORDER, _set(("data", 0, "state"), "pending"), "$.data[0].state"),
    ("order_spot", *ORDER, _set(("data", 0, "ordType"), "twap"), "$.data[0].ordType"),
    ("order_spot", *ORDER, _set(("data", 0, "sz"), "lots"), "$.data[0].sz"),
    ("order_spot", *ORDER, _drop(("data", 0, "accFillSz")), "$.data[0].accFillSz"),
    ("order_spot", *ORDER, _set(("data", 0, "avgPx"), "n/a"), "$.data[0].avgPx"),
    ("order_spot", *ORDER, _set(("data", 0, "cTime"), "yesterday"), "$.data[0].cTime"),
    ("order_spot", *ORDER, _set(("data", 0, "instId"), "DOGE-USDT"), "$.data[0].instId"),
    (
        "fills",
        s.Envelope[s.Fill],
        lambda e: m.fills(e, SYMBOLS),
        _set(("data", 1, "fee"), ""),
        "$.data[1].fee",
    ),
    (
        "ticker_swap",
        s.Envelope[s.Ticker],
        lambda e: m.ticker(e, SYMBOLS),
        _set(("data", 0, "askSz"), "many"),
        "$.data[0].askSz",
    ),
    (
        "ticker_spot",
        s.Envelope[s.Ticker],
        lambda e: m.ticker(e, SYMBOLS),
        _set(("data",), []),
        "$.data",
    ),
    (
        "candles_spot",
        s.Envelope[s.Candle],
        lambda e: m.candles(e, "BTC/USDT", "1m", SYMBOLS),
        _set(("data", 1), ["1708588740000", "1", "2", "3"]),
        "$.data[1]",
    ),
    (
        "candles_spot",
        s.Envelope[s.Candle],
        lambda e: m.candles(e, "BTC/USDT", "1m", SYMBOLS),
        _set(("data", 0, 8), "2"),
        "$.data[0][8]",
    ),
    (
        "books_swap",
        s.Envelope[s.OrderBook],
        lambda e: m.order_book(e, "BTC/USDT:USDT", SYMBOLS),
        _set(("data", 0, "asks", 1, 1), "x"),
        "$.data[0].asks[1][1]",
    ),
    (
        "instruments_swap",
        s.Envelope[s.Instrument],
        m.instruments,
        _set(("data", 0, "ctVal"), ""),
        "$.data[0].ctVal",
    ),
    (
        "instruments_swap",
        s.Envelope[s.Instrument],
        m.instruments,
        _drop(("data", 1, "tickSz")),
        "$.data[1].tickSz",
    ),
    (
        "balance",
        s.Envelope[s.Balance],
        m.balances,
        _set(("data", 0, "details", 1, "availBal"), "lots"),
        "$.data[0].details[1].availBal",
    ),
    (
        "positions",
        s.Envelope[s.Position],
        lambda e: m.positions(e, SYMBOLS),
        _set(("data", 1, "pos"), "long"),
        "$.data[1].pos",
    ),
    (
        "time",
        s.Envelope[s.ServerTime],
        m.server_time_ms,
        _set(("data", 0, "ts"), "-1"),
        "$.data[0].ts",
    ),
    ("time", s.Envelope[s.ServerTime], m.server_time_ms, _set(("code",), 0), "$.code"),
]


@pytest.mark.parametrize(
    ("fixture", "type_", "mapper", "mutate", "path"),
    CASES,
    ids=[f"{c[0]}:{c[4]}" for c in CASES],
)
def test_malformed_payload_raises_mapping_error_with_the_path(
    fixture: str, type_: Any, mapper: Any, mutate: Any, path: str
) -> None:
    with pytest.raises(MappingError) as info:
        _decode_and_map(fixture, type_, mapper, mutate)
    assert info.value.path == path
    assert info.value.raw is not None


def test_non_json_is_a_mapping_error_too() -> None:
    with pytest.raises(MappingError):
        decoder(s.Envelope[s.Order], exchange="okx")(b"<html>")
