"""Binance error codes -> exchangekit error classes, and HTTP response classification.

One table per market (most codes are shared; -2021, -2022 and -2026 mean different things on
spot and futures). The documented meaning sits beside every row (BSD errors.md for spot,
BFD error-code page for USDⓈ-M; fact sheet §1.5). :func:`classify` turns a whole HTTP
response into an error (or ``None`` for success) and is pure: the caller passes the
``Retry-After`` value and the clock.

Messages are matched in exactly two places, because Binance gives nothing else there:
``-2010``/``-2011`` (the matching engine's verdicts share one code each: "Duplicate order
sent.", "Account has insufficient balance…", "Unknown order sent.") and the futures HTTP
503 variants, whose three meanings (unknown / failed / failed) differ only in text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from exchangekit.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    IPBanned,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRejected,
    PermissionDenied,
    RateLimited,
    TimestampOutsideRecvWindow,
)

__all__ = [
    "SPOT_ERRORS",
    "USDM_ERRORS",
    "ErrorRule",
    "TimestampOutsideRecvWindow",
    "classify",
    "error_for_code",
]

EXCHANGE = "binance"


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row: the error class and Binance's name and meaning for the code."""

    error: type[ExchangeError]
    name: str
    meaning: str


R = ErrorRule

_COMMON: dict[int, ErrorRule] = {
    # 10xx: server or network
    -1000: R(
        OrderOutcomeUnknown,
        "UNKNOWN",
        "unknown error while processing; 5xx-type [INF: writes unknown]",
    ),
    -1002: R(AuthenticationError, "UNAUTHORIZED", "not authorized to execute this request"),
    -1003: R(RateLimited, "TOO_MANY_REQUESTS", "request weight exceeded, or IP banned until %s"),
    -1006: R(
        OrderOutcomeUnknown,
        "UNEXPECTED_RESP",
        "unexpected response from the message bus; execution status unknown",
    ),
    -1007: R(
        OrderOutcomeUnknown, "TIMEOUT", "timeout waiting for the backend; execution status unknown"
    ),
    -1008: R(
        ExchangeUnavailable,
        "SERVER_BUSY",
        "overloaded / throttled by system protection; not executed",
    ),
    -1013: R(
        InvalidOrder,
        "INVALID_MESSAGE",
        "filter failure (PRICE_FILTER, LOT_SIZE, NOTIONAL...); did not reach the engine",
    ),
    -1014: R(InvalidOrder, "UNKNOWN_ORDER_COMPOSITION", "unsupported order combination"),
    -1015: R(RateLimited, "TOO_MANY_ORDERS", "too many new orders (unfilled-order count)"),
    -1016: R(ExchangeUnavailable, "SERVICE_SHUTTING_DOWN", "this service is no longer available"),
    -1020: R(NotSupported, "UNSUPPORTED_OPERATION", "this operation is not supported"),
    -1021: R(
        TimestampOutsideRecvWindow,
        "INVALID_TIMESTAMP",
        "timestamp outside recvWindow or 1000 ms ahead",
    ),
    -1022: R(AuthenticationError, "INVALID_SIGNATURE", "signature for this request is not valid"),
    -1099: R(AuthenticationError, "NOT_FOUND", "not found, authenticated, or authorized"),
    # 11xx: request issues (every one means the request was refused as sent)
    -1100: R(InvalidOrder, "ILLEGAL_CHARS", "illegal characters in a parameter"),
    -1101: R(InvalidOrder, "TOO_MANY_PARAMETERS", "too many or duplicated parameters"),
    -1102: R(
        InvalidOrder,
        "MANDATORY_PARAM_EMPTY_OR_MALFORMED",
        "mandatory parameter missing or malformed",
    ),
    -1103: R(InvalidOrder, "UNKNOWN_PARAM", "an unknown parameter was sent"),
    -1104: R(InvalidOrder, "UNREAD_PARAMETERS", "not all sent parameters were read"),
    -1105: R(InvalidOrder, "PARAM_EMPTY", "a parameter was empty"),
    -1106: R(InvalidOrder, "PARAM_NOT_REQUIRED", "a parameter was sent when not required"),
    -1108: R(InvalidOrder, "PARAM_OVERFLOW", "a parameter overflowed"),
    -1111: R(InvalidOrder, "BAD_PRECISION", "precision over the maximum for this asset"),
    -1112: R(InvalidOrder, "NO_DEPTH", "no orders on book for symbol"),
    -1114: R(InvalidOrder, "TIF_NOT_REQUIRED", "timeInForce sent when not required"),
    -1115: R(InvalidOrder, "INVALID_TIF", "invalid timeInForce"),
    -1116: R(InvalidOrder, "INVALID_ORDER_TYPE", "invalid orderType"),
    -1117: R(InvalidOrder, "INVALID_SIDE", "invalid side"),
    -1118: R(InvalidOrder, "EMPTY_NEW_CL_ORD_ID", "new client order id was empty"),
    -1119: R(InvalidOrder, "EMPTY_ORG_CL_ORD_ID", "original client order id was empty"),
    -1120: R(InvalidOrder, "BAD_INTERVAL", "invalid interval"),
    -1121: R(InvalidOrder, "BAD_SYMBOL", "invalid symbol"),
    -1125: R(
        AuthenticationError, "INVALID_LISTEN_KEY", "this listenKey does not exist: create a new one"
    ),
    -1127: R(InvalidOrder, "MORE_THAN_XX_HOURS", "lookup interval is too big"),
    -1128: R(
        InvalidOrder, "OPTIONAL_PARAMS_BAD_COMBO", "combination of optional parameters invalid"
    ),
    -1130: R(InvalidOrder, "INVALID_PARAMETER", "invalid data sent for a parameter"),
    -1131: R(InvalidOrder, "BAD_RECV_WINDOW", "recvWindow must be less than 60000"),
    -1145: R(
        InvalidOrder,
        "INVALID_CANCEL_RESTRICTIONS",
        "cancelRestrictions must be ONLY_NEW or ONLY_PARTIALLY_FILLED",
    ),
    # 20xx: engine verdicts (message-refined in _refine)
    -2010: R(OrderRejected, "NEW_ORDER_REJECTED", "the engine rejected the new order"),
    -2011: R(OrderRejected, "CANCEL_REJECTED", "the engine rejected the cancel"),
    -2013: R(OrderNotFound, "NO_SUCH_ORDER", "order does not exist"),
    -2014: R(AuthenticationError, "BAD_API_KEY_FMT", "API-key format invalid"),
    -2015: R(
        PermissionDenied, "REJECTED_MBX_KEY", "invalid API-key, IP, or permissions for action"
    ),
    -2016: R(OrderRejected, "NO_TRADING_WINDOW", "no trading window for the symbol"),
    -2018: R(InsufficientFunds, "BALANCE_NOT_SUFFICIENT", "balance is insufficient"),
    -2019: R(InsufficientFunds, "MARGIN_NOT_SUFFICIEN", "margin is insufficient"),
}

