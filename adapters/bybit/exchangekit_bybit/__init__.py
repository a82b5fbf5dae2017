"""Bybit V5 adapter for exchangekit: spot and linear (USDT/USDC) perpetuals.

Only the pure layer exists so far, each module usable alone:
:mod:`~exchangekit_bybit.signing`, :mod:`~exchangekit_bybit.endpoints`,
:mod:`~exchangekit_bybit.schemas`, :mod:`~exchangekit_bybit.mappers` and
:mod:`~exchangekit_bybit.errors`. The client, the streams and the emulator come later;
until then the ``bybit`` entry point refuses with ``NotSupported``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from exchangekit.errors import NotSupported

__all__ = ["create"]


def create(**config: Any) -> NoReturn:
    """Entry point ``bybit``: not available yet (the pure layer has no I/O)."""
    raise NotSupported("bybit client not implemented yet: pure layer only", exchange="bybit")
