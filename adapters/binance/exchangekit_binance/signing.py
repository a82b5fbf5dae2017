"""Request signing for Binance REST and WebSocket API (pure functions, no clock, no I/O).

REST (spot ``/api`` and futures ``/fapi``): the signed payload is the query string followed
immediately by the request body, with no separator, exactly as the bytes are sent; non-ASCII
characters are percent-encoded (UTF-8) first. HMAC-SHA256 keyed with the secret, hex output
(BSD rest-api.md §SIGNED Endpoint Examples; fact sheet §1.2).

WebSocket API: every ``params`` entry except ``signature``, sorted by name, joined as
``k=v`` with ``&``, signed as raw UTF-8 with no percent-encoding (BSD web-socket-api.md
§SIGNED request example (HMAC)).

RSA and Ed25519 API keys sign the same payloads with the account's private key instead:
RSA as PKCS#1 v1.5 over SHA-256, Ed25519 as is, both base64-encoded (case-sensitive, then
percent-encoded in a query string like any value) (BSD rest-api.md §SIGNED Endpoint
Examples for RSA / Ed25519). A secret that is PEM private-key text selects them: every
function here that takes ``secret`` accepts an HMAC secret, PEM text or a loaded
:class:`PrivateKey` (``cryptography`` does the asymmetric maths).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn
from urllib.parse import quote

from exchangekit.errors import NotSupported
from exchangekit.transport import Credentials, Endpoint, Security, SignedParts, Signer
from exchangekit.transport import encode_params as wire_query

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = [
    "KeyType",
    "PrivateKey",
    "encode_params",
    "format_value",
    "hmac_sha256_hex",
    "is_pem",
    "load_private_key",
    "rest_signature",
    "rest_signer",
    "sign_payload",
    "signer",
    "ws_payload",
    "ws_signature",
]

Params = Mapping[str, object] | Iterable[tuple[str, object]]
KeyType = Literal["hmac", "rsa", "ed25519"]
Secret = str | bytes

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


def rest_signature(secret: Secret | PrivateKey, query: str, body: str = "") -> str:
    """Signature of a REST request whose encoded query string and body are sent as given.

    ``query`` and ``body`` are the already-encoded strings (see :func:`encode_params`); they
    are concatenated with no ``&`` between them, as Binance defines ``totalParams``.
    """
    return sign_payload(secret, query + body)


def rest_signer(recv_window_ms: int = 5000) -> Signer:
    """The transport's :class:`~exchangekit.transport.Signer` for Binance REST.

    Every keyed request carries ``X-MBX-APIKEY``; SIGNED ones add ``recvWindow``,
    ``timestamp`` and ``signature`` after the caller's parameters, signed over the query
    string exactly as the transport encodes it, followed by the body.
    """
    window = str(recv_window_ms)
    keys: dict[str, PrivateKey] = {}  # PEM text -> its loaded key, parsed once

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
        secret: Secret | PrivateKey = credentials.private_key or credentials.api_secret
        if isinstance(secret, str) and is_pem(secret):
            secret = keys.get(secret) or keys.setdefault(secret, load_private_key(secret))
        signature = rest_signature(secret, query, (body or b"").decode())
        return SignedParts(
            params=(*added, ("signature", signature)), headers=headers, redact=(signature,)
        )

    return sign


def ws_payload(params: Mapping[str, object]) -> str:
    """The WebSocket API signature payload: sorted ``k=v`` pairs, raw UTF-8, no signature."""
    return "&".join(
        f"{key}={format_value(params[key])}" for key in sorted(params) if key != "signature"
    )


def ws_signature(secret: Secret | PrivateKey, params: Mapping[str, object]) -> str:
    """Signature of a WebSocket API request's ``params`` (``signature`` itself is ignored)."""
    return sign_payload(secret, ws_payload(params))


