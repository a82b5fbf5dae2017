"""OKX V5 error codes -> exchangekit error classes, and HTTP response classification.

OKX reports errors in two places (OKD #error-code-rest-api-public; fact sheet §3.5):

- the top-level ``code`` of the envelope (``"0"`` = success), with the HTTP status;
- for order endpoints, each ``data[i].sCode`` / ``sMsg`` on an HTTP 200 answer whose
  top-level ``code`` is ``"0"``, ``"1"`` (operation failed) or ``"2"`` (bulk operation
  partially succeeded). Top-level 1 / 2 say nothing about *why*: the per-item code does.
  :func:`classify` reads the item when there is exactly one (a single order or cancel);
  :func:`item_error` classifies each item of a batch.

The only code OKX documents as "unknown" is **50004** (endpoint request timeout: "does not
mean that the request was successful or failed"). Server-side failures (50001 service
unavailable, 50013 systems busy, 50026 system error) and HTTP 5xx are treated as unknown
on writes [INF, fact sheet §3.5]; on reads they are plain :class:`ExchangeUnavailable`.
No message is matched anywhere: OKX's codes are specific enough.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from exchangekit.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRejected,
    PermissionDenied,
    RateLimited,
)

__all__ = ["ERRORS", "ErrorRule", "TimestampExpired", "classify", "error_for_code", "item_error"]

EXCHANGE = "okx"


class TimestampExpired(AuthenticationError):
    """50102 / 50112: ``OK-ACCESS-TIMESTAMP`` more than 30 s from server time, or malformed.

    ``resync_clock`` tells the transport to re-sync its server-time offset before
    retrying; nothing was executed.
    """

    resync_clock = True


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row: the error class and OKX's meaning for the code."""

    error: type[ExchangeError]
    meaning: str


R = ErrorRule

