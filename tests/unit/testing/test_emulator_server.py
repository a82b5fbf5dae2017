"""The emulator framework over real loopback sockets, with a toy dialect."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import httpx
import pytest
import websockets

from exchangekit.ratelimit.spec import Cost, Pool
from exchangekit.testing import FaultKind, FaultPlan, FaultRule
from exchangekit.testing.server import EmulatorServer
from exchangekit.testing.wire import (
    EmulatorRequest,
    EmulatorResponse,
    HttpRoute,
    WsRoute,
    json_response,
)
from exchangekit.testing.ws import WsConnection
from exchangekit.transport.endpoint import Endpoint

WEIGHT = Pool(name="weight", limit=10, window_s=60)
PING = Endpoint("GET", "/ping", cost=(Cost(WEIGHT, 2),))
ORDER = Endpoint("POST", "/order", cost=(Cost(WEIGHT, 1),))


class ToyDialect:
    name = "toy"

    def __init__(self) -> None:
        self.orders: list[str] = []
        self.expired = 0

    def http_routes(self) -> Sequence[HttpRoute]:
        async def ping(req: EmulatorRequest) -> EmulatorResponse:
            return json_response({})

        async def order(req: EmulatorRequest) -> EmulatorResponse:
            self.orders.append(req.params["id"])
            return json_response({"id": req.params["id"], "status": "NEW"})

        return [HttpRoute("GET", "/ping", ping, PING), HttpRoute("POST", "/order", order, ORDER)]

    def ws_routes(self) -> Sequence[WsRoute]:
        async def stream(conn: WsConnection, req: EmulatorRequest) -> None:
            for i in range(1, 21):
                await conn.send(str(i), stream="numbers")
            async for _ in conn:
                pass

        return [WsRoute("/ws", stream)]

    def pools(self) -> Sequence[Pool]:
        return [WEIGHT]

    def authenticate(self, request: EmulatorRequest, route: HttpRoute) -> EmulatorResponse | None:
        if route.endpoint is ORDER and request.headers.get("X-KEY") != "good":
            return json_response({"code": -2014, "msg": "API-key format invalid."}, status=401)
        return None

    def rate_limited(
        self, request: EmulatorRequest, pool: Pool, retry_after_s: float
    ) -> EmulatorResponse:
        return json_response(
            {"code": -1003, "msg": "Too many requests"},
            429,
            {"Retry-After": str(max(1, round(retry_after_s)))},
        )

    def banned(self, request: EmulatorRequest, retry_after_s: float) -> EmulatorResponse:
        return json_response(
            {"code": -1003, "msg": "banned"}, 418, {"Retry-After": str(round(retry_after_s))}
        )

    def server_error(self, request: EmulatorRequest, status: int) -> EmulatorResponse:
        return EmulatorResponse(status=status, body=b"<html>oops</html>", content_type="text/html")

    def usage_headers(self, usage: Mapping[Pool, int]) -> dict[str, str]:
        return {"X-USED": str(usage.get(WEIGHT, 0))}

    def expire_sessions(self) -> None:
        self.expired += 1

    async def run(self, server: EmulatorServer) -> None:
        return None


async def test_weights_are_enforced_and_usage_reported() -> None:
    async with (
        EmulatorServer(ToyDialect()) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        seen = []
        for _ in range(6):
            r = await http.get("/ping")
            seen.append((r.status_code, r.headers.get("X-USED")))
        assert seen[:5] == [(200, str(2 * i)) for i in range(1, 6)]
        assert seen[5][0] == 429
        refused = await http.get("/ping")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.json()["code"] == -1003


async def test_bad_auth_gets_the_dialects_refusal() -> None:
    async with (
        EmulatorServer(ToyDialect()) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        r = await http.post("/order", data={"id": "a"})
        assert r.status_code == 401
        assert r.json()["code"] == -2014


async def test_accept_then_timeout_acts_but_never_answers() -> None:
    dialect = ToyDialect()
    plan = FaultPlan(
        [FaultRule(kind=FaultKind.TIMEOUT_AFTER_ACCEPT, target="/order", method="POST", hang_s=5)]
    )
    async with (
        EmulatorServer(dialect, faults=plan) as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=httpx.Timeout(5, read=0.3)) as http,
    ):
        with pytest.raises(httpx.ReadTimeout):
            await http.post("/order", data={"id": "x1"}, headers={"X-KEY": "good"})
        assert dialect.orders == ["x1"]  # the order exists although the client saw a timeout
        assert plan.count(FaultKind.TIMEOUT_AFTER_ACCEPT) == 1
        assert plan.injected[0].detail == "accepted"


async def test_reset_mid_response_acts_then_cuts_the_answer() -> None:
    dialect = ToyDialect()
    plan = FaultPlan([FaultRule(kind=FaultKind.RESET_MID_RESPONSE, target="/order", times=1)])
    async with (
        EmulatorServer(dialect, faults=plan) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await http.post("/order", data={"id": "x2"}, headers={"X-KEY": "good"})
        assert dialect.orders == ["x2"]
        ok = await http.post("/order", data={"id": "x3"}, headers={"X-KEY": "good"})
        assert ok.status_code == 200


async def test_timeout_before_accept_never_acts() -> None:
    dialect = ToyDialect()
    plan = FaultPlan([FaultRule(kind=FaultKind.TIMEOUT_BEFORE_ACCEPT, target="/order", hang_s=2)])
    async with (
        EmulatorServer(dialect, faults=plan) as server,
        httpx.AsyncClient(base_url=server.http_url, timeout=httpx.Timeout(5, read=0.2)) as http,
    ):
        with pytest.raises(httpx.ReadTimeout):
            await http.post("/order", data={"id": "x4"}, headers={"X-KEY": "good"})
        assert dialect.orders == []


async def test_418_bans_every_later_request_until_it_lifts() -> None:
    plan = FaultPlan(
        [FaultRule(kind=FaultKind.HTTP_418, target="/ping", times=1, retry_after_s=0.3)]
    )
    async with (
        EmulatorServer(ToyDialect(), faults=plan, enforce_limits=False) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        assert (await http.get("/ping")).status_code == 418
        assert (
            await http.post("/order", data={"id": "z"}, headers={"X-KEY": "good"})
        ).status_code == 418
        await asyncio.sleep(0.35)
        assert (await http.get("/ping")).status_code == 200


async def test_stream_faults_skip_duplicate_and_reorder_deterministically() -> None:
    plan = FaultPlan(
        [
            FaultRule(kind=FaultKind.WS_SKIP, target="numbers", every=7),
            FaultRule(kind=FaultKind.WS_DUPLICATE, target="numbers", every=5),
            FaultRule(kind=FaultKind.WS_REORDER, target="numbers", after=9, times=1),
        ],
        seed=3,
    )
    async with EmulatorServer(ToyDialect(), faults=plan) as server:
        async with websockets.connect(server.ws_url + "/ws") as ws:
            got = [int(await asyncio.wait_for(ws.recv(), 2)) for _ in range(20)]
    assert 7 not in got and 14 not in got  # skipped
    assert got.count(5) == 2 and got.count(15) == 2  # duplicated
    assert got.index(11) < got.index(10)  # the 10th was held back behind the 11th
    assert plan.count(FaultKind.WS_SKIP) == 2


async def test_ws_drop_closes_the_socket_abruptly() -> None:
    plan = FaultPlan([FaultRule(kind=FaultKind.WS_DROP, target="numbers", after=3, times=1)])
    async with EmulatorServer(ToyDialect(), faults=plan) as server:
        async with websockets.connect(server.ws_url + "/ws") as ws:
            got = []
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    got.append(await asyncio.wait_for(ws.recv(), 2))
    assert got == ["1", "2", "3"]
    assert plan.count(FaultKind.WS_DROP) == 1


def test_same_seed_same_decisions() -> None:
    def run(seed: int) -> list[int]:
        plan = FaultPlan([FaultRule(kind=FaultKind.HTTP_5XX, probability=0.3)], seed=seed)
        return [i for i in range(200) if plan.http_faults("GET", "/x")]

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert 30 < len(run(1)) < 90