def sign_payload(secret: Secret | PrivateKey, payload: str) -> str:
    """``payload`` signed with ``secret``: hex HMAC-SHA256 for an HMAC secret, base64
    RSA / Ed25519 for a private key (loaded, or PEM text)."""
    if isinstance(secret, PrivateKey):
        return secret.sign(payload)
    if is_pem(secret):
        return load_private_key(secret).sign(payload)
    return hmac_sha256_hex(secret, payload)


def signer(key_type: str, secret: Secret | PrivateKey) -> Callable[[str], str]:
    """A payload -> signature function for ``key_type``: ``"hmac"`` with a secret, ``"rsa"``
    or ``"ed25519"`` with that kind of private key (PEM text or :class:`PrivateKey`)."""
    kind = key_type.lower()
    if kind == "hmac":
        if isinstance(secret, PrivateKey) or is_pem(secret):
            raise ValueError("an HMAC key signs with its secret, not a private key")
        hmac_secret = secret

        def sign_hmac(payload: str) -> str:
            return hmac_sha256_hex(hmac_secret, payload)

        return sign_hmac
    if kind not in ("rsa", "ed25519"):
        raise NotSupported(f"unknown API key type {key_type!r}", exchange="binance")
    key = secret if isinstance(secret, PrivateKey) else load_private_key(secret)
    if key.key_type != kind:
        raise ValueError(f"a {kind} API key needs a {kind} private key, not {key.key_type}")
    return key.sign


def is_pem(secret: Secret) -> bool:
    """Whether ``secret`` is PEM text (a private key) rather than an HMAC secret."""
    head = secret.lstrip()[:11]
    return head == (b"-----BEGIN " if isinstance(head, bytes) else "-----BEGIN ")


class PrivateKey:
    """An RSA or Ed25519 private key that signs Binance payloads. Never shown or pickled."""

    __slots__ = ("_key", "key_type")

    def __init__(self, key: RSAPrivateKey | Ed25519PrivateKey, key_type: KeyType) -> None:
        self._key = key
        self.key_type: KeyType = key_type

    def sign(self, payload: str) -> str:
        """The base64 signature of ``payload`` (UTF-8)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

        data = payload.encode()
        if isinstance(self._key, RSAPrivateKey):
            raw = self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raw = self._key.sign(data)
        return base64.b64encode(raw).decode()

    def public_pem(self) -> str:
        """The public half, as registered with the exchange (SubjectPublicKeyInfo PEM)."""
        from cryptography.hazmat.primitives import serialization

        return (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def private_pem(self) -> str:
        """The key as unencrypted PKCS#8 PEM text (a secret: to sign with, never to show)."""
        from cryptography.hazmat.primitives import serialization

        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def __repr__(self) -> str:
        return f"PrivateKey({self.key_type}, <redacted>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("private keys cannot be pickled: secrets stay in the process")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("private keys cannot be pickled: secrets stay in the process")


def load_private_key(
    source: Secret | os.PathLike[str], password: Secret | None = None
) -> PrivateKey:
    """An RSA or Ed25519 private key from PEM text (str or bytes) or a PEM file's path,
    decrypted with ``password`` when it is encrypted. Errors never quote the key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    if isinstance(source, os.PathLike) or not is_pem(source):
        path = Path(os.fsdecode(source) if not isinstance(source, bytes) else source.decode())
        try:
            pem = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"cannot read the private key file {path}: {exc.strerror}") from None
    else:
        pem = source.encode() if isinstance(source, str) else source
    secret = password.encode() if isinstance(password, str) else password
    try:
        key = serialization.load_pem_private_key(pem, password=secret)
    except (ValueError, TypeError) as exc:
        # cryptography's messages name the problem (bad password, not PEM), never the key.
        raise ValueError(f"not a usable private key: {exc}") from None
    if isinstance(key, RSAPrivateKey):
        return PrivateKey(key, "rsa")
    if isinstance(key, Ed25519PrivateKey):
        return PrivateKey(key, "ed25519")
    raise ValueError(f"Binance API keys are HMAC, RSA or Ed25519; this is a {type(key).__name__}")
