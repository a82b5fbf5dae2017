"""``get_fills(since_ms=...)`` reads the whole history from ``since_ms`` across Binance's
time-window and page limits (spot 24 h, futures 7 days, 1000 trades a page).

The property tests run the pager against a model of the documented rules that refuses what
Binance refuses; the end-to-end tests run the client against the emulator, which enforces
the same rules (-1127, -1128).
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, Literal

import pytest
from exchangekit_binance.history import SPOT_WINDOW_MS, USDM_WINDOW_MS, trades_since
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import Fill, OrderRequest, OrderType, Side
from exchangekit.testing.fixtures import running_emulator
from tests.adapters.binance.test_emulator_rest import emulator, signed

HOUR_MS = 3_600_000
NOW_MS = 1_800_000_000_000


class ModelBinance:
    """One symbol's trade list as Binance serves it (ids ascend with time)."""

    def __init__(self, times: list[int], *, window_ms: int, from_id_alone: bool) -> None:
        self.trades = [_fill(i + 1, t) for i, t in enumerate(sorted(times))]
        self.window_ms = window_ms
        self.from_id_alone = from_id_alone
        self.requests: list[dict[str, Any]] = []

    async def fetch(self, params: dict[str, Any]) -> list[Fill]:
        self.requests.append(params)
        limit = params["limit"]
        assert 1 <= limit <= 1000
        start, end, from_id = params.get("startTime"), params.get("endTime"), params.get("fromId")
        if start is not None and end is not None:
            assert end - start <= self.window_ms, "-1127 More than N hours between start and end"
        if from_id is not None:
            assert not (self.from_id_alone and (start or end)), "-1128 fromId with a time range"
            return [f for f in self.trades if int(f.trade_id) >= from_id][:limit]
        assert start is not None and end is not None, "the pager always bounds its windows"
        assert start <= end
        return [f for f in self.trades if start <= f.timestamp_ms <= end][:limit]


def _fill(trade_id: int, time_ms: int) -> Fill:
    return Fill(
        symbol="BTC/USDT", trade_id=str(trade_id), order_id="1", client_order_id=None,
        side=Side.BUY, price=Decimal(60000), quantity=Decimal("0.001"), timestamp_ms=time_ms,
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    offsets_h=st.lists(st.integers(0, 24 * 40), max_size=60),
    since_h=st.integers(0, 24 * 40),
    page_size=st.integers(1, 7),
    limit=st.none() | st.integers(1, 30),
    futures=st.booleans(),
)
def test_every_trade_since_is_read_once_in_order_within_the_documented_rules(
    offsets_h: list[int], since_h: int, page_size: int, limit: int | None, futures: bool
) -> None:
    # Trades spread over 40 days before NOW; several may share one millisecond.
    times = [NOW_MS - h * HOUR_MS for h in offsets_h]
    since = NOW_MS - since_h * HOUR_MS
    window = USDM_WINDOW_MS if futures else SPOT_WINDOW_MS
    model = ModelBinance(times, window_ms=window, from_id_alone=futures)

    got = asyncio.run(
        trades_since(
            model.fetch, since_ms=since, now_ms=NOW_MS, window_ms=window, limit=limit,
            page_size=page_size,
        )
    )  # fmt: skip

    expected = [f for f in model.trades if f.timestamp_ms >= since]
    assert got == (expected if limit is None else expected[:limit])
    # Bounded work: one request a window up to the first full page, then one a page.
    # Bounded work: (a probe for the oldest trade when far back,) one request a window from
    # where the history begins up to the first full page, then one a page.
    begins = since
    if (NOW_MS - since) // window >= 3 and model.trades:
        begins = max(since, model.trades[0].timestamp_ms)
    windows = (NOW_MS - begins) // window + 1
    assert len(model.requests) <= windows + len(expected) // page_size + 2


def test_a_quiet_month_then_trades_today_are_found() -> None:
    """The case a single request lost: nothing in the first day after ``since``. The oldest
    trade is asked for first, so the month of empty days costs nothing."""
    model = ModelBinance([NOW_MS - HOUR_MS], window_ms=SPOT_WINDOW_MS, from_id_alone=False)
    since = NOW_MS - 30 * 24 * HOUR_MS
    got = asyncio.run(
        trades_since(model.fetch, since_ms=since, now_ms=NOW_MS, window_ms=SPOT_WINDOW_MS)
    )
    assert [f.timestamp_ms for f in got] == [NOW_MS - HOUR_MS]
    assert model.requests[0] == {"fromId": 0, "limit": 1}
    assert len(model.requests) == 2


