"""The distribution declares its entry point; the pure layer refuses to build a client."""

import tomllib
from pathlib import Path

import exchangekit_bybit
import pytest

import exchangekit
from exchangekit import NotSupported

PYPROJECT = Path(__file__).resolve().parents[3] / "adapters" / "bybit" / "pyproject.toml"


def test_pyproject_registers_the_adapter_and_no_emulator() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["name"] == "exchangekit-bybit"
    assert "exchangekit" in project["dependencies"]
    assert project["entry-points"]["exchangekit.adapters"] == {"bybit": "exchangekit_bybit:create"}
    # The contract suite runs every adapter with an emulator: none until the client exists.
    assert "exchangekit.emulators" not in project["entry-points"]


def test_create_raises_not_supported_until_the_client_exists() -> None:
    with pytest.raises(NotSupported, match="pure layer only"):
        exchangekit_bybit.create(api_key="k", api_secret="s")


def test_connect_to_bybit_raises_not_supported() -> None:
    assert "bybit" in exchangekit.available_adapters()
    with pytest.raises(NotSupported):
        exchangekit.connect("bybit", api_key="k", api_secret="s")


def test_capabilities_match_what_the_mappers_can_express() -> None:
    from exchangekit_bybit.config import LINEAR_CAPABILITIES, SPOT_CAPABILITIES
    from exchangekit_bybit.mappers import INTERVALS

    from exchangekit import TimeInForce

    assert not SPOT_CAPABILITIES.reduce_only and not SPOT_CAPABILITIES.positions
    assert LINEAR_CAPABILITIES.reduce_only and LINEAR_CAPABILITIES.hedge_mode
    for caps in (SPOT_CAPABILITIES, LINEAR_CAPABILITIES):
        assert TimeInForce.GTD not in caps.time_in_force  # refused by order_params
        assert set(caps.candle_intervals) == set(INTERVALS)
