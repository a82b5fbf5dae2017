"""Binance adapter for exchangekit: spot (``binance``) and USDⓈ-M futures (``binanceusdm``).

The pure layer is here now: :mod:`~exchangekit_binance.signing`,
:mod:`~exchangekit_binance.endpoints`, :mod:`~exchangekit_binance.schemas`,
:mod:`~exchangekit_binance.mappers` and :mod:`~exchangekit_binance.errors`. The client,
streams and emulator follow; until then the entry points raise ``NotSupported``.
"""

from __future__ import annotations

from typing import Any

from exchangekit.errors import NotSupported
from exchangekit.protocols import ExchangeClient

__all__ = ["create", "create_usdm"]


def create(**config: Any) -> ExchangeClient:
    """Entry point ``binance`` (spot). Not implemented yet."""
    raise NotSupported("client not implemented yet", exchange="binance")


def create_usdm(**config: Any) -> ExchangeClient:
    """Entry point ``binanceusdm`` (USDⓈ-M futures). Not implemented yet."""
    raise NotSupported("client not implemented yet", exchange="binanceusdm")
