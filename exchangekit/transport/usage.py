"""Hooks the adapter gives the transport: its error table and its usage headers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from exchangekit.errors import ExchangeError
from exchangekit.ratelimit.spec import Pool
from exchangekit.transport.endpoint import Endpoint
from exchangekit.transport.response import Headers

__all__ = ["Classifier", "UsageSync", "usage_from_headers"]

Classifier = Callable[[int, Headers, bytes, Endpoint], ExchangeError | None]
"""The adapter's error table: ``(status, headers, body, endpoint)`` to the error to raise,
or ``None`` when the response is a success *as far as the exchange's codes go* (the
transport still applies its status fallback, so a 5xx left unclassified is never a success).
Binance answers errors as ``{"code": -2010, "msg": "..."}``; OKX and Bybit answer HTTP 200
with a non-zero code in the body, which only the adapter can read."""

UsageSync = Callable[[Headers], Iterable[tuple[Pool, float]]]
"""Reads the usage the server reports (``X-MBX-USED-WEIGHT-1M: 42``) as ``(pool, used)``."""


def usage_from_headers(pools: Iterable[Pool]) -> UsageSync:
    """A :data:`UsageSync` for pools that declare the header reporting their usage.

    Pools without ``header`` are ignored; a missing or non-numeric header is skipped::

        REQUEST_WEIGHT = Pool(name="ip-weight", limit=6000, window_s=60,
                              header="X-MBX-USED-WEIGHT-1M")
        usage_sync = usage_from_headers([REQUEST_WEIGHT, ORDERS_10S])
    """
    watched = tuple((pool, pool.header) for pool in pools if pool.header)

    def sync(headers: Headers) -> Iterator[tuple[Pool, float]]:
        for pool, header in watched:
            raw = headers.get(header)
            if raw is None:
                continue
            try:
                yield pool, float(raw)
            except ValueError:
                continue

    return sync
