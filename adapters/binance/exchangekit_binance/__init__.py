"""Binance adapter for exchangekit: spot (``binance``) and USDⓈ-M futures (``binanceusdm``).

::

    import exchangekit

    async with exchangekit.connect("binance", api_key=..., api_secret=..., testnet=True) as ex:
        ticker = await ex.get_ticker("BTC/USDT")

The layers, each usable alone: :mod:`~exchangekit_binance.signing`,
:mod:`~exchangekit_binance.endpoints`, :mod:`~exchangekit_binance.schemas`,
:mod:`~exchangekit_binance.mappers` and :mod:`~exchangekit_binance.errors` are pure;
:mod:`~exchangekit_binance.client` and the stream modules do the I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exchangekit_binance.client import BinanceClient

__all__ = ["create", "create_usdm"]


def create(**config: Any) -> BinanceClient:
    """Entry point ``binance``: a :class:`~exchangekit_binance.client.BinanceClient`.

    Keywords are those of :class:`~exchangekit_binance.config.BinanceConfig`: ``api_key``,
    ``api_secret``, ``testnet``, ``market`` (``"spot"`` or ``"usdm"``), ``base_url``,
    ``stream_url``, ``ws_api_url``, ``recv_window_ms``, ``clock``, ``limiter``,
    ``payload_observer``, ``timeouts``, ``max_connection_lifetime_s``...
    """
    from exchangekit_binance.client import BinanceClient
    from exchangekit_binance.config import BinanceConfig

    return BinanceClient(BinanceConfig(**config))


def create_usdm(**config: Any) -> BinanceClient:
    """Entry point ``binanceusdm``: the same client on USDⓈ-M futures."""
    return create(**{**config, "market": "usdm"})
