"""Adapter discovery through the ``exchangekit.adapters`` entry-point group.

Only the adapter asked for is imported, so ``import exchangekit`` stays cheap and a
third-party adapter plugs in exactly like ours: declare an entry point whose object is a
callable taking keyword configuration and returning an ``ExchangeClient``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from exchangekit.errors import NotSupported
from exchangekit.protocols import ExchangeClient

__all__ = ["ENTRY_POINT_GROUP", "available_adapters", "connect"]

ENTRY_POINT_GROUP = "exchangekit.adapters"


def available_adapters() -> list[str]:
    """Names of every installed adapter."""
    from importlib.metadata import entry_points

    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def connect(name: str, /, **config: Any) -> ExchangeClient:
    """Build the client of the adapter registered as ``name``.

    ``config`` goes to the adapter unchanged (``api_key``, ``api_secret``, ``testnet``,
    ``base_url``...). Raises ``NotSupported`` naming the installed adapters when ``name``
    is not one of them.
    """
    from importlib.metadata import entry_points

    matches = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not matches:
        installed = ", ".join(available_adapters()) or "none"
        raise NotSupported(
            f"no exchangekit adapter named {name!r} is installed (installed: {installed})"
        )
    factory = cast(Callable[..., ExchangeClient], matches[0].load())
    return factory(**config)