ERRORS: Mapping[int, ErrorRule] = {
    # 1 / 2: envelope verdicts of order endpoints; the item's sCode says why.
    1: R(OrderRejected, "operation failed (see data[].sCode)"),
    2: R(OrderRejected, "bulk operation partially succeeded (see data[].sCode)"),
    # 500xx: general
    50001: R(
        ExchangeUnavailable, "service temporarily unavailable (HTTP 503) [INF: writes unknown]"
    ),
    50000: R(InvalidOrder, "body cannot be empty"),
    50002: R(InvalidOrder, "JSON syntax error"),
    50004: R(
        OrderOutcomeUnknown,
        "endpoint request timeout: does not mean the request succeeded or failed; check",
    ),
    50005: R(ExchangeUnavailable, "API is offline or unavailable"),
    50006: R(InvalidOrder, "invalid Content-Type: use application/json"),
    50007: R(PermissionDenied, "account blocked"),
    50009: R(PermissionDenied, "account is suspended due to ongoing liquidation"),
    50011: R(RateLimited, "rate limit reached (HTTP 200 or 429)"),
    50013: R(ExchangeUnavailable, "systems are busy, try again later [INF: writes unknown]"),
    50014: R(InvalidOrder, "parameter {0} cannot be empty"),
    50015: R(InvalidOrder, "either parameter {0} or {1} is required"),
    50016: R(InvalidOrder, "parameter {0} does not match parameter {1}"),
    50024: R(InvalidOrder, "parameter {0} and {1} cannot exist at the same time"),
    50025: R(InvalidOrder, "parameter {0} count exceeds the limit {1}"),
    50026: R(ExchangeUnavailable, "system error, try again later [INF: writes unknown]"),
    50027: R(PermissionDenied, "account restricted from trading"),
    50035: R(PermissionDenied, "this endpoint requires an API key bound to an IP"),
    50061: R(RateLimited, "sub-account order rate limit (1000 new + amend per 2 s) reached"),
    # 501xx: API authentication
    50100: R(PermissionDenied, "API frozen, contact customer service"),
    50101: R(AuthenticationError, "API key does not match the environment (demo vs live)"),
    50102: R(TimestampExpired, "timestamp request expired (more than 30 s from server time)"),
    50103: R(AuthenticationError, "header OK-ACCESS-KEY cannot be empty"),
    50104: R(AuthenticationError, "header OK-ACCESS-PASSPHRASE cannot be empty"),
    50105: R(AuthenticationError, "header OK-ACCESS-PASSPHRASE incorrect"),
    50106: R(AuthenticationError, "header OK-ACCESS-SIGN cannot be empty"),
    50107: R(AuthenticationError, "header OK-ACCESS-TIMESTAMP cannot be empty"),
    50110: R(PermissionDenied, "your IP is not in the API key's IP whitelist"),
    50111: R(AuthenticationError, "invalid OK-ACCESS-KEY"),
    50112: R(TimestampExpired, "invalid OK-ACCESS-TIMESTAMP"),
    50113: R(AuthenticationError, "invalid signature"),
    50114: R(AuthenticationError, "invalid authorization"),
    # 51xxx: trade (every one: the exchange did not act)
    51000: R(InvalidOrder, "parameter {0} error"),
    51001: R(InvalidOrder, "instrument ID does not exist"),
    51006: R(InvalidOrder, "order price is not within the price limit"),
    51008: R(InsufficientFunds, "order failed: insufficient balance / margin (51008_xxxx)"),
    51009: R(PermissionDenied, "order placement function is blocked by the platform"),
    51010: R(NotSupported, "operation not supported under the current account mode"),
    51016: R(DuplicateClientOrderId, "client order ID already exists (among live orders)"),
    51020: R(InvalidOrder, "order amount should be greater than the minimum available amount"),
    51024: R(PermissionDenied, "trading account is blocked"),
    51113: R(RateLimited, "market-price liquidation requests too frequent"),
    51119: R(InsufficientFunds, "order failed: insufficient balance"),
    51121: R(InvalidOrder, "order quantity must be a multiple of the lot size"),
    51127: R(InsufficientFunds, "available balance is 0"),
    51131: R(InsufficientFunds, "insufficient balance"),
    51400: R(OrderNotFound, "cancellation failed: the order is filled, canceled or does not exist"),
    51401: R(OrderNotFound, "cancellation failed: the order is already canceled [ccxt table]"),
    51402: R(OrderNotFound, "cancellation failed: the order is already completed [ccxt table]"),
    # 51410: the order exists and is already being cancelled: neither gone nor refused
    # for a reason the caller can fix; the order's own state (query) settles it.
    51410: R(OrderRejected, "cancellation failed: the order is already being cancelled"),
    51502: R(InsufficientFunds, "amend failed: insufficient balance or margin"),
    51503: R(OrderNotFound, "amend failed: the order is filled, canceled or does not exist"),
    51509: R(OrderNotFound, "amend failed: the order has been canceled [ccxt table]"),
    51603: R(OrderNotFound, "order does not exist"),
}


def _by_range(code: int) -> type[ExchangeError] | None:
    if 51000 <= code <= 51999:
        return OrderRejected  # trade class: a definite refusal
    if 50100 <= code <= 50199:
        return AuthenticationError  # API authentication class
    return None


_UNKNOWN_ON_WRITE = frozenset({50001, 50013, 50026})


def _as_int(code: str | int | None) -> int | None:
    if code is None or code == "":
        return None
    try:
        return int(str(code).split("_", 1)[0])  # "51008_1000" sub-codes keep the family
    except ValueError:
        return None


def error_for_code(
    code: str | int,
    message: str,
    *,
    http_status: int | None = None,
    client_order_id: str | None = None,
    retry_safe: bool = False,
) -> ExchangeError:
    """The error for an OKX code (top-level ``code`` or an item's ``sCode``).

    ``retry_safe`` marks reads: a server-side failure is then :class:`ExchangeUnavailable`
    rather than :class:`OrderOutcomeUnknown` (50004 included: a read may be sent again).
    """
    number = _as_int(code)
    rule = ERRORS.get(number) if number is not None else None
    cls = rule.error if rule else _by_range(number) if number is not None else None
    if cls is None:
        cls = OrderOutcomeUnknown if http_status and http_status >= 500 else OrderRejected
    if not retry_safe and number in _UNKNOWN_ON_WRITE:
        cls = OrderOutcomeUnknown
    if retry_safe and cls is OrderOutcomeUnknown:
        cls = ExchangeUnavailable
    common: dict[str, Any] = {
        "exchange": EXCHANGE,
        "http_status": http_status,
        "code": str(code),
        "client_order_id": client_order_id,
    }
    return cls(message or f"OKX code {code}", **common)