SPOT_ERRORS: Mapping[int, ErrorRule] = {
    **_COMMON,
    # HTTP 5xx-type on spot: the docs say never treat these as failures.
    -1001: R(
        OrderOutcomeUnknown,
        "DISCONNECTED",
        "internal error; unable to process (5xx-type) [INF: writes unknown]",
    ),
    -1034: R(
        RateLimited,
        "TOO_MANY_CONNECTIONS",
        "too many concurrent connections, or connection attempts per account/IP",
    ),
    -2021: R(
        OrderOutcomeUnknown,
        "CANCEL_REPLACE_PARTIAL",
        "cancel-replace partially failed: one half happened",
    ),
    -2022: R(
        OrderRejected, "CANCEL_REPLACE_FAILED", "cancel-replace failed: neither half happened"
    ),
    -2026: R(
        OrderNotFound,
        "ORDER_ARCHIVED",
        "order cancelled/expired with no fill over 90 days ago; archived",
    ),
}

USDM_ERRORS: Mapping[int, ErrorRule] = {
    **_COMMON,
    # BFD general-info: "Internal error; unable to process your request" is a failure there.
    -1001: R(
        ExchangeUnavailable, "DISCONNECTED", "internal error; unable to process, resend allowed"
    ),
    -2020: R(OrderRejected, "UNABLE_TO_FILL", "unable to fill"),
    -2021: R(
        InvalidOrder, "ORDER_WOULD_IMMEDIATELY_TRIGGER", "the order would immediately trigger"
    ),
    -2022: R(OrderRejected, "REDUCE_ONLY_REJECT", "reduce-only order rejected"),
    -2024: R(InsufficientFunds, "POSITION_NOT_SUFFICIENT", "position is not sufficient"),
    -2025: R(OrderRejected, "MAX_OPEN_ORDER_EXCEEDED", "reached the maximum open orders"),
    -2026: R(
        InvalidOrder,
        "REDUCE_ONLY_ORDER_TYPE_NOT_SUPPORTED",
        "this order type does not support reduce-only",
    ),
    -2027: R(
        OrderRejected, "MAX_LEVERAGE_RATIO", "exceeded the maximum position at current leverage"
    ),
    -2028: R(OrderRejected, "MIN_LEVERAGE_RATIO", "leverage is smaller than permitted"),
    # Position mode (BFD error-code page; the client checks the mode before sending).
    -4059: R(OrderRejected, "NO_NEED_TO_CHANGE_POSITION_SIDE", "the mode is already that"),
    -4060: R(InvalidOrder, "INVALID_POSITION_SIDE", "invalid position side"),
    -4061: R(
        InvalidOrder,
        "POSITION_SIDE_NOT_MATCH",
        "order's position side does not match the account's one-way/hedge setting",
    ),
    -4067: R(
        OrderRejected,
        "POSITION_SIDE_CHANGE_EXISTS_OPEN_ORDERS",
        "position mode cannot change while orders are open",
    ),
    -4068: R(
        OrderRejected,
        "POSITION_SIDE_CHANGE_EXISTS_QUANTITY",
        "position mode cannot change while a position is open",
    ),
    -4116: R(
        DuplicateClientOrderId,
        "DUPLICATED_CLIENT_ORDER_ID",
        "clientOrderId is duplicated: an order with this id is already open",
    ),
    -4120: R(
        NotSupported,
        "ALGO_ENDPOINT_REQUIRED",
        "order type not supported here: use the Algo Order API",
    ),
    -4164: R(InvalidOrder, "MIN_NOTIONAL", "order's notional must be no smaller than the minimum"),
    -5021: R(OrderRejected, "FOK_ORDER_REJECT", "the FOK order could not be filled immediately"),
    -5022: R(OrderRejected, "GTX_ORDER_REJECT", "the post-only order would have taken"),
    -5028: R(
        TimestampOutsideRecvWindow,
        "ME_RECVWINDOW_REJECT",
        "timestamp outside the matching engine's recvWindow",
    ),
}


