"""The account's fills from a point in time, across OKX's two fill lists and their pages.

OKX serves fills from two endpoints (OKD, Order book trading > Trade):

- ``GET /api/v5/trade/fills``, "Transaction details (last 3 days)", 60 requests / 2 s per
  user id;
- ``GET /api/v5/trade/fills-history``, "Transaction details (last 3 months)", 10 requests /
  2 s per user id, ``instType`` required ("We advise you to use Get Transaction details
  (last 3 days) when you request data for recent 3 days").

Both answer newest first, at most ``limit`` = 100 rows ("The maximum is 100"), and page by
bill id: ``after`` = "records earlier than the requested ``billId``", ``before`` = newer.
``begin`` / ``end`` "Filter with a begin / end timestamp ``ts``"; the docs do not say
whether they are inclusive, so ``begin`` is sent one millisecond early and the rows are
filtered here (``ts`` is the row's generation time, at or after its ``fillTime``).

So the part of the history older than the last 3 days (less a margin for clock skew) is
read from ``fills-history`` with ``end`` at that boundary, the rest from ``trade/fills``;
each is followed page by page with ``after`` = the oldest bill id seen until a short page.
A bill id met twice (the boundary, should both lists hold it) is kept once. Nothing older
than 3 months exists to be read.

Work: one request per 100 fills of each part plus one per part; a history that starts
within the last 3 days never touches ``fills-history``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from exchangekit.models import Fill

__all__ = ["MARGIN_MS", "PAGE", "RECENT_MS", "Row", "fills_since"]

PAGE = 100
"""OKX's largest ``limit`` on both fill lists."""
RECENT_MS = 3 * 24 * 3600 * 1000
"""``trade/fills`` covers the last 3 days."""
MARGIN_MS = 3600 * 1000
"""The boundary between the two lists sits this far inside the 3 days (clock skew)."""

Row = tuple[str, Fill]
"""A fill with its ``billId`` (the page cursor)."""
FetchPage = Callable[[dict[str, Any]], Awaitable[list[Row]]]


async def fills_since(
    recent: FetchPage,
    archive: FetchPage,
    *,
    since_ms: int,
    now_ms: int,
    limit: int | None = None,
    page_size: int = PAGE,
) -> list[Fill]:
    """Every fill from ``since_ms`` on, oldest first (``limit``: the first that many).

    ``recent`` asks ``trade/fills`` and ``archive`` asks ``trade/fills-history``, each with
    the given extra parameters (``begin``, maybe ``end`` and ``after``, ``limit``), and
    returns that page's rows in OKX's order (newest first). ``now_ms`` is the exchange's time.
    """
    boundary = now_ms - RECENT_MS + MARGIN_MS
    out: list[Fill] = []
    seen: set[str] = set()

    def keep(rows: list[Row]) -> None:
        for bill_id, fill in rows:
            if bill_id not in seen and fill.timestamp_ms >= since_ms:
                seen.add(bill_id)
                out.append(fill)

    if since_ms < boundary:
        keep(await _oldest_first(archive, since_ms - 1, boundary, page_size))
    if limit is None or len(out) < limit:
        keep(await _oldest_first(recent, max(since_ms, boundary) - 1, None, page_size))
    return out if limit is None else out[:limit]


async def _oldest_first(fetch: FetchPage, begin: int, end: int | None, page_size: int) -> list[Row]:
    """One list's rows after ``begin`` (up to ``end``), read to a short page; oldest first."""
    params: dict[str, Any] = {"begin": str(begin), "limit": str(page_size)}
    if end is not None:
        params["end"] = str(end)
    page = await fetch(params)
    rows = list(page)
    asked: set[str] = set()
    # A full page means more may follow; a cursor asked for once already would loop.
    while len(page) >= page_size and page[-1][0] not in asked:
        asked.add(page[-1][0])
        page = await fetch({**params, "after": page[-1][0]})
        rows += page
    rows.reverse()
    return rows
