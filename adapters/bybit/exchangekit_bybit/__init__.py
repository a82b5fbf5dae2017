"""Bybit V5 adapter for exchangekit: spot (``bybit``) and linear perpetuals (``bybitlinear``).

::

    import exchangekit

    async with exchangekit.connect("bybit", api_key=..., api_secret=..., testnet=True) as ex:
        ticker = await ex.get_ticker("BTC/USDT")

The layers, each usable alone: :mod:`~exchangekit_bybit.signing`,
:mod:`~exchangekit_bybit.endpoints`, :mod:`~exchangekit_bybit.schemas`,
:mod:`~exchangekit_bybit.mappers` and :mod:`~exchangekit_bybit.errors` are pure;
:mod:`~exchangekit_bybit.client`, :mod:`~exchangekit_bybit.streams` and
:mod:`~exchangekit_bybit.private_stream` do the I/O; :mod:`~exchangekit_bybit.emulator`
serves Bybit's wire dialect over the simulated exchange.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exchangekit_bybit.client import BybitClient

__all__ = ["create", "create_linear"]


def create(**config: Any) -> BybitClient:
    """Entry point ``bybit``: a :class:`~exchangekit_bybit.client.BybitClient`.

    Keywords are those of :class:`~exchangekit_bybit.config.BybitConfig`: ``api_key``,
    ``api_secret``, ``testnet``, ``demo``, ``market`` (``"spot"`` or ``"linear"``),
    ``base_url``, ``stream_url``, ``recv_window_ms``, ``settle_coin``, ``hedge_mode``,
    ``clock``, ``limiter``, ``payload_observer``, ``timeouts``, ``retry``...
    """
    from exchangekit_bybit.client import BybitClient
    from exchangekit_bybit.config import BybitConfig

    return BybitClient(BybitConfig(**config))


def create_linear(**config: Any) -> BybitClient:
    """Entry point ``bybitlinear``: the same client on linear USDT perpetuals."""
    return create(**{**config, "market": "linear"})
