"""Request signing for OKX V5 REST and WebSocket login (pure functions, no clock, no I/O).

REST (OKD #overview-rest-authentication; fact sheet §3.2): the prehash string is
``timestamp + METHOD + requestPath + body`` where the timestamp is ISO-8601 UTC with
milliseconds (``2020-12-08T09:08:57.715Z``), ``requestPath`` includes ``?query`` for GET, and
the body is the exact JSON text sent ("" when there is none). HMAC-SHA256 keyed with the
secret, standard Base64 output. The signature travels in headers, with the key, the
timestamp and the passphrase: nothing is added to the query string.

Demo trading uses the production host plus the header ``x-simulated-trading: 1``.

WebSocket login (OKD #overview-websocket-login): sign ``<unix seconds> + "GET" +
"/users/self/verify"`` the same way; the login expires 30 s after that timestamp.

OKX publishes no example that can be checked (fact sheet §3.2): the tests use vectors
computed here and cross-checked against OKX's own Python SDK (python-okx ``utils.sign``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from exchangekit.errors import AuthenticationError
from exchangekit.transport import Credentials, Endpoint, Security, SignedParts, Signer
from exchangekit.transport import encode_params as wire_query
from exchangekit.transport.signing import hmac_sha256_base64

__all__ = [
    "DEMO_HEADER",
    "WS_LOGIN_PATH",
    "iso_timestamp",
    "prehash",
    "rest_headers",
    "rest_signature",
    "rest_signer",
    "ws_login_args",
    "ws_login_signature",
]

DEMO_HEADER = ("x-simulated-trading", "1")
"""Added to every REST request in demo trading (OKD #overview-demo-trading-services)."""
WS_LOGIN_PATH = "/users/self/verify"


def iso_timestamp(timestamp_ms: int) -> str:
    """``OK-ACCESS-TIMESTAMP``: ISO-8601 UTC with exactly three fraction digits and ``Z``."""
    seconds, millis = divmod(timestamp_ms, 1000)
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def prehash(timestamp: str, method: str, request_path: str, body: str = "") -> str:
    """The string OKX signs: ``timestamp + METHOD + requestPath(+?query) + body``."""
    return f"{timestamp}{method.upper()}{request_path}{body}"


def rest_signature(
    secret: str | bytes, timestamp: str, method: str, request_path: str, body: str = ""
) -> str:
    """``OK-ACCESS-SIGN`` for one request (``request_path`` includes ``?query`` if any)."""
    return hmac_sha256_base64(secret, prehash(timestamp, method, request_path, body))


def rest_headers(
    *,
    api_key: str,
    passphrase: str,
    signature: str,
    timestamp: str,
    demo: bool = False,
) -> dict[str, str]:
    """The authentication headers of a signed request (plus the demo header)."""
    headers = {
        "OK-ACCESS-KEY": api_key,
        "OK-ACCESS-SIGN": signature,
        "OK-ACCESS-TIMESTAMP": timestamp,
        "OK-ACCESS-PASSPHRASE": passphrase,
    }
    if demo:
        headers[DEMO_HEADER[0]] = DEMO_HEADER[1]
    return headers


def rest_signer(*, demo: bool = False) -> Signer:
    """The transport's :class:`~exchangekit.transport.Signer` for OKX REST.

    The request path is the endpoint's path plus ``?`` and the query exactly as the
    transport encodes it; the body is signed as sent (python-okx signs "" for ``{}``, and
    so does this signer when there is no body). The credentials must carry a passphrase.
    """

    def sign(
        endpoint: Endpoint,
        params: tuple[tuple[str, str], ...],
        body: bytes | None,
        timestamp_ms: int,
        credentials: Credentials,
    ) -> SignedParts:
        if endpoint.security is Security.PUBLIC:
            return SignedParts(headers=dict([DEMO_HEADER]) if demo else {})
        passphrase = credentials.passphrase
        if not passphrase:
            raise AuthenticationError(
                "OKX keys need the passphrase set at key creation", exchange="okx"
            )
        query = wire_query(params)
        path = f"{endpoint.path}?{query}" if query else endpoint.path
        timestamp = iso_timestamp(timestamp_ms)
        signature = rest_signature(
            credentials.api_secret, timestamp, endpoint.method, path, (body or b"").decode()
        )
        headers = rest_headers(
            api_key=credentials.api_key,
            passphrase=passphrase,
            signature=signature,
            timestamp=timestamp,
            demo=demo,
        )
        return SignedParts(headers=headers, redact=(signature,))

    return sign


def ws_login_signature(secret: str | bytes, timestamp_s: int | str) -> str:
    """Signature of a WebSocket login: ``<seconds>GET/users/self/verify``."""
    return hmac_sha256_base64(secret, prehash(str(timestamp_s), "GET", WS_LOGIN_PATH))


def ws_login_args(credentials: Credentials, timestamp_s: int) -> dict[str, str]:
    """One ``args`` entry of ``{"op": "login", "args": [...]}`` for these credentials."""
    passphrase = credentials.passphrase
    if not passphrase:
        raise AuthenticationError(
            "OKX keys need the passphrase set at key creation", exchange="okx"
        )
    return {
        "apiKey": credentials.api_key,
        "passphrase": passphrase,
        "timestamp": str(timestamp_s),
        "sign": ws_login_signature(credentials.api_secret, timestamp_s),
    }