def _by_range(code: int) -> type[ExchangeError] | None:
    if -1199 <= code <= -1100:
        return InvalidOrder  # 11xx: request issues
    if -4999 <= code <= -4000:
        return InvalidOrder  # futures 4xxx: order parameter / filter validation
    if -2099 <= code <= -2000:
        return OrderRejected  # 20xx: engine rejects
    return None


# BSD errors.md, messages shared by -2010/-2011: the account (or key) may not do this at all,
# so resending cannot help; matched lowercased.
_ACCOUNT_REFUSALS = (
    "this action is disabled on this account",
    "this account may not place or cancel orders",
    "this symbol is not permitted for this account",
    "this symbol is restricted for this account",
    "api trading is not enabled",
)


def _refine(code: int, message: str, cls: type[ExchangeError]) -> type[ExchangeError]:
    """Message matching for the codes Binance overloads (see module doc)."""
    text = message.lower()
    if code == -2010:
        if "duplicate order" in text:
            return DuplicateClientOrderId
        if "insufficient balance" in text or "insufficient margin" in text:
            return InsufficientFunds
    if code in (-2010, -2011) and any(t in text for t in _ACCOUNT_REFUSALS):
        return PermissionDenied
    if code == -2011 and "unknown order" in text:
        return OrderNotFound
    if code == -1003 and "banned" in text:
        return IPBanned
    return cls


_BANNED_UNTIL = re.compile(r"banned until (\d{10,})")


def error_for_code(
    code: int,
    message: str,
    *,
    market: Literal["spot", "usdm"] = "spot",
    http_status: int | None = None,
    client_order_id: str | None = None,
    retry_after_s: float | None = None,
) -> ExchangeError:
    """The error for a Binance ``{code, msg}`` (REST body or WebSocket API ``error``)."""
    table = SPOT_ERRORS if market == "spot" else USDM_ERRORS
    rule = table.get(code)
    cls = rule.error if rule else _by_range(code)
    if cls is None:
        cls = OrderOutcomeUnknown if http_status and http_status >= 500 else OrderRejected
    cls = _refine(code, message, cls)
    common: dict[str, Any] = {
        "exchange": EXCHANGE,
        "http_status": http_status,
        "code": code,
        "client_order_id": client_order_id,
    }
    if issubclass(cls, IPBanned):
        match = _BANNED_UNTIL.search(message)
        until = int(match[1]) if match else None
        return IPBanned(message, until_ms=until, retry_after_s=retry_after_s, **common)
    if issubclass(cls, RateLimited):
        return cls(message, retry_after_s=retry_after_s, **common)
    return cls(message, **common)


class _Body(msgspec.Struct):
    code: int | str | None = None
    msg: str = ""


_decode_body = msgspec.json.Decoder(_Body)


def _parse(body: bytes) -> _Body | None:
    try:
        parsed = _decode_body.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if isinstance(parsed.code, str):
        try:
            parsed.code = int(parsed.code)
        except ValueError:
            return None
    return parsed


