"""Bybit V5 ``retCode`` -> exchangekit error classes, and HTTP response classification.

Bybit answers most errors with HTTP 200 and a non-zero ``retCode`` in the envelope
(``{"retCode": 110007, "retMsg": "...", "result": {}, ...}``); the HTTP status speaks only
for the gateway: 403 for the IP limit (or a blocked country), 401 for bad auth headers,
404 for a wrong path, 429 for system-level protection, 5xx for the servers. The documented
meaning sits beside every row (BYD docs/v5/error.mdx; fact sheet §2.5). :func:`classify`
turns a whole response into an error (or ``None`` for success) and is pure.

Bybit never says "status unknown" the way Binance -1007 does. Codes whose words say the
server timed out or failed mid-way (10000, 10016, 10019, 170007, 170146, 170147), and 10014
"invalid duplicate request" (an identical earlier request got through), are mapped to
:class:`OrderOutcomeUnknown` for writes [INF, fact sheet §2.5]: reconcile by ``orderLinkId``
before any resend. For reads (``retry_safe``) they are a plain :class:`ExchangeUnavailable`.

No message text is matched anywhere: Bybit gives a distinct code for each case we handle,
except the HTTP 403 answer, which is told apart by its status alone.
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
    IPBanned,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRejected,
    PermissionDenied,
    RateLimited,
    TimestampOutsideRecvWindow,
)
from exchangekit_bybit.endpoints import IP_LIMIT_BAN_S

__all__ = [
    "ERRORS",
    "SUCCESS_CODES",
    "ErrorRule",
    "TimestampOutsideRecvWindow",
    "classify",
    "error_for_code",
]

EXCHANGE = "bybit"


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """One row: the error class and Bybit's meaning for the code."""

    error: type[ExchangeError]
    meaning: str


R = ErrorRule

