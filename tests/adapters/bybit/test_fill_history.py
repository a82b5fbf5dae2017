"""``get_fills(since_ms=...)`` reads every execution from ``since_ms`` across Bybit's 7-day
ranges and 100-row cursor pages (newest first).

The property tests run the pager against a model of the documented rules that refuses what
Bybit refuses; the end-to-end tests run the client against the emulator, which pages and
bounds ranges the same way (and refuses a range over 7 days or a limit over 100).
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import pytest
from exchangekit_bybit.history import RETENTION_MS, WINDOW_MS, Page, executions_since
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import Fill, OrderRequest, OrderType, Side
from exchangekit.testing.faults import FaultKind, FaultPlan, FaultRule
from tests.adapters.bybit._emulated import VENUES, emulated
from tests.adapters.bybit.test_emulator import served, signed_get_headers

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
NOW_MS = 1_800_000_000_000
ACCOUNT = "bybit-uta"


class ModelBybit:
    """One symbol's execution list as the docs describe it (order/execution)."""

    def __init__(self, times: list[int], *, now_ms: int = NOW_MS) -> None:
        self.fills = [_fill(i + 1, t) for i, t in enumerate(sorted(times))]
        self.now_ms = now_ms
        self.requests: list[dict[str, Any]] = []

    async def fetch(self, params: dict[str, Any]) -> Page:
        self.requests.append(params)
        limit = params["limit"]
        assert 1 <= limit <= 100, "10001 limit out of [1, 100]"
        start: int | None = params.get("startTime")
        end: int | None = params.get("endTime")
        if start is None and end is None:
            low, high = self.now_ms - WINDOW_MS, self.now_ms
        elif end is None:
            low, high = start, start + WINDOW_MS
        elif start is None:
            assert end is not None
            low, high = end - WINDOW_MS, end
        else:
            assert 0 <= end - start <= WINDOW_MS, "10001 range over 7 days"
            low, high = start, end
        below = int(params["cursor"]) if "cursor" in params else len(self.fills)
        newest_first = [
            (i, f)
            for i, f in reversed(list(enumerate(self.fills)))
            if i < below and low <= f.timestamp_ms <= high
        ]
        chosen = newest_first[:limit]
        more = len(newest_first) > limit
        return Page([f for _, f in chosen], str(chosen[-1][0]) if more else "")


def _fill(trade_id: int, time_ms: int) -> Fill:
    return Fill(
        symbol="BTC/USDT", trade_id=f"e-{trade_id}", order_id="1", client_order_id=None,
        side=Side.BUY, price=Decimal(60000), quantity=Decimal("0.001"), timestamp_ms=time_ms,
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    offsets_h=st.lists(st.integers(0, 24 * 40), max_size=60),
    since_h=st.integers(0, 24 * 40),
    page_size=st.integers(1, 7),
    limit=st.none() | st.integers(1, 30),
)
def test_every_execution_since_is_read_once_in_order_within_the_documented_rules(
    offsets_h: list[int], since_h: int, page_size: int, limit: int | None
) -> None:
    # Executions spread over 40 days before NOW; several may share one millisecond.
    model = ModelBybit([NOW_MS - h * HOUR_MS for h in offsets_h])
    since = NOW_MS - since_h * HOUR_MS

    got = asyncio.run(
        executions_since(
            model.fetch, since_ms=since, now_ms=NOW_MS, limit=limit, page_size=page_size
        )
    )

    expected = [f for f in model.fills if f.timestamp_ms >= since]
    assert got == (expected if limit is None else expected[:limit])
    # Bounded work: one request a window, plus one a further page.
    windows = (NOW_MS - since) // WINDOW_MS + 1
    assert len(model.requests) <= windows + len(expected) // page_size + 1


def test_a_quiet_month_then_executions_today_are_found_in_five_windows() -> None:
    """The case the old single request lost: ``startTime`` alone covers only 7 days."""
    model = ModelBybit([NOW_MS - HOUR_MS])
    since = NOW_MS - 30 * DAY_MS
    got = asyncio.run(executions_since(model.fetch, since_ms=since, now_ms=NOW_MS))
    assert [f.timestamp_ms for f in got] == [NOW_MS - HOUR_MS]
    assert len(model.requests) == 5
    *bounded, last = model.requests
    assert all(r["endTime"] - r["startTime"] == WINDOW_MS for r in bounded)
    assert "endTime" not in last  # the last window reaches the present


def test_a_busy_window_is_followed_through_its_cursor_pages() -> None:
    model = ModelBybit([NOW_MS - 2 * HOUR_MS] * 250 + [NOW_MS - HOUR_MS] * 10)
    got = asyncio.run(executions_since(model.fetch, since_ms=NOW_MS - DAY_MS, now_ms=NOW_MS))
    assert [f.trade_id for f in got] == [f"e-{i}" for i in range(1, 261)]
    assert [r.get("cursor") for r in model.requests] == [None, "160", "60"]


def test_history_older_than_bybit_keeps_is_not_asked_for() -> None:
    model = ModelBybit([NOW_MS - 400 * DAY_MS, NOW_MS - DAY_MS])
    got = asyncio.run(executions_since(model.fetch, since_ms=0, now_ms=NOW_MS))
    assert len(got) == 2
    assert model.requests[0]["startTime"] == NOW_MS - RETENTION_MS
    assert len(model.requests) == RETENTION_MS // WINDOW_MS + 1


