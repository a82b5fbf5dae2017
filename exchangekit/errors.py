"""The error hierarchy: what went wrong, and what is safe to do next.

::

    ExchangeError
    ├── OrderRejected              the exchange definitely did not act: decide again
    │   ├── InvalidOrder           refused by a filter or validation (also a ValueError)
    │   ├── InsufficientFunds
    │   └── OrderNotFound
    ├── DuplicateClientOrderId     that client order id was already used: an earlier
    │                              attempt LANDED; look it up, never resubmit with a new id
    ├── OrderOutcomeUnknown        may or may not have executed: reconcile by client order id
    ├── TransientError             provably not executed; safe to retry after a pause
    │   ├── NetworkError           never reached the exchange (connect error, DNS, connect
    │   │                          timeout); on a read (GET), also a lost answer: reads are safe
    │   ├── ExchangeUnavailable    maintenance, overload, "service unavailable" (nothing executed)
    │   └── RateLimited            back off ``retry_after_s``; the limiter already knows
    │       └── IPBanned           every caller on this IP is blocked until ``until_ms``
    ├── AuthenticationError        bad key, bad signature
    │   ├── TimestampOutsideRecvWindow  clocks drifted apart: re-sync server time (not executed)
    │   └── PermissionDenied       the key lacks a permission, or the IP is not whitelisted
    ├── NotSupported               the adapter does not offer this operation
    ├── MappingError               an exchange payload did not match the expected shape
    ├── SubscriptionRejected       the venue refused a stream subscription
    ├── SessionClosed              the stream session is closed; nothing more can be subscribed
    └── BookNotReady               the local book is (re)syncing: wait for ``resynced``

Every error carries the exchange name, the HTTP status, the exchange's own code and message,
and the request's client order id where there was one. None ever carries a secret: the
transport builds messages from the response, never from the signed request.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationError",
    "BookNotReady",
    "DuplicateClientOrderId",
    "ExchangeError",
    "ExchangeUnavailable",
    "IPBanned",
    "InsufficientFunds",
    "InvalidOrder",
    "MappingError",
    "NetworkError",
    "NotSupported",
    "OrderNotFound",
    "OrderOutcomeUnknown",
    "OrderRejected",
    "PermissionDenied",
    "RateLimited",
    "SessionClosed",
    "SubscriptionRejected",
    "TimestampOutsideRecvWindow",
    "TransientError",
]


class ExchangeError(Exception):
    """Root of every error this SDK raises on purpose."""

    #: True when retrying the same request cannot cause a second execution.
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        exchange: str | None = None,
        http_status: int | None = None,
        code: str | int | None = None,
        client_order_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.exchange = exchange
        self.http_status = http_status
        self.code = code
        self.client_order_id = client_order_id

    def __str__(self) -> str:
        parts = []
        if self.exchange:
            parts.append(self.exchange)
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.client_order_id:
            parts.append(f"client_order_id={self.client_order_id}")
        prefix = f"[{' '.join(parts)}] " if parts else ""
        return f"{prefix}{self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, exchange={self.exchange!r}, "
            f"http_status={self.http_status!r}, code={self.code!r}, "
            f"client_order_id={self.client_order_id!r})"
        )


class OrderRejected(ExchangeError):
    """The exchange definitely did not act on the request. Safe to decide again."""


class InvalidOrder(OrderRejected, ValueError):
    """The order breaks a rule (filter, precision, parameter). Refused locally or remotely."""


class InsufficientFunds(OrderRejected):
    """Not enough balance or margin for the order."""


class OrderNotFound(OrderRejected):
    """The exchange does not know the order (or no longer reports it)."""


class DuplicateClientOrderId(ExchangeError):
    """The exchange says this client order id was already used.

    This is proof that an earlier submission with the same id landed. It is deliberately
    *not* an :class:`OrderRejected`: deciding again with a fresh id would double the order.
    Look the order up by this client order id instead.
    """


class OrderOutcomeUnknown(ExchangeError):
    """The request may or may not have been executed.

    Raised for a read timeout after the request was written, a connection dropped
    mid-request, an HTTP 5xx on a non-idempotent request, or an exchange code that says so
    (Binance -1007). Never retry blindly: reconcile by client order id.
    """


class TransientError(ExchangeError):
    """The request provably was not executed. Safe to retry after a pause."""

    retryable = True


class NetworkError(TransientError):
    """The request never reached the exchange (connect error, DNS, connect timeout).

    On a retry-safe request (a read), a lost answer (read timeout, dropped connection) is
    also a ``NetworkError``: reading again cannot act twice. On a write it never is: a lost
    answer to an order is :class:`OrderOutcomeUnknown`.
    """


class ExchangeUnavailable(TransientError):
    """The exchange refused the request as a whole (maintenance, overload)."""


class RateLimited(TransientError):
    """A rate limit was hit. ``retry_after_s`` says how long to back off."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s


class IPBanned(RateLimited):
    """The IP is banned until ``until_ms`` (epoch ms). Every caller on the IP must wait."""

    def __init__(self, message: str, *, until_ms: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.until_ms = until_ms


class AuthenticationError(ExchangeError):
    """Credentials or signature refused (also: timestamp outside the receive window)."""


class TimestampOutsideRecvWindow(AuthenticationError):
    """The request's timestamp was outside the exchange's receive window (Binance -1021,
    Bybit 10002). Nothing was executed; ``resync_clock`` tells the caller to re-sync its
    server-time offset before deciding again."""

    resync_clock = True


class PermissionDenied(AuthenticationError):
    """The key is valid but lacks a permission, or the caller's IP is not allowed."""


class NotSupported(ExchangeError):
    """The adapter does not support this operation or parameter."""


class MappingError(ExchangeError):
    """An exchange payload did not match the expected shape (schema drift).

    ``path`` names the bad field (``$.fills[0].price``); ``raw`` keeps the payload as
    received, so nothing is lost.
    """

    def __init__(self, message: str, *, path: str = "$", raw: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.path = path
        self.raw = raw

    def __str__(self) -> str:
        return f"{super().__str__()} (at {self.path})"


class SubscriptionRejected(ExchangeError):
    """The venue refused a subscription (unknown symbol, bad channel, too many streams).

    Raised from the subscription's ``async for``; the session no longer holds it.
    """

    def __init__(
        self, message: str, *, key: str, exchange: str | None = None, code: str | int | None = None
    ) -> None:
        super().__init__(message, exchange=exchange, code=code)
        self.key = key


class SessionClosed(ExchangeError):
    """The session is closed: nothing can be subscribed on it any more."""


class BookNotReady(ExchangeError):
    """The book has no valid state: no snapshot yet, or invalidated by a gap or a mismatch.

    Wait for the book's ``resynced`` event (or ``BookSync.wait_live``) and read again.
    """
