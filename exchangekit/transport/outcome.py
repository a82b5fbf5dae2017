"""What a failed HTTP exchange means: was the request sent, and may it have executed?

This module turns httpx exceptions and unclassified HTTP statuses into the SDK's error
hierarchy. It is the transport's half of the money-safety contract; the adapter's error
table (its ``classify`` function) is the other half and always wins where it has an answer.

Exceptions (no response)
    ===============================================  ===================  =====================
    httpx exception                                  retry-safe request   other requests
    ===============================================  ===================  =====================
    ConnectError (incl. DNS), ConnectTimeout,        NetworkError         NetworkError
    PoolTimeout, ProxyError: never sent
    WriteError, WriteTimeout: maybe partly sent      NetworkError         OrderOutcomeUnknown
    ReadTimeout, ReadError, RemoteProtocolError,     NetworkError         OrderOutcomeUnknown
    any other transport error: sent, no answer
    UnsupportedProtocol, LocalProtocolError:         ExchangeError        ExchangeError
    the request could not be built (a bug)
    ===============================================  ===================  =====================

Statuses the adapter left unclassified
    ======================  ======================  =====================
    status                  retry-safe request      other requests
    ======================  ======================  =====================
    2xx                     success                 success
    401                     AuthenticationError     AuthenticationError
    403                     PermissionDenied        PermissionDenied
    408, 5xx                ExchangeUnavailable     OrderOutcomeUnknown
    other (3xx, 4xx)        ExchangeError           OrderOutcomeUnknown
    ======================  ======================  =====================

429 and 418 are handled before this table (``RateLimited`` / ``IPBanned``). The transport
never claims on its own that a non-retry-safe request "definitely did not execute" from a
status it does not understand: an exchange can answer "timeout, status unknown" with a 4xx
(OKX 50004 is HTTP 400), so only the adapter's table may turn an unknown 4xx into a
rejection.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping

import httpx

from exchangekit.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeUnavailable,
    NetworkError,
    OrderOutcomeUnknown,
    PermissionDenied,
)
from exchangekit.transport.endpoint import Endpoint

__all__ = [
    "NOT_SENT",
    "UNBUILDABLE",
    "classify_exception",
    "classify_status",
    "describe",
    "retry_after_s",
]

NOT_SENT: tuple[type[httpx.HTTPError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.ProxyError,
)
"""httpx failures that prove no byte of the request reached the server."""

UNBUILDABLE: tuple[type[httpx.HTTPError], ...] = (
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
"""httpx failures raised while building the request: nothing sent, retrying cannot help."""


def describe(endpoint: Endpoint) -> str:
    """``POST /api/v3/order``: the method and path, never the query string."""
    return f"{endpoint.method.upper()} {endpoint.path}"


def classify_exception(
    exc: httpx.HTTPError,
    endpoint: Endpoint,
    *,
    exchange: str,
    client_order_id: str | None = None,
    detail: str = "",
) -> ExchangeError:
    """The error to raise for an httpx exception that ended ``endpoint`` without a response.

    ``detail`` is a caller-scrubbed description of ``exc``; the exception itself is never
    formatted here because httpx messages may quote the URL, which carries the signature.
    """
    what = f"{describe(endpoint)}: {type(exc).__name__}"
    cls: type[ExchangeError]
    if detail:
        what = f"{what} ({detail})"
    if isinstance(exc, UNBUILDABLE):
        cls, message = ExchangeError, f"request could not be sent: {what}"
    elif isinstance(exc, NOT_SENT):
        cls, message = NetworkError, f"request not sent: {what}"
    elif endpoint.is_retry_safe:
        cls, message = NetworkError, f"no response to a retry-safe request: {what}"
    else:
        cls = OrderOutcomeUnknown
        message = f"request may have executed; reconcile by client order id: {what}"
    return cls(message, exchange=exchange, client_order_id=client_order_id)


def classify_status(
    status: int,
    endpoint: Endpoint,
    *,
    exchange: str,
    client_order_id: str | None = None,
) -> ExchangeError | None:
    """The fallback for a status the adapter's table did not classify (``None``: success).

    See the module docstring for the table. 429 and 418 are the caller's to handle first.
    """
    if 200 <= status < 300:
        return None
    cls: type[ExchangeError]
    if status == 401:
        cls, detail = AuthenticationError, "credentials refused"
    elif status == 403:
        cls, detail = PermissionDenied, "forbidden"
    elif not endpoint.is_retry_safe:
        cls, detail = (
            OrderOutcomeUnknown,
            "the request may have executed; reconcile by client order id",
        )
    elif status == 408 or status >= 500:
        cls, detail = ExchangeUnavailable, "exchange unavailable"
    else:
        cls, detail = ExchangeError, "unexpected status"
    return cls(
        f"{describe(endpoint)} answered HTTP {status}: {detail}",
        exchange=exchange,
        http_status=status,
        client_order_id=client_order_id,
    )


def retry_after_s(headers: Mapping[str, str], now_ms: int) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date), or ``None``.

    ``now_ms`` is the local wall time used to turn a date into a delay. Never negative.
    """
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - now_ms / 1000, 0.0)
