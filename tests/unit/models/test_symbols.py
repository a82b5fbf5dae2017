from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchangekit import MarketKind, format_symbol, parse_symbol


@pytest.mark.parametrize(
    ("text", "kind", "settle"),
    [
        ("BTC/USDT", MarketKind.SPOT, None),
        ("BTC/USDT:USDT", MarketKind.PERPETUAL, "USDT"),
        ("BTC/USD:BTC", MarketKind.PERPETUAL, "BTC"),
        ("BTC/USDT:USDT-261225", MarketKind.FUTURE, "USDT"),
        ("BTC/USD:BTC-261225-50000-C", MarketKind.OPTION, "BTC"),
        # Binance lists spot assets named in other scripts (e.g. 币安人生USDT).
        ("币安人生/USDT", MarketKind.SPOT, None),
        ("1000PEPE/USDT:USDT", MarketKind.PERPETUAL, "USDT"),
    ],
)
def test_unified_symbols_parse_to_their_kind(
    text: str, kind: MarketKind, settle: str | None
) -> None:
    sym = parse_symbol(text)
    assert sym.kind is kind
    assert sym.settle == settle
    assert str(sym) == text


def test_inverse_is_settled_in_base() -> None:
    assert parse_symbol("BTC/USD:BTC").is_inverse
    assert not parse_symbol("BTC/USDT:USDT").is_inverse
    assert parse_symbol("BTC/USDT:USDT").is_linear


@pytest.mark.parametrize(
    "text",
    [
        "BTCUSDT",
        "BTC/",
        "/USDT",
        "BTC/USDT:",
        "BTC/USDT:USDT-2612",
        "BTC/USDT:USDT-261325",
        "",
        "BTC /USDT",
        "_X/USDT",
        "BTC-USDT/USDT",
    ],
)
def test_malformed_symbols_are_refused_with_the_input_named(text: str) -> None:
    with pytest.raises(ValueError, match="symbol"):
        parse_symbol(text)


def test_option_strike_is_decimal() -> None:
    assert parse_symbol("ETH/USD:ETH-270326-2500.5-P").strike == Decimal("2500.5")


def test_format_refuses_expiry_without_settle() -> None:
    with pytest.raises(ValueError):
        format_symbol("BTC", "USDT", expiry="261225")


asset = st.from_regex(r"[A-Z][A-Z0-9]{1,6}", fullmatch=True)


@given(
    base=asset,
    quote=asset,
    settle=st.one_of(st.none(), asset),
    expiry=st.one_of(st.none(), st.dates().map(lambda d: d.strftime("%y%m%d"))),
)
def test_format_then_parse_round_trips(
    base: str, quote: str, settle: str | None, expiry: str | None
) -> None:
    if settle is None:
        expiry = None
    text = format_symbol(base, quote, settle=settle, expiry=expiry)
    sym = parse_symbol(text)
    assert (sym.base, sym.quote, sym.settle, sym.expiry) == (base, quote, settle, expiry)
