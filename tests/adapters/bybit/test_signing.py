"""Bybit V5 signing: the string-to-sign, regression vectors, headers and the WS auth message.

The docs' own examples (BYD guide.mdx) cannot be checked: the secret behind them is not
published. The vectors below were computed with the secret ``YYYYYYYYYY`` over the docs'
payloads (fact sheet §2.2, "self-computed reference vectors"): they pin our implementation,
and the string-to-sign tests pin the construction the docs describe.
"""

import hashlib
import hmac

import pytest
from exchangekit_bybit.signing import (
    DEFAULT_RECV_WINDOW_MS,
    json_body,
    rest_payload,
    rest_signature,
    rest_signer,
    ws_auth_message,
    ws_auth_payload,
    ws_signature,
)

from exchangekit.transport import Credentials, Endpoint, Security

SECRET = "YYYYYYYYYY"
KEY = "XXXXXXXXXX"
GET_QUERY = "category=option&symbol=BTC-29JUL22-25000-C"
POST_BODY = '{"category": "option"}'


def test_get_string_to_sign_is_timestamp_key_window_and_query() -> None:
    assert rest_payload(1658384314791, KEY, 5000, GET_QUERY) == (
        "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"
    )


def test_post_string_to_sign_is_timestamp_key_window_and_body() -> None:
    assert rest_payload(1658385579423, KEY, 5000, POST_BODY) == (
        '1658385579423XXXXXXXXXX5000{"category": "option"}'
    )


def test_get_signature_matches_the_regression_vector() -> None:
    assert rest_signature(SECRET, 1658384314791, KEY, 5000, GET_QUERY) == (
        "37813c67fafb3017e92354eb88f218e7e52a98f9f5eb74cfcf0b21f17edb143b"
    )


def test_post_signature_matches_the_regression_vector() -> None:
    assert rest_signature(SECRET, 1658385579423, KEY, 5000, POST_BODY) == (
        "4cbc693a498014a4d2c81ae4b7e33a28715cd1b6eec43163dc9b15acfa3c8763"
    )


def test_signature_is_lowercase_hex_hmac_sha256_of_the_string_to_sign() -> None:
    payload = rest_payload(1, "k", 5000, "a=1")
    expected = hmac.new(b"s", payload.encode(), hashlib.sha256).hexdigest()
    signature = rest_signature("s", 1, "k", 5000, "a=1")
    assert signature == expected
    assert signature == signature.lower()
    assert len(signature) == 64


def test_ws_auth_signs_get_realtime_and_expires() -> None:
    assert ws_auth_payload(1662350400000) == "GET/realtime1662350400000"
    assert ws_signature(SECRET, 1662350400000) == (
        "9c4c0629fddfee26ca0da50a7fed51968fce6935d34b02e772d3bd0c34327bd1"
    )


def test_ws_auth_message_carries_key_expires_and_signature() -> None:
    message = ws_auth_message(KEY, SECRET, 1662350400000, req_id="auth-1")
    assert message == {
        "req_id": "auth-1",
        "op": "auth",
        "args": [
            KEY,
            1662350400000,
            "9c4c0629fddfee26ca0da50a7fed51968fce6935d34b02e772d3bd0c34327bd1",
        ],
    }
    assert "req_id" not in ws_auth_message(KEY, SECRET, 1)


def test_json_body_is_compact_ordered_and_writes_decimals_as_strings() -> None:
    from decimal import Decimal

    body = json_body({"category": "linear", "qty": Decimal("0.010"), "price": None, "x": True})
    assert body == b'{"category":"linear","qty":"0.010","x":true}'


SIGNED_GET = Endpoint("GET", "/v5/order/realtime", Security.SIGNED)
SIGNED_POST = Endpoint("POST", "/v5/order/create", Security.SIGNED)
CREDS = Credentials(KEY, SECRET)


def test_signer_signs_the_get_query_as_sent_and_adds_only_headers() -> None:
    sign = rest_signer()
    params = (("category", "option"), ("symbol", "BTC-29JUL22-25000-C"))
    parts = sign(SIGNED_GET, params, None, 1658384314791, CREDS)
    assert parts.params == ()
    assert parts.body is None
    assert dict(parts.headers) == {
        "X-BAPI-API-KEY": KEY,
        "X-BAPI-TIMESTAMP": "1658384314791",
        "X-BAPI-SIGN": "37813c67fafb3017e92354eb88f218e7e52a98f9f5eb74cfcf0b21f17edb143b",
        "X-BAPI-SIGN-TYPE": "2",
        "X-BAPI-RECV-WINDOW": str(DEFAULT_RECV_WINDOW_MS),
    }
    assert parts.redact == (parts.headers["X-BAPI-SIGN"],)


def test_signer_signs_the_post_body_bytes_and_sets_json_content_type() -> None:
    parts = rest_signer()(SIGNED_POST, (), POST_BODY.encode(), 1658385579423, CREDS)
    assert parts.headers["X-BAPI-SIGN"] == (
        "4cbc693a498014a4d2c81ae4b7e33a28715cd1b6eec43163dc9b15acfa3c8763"
    )
    assert parts.headers["Content-Type"] == "application/json"


def test_signer_uses_the_configured_recv_window() -> None:
    parts = rest_signer(20_000)(SIGNED_GET, (("a", "1"),), None, 7, CREDS)
    assert parts.headers["X-BAPI-RECV-WINDOW"] == "20000"
    assert parts.headers["X-BAPI-SIGN"] == rest_signature(SECRET, 7, KEY, 20_000, "a=1")


@pytest.mark.parametrize(
    ("security", "headers"), [(Security.PUBLIC, {}), (Security.API_KEY, {"X-BAPI-API-KEY": KEY})]
)
def test_signer_leaves_unsigned_endpoints_unsigned(
    security: Security, headers: dict[str, str]
) -> None:
    parts = rest_signer()(Endpoint("GET", "/v5/market/time", security), (), None, 1, CREDS)
    assert dict(parts.headers) == headers
    assert parts.redact == ()
