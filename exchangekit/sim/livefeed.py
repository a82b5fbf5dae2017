"""Paper trading on live data: another adapter's books and tickers feed the simulated market.

Only execution is simulated: the fed book stands in for the makers, so a marketable order
walks the real levels (as they were at the last poll) and a resting order fills when the
real book crosses it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from exchangekit.clock import Clock
from exchangekit.errors import ExchangeError
from exchangekit.protocols import ExchangeClient
from exchangekit.sim.exchange import SimExchange
from exchangekit.sim.markets import MarketSpec
from exchangekit.sim.sources import External

__all__ = ["LiveFeed"]

log = logging.getLogger("exchangekit.sim")


class LiveFeed:
    """Polls ``source`` for the books and tickers of ``symbols`` into ``sim``."""

    def __init__(
        self,
        source: ExchangeClient,
        sim: SimExchange,
        symbols: Sequence[str],
        *,
        clock: Clock,
        depth: int = 50,
        interval_s: float = 1.0,
    ) -> None:
        self.source = source
        self.sim = sim
        self.symbols = list(symbols)
        self.clock = clock
        self.depth = depth
        self.interval_s = interval_s

    async def list_markets(self) -> None:
        """List ``symbols`` on the simulated exchange with the source's instruments."""
        instruments = await self.source.load_instruments()
        missing = [s for s in self.symbols if s not in instruments]
        if missing:
            raise ExchangeError(f"the market-data source does not list {missing}")
        listed = self.sim.instruments
        for symbol in self.symbols:
            if symbol not in listed:
                self.sim.add_market(MarketSpec(instrument=instruments[symbol], source=External()))

    async def poll(self) -> None:
        """Fetch every symbol's book and ticker once and feed them in."""
        for symbol in self.symbols:
            book = await self.source.get_order_book(symbol, self.depth)
            ticker = await self.source.get_ticker(symbol)
            self.sim.set_market(
                symbol,
                bids=book.bids,
                asks=book.asks,
                last=ticker.last,
                timestamp_ms=self.clock.now_ms(),
            )

    async def run(self) -> None:
        """Poll forever; a failed poll is logged and retried at the next interval."""
        while True:
            await self.clock.sleep(self.interval_s)
            try:
                await self.poll()
            except ExchangeError as exc:
                log.warning("paper market-data poll failed: %s", exc)