ERRORS: Mapping[int, ErrorRule] = {
    # -- 10xxx: common to every endpoint ---------------------------------------------------
    10000: R(OrderOutcomeUnknown, "server timeout [INF: a write may have executed]"),
    10001: R(InvalidOrder, "request parameter error"),
    10002: R(
        TimestampOutsideRecvWindow,
        "request time outside the window: server_time - recv_window <= ts < server_time + 1000",
    ),
    10003: R(AuthenticationError, "API key is invalid, or used on the wrong environment"),
    10004: R(AuthenticationError, "error sign: the signature does not match"),
    10005: R(PermissionDenied, "permission denied: check the API key's permissions"),
    10006: R(RateLimited, "too many visits: the per-UID per-endpoint limit was exceeded"),
    10007: R(AuthenticationError, "user not logged in"),
    10008: R(PermissionDenied, "user has been banned"),
    10009: R(IPBanned, "IP has been banned"),
    10010: R(PermissionDenied, "unmatched IP: the key is bound to other IPs"),
    10014: R(
        OrderOutcomeUnknown,
        "invalid duplicate request [INF: an identical earlier request may have executed]",
    ),
    10016: R(OrderOutcomeUnknown, "server error [INF: a write may have executed]"),
    10017: R(NotSupported, "route not found: wrong path or category"),
    10018: R(IPBanned, "exceeded the IP rate limit"),
    10019: R(OrderOutcomeUnknown, "WS trade service restarting [INF: may have executed]"),
    10027: R(PermissionDenied, "transactions are banned for this account"),
    10028: R(PermissionDenied, "the API can only be accessed by unified account users"),
    10029: R(InvalidOrder, "the symbol is not in the key's whitelist"),
    429: R(RateLimited, "high server load: system-level protection, retry (retCode 429)"),
    10429: R(RateLimited, "system-level frequency protection"),
    # -- 110xxx: derivatives trading -------------------------------------------------------
    110001: R(OrderNotFound, "order does not exist"),
    110003: R(InvalidOrder, "order price is out of the permissible range"),
    110004: R(InsufficientFunds, "wallet balance is insufficient"),
    110005: R(InvalidOrder, "position status does not allow this"),
    110006: R(InsufficientFunds, "assets are estimated insufficient after the order"),
    110007: R(InsufficientFunds, "available balance is insufficient"),
    # A cancel of an order that is no longer open: the order is not there to act on, as
    # Binance's "unknown order" and OKX's 51400-51402 (which the other adapters map alike).
    110008: R(OrderNotFound, "the order is already finished or cancelled"),
    110009: R(OrderRejected, "too many conditional orders for this symbol"),
    110010: R(OrderNotFound, "the order is already cancelled"),
    110012: R(InsufficientFunds, "insufficient available balance"),
    110017: R(InvalidOrder, "reduce-only rule: quantity truncated to zero"),
    110020: R(OrderRejected, "more than 500 active orders"),
    110021: R(OrderRejected, "open interest exceeds the limit"),
    110043: R(OrderRejected, "set leverage not modified (success on set-leverage, see below)"),
    110044: R(InsufficientFunds, "available margin is insufficient"),
    110045: R(InsufficientFunds, "wallet balance is insufficient"),
    110072: R(DuplicateClientOrderId, "OrderLinkedID is duplicate"),
    110094: R(InvalidOrder, "order notional is below the minimum"),
    # -- 1701xx: spot trading --------------------------------------------------------------
    170005: R(RateLimited, "too many new orders: the per-interval order limit was hit"),
    170007: R(OrderOutcomeUnknown, "timeout waiting for the backend [INF: may have executed]"),
    170130: R(InvalidOrder, "data sent for a parameter is out of range"),
    170131: R(InsufficientFunds, "balance insufficient"),
    170136: R(InvalidOrder, "order quantity below the minimum"),
    170140: R(InvalidOrder, "order value below the minimum"),
    170139: R(OrderNotFound, "the order has been filled (nothing left to cancel)"),
    170141: R(DuplicateClientOrderId, "duplicate clientOrderId"),
    170142: R(OrderNotFound, "the order has been cancelled"),
    170143: R(OrderNotFound, "the order cannot be found on the order book"),
    170146: R(OrderOutcomeUnknown, "order creation timeout [INF: may have executed]"),
    170147: R(OrderOutcomeUnknown, "order cancellation timeout [INF: may have executed]"),
    170210: R(OrderRejected, "new order rejected"),
    170213: R(OrderNotFound, "order does not exist"),
}
"""``retCode`` -> rule. Codes not listed fall back by range (see :func:`error_for_code`)."""

SUCCESS_CODES: frozenset[int] = frozenset({0})
"""Codes that mean the request succeeded."""

_IDEMPOTENT_OK: Mapping[str, frozenset[int]] = {
    # "Set leverage not modified" (BYD error.mdx): the leverage already has the wanted value.
    "/v5/position/set-leverage": frozenset({110043}),
}


def _by_range(code: int) -> type[ExchangeError] | None:
    if 110000 <= code <= 110999 or 170000 <= code <= 170999:
        return OrderRejected  # trading-engine verdicts: the order did not go in
    return None


def error_for_code(
    code: int,
    message: str,
    *,
    http_status: int | None = None,
    client_order_id: str | None = None,
    retry_after_s: float | None = None,
) -> ExchangeError:
    """The error for a Bybit ``{retCode, retMsg}`` (REST envelope or WS trade answer)."""
    rule = ERRORS.get(code)
    cls = rule.error if rule else _by_range(code)
    if cls is None:
        # Unknown code: a 5xx leaves the outcome open; otherwise Bybit answered a verdict.
        cls = OrderOutcomeUnknown if http_status and http_status >= 500 else OrderRejected
    common: dict[str, Any] = {
        "exchange": EXCHANGE,
        "http_status": http_status,
        "code": code,
        "client_order_id": client_order_id,
    }
    if issubclass(cls, IPBanned):
        return IPBanned(message, until_ms=None, retry_after_s=IP_LIMIT_BAN_S, **common)
    if issubclass(cls, RateLimited):
        return cls(message, retry_after_s=retry_after_s, **common)
    return cls(message, **common)


_decode_body = msgspec.json.Decoder(dict[str, Any])


