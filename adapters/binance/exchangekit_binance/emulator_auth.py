"""The Binance emulator's gate: API keys, signatures (-1022) and the timing rule (-1021).

Keys are HMAC (the default test key) or RSA / Ed25519, registered with their public key
(:class:`~exchangekit_binance.emulator_wire.ApiCredentials`).

REST signatures cover the query string followed by the body, as sent (fact sheet §1.2);
WebSocket API signatures cover the sorted ``params`` (see :mod:`exchangekit_binance.signing`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from exchangekit.testing.wire import EmulatorRequest
from exchangekit_binance.emulator_wire import ApiCredentials, Refusal, Venue, mandatory
from exchangekit_binance.signing import hmac_sha256_hex, ws_payload

__all__ = [
    "TEST_API_KEY",
    "TEST_API_SECRET",
    "api_key",
    "check_signed",
    "check_timestamp",
    "credentials",
    "signature_valid",
    "verify_ws_params",
]

TEST_API_KEY = "ekEmulatorBinanceTestApiKey".ljust(64, "0")
"""The API key the emulator accepts by default (64 alphanumerics, like Binance's)."""
TEST_API_SECRET = "ekEmulatorBinanceTestApiSecret".ljust(64, "1")

_API_KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{64}$")


def check_timestamp(now_ms: int, timestamp: str, recv_window: str | None) -> tuple[int, str] | None:
    """Binance's timing rule (fact sheet §1.2): ``(code, msg)`` when the request is refused.

    ``timestamp`` may be in ms or µs; ``recvWindow`` up to 60000 ms (3 decimals allowed).
    """
    try:
        stamp = int(timestamp)
    except ValueError:
        return -1102, mandatory("timestamp")
    if stamp > 10**14:  # microseconds
        stamp //= 1000
    try:
        window = float(recv_window) if recv_window else 5000.0
    except ValueError:
        return -1102, mandatory("recvWindow")
    if window > 60000:
        return -1131, "recvWindow must be less than 60000"
    if stamp >= now_ms + 1000:
        return -1021, "Timestamp for this request was 1000ms ahead of the server's time."
    if now_ms - stamp > window:
        return -1021, "Timestamp for this request is outside of the recvWindow."
    return None


def signature_valid(creds: ApiCredentials, payloads: set[str] | list[str], signature: str) -> bool:
    """Whether ``signature`` signs one of ``payloads`` with ``creds``' key: HMAC hex in any
    case; RSA (PKCS#1 v1.5, SHA-256) and Ed25519 base64, case-sensitive, checked against the
    registered public key."""
    if creds.public_key is not None:
        return any(_verify(creds.public_key, p, signature) for p in payloads)
    wanted = signature.lower()
    return any(hmac.compare_digest(hmac_sha256_hex(creds.api_secret, p), wanted) for p in payloads)


def _verify(public_pem: str, payload: str, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    try:
        raw = base64.b64decode(unquote(signature), validate=True)
    except (binascii.Error, ValueError):
        return False
    key = serialization.load_pem_public_key(public_pem.encode())
    try:
        if isinstance(key, RSAPublicKey):
            key.verify(raw, payload.encode(), padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, Ed25519PublicKey):
            key.verify(raw, payload.encode())
        else:
            return False
    except InvalidSignature:
        return False
    return True


def api_key(request: EmulatorRequest) -> str | None:
    """The ``X-MBX-APIKEY`` header, if sent."""
    for name, value in request.headers.items():
        if name.lower() == "x-mbx-apikey":
            return value.strip()
    return None


def credentials(venue: Venue, request: EmulatorRequest) -> ApiCredentials:
    """The credentials of the request's API key, or Binance's -2014/-2015 refusal."""
    key = api_key(request)
    if key is None or not _API_KEY_FORMAT.match(key):
        raise Refusal(-2014, "API-key format invalid.", 401)
    creds = venue.credentials.get(key)
    if creds is None:
        raise Refusal(-2015, "Invalid API-key, IP, or permissions for action.", 401)
    return creds


def check_signed(venue: Venue, request: EmulatorRequest, creds: ApiCredentials) -> None:
    """Signature over query string + body as sent (fact sheet §1.2), then the timing rule."""
    params = request.params
    for name in ("timestamp", "signature"):
        if not params.get(name):
            raise Refusal(-1102, mandatory(name))
    query, query_sig = _without_signature(request.query_string)
    form = _is_form(request)
    body, body_sig = _without_signature(request.body.decode("utf-8", "replace") if form else "")
    signature = query_sig or body_sig or ""
    # The raw bytes as sent (the server hands the query over still encoded), as Binance
    # verifies them: a client that signed one encoding and sent another is refused.
    if not signature_valid(creds, [query + body], signature):
        raise Refusal(-1022, "Signature for this request is not valid.")
    verdict = check_timestamp(venue.now_ms(), params["timestamp"], params.get("recvWindow"))
    if verdict is not None:
        raise Refusal(*verdict)


def verify_ws_params(venue: Venue, params: Mapping[str, Any]) -> tuple[int, str, int] | None:
    """A signed WebSocket API request's ``(code, msg, status)`` refusal, or ``None``."""
    for name in ("apiKey", "timestamp", "signature"):
        if params.get(name) in (None, ""):
            return -1102, mandatory(name), 400
    creds = venue.credentials.get(str(params["apiKey"]))
    if creds is None:
        return -2015, "Invalid API-key, IP, or permissions for action.", 401
    if not signature_valid(creds, [ws_payload(params)], str(params["signature"])):
        return -1022, "Signature for this request is not valid.", 400
    window = params.get("recvWindow")
    verdict = check_timestamp(
        venue.now_ms(), str(params["timestamp"]), None if window is None else str(window)
    )
    return None if verdict is None else (*verdict, 400)


def _is_form(request: EmulatorRequest) -> bool:
    ctype = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
    return "json" not in ctype


def _without_signature(raw: str) -> tuple[str, str | None]:
    kept, signature = [], None
    for part in raw.split("&") if raw else []:
        if part.startswith("signature="):
            signature = part[len("signature=") :]
        else:
            kept.append(part)
    return "&".join(kept), signature
