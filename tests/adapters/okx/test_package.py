"""The distribution declares its entry point, and the pure layer refuses to build a client."""

import tomllib
from pathlib import Path

import exchangekit_okx
import pytest

from exchangekit.errors import NotSupported

PYPROJECT = Path(__file__).resolve().parents[3] / "adapters" / "okx" / "pyproject.toml"


def test_pyproject_registers_the_okx_adapter_entry_point_only() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["name"] == "exchangekit-okx"
    assert "exchangekit" in project["dependencies"]
    assert project["entry-points"]["exchangekit.adapters"] == {"okx": "exchangekit_okx:create"}
    # No emulator yet: the contract suite would try to run a registered one.
    assert "exchangekit.emulators" not in project["entry-points"]


def test_create_says_the_client_is_not_implemented_yet() -> None:
    with pytest.raises(NotSupported, match="pure layer only"):
        exchangekit_okx.create(api_key="k", api_secret="s", passphrase="p")
