"""The distribution declares its adapters and emulators, and they load."""

import tomllib
from pathlib import Path

import exchangekit_okx
import pytest

from exchangekit.testing.registry import load_emulator

PYPROJECT = Path(__file__).resolve().parents[3] / "adapters" / "okx" / "pyproject.toml"


def test_pyproject_registers_both_adapters_and_their_emulators() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["name"] == "exchangekit-okx"
    assert "exchangekit" in project["dependencies"]
    assert project["entry-points"]["exchangekit.adapters"] == {
        "okx": "exchangekit_okx:create",
        "okxswap": "exchangekit_okx:create_swap",
    }
    assert project["entry-points"]["exchangekit.emulators"] == {
        "okx": "exchangekit_okx.emulator:OKX_EMULATOR",
        "okxswap": "exchangekit_okx.emulator:OKX_SWAP_EMULATOR",
    }


async def test_create_builds_a_spot_client_and_create_swap_a_swap_client() -> None:
    async with exchangekit_okx.create() as spot, exchangekit_okx.create_swap() as swap:
        assert (spot.name, swap.name) == ("okx", "okxswap")
        assert not spot.capabilities.positions and swap.capabilities.positions


def test_emulator_specs_point_at_their_adapter_and_list_their_market() -> None:
    assert load_emulator("okx").adapter == "okx"
    assert "BTC/USDT" in load_emulator("okx").symbols
    assert load_emulator("okxswap").symbols == ("BTC/USDT:USDT",)


def test_a_key_without_its_passphrase_is_refused_at_configuration() -> None:
    with pytest.raises(ValueError, match="passphrase"):
        exchangekit_okx.create(api_key="k", api_secret="s")
