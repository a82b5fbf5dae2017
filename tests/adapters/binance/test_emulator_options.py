"""The Binance emulator's options: initial balances, rate-limit overrides, listed symbols, and
``exchangekit emulate``'s flags for them."""

from __future__ import annotations

import argparse
from decimal import Decimal

import httpx
import pytest
from exchangekit_binance.emulator import (
    SPOT_EMULATOR,
    TEST_API_KEY,
    TEST_API_SECRET,
    USDM_EMULATOR,
    BinanceDialect,
)
from exchangekit_binance.signing import encode_params, rest_signature

import exchangekit
from exchangekit.clock import ManualClock
from exchangekit.models import OrderRequest, OrderStatus, OrderType, Side
from exchangekit.testing.cli import dialect_options
from exchangekit.testing.server import EmulatorServer


async def test_the_test_account_starts_with_the_balances_asked_for() -> None:
    dialect = SPOT_EMULATOR.create_dialect(balances={"USDT": "5000", "BTC": 1}, history_minutes=0)
    async with (
        EmulatorServer(dialect) as server,
        exchangekit.connect("binance", **SPOT_EMULATOR.client_config(server)) as client,
    ):
        held = {b.asset: b.total for b in await client.get_balances() if b.total}
    assert held == {"USDT": Decimal(5000), "BTC": Decimal(1)}


async def test_futures_margin_can_be_set_too() -> None:
    dialect = USDM_EMULATOR.create_dialect(balances={"USDT": "250"}, history_minutes=0)
    async with (
        EmulatorServer(dialect) as server,
        exchangekit.connect("binanceusdm", **USDM_EMULATOR.client_config(server)) as client,
    ):
        held = {b.asset: b.total for b in await client.get_balances() if b.total}
    assert held == {"USDT": Decimal(250)}


async def test_rate_limit_overrides_are_enforced_and_advertised() -> None:
    limits = {"request_weight_1m": 1200, "ORDERS_10S": 3}
    # A clock that stands still: no window rolls over during the test.
    clock = ManualClock(epoch_ms=1_767_225_600_000)
    dialect = BinanceDialect("spot", rate_limits=limits, clock=clock, history_minutes=0)
    by_name = {p.name: p.limit for p in dialect.pools()}
    assert by_name["binance-spot-request-weight-1m"] == 1200
    assert by_name["binance-spot-orders-10s"] == 3
    assert by_name["binance-spot-orders-1d"] == 200_000  # untouched
    async with (
        EmulatorServer(dialect) as server,
        httpx.AsyncClient(base_url=server.http_url, headers={"X-MBX-APIKEY": TEST_API_KEY}) as http,
    ):
        info = (await http.get("/api/v3/exchangeInfo")).json()
        rows = {
            (r["rateLimitType"], r["intervalNum"], r["interval"]): r for r in info["rateLimits"]
        }
        assert rows[("REQUEST_WEIGHT", 1, "MINUTE")]["limit"] == 1200
        assert rows[("ORDERS", 10, "SECOND")]["limit"] == 3
        answers = []
        for n in range(4):
            params = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001",
                      "newClientOrderId": f"limit-{n}", "timestamp": server.now_ms()}  # fmt: skip
            query = encode_params(params)
            signature = rest_signature(TEST_API_SECRET, query)
            answers.append(await http.post(f"/api/v3/order?{query}&signature={signature}"))
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[2].headers["X-MBX-ORDER-COUNT-10S"] == "3"
        assert answers[3].json() == {
            "code": -1015,
            "msg": "Too many new orders; current limit is 3 orders per 10 SECOND.",
        }


def test_unknown_or_nonpositive_rate_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown rate limits"):
        BinanceDialect("spot", rate_limits={"ORDERS_1M": 5}, history_minutes=0)
    with pytest.raises(ValueError, match="positive"):
        BinanceDialect("usdm", rate_limits={"ORDERS_1M": 0}, history_minutes=0)


async def test_the_futures_emulator_can_list_the_eth_perpetual_and_trade_it() -> None:
    symbols = ("BTC/USDT:USDT", "ETH/USDT:USDT")
    dialect = USDM_EMULATOR.create_dialect(symbols=symbols, history_minutes=5)
    async with (
        EmulatorServer(dialect) as server,
        exchangekit.connect("binanceusdm", **USDM_EMULATOR.client_config(server)) as client,
    ):
        eth = (await client.load_instruments())["ETH/USDT:USDT"]
        assert eth.exchange_symbol == "ETHUSDT" and eth.tick_size == Decimal("0.01")
        assert eth.step_size == Decimal("0.001") and eth.min_notional == Decimal(20)
        ticker = await client.get_ticker("ETH/USDT:USDT")
        assert ticker.bid is not None and Decimal(2000) < ticker.bid < Decimal(4000)
        order = await client.place_order(
            OrderRequest(symbol="ETH/USDT:USDT", side=Side.BUY, type=OrderType.MARKET,
                         quantity=Decimal("0.01"))
        )  # fmt: skip
        assert order.status in (OrderStatus.OPEN, OrderStatus.FILLED)
    position = dialect.sim.position(dialect.name, "ETH/USDT:USDT")
    assert position.quantity == Decimal("0.01")
    assert dialect.venue.funding_rates["ETH/USDT:USDT"] == Decimal("0.0001")


def test_unlisted_symbols_are_refused() -> None:
    with pytest.raises(ValueError, match="SOL/USDT:USDT"):
        BinanceDialect("usdm", symbols=("SOL/USDT:USDT",), history_minutes=0)
    with pytest.raises(ValueError, match="ETH/USDT:USDT"):
        BinanceDialect("spot", symbols=("ETH/USDT:USDT",), history_minutes=0)


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--speed", type=float, default=None)
    for name in ("--balance", "--rate-limit", "--symbol"):
        parser.add_argument(name, action="append", default=[])
    return parser.parse_args(argv)


def test_emulate_flags_become_dialect_options() -> None:
    args = _args(
        "--speed", "10", "--balance", "USDT=5000", "--balance", "BTC=0.25",
        "--rate-limit", "REQUEST_WEIGHT_1M=1200", "--symbol", "BTC/USDT",
    )  # fmt: skip
    assert dialect_options(args) == {
        "seed": 1,
        "speed": 10.0,
        "balances": {"USDT": Decimal(5000), "BTC": Decimal("0.25")},
        "rate_limits": {"REQUEST_WEIGHT_1M": 1200},
        "symbols": ("BTC/USDT",),
    }
    assert dialect_options(_args()) == {"seed": 1}  # nothing an emulator might not know
    dialect = SPOT_EMULATOR.create_dialect(**dialect_options(args), history_minutes=0)
    assert dialect.clock.now_ms() > 0 and getattr(dialect.clock, "speed", None) == 10.0


@pytest.mark.parametrize(
    "argv",
    [
        ("--balance", "USDT"),
        ("--balance", "USDT=lots"),
        ("--balance", "USDT=-5"),
        ("--rate-limit", "ORDERS_10S=ten"),
        ("--speed", "0"),
    ],
)
def test_malformed_emulate_flags_are_refused(argv: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        dialect_options(_args(*argv))
