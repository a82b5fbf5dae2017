"""The distribution declares its adapters and emulators; both names build a client."""

import tomllib
from pathlib import Path

import exchangekit_bybit
import pytest
from exchangekit_bybit.client import BybitClient

import exchangekit
from exchangekit import MarketKind

PYPROJECT = Path(__file__).resolve().parents[3] / "adapters" / "bybit" / "pyproject.toml"


def test_pyproject_registers_both_markets_as_adapters_and_emulators() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["name"] == "exchangekit-bybit"
    assert "exchangekit" in project["dependencies"]
    assert project["entry-points"]["exchangekit.adapters"] == {
        "bybit": "exchangekit_bybit:create",
        "bybitlinear": "exchangekit_bybit:create_linear",
    }
    assert project["entry-points"]["exchangekit.emulators"] == {
        "bybit": "exchangekit_bybit.emulator:SPOT_EMULATOR",
        "bybitlinear": "exchangekit_bybit.emulator:LINEAR_EMULATOR",
    }


async def test_connect_builds_a_spot_and_a_linear_client() -> None:
    assert {"bybit", "bybitlinear"} <= set(exchangekit.available_adapters())
    async with exchangekit.connect("bybit", api_key="k", api_secret="s") as spot:
        assert isinstance(spot, BybitClient)
        assert spot.capabilities.market_kinds == {MarketKind.SPOT}
    async with exchangekit.connect("bybitlinear") as linear:
        assert linear.capabilities.market_kinds == {MarketKind.PERPETUAL}
        assert linear.capabilities.reduce_only


def test_config_switches_testnet_and_demo_urls() -> None:
    from exchangekit_bybit.config import BybitConfig

    live = BybitConfig(market="linear")
    assert live.rest_url == "https://api.bybit.com"
    assert live.public_ws_url == "wss://stream.bybit.com/v5/public/linear"
    testnet = BybitConfig(testnet=True)
    assert testnet.rest_url == "https://api-testnet.bybit.com"
    assert testnet.private_ws_url == "wss://stream-testnet.bybit.com/v5/private"
    demo = BybitConfig(demo=True)
    assert demo.rest_url == "https://api-demo.bybit.com"
    assert demo.private_ws_url == "wss://stream-demo.bybit.com/v5/private"
    assert demo.public_ws_url == "wss://stream.bybit.com/v5/public/spot"  # no demo public feed
    local = BybitConfig(base_url="http://h:1/", stream_url="ws://h:1")
    assert (local.rest_url, local.public_ws_url) == ("http://h:1", "ws://h:1/v5/public/spot")
    with pytest.raises(ValueError):
        BybitConfig(testnet=True, demo=True)
    with pytest.raises(ValueError):
        BybitConfig(api_key="k")
    with pytest.raises(ValueError):
        BybitConfig(market="inverse")  # type: ignore[arg-type]


def test_capabilities_match_what_the_mappers_can_express() -> None:
    from exchangekit_bybit.config import LINEAR_CAPABILITIES, SPOT_CAPABILITIES
    from exchangekit_bybit.mappers import INTERVALS

    from exchangekit import TimeInForce

    assert not SPOT_CAPABILITIES.reduce_only and not SPOT_CAPABILITIES.positions
    assert LINEAR_CAPABILITIES.reduce_only and LINEAR_CAPABILITIES.hedge_mode
    for caps in (SPOT_CAPABILITIES, LINEAR_CAPABILITIES):
        assert caps.private_streams
        assert TimeInForce.GTD not in caps.time_in_force  # refused by order_params
        assert set(caps.candle_intervals) == set(INTERVALS)


def test_the_package_docstring_names_both_entry_points() -> None:
    assert "bybitlinear" in (exchangekit_bybit.__doc__ or "")
