"""Futures position mode (one-way vs hedge): read from Binance, checked before sending.

The client reads ``GET /fapi/v1/positionSide/dual`` once, refuses an order that does not fit
the mode with ``InvalidOrder`` before anything is sent, and reads the mode again after
Binance's -4061 (the user switched it in the UI meanwhile). The emulator keeps the mode per
account, switches it with ``POST /fapi/v1/positionSide/dual`` and refuses as Binance does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from exchangekit_binance import emulator as emulator_module
from exchangekit_binance import emulator_hedge
from exchangekit_binance.emulator import TEST_API_KEY, USDM_EMULATOR, BinanceDialect
from exchangekit_binance.emulator_wire import Call

from exchangekit import connect
from exchangekit.errors import InvalidOrder
from exchangekit.models import OrderRequest, OrderStatus, OrderType, PositionSide, Side
from exchangekit.testing.server import EmulatorServer
from tests.adapters.binance.test_emulator_rest import signed

SYMBOL = "BTC/USDT:USDT"
ACCOUNT = "binanceusdm"


class Venue:
    """A futures emulator that counts the orders and mode reads reaching it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.dialect = BinanceDialect("usdm", history_minutes=0)
        self.orders_received = 0
        self.mode_reads = 0
        trading = self.dialect.usdm_trading
        new_order = trading.new_order

        def counted_order(call: Call) -> Any:
            self.orders_received += 1
            return new_order(call)

        trading.new_order = counted_order  # type: ignore[method-assign]
        read_mode = emulator_hedge.position_mode

        def counted_mode(venue: Any, call: Call) -> Any:
            self.mode_reads += 1
            return read_mode(venue, call)

        monkeypatch.setattr(emulator_module, "position_mode", counted_mode)

    def switch_in_the_ui(self, hedge: bool) -> None:
        """What the user does on binance.com: no API call the client could see."""
        if hedge:
            self.dialect.venue.dual_side.add(ACCOUNT)
        else:
            self.dialect.venue.dual_side.discard(ACCOUNT)


@pytest.fixture
async def venue(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[Venue, Any, EmulatorServer, httpx.AsyncClient]]:
    state = Venue(monkeypatch)
    async with (
        EmulatorServer(state.dialect) as server,
        httpx.AsyncClient(base_url=server.http_url, headers={"X-MBX-APIKEY": TEST_API_KEY}) as http,
    ):
        client = connect("binanceusdm", **USDM_EMULATOR.client_config(server))
        try:
            yield state, client, server, http
        finally:
            await client.close()


def market_buy(**fields: Any) -> OrderRequest:
    values: dict[str, Any] = {"side": Side.BUY, "quantity": Decimal("0.002")}
    return OrderRequest(symbol=SYMBOL, type=OrderType.MARKET, **(values | fields))


async def test_one_way_account_refuses_long_short_locally_and_reads_the_mode_once(
    venue: tuple[Venue, Any, EmulatorServer, httpx.AsyncClient],
) -> None:
    state, client, _, _ = venue
    with pytest.raises(InvalidOrder, match="one-way mode"):
        await client.place_order(market_buy(position_side=PositionSide.LONG))
    assert state.orders_received == 0  # refused before sending
    order = await client.place_order(market_buy(client_order_id="ow-1"))
    assert order.status is OrderStatus.FILLED
    await client.place_order(market_buy(reduce_only=True, side=Side.SELL))
    assert (state.orders_received, state.mode_reads) == (2, 1)  # the mode was cached


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, "position_side must be long or short"),
        ({"position_side": PositionSide.BOTH}, "position_side must be long or short"),
        ({"position_side": PositionSide.LONG, "reduce_only": True}, "refuses reduce_only"),
    ],
)
async def test_hedge_account_refuses_what_binance_would_refuse_before_sending(
    venue: tuple[Venue, Any, EmulatorServer, httpx.AsyncClient],
    fields: dict[str, Any],
    reason: str,
) -> None:
    state, client, _, _ = venue
    state.switch_in_the_ui(hedge=True)
    with pytest.raises(InvalidOrder, match=reason):
        await client.place_order(market_buy(**fields))
    assert state.orders_received == 0
    order = await client.place_order(market_buy(position_side=PositionSide.LONG))
    assert order.status is OrderStatus.FILLED and order.position_side is PositionSide.LONG