def _retry_after(value: str | float | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


# BFD general-info, HTTP 503: three texts, three meanings (matched lowercased).
_FUTURES_503_FAILED = ("service unavailable", "internal error; unable to process your request")
_FUTURES_503_UNKNOWN = ("unknown error, please check your request or try again later",)


def classify(
    status: int,
    body: bytes,
    *,
    client_order_id: str | None = None,
    market: Literal["spot", "usdm"] = "spot",
    retry_after: str | float | None = None,
    retry_safe: bool = False,
    now_ms: int | None = None,
) -> ExchangeError | None:
    """Classify an HTTP response: ``None`` for success, else the error to raise.

    ``retry_after`` is the response's ``Retry-After`` header; ``retry_safe`` says the
    request cannot act twice (reads), so a failure whose outcome would be "unknown" for a
    write is a plain :class:`ExchangeUnavailable` for it; ``now_ms`` lets an HTTP 418 say
    when the ban lifts. An unparseable body never raises here (that is a mapping problem
    for the success path, not a classification): the status alone decides, so an HTML 5xx
    page on an order is still :class:`OrderOutcomeUnknown`.
    """
    err = _classify(status, body, client_order_id, market, _retry_after(retry_after), now_ms)
    if retry_safe and isinstance(err, OrderOutcomeUnknown):
        # Nothing to be unknown about for a read: it failed, and may simply be sent again.
        return ExchangeUnavailable(
            err.message,
            exchange=EXCHANGE,
            http_status=status,
            code=err.code,
            client_order_id=client_order_id,
        )
    return err


def _classify(
    status: int,
    body: bytes,
    client_order_id: str | None,
    market: Literal["spot", "usdm"],
    wait: float | None,
    now_ms: int | None,
) -> ExchangeError | None:
    parsed = _parse(body) if body else None
    code = parsed.code if parsed is not None and isinstance(parsed.code, int) else None
    message = parsed.msg if parsed is not None else body[:200].decode("utf-8", "replace")
    common: dict[str, Any] = {
        "exchange": EXCHANGE,
        "http_status": status,
        "client_order_id": client_order_id,
    }

    def coded(code: int) -> ExchangeError:
        return error_for_code(
            code,
            message,
            market=market,
            http_status=status,
            client_order_id=client_order_id,
            retry_after_s=wait,
        )

    if 200 <= status < 300:
        # Futures acknowledge some calls with {"code": 200, "msg": "..."}; only a negative
        # code in a 2xx body is an error.
        return coded(code) if code is not None and code < 0 else None
    if status == 418:
        match = _BANNED_UNTIL.search(message)
        until = int(match[1]) if match else None
        if until is None and now_ms is not None and wait is not None:
            until = now_ms + int(wait * 1000)
        return IPBanned(
            message or "IP banned", until_ms=until, retry_after_s=wait, code=code, **common
        )
    if status == 429:
        err = coded(code) if code is not None else None
        if isinstance(err, RateLimited):
            return err
        return RateLimited(message or "rate limited", retry_after_s=wait, code=code, **common)
    if status >= 500 or status == 408:
        return _server_error(message, code, market, coded, common)
    if code is not None:
        return coded(code)
    if status == 403:
        return PermissionDenied(
            f"blocked by Binance's web application firewall: {message}", **common
        )
    if status == 401:
        return AuthenticationError(message or "unauthorized", **common)
    if status == 404:
        return NotSupported(f"no such endpoint: {message}", **common)
    # Any other 4xx: "malformed request; the issue is on the sender's side" (BSD): refused.
    return OrderRejected(message or f"HTTP {status}", **common)


def _server_error(
    message: str,
    code: int | None,
    market: Literal["spot", "usdm"],
    coded: Callable[[int], ExchangeError],
    common: dict[str, Any],
) -> ExchangeError:
    """HTTP 5xx and 408: unknown outcome unless Binance says it definitely failed."""
    text = message.lower()
    if market == "usdm":
        if any(t in text for t in _FUTURES_503_UNKNOWN):
            return OrderOutcomeUnknown(message, code=code, **common)
        if code == -1008 or any(t in text for t in _FUTURES_503_FAILED):
            return ExchangeUnavailable(message, code=code, **common)
    if code is not None:
        err = coded(code)
        # A "definitely refused" code inside a 5xx contradicts the status: stay cautious.
        if not isinstance(err, (OrderRejected, NotSupported)):
            return err
    # Spot: "do NOT treat this as a failure; the execution status is UNKNOWN" (BSD); the
    # same holds for an unreadable (HTML) body and for an unrecognised futures 5xx.
    return OrderOutcomeUnknown(message or "server error", code=code, **common)
