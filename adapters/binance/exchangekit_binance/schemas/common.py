"""Binance wire enumerations, the base of every wire struct, and the shapes every endpoint shares
(errors, server time, rate limits, listen keys)."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["CodeMsg", "ErrorBody", "ListenKey", "RateLimit", "RateLimitUsage", "ServerTime"]

# -- enumerations (BSD enums.md; BFD common-definition) ------------------------------------

Side = Literal["BUY", "SELL"]
OrderStatus = Literal[
    "NEW",
    "PENDING_NEW",
    "PARTIALLY_FILLED",
    "FILLED",
    "CANCELED",
    "PENDING_CANCEL",
    "REJECTED",
    "EXPIRED",
    "EXPIRED_IN_MATCH",
    # Older USDⓈ-M ORDER_TRADE_UPDATE docs list these two for liquidation orders (insurance
    # fund / counterparty ADL); the current page shows such orders as NEW instead.
    "NEW_INSURANCE",
    "NEW_ADL",
]
SpotOrderType = Literal[
    "LIMIT",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
    "LIMIT_MAKER",
]
UsdmOrderType = Literal[
    "LIMIT",
    "MARKET",
    "STOP",
    "STOP_MARKET",
    "TAKE_PROFIT",
    "TAKE_PROFIT_MARKET",
    "TRAILING_STOP_MARKET",
    "LIQUIDATION",
]
SpotTimeInForce = Literal["GTC", "IOC", "FOK"]
UsdmTimeInForce = Literal["GTC", "IOC", "FOK", "GTX", "GTD", "RPI", "GTE_GTC"]
"""``GTE_GTC`` is not in the enum page, yet real futures payloads carry it on TP/SL orders
tied to a position (expire reason 6, "GTE condition unsatisfied", on the order-update page;
binance-connector-python issue #446)."""
PositionSide = Literal["BOTH", "LONG", "SHORT"]
SpotExecutionType = Literal[
    "NEW", "CANCELED", "REPLACED", "REJECTED", "TRADE", "EXPIRED", "TRADE_PREVENTION", "AMENDMENT"
]
UsdmExecutionType = Literal["NEW", "CANCELED", "CALCULATED", "EXPIRED", "TRADE", "AMENDMENT"]
AlgoStatus = Literal[
    "NEW", "CANCELED", "TRIGGERING", "TRIGGERED", "FINISHED", "REJECTED", "EXPIRED"
]
LooseDecimal = str | int | None
"""A number the Algo Service may leave empty: its documented responses write ``""`` for the
fields an order type does not use (``activatePrice``/``callbackRate`` in the REST example),
which ``Decimal`` would refuse. Parsed, with the field path on failure, by the mappers."""
MarginType = Literal["isolated", "cross", "ISOLATED", "CROSSED", "crossed"]


class _Wire(msgspec.Struct, gc=False):
    """Base of every wire struct: decoded from JSON, so never part of a reference cycle."""


# -- common --------------------------------------------------------------------------------


class ErrorBody(_Wire):
    """``{"code": -1121, "msg": "Invalid symbol."}`` (BSD rest-api.md §Error Codes)."""

    code: int
    msg: str = ""


class CodeMsg(_Wire):
    """Futures success acknowledgements, e.g. cancel-all: ``{"code": 200, "msg": "..."}``."""

    code: int | str
    msg: str = ""


class ServerTime(_Wire):
    """``GET /api/v3/time`` and ``/fapi/v1/time``."""

    serverTime: int


class RateLimit(_Wire):
    """One ``exchangeInfo.rateLimits`` entry."""

    rateLimitType: str
    interval: str
    intervalNum: int
    limit: int


class RateLimitUsage(RateLimit):
    """A WebSocket API ``rateLimits`` entry: the limit plus the current ``count``."""

    count: int = 0


class ListenKey(_Wire):
    """Futures ``listenKey`` create/keepalive response."""

    listenKey: str = ""