def test_an_execution_on_a_window_edge_or_repeated_across_pages_comes_back_once() -> None:
    class Repeating(ModelBybit):
        async def fetch(self, params: dict[str, Any]) -> Page:
            page = await super().fetch(params)
            # The page boundary moved: the next page repeats this page's oldest row.
            if page.cursor:
                return Page(page.fills, str(int(page.cursor) + 1))
            return page

    model = Repeating([NOW_MS - 10 * DAY_MS + 1] * 3 + [NOW_MS - HOUR_MS] * 5)
    got = asyncio.run(
        executions_since(model.fetch, since_ms=NOW_MS - 17 * DAY_MS, now_ms=NOW_MS, page_size=2)
    )
    assert [f.trade_id for f in got] == [f"e-{i}" for i in range(1, 9)]


# -- end to end against the emulator ---------------------------------------------------------


@pytest.mark.parametrize("adapter", sorted(VENUES))
async def test_more_than_a_page_of_fills_since_weeks_ago_comes_back_once_oldest_first(
    adapter: str,
) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (server, dialect, client):
        instrument = (await client.load_instruments())[symbol]
        quantity = max(instrument.min_quantity, Decimal("0.002"))  # over linear's 100 USDT
        dialect.sim.deposit(ACCOUNT, "USDT", Decimal(1_000_000))
        since = server.now_ms() - 20 * DAY_MS  # three windows
        _trade(dialect, symbol, 130, quantity)
        truth = dialect.sim.fills(ACCOUNT, symbol)
        assert len(truth) > 100  # more than one page

        fills = await client.get_fills(symbol, since_ms=since)

        assert [f.trade_id for f in fills] == [f.trade_id for f in truth]
        assert await client.get_fills(symbol, since_ms=since, limit=3) == fills[:3]
        latest = await client.get_fills(symbol)  # one page, the newest 100, oldest first
        assert {f.trade_id for f in latest} == {f.trade_id for f in truth[-100:]}
        assert [f.timestamp_ms for f in latest] == sorted(f.timestamp_ms for f in latest)


async def test_a_5xx_on_a_cursor_page_is_read_again_and_nothing_is_skipped() -> None:
    symbol = VENUES["bybit"]
    # Three windows, then the cursor page of the third: that one answers 503 once.
    lost = FaultRule(kind=FaultKind.HTTP_5XX, target="/v5/execution/list", after=3, times=1)
    plan = FaultPlan([lost])
    async with emulated("bybit", faults=plan) as (server, dialect, client):
        dialect.sim.deposit(ACCOUNT, "USDT", Decimal(1_000_000))
        _trade(dialect, symbol, 120)
        truth = dialect.sim.fills(ACCOUNT, symbol)

        fills = await client.get_fills(symbol, since_ms=server.now_ms() - 20 * DAY_MS)

        assert plan.count(FaultKind.HTTP_5XX) == 1
        assert [f.trade_id for f in fills] == [f.trade_id for f in truth]


class JumpClock:
    """Real time shifted by ``offset_ms``: the exchange's clock jumps when a test says so."""

    def __init__(self, offset_ms: int) -> None:
        self.offset_ms = offset_ms

    def monotonic(self) -> float:
        return time.monotonic()

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset_ms

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def test_fills_ten_days_ago_and_a_busy_today_are_read_across_windows() -> None:
    symbol = VENUES["bybit"]
    clock = JumpClock(-10 * DAY_MS)
    # Hourly market ticks: catching up ten days after the jump takes a few hundred steps.
    async with emulated("bybit", clock=clock, tick_ms=HOUR_MS) as (server, dialect, client):
        dialect.sim.deposit(ACCOUNT, "USDT", Decimal(1_000_000))
        _trade(dialect, symbol, 30)  # ten days ago
        clock.offset_ms = 0  # the present: the client's own clock agrees again
        now = server.now_ms()
        dialect.sim.step(now)
        _trade(dialect, symbol, 120)
        truth = dialect.sim.fills(ACCOUNT, symbol)
        old = [f for f in truth if f.timestamp_ms < now - WINDOW_MS]
        assert len(old) >= 30 and len(truth) - len(old) > 100

        fills = await client.get_fills(symbol, since_ms=now - 12 * DAY_MS)

        assert [f.trade_id for f in fills] == [f.trade_id for f in truth]


def _trade(dialect: Any, symbol: str, count: int, quantity: Decimal = Decimal("0.002")) -> None:
    """``count`` market orders straight into the simulated exchange (no rate limit)."""
    for i in range(count):
        side = Side.BUY if i % 2 == 0 else Side.SELL
        request = OrderRequest(symbol=symbol, side=side, type=OrderType.MARKET, quantity=quantity)
        dialect.sim.place_order(ACCOUNT, request)


async def _executions(http: Any, query: str) -> dict[str, Any]:
    response = await http.get(f"/v5/execution/list?{query}", headers=signed_get_headers(query))
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_the_emulator_refuses_a_range_over_7_days_and_a_limit_over_100() -> None:
    async with served() as (_, http):
        start = time.time_ns() // 1_000_000 - 30 * DAY_MS
        week = f"category=spot&symbol=BTCUSDT&startTime={start}&endTime={start + WINDOW_MS}"
        assert (await _executions(http, week))["retCode"] == 0
        longer = f"category=spot&symbol=BTCUSDT&startTime={start}&endTime={start + WINDOW_MS + 1}"
        refused = await _executions(http, longer)
        assert refused["retCode"] == 10001 and "7 days" in refused["retMsg"]
        too_many = await _executions(http, "category=spot&symbol=BTCUSDT&limit=101")
        assert too_many["retCode"] == 10001
