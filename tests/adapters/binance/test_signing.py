"""Every signature example in the fact sheet §1.2 (Binance's documented key and secret)."""

from decimal import Decimal

import pytest
from exchangekit_binance.signing import (
    encode_params,
    format_value,
    hmac_sha256_hex,
    rest_signature,
    signer,
    ws_payload,
    ws_signature,
)

from exchangekit import NotSupported

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

REST_PARAMS = [
    ("symbol", "LTCBTC"),
    ("side", "BUY"),
    ("type", "LIMIT"),
    ("timeInForce", "GTC"),
    ("quantity", Decimal("1")),
    ("price", Decimal("0.1")),
    ("recvWindow", 5000),
    ("timestamp", 1499827319559),
]
REST_QUERY = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)


def test_rest_ascii_example_encodes_and_signs_as_documented() -> None:
    query = encode_params(REST_PARAMS)
    assert query == REST_QUERY
    assert rest_signature(SECRET, query) == (
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )


def test_rest_non_ascii_symbol_is_percent_encoded_before_signing() -> None:
    params = [("symbol", "１２３４５６"), *REST_PARAMS[1:]]
    query = encode_params(params)
    assert query == (
        "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
        "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    )
    assert rest_signature(SECRET, query) == (
        "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
    )


def test_rest_mixed_query_and_body_are_concatenated_without_separator() -> None:
    query = encode_params(REST_PARAMS[:4])
    body = encode_params(REST_PARAMS[4:])
    assert query == "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
    assert body == "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
    assert rest_signature(SECRET, query, body) == (
        "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
    )


def test_ws_api_params_are_sorted_and_signed_as_documented() -> None:
    params = {
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.01000000",
        "price": "52000.00",
        "recvWindow": 100,
        "timestamp": 1645423376532,
        "apiKey": API_KEY,
    }
    assert ws_payload(params) == (
        f"apiKey={API_KEY}&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL"
        "&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT"
    )
    assert ws_signature(SECRET, params) == (
        "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"
    )


def test_ws_api_non_ascii_params_are_signed_as_raw_utf8() -> None:
    params = {
        "symbol": "１２３４５６",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "1.00000000",
        "price": "0.10000000",
        "recvWindow": 5000,
        "timestamp": 1645423376532,
        "apiKey": API_KEY,
    }
    assert "symbol=１２３４５６" in ws_payload(params)
    assert ws_signature(SECRET, params) == (
        "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd"
    )


def test_session_logon_payload_signs_as_documented() -> None:
    params = {"apiKey": API_KEY, "timestamp": 1649729878532}
    assert ws_signature(SECRET, params) == (
        "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed"
    )


def test_ws_payload_ignores_an_existing_signature_param() -> None:
    params = {"apiKey": API_KEY, "timestamp": 1649729878532}
    signed = {**params, "signature": "whatever"}
    assert ws_signature(SECRET, signed) == ws_signature(SECRET, params)


def test_signatures_are_lowercase_hex() -> None:
    sig = hmac_sha256_hex(SECRET.encode(), b"x")
    assert sig == sig.lower()
    assert len(sig) == 64


def test_decimals_are_written_without_exponent_and_booleans_lowercase() -> None:
    assert format_value(Decimal("1E-8")) == "0.00000001"
    assert format_value(Decimal("1E+3")) == "1000"
    assert format_value(True) == "true"
    assert encode_params({"reduceOnly": False}) == "reduceOnly=false"


def test_reserved_characters_in_values_are_percent_encoded() -> None:
    assert encode_params({"newClientOrderId": "a:b/c&d=e"}) == (
        "newClientOrderId=a%3Ab%2Fc%26d%3De"
    )


def test_hmac_signer_signs_and_asymmetric_key_types_are_not_supported() -> None:
    assert signer("hmac", SECRET)(REST_QUERY) == (
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )
    for key_type in ("ed25519", "rsa"):
        with pytest.raises(NotSupported):
            signer(key_type, SECRET)
