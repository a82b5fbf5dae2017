"""The Bybit emulator on the wire, asked with plain HTTP: signatures, the receive window,
per-UID quotas with their headers, the IP limit, and the envelope of every answer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
from exchangekit_bybit import errors
from exchangekit_bybit.emulator import TEST_API_KEY, TEST_API_SECRET, BybitDialect
from exchangekit_bybit.signing import json_body, rest_headers, rest_signature, ws_auth_message

from exchangekit import AuthenticationError, IPBanned, RateLimited
from exchangekit.clock import ManualClock
from exchangekit.ratelimit.spec import Cost
from exchangekit.testing.server import EmulatorServer


@contextlib.asynccontextmanager
async def served(**config: Any) -> AsyncIterator[tuple[EmulatorServer, httpx.AsyncClient]]:
    async with EmulatorServer(BybitDialect(seed=3, **config)) as server:
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            yield server, http


def signed_post(
    path: str, body: dict[str, Any], *, secret: str = TEST_API_SECRET, ts: int | None = None
) -> tuple[str, bytes, dict[str, str]]:
    ts = ts if ts is not None else time.time_ns() // 1_000_000
    content = json_body(body)
    signature = rest_signature(secret, ts, TEST_API_KEY, 5000, content.decode())
    headers = rest_headers(TEST_API_KEY, ts, 5000, signature)
    headers["Content-Type"] = "application/json"
    return path, content, headers


def signed_get_headers(query: str, *, secret: str = TEST_API_SECRET) -> dict[str, str]:
    ts = time.time_ns() // 1_000_000
    return rest_headers(
        TEST_API_KEY, ts, 5000, rest_signature(secret, ts, TEST_API_KEY, 5000, query)
    )


def _order(link_id: str, symbol: str = "BTCUSDT") -> dict[str, Any]:
    return {
        "category": "spot", "symbol": symbol, "side": "Buy", "orderType": "Limit",
        "qty": "0.001", "price": "30000", "timeInForce": "GTC", "orderLinkId": link_id,
    }  # fmt: skip


def _classified(response: httpx.Response, *, retry_safe: bool = False) -> Any:
    reset = response.headers.get("X-Bapi-Limit-Reset-Timestamp")
    return errors.classify(
        response.status_code,
        response.content,
        retry_safe=retry_safe,
        limit_reset_ms=int(reset) if reset else None,
        now_ms=time.time_ns() // 1_000_000,
    )


async def test_a_good_signature_places_and_the_envelope_carries_the_ids() -> None:
    async with served() as (_, http):
        path, content, headers = signed_post("/v5/order/create", _order("wire-1"))
        response = await http.post(path, content=content, headers=headers)
        answer = response.json()
        assert response.status_code == 200 and answer["retCode"] == 0 and answer["retMsg"] == "OK"
        assert set(answer["result"]) == {"orderId", "orderLinkId"}
        assert answer["result"]["orderLinkId"] == "wire-1"
        assert isinstance(answer["time"], int) and answer["retExtInfo"] == {}


async def test_a_wrong_signature_is_refused_with_10004_and_nothing_is_placed() -> None:
    async with served() as (server, http):
        path, content, headers = signed_post("/v5/order/create", _order("wire-2"), secret="nope")
        response = await http.post(path, content=content, headers=headers)
        assert response.json()["retCode"] == 10004
        assert isinstance(_classified(response), AuthenticationError)
        assert server.dialect.sim.open_orders("bybit-uta") == []


async def test_a_tampered_body_breaks_the_signature() -> None:
    async with served() as (_, http):
        path, content, headers = signed_post("/v5/order/create", _order("wire-3"))
        tampered = content.replace(b'"0.001"', b'"0.002"')
        response = await http.post(path, content=tampered, headers=headers)
        assert response.json()["retCode"] == 10004


async def test_get_signatures_cover_the_query_string_and_an_unknown_key_is_10003() -> None:
    async with served() as (_, http):
        query = "accountType=UNIFIED"
        ok = await http.get(
            f"/v5/account/wallet-balance?{query}", headers=signed_get_headers(query)
        )
        assert ok.json()["retCode"] == 0
        coins = {c["coin"] for c in ok.json()["result"]["list"][0]["coin"]}
        assert {"USDT", "BTC", "ETH"} <= coins
        other = await http.get(
            "/v5/account/wallet-balance?accountType=UNIFIED&coin=BTC",
            headers=signed_get_headers(query),
        )
        assert other.json()["retCode"] == 10004
        unknown = {**signed_get_headers(query), "X-BAPI-API-KEY": "someoneelse"}
        refused = await http.get(f"/v5/account/wallet-balance?{query}", headers=unknown)
        assert refused.json()["retCode"] == 10003


async def test_a_stale_timestamp_is_10002_and_classified_as_clock_drift() -> None:
    async with served() as (_, http):
        stale = time.time_ns() // 1_000_000 - 60_000
        path, content, headers = signed_post("/v5/order/create", _order("wire-4"), ts=stale)
        response = await http.post(path, content=content, headers=headers)
        assert response.json()["retCode"] == 10002
        error = _classified(response)
        assert isinstance(error, errors.TimestampOutsideRecvWindow) and error.resync_clock


async def test_private_answers_report_the_per_uid_limit_in_headers() -> None:
    # The exchange's clock stands still: a loaded machine cannot let the 1-s window slide.
    clock = ManualClock(epoch_ms=time.time_ns() // 1_000_000)
    async with served(clock=clock) as (_, http):
        remaining = []
        for n in range(3):
            path, content, headers = signed_post(
                "/v5/order/create", _order(f"quota-{n}"), ts=clock.now_ms()
            )
            response = await http.post(path, content=content, headers=headers)
            assert response.headers["X-Bapi-Limit"] == "20"  # spot create: 20/s per UID
            remaining.append(int(response.headers["X-Bapi-Limit-Status"]))
            assert int(response.headers["X-Bapi-Limit-Reset-Timestamp"]) > 0
        assert remaining == sorted(remaining, reverse=True) and remaining[0] < 20
        public = await http.get("/v5/market/tickers?category=spot&symbol=BTCUSDT")
        assert "X-Bapi-Limit" not in public.headers  # no per-UID limit on market data


async def test_linear_orders_are_charged_to_the_linear_limit() -> None:
    async with served() as (_, http):
        body = {**_order("lin-1"), "category": "linear", "qty": "0.01", "positionIdx": 0}
        path, content, headers = signed_post("/v5/order/create", body)
        response = await http.post(path, content=content, headers=headers)
        assert response.json()["retCode"] == 0
        assert response.headers["X-Bapi-Limit"] == "10"


async def test_a_burst_over_the_per_uid_limit_is_10006_with_its_reset_time() -> None:
    async with served() as (_, http):
        requests = [signed_post("/v5/order/cancel", {"category": "spot", "symbol": "BTCUSDT",
                                                     "orderLinkId": f"x{n}"}) for n in range(30)]  # fmt: skip
        answers = await asyncio.gather(
            *(http.post(p, content=c, headers=h) for p, c, h in requests)
        )
        codes = [a.json()["retCode"] for a in answers]
        assert codes.count(10006) >= 10 and 170213 in codes  # 20 allowed: unknown orders
        limited = next(a for a in answers if a.json()["retCode"] == 10006)
        assert limited.headers["X-Bapi-Limit-Status"] == "0"
        error = _classified(limited)
        assert isinstance(error, RateLimited)
        assert error.retry_after_s is not None and 0 <= error.retry_after_s <= 1.0


async def test_the_ip_limit_answers_429_then_bans_with_403() -> None:
    async with served() as (server, http):
        server.ban_after_violations = 3
        pool = next(p for p in server.dialect.pools() if p.name == "bybit-ip-5s")
        assert server.quota.charge([Cost(pool, pool.limit)]) is None  # the window is full
        first = await http.get("/v5/market/time")
        assert first.status_code == 429
        assert isinstance(_classified(first, retry_safe=True), RateLimited)
        statuses = [(await http.get("/v5/market/time")).status_code for _ in range(3)]
        assert statuses[-1] == 403
        banned = await http.get("/v5/market/time")
        error = _classified(banned)
        assert banned.status_code == 403 and isinstance(error, IPBanned)
        assert error.retry_after_s == 600.0


async def test_public_streams_refuse_unknown_topics_and_answer_pings() -> None:
    async with served() as (server, _):
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{server.ws_url}/v5/public/spot") as ws,
        ):
            await ws.send_str(json.dumps({"req_id": "a", "op": "subscribe", "args": ["nope.X"]}))
            refused = json.loads(await ws.receive_str())
            assert refused["success"] is False and refused["req_id"] == "a"
            await ws.send_str(json.dumps({"req_id": "p", "op": "ping"}))
            pong = json.loads(await ws.receive_str())
            assert pong["ret_msg"] == "pong" and pong["op"] == "ping"
            topic = "orderbook.50.BTCUSDT"
            await ws.send_str(json.dumps({"req_id": "b", "op": "subscribe", "args": [topic]}))
            ack = json.loads(await ws.receive_str())
            snapshot = json.loads(await ws.receive_str())
            assert ack["success"] is True
            assert snapshot["topic"] == topic and snapshot["type"] == "snapshot"
            assert len(snapshot["data"]["b"]) <= 50 and snapshot["data"]["u"] > 1


async def test_private_stream_needs_a_valid_login_before_subscribing() -> None:
    async with served() as (server, _):
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{server.ws_url}/v5/private") as ws,
        ):
            await ws.send_str(json.dumps({"op": "subscribe", "args": ["order"]}))
            assert json.loads(await ws.receive_str())["success"] is False
            expires = time.time_ns() // 1_000_000 + 10_000
            bad = ws_auth_message(TEST_API_KEY, "wrong", expires)
            await ws.send_str(json.dumps(bad))
            assert json.loads(await ws.receive_str())["success"] is False
            good = ws_auth_message(TEST_API_KEY, TEST_API_SECRET, expires)
            await ws.send_str(json.dumps(good))
            assert json.loads(await ws.receive_str()) | {"conn_id": ""} == {
                "success": True, "ret_msg": "", "op": "auth", "conn_id": "",
            }  # fmt: skip
            await ws.send_str(json.dumps({"op": "subscribe", "args": ["order", "wallet"]}))
            assert json.loads(await ws.receive_str())["success"] is True


@pytest.mark.parametrize("category", ["spot", "linear"])
async def test_instruments_carry_bybit_filters_per_category(category: str) -> None:
    async with served() as (_, http):
        answer = (await http.get(f"/v5/market/instruments-info?category={category}")).json()
        rows = answer["result"]["list"]
        assert answer["result"]["category"] == category and rows
        lot = rows[0]["lotSizeFilter"]
        if category == "spot":
            assert {"basePrecision", "minOrderAmt"} <= set(lot)
        else:
            assert {"qtyStep", "minOrderQty", "minNotionalValue"} <= set(lot)
            assert rows[0]["contractType"] == "LinearPerpetual"
