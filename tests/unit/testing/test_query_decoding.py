"""The emulator server hands dialects each query value decoded exactly once, as a real web
server does, and the dialects check signatures over the query's bytes exactly as sent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httpx
from exchangekit_binance import emulator as binance
from exchangekit_binance.signing import rest_signature as binance_signature
from exchangekit_bybit import emulator as bybit
from exchangekit_bybit.signing import rest_headers as bybit_headers
from exchangekit_bybit.signing import rest_signature as bybit_signature
from exchangekit_okx import emulator as okx
from exchangekit_okx.signing import iso_timestamp
from exchangekit_okx.signing import rest_signature as okx_signature
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit.testing.server import EmulatorServer
from exchangekit.testing.wire import EmulatorRequest, EmulatorResponse, HttpRoute, json_response
from exchangekit.transport import encode_params
from tests.unit.testing.test_emulator_server import ToyDialect


class EchoDialect(ToyDialect):
    """The toy dialect plus ``GET /echo``: what the dialect was handed."""

    def http_routes(self) -> Sequence[HttpRoute]:
        async def echo(req: EmulatorRequest) -> EmulatorResponse:
            return json_response({"raw": req.query_string, "query": req.query})

        return [*super().http_routes(), HttpRoute("GET", "/echo", echo)]


async def _echo(raw_query: str) -> tuple[str, list[tuple[str, str]]]:
    async with (
        EmulatorServer(EchoDialect()) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):
        answer = (await http.get(f"/echo?{raw_query}")).json()
    return answer["raw"], [(k, v) for k, v in answer["query"]]


async def test_a_literal_percent_25_reaches_the_dialect_as_a_percent_sign() -> None:
    raw, query = await _echo("v=100%25&w=a%2525b")
    assert raw == "v=100%25&w=a%2525b"
    assert query == [("v", "100%"), ("w", "a%25b")]


async def test_a_bybit_cursor_sent_back_encoded_arrives_as_it_was_issued() -> None:
    issued = "132766%3A2%2C132766%3A2"  # as it stands in Bybit's JSON
    raw, query = await _echo(encode_params([("cursor", issued), ("limit", "50")]))
    assert raw == "cursor=132766%253A2%252C132766%253A2&limit=50"
    assert query == [("cursor", issued), ("limit", "50")]


async def test_encoded_separators_and_plus_stay_inside_their_value() -> None:
    _, query = await _echo("a=x%26y%3Dz&b=%2B1&c=1+2&d=")
    assert query == [("a", "x&y=z"), ("b", "+1"), ("c", "1 2"), ("d", "")]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=16)), min_size=1, max_size=5
    )
)
def test_any_text_the_transport_encodes_arrives_decoded_once(pairs: list[tuple[str, str]]) -> None:
    raw_query = encode_params(pairs)
    raw, query = asyncio.run(_echo(raw_query))
    assert raw == raw_query
    assert query == pairs


# -- signatures over the bytes as sent ----------------------------------------------------
# Each pair below says the same thing in two encodings ("%55" is "U"); the exchange signs
# the bytes, so a signature over one encoding does not cover the other.


async def test_binance_verifies_the_query_bytes_as_sent() -> None:
    dialect = binance.BinanceDialect("spot", history_minutes=0)
    headers = {"X-MBX-APIKEY": binance.TEST_API_KEY}
    async with (
        EmulatorServer(dialect) as server,
        httpx.AsyncClient(base_url=server.http_url, headers=headers) as http,
    ):

        async def get(sent: str, signed: str) -> int:
            sig = binance_signature(binance.TEST_API_SECRET, signed)
            response = await http.get(f"/api/v3/openOrders?{sent}&signature={sig}")
            code: int = response.json()["code"] if response.status_code != 200 else 0
            return code

        stamp = f"timestamp={server.now_ms()}"
        plain, spelled = f"symbol=BTCUSDT&{stamp}", f"symbol=BTC%55SDT&{stamp}"
        assert await get(spelled, spelled) == 0
        assert await get(plain, plain) == 0
        assert await get(spelled, plain) == -1022


async def test_bybit_verifies_the_query_bytes_as_sent() -> None:
    async with (
        EmulatorServer(bybit.BybitDialect(seed=3)) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):

        async def get(sent: str, signed: str) -> int:
            ts = time.time_ns() // 1_000_000
            sig = bybit_signature(bybit.TEST_API_SECRET, ts, bybit.TEST_API_KEY, 5000, signed)
            headers = bybit_headers(bybit.TEST_API_KEY, ts, 5000, sig)
            code: int = (
                await http.get(f"/v5/account/wallet-balance?{sent}", headers=headers)
            ).json()["retCode"]
            return code

        plain, spelled = "accountType=UNIFIED", "accountType=%55NIFIED"
        assert await get(spelled, spelled) == 0
        assert await get(plain, plain) == 0
        assert await get(spelled, plain) == 10004


async def test_okx_verifies_the_query_bytes_as_sent() -> None:
    async with (
        EmulatorServer(okx.OkxDialect()) as server,
        httpx.AsyncClient(base_url=server.http_url) as http,
    ):

        async def get(sent: str, signed: str) -> str:
            stamp = iso_timestamp(time.time_ns() // 1_000_000)
            path = "/api/v5/account/positions"
            headers = {
                "OK-ACCESS-KEY": okx.TEST_API_KEY,
                "OK-ACCESS-SIGN": okx_signature(
                    okx.TEST_API_SECRET, stamp, "GET", f"{path}?{signed}", ""
                ),
                "OK-ACCESS-TIMESTAMP": stamp,
                "OK-ACCESS-PASSPHRASE": okx.TEST_PASSPHRASE,
            }
            code: str = (await http.get(f"{path}?{sent}", headers=headers)).json()["code"]
            return code

        plain, spelled = "instType=SWAP", "instType=%53WAP"
        assert await get(spelled, spelled) == "0"
        assert await get(plain, plain) == "0"
        assert await get(spelled, plain) == "50113"
