"""RSA and Ed25519 API keys end to end: the adapter signs with the private key, the emulator
verifies with the registered public key (REST and the spot WebSocket API's user data)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from exchangekit_binance.emulator import SPOT_EMULATOR, ApiCredentials, BinanceDialect
from exchangekit_binance.signing import encode_params, load_private_key, rest_signature

import exchangekit
from exchangekit import AuthenticationError
from exchangekit.models import Order, OrderRequest, OrderType, Side
from exchangekit.sim import OrderEvent
from exchangekit.testing.server import EmulatorServer

RSA_API_KEY = "ekEmulatorRsaKey".ljust(64, "2")
ED_API_KEY = "ekEmulatorEd25519Key".ljust(64, "3")


def _pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="module")
def keys() -> dict[str, str]:
    """API key -> its private key's PEM."""
    return {
        RSA_API_KEY: _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ED_API_KEY: _pem(ed25519.Ed25519PrivateKey.generate()),
    }


@contextlib.asynccontextmanager
async def serving(keys: dict[str, str]) -> AsyncIterator[tuple[BinanceDialect, EmulatorServer]]:
    accounts = [
        ApiCredentials(api_key, "", f"acct-{api_key[10:13]}", public_key=public)
        for api_key, pem in keys.items()
        for public in [load_private_key(pem).public_pem()]
    ]
    dialect = BinanceDialect("spot", accounts=accounts, history_minutes=0)
    async with EmulatorServer(dialect) as server:
        yield dialect, server


def _client(server: EmulatorServer, api_key: str, pem: str) -> exchangekit.ExchangeClient:
    config = dict(SPOT_EMULATOR.client_config(server))
    config.update(api_key=api_key, api_secret=None, private_key=pem)
    return exchangekit.connect("binance", **config)


@pytest.mark.parametrize("api_key", [RSA_API_KEY, ED_API_KEY], ids=["rsa", "ed25519"])
async def test_an_asymmetric_key_signs_reads_and_orders(keys: dict[str, str], api_key: str) -> None:
    async with serving(keys) as (dialect, server), _client(server, api_key, keys[api_key]) as c:
        held = {b.asset: b.total for b in await c.get_balances()}
        assert held["USDT"] == Decimal(10_000)
        order = await c.place_order(
            OrderRequest(symbol="BTC/USDT", side=Side.BUY, type=OrderType.MARKET,
                         quantity=Decimal("0.001"))
        )  # fmt: skip
        account = dialect.venue.credentials[api_key].account
        assert dialect.sim.get_order(account, order_id=order.order_id).status is order.status


async def test_a_signature_by_another_key_is_refused(keys: dict[str, str]) -> None:
    impostor = _pem(ed25519.Ed25519PrivateKey.generate())
    async with serving(keys) as (dialect, server), _client(server, ED_API_KEY, impostor) as c:
        with pytest.raises(AuthenticationError):
            await c.get_balances()
        with pytest.raises(AuthenticationError):
            await c.place_order(
                OrderRequest(symbol="BTC/USDT", side=Side.BUY, type=OrderType.MARKET,
                             quantity=Decimal("0.001"))
            )  # fmt: skip
    assert not dialect.sim.record.of(OrderEvent)


async def test_asymmetric_signatures_are_case_sensitive(keys: dict[str, str]) -> None:
    async with (
        serving(keys) as (_dialect, server),
        httpx.AsyncClient(base_url=server.http_url, headers={"X-MBX-APIKEY": RSA_API_KEY}) as http,
    ):
        query = encode_params({"timestamp": server.now_ms()})
        signature = rest_signature(keys[RSA_API_KEY], query)
        good = await http.get(f"/api/v3/account?{query}&{encode_params({'signature': signature})}")
        assert good.status_code == 200, good.text
        swapped = signature.swapcase()
        bad = await http.get(f"/api/v3/account?{query}&{encode_params({'signature': swapped})}")
        assert bad.json() == {"code": -1022, "msg": "Signature for this request is not valid."}


async def test_spot_user_data_subscribes_with_an_ed25519_key(keys: dict[str, str]) -> None:
    async with (
        serving(keys) as (_dialect, server),
        _client(server, ED_API_KEY, keys[ED_API_KEY]) as c,
    ):
        seen: list[Order] = []
        got = asyncio.Event()

        async def read() -> None:
            async for order in c.stream_orders():
                seen.append(order)
                got.set()

        reader = asyncio.create_task(read())
        try:
            await c.start_user_stream()  # userDataStream.subscribe.signature, Ed25519-signed
            placed = await c.place_order(
                OrderRequest(symbol="BTC/USDT", side=Side.BUY, type=OrderType.MARKET,
                             quantity=Decimal("0.001"))
            )  # fmt: skip
            await asyncio.wait_for(got.wait(), 10)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        assert placed.order_id in {o.order_id for o in seen}
