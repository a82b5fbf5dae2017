"""Request signing for Bybit V5 REST and WebSocket (pure functions, no clock, no I/O).

REST (BYD docs/v5/guide.mdx; fact sheet §2.2): the signed string is
``timestamp + apiKey + recvWindow + payload`` where the payload is the query string for a
GET and the JSON body for a POST, byte for byte as sent. HMAC-SHA256 keyed with the secret,
**lowercase hex**. The signature travels in headers, not in the query:
``X-BAPI-API-KEY``, ``X-BAPI-TIMESTAMP``, ``X-BAPI-SIGN``, ``X-BAPI-RECV-WINDOW``
(plus ``X-BAPI-SIGN-TYPE: 2``, which Bybit's own SDK sends for HMAC).

WebSocket (private and trade streams, BYD websocket/wss-authentication.mdx): the signature
is hex HMAC-SHA256 of ``"GET/realtime" + expires``, ``expires`` a future epoch-ms time, sent
as ``{"op": "auth", "args": [apiKey, expires, signature]}``.

RSA keys (base64 RSA-SHA256) need a crypto dependency this adapter does not take.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from exchangekit.transport import Credentials, Endpoint, Security, SignedParts, Signer
from exchangekit.transport import encode_params as wire_query
from exchangekit.transport.signing import hmac_sha256_hex

__all__ = [
    "DEFAULT_RECV_WINDOW_MS",
    "json_body",
    "rest_headers",
    "rest_payload",
    "rest_signature",
    "rest_signer",
    "ws_auth_message",
    "ws_auth_payload",
    "ws_signature",
]

DEFAULT_RECV_WINDOW_MS = 5000
"""Bybit's default ``X-BAPI-RECV-WINDOW`` (BYD guide.mdx)."""

_encoder = msgspec.json.Encoder(decimal_format="string")


def json_body(params: Mapping[str, Any]) -> bytes:
    """A POST body as compact JSON, keys in the given order: the exact bytes to send and sign.

    ``Decimal`` values are written as JSON strings (Bybit takes ``qty``/``price`` as strings);
    ``None`` values are left out.
    """
    return _encoder.encode({k: v for k, v in params.items() if v is not None})


def rest_payload(timestamp_ms: int, api_key: str, recv_window_ms: int, payload: str) -> str:
    """The string Bybit signs: ``timestamp + apiKey + recvWindow + (query | body)``."""
    return f"{timestamp_ms}{api_key}{recv_window_ms}{payload}"


def rest_signature(
    secret: str | bytes, timestamp_ms: int, api_key: str, recv_window_ms: int, payload: str
) -> str:
    """Lowercase hex HMAC-SHA256 of :func:`rest_payload`."""
    return hmac_sha256_hex(secret, rest_payload(timestamp_ms, api_key, recv_window_ms, payload))


def rest_headers(
    api_key: str, timestamp_ms: int, recv_window_ms: int, signature: str
) -> dict[str, str]:
    """The authentication headers of a signed REST request."""
    return {
        "X-BAPI-API-KEY": api_key,
        "X-BAPI-TIMESTAMP": str(timestamp_ms),
        "X-BAPI-SIGN": signature,
        "X-BAPI-SIGN-TYPE": "2",
        "X-BAPI-RECV-WINDOW": str(recv_window_ms),
    }


def rest_signer(recv_window_ms: int = DEFAULT_RECV_WINDOW_MS) -> Signer:
    """The transport's :class:`~exchangekit.transport.Signer` for Bybit V5 REST.

    A GET signs the query string exactly as the transport encodes it; any other method
    signs the body bytes (the client sends POST parameters as :func:`json_body`, never in
    the query). Nothing is added to the query; only headers.
    """

    def sign(
        endpoint: Endpoint,
        params: tuple[tuple[str, str], ...],
        body: bytes | None,
        timestamp_ms: int,
        credentials: Credentials,
    ) -> SignedParts:
        if endpoint.security is Security.PUBLIC:
            return SignedParts()
        if endpoint.security is Security.API_KEY:
            return SignedParts(headers={"X-BAPI-API-KEY": credentials.api_key})
        is_get = endpoint.method.upper() == "GET"
        payload = wire_query(params) if is_get else (body or b"").decode()
        signature = rest_signature(
            credentials.api_secret, timestamp_ms, credentials.api_key, recv_window_ms, payload
        )
        headers = rest_headers(credentials.api_key, timestamp_ms, recv_window_ms, signature)
        if not is_get:
            headers["Content-Type"] = "application/json"
        return SignedParts(headers=headers, redact=(signature,))

    return sign


def ws_auth_payload(expires_ms: int) -> str:
    """The string signed to authenticate a private WebSocket: ``GET/realtime`` + expires."""
    return f"GET/realtime{expires_ms}"


def ws_signature(secret: str | bytes, expires_ms: int) -> str:
    """Lowercase hex HMAC-SHA256 of :func:`ws_auth_payload`."""
    return hmac_sha256_hex(secret, ws_auth_payload(expires_ms))


def ws_auth_message(
    api_key: str, secret: str | bytes, expires_ms: int, *, req_id: str | None = None
) -> dict[str, Any]:
    """The ``auth`` operation for a private or trade WebSocket (``expires_ms`` in the future)."""
    message: dict[str, Any] = {
        "op": "auth",
        "args": [api_key, expires_ms, ws_signature(secret, expires_ms)],
    }
    if req_id is not None:
        message = {"req_id": req_id, **message}
    return message