def item_error(
    s_code: str,
    s_msg: str,
    *,
    http_status: int | None = 200,
    client_order_id: str | None = None,
) -> ExchangeError | None:
    """The error for one order item (``data[i].sCode``), or ``None`` when it is "0"."""
    if s_code in ("", "0"):
        return None
    return error_for_code(s_code, s_msg, http_status=http_status, client_order_id=client_order_id)


class _Body(msgspec.Struct):
    code: str | int | None = None
    msg: str = ""
    data: Any = None


def _single_item(parsed: _Body | None) -> tuple[str, str] | None:
    """``(sCode, sMsg)`` of a one-item ``data`` list whose item failed, else ``None``."""
    if parsed is None or not isinstance(parsed.data, list) or len(parsed.data) != 1:
        return None
    item = parsed.data[0]
    if not isinstance(item, dict):
        return None
    s_code, s_msg = item.get("sCode"), item.get("sMsg", "")
    if not isinstance(s_code, str) or s_code in ("", "0"):
        return None
    return s_code, s_msg if isinstance(s_msg, str) else ""


_decode_body = msgspec.json.Decoder(_Body)


def _parse(body: bytes) -> _Body | None:
    try:
        return _decode_body.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _retry_after(value: str | float | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def classify(
    status: int,
    body: bytes,
    *,
    client_order_id: str | None = None,
    retry_after: str | float | None = None,
    retry_safe: bool = False,
) -> ExchangeError | None:
    """Classify an HTTP response: ``None`` for success, else the error to raise.

    A 200 whose top-level ``code`` is not "0" is an error; for a single-item order answer
    (``code`` "1" with one ``data`` item) the item's ``sCode`` decides the class, since the
    top-level code only says "failed". A 200 with code "0" but a failed item (possible in a
    batch) is left to the caller (:func:`item_error` per item). An unparseable body never
    raises here: the status decides, so an HTML 5xx page on an order is still
    :class:`OrderOutcomeUnknown`.
    """
    parsed = _parse(body) if body else None
    code = _as_int(parsed.code) if parsed is not None else None
    message = parsed.msg if parsed is not None else body[:200].decode("utf-8", "replace")
    wait = _retry_after(retry_after)
    code_text = None if code is None else str(code)
    common: dict[str, Any] = {
        "exchange": EXCHANGE,
        "http_status": status,
        "client_order_id": client_order_id,
    }
    item = _single_item(parsed) if code in (1, 2) else None
    if item is not None:
        return error_for_code(
            item[0],
            item[1],
            http_status=status,
            client_order_id=client_order_id,
            retry_safe=retry_safe,
        )
    if 200 <= status < 300:
        if code is None or code == 0:
            return None
        err = error_for_code(
            str(parsed.code if parsed else code),
            message,
            http_status=status,
            client_order_id=client_order_id,
            retry_safe=retry_safe,
        )
        if isinstance(err, RateLimited):
            err.retry_after_s = wait
        return err
    if status == 429:
        return RateLimited(message or "rate limited", retry_after_s=wait, code=code_text, **common)
    if status >= 500 or status == 408:
        if code is not None:
            err = error_for_code(
                code,
                message,
                http_status=status,
                client_order_id=client_order_id,
                retry_safe=retry_safe,
            )
            # A "definitely refused" code inside a 5xx contradicts the status: stay cautious.
            if not isinstance(err, OrderRejected | NotSupported):
                return err
        cls = ExchangeUnavailable if retry_safe else OrderOutcomeUnknown
        return cls(message or "server error", code=code_text, **common)
    if code is not None and code != 0:
        # OKX answers 400 for 50004 too: the code decides, not the status.
        return error_for_code(
            code,
            message,
            http_status=status,
            client_order_id=client_order_id,
            retry_safe=retry_safe,
        )
    if status == 401:
        return AuthenticationError(message or "unauthorized", **common)
    if status == 403:
        return PermissionDenied(message or "forbidden", **common)
    if status == 404:
        return NotSupported(f"no such endpoint: {message}", **common)
    return OrderRejected(message or f"HTTP {status}", **common)
