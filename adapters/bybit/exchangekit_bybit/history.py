"""The account's executions from a point in time, across Bybit's range and page limits.

``GET /v5/execution/list`` (Bybit v5 docs, order/execution "Get Trade History"):

- rows are "sorted by ``execTime`` in descending order" (newest first);
- ``limit`` is "[1, 100]. Default: 50"; further pages are asked for with ``cursor`` = the
  ``nextPageCursor`` of the previous answer (empty when there is no further page);
- ``startTime``: "startTime and endTime are not passed, return 7 days by default; Only
  startTime is passed, return range between startTime and startTime+7 days; ... If both are
  passed, the rule is endTime - startTime <= 7 days";
- the API explorer names the endpoint "Get Execution (2 years)": nothing older is kept.

So a history that starts more than 7 days ago is read as consecutive windows of at most
7 days, oldest window first, each followed through its cursor pages to its end. The last
window sends ``startTime`` alone (it covers ``[startTime, startTime + 7 days]``, which
reaches past the present), so fills made while the pages are read are not cut off by an
``endTime`` taken from a clock. Within a window the pages run newest to oldest; a window's
rows are reversed to oldest first, windows are concatenated, and an ``execId`` seen twice
(a window edge, a page boundary that moved) is kept once.

Work: one request per window plus one per further page of 100 rows, i.e. at most
``ceil((now - since) / 7 days) + executions / 100 + 1`` requests, each charged to the
per-UID ``execution-list`` pool (50/s, endpoints.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from exchangekit.models import Fill

__all__ = ["PAGE", "RETENTION_MS", "WINDOW_MS", "Page", "executions_since"]

PAGE = 100
"""Bybit's largest ``limit`` on the execution list."""
WINDOW_MS = 7 * 24 * 3600 * 1000
"""``endTime - startTime <= 7 days``."""
RETENTION_MS = 2 * 365 * 24 * 3600 * 1000
"""Executions are kept two years ("Get Execution (2 years)"): older windows hold nothing."""


@dataclass(frozen=True, slots=True)
class Page:
    """One answer: its trade fills in Bybit's order (newest first) and ``nextPageCursor``."""

    fills: list[Fill]
    cursor: str


FetchPage = Callable[[dict[str, Any]], Awaitable[Page]]


async def executions_since(
    fetch: FetchPage,
    *,
    since_ms: int,
    now_ms: int,
    limit: int | None = None,
    page_size: int = PAGE,
    window_ms: int = WINDOW_MS,
) -> list[Fill]:
    """Every execution from ``since_ms`` on, oldest first (``limit``: the first that many).

    ``fetch`` sends one request with the given extra parameters (``startTime``, maybe
    ``endTime`` and ``cursor``, and ``limit``) and returns that page. ``now_ms`` is the
    exchange's time: it decides which window is the last one.
    """
    out: list[Fill] = []
    seen: set[str] = set()
    start = max(since_ms, now_ms - RETENTION_MS)
    while not (limit is not None and len(out) >= limit):
        last = start + window_ms >= now_ms
        params: dict[str, Any] = {"startTime": start, "limit": page_size}
        if not last:
            params["endTime"] = start + window_ms
        for fill in reversed(await _window(fetch, params)):
            if fill.trade_id not in seen and fill.timestamp_ms >= since_ms:
                seen.add(fill.trade_id)
                out.append(fill)
        if last:
            break
        start += window_ms + 1
    return out if limit is None else out[:limit]


async def _window(fetch: FetchPage, params: dict[str, Any]) -> list[Fill]:
    """All pages of one window, newest first, following ``nextPageCursor`` to its end."""
    rows: list[Fill] = []
    asked: set[str] = set()
    page = await fetch(params)
    rows.extend(page.fills)
    # Funding and settlement rows are not fills, so a page may map to none: only the
    # cursor ends a window (or one asked for already, which would loop).
    while page.cursor and page.cursor not in asked:
        asked.add(page.cursor)
        page = await fetch({**params, "cursor": page.cursor})
        rows.extend(page.fills)
    return rows
