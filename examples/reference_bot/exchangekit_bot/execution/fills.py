"""Fill sync: exchange fills of the bot's orders go into the append-only fills table.

Fills are deduplicated by ``(symbol, trade_id)``, so fetching an overlapping window again
(after a restart, or on every tick) is harmless. Fills that carry this bot's client-id
shape but match no journaled order are returned as orphans for reconciliation to raise.
"""

from __future__ import annotations

import logging

from exchangekit import ExchangeClient, Fill
from exchangekit.clock import Clock
from exchangekit_bot.execution.client_ids import is_own_client_order_id
from exchangekit_bot.observability.logs import decision_scope, log_event
from exchangekit_bot.observability.metrics import BotMetrics
from exchangekit_bot.storage.base import Storage

__all__ = ["FillSync"]

logger = logging.getLogger("exchangekit_bot.fills")
#: Re-read this much before the newest known fill, for fills reported late.
OVERLAP_MS = 60_000


class FillSync:
    """Pulls recent fills per symbol and records the new ones."""

    def __init__(
        self,
        exchange: ExchangeClient,
        store: Storage,
        clock: Clock,
        *,
        prefix: str,
        metrics: BotMetrics | None = None,
    ) -> None:
        self.exchange = exchange
        self.store = store
        self.clock = clock
        self.prefix = prefix
        self.metrics = metrics

    async def sync(self, symbol: str) -> list[Fill]:
        """Record new fills of journaled orders on ``symbol``; return orphan fills."""
        key = f"fills_since:{symbol}"
        stored = self.store.get_value(key)
        since = int(stored) if stored is not None else None
        fills = await self.exchange.get_fills(symbol, since_ms=since)
        orphans: list[Fill] = []
        newest = since or 0
        for fill in fills:
            newest = max(newest, fill.timestamp_ms)
            record = self.store.get_order(fill.client_order_id) if fill.client_order_id else None
            if record is None:
                if is_own_client_order_id(fill.client_order_id, prefix=self.prefix):
                    orphans.append(fill)
                continue
            if self.store.add_fill(fill, decision_id=record.decision_id):
                with decision_scope(record.decision_id):
                    log_event(
                        logger,
                        "fill",
                        client_order_id=record.client_order_id,
                        trade_id=fill.trade_id,
                        symbol=symbol,
                        side=fill.side,
                        price=fill.price,
                        quantity=fill.quantity,
                        fee=fill.fee,
                        fee_asset=fill.fee_asset,
                    )
                if self.metrics:
                    self.metrics.fills.inc()
        if fills:
            self.store.put_value(key, str(max(newest - OVERLAP_MS, 0)))
        return orphans
