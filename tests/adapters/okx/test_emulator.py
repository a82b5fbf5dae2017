"""The OKX emulator as OKX's documentation describes the wire, checked with raw requests.

Requests are built and signed by hand here (``exchangekit_okx.signing`` only), so a test
fails when the emulator accepts what OKX would refuse, or answers in a shape OKX does not.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
from exchangekit_okx.emulator import (
    TEST_API_KEY,
    TEST_API_SECRET,
    TEST_PASSPHRASE,
    OkxDialect,
)
from exchangekit_okx.endpoints import TICKER
from exchangekit_okx.signing import iso_timestamp, rest_signature, ws_login_args

from exchangekit.clock import ManualClock
from exchangekit.testing.server import EmulatorServer
from exchangekit.transport import Credentials


@contextlib.asynccontextmanager
async def serving(**config: Any) -> AsyncIterator[tuple[EmulatorServer, httpx.AsyncClient]]:
    async with EmulatorServer(OkxDialect(**config)) as server:
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            yield server, http


def signed(
    method: str,
    path: str,
    body: str = "",
    *,
    secret: str = TEST_API_SECRET,
    passphrase: str = TEST_PASSPHRASE,
    skew_ms: int = 0,
) -> dict[str, str]:
    stamp = iso_timestamp(time.time_ns() // 1_000_000 + skew_ms)
    return {
        "OK-ACCESS-KEY": TEST_API_KEY,
        "OK-ACCESS-SIGN": rest_signature(secret, stamp, method, path, body),
        "OK-ACCESS-TIMESTAMP": stamp,
        "OK-ACCESS-PASSPHRASE": passphrase,
        "Content-Type": "application/json",
    }


async def post(http: httpx.AsyncClient, path: str, payload: Any, **kw: Any) -> httpx.Response:
    body = json.dumps(payload, separators=(",", ":"))
    return await http.post(path, content=body, headers=signed("POST", path, body, **kw))


# -- authentication -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"secret": "not-the-secret"}, "50113"),
        ({"passphrase": "wrong"}, "50105"),
        ({"skew_ms": 31_000}, "50102"),
    ],
)
async def test_a_bad_signature_passphrase_or_timestamp_is_refused(kw: Any, code: str) -> None:
    async with serving() as (server, http):
        record = server.dialect.sim.record  # type: ignore[attr-defined]
        before = len(record)
        body = json.dumps({"instId": "BTC-USDT", "tdMode": "cash", "side": "buy",
                           "ordType": "market", "sz": "0.001", "tgtCcy": "base_ccy"})  # fmt: skip
        path = "/api/v5/trade/order"
        response = await http.post(path, content=body, headers=signed("POST", path, body, **kw))
        assert response.status_code == 401
        assert response.json() == {"code": code, "msg": response.json()["msg"], "data": []}
        assert len(record) == before  # the order was never placed


async def test_the_query_string_and_the_body_are_both_signed() -> None:
    async with serving() as (_, http):
        path = "/api/v5/account/positions?instType=SWAP"
        ok = await http.get(path, headers=signed("GET", path))
        assert ok.status_code == 200 and ok.json()["code"] == "0"
        tampered = await http.get(
            "/api/v5/account/positions?instType=SPOT", headers=signed("GET", path)
        )
        assert tampered.json()["code"] == "50113"
        order = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit"}
        body = json.dumps({**order, "sz": "0.001", "px": "1000"})
        headers = signed("POST", "/api/v5/trade/order", body)
        other = json.dumps({**order, "sz": "0.002", "px": "1000"})
        answer = await http.post("/api/v5/trade/order", content=other, headers=headers)
        assert answer.status_code == 401 and answer.json()["code"] == "50113"


# -- orders -----------------------------------------------------------------------------


async def test_order_refusals_are_code_1_with_the_reason_in_scode() -> None:
    async with serving() as (_, http):
        base = {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy", "ordType": "market"}
        half_lot = await post(http, "/api/v5/trade/order", {**base, "sz": "0.005"})
        assert half_lot.status_code == 200
        answer = half_lot.json()
        assert answer["code"] == "1" and answer["data"][0]["sCode"] == "51121"
        bad_id = await post(http, "/api/v5/trade/order", {**base, "sz": "1", "clOrdId": "a-b"})
        assert bad_id.json()["data"][0]["sCode"] == "51000"
        resting = {**base, "ordType": "limit", "px": "1000", "sz": "1", "clOrdId": "abc1"}
        first = await post(http, "/api/v5/trade/order", resting)
        assert first.json()["code"] == "0" and first.json()["data"][0]["sCode"] == "0"
        again = await post(http, "/api/v5/trade/order", resting)
        assert again.json()["data"][0]["sCode"] == "51016"  # duplicate among live orders


async def test_swap_rows_are_in_contracts() -> None:
    async with serving() as (_, http):
        order = {"instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "buy", "ordType": "limit"}
        placed = await post(http, "/api/v5/trade/order", {**order, "px": "1000", "sz": "3"})
        ord_id = placed.json()["data"][0]["ordId"]
        path = f"/api/v5/trade/order?instId=BTC-USDT-SWAP&ordId={ord_id}"
        (row,) = (await http.get(path, headers=signed("GET", path))).json()["data"]
        assert (row["sz"], row["state"], row["ordType"], row["posSide"]) == (
            "3",
            "live",
            "limit",
            "net",
        )
        path = "/api/v5/public/instruments?instType=SWAP"
        (inst,) = (await http.get(path)).json()["data"]
        assert (inst["ctVal"], inst["lotSz"], inst["ctType"]) == ("0.01", "0.01", "linear")


# -- rate limits --------------------------------------------------------------------------


async def test_an_endpoint_over_its_two_second_quota_is_refused_with_50011() -> None:
    # The exchange's clock stands still: a loaded machine cannot let the window slide.
    async with serving(clock=ManualClock()) as (server, http):
        answers = [
            await http.get("/api/v5/market/ticker?instId=BTC-USDT") for _ in range(TICKER.limit + 1)
        ]
        assert [a.status_code for a in answers[:-1]] == [200] * TICKER.limit
        assert answers[-1].status_code == 429
        assert answers[-1].json() == {"code": "50011", "msg": "Too Many Requests", "data": []}
        # OKX reports no usage headers: the client counts by itself.
        assert not any(k.lower().startswith(("x-mbx", "x-ratelimit")) for k in answers[0].headers)
        # Other endpoints have their own pools.
        books = await http.get("/api/v5/market/books?instId=BTC-USDT&sz=5")
        assert books.status_code == 200
        assert server.quota.usage(TICKER) == TICKER.limit


# -- WebSocket ----------------------------------------------------------------------------


async def _ws(server: EmulatorServer, path: str) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url + path) as ws:
        yield ws


async def test_private_channels_need_a_valid_login() -> None:
    async with serving() as (server, _):
        async for ws in _ws(server, "/ws/v5/private"):
            await ws.send_str(json.dumps({"op": "subscribe", "args": [{"channel": "orders"}]}))
            assert (await ws.receive_json())["code"] == "60011"  # log in first
            wrong = Credentials(TEST_API_KEY, "bad-secret", passphrase=TEST_PASSPHRASE)
            args = ws_login_args(wrong, int(time.time()))
            await ws.send_str(json.dumps({"op": "login", "args": [args]}))
            assert (await ws.receive_json())["code"] == "60007"
            good = Credentials(TEST_API_KEY, TEST_API_SECRET, passphrase=TEST_PASSPHRASE)
            stale = ws_login_args(good, int(time.time()) - 60)
            await ws.send_str(json.dumps({"op": "login", "args": [stale]}))
            assert (await ws.receive_json())["code"] == "60006"
            await ws.send_str(
                json.dumps({"op": "login", "args": [ws_login_args(good, int(time.time()))]})
            )
            assert (await ws.receive_json())["event"] == "login"
            await ws.send_str("ping")
            assert (await ws.receive_str()) == "pong"


async def test_books_start_with_a_snapshot_and_chain_updates_by_seq_id() -> None:
    async with serving(interval_scale=0.1) as (server, _):
        async for ws in _ws(server, "/ws/v5/public"):
            arg = {"channel": "books", "instId": "BTC-USDT"}
            await ws.send_str(json.dumps({"id": "1", "op": "subscribe", "args": [arg]}))
            ack = await ws.receive_json()
            assert (ack["id"], ack["event"], ack["arg"]) == ("1", "subscribe", arg)
            snapshot = await ws.receive_json()
            assert snapshot["action"] == "snapshot"
            (row,) = snapshot["data"]
            assert row["prevSeqId"] == -1 and row["checksum"] == 0
            assert len(row["bids"][0]) == 4  # [px, sz, "0", numOrders]
            last = row["seqId"]
            for _ in range(3):
                update = await ws.receive_json()
                assert update["action"] == "update"
                (row,) = update["data"]
                assert row["prevSeqId"] == last
                last = row["seqId"]
