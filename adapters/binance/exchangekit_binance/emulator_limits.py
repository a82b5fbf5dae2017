"""The Binance emulator's rate limits: the pools it enforces and its 429/418/5xx answers.

The limits are Binance's documented ones (``exchangeInfo.rateLimits``; the pools of
:mod:`exchangekit_binance.endpoints`); ``overrides`` change a limit by name, e.g.
``{"REQUEST_WEIGHT_1M": 1200, "ORDERS_10S": 50}`` (``<rateLimitType>_<intervalNum><unit>``,
or the full pool name ``binance-spot-orders-10s``). The usage headers and the exchangeInfo
rows report the limits in force.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec

from exchangekit.ratelimit.spec import Pool
from exchangekit.testing.wire import EmulatorRequest, EmulatorResponse
from exchangekit_binance.emulator_wire import Market, Payload, Venue, json_response

if TYPE_CHECKING:
    from exchangekit_binance.endpoints import MarketSpec

__all__ = ["Limits"]

# (rateLimitType, interval, intervalNum, limit), as exchangeInfo lists them.
_RATE_LIMITS: dict[Market, list[tuple[str, str, int, int]]] = {
    "spot": [
        ("REQUEST_WEIGHT", "MINUTE", 1, 6000),
        ("ORDERS", "SECOND", 10, 100),
        ("ORDERS", "DAY", 1, 200_000),
        ("RAW_REQUESTS", "MINUTE", 5, 300_000),
    ],
    "usdm": [
        ("REQUEST_WEIGHT", "MINUTE", 1, 2400),
        ("ORDERS", "MINUTE", 1, 1200),
        ("ORDERS", "SECOND", 10, 300),
    ],
}


class Limits:
    """The pools one emulated market enforces, and how it answers when one is exceeded."""

    def __init__(
        self, venue: Venue, spec: MarketSpec, overrides: Mapping[str, int] | None = None
    ) -> None:
        self.venue = venue
        self.spec = spec
        self._rows = list(_RATE_LIMITS[venue.market])
        wanted = {name.upper(): int(limit) for name, limit in (overrides or {}).items()}
        pools: list[Pool] = []
        for pool in spec.pools:
            row = next((r for r in self._rows if _pool_matches(pool, r)), None)
            key = _short_name(row) if row is not None else ""
            limit = wanted.pop(key, None) if key else None
            limit = wanted.pop(pool.name.upper(), limit)
            if limit is not None:
                if limit <= 0:
                    raise ValueError(f"rate limit {key or pool.name} must be positive")
                pool = msgspec.structs.replace(pool, limit=limit)
                if row is not None:
                    self._rows[self._rows.index(row)] = (*row[:3], limit)
            pools.append(pool)
        if wanted:
            known = ", ".join(_short_name(r) for r in _RATE_LIMITS[venue.market])
            raise ValueError(f"unknown rate limits {sorted(wanted)} (known: {known})")
        self.pools: tuple[Pool, ...] = tuple(pools)

    def exchange_info_rows(self) -> list[Payload]:
        """``exchangeInfo.rateLimits``: the limits in force."""
        return [
            {"rateLimitType": kind, "interval": interval, "intervalNum": num, "limit": limit}
            for kind, interval, num, limit in self._rows
        ]

    def pool(self, default: Pool) -> Pool:
        """The pool in force named like ``default`` (one of the endpoint table's)."""
        return next((p for p in self.pools if p.name == default.name), default)

    def rate_limited(
        self, request: EmulatorRequest, pool: Pool, retry_after_s: float
    ) -> EmulatorResponse:
        """429 with Binance's -1003 (weight, raw requests) or -1015 (orders) message."""
        ip = request.remote
        rate_limit = next(
            (r for r in self._rows if _pool_matches(pool, r)),
            ("REQUEST_WEIGHT", "MINUTE", 1, pool.limit),
        )
        kind, interval, num, _ = rate_limit
        if kind == "ORDERS":
            code = -1015
            msg = f"Too many new orders; current limit is {pool.limit} orders per {num} {interval}."
        elif kind == "RAW_REQUESTS":
            code = -1003
            msg = (
                f"Too many requests; current limit of IP({ip}) raw requests per {num} {interval} "
                f"is {pool.limit}."
            )
        else:
            code = -1003
            msg = (
                f"Too many requests; current limit of IP({ip}) request weight per {num} "
                f"{interval} is {pool.limit}. Please use WebSocket Streams for live updates "
                "to avoid polling the API."
            )
        headers = {"Retry-After": str(max(1, math.ceil(retry_after_s)))}
        server = self.venue.server
        if server is not None:
            headers.update(self.usage_headers({pool: int(server.quota.usage(pool))}))
        return json_response({"code": code, "msg": msg}, 429, headers)

    def banned(self, request: EmulatorRequest, retry_after_s: float) -> EmulatorResponse:
        """418: the IP is banned until a time in the exchange's clock."""
        until = self.venue.now_ms() + int(retry_after_s * 1000)
        msg = (
            f"Way too many requests; IP({request.remote}) banned until {until}. Please use the "
            "websocket for live updates to avoid bans."
        )
        headers = {"Retry-After": str(max(1, math.ceil(retry_after_s)))}
        return json_response({"code": -1003, "msg": msg}, 418, headers)

    def server_error(self, status: int) -> EmulatorResponse:
        """5xx as Binance answers them: gateway pages as HTML, the engine's as JSON codes."""
        if status in (502, 504):
            page = f"<html><body><h1>{status} Gateway Error</h1></body></html>"
            return EmulatorResponse(status=status, body=page.encode(), content_type="text/html")
        if self.venue.market == "usdm" and status == 503:
            # BFD general-info variant (a): the outcome is unknown.
            msg = "Unknown error, please check your request or try again later."
            return json_response({"code": -1000, "msg": msg}, status)
        if status == 503:
            msg = "Internal error; unable to process your request. Please try again."
            return json_response({"code": -1001, "msg": msg}, status)
        msg = "An unknown error occurred while processing the request."
        return json_response({"code": -1000, "msg": msg}, status)

    def usage_headers(self, usage: Mapping[Pool, int]) -> dict[str, str]:
        """``X-MBX-USED-WEIGHT-1M`` on every answer (weightless orders too), and the order
        counters on order endpoints."""
        headers = {pool.header: str(used) for pool, used in usage.items() if pool.header}
        weight = self.pools[0]
        server = self.venue.server
        if weight.header and weight.header not in headers and server is not None:
            headers[weight.header] = str(int(server.quota.usage(weight)))
        return headers


def _short_name(rate_limit: tuple[str, str, int, int]) -> str:
    kind, interval, num, _ = rate_limit
    return f"{kind}_{num}{interval[0]}"


def _pool_matches(pool: Pool, rate_limit: tuple[str, str, int, int]) -> bool:
    kind, interval, num, _ = rate_limit
    suffix = f"-{kind.lower().replace('_', '-')}-{num}{interval[0].lower()}"
    return pool.name.endswith(suffix)
