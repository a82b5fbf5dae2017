"""The futures account's position mode (hedge or one-way), asked of Binance once.

Binance refuses an order whose ``positionSide`` disagrees with the account's mode (-4061),
and the mode can be switched in Binance's UI at any time; so it is read on first use
(``GET /fapi/v1/positionSide/dual``, weight 30), cached, and forgotten after a -4061 so
the next order reads it again.
"""

from __future__ import annotations

import asyncio

from exchangekit.errors import NotSupported
from exchangekit_binance.endpoints import Endpoints
from exchangekit_binance.rest import BinanceRest, same

__all__ = ["POSITION_SIDE_MISMATCH", "PositionMode"]

POSITION_SIDE_MISMATCH = -4061
"""-4061 "Order's position side does not match user's setting." (BFD error-code page)."""


class PositionMode:
    """Whether the futures account is in hedge mode, cached until :meth:`forget`."""

    def __init__(self, rest: BinanceRest, api: Endpoints, *, exchange: str) -> None:
        self._rest = rest
        self._api = api
        self._exchange = exchange
        self._hedge: bool | None = None
        self._lock = asyncio.Lock()

    async def hedge(self) -> bool:
        """True in hedge mode (``dualSidePosition``); read once, then cached."""
        if self._hedge is not None:
            return self._hedge
        async with self._lock:
            if self._hedge is None:
                endpoint = self._api.position_mode
                if endpoint is None:
                    raise NotSupported(
                        f"{self._exchange} has no position mode", exchange=self._exchange
                    )
                mode = await self._rest.call(endpoint, None, same)
                self._hedge = bool(mode.dualSidePosition)
            return self._hedge

    def forget(self) -> None:
        """The mode may have changed (a -4061 refusal): read it again next time."""
        self._hedge = None
