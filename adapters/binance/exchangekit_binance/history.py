"""The account's trade list from a point in time, across Binance's window and page limits.

Binance answers ``GET /api/v3/myTrades`` and ``GET /fapi/v1/userTrades`` one page (at most
1000 trades) at a time, and a time range at most one window long:

- spot: "The time between startTime and endTime can't be longer than 24 hours" (BSD
  rest-api.md, Account trade list; -1127 otherwise);
- USDⓈ-M: "The time between startTime and endTime cannot be longer than 7 days", and
  "The parameter fromId cannot be sent with startTime or endTime" (Binance futures docs,
  Account Trade List).

So a history that starts days ago is read as consecutive windows until the first one that
holds a trade (from three windows back, one ``fromId=0`` request first finds the account's
oldest trade, so ``since_ms=0`` costs a few requests, not one per day since 1970); a full page means the window holds more, and from there trade ids are
followed (``fromId``, ascending, not bounded by time) until a short page reaches the
present. Nothing between ``since_ms`` and the moment of the last request is skipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from exchangekit.models import Fill

__all__ = ["PAGE", "SPOT_WINDOW_MS", "USDM_WINDOW_MS", "trades_since"]

PAGE = 1000
"""Binance's largest ``limit`` on both trade lists."""
SPOT_WINDOW_MS = 24 * 3600 * 1000
USDM_WINDOW_MS = 7 * 24 * 3600 * 1000
PROBE_AFTER_WINDOWS = 3
"""From this many windows back, one ``fromId=0`` request finds the oldest trade first."""

FetchPage = Callable[[dict[str, Any]], Awaitable[list[Fill]]]


async def trades_since(
    fetch: FetchPage,
    *,
    since_ms: int,
    now_ms: int,
    window_ms: int,
    limit: int | None = None,
    page_size: int = PAGE,
) -> list[Fill]:
    """Every trade from ``since_ms`` on, oldest first (``limit``: the first that many).

    ``fetch`` sends one request with the given extra parameters (``startTime``/``endTime``
    or ``fromId``, and ``limit``) and returns that page's fills in Binance's order.
    ``now_ms`` is the exchange's time: windows stop there, id paging does not.
    ``page_size`` is the ``limit`` asked for (Binance's largest, unless a test wants less).
    """
    out: list[Fill] = []
    start = since_ms
    if (now_ms - since_ms) // window_ms >= PROBE_AFTER_WINDOWS:
        # Far back (a cursor from last month, or 0): the account's oldest trade says where
        # the history begins, instead of one empty request per window since then.
        first = await fetch({"fromId": 0, "limit": 1})
        if not first:
            return []
        start = max(since_ms, first[0].timestamp_ms)
    while start <= now_ms and not _enough(out, limit):
        end = min(start + window_ms - 1, now_ms)
        page = await fetch({"startTime": start, "endTime": end, "limit": page_size})
        out.extend(page)
        if len(page) >= page_size:
            await _follow_ids(fetch, page, out, limit, page_size)
            break
        start = end + 1
    return out if limit is None else out[:limit]


async def _follow_ids(
    fetch: FetchPage, page: list[Fill], out: list[Fill], limit: int | None, page_size: int
) -> None:
    """Full pages: the window holds more. Trade ids ascend, so continue after the last one
    until a short page (the present) or enough."""
    while len(page) >= page_size and not _enough(out, limit):
        page = await fetch({"fromId": int(page[-1].trade_id) + 1, "limit": page_size})
        out.extend(page)


def _enough(out: list[Fill], limit: int | None) -> bool:
    return limit is not None and len(out) >= limit
