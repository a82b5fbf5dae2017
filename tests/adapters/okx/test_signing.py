"""OKX signatures: prehash layout, Base64 HMAC-SHA256, headers and the WS login.

OKX's docs give no example that can be checked end to end (fact sheet §3.2: the formula
example has no output, the demo header sample gives no secret or path, the WS login sample
does not match the sample secret). The vectors here are **self-computed** with the docs'
sample secret and cross-checked against OKX's own python-okx ``utils.sign`` [V vs POK]; the
prehash layout and the timestamp format are the documented ones.
"""

import pytest
from exchangekit_okx.signing import (
    iso_timestamp,
    prehash,
    rest_headers,
    rest_signature,
    rest_signer,
    ws_login_args,
    ws_login_signature,
)

from exchangekit.errors import AuthenticationError
from exchangekit.transport import Credentials, Endpoint, Security

SECRET = "22582BD0CFF14C41EDBF1AB98506286D"  # the docs' sample secret
TS = "2020-12-08T09:08:57.715Z"  # the docs' sample timestamp
TS_MS = 1607418537715
CREDS = Credentials("sample-api-key-0123456789", SECRET, passphrase="pass phrase")

BALANCE = Endpoint("GET", "/api/v5/account/balance", Security.SIGNED)
SET_LEVERAGE = Endpoint("POST", "/api/v5/account/set-leverage", Security.SIGNED)
LEVERAGE_BODY = '{"instId":"BTC-USDT","lever":"5","mgnMode":"isolated"}'


def test_timestamp_is_iso8601_utc_with_milliseconds() -> None:
    assert iso_timestamp(TS_MS) == TS
    assert iso_timestamp(1_600_000_000_000) == "2020-09-13T12:26:40.000Z"
    assert iso_timestamp(1_600_000_000_007) == "2020-09-13T12:26:40.007Z"


def test_prehash_is_timestamp_method_path_with_query_and_body() -> None:
    assert prehash(TS, "get", "/api/v5/account/balance?ccy=BTC") == (
        "2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC"
    )
    assert prehash(TS, "POST", "/api/v5/trade/order", '{"a":"1"}').endswith(
        'POST/api/v5/trade/order{"a":"1"}'
    )


def test_get_with_query_matches_the_self_computed_vector() -> None:
    assert rest_signature(SECRET, TS, "GET", "/api/v5/account/balance?ccy=BTC") == (
        "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
    )


def test_post_with_json_body_matches_the_self_computed_vector() -> None:
    signature = rest_signature(SECRET, TS, "POST", "/api/v5/account/set-leverage", LEVERAGE_BODY)
    assert signature == "eCnnCgWLjlQ9XnpUkrcny3qNq3WW/81KNrDr/XR6Xv8="


def test_ws_login_signs_seconds_get_users_self_verify() -> None:
    assert ws_login_signature(SECRET, 1538054050) == (
        "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M="
    )
    assert ws_login_signature(SECRET, "1538054050") == ws_login_signature(SECRET, 1538054050)


def test_ws_login_args_carry_key_passphrase_seconds_and_sign() -> None:
    assert ws_login_args(CREDS, 1538054050) == {
        "apiKey": "sample-api-key-0123456789",
        "passphrase": "pass phrase",
        "timestamp": "1538054050",
        "sign": "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=",
    }


def test_signer_signs_the_query_as_encoded_and_adds_the_four_headers() -> None:
    parts = rest_signer()(BALANCE, (("ccy", "BTC"),), None, TS_MS, CREDS)
    assert parts.params == ()
    assert parts.body is None
    assert dict(parts.headers) == {
        "OK-ACCESS-KEY": "sample-api-key-0123456789",
        "OK-ACCESS-SIGN": "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=",
        "OK-ACCESS-TIMESTAMP": TS,
        "OK-ACCESS-PASSPHRASE": "pass phrase",
    }
    assert parts.redact == ("HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=",)


def test_signer_signs_the_post_body_bytes_as_sent() -> None:
    parts = rest_signer()(SET_LEVERAGE, (), LEVERAGE_BODY.encode(), TS_MS, CREDS)
    assert parts.headers["OK-ACCESS-SIGN"] == "eCnnCgWLjlQ9XnpUkrcny3qNq3WW/81KNrDr/XR6Xv8="


def test_demo_trading_adds_the_simulated_trading_header_to_every_request() -> None:
    signed = rest_signer(demo=True)(BALANCE, (), None, TS_MS, CREDS)
    assert signed.headers["x-simulated-trading"] == "1"
    public = rest_signer(demo=True)(Endpoint("GET", "/api/v5/public/time"), (), None, TS_MS, CREDS)
    assert dict(public.headers) == {"x-simulated-trading": "1"}
    assert "x-simulated-trading" not in rest_signer()(BALANCE, (), None, TS_MS, CREDS).headers
    assert rest_headers(api_key="k", passphrase="p", signature="s", timestamp=TS, demo=True)[
        "x-simulated-trading"
    ] == ("1")


def test_signing_without_a_passphrase_is_an_authentication_error() -> None:
    bare = Credentials("sample-api-key-0123456789", SECRET)
    with pytest.raises(AuthenticationError):
        rest_signer()(BALANCE, (), None, TS_MS, bare)
    with pytest.raises(AuthenticationError):
        ws_login_args(bare, 1538054050)


def test_signatures_are_standard_base64_of_32_bytes() -> None:
    signature = rest_signature(SECRET, TS, "GET", "/api/v5/public/time")
    assert len(signature) == 44
    assert signature.endswith("=")