async def test_a_mode_switched_in_the_ui_is_read_again_after_binance_refuses(
    venue: tuple[Venue, Any, EmulatorServer, httpx.AsyncClient],
) -> None:
    state, client, _, _ = venue
    await client.place_order(market_buy())  # one-way, as read
    state.switch_in_the_ui(hedge=True)
    with pytest.raises(InvalidOrder) as refused:
        await client.place_order(market_buy())  # the cached mode is stale: Binance says no
    assert refused.value.code == -4061
    with pytest.raises(InvalidOrder, match="hedge mode"):
        await client.place_order(market_buy())  # the mode was read again: refused locally
    assert state.mode_reads == 2
    assert state.orders_received == 2
    order = await client.place_order(market_buy(position_side=PositionSide.SHORT))
    assert order.position_side is PositionSide.SHORT and state.mode_reads == 2


# -- the emulator on the wire --------------------------------------------------------------------


async def _send(
    http: httpx.AsyncClient, server: EmulatorServer, method: str, path: str, **params: object
) -> tuple[int, Any]:
    answer = await http.request(method, f"{path}?{signed(server, params)}")
    return answer.status_code, answer.json()


async def test_the_emulator_switches_modes_and_refuses_as_binance_does(
    venue: tuple[Venue, Any, EmulatorServer, httpx.AsyncClient],
) -> None:
    _, _, server, http = venue
    dual = "/fapi/v1/positionSide/dual"

    async def mode() -> Any:
        return (await _send(http, server, "GET", dual))[1]["dualSidePosition"]

    assert await mode() is False
    assert await _send(http, server, "POST", dual, dualSidePosition="false") == (
        400, {"code": -4059, "msg": "No need to change position side."},
    )  # fmt: skip
    assert await _send(http, server, "POST", dual, dualSidePosition="true") == (
        200, {"code": 200, "msg": "success"},
    )  # fmt: skip
    assert await mode() is True

    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002"}
    status, body = await _send(http, server, "POST", "/fapi/v1/order", **order)
    assert (status, body["code"]) == (400, -4061)
    status, body = await _send(
        http, server, "POST", "/fapi/v1/order", **order, positionSide="LONG", reduceOnly="false"
    )
    assert (status, body["code"]) == (400, -1106)
    status, body = await _send(
        http,
        server,
        "POST",
        "/fapi/v1/order",
        **order,
        positionSide="LONG",
        newOrderRespType="RESULT",
    )
    assert (status, body["positionSide"], body["status"]) == (200, "LONG", "FILLED")

    # A position is open: the mode cannot change.
    status, body = await _send(http, server, "POST", dual, dualSidePosition="false")
    assert (status, body["code"]) == (400, -4068)


async def test_the_emulator_refuses_a_mode_change_while_orders_are_open(
    venue: tuple[Venue, Any, EmulatorServer, httpx.AsyncClient],
) -> None:
    _, client, server, http = venue
    ticker = await client.get_ticker(SYMBOL)
    assert ticker.bid is not None
    await client.place_order(
        OrderRequest(
            symbol=SYMBOL, side=Side.BUY, type=OrderType.LIMIT, quantity=Decimal("0.002"),
            price=(ticker.bid - 100).quantize(Decimal("0.1")),
        )
    )  # fmt: skip
    status, body = await _send(
        http, server, "POST", "/fapi/v1/positionSide/dual", dualSidePosition="true"
    )
    assert (status, body["code"]) == (400, -4067)
    long_only = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.002"}
    status, body = await _send(
        http, server, "POST", "/fapi/v1/order", **long_only, positionSide="LONG"
    )
    assert (status, body["code"]) == (400, -4061)  # one-way account, LONG side