@pytest.mark.parametrize("window", [SPOT_WINDOW_MS, USDM_WINDOW_MS])
def test_since_the_epoch_costs_a_few_requests_not_one_a_window(window: int) -> None:
    times = [NOW_MS - 40 * 24 * HOUR_MS, NOW_MS - 20 * 24 * HOUR_MS, NOW_MS - HOUR_MS]
    model = ModelBinance(times, window_ms=window, from_id_alone=window == USDM_WINDOW_MS)
    got = asyncio.run(trades_since(model.fetch, since_ms=0, now_ms=NOW_MS, window_ms=window))
    assert [f.timestamp_ms for f in got] == sorted(times)
    assert len(model.requests) <= 2 + 41 * 24 * HOUR_MS // window
    empty = ModelBinance([], window_ms=window, from_id_alone=False)
    assert asyncio.run(trades_since(empty.fetch, since_ms=0, now_ms=NOW_MS, window_ms=window)) == []
    assert len(empty.requests) == 1


def test_a_busy_window_is_followed_by_trade_id_to_the_present() -> None:
    times = [NOW_MS - 2 * HOUR_MS] * 2500 + [NOW_MS - HOUR_MS] * 10
    model = ModelBinance(times, window_ms=USDM_WINDOW_MS, from_id_alone=True)
    got = asyncio.run(
        trades_since(
            model.fetch, since_ms=NOW_MS - 3 * HOUR_MS, now_ms=NOW_MS, window_ms=USDM_WINDOW_MS
        )
    )
    assert [int(f.trade_id) for f in got] == list(range(1, 2511))
    assert [r.get("fromId") for r in model.requests] == [None, 1001, 2001]


# -- end to end against the emulator ---------------------------------------------------------


@pytest.mark.parametrize(("adapter", "symbol"), [("binance", "BTC/USDT"),
                                                 ("binanceusdm", "BTC/USDT:USDT")])  # fmt: skip
async def test_fills_since_days_ago_come_back_without_a_refused_range(
    adapter: str, symbol: str
) -> None:
    async with running_emulator(adapter) as (server, client):
        ticker = await client.get_ticker(symbol)
        assert ticker.ask is not None
        request = OrderRequest(
            symbol=symbol, side=Side.BUY, type=OrderType.MARKET, quantity=Decimal("0.002"),
            client_order_id="hist-1",
        )  # fmt: skip
        order = await client.place_order(request)
        since = server.now_ms() - 10 * 24 * HOUR_MS
        fills = await client.get_fills(symbol, since_ms=since)
        # Trade lists carry the order id only (no client id on Binance's myTrades/userTrades).
        assert fills and {f.order_id for f in fills} == {order.order_id}
        assert sum(f.quantity for f in fills) == Decimal("0.002")
        assert await client.get_fills(symbol, since_ms=since, limit=1) == fills[:1]


@pytest.mark.parametrize(
    ("market", "path", "window_h"),
    [("spot", "/api/v3/myTrades", 24), ("usdm", "/fapi/v1/userTrades", 24 * 7)],
)
async def test_the_emulator_refuses_a_range_longer_than_binance_allows(
    market: Literal["spot", "usdm"], path: str, window_h: int
) -> None:
    async with emulator(market) as emu:
        start = emu.server.now_ms() - 40 * 24 * HOUR_MS
        params = {"symbol": "BTCUSDT", "startTime": start, "endTime": start + window_h * HOUR_MS}
        ok = await emu.http.get(f"{path}?{signed(emu.server, params)}")
        assert ok.status_code == 200, ok.text
        params["endTime"] += 1
        refused = await emu.http.get(f"{path}?{signed(emu.server, params)}")
        assert (refused.status_code, refused.json()["code"]) == (400, -1127)
        if market == "usdm":
            both = {"symbol": "BTCUSDT", "fromId": 1, "startTime": start}
            mixed = await emu.http.get(f"{path}?{signed(emu.server, both)}")
            assert (mixed.status_code, mixed.json()["code"]) == (400, -1128)
