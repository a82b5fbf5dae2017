"""The distribution declares its entry points; the client is not there yet."""

import tomllib
from pathlib import Path

import exchangekit_binance
import pytest

from exchangekit import NotSupported

PYPROJECT = Path(__file__).resolve().parents[3] / "adapters" / "binance" / "pyproject.toml"


def test_pyproject_registers_both_entry_points() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["name"] == "exchangekit-binance"
    assert "exchangekit" in project["dependencies"]
    assert project["entry-points"]["exchangekit.adapters"] == {
        "binance": "exchangekit_binance:create",
        "binanceusdm": "exchangekit_binance:create_usdm",
    }


@pytest.mark.parametrize("factory", [exchangekit_binance.create, exchangekit_binance.create_usdm])
def test_entry_points_say_the_client_is_not_implemented_yet(factory: object) -> None:
    with pytest.raises(NotSupported, match="client not implemented yet"):
        factory(api_key="k", api_secret="s")  # type: ignore[operator]
