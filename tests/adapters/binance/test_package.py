"""The distribution declares its entry points, and they build the client."""

import tomllib
from pathlib import Path

import exchangekit_binance
import pytest

from exchangekit import ExchangeClient

PYPROJECT = Path(__file__).resolve().parents[3] / "adapters" / "binance" / "pyproject.toml"


def test_pyproject_registers_both_entry_points() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["name"] == "exchangekit-binance"
    assert "exchangekit" in project["dependencies"]
    assert project["entry-points"]["exchangekit.adapters"] == {
        "binance": "exchangekit_binance:create",
        "binanceusdm": "exchangekit_binance:create_usdm",
    }


@pytest.mark.parametrize(
    ("factory", "name"),
    [(exchangekit_binance.create, "binance"), (exchangekit_binance.create_usdm, "binanceusdm")],
)
def test_entry_points_build_an_exchange_client(factory: object, name: str) -> None:
    client = factory(api_key="k", api_secret="s")  # type: ignore[operator]
    assert isinstance(client, ExchangeClient)
    assert client.name == name
