"""OKX V5 adapter for exchangekit: spot (``okx``) and linear USDT swaps (``okxswap``).

::

    import exchangekit

    async with exchangekit.connect(
        "okx", api_key=..., api_secret=..., passphrase=..., demo=True
    ) as ex:
        ticker = await ex.get_ticker("BTC/USDT")

The layers, each usable alone: :mod:`~exchangekit_okx.signing`,
:mod:`~exchangekit_okx.endpoints`, :mod:`~exchangekit_okx.schemas`,
:mod:`~exchangekit_okx.mappers` and :mod:`~exchangekit_okx.errors` are pure;
:mod:`~exchangekit_okx.client`, :mod:`~exchangekit_okx.streams` and
:mod:`~exchangekit_okx.private_stream` do the I/O; :mod:`~exchangekit_okx.emulator` serves OKX's
wire dialect over the simulated exchange.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exchangekit_okx.client import OkxClient

__all__ = ["create", "create_swap"]


def create(**config: Any) -> OkxClient:
    """Entry point ``okx``: an :class:`~exchangekit_okx.client.OkxClient` (spot by default).

    Keywords are those of :class:`~exchangekit_okx.config.OkxConfig`: ``api_key``,
    ``api_secret``, ``passphrase``, ``demo`` (or ``testnet``), ``market`` (``"spot"`` or
    ``"swap"``), ``td_mode``, ``base_url``, ``ws_url``, ``clock``, ``limiter``,
    ``payload_observer``, ``timeouts``, ``retry``, ``stale_after_s``, ``ping_interval_s``.
    """
    from exchangekit_okx.client import OkxClient
    from exchangekit_okx.config import OkxConfig

    return OkxClient(OkxConfig(**config))


def create_swap(**config: Any) -> OkxClient:
    """Entry point ``okxswap``: the same client on linear USDT swaps."""
    return create(**{**config, "market": "swap"})
