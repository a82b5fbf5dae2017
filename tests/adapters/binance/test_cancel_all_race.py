"""Futures cancel-all tells the truth when the book moves under it.

Binance's ``DELETE /fapi/v1/allOpenOrders`` answers only ``{"code": 200}``; an order listed
open just before it may fill before the cancel lands. The client cancels the listed orders by
id (``DELETE /fapi/v1/batchOrders``), so each one comes back in Binance's own final state,
and reads back any order Binance did not cancel. These tests make the race happen on the
emulator: its simulated exchange fills an order right after the listing was answered.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import msgspec
import pytest
from exchangekit_binance import mappers as m
from exchangekit_binance.emulator import TEST_API_KEY, USDM_EMULATOR, BinanceDialect
from exchangekit_binance.emulator_wire import Call
from exchangekit_binance.endpoints import USDM
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import connect
from exchangekit.errors import MappingError
from exchangekit.models import Order, OrderRequest, OrderStatus, OrderType, Side
from exchangekit.testing.server import EmulatorServer
from tests.adapters.binance._payloads import raw
from tests.adapters.binance.test_emulator_rest import signed

SYMBOL = "BTC/USDT:USDT"
ACCOUNT = "binanceusdm"  # the emulator's default key trades for this sim account
QTY = Decimal("0.002")


class Race:
    """A futures emulator whose listings (``GET /fapi/v1/openAlgoOrders``, which the client
    reads after ``openOrders``) run ``after_listing`` once made, as if the market moved
    between the listing and the next request."""

    def __init__(self) -> None:
        self.dialect = BinanceDialect("usdm", history_minutes=0)
        self.after_listing: list[Callable[[], None]] = []
        trading = self.dialect.usdm_trading
        listed = trading.algo_open

        def algo_open(call: Call) -> Any:
            rows = listed(call)
            for step in self.after_listing:
                step()
            self.after_listing.clear()
            return rows

        trading.algo_open = algo_open  # type: ignore[method-assign]

    def fill_bids_at(self, price: Decimal) -> None:
        """Sellers arrive at ``price``: every resting buy at or above it fills."""
        self.dialect.sim.set_market(
            SYMBOL, bids=[(price - 100, Decimal(5))], asks=[(price, Decimal(5))]
        )

    def jump_to(self, price: Decimal) -> None:
        """The whole market moves to ``price`` (last trade, mark and book around it)."""
        self.dialect.sim.set_market(
            SYMBOL,
            bids=[(price - 1, Decimal(5))],
            asks=[(price + 1, Decimal(5))],
            last=price,
        )


@pytest.fixture
async def race() -> AsyncIterator[tuple[Race, Any, EmulatorServer]]:
    state = Race()
    async with EmulatorServer(state.dialect) as server:
        client = connect("binanceusdm", **USDM_EMULATOR.client_config(server))
        try:
            yield state, client, server
        finally:
            await client.close()


async def _resting_buys(client: Any, count: int) -> list[Order]:
    """``count`` buys below the market, one tick size apart, highest first."""
    ticker = await client.get_ticker(SYMBOL)
    assert ticker.bid is not None
    top = (ticker.bid - 50).quantize(Decimal("0.1"))
    return [
        await client.place_order(
            OrderRequest(
                symbol=SYMBOL, side=Side.BUY, type=OrderType.LIMIT, quantity=QTY,
                price=top - 10 * i, client_order_id=f"race-{i}",
            )
        )
        for i in range(count)
    ]  # fmt: skip


async def test_an_order_that_fills_between_listing_and_cancel_comes_back_filled(
    race: tuple[Race, Any, EmulatorServer],
) -> None:
    state, client, _ = race
    orders = await _resting_buys(client, 3)
    assert all(o.status is OrderStatus.OPEN for o in orders)
    state.after_listing.append(lambda: state.fill_bids_at(orders[0].price or Decimal(0)))

    outcome = {o.order_id: o for o in await client.cancel_all_orders(SYMBOL)}

    assert set(outcome) == {o.order_id for o in orders}
    filled = outcome[orders[0].order_id]
    assert filled.status is OrderStatus.FILLED, filled  # the old code said CANCELLED here
    assert filled.filled_quantity == QTY and filled.remaining_quantity == 0
    for order in orders[1:]:
        assert outcome[order.order_id].status is OrderStatus.CANCELLED
    assert state.dialect.sim.open_orders(ACCOUNT) == []
    (fill,) = state.dialect.sim.fills(ACCOUNT, SYMBOL)
    assert fill.order_id == orders[0].order_id  # the exchange agrees: it filled


async def test_orders_placed_after_the_listing_are_swept_but_not_reported(
    race: tuple[Race, Any, EmulatorServer],
) -> None:
    state, client, _ = race
    (first,) = await _resting_buys(client, 1)
    late: list[Order] = []

    def place_late() -> None:
        assert first.price is not None
        request = OrderRequest(
            symbol=SYMBOL, side=Side.BUY, type=OrderType.LIMIT, quantity=QTY,
            price=first.price - 100, client_order_id="late",
        )  # fmt: skip
        late.append(state.dialect.sim.place_order(ACCOUNT, request))

    state.after_listing.append(place_late)
    outcome = await client.cancel_all_orders(SYMBOL)

    assert [(o.order_id, o.status) for o in outcome] == [(first.order_id, OrderStatus.CANCELLED)]
    assert late and state.dialect.sim.open_orders(ACCOUNT) == []  # the sweep cancelled it
    swept = state.dialect.sim.get_order(ACCOUNT, order_id=late[0].order_id)
    assert swept.status is OrderStatus.CANCELLED


async def test_more_than_ten_open_orders_are_cancelled_in_batches_of_ten(
    race: tuple[Race, Any, EmulatorServer],
) -> None:
    state, client, _ = race
    orders = await _resting_buys(client, 12)
    outcome = await client.cancel_all_orders(SYMBOL)
    assert sorted(o.order_id for o in outcome) == sorted(o.order_id for o in orders)
    assert {o.status for o in outcome} == {OrderStatus.CANCELLED}
    assert state.dialect.sim.open_orders(ACCOUNT) == []


async def test_a_conditional_order_that_triggers_meanwhile_is_reported_unknown_not_cancelled(
    race: tuple[Race, Any, EmulatorServer],
) -> None:
    state, client, _ = race
    ticker = await client.get_ticker(SYMBOL)
    assert ticker.ask is not None
    trigger = (ticker.ask + 200).quantize(Decimal("0.1"))
    stop = await client.place_order(
        OrderRequest(
            symbol=SYMBOL, side=Side.BUY, type=OrderType.STOP_MARKET, quantity=QTY,
            stop_price=trigger, client_order_id="stop-1",
        )
    )  # fmt: skip
    (resting,) = await _resting_buys(client, 1)
    # The price jumps through the trigger: the stop leaves the Algo Service and buys.
    state.after_listing.append(lambda: state.jump_to(trigger + 50))

    outcome = {o.order_id: o for o in await client.cancel_all_orders(SYMBOL)}

    assert outcome[stop.order_id].status is OrderStatus.UNKNOWN  # not "cancelled"
    assert outcome[resting.order_id].status is OrderStatus.CANCELLED
    assert state.dialect.sim.open_orders(ACCOUNT) == []


def test_a_batch_cancel_weighs_one_and_counts_no_order() -> None:
    # BFD Cancel-Multiple-Orders: request weight 1, whatever the number of ids.
    endpoint = USDM.endpoints.cancel_batch_orders
    assert endpoint is not None
    costs = {c.pool.name: c.weight for c in endpoint.costs({"orderIdList": "[1,2,3]"})}
    assert costs == {"binance-usdm-request-weight-1m": 1}


# -- the emulator's DELETE /fapi/v1/batchOrders, on the wire -----------------------------------


async def test_the_emulator_answers_batch_cancels_per_order_as_binance_does(
    race: tuple[Race, Any, EmulatorServer],
) -> None:
    state, client, server = race
    orders = await _resting_buys(client, 3)
    state.fill_bids_at(orders[0].price or Decimal(0))
    ids = [int(orders[0].order_id), int(orders[1].order_id), 999_999_999]
    async with httpx.AsyncClient(
        base_url=server.http_url, headers={"X-MBX-APIKEY": TEST_API_KEY}
    ) as http:
        answer = await http.delete(
            "/fapi/v1/batchOrders?"
            + signed(server, {"symbol": "BTCUSDT", "orderIdList": str(ids).replace(" ", "")})
        )
        assert answer.status_code == 200, answer.text
        filled, cancelled, unknown = answer.json()
        assert filled == {"code": -2011, "msg": "Unknown order sent."}  # it had filled
        assert (cancelled["orderId"], cancelled["status"]) == (ids[1], "CANCELED")
        assert unknown == {"code": -2011, "msg": "Unknown order sent."}
        by_client_id = await http.delete(
            "/fapi/v1/batchOrders?"
            + signed(server, {"symbol": "BTCUSDT", "origClientOrderIdList": '["race-2"]'})
        )
        ((item),) = by_client_id.json()
        assert (item["clientOrderId"], item["status"]) == ("race-2", "CANCELED")

        eleven = "[" + ",".join(str(i) for i in range(1, 12)) + "]"
        too_many = await http.delete(
            "/fapi/v1/batchOrders?" + signed(server, {"symbol": "BTCUSDT", "orderIdList": eleven})
        )
        assert (too_many.status_code, too_many.json()["code"]) == (400, -1130)
        neither = await http.delete("/fapi/v1/batchOrders?" + signed(server, {"symbol": "BTCUSDT"}))
        assert (neither.status_code, neither.json()["code"]) == (400, -1102)


# -- the batch answer's mapper ---------------------------------------------------------------

_SYMBOLS = m.SymbolMap([("BTC/USDT:USDT", "BTCUSDT")])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 10**12), st.booleans()), min_size=1, max_size=10))
def test_each_batch_item_is_read_as_that_ids_outcome(items: list[tuple[int, bool]]) -> None:
    template = json.loads(raw("usdm_order_new")) | {"status": "CANCELED"}
    answer = [
        template | {"orderId": order_id}
        if cancelled
        else {"code": -2011, "msg": "Unknown order sent."}
        for order_id, cancelled in items
    ]
    ids = [str(order_id) for order_id, _ in items]
    wire = [msgspec.Raw(msgspec.json.encode(item)) for item in answer]
    got = m.usdm_batch_cancel(wire, ids, _SYMBOLS)
    for (order_id, cancelled), outcome in zip(items, got, strict=True):
        if cancelled:
            assert isinstance(outcome, Order) and outcome.order_id == str(order_id)
            assert outcome.status is OrderStatus.CANCELLED
        else:
            assert outcome == m.BatchRefusal(str(order_id), -2011, "Unknown order sent.")
    with pytest.raises(MappingError):
        m.usdm_batch_cancel(wire[:-1], ids, _SYMBOLS)  # an item short: nothing attributable
    if items[0][1]:
        with pytest.raises(MappingError):
            m.usdm_batch_cancel(wire, ["0", *ids[1:]], _SYMBOLS)  # another order's answer
