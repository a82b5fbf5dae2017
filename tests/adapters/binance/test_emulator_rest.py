"""The Binance emulator's REST side, spoken to with raw httpx as Binance's docs describe it.

Every request here is built by hand (signature over query string + body, ``X-MBX-APIKEY``,
``timestamp``), so these tests check the wire dialect itself, not the adapter's client.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from decimal import Decimal
from typing import Any, Literal, NamedTuple

import httpx
import msgspec
import pytest
from exchangekit_binance import mappers
from exchangekit_binance import schemas as s
from exchangekit_binance.emulator import (
    SPOT_EMULATOR,
    TEST_API_KEY,
    TEST_API_SECRET,
    USDM_EMULATOR,
    ApiCredentials,
    BinanceDialect,
)
from exchangekit_binance.endpoints import SPOT, SPOT_REQUEST_WEIGHT, USDM
from exchangekit_binance.signing import encode_params, rest_signature

from exchangekit.models import OrderStatus
from exchangekit.sim import OrderEvent, OrderEventKind, RejectionEvent
from exchangekit.testing import FaultKind, FaultPlan, FaultRule
from exchangekit.testing.server import EmulatorServer

SPOT_SYMBOLS = mappers.SymbolMap([("BTC/USDT", "BTCUSDT"), ("ETH/USDT", "ETHUSDT")])
USDM_SYMBOLS = mappers.SymbolMap([("BTC/USDT:USDT", "BTCUSDT")])


def _minute_start_skew() -> FaultPlan:
    """A clock 1 s into a fresh minute, so no rate-limit window rolls over mid-test."""
    now = time.time_ns() // 1_000_000
    return FaultPlan([FaultRule(kind=FaultKind.CLOCK_SKEW, skew_ms=60_000 - now % 60_000 + 1000)])


class Emulated(NamedTuple):
    dialect: BinanceDialect
    server: EmulatorServer
    http: httpx.AsyncClient
    """Sends the test API key with every request."""


@contextlib.asynccontextmanager
async def emulator(
    market: Literal["spot", "usdm"] = "spot", *, faults: FaultPlan | None = None, **config: Any
) -> AsyncIterator[Emulated]:
    dialect = BinanceDialect(market, history_minutes=0, **config)
    async with (
        EmulatorServer(dialect, faults=faults) as server,
        httpx.AsyncClient(base_url=server.http_url, headers={"X-MBX-APIKEY": TEST_API_KEY}) as http,
    ):
        yield Emulated(dialect, server, http)


def signed(
    server: EmulatorServer,
    params: Mapping[str, object],
    *,
    timestamp: int | None = None,
    secret: str = TEST_API_SECRET,
) -> str:
    """``params`` + timestamp as a query string with its HMAC signature appended."""
    query = encode_params({**params, "timestamp": timestamp or server.now_ms()})
    return f"{query}&signature={rest_signature(secret, query)}"


async def far_limit(
    http: httpx.AsyncClient, server: EmulatorServer, client_id: str, **extra: str
) -> httpx.Response:
    """A small spot limit buy 10 % under the market: it rests."""
    book = (await http.get("/api/v3/ticker/bookTicker", params={"symbol": "BTCUSDT"})).json()
    price = (Decimal(book["bidPrice"]) * Decimal("0.9")).quantize(Decimal("0.01"))
    params = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.00100",
        "price": str(price),
        "newClientOrderId": client_id,
        **extra,
    }
    return await http.post("/api/v3/order?" + signed(server, params))


def error(response: httpx.Response) -> tuple[int, int, str]:
    body = response.json()
    return response.status_code, body["code"], body["msg"]


# -- authentication ----------------------------------------------------------------------------


async def test_a_correctly_signed_order_is_accepted_and_recorded_in_the_sim() -> None:
    async with emulator() as emu:
        dialect, server, http = emu.dialect, emu.server, emu.http
        response = await far_limit(http, server, "ek-accepted-1")
        assert response.status_code == 200
        order = mappers.spot_order(
            msgspec.json.decode(response.content, type=s.SpotOrder), SPOT_SYMBOLS
        )
        assert order.status is OrderStatus.OPEN and order.client_order_id == "ek-accepted-1"
        recorded = dialect.sim.record.of(OrderEvent)
        assert [(e.kind, e.order.client_order_id) for e in recorded] == [
            (OrderEventKind.NEW, "ek-accepted-1")
        ]
        assert recorded[0].order.order_id == order.order_id


async def test_a_signature_over_query_and_body_in_send_order_is_accepted() -> None:
    async with emulator() as emu:
        server, http = emu.server, emu.http
        query = "symbol=BTCUSDT&side=BUY&type=MARKET"
        body = f"quantity=0.00100&newClientOrderId=split-1&timestamp={server.now_ms()}"
        signature = rest_signature(TEST_API_SECRET, query, body)
        response = await http.post(
            f"/api/v3/order?{query}",
            content=f"{body}&signature={signature}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "FILLED"


async def test_a_wrong_signature_is_refused_with_1022_and_nothing_happens() -> None:
    async with emulator() as emu:
        dialect, server, http = emu.dialect, emu.server, emu.http
        query = encode_params({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"})
        query += f"&quantity=0.001&timestamp={server.now_ms()}"
        response = await http.post(f"/api/v3/order?{query}&signature={'0' * 64}")
        assert error(response) == (400, -1022, "Signature for this request is not valid.")
        assert dialect.sim.record.of(OrderEvent) == []
        assert dialect.sim.record.of(RejectionEvent) == []


async def test_timestamps_outside_the_recv_window_are_refused_with_1021() -> None:
    async with emulator() as emu:
        server, http = emu.server, emu.http
        stale = server.now_ms() - 6000
        response = await http.get("/api/v3/account?" + signed(server, {}, timestamp=stale))
        assert error(response) == (
            400,
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
        )
        wider = signed(server, {"recvWindow": 10000}, timestamp=stale)
        assert (await http.get("/api/v3/account?" + wider)).status_code == 200
        ahead = server.now_ms() + 2000
        response = await http.get("/api/v3/account?" + signed(server, {}, timestamp=ahead))
        assert error(response)[1:] == (
            -1021,
            "Timestamp for this request was 1000ms ahead of the server's time.",
        )


async def test_the_clock_skew_fault_makes_the_local_clock_stale() -> None:
    plan = FaultPlan([FaultRule(kind=FaultKind.CLOCK_SKEW, skew_ms=8000)])
    async with emulator(faults=plan) as emu:
        server, http = emu.server, emu.http
        local = time.time_ns() // 1_000_000
        response = await http.get("/api/v3/account?" + signed(server, {}, timestamp=local))
        assert error(response)[1] == -1021
        server_time = (await http.get("/api/v3/time")).json()["serverTime"]
        assert server_time - local >= 8000
        synced = signed(server, {}, timestamp=server_time)
        assert (await http.get("/api/v3/account?" + synced)).status_code == 200


async def test_a_missing_malformed_or_unknown_api_key_is_refused() -> None:
    async with emulator() as emu:
        server, http = emu.server, emu.http
        query = signed(server, {})
        async with httpx.AsyncClient(base_url=server.http_url) as anonymous:
            missing = await anonymous.get("/api/v3/account?" + query)
            malformed = await anonymous.get(
                "/api/v3/account?" + query, headers={"X-MBX-APIKEY": "short"}
            )
            unknown = await anonymous.get(
                "/api/v3/account?" + query, headers={"X-MBX-APIKEY": "x" * 64}
            )
        assert error(missing) == (401, -2014, "API-key format invalid.")
        assert error(malformed) == (401, -2014, "API-key format invalid.")
        assert error(unknown) == (401, -2015, "Invalid API-key, IP, or permissions for action.")
        # Public market data needs no key at all.
        assert (await http.get("/api/v3/time", headers={"X-MBX-APIKEY": ""})).status_code == 200


# -- rate limits -------------------------------------------------------------------------------


async def test_usage_headers_grow_by_each_endpoints_documented_weight() -> None:
    e = SPOT.endpoints
    async with emulator(faults=_minute_start_skew()) as emu:
        server, http = emu.server, emu.http
        await far_limit(http, server, "weights-1")
        used = int((await http.get("/api/v3/time")).headers["X-MBX-USED-WEIGHT-1M"])
        calls: list[tuple[Any, str, dict[str, Any]]] = [
            (e.exchange_info, "/api/v3/exchangeInfo", {}),
            (e.depth, "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 100}),
            (e.depth, "/api/v3/depth", {"symbol": "BTCUSDT", "limit": 500}),
            (e.ticker_24h, "/api/v3/ticker/24hr", {"symbol": "BTCUSDT"}),
            (e.ticker_24h, "/api/v3/ticker/24hr", {}),
            (e.klines, "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m"}),
            (e.query_order, "/api/v3/order", {"symbol": "BTCUSDT", "orderId": 1, "signed": 1}),
            (e.open_orders, "/api/v3/openOrders", {"symbol": "BTCUSDT", "signed": 1}),
            (e.open_orders, "/api/v3/openOrders", {"signed": 1}),
            (e.account, "/api/v3/account", {"signed": 1}),
            (e.my_trades, "/api/v3/myTrades", {"symbol": "BTCUSDT", "signed": 1}),
        ]
        for endpoint, path, params in calls:
            if params.pop("signed", None):
                response = await http.get(f"{path}?{signed(server, params)}")
            else:
                response = await http.get(path, params=params)
            assert response.status_code == 200, (path, response.text)
            costs = endpoint.costs({k: str(v) for k, v in params.items()})
            weight = sum(c.weight for c in costs if c.pool is SPOT_REQUEST_WEIGHT)
            now = int(response.headers["X-MBX-USED-WEIGHT-1M"])
            assert now - used == weight, (path, params)
            used = now
        placed = await far_limit(http, server, "weights-2")
        assert placed.headers["X-MBX-ORDER-COUNT-10S"] == "2"
        assert placed.headers["X-MBX-ORDER-COUNT-1D"] == "2"


async def test_exceeding_the_weight_pool_answers_429_with_retry_after() -> None:
    async with emulator(faults=_minute_start_skew()) as emu:
        http = emu.http
        statuses = []
        for _ in range(25):  # 250 weight each: the 25th passes 6000
            response = await http.get("/api/v3/depth", params={"symbol": "BTCUSDT", "limit": 5000})
            statuses.append(response.status_code)
        assert statuses == [200] * 24 + [429]
        assert error(response) == (
            429,
            -1003,
            "Too many requests; current limit of IP(127.0.0.1) request weight per 1 MINUTE is "
            "6000. Please use WebSocket Streams for live updates to avoid polling the API.",
        )
        assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_a_ban_and_server_errors_answer_in_binances_shapes() -> None:
    plan = FaultPlan(
        [
            FaultRule(kind=FaultKind.HTTP_5XX, target="/api/v3/time", status=503, times=1),
            FaultRule(kind=FaultKind.HTTP_5XX, target="/api/v3/time", status=502, after=1, times=1),
            FaultRule(kind=FaultKind.HTTP_418, target="/api/v3/depth", retry_after_s=120),
        ]
    )
    async with emulator(faults=plan) as emu:
        server, http = emu.server, emu.http
        unavailable = await http.get("/api/v3/time")
        assert unavailable.status_code == 503 and unavailable.json()["code"] == -1001
        gateway = await http.get("/api/v3/time")
        assert gateway.status_code == 502 and gateway.text.startswith("<html>")
        banned = await http.get("/api/v3/depth", params={"symbol": "BTCUSDT"})
        status, code, msg = error(banned)
        assert (status, code) == (418, -1003) and banned.headers["Retry-After"] == "120"
        until = int(msg.split("banned until ")[1].split(".")[0])
        assert until - server.now_ms() > 110_000


# -- orders ------------------------------------------------------------------------------------


async def test_a_marketable_full_order_carries_its_fills() -> None:
    async with emulator() as emu:
        dialect, server, http = emu.dialect, emu.server, emu.http
        params = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.05000"}
        response = await http.post("/api/v3/order?" + signed(server, params))
        raw = msgspec.json.decode(response.content, type=s.SpotOrder)
        assert raw.status == "FILLED" and raw.fills
        assert sum(f.qty for f in raw.fills) == raw.executedQty == Decimal("0.05")
        assert sum(f.price * f.qty for f in raw.fills) == raw.cummulativeQuoteQty
        fills = mappers.spot_fills(raw, SPOT_SYMBOLS)
        truth = dialect.sim.fills(dialect.name, "BTC/USDT")
        assert [f.trade_id for f in fills] == [f.trade_id for f in truth]
        assert all(f.fee_asset == "USDT" and f.fee > 0 for f in fills)


async def test_ack_and_result_answers_carry_only_their_fields() -> None:
    async with emulator() as emu:
        server, http = emu.server, emu.http
        ack = (await far_limit(http, server, "ack-1", newOrderRespType="ACK")).json()
        assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
        result = (await far_limit(http, server, "result-1", newOrderRespType="RESULT")).json()
        assert "fills" not in result and result["status"] == "NEW"
        full = (await far_limit(http, server, "full-1")).json()
        assert full["fills"] == []


async def test_a_reused_open_client_order_id_is_a_duplicate_order() -> None:
    async with emulator() as emu:
        server, http = emu.server, emu.http
        assert (await far_limit(http, server, "dup-1")).status_code == 200
        again = await far_limit(http, server, "dup-1")
        assert error(again) == (400, -2010, "Duplicate order sent.")
        cancel = {"symbol": "BTCUSDT", "origClientOrderId": "dup-1"}
        assert (await http.delete("/api/v3/order?" + signed(server, cancel))).status_code == 200
        # Unique among open orders only: once cancelled the id may be used again.
        assert (await far_limit(http, server, "dup-1")).status_code == 200


async def test_an_unknown_order_is_2013_on_query_and_2011_on_cancel() -> None:
    async with emulator() as emu:
        server, http = emu.server, emu.http
        params = {"symbol": "BTCUSDT", "orderId": 424242}
        query = await http.get("/api/v3/order?" + signed(server, params))
        cancel = await http.delete("/api/v3/order?" + signed(server, params))
        assert error(query) == (400, -2013, "Order does not exist.")
        assert error(cancel) == (400, -2011, "Unknown order sent.")
        none_open = await http.delete("/api/v3/openOrders?" + signed(server, {"symbol": "BTCUSDT"}))
        assert error(none_open) == (400, -2011, "Unknown order sent.")


async def test_cancelling_reports_both_client_ids() -> None:
    async with emulator() as emu:
        server, http = emu.server, emu.http
        placed = (await far_limit(http, server, "to-cancel")).json()
        params = {
            "symbol": "BTCUSDT",
            "orderId": placed["orderId"],
            "newClientOrderId": "the-cancel",
        }
        body = (await http.delete("/api/v3/order?" + signed(server, params))).json()
        assert body["status"] == "CANCELED"
        assert (body["origClientOrderId"], body["clientOrderId"]) == ("to-cancel", "the-cancel")
        order = mappers.spot_order(msgspec.convert(body, s.SpotOrder), SPOT_SYMBOLS)
        assert order.client_order_id == "to-cancel" and order.status is OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("change", "code", "msg"),
    [
        ({"price": "55000.000000001"}, -1111, "Parameter 'price' has too much precision."),
        ({"price": "55000.005"}, -1013, "Filter failure: PRICE_FILTER"),
        ({"price": "abc"}, -1100, None),
        ({"quantity": "0.000015"}, -1013, "Filter failure: LOT_SIZE"),
        ({"quantity": "0.00001"}, -1013, "Filter failure: NOTIONAL"),
        ({"symbol": "DOGEUSDT"}, -1121, "Invalid symbol."),
        ({"timeInForce": "GTD"}, -1115, "Invalid timeInForce."),
        (
            {"type": "LIMIT_MAKER", "timeInForce": None, "price": "70000.00"},
            -2010,
            "Order would immediately match and take.",
        ),
        ({"quantity": "1.00000"}, -2010, "Account has insufficient balance for requested action."),
        (
            {"timeInForce": None},
            -1102,
            "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
        ),
    ],
)
async def test_refused_orders_carry_binances_code_and_message(
    change: dict[str, str | None], code: int, msg: str | None
) -> None:
    async with emulator() as emu:
        dialect, server, http = emu.dialect, emu.server, emu.http
        params: dict[str, str] = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.00100",
            "price": "55000.00",
        }
        for key, value in change.items():
            if value is None:
                params.pop(key)
            else:
                params[key] = value
        response = await http.post("/api/v3/order?" + signed(server, params))
        status, got_code, got_msg = error(response)
        assert (status, got_code) == (400, code), got_msg
        if msg is not None:
            assert got_msg == msg
        assert not dialect.sim.open_orders(dialect.name)


async def test_timeout_after_accept_leaves_the_order_in_the_sim() -> None:
    plan = FaultPlan(
        [
            FaultRule(
                kind=FaultKind.TIMEOUT_AFTER_ACCEPT,
                target="/api/v3/order",
                method="POST",
                times=1,
                hang_s=2,
            )
        ]
    )
    async with emulator(faults=plan) as emu:
        dialect, server, http = emu.dialect, emu.server, emu.http
        order = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.00100",
            "price": "50000.00",
            "newClientOrderId": "unknown-outcome",
        }
        with pytest.raises(httpx.ReadTimeout):
            await http.post(
                "/api/v3/order?" + signed(server, order), timeout=httpx.Timeout(5, read=0.3)
            )
        assert plan.count(FaultKind.TIMEOUT_AFTER_ACCEPT) == 1
        (resting,) = dialect.sim.open_orders(dialect.name)
        assert resting.client_order_id == "unknown-outcome"
        # Reconciling by client order id finds it.
        query = {"symbol": "BTCUSDT", "origClientOrderId": "unknown-outcome"}
        found = await http.get("/api/v3/order?" + signed(server, query))
        assert found.json()["orderId"] == int(resting.order_id)


# -- every answer decodes into the adapter's schemas ---------------------------------------------


async def test_every_spot_answer_matches_the_adapters_schemas() -> None:
    e = SPOT.endpoints
    async with emulator() as emu:
        server, http = emu.server, emu.http
        placed = (await far_limit(http, server, "schema-1")).json()
        market = {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.01000"}
        await http.post("/api/v3/order?" + signed(server, market))
        one = {"symbol": "BTCUSDT"}
        checks: list[tuple[Any, httpx.Response]] = [
            (e.server_time, await http.get("/api/v3/time")),
            (e.exchange_info, await http.get("/api/v3/exchangeInfo")),
            (e.ticker_24h, await http.get("/api/v3/ticker/24hr", params=one)),
            (e.book_ticker, await http.get("/api/v3/ticker/bookTicker", params=one)),
            (e.klines, await http.get("/api/v3/klines", params={**one, "interval": "1m"})),
            (e.depth, await http.get("/api/v3/depth", params=one)),
            (
                e.query_order,
                await http.get(
                    "/api/v3/order?" + signed(server, {**one, "orderId": placed["orderId"]})
                ),
            ),
            (e.open_orders, await http.get("/api/v3/openOrders?" + signed(server, one))),
            (e.my_trades, await http.get("/api/v3/myTrades?" + signed(server, one))),
            (e.account, await http.get("/api/v3/account?" + signed(server, {}))),
            (e.cancel_all_orders, await http.delete("/api/v3/openOrders?" + signed(server, one))),
        ]
        for endpoint, response in checks:
            assert response.status_code == 200, (endpoint.path, response.text)
            # Strict decoding: every field the schema requires is there with its JSON type.
            msgspec.json.decode(response.content, type=endpoint.extra["response"])
        info = msgspec.json.decode(checks[1][1].content, type=s.SpotExchangeInfo)
        btc = next(i for i in mappers.spot_instruments(info) if i.symbol == "BTC/USDT")
        assert (btc.tick_size, btc.step_size, btc.min_quantity, btc.min_notional) == (
            Decimal("0.01"),
            Decimal("0.00001"),
            Decimal("0.00001"),
            Decimal(5),
        )


async def test_every_futures_answer_matches_the_adapters_schemas() -> None:
    e = USDM.endpoints
    async with emulator("usdm") as emu:
        server, http = emu.server, emu.http
        one = {"symbol": "BTCUSDT"}
        buy = {
            **one,
            "side": "BUY",
            "type": "MARKET",
            "quantity": "0.010",
            "newOrderRespType": "RESULT",
        }
        placed = await http.post("/fapi/v1/order?" + signed(server, buy))
        resting = {
            **one,
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.010",
            "price": "50000.0",
        }
        await http.post("/fapi/v1/order?" + signed(server, resting))
        algo = {
            **one,
            "algoType": "CONDITIONAL",
            "side": "SELL",
            "type": "STOP_MARKET",
            "quantity": "0.010",
            "triggerPrice": "40000.0",
            "clientAlgoId": "algo-1",
        }
        algo_placed = await http.post("/fapi/v1/algoOrder?" + signed(server, algo))
        order_id = placed.json()["orderId"]
        checks: list[tuple[Any, httpx.Response]] = [
            (e.new_order, placed),
            (e.new_algo_order, algo_placed),
            (e.server_time, await http.get("/fapi/v1/time")),
            (e.exchange_info, await http.get("/fapi/v1/exchangeInfo")),
            (e.ticker_24h, await http.get("/fapi/v1/ticker/24hr", params=one)),
            (e.book_ticker, await http.get("/fapi/v1/ticker/bookTicker", params=one)),
            (e.klines, await http.get("/fapi/v1/klines", params={**one, "interval": "1m"})),
            (e.depth, await http.get("/fapi/v1/depth", params=one)),
            (
                e.query_order,
                await http.get("/fapi/v1/order?" + signed(server, {**one, "orderId": order_id})),
            ),
            (e.open_orders, await http.get("/fapi/v1/openOrders?" + signed(server, one))),
            (e.open_algo_orders, await http.get("/fapi/v1/openAlgoOrders?" + signed(server, one))),
            (e.my_trades, await http.get("/fapi/v1/userTrades?" + signed(server, one))),
            (e.account, await http.get("/fapi/v3/account?" + signed(server, {}))),
            (e.balance, await http.get("/fapi/v3/balance?" + signed(server, {}))),
            (e.position_risk, await http.get("/fapi/v3/positionRisk?" + signed(server, {}))),
            (e.position_mode, await http.get("/fapi/v1/positionSide/dual?" + signed(server, {}))),
            (
                e.set_leverage,
                await http.post("/fapi/v1/leverage?" + signed(server, {**one, "leverage": 10})),
            ),
            (e.listen_key_create, await http.post("/fapi/v1/listenKey")),
            (
                e.cancel_algo_order,
                await http.delete(
                    "/fapi/v1/algoOrder?" + signed(server, {"algoId": algo_placed.json()["algoId"]})
                ),
            ),
            (
                e.cancel_all_orders,
                await http.delete("/fapi/v1/allOpenOrders?" + signed(server, one)),
            ),
        ]
        for endpoint, response in checks:
            assert response.status_code == 200, (endpoint.path, response.text)
            # Strict decoding: every field the schema requires is there with its JSON type.
            msgspec.json.decode(response.content, type=endpoint.extra["response"])
        info = msgspec.json.decode(checks[3][1].content, type=s.UsdmExchangeInfo)
        (perp,) = mappers.usdm_instruments(info)
        assert perp.symbol == "BTC/USDT:USDT"
        assert (perp.tick_size, perp.step_size, perp.min_notional) == (
            Decimal("0.1"),
            Decimal("0.001"),
            Decimal(100),
        )
        rows = msgspec.json.decode(checks[14][1].content, type=list[s.UsdmPositionRisk])
        (position,) = mappers.positions_from_risk(rows, USDM_SYMBOLS)
        assert position.quantity == Decimal("0.01")


# -- futures -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code", "msg"),
    [
        (
            {"type": "STOP_MARKET", "stopPrice": "40000.0"},
            -4120,
            "Order type not supported for this endpoint. Please use the Algo Order API endpoints "
            "instead.",
        ),
        ({"price": "50000.05"}, -4014, "Price not increased by tick size."),
        ({"quantity": "0.0015"}, -1111, "Precision is over the maximum defined for this asset."),
        (
            {"quantity": "0.001"},
            -4164,
            "Order's notional must be no smaller than 100 (unless you choose reduce only).",
        ),
        ({"quantity": "900.000"}, -2019, "Margin is insufficient."),
        (
            {"timeInForce": "GTX", "price": "62000.0"},
            -5022,
            "Due to the order could not be executed as maker, the Post Only order will be rejected. "
            "The order will not be recorded in the order history",
        ),
        ({"positionSide": "LONG"}, -4061, "Order's position side does not match user's setting."),
        ({"price": "70000.0"}, -4016, None),
    ],
)
async def test_futures_refusals_use_futures_codes(
    params: dict[str, str], code: int, msg: str | None
) -> None:
    async with emulator("usdm") as emu:
        server, http = emu.server, emu.http
        base = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.010",
            "price": "59500.0",
        }
        merged = {**base, **params}
        if merged["type"] != "LIMIT":
            merged.pop("price")
            merged.pop("timeInForce")
        response = await http.post("/fapi/v1/order?" + signed(server, merged))
        status, got_code, got_msg = error(response)
        assert (status, got_code) == (400, code), got_msg
        if msg is not None:
            assert got_msg == msg


async def test_a_futures_duplicate_client_order_id_is_4116() -> None:
    async with emulator("usdm") as emu:
        server, http = emu.server, emu.http
        order = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.010",
            "price": "50000.0",
            "newClientOrderId": "fut-dup",
        }
        assert (await http.post("/fapi/v1/order?" + signed(server, order))).status_code == 200
        again = await http.post("/fapi/v1/order?" + signed(server, order))
        assert error(again) == (400, -4116, "ClientOrderId is duplicated.")


async def test_futures_ack_reports_the_order_as_accepted_and_result_as_it_ended() -> None:
    async with emulator("usdm") as emu:
        server, http = emu.server, emu.http
        order = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010"}
        ack = (await http.post("/fapi/v1/order?" + signed(server, order))).json()
        assert (ack["status"], ack["executedQty"]) == ("NEW", "0.000")
        result = (
            await http.post(
                "/fapi/v1/order?" + signed(server, {**order, "newOrderRespType": "RESULT"})
            )
        ).json()
        assert (result["status"], result["executedQty"]) == ("FILLED", "0.010")
        mapped = mappers.usdm_order(msgspec.convert(result, s.UsdmOrder), USDM_SYMBOLS)
        assert mapped.status is OrderStatus.FILLED and mapped.average_fill_price


async def test_conditional_orders_live_on_the_algo_endpoints() -> None:
    async with emulator("usdm") as emu:
        server, http = emu.server, emu.http
        algo = {
            "algoType": "CONDITIONAL",
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "STOP_MARKET",
            "quantity": "0.010",
            "triggerPrice": "40000.0",
            "clientAlgoId": "stop-1",
        }
        placed = (await http.post("/fapi/v1/algoOrder?" + signed(server, algo))).json()
        assert (placed["algoStatus"], placed["orderType"]) == ("NEW", "STOP_MARKET")
        regular = (await http.get("/fapi/v1/openOrders?" + signed(server, {}))).json()
        algos = (await http.get("/fapi/v1/openAlgoOrders?" + signed(server, {}))).json()
        assert regular == [] and [a["clientAlgoId"] for a in algos] == ["stop-1"]
        immediate = {**algo, "triggerPrice": "90000.0", "clientAlgoId": "stop-2"}
        refused = await http.post("/fapi/v1/algoOrder?" + signed(server, immediate))
        assert error(refused) == (400, -2021, "Order would immediately trigger.")
        cancel = {"clientAlgoId": "stop-1"}
        cancelled = (await http.delete("/fapi/v1/algoOrder?" + signed(server, cancel))).json()
        assert cancelled["code"] == "200" and cancelled["algoId"] == placed["algoId"]
        assert (await http.get("/fapi/v1/openAlgoOrders?" + signed(server, {}))).json() == []


async def test_listen_keys_are_reused_extended_and_closed() -> None:
    async with emulator("usdm") as emu:
        server, http = emu.server, emu.http
        first = (await http.post("/fapi/v1/listenKey")).json()["listenKey"]
        assert len(first) == 64
        assert (await http.post("/fapi/v1/listenKey")).json()["listenKey"] == first
        assert (await http.put("/fapi/v1/listenKey")).json()["listenKey"] == first
        assert (await http.delete("/fapi/v1/listenKey")).json() == {}
        gone = await http.put("/fapi/v1/listenKey")
        assert error(gone) == (400, -1125, "This listenKey does not exist.")
        assert (await http.post("/fapi/v1/listenKey")).json()["listenKey"] != first
        async with httpx.AsyncClient(base_url=server.http_url) as anonymous:
            assert error(await anonymous.post("/fapi/v1/listenKey"))[1] == -2014


async def test_each_api_key_trades_for_its_own_account_on_a_shared_sim() -> None:
    sim = BinanceDialect("spot", history_minutes=0).sim
    alice = ApiCredentials("a" * 64, "alice-secret", "alice")
    bob = ApiCredentials("b" * 64, "bob-secret", "bob")
    dialect = BinanceDialect("spot", sim=sim, accounts=[alice, bob])
    async with (
        EmulatorServer(dialect) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        order = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.00100",
            "price": "50000.00",
            "newClientOrderId": "bobs",
        }
        placed = await http.post(
            "/api/v3/order?" + signed(server, order, secret=bob.api_secret),
            headers={"X-MBX-APIKEY": bob.api_key},
        )
        assert placed.status_code == 200
        for creds, expected in ((alice, []), (bob, ["bobs"])):
            mine = await http.get(
                "/api/v3/openOrders?" + signed(server, {}, secret=creds.api_secret),
                headers={"X-MBX-APIKEY": creds.api_key},
            )
            assert [o["clientOrderId"] for o in mine.json()] == expected
        assert [o.client_order_id for o in sim.open_orders("bob")] == ["bobs"]
        wrong_secret = signed(server, {}, secret=bob.api_secret)
        refused = await http.get(
            "/api/v3/account?" + wrong_secret, headers={"X-MBX-APIKEY": alice.api_key}
        )
        assert error(refused)[1] == -1022


def test_the_emulators_are_registered_with_test_credentials() -> None:
    from exchangekit.testing.registry import load_emulator

    assert load_emulator("binance") is SPOT_EMULATOR
    assert load_emulator("binanceusdm") is USDM_EMULATOR
    assert SPOT_EMULATOR.symbols == ("BTC/USDT", "ETH/USDT")
    assert USDM_EMULATOR.symbols == ("BTC/USDT:USDT",)
    assert SPOT_EMULATOR.credentials["api_key"] == TEST_API_KEY


async def test_client_config_points_every_url_at_the_server() -> None:
    async with EmulatorServer(SPOT_EMULATOR.create_dialect(seed=3)) as server:
        config = SPOT_EMULATOR.client_config(server)
        assert config == {
            "api_key": TEST_API_KEY,
            "api_secret": TEST_API_SECRET,
            "base_url": server.http_url,
            "stream_url": server.ws_url,
            "ws_api_url": server.ws_url + "/ws-api/v3",
        }
