"""End to end over loopback: the real Bybit client pages through the emulator's cursors.

Bybit's ``nextPageCursor`` comes percent-encoded inside the JSON (``132766%3A2%2C132766%3A2``)
and the client sends it back as it came, so its own encoding of each ``%`` is what the server
decodes away. The emulator issues cursors of that shape; these tests check that the real
client's paging hands each one back unchanged and reads every row.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from exchangekit_bybit.emulator_orders import OrderHandlers
from exchangekit_bybit.emulator_rest import Call
from exchangekit_bybit.emulator_wire import Payload

from exchangekit import OrderRequest, OrderType, Side
from tests.adapters.bybit._emulated import VENUES, emulated

ACCOUNT = "bybit-uta"
BYBIT_CURSOR = re.compile(r"^\d+%3A\d+%2C\d+%3A\d+$")


class CursorSpy:
    """Records, for one handler, the cursor each call received and the one it answered."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
        self.asked: list[str | None] = []
        self.issued: list[str] = []
        real = getattr(OrderHandlers, name)

        def spied(handlers: OrderHandlers, call: Call) -> Payload:
            self.asked.append(call.text("cursor"))
            page: Payload = real(handlers, call)
            self.issued.append(page["nextPageCursor"])
            return page

        monkeypatch.setattr(OrderHandlers, name, spied)

    def check_round_trips(self) -> None:
        """Every cursor issued has Bybit's shape and came back, byte for byte, next call."""
        cursors = [c for c in self.issued if c]
        assert cursors and all(BYBIT_CURSOR.match(c) for c in cursors), self.issued
        assert self.asked[1:] == self.issued[:-1]
        assert self.asked[0] is None and self.issued[-1] == ""


async def test_get_fills_follows_bybit_shaped_cursors_and_reads_every_fill(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = CursorSpy(monkeypatch, "executions")
    symbol = VENUES["bybit"]
    async with emulated("bybit", tick_ms=60_000) as (server, dialect, client):
        for i in range(130):  # straight into the simulator: two pages of at most 100
            side = Side.BUY if i % 2 == 0 else Side.SELL
            request = OrderRequest(
                symbol=symbol, side=side, type=OrderType.MARKET, quantity=Decimal("0.002")
            )
            dialect.sim.place_order(ACCOUNT, request)
        truth = dialect.sim.fills(ACCOUNT, symbol)
        assert len(truth) > 100

        fills = await client.get_fills(symbol, since_ms=server.now_ms() - 3_600_000)

    assert [f.trade_id for f in fills] == [f.trade_id for f in truth]
    spy.check_round_trips()


@pytest.mark.parametrize("adapter", list(VENUES))
async def test_get_open_orders_reads_past_the_first_page_of_50(
    adapter: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = CursorSpy(monkeypatch, "realtime")
    symbol = VENUES[adapter]
    async with emulated(adapter, tick_ms=60_000) as (_, dialect, client):
        dialect.sim.deposit(ACCOUNT, "USDT", Decimal(1_000_000))
        instrument = (await client.load_instruments())[symbol]
        ticker = await client.get_ticker(symbol)
        assert ticker.bid is not None
        price = instrument.round_price(ticker.bid * Decimal("0.5"), mode="down")
        for _ in range(120):
            request = OrderRequest(
                symbol=symbol, side=Side.BUY, type=OrderType.LIMIT,
                quantity=instrument.floor_quantity(Decimal(200) / price) + instrument.step_size,
                price=price,
            )  # fmt: skip
            dialect.sim.place_order(ACCOUNT, request)
        truth = {o.order_id for o in dialect.sim.open_orders(ACCOUNT, symbol)}
        assert len(truth) == 120

        found = await client.get_open_orders(symbol)

    assert sorted(o.order_id for o in found) == sorted(truth)
    assert len(spy.asked) == 3  # 50 + 50 + 20
    spy.check_round_trips()