def _parse(body: bytes) -> tuple[int | None, str]:
    """``(retCode, retMsg)`` from any body; ``(None, text)`` when it is not Bybit JSON."""
    try:
        data = _decode_body.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None, body[:200].decode("utf-8", "replace")
    code = data.get("retCode", data.get("ret_code"))
    message = data.get("retMsg", data.get("ret_msg", ""))
    if isinstance(code, str):
        try:
            code = int(code)
        except ValueError:
            code = None
    if not isinstance(code, int) or isinstance(code, bool):
        code = None
    return code, message if isinstance(message, str) else str(message)


def _retry_after_s(reset_ms: int | None, now_ms: int | None) -> float | None:
    if reset_ms is None or now_ms is None:
        return None
    return max(reset_ms - now_ms, 0) / 1000


def classify(
    status: int,
    body: bytes,
    *,
    client_order_id: str | None = None,
    retry_safe: bool = False,
    path: str | None = None,
    limit_reset_ms: int | None = None,
    now_ms: int | None = None,
) -> ExchangeError | None:
    """Classify an HTTP response: ``None`` for success, else the error to raise.

    ``retry_safe`` says the request cannot act twice (reads), so an "unknown outcome" is a
    plain :class:`ExchangeUnavailable` for it. ``path`` lets an idempotent no-op code count
    as success (set-leverage 110043). ``limit_reset_ms`` (the ``X-Bapi-Limit-Reset-Timestamp``
    header) and ``now_ms`` give a 10006 its back-off. An HTTP 403 is the IP limit: every
    caller on this IP stops for 10 minutes (``until_ms`` when ``now_ms`` is given). An
    unparseable body never raises here: the status alone decides, so an HTML 5xx page on an
    order is still :class:`OrderOutcomeUnknown`.
    """
    err = _classify(status, body, client_order_id, path, _retry_after_s(limit_reset_ms, now_ms))
    if isinstance(err, IPBanned) and err.until_ms is None and now_ms is not None:
        err.until_ms = now_ms + int(IP_LIMIT_BAN_S * 1000)
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
    path: str | None,
    wait: float | None,
) -> ExchangeError | None:
    code, message = _parse(body) if body else (None, "")
    common: dict[str, Any] = {
        "exchange": EXCHANGE,
        "http_status": status,
        "client_order_id": client_order_id,
    }

    def coded(code: int) -> ExchangeError:
        return error_for_code(
            code,
            message,
            http_status=status,
            client_order_id=client_order_id,
            retry_after_s=wait,
        )

    if 200 <= status < 300:
        if code is None or code in SUCCESS_CODES:
            return None
        if path is not None and code in _IDEMPOTENT_OK.get(path, frozenset()):
            return None
        return coded(code)
    if status == 403:
        # BYD rate-limit.mdx: "403, access too frequent" = the IP limit; stop every session
        # for at least 10 minutes. (US / mainland-China IPs also get 403: the back-off is
        # harmless there, and no retry would help.)
        return IPBanned(
            message or "access too frequent (IP rate limit)",
            until_ms=None,
            retry_after_s=IP_LIMIT_BAN_S,
            code=code,
            **common,
        )
    if status == 429:
        # "System-level frequency protection; retry" (BYD error.mdx): nothing executed.
        return RateLimited(message or "rate limited", retry_after_s=wait, code=code, **common)
    if status >= 500 or status == 408:
        if code is not None:
            err = coded(code)
            # A "definitely refused" code inside a 5xx contradicts the status: stay cautious.
            if not isinstance(err, (OrderRejected, NotSupported)):
                return err
        return OrderOutcomeUnknown(message or "server error", code=code, **common)
    if code is not None and code not in SUCCESS_CODES:
        return coded(code)
    if status == 401:
        return AuthenticationError(message or "unauthorized: check the auth headers", **common)
    if status == 404:
        return NotSupported(f"no such endpoint or category: {message}", **common)
    # 400 and any other 4xx: the request was refused as sent.
    return OrderRejected(message or f"HTTP {status}", **common)
