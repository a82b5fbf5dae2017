"""Request signing for Binance REST and WebSocket API (pure functions, no clock, no I/O).

REST (spot ``/api`` and futures ``/fapi``): the signed payload is the query string followed
immediately by the request body, with no separator, exactly as the bytes are sent; non-ASCII
characters are percent-encoded (UTF-8) first. HMAC-SHA256 keyed with the secret, hex output
(BSD rest-api.md §SIGNED Endpoint Examples; fact sheet §1.2).

WebSocket API: every ``params`` entry except ``signature``, sorted by name, joined as
``k=v`` with ``&``, signed as raw UTF-8 with no percent-encoding (BSD web-socket-api.md
§SIGNED request example (HMAC)).

RSA and Ed25519 keys need an asymmetric-crypto library the standard library lacks; this
adapter adds no dependency for them, so :func:`signer` raises ``NotSupported`` for those key
types. HMAC keys work for every endpoint this adapter uses (spot user data goes through
``userDataStream.subscribe.signature``, which accepts any key type).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from urllib.parse import quote

from exchangekit.errors import NotSupported
from exchangekit.transport import Credentials, Endpoint, Security, SignedParts, Signer
from exchangekit.transport import encode_params as wire_query

__all__ = [
    "encode_params",
    "format_value",
    "hmac_sha256_hex",
    "rest_signature",
    "rest_signer",
    "signer",
    "ws_payload",
    "ws_signature",
]

Params = Mapping[str, object] | Iterable[tuple[str, object]]

# Unreserved characters (RFC 3986) stay as they are; everything else is percent-encoded as
# UTF-8, which is what Binance's non-ASCII example expects (%EF%BC%91 for "１").
_SAFE = "-_.~"


def format_value(value: object) -> str:
    """A parameter value as Binance expects it on the wire.

    Decimals are written as plain decimal strings (never ``1E-8``), booleans as ``true`` /
    ``false``, everything else with ``str``.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _items(params: Params) -> Iterable[tuple[str, object]]:
    return params.items() if isinstance(params, Mapping) else params


def encode_params(params: Params) -> str:
    """``k=v&k=v`` in the given order, values percent-encoded: the exact string to send."""
    return "&".join(
        f"{quote(str(key), safe=_SAFE)}={quote(format_value(value), safe=_SAFE)}"
        for key, value in _items(params)
    )


def hmac_sha256_hex(secret: str | bytes, payload: str | bytes) -> str:
    """Lowercase hex HMAC-SHA256 of ``payload`` (UTF-8) keyed with ``secret``."""
    key = secret.encode() if isinstance(secret, str) else secret
    data = payload.encode() if isinstance(payload, str) else payload
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def rest_signature(secret: str | bytes, query: str, body: str = "") -> str:
    """Signature of a REST request whose encoded query string and body are sent as given.

    ``query`` and ``body`` are the already-encoded strings (see :func:`encode_params`); they
    are concatenated with no ``&`` between them, as Binance defines ``totalParams``.
    """
    return hmac_sha256_hex(secret, query + body)


def rest_signer(recv_window_ms: int = 5000) -> Signer:
    """The transport's :class:`~exchangekit.transport.Signer` for Binance REST.

    Every keyed request carries ``X-MBX-APIKEY``; SIGNED ones add ``recvWindow``,
    ``timestamp`` and ``signature`` after the caller's parameters, signed over the query
    string exactly as the transport encodes it, followed by the body.
    """
    window = str(recv_window_ms)

    def sign(
        endpoint: Endpoint,
        params: tuple[tuple[str, str], ...],
        body: bytes | None,
        timestamp_ms: int,
        credentials: Credentials,
    ) -> SignedParts:
        headers = {"X-MBX-APIKEY": credentials.api_key}
        if endpoint.security is not Security.SIGNED:
            return SignedParts(headers=headers)
        added = (("recvWindow", window), ("timestamp", str(timestamp_ms)))
        query = wire_query((*params, *added))
        signature = rest_signature(credentials.api_secret, query, (body or b"").decode())
        return SignedParts(
            params=(*added, ("signature", signature)), headers=headers, redact=(signature,)
        )

    return sign


def ws_payload(params: Mapping[str, object]) -> str:
    """The WebSocket API signature payload: sorted ``k=v`` pairs, raw UTF-8, no signature."""
    return "&".join(
        f"{key}={format_value(params[key])}" for key in sorted(params) if key != "signature"
    )


def ws_signature(secret: str | bytes, params: Mapping[str, object]) -> str:
    """Signature of a WebSocket API request's ``params`` (``signature`` itself is ignored)."""
    return hmac_sha256_hex(secret, ws_payload(params))


def signer(key_type: str, secret: str | bytes) -> Callable[[str], str]:
    """A payload -> signature function for ``key_type`` (``"hmac"`` only, see module doc)."""
    if key_type.lower() != "hmac":
        raise NotSupported(
            f"{key_type} API keys need an asymmetric-crypto dependency this adapter does not "
            "take; use an HMAC key",
            exchange="binance",
        )

    def sign(payload: str) -> str:
        return hmac_sha256_hex(secret, payload)

    return sign
