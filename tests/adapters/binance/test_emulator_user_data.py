"""The Binance emulator's user data: spot over the WebSocket API, futures over listen keys."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any, Literal, NamedTuple

import httpx
import msgspec
import pytest
import websockets
from exchangekit_binance import mappers
from exchangekit_binance import schemas as s
from exchangekit_binance.emulator import (
    TEST_API_KEY,
    TEST_API_SECRET,
    ApiCredentials,
    BinanceDialect,
)
from exchangekit_binance.signing import encode_params, rest_signature, ws_signature

from exchangekit.clock import ManualClock
from exchangekit.models import OrderStatus
from exchangekit.testing import FaultKind, FaultPlan, FaultRule
from exchangekit.testing.server import EmulatorServer

SPOT_SYMBOLS = mappers.SymbolMap([("BTC/USDT", "BTCUSDT"), ("ETH/USDT", "ETHUSDT")])
USDM_SYMBOLS = mappers.SymbolMap([("BTC/USDT:USDT", "BTCUSDT")])


class Emulated(NamedTuple):
    dialect: BinanceDialect
    server: EmulatorServer
    http: httpx.AsyncClient

    def signed(self, params: Mapping[str, object]) -> str:
        query = encode_params({**params, "timestamp": self.server.now_ms()})
        return f"{query}&signature={rest_signature(TEST_API_SECRET, query)}"


@contextlib.asynccontextmanager
async def emulator(
    market: Literal["spot", "usdm"], *, faults: FaultPlan | None = None, **config: Any
) -> AsyncIterator[Emulated]:
    dialect = BinanceDialect(market, history_minutes=0, **config)
    async with (
        EmulatorServer(dialect, faults=faults) as server,
        httpx.AsyncClient(base_url=server.http_url, headers={"X-MBX-APIKEY": TEST_API_KEY}) as http,
    ):
        yield Emulated(dialect, server, http)


async def receive(ws: Any) -> Any:
    """The next frame, decoded (a test fails rather than hangs when none comes)."""
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


async def nothing_more(ws: Any) -> bool:
    """True when no frame is waiting: called after another socket already received the
    frames of the same operation, so anything for this one would be there too."""
    try:
        await asyncio.wait_for(ws.recv(), 0.2)
    except TimeoutError:
        return True
    return False


async def events_until(ws: Any, done: Any) -> list[dict[str, Any]]:
    """User-data events (spot: unwrapped from ``event``) up to the first that ``done``."""
    seen = []
    while True:
        frame = await receive(ws)
        event = frame.get("event", frame)
        seen.append(event)
        if done(event):
            return seen


def subscribe_request(server: EmulatorServer, req_id: str, secret: str = TEST_API_SECRET) -> str:
    params: dict[str, Any] = {"apiKey": TEST_API_KEY, "timestamp": server.now_ms()}
    params["signature"] = ws_signature(secret, params)
    return json.dumps(
        {"id": req_id, "method": "userDataStream.subscribe.signature", "params": params}
    )


def spot_limit(client_id: str) -> dict[str, str]:
    return {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.00100",
        "price": "50000.00",
        "newClientOrderId": client_id,
    }


# -- spot ------------------------------------------------------------------------------------


async def test_spot_order_events_arrive_through_the_signed_ws_api_subscription() -> None:
    async with (
        emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/ws-api/v3") as ws,
    ):
        await ws.send(subscribe_request(emu.server, "sub-1"))
        ack = await receive(ws)
        assert (ack["id"], ack["status"], ack["result"]) == ("sub-1", 200, {"subscriptionId": 0})
        assert ack["rateLimits"][0]["rateLimitType"] == "REQUEST_WEIGHT"

        placed = (await emu.http.post("/api/v3/order?" + emu.signed(spot_limit("ud-1")))).json()
        new = await events_until(ws, lambda e: e["e"] == "outboundAccountPosition")
        assert [e["e"] for e in new] == ["executionReport", "outboundAccountPosition"]
        report = msgspec.convert(new[0], s.ExecutionReport)
        assert (report.x, report.X, report.c, report.C) == ("NEW", "NEW", "ud-1", "")
        assert report.i == placed["orderId"]
        order, fill = mappers.execution_report(report, SPOT_SYMBOLS)
        assert order.status is OrderStatus.OPEN and fill is None
        usdt = next(b for b in new[1]["B"] if b["a"] == "USDT")
        assert usdt["l"] != "0.00000000"  # the order's reservation

        cancel = {"symbol": "BTCUSDT", "orderId": placed["orderId"], "newClientOrderId": "ud-x"}
        assert (await emu.http.delete("/api/v3/order?" + emu.signed(cancel))).status_code == 200
        cancelled = await events_until(ws, lambda e: e["e"] == "executionReport")
        report = msgspec.convert(cancelled[-1], s.ExecutionReport)
        assert (report.x, report.X, report.c, report.C) == ("CANCELED", "CANCELED", "ud-x", "ud-1")
        order, _ = mappers.execution_report(report, SPOT_SYMBOLS)
        assert order.client_order_id == "ud-1" and order.status is OrderStatus.CANCELLED


async def test_spot_fills_carry_trade_fields_in_the_execution_report() -> None:
    async with (
        emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/ws-api/v3") as ws,
    ):
        await ws.send(subscribe_request(emu.server, "sub-1"))
        await receive(ws)
        market = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.05000"}
        placed = (await emu.http.post("/api/v3/order?" + emu.signed(market))).json()
        events = await events_until(ws, lambda e: e.get("X") == "FILLED")
        trades = [msgspec.convert(e, s.ExecutionReport) for e in events if e.get("x") == "TRADE"]
        assert [t.t for t in trades] == [f["tradeId"] for f in placed["fills"]]
        assert sum(t.l for t in trades) == trades[-1].z
        assert sum(t.Y or 0 for t in trades) == trades[-1].Z
        assert all(t.N == "USDT" and not t.m for t in trades)


async def test_a_deposit_reaches_the_subscription_as_a_balance_update() -> None:
    async with (
        emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/ws-api/v3") as ws,
    ):
        await ws.send(subscribe_request(emu.server, "sub-1"))
        await receive(ws)
        emu.dialect.sim.deposit(emu.dialect.name, "BTC", "0.25")
        events = await events_until(ws, lambda e: e["e"] == "outboundAccountPosition")
        assert [e["e"] for e in events] == ["balanceUpdate", "outboundAccountPosition"]
        update = msgspec.convert(events[0], s.BalanceUpdateEvent)
        assert (update.a, str(update.d)) == ("BTC", "0.25000000")
        (btc,) = mappers.account_position_balances(
            msgspec.convert(events[1], s.OutboundAccountPosition)
        )
        assert btc.free == emu.dialect.sim.balance(emu.dialect.name, "BTC").free


async def test_a_bad_subscription_signature_is_refused_with_1022() -> None:
    async with (
        emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/ws-api/v3") as ws,
    ):
        await ws.send(subscribe_request(emu.server, "bad", secret="not-the-secret"))
        answer = await receive(ws)
        assert answer["id"] == "bad" and answer["status"] == 400
        assert answer["error"] == {"code": -1022, "msg": "Signature for this request is not valid."}
        await ws.send(json.dumps({"id": 2, "method": "session.status"}))
        status = await receive(ws)
        assert status["result"]["userDataStream"] is False
        await ws.send(json.dumps({"id": 3, "method": "ping"}))
        assert (await receive(ws))["result"] == {}


async def test_expiring_sessions_terminates_spot_subscriptions_until_resubscribed() -> None:
    async with (
        emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/ws-api/v3") as ws,
    ):
        await ws.send(subscribe_request(emu.server, "sub-1"))
        await receive(ws)
        emu.dialect.expire_sessions()
        terminated = await receive(ws)
        assert terminated["subscriptionId"] == 0
        assert terminated["event"]["e"] == "eventStreamTerminated"
        await emu.http.post("/api/v3/order?" + emu.signed(spot_limit("after-expiry")))
        await ws.send(json.dumps({"id": "st", "method": "session.status"}))
        assert (await receive(ws))["result"]["userDataStream"] is False  # no event came first
        await ws.send(subscribe_request(emu.server, "sub-2"))
        assert (await receive(ws))["result"] == {"subscriptionId": 1}
        await emu.http.post("/api/v3/order?" + emu.signed(spot_limit("resubscribed")))
        events = await events_until(ws, lambda e: e["e"] == "executionReport")
        assert events[-1]["c"] == "resubscribed"


async def test_unsubscribing_ends_the_stream_with_event_stream_terminated() -> None:
    async with (
        emulator("spot") as emu,
        websockets.connect(emu.server.ws_url + "/ws-api/v3") as ws,
    ):
        await ws.send(subscribe_request(emu.server, "sub-1"))
        await receive(ws)
        await ws.send(json.dumps({"id": "u", "method": "userDataStream.unsubscribe"}))
        terminated, answer = await receive(ws), await receive(ws)
        assert terminated == {
            "subscriptionId": 0,
            "event": {"e": "eventStreamTerminated", "E": terminated["event"]["E"]},
        }
        assert (answer["id"], answer["status"], answer["result"]) == ("u", 200, {})


# -- futures ---------------------------------------------------------------------------------


async def private_stream(emu: Emulated, key: str) -> Any:
    """Connect to the routed private stream and wait until the server reads it."""
    events = "ORDER_TRADE_UPDATE/ACCOUNT_UPDATE"
    ws = await websockets.connect(f"{emu.server.ws_url}/private/ws?listenKey={key}&events={events}")
    await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
    assert (await receive(ws))["result"] == [key]
    return ws


FUTURES_BUY = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010"}


async def test_futures_order_updates_arrive_on_the_listen_key_stream() -> None:
    async with emulator("usdm") as emu:
        key = (await emu.http.post("/fapi/v1/listenKey")).json()["listenKey"]
        ws = await private_stream(emu, key)
        async with ws:
            placed = await emu.http.post("/fapi/v1/order?" + emu.signed(FUTURES_BUY))
            events = await events_until(ws, lambda e: e["e"] == "ACCOUNT_UPDATE")
        updates = [msgspec.convert(e, s.OrderTradeUpdateEvent) for e in events[:-1]]
        assert (updates[0].o.x, updates[0].o.X) == ("NEW", "NEW")
        assert updates[-1].o.X == "FILLED" and updates[-1].o.i == placed.json()["orderId"]
        order, fill = mappers.order_trade_update(updates[-1], USDM_SYMBOLS)
        assert order.status is OrderStatus.FILLED and fill is not None and fill.fee > 0
        account = msgspec.convert(events[-1], s.UsdmAccountUpdateEvent)
        (position,) = mappers.account_update_positions(account, USDM_SYMBOLS)
        assert position.quantity == order.filled_quantity
        assert account.a.m == "ORDER" and account.a.B[0].a == "USDT"


async def test_an_expired_listen_key_says_so_then_stays_silent_and_a_new_key_works() -> None:
    async with emulator("usdm") as emu:
        old = (await emu.http.post("/fapi/v1/listenKey")).json()["listenKey"]
        old_ws = await private_stream(emu, old)
        async with old_ws:
            emu.dialect.expire_sessions()
            expired = msgspec.convert(await receive(old_ws), s.ListenKeyExpiredEvent)
            assert expired.listenKey == old
            new = (await emu.http.post("/fapi/v1/listenKey")).json()["listenKey"]
            assert new != old
            async with await private_stream(emu, new) as new_ws:
                await emu.http.post("/fapi/v1/order?" + emu.signed(FUTURES_BUY))
                events = await events_until(new_ws, lambda e: e["e"] == "ACCOUNT_UPDATE")
                assert events[0]["e"] == "ORDER_TRADE_UPDATE"
            assert await nothing_more(old_ws)
        gone = await emu.http.put("/fapi/v1/listenKey")
        assert gone.status_code == 200 and gone.json()["listenKey"] == new


async def test_the_session_expiry_fault_expires_the_key_mid_stream() -> None:
    plan = FaultPlan([FaultRule(kind=FaultKind.SESSION_EXPIRY, target="ACCOUNT_UPDATE", times=1)])
    async with emulator("usdm", faults=plan) as emu:
        key = (await emu.http.post("/fapi/v1/listenKey")).json()["listenKey"]
        async with await private_stream(emu, key) as ws:
            await emu.http.post("/fapi/v1/order?" + emu.signed(FUTURES_BUY))
            events = await events_until(ws, lambda e: e["e"] == "listenKeyExpired")
        assert events[-2]["e"] == "ACCOUNT_UPDATE"
        assert plan.count(FaultKind.SESSION_EXPIRY) == 1
        assert (await emu.http.put("/fapi/v1/listenKey")).json()["code"] == -1125


async def test_listen_keys_lapse_after_their_time_to_live() -> None:
    async with emulator("usdm", listen_key_ttl_s=0.3) as emu:
        key = (await emu.http.post("/fapi/v1/listenKey")).json()["listenKey"]
        async with await private_stream(emu, key) as ws:
            assert (await receive(ws))["e"] == "listenKeyExpired"


async def test_the_legacy_listen_key_path_streams_user_data() -> None:
    async with emulator("usdm") as emu:
        key = (await emu.http.post("/fapi/v1/listenKey")).json()["listenKey"]
        async with websockets.connect(f"{emu.server.ws_url}/ws/{key}") as ws:
            await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
            assert (await receive(ws))["result"] == [key]
            limit = {**FUTURES_BUY, "type": "LIMIT", "timeInForce": "GTC", "price": "50000.0"}
            await emu.http.post("/fapi/v1/order?" + emu.signed(limit))
            (event,) = await events_until(ws, lambda e: e["e"] == "ORDER_TRADE_UPDATE")
            assert event["o"]["X"] == "NEW" and event["o"]["o"] == "LIMIT"
            # Reserving margin for an open order changes no wallet balance: no ACCOUNT_UPDATE.
            assert await nothing_more(ws)


async def test_conditional_orders_report_algo_updates() -> None:
    async with emulator("usdm") as emu:
        key = (await emu.http.post("/fapi/v1/listenKey")).json()["listenKey"]
        async with websockets.connect(f"{emu.server.ws_url}/private/ws?listenKey={key}") as ws:
            await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
            await receive(ws)
            algo = {
                "algoType": "CONDITIONAL",
                "symbol": "BTCUSDT",
                "side": "SELL",
                "type": "STOP_MARKET",
                "quantity": "0.010",
                "triggerPrice": "40000.0",
                "clientAlgoId": "algo-ud",
            }
            await emu.http.post("/fapi/v1/algoOrder?" + emu.signed(algo))
            new = await receive(ws)
            await emu.http.delete("/fapi/v1/algoOrder?" + emu.signed({"clientAlgoId": "algo-ud"}))
            cancelled = await receive(ws)
        assert (new["e"], new["o"]["X"], new["o"]["caid"]) == ("ALGO_UPDATE", "NEW", "algo-ud")
        assert (cancelled["e"], cancelled["o"]["X"]) == ("ALGO_UPDATE", "CANCELED")


@pytest.mark.parametrize("market", ["spot", "usdm"])
async def test_account_funding_is_as_documented(market: Literal["spot", "usdm"]) -> None:
    dialect = BinanceDialect(market, history_minutes=0)
    balances = {b.asset: b.free for b in dialect.sim.balances(dialect.name)}
    assert balances["USDT"] == 10_000
    if market == "spot":
        assert balances["BTC"] > 0 and balances["ETH"] > 0


async def test_a_triggered_conditional_order_reports_triggered_then_finished() -> None:
    mover_key = "ekEmulatorMoverKey".ljust(64, "4")
    accounts = [
        ApiCredentials(TEST_API_KEY, TEST_API_SECRET, "binanceusdm"),
        ApiCredentials(mover_key, TEST_API_SECRET, "mover"),
    ]
    # A market that moves only when the test says so: the trigger fires on our trade alone.
    clock = ManualClock(epoch_ms=1_767_225_600_000)
    async with emulator("usdm", clock=clock, tick_ms=1000, accounts=accounts) as emu:
        key = (await emu.http.post("/fapi/v1/listenKey")).json()["listenKey"]
        async with websockets.connect(f"{emu.server.ws_url}/private/ws?listenKey={key}") as ws:
            await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1}))
            await receive(ws)
            book = (await emu.http.get("/fapi/v1/ticker/bookTicker?symbol=BTCUSDT")).json()
            trigger = Decimal(book["askPrice"]) + Decimal(1)
            algo = {
                "algoType": "CONDITIONAL",
                "symbol": "BTCUSDT",
                "side": "SELL",
                "type": "TAKE_PROFIT_MARKET",
                "quantity": "0.010",
                "triggerPrice": str(trigger),
                "clientAlgoId": "tp-1",
            }
            placed = await emu.http.post("/fapi/v1/algoOrder?" + emu.signed(algo))
            assert placed.status_code == 200, placed.text
            # Another account lifts the offers through the trigger price...
            lift = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.500"}
            lifted = await emu.http.post(
                "/fapi/v1/order?" + emu.signed(lift), headers={"X-MBX-APIKEY": mover_key}
            )
            assert lifted.status_code == 200, lifted.text
            # ... and the next market step fires the take-profit, which fills at once.
            await clock.advance(1)
            await emu.http.get("/fapi/v1/time")
            events = await events_until(
                ws, lambda e: e["e"] == "ALGO_UPDATE" and e["o"]["X"] == "FINISHED"
            )
        algo_events = [e["o"] for e in events if e["e"] == "ALGO_UPDATE"]
        assert [o["X"] for o in algo_events] == ["NEW", "TRIGGERED", "FINISHED"]
        new, triggered, finished = algo_events
        assert new["ai"] == "" and new["tt"] == 0 and "aq" not in new
        assert triggered["ai"] == finished["ai"] == triggered["aid"]
        assert triggered["tt"] == finished["tt"] == emu.server.now_ms()
        assert (triggered["act"], triggered["aq"]) == ("MARKET", "0.000")
        assert finished["aq"] == "0.010" and Decimal(finished["ap"]) > 0
        orders = [e["o"] for e in events if e["e"] == "ORDER_TRADE_UPDATE"]
        assert orders[0]["x"] == "NEW" and orders[-1]["X"] == "FILLED"
        assert all(o["i"] == triggered["ai"] for o in orders)
