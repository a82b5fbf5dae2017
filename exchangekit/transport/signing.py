"""Pure signing primitives and the contract an adapter's signer fulfils.

Signing is a pure function of (endpoint, parameters, body, timestamp, credentials): no
clock, no I/O, no randomness. That is what makes every adapter's signer testable against the
exchange's documented example vectors.

Parameters are an ordered sequence of ``(name, value)`` pairs. The transport sends them in
exactly the order given, encoded by :func:`encode_params`, so a signer that signs
``encode_params(params + its own pairs)`` signs byte for byte what goes on the wire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import Enum
from typing import Protocol, TypeAlias
from urllib.parse import quote

import msgspec

from exchangekit.transport.credentials import Credentials
from exchangekit.transport.endpoint import Endpoint

__all__ = [
    "ParamValue",
    "Params",
    "QueryPairs",
    "SignedParts",
    "Signer",
    "encode_params",
    "hmac_sha256_base64",
    "hmac_sha256_hex",
    "normalize_params",
]

ParamValue: TypeAlias = str | int | bool | Decimal | Enum | None
"""A value the transport knows how to put in a query string. ``None`` means "leave out";
floats are refused on purpose: money is ``Decimal``."""

Params: TypeAlias = Mapping[str, ParamValue] | Sequence[tuple[str, ParamValue]]
"""Request parameters, in the order they are sent (a ``dict`` keeps insertion order)."""

QueryPairs: TypeAlias = tuple[tuple[str, str], ...]
"""Parameters after :func:`normalize_params`: ordered string pairs, ``None`` removed."""


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def hmac_sha256_hex(secret: str | bytes, message: str | bytes) -> str:
    """HMAC-SHA256 of ``message`` keyed with ``secret``, as lowercase hex (Binance, Bybit)."""
    return hmac.new(_as_bytes(secret), _as_bytes(message), hashlib.sha256).hexdigest()


def hmac_sha256_base64(secret: str | bytes, message: str | bytes) -> str:
    """HMAC-SHA256 of ``message`` keyed with ``secret``, as standard base64 (OKX)."""
    digest = hmac.new(_as_bytes(secret), _as_bytes(message), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _format_value(name: str, value: ParamValue) -> str:
    # bool before int: bool is an int subclass, and exchanges want "true", not "True" or "1".
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        # "f" never switches to exponent notation: Decimal("1E-7") must go out as 0.0000001.
        return format(value, "f")
    if isinstance(value, int | str):
        return str(value)
    raise TypeError(
        f"parameter {name!r}: unsupported type {type(value).__name__}; "
        "pass str, int, bool, Decimal or an Enum (floats are refused: use Decimal)"
    )


def normalize_params(params: Params | None) -> QueryPairs:
    """Turn ``params`` into ordered string pairs, dropping ``None`` values.

    Booleans become ``true``/``false``, ``Decimal`` is written without exponent, enums by
    value. The order is kept: it is the order the exchange will see and verify.
    """
    if params is None:
        return ()
    items = params.items() if isinstance(params, Mapping) else params
    return tuple((name, _format_value(name, value)) for name, value in items if value is not None)


def encode_params(pairs: Sequence[tuple[str, str]]) -> str:
    """``k=v&k=v`` with every byte outside ``A-Z a-z 0-9 - _ . ~`` percent-encoded (UTF-8).

    This is the exact string the transport puts after ``?``, so signers sign this.
    """
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


class SignedParts(msgspec.Struct, frozen=True, kw_only=True):
    """What a signer adds to a request.

    ``params`` are appended to the query string after the caller's parameters, in order;
    ``headers`` are added; ``body``, when not ``None``, replaces the request body.
    ``redact`` lists values (signatures, tokens) that must never appear in a log line or an
    exception message; the credentials' own secrets are always redacted.
    """

    params: QueryPairs = ()
    headers: Mapping[str, str] = msgspec.field(default_factory=dict)
    body: bytes | None = None
    redact: tuple[str, ...] = ()


class Signer(Protocol):
    """An adapter's pure signing function.

    Called for every endpoint whose security is not ``PUBLIC`` (``API_KEY`` endpoints only
    need the key header), with the caller's parameters already normalized, the body bytes as
    they will be sent, and the timestamp to sign: local time corrected by the server-time
    offset. Example (Binance-style; the query string and the body are signed together)::

        def sign(endpoint, params, body, timestamp_ms, credentials):
            headers = {"X-MBX-APIKEY": credentials.api_key}
            if endpoint.security is not Security.SIGNED:
                return SignedParts(headers=headers)
            added = (("recvWindow", "5000"), ("timestamp", str(timestamp_ms)))
            payload = encode_params(params + added) + (body or b"").decode()
            signature = hmac_sha256_hex(credentials.api_secret, payload)
            return SignedParts(
                params=(*added, ("signature", signature)),
                headers=headers,
                redact=(signature,),
            )
    """

    def __call__(
        self,
        endpoint: Endpoint,
        params: QueryPairs,
        body: bytes | None,
        timestamp_ms: int,
        credentials: Credentials,
    ) -> SignedParts:
        """Return the parameters, headers and body to add to this request."""
        ...
