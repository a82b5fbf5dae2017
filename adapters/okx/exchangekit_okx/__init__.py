"""OKX V5 adapter for exchangekit: spot (``BTC/USDT``) and USDT swaps (``BTC/USDT:USDT``).

Only the pure layer exists so far, each module usable alone:
:mod:`~exchangekit_okx.signing`, :mod:`~exchangekit_okx.endpoints`,
:mod:`~exchangekit_okx.schemas`, :mod:`~exchangekit_okx.mappers` and
:mod:`~exchangekit_okx.errors`. The client, streams and emulator come later, so the
``okx`` entry point refuses to build a client for now.
"""

from __future__ import annotations

from typing import Any, NoReturn

from exchangekit.errors import NotSupported

__all__ = ["create"]


def create(**config: Any) -> NoReturn:
    """Entry point ``okx``: not available yet (the pure layer ships first)."""
    raise NotSupported("okx client not implemented yet: pure layer only", exchange="okx")
