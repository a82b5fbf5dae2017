"""Signing primitives against the exchanges' documented vectors."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum, StrEnum
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchangekit.transport import (
    encode_params,
    hmac_sha256_base64,
    hmac_sha256_hex,
    normalize_params,
)

from .fakes import API_SECRET, CREDENTIALS, NEW_ORDER, binance_signer

# Binance rest-api.md, "SIGNED Endpoint Examples".
BINANCE_QUERY = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)


def test_hmac_hex_matches_binance_documented_signature() -> None:
    assert hmac_sha256_hex(API_SECRET, BINANCE_QUERY) == (
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )


def test_hmac_hex_matches_binance_query_plus_body_signature() -> None:
    # Query and body concatenated with no separator (Binance rest-api.md, older revision).
    message = (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
        "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    )
    assert hmac_sha256_hex(API_SECRET.encode(), message.encode()) == (
        "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
    )


def test_non_ascii_parameters_are_percent_encoded_before_signing() -> None:
    pairs = normalize_params(
        {
            "symbol": "１２３４５６",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": 1,
            "price": Decimal("0.1"),
            "recvWindow": 5000,
            "timestamp": 1499827319559,
        }
    )
    query = encode_params(pairs)
    assert query.startswith("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&")
    assert hmac_sha256_hex(API_SECRET, query) == (
        "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
    )


def test_hmac_base64_matches_the_okx_reference_vector() -> None:
    # Self-computed and cross-checked against okx/python-okx utils.sign (fact sheet §3.2).
    message = "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"
    assert hmac_sha256_base64("22582BD0CFF14C41EDBF1AB98506286D", message) == (
        "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
    )


def test_a_signer_is_pure_the_same_input_gives_the_same_signature() -> None:
    pairs = normalize_params({"symbol": "LTCBTC"})
    first = binance_signer(NEW_ORDER, pairs, None, 1499827319559, CREDENTIALS)
    second = binance_signer(NEW_ORDER, pairs, None, 1499827319559, CREDENTIALS)
    assert first == second
    assert [name for name, _ in first.params] == ["recvWindow", "timestamp", "signature"]


class Side(StrEnum):
    BUY = "buy"


class Mode(IntEnum):
    HEDGE = 3


def test_values_are_formatted_the_way_exchanges_expect() -> None:
    pairs = normalize_params(
        [
            ("reduceOnly", True),
            ("postOnly", False),
            ("qty", Decimal("1E-7")),
            ("price", Decimal("25000.10")),
            ("side", Side.BUY),
            ("skipped", None),
            ("limit", 5),
            ("positionIdx", Mode.HEDGE),
        ]
    )
    assert pairs == (
        ("reduceOnly", "true"),
        ("postOnly", "false"),
        ("qty", "0.0000001"),
        ("price", "25000.10"),
        ("side", "buy"),
        ("limit", "5"),
        ("positionIdx", "3"),
    )


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError, match="price"):
        normalize_params({"price": 0.1})  # type: ignore[dict-item]


@given(st.lists(st.tuples(st.text(min_size=1), st.text()), max_size=8))
def test_encoding_keeps_order_and_round_trips(pairs: list[tuple[str, str]]) -> None:
    query = encode_params(pairs)
    assert parse_qsl(query, keep_blank_values=True) == pairs
    assert query.isascii() and " " not in query
