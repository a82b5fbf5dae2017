"""Every signature example in the fact sheet §1.2 (Binance's documented key and secret)."""

import base64
import pickle
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from exchangekit_binance.config import BinanceConfig
from exchangekit_binance.endpoints import SPOT
from exchangekit_binance.signing import (
    encode_params,
    format_value,
    hmac_sha256_hex,
    is_pem,
    load_private_key,
    rest_signature,
    rest_signer,
    signer,
    ws_payload,
    ws_signature,
)

from exchangekit import NotSupported
from exchangekit.transport import Credentials

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


def test_hmac_signer_signs_and_unknown_key_types_are_not_supported() -> None:
    assert signer("hmac", SECRET)(REST_QUERY) == (
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )
    with pytest.raises(NotSupported):
        signer("dsa", SECRET)


# -- RSA and Ed25519 keys ------------------------------------------------------------------------

# RFC 8032 §7.1 TEST 1: an Ed25519 secret key and the signature of the empty message.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def _pem(key: Any, password: bytes | None = None) -> str:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_ed25519_signs_as_rfc_8032_documents_in_base64() -> None:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)
    sign = signer("ed25519", _pem(key))
    assert sign("") == base64.b64encode(RFC8032_SIGNATURE).decode()
    # The documented WebSocket API payload, signed and verified with the public half.
    params = {"apiKey": API_KEY, "timestamp": 1649729878532}
    signature = ws_signature(_pem(key), params)
    key.public_key().verify(base64.b64decode(signature), ws_payload(params).encode())


def test_rsa_signs_pkcs1_v15_sha256_in_base64(rsa_key: rsa.RSAPrivateKey) -> None:
    pem = _pem(rsa_key)
    signature = rest_signature(pem, REST_QUERY)
    rsa_key.public_key().verify(
        base64.b64decode(signature), REST_QUERY.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert signature == signer("rsa", load_private_key(pem))(REST_QUERY)  # deterministic
    # In a query string the base64 alphabet's + / = are percent-encoded like any value.
    assert encode_params({"signature": "a+b/c="}) == "signature=a%2Bb%2Fc%3D"


def test_the_rest_signer_signs_with_a_pem_private_key(rsa_key: rsa.RSAPrivateKey) -> None:
    sign = rest_signer(5000)
    endpoint = SPOT.endpoints.account
    creds = Credentials(API_KEY, _pem(rsa_key))
    parts = sign(endpoint, (("omitZeroBalances", "true"),), None, 1499827319559, creds)
    added = dict(parts.params)
    query = "omitZeroBalances=true&recvWindow=5000&timestamp=1499827319559"
    rsa_key.public_key().verify(
        base64.b64decode(added["signature"]), query.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert parts.redact == (added["signature"],)


def test_key_types_must_match_and_pems_are_not_hmac_secrets(rsa_key: rsa.RSAPrivateKey) -> None:
    ed_pem = _pem(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(ValueError, match="rsa private key"):
        signer("rsa", ed_pem)
    with pytest.raises(ValueError, match="HMAC"):
        signer("hmac", _pem(rsa_key))
    ec_pem = _pem(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(ValueError, match="HMAC, RSA or Ed25519"):
        load_private_key(ec_pem)


def test_encrypted_keys_files_and_errors_never_show_the_key(tmp_path, rsa_key) -> None:
    pem = _pem(rsa_key, b"hunter22")
    path = tmp_path / "key.pem"
    path.write_text(pem)
    key = load_private_key(path, "hunter22")
    assert key.key_type == "rsa" and load_private_key(str(path), b"hunter22").key_type == "rsa"
    assert repr(key) == "PrivateKey(rsa, <redacted>)" and "BEGIN" not in str(key)
    with pytest.raises(TypeError):
        pickle.dumps(key)
    body = pem.splitlines()[1]
    for bad in (lambda: load_private_key(pem, "wrong"), lambda: load_private_key(pem)):
        with pytest.raises(ValueError) as caught:
            bad()
        assert body not in str(caught.value) and "hunter22" not in str(caught.value)
    with pytest.raises(ValueError, match="cannot read"):
        load_private_key(tmp_path / "missing.pem")


def test_the_config_takes_a_private_key_and_keeps_secrets_out_of_its_repr(
    tmp_path, rsa_key
) -> None:
    path = tmp_path / "key.pem"
    path.write_text(_pem(rsa_key, b"pw"))
    config = BinanceConfig(api_key=API_KEY, private_key=str(path), private_key_password="pw")
    assert config.api_secret is not None and is_pem(config.api_secret)  # what signing reads
    text = repr(config)
    assert "BEGIN" not in text and "pw" not in text.replace("password", "")
    assert SECRET not in repr(BinanceConfig(api_key=API_KEY, api_secret=SECRET))
    with pytest.raises(ValueError, match="not both"):
        BinanceConfig(api_key=API_KEY, api_secret=SECRET, private_key=str(path))
    with pytest.raises(ValueError, match="api_key"):
        BinanceConfig(private_key=str(path), private_key_password="pw")
    with pytest.raises(ValueError, match="without a private_key"):
        BinanceConfig(api_key=API_KEY, api_secret=SECRET, private_key_password="pw")
