"""Finding an adapter's wire emulator: the ``exchangekit.emulators`` entry-point group.

An adapter registers an :class:`EmulatorSpec` under its name. The spec knows how to build
the dialect (over a fresh simulated exchange unless one is given) and how to point the
adapter's client at a running server, so the contract suite, the chaos tests, the bot's
paper mode and ``exchangekit emulate`` all start an emulator the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from exchangekit.errors import NotSupported

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer
    from exchangekit.testing.wire import Dialect

__all__ = ["EMULATOR_GROUP", "EmulatorSpec", "available_emulators", "load_emulator"]

EMULATOR_GROUP = "exchangekit.emulators"


@dataclass(frozen=True)
class EmulatorSpec:
    """How to emulate one adapter's exchange."""

    adapter: str
    """The adapter name for ``exchangekit.connect``."""
    create_dialect: Callable[..., Dialect]
    """``create_dialect(**config)`` builds the dialect (config: ``sim``, ``seed``...)."""
    client_config: Callable[[EmulatorServer], Mapping[str, Any]]
    """Keyword arguments for ``connect(adapter, **...)`` that point it at ``server``."""
    symbols: Sequence[str] = ()
    """Unified symbols the emulator lists (contract tests pick from these)."""
    credentials: Mapping[str, str] = field(default_factory=dict)
    """Test credentials the emulator accepts (never real ones)."""


def available_emulators() -> list[str]:
    from importlib.metadata import entry_points

    return sorted({ep.name for ep in entry_points(group=EMULATOR_GROUP)})


def load_emulator(name: str) -> EmulatorSpec:
    """The :class:`EmulatorSpec` registered as ``name``."""
    from importlib.metadata import entry_points

    for ep in entry_points(group=EMULATOR_GROUP):
        if ep.name == name:
            spec = ep.load()
            if not isinstance(spec, EmulatorSpec):
                raise TypeError(f"entry point {name!r} is not an EmulatorSpec: {spec!r}")
            return spec
    installed = ", ".join(available_emulators()) or "none"
    raise NotSupported(f"no emulator named {name!r} is installed (installed: {installed})")
