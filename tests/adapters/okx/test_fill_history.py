"""``get_fills(since_ms=...)`` reads every fill from ``since_ms``: the last 3 days from
``trade/fills``, anything older from ``trade/fills-history`` (3 months), each newest first
in pages of 100 followed by ``after`` = the oldest bill id.

The property tests run the pager against a model of the documented rules (either reading
of whether ``begin``/``end`` are inclusive, which the docs leave open); the end-to-end
tests run the client against the emulator, which serves both lists the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s
from exchangekit_okx.client import OkxClient
from exchangekit_okx.emulator import OkxDialect
from exchangekit_okx.emulator_rest import Call
from exchangekit_okx.history import MARGIN_MS, RECENT_MS, Row, fills_since
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import Fill, MappingError, OrderRequest, OrderType, Side
from exchangekit.mapping import decoder
from exchangekit.testing.faults import FaultKind, FaultPlan, FaultRule
from exchangekit.testing.fixtures import running_emulator
from exchangekit.testing.server import EmulatorServer
from tests.adapters.okx import _payloads as payloads
from tests.adapters.okx.test_emulator import serving, signed

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
ARCHIVE_MS = 90 * DAY_MS
NOW_MS = 1_800_000_000_000
ACCOUNT = "okx"
VENUES = {"okx": "BTC/USDT", "okxswap": "BTC/USDT:USDT"}


class ModelOkx:
    """One instrument's fills as OKX's two lists serve them. ``ts`` (what ``begin``/``end``
    filter on) may trail ``fillTime`` (the fill's time) by a millisecond."""

    def __init__(self, times: list[int], lags: list[int], *, inclusive: bool) -> None:
        ordered = sorted(times)
        self.fills = [_fill(i + 1, t) for i, t in enumerate(ordered)]
        self.ts = {
            f.trade_id: f.timestamp_ms + lag for f, lag in zip(self.fills, lags, strict=True)
        }
        self.bills = {f.trade_id: 5_000 + 3 * i for i, f in enumerate(self.fills)}
        self.inclusive = inclusive
        self.requests: dict[str, list[dict[str, Any]]] = {"recent": [], "archive": []}

    async def recent(self, params: dict[str, Any]) -> list[Row]:
        self.requests["recent"].append(params)
        return self._page(params, kept_ms=RECENT_MS)

    async def archive(self, params: dict[str, Any]) -> list[Row]:
        self.requests["archive"].append(params)
        return self._page(params, kept_ms=ARCHIVE_MS)

    def _page(self, params: dict[str, Any], *, kept_ms: int) -> list[Row]:
        limit = int(params["limit"])
        assert 1 <= limit <= 100
        begin = int(params["begin"]) if "begin" in params else None
        end = int(params["end"]) if "end" in params else None
        after = int(params["after"]) if "after" in params else None
        rows = []
        for f in reversed(self.fills):
            ts, bill = self.ts[f.trade_id], self.bills[f.trade_id]
            if ts < NOW_MS - kept_ms:
                continue
            if begin is not None and not (ts >= begin if self.inclusive else ts > begin):
                continue
            if end is not None and not (ts <= end if self.inclusive else ts < end):
                continue
            if after is not None and bill >= after:
                continue
            rows.append((str(bill), f))
        return rows[:limit]


def _fill(trade_id: int, time_ms: int) -> Fill:
    return Fill(
        symbol="BTC/USDT", trade_id=str(trade_id), order_id="1", client_order_id=None,
        side=Side.BUY, price=Decimal(60000), quantity=Decimal("0.001"), timestamp_ms=time_ms,
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    data=st.data(),
    offsets_h=st.lists(st.integers(0, 24 * 100), max_size=60),
    since_h=st.integers(0, 24 * 100),
    page_size=st.integers(1, 7),
    limit=st.none() | st.integers(1, 30),
    inclusive=st.booleans(),
)
def test_every_fill_kept_since_is_read_once_in_order_from_the_right_list(
    data: st.DataObject,
    offsets_h: list[int],
    since_h: int,
    page_size: int,
    limit: int | None,
    inclusive: bool,
) -> None:
    # Fills over 100 days (OKX keeps 90); some share a millisecond, some land on the edge
    # between the two lists.
    edge = NOW_MS - RECENT_MS + MARGIN_MS
    times = [NOW_MS - h * HOUR_MS for h in offsets_h] + [edge - 1, edge, edge + 1]
    lags = data.draw(st.lists(st.integers(0, 1), min_size=len(times), max_size=len(times)))
    model = ModelOkx(times, lags, inclusive=inclusive)
    since = NOW_MS - since_h * HOUR_MS

    got = asyncio.run(
        fills_since(
            model.recent, model.archive, since_ms=since, now_ms=NOW_MS, limit=limit,
            page_size=page_size,
        )
    )  # fmt: skip

    kept = [f for f in model.fills if model.ts[f.trade_id] >= NOW_MS - ARCHIVE_MS]
    expected = [f for f in kept if f.timestamp_ms >= since]
    assert got == (expected if limit is None else expected[:limit])
    if since >= edge:
        assert model.requests["archive"] == []  # the last 3 days: trade/fills alone
    # Bounded work: per list, one request a full page plus the short one that ends it.
    asked = len(model.requests["recent"]) + len(model.requests["archive"])
    assert asked <= 2 + (len(expected) + 3) // page_size + 1


def test_a_busy_day_is_read_page_by_page_with_after_the_oldest_bill_id() -> None:
    model = ModelOkx([NOW_MS - HOUR_MS] * 250, [0] * 250, inclusive=False)
    got = asyncio.run(
        fills_since(model.recent, model.archive, since_ms=NOW_MS - DAY_MS, now_ms=NOW_MS)
    )
    assert [f.trade_id for f in got] == [str(i) for i in range(1, 251)]
    assert [r.get("after") for r in model.requests["recent"]] == [None, "5450", "5150"]
    assert model.requests["archive"] == []


def test_a_week_of_history_reads_the_archive_up_to_the_last_three_days() -> None:
    times = [NOW_MS - 6 * DAY_MS, NOW_MS - 2 * DAY_MS]
    model = ModelOkx(times, [0, 0], inclusive=True)
    since = NOW_MS - 7 * DAY_MS
    got = asyncio.run(fills_since(model.recent, model.archive, since_ms=since, now_ms=NOW_MS))
    assert [f.timestamp_ms for f in got] == times
    edge = NOW_MS - RECENT_MS + MARGIN_MS
    assert model.requests["archive"] == [
        {"begin": str(since - 1), "end": str(edge), "limit": "100"}
    ]
    assert model.requests["recent"] == [{"begin": str(edge - 1), "limit": "100"}]


# -- end to end against the emulator ---------------------------------------------------------


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


@contextlib.asynccontextmanager
async def emulated(
    adapter: str, **config: Any
) -> AsyncIterator[tuple[EmulatorServer, OkxDialect, OkxClient]]:
    async with running_emulator(adapter, **config) as (server, client):
        assert isinstance(client, OkxClient) and isinstance(server.dialect, OkxDialect)
        yield server, server.dialect, client


def _trade(dialect: OkxDialect, symbol: str, count: int, quantity: Decimal) -> None:
    """``count`` market orders straight into the simulated exchange (no rate limit)."""
    for i in range(count):
        side = Side.BUY if i % 2 == 0 else Side.SELL
        request = OrderRequest(symbol=symbol, side=side, type=OrderType.MARKET, quantity=quantity)
        dialect.sim.place_order(ACCOUNT, request)


@pytest.mark.parametrize("adapter", sorted(VENUES))
async def test_more_than_a_page_of_fills_today_come_back_once_oldest_first(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (server, dialect, client):
        quantity = (await client.load_instruments())[symbol].min_quantity * 2
        dialect.sim.deposit(ACCOUNT, "USDT", Decimal(1_000_000))
        _trade(dialect, symbol, 130, quantity)
        truth = dialect.sim.fills(ACCOUNT, symbol)
        assert len(truth) > 100

        fills = await client.get_fills(symbol, since_ms=server.now_ms() - 10 * DAY_MS)

        assert [f.trade_id for f in fills] == [f.trade_id for f in truth]
        since = truth[0].timestamp_ms
        assert await client.get_fills(symbol, since_ms=since, limit=3) == fills[:3]
        latest = await client.get_fills(symbol)  # one page of trade/fills, oldest first
        assert {f.trade_id for f in latest} == {f.trade_id for f in truth[-100:]}


async def test_a_5xx_on_a_page_after_a_bill_id_is_read_again_and_nothing_is_skipped() -> None:
    symbol = VENUES["okx"]
    # The first page of trade/fills passes; the one asked with ``after`` answers 503 once.
    lost = FaultRule(kind=FaultKind.HTTP_5XX, target="/api/v5/trade/fills", after=1, times=1)
    plan = FaultPlan([lost])
    async with emulated("okx", faults=plan) as (server, dialect, client):
        dialect.sim.deposit(ACCOUNT, "USDT", Decimal(1_000_000))
        _trade(dialect, symbol, 120, Decimal("0.002"))
        truth = dialect.sim.fills(ACCOUNT, symbol)

        fills = await client.get_fills(symbol, since_ms=server.now_ms() - DAY_MS)

        assert plan.count(FaultKind.HTTP_5XX) == 1
        assert [f.trade_id for f in fills] == [f.trade_id for f in truth]


async def test_fills_older_than_three_days_come_from_fills_history() -> None:
    symbol = VENUES["okx"]
    clock = JumpClock(-5 * DAY_MS)
    # Hourly market ticks: catching up five days after the jump takes a few hundred steps.
    async with emulated("okx", clock=clock, tick_ms=HOUR_MS) as (server, dialect, client):
        dialect.sim.deposit(ACCOUNT, "USDT", Decimal(1_000_000))
        quantity = Decimal("0.002")
        _trade(dialect, symbol, 40, quantity)  # five days ago
        clock.offset_ms = 0  # the present: the client's own clock agrees again
        server_now = server.now_ms()
        dialect.sim.step(server_now)
        _trade(dialect, symbol, 110, quantity)
        truth = dialect.sim.fills(ACCOUNT, symbol)
        old = [f for f in truth if f.timestamp_ms < server_now - RECENT_MS]
        assert len(old) >= 40 and len(truth) - len(old) > 100

        fills = await client.get_fills(symbol, since_ms=server_now - 6 * DAY_MS)

        assert [f.trade_id for f in fills] == [f.trade_id for f in truth]
        # trade/fills alone has only the last 3 days.
        recent = await client.get_fills(symbol, since_ms=server_now - RECENT_MS + 2 * HOUR_MS)
        assert [f.trade_id for f in recent] == [f.trade_id for f in truth[len(old) :]]
        before = {"instType": "SPOT", "instId": "BTC-USDT", "end": str(server_now - RECENT_MS)}
        call = Call(query=before, body=None, account=ACCOUNT)
        assert dialect.api.fills(call)["data"] == []
        assert len(dialect.api.fills_history(call)["data"]) == len(old)


async def test_the_emulator_wants_an_instrument_type_on_fills_history() -> None:
    async with serving() as (_, http):
        path = "/api/v5/trade/fills-history?instId=BTC-USDT"
        answer = (await http.get(path, headers=signed("GET", path))).json()
        assert answer["code"] == "50014"
        path = "/api/v5/trade/fills-history?instType=SPOT&instId=BTC-USDT"
        assert (await http.get(path, headers=signed("GET", path))).json()["code"] == "0"


def test_fills_carry_their_bill_ids_and_a_row_without_one_is_a_mapping_error() -> None:
    symbols = payloads.symbols()
    rows = m.fills_with_bill_ids(payloads.load("fills", s.Envelope[s.Fill]), symbols)
    assert [bill for bill, _ in rows] == ["680800019754098688", "680800019754098689"]
    assert [f for _, f in rows] == m.fills(payloads.load("fills", s.Envelope[s.Fill]), symbols)
    broken = payloads.obj("fills")
    del broken["data"][1]["billId"]
    envelope = decoder(s.Envelope[s.Fill], exchange="okx")(payloads.encode(broken))
    with pytest.raises(MappingError) as caught:
        m.fills_with_bill_ids(envelope, symbols)
    assert caught.value.path == "$.data[1].billId"
