"""Fill sync: exchange fills of the bot's orders go into the append-only fills table.

Fills are deduplicated by ``(symbol, trade_id)``, so fetching an overlapping window again
(after a restart, or on every tick), or receiving a fill both from the private stream and
from the REST list, is harmless.

A fill is attributed to a journaled order by its client order id or, when the venue's
trade list carries none (Binance's ``myTrades`` does not), by the exchange order id the
journal recorded from the acknowledgement. A fill of an order the journal cannot place yet
(an unknown outcome whose exchange id was never learned) is looked up once by order id to
learn its client order id; the answer is remembered. Fills that carry this bot's client-id
shape but match no journaled order are returned as orphans for reconciliation to raise.
"""

from __future__ import annotations

import logging

import msgspec

from exchangekit import ExchangeClient, ExchangeError, Fill
from exchangekit.clock import Clock
from exchangekit_bot.crash import crash_point
from exchangekit_bot.execution.client_ids import is_own_client_order_id
from exchangekit_bot.observability.logs import decision_scope, log_event
from exchangekit_bot.observability.metrics import BotMetrics
from exchangekit_bot.storage.base import Storage
from exchangekit_bot.storage.records import OrderRecord

__all__ = ["FillSync"]

logger = logging.getLogger("exchangekit_bot.fills")
#: Re-read this much before the newest known fill, for fills reported late.
OVERLAP_MS = 60_000
_FOREIGN = "-"


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
            fill, record = await self.attribute(fill)
            if record is None:
                if is_own_client_order_id(fill.client_order_id, prefix=self.prefix):
                    orphans.append(fill)
                continue
            self.record(fill, record, source="rest")
        if fills:
            self.store.put_value(key, str(max(newest - OVERLAP_MS, 0)))
        return orphans

    async def attribute(self, fill: Fill) -> tuple[Fill, OrderRecord | None]:
        """The fill with its client order id filled in, and the journaled order it belongs to
        (None: not a journaled order of this bot)."""
        if fill.client_order_id:
            return fill, self.store.get_order(fill.client_order_id)
        record = self.store.order_by_exchange_id(fill.symbol, fill.order_id)
        if record is None:
            cid = await self._owner(fill)
            if not cid:
                return fill, None
            record = self.store.get_order(cid)
            fill = msgspec.structs.replace(fill, client_order_id=cid)
            return fill, record
        return msgspec.structs.replace(fill, client_order_id=record.client_order_id), record

    async def _owner(self, fill: Fill) -> str | None:
        """The client order id of the order ``fill`` belongs to, asked of the exchange once."""
        key = f"order_owner:{fill.symbol}:{fill.order_id}"
        known = self.store.get_value(key)
        if known is not None:
            return None if known == _FOREIGN else known
        try:
            order = await self.exchange.get_order(fill.symbol, order_id=fill.order_id)
        except ExchangeError as exc:
            log_event(
                logger,
                "fill_owner_unknown",
                level=logging.WARNING,
                symbol=fill.symbol,
                order_id=fill.order_id,
                error=f"{type(exc).__name__}: {exc}",
            )
            return None  # asked again on the next sync (the window overlaps)
        self.store.put_value(key, order.client_order_id or _FOREIGN)
        return order.client_order_id

    def record(self, fill: Fill, record: OrderRecord, *, source: str) -> bool:
        """Store ``fill`` of ``record`` unless already known; True when it was new."""
        if not self.store.add_fill(fill, decision_id=record.decision_id):
            return False
        with decision_scope(record.decision_id):
            log_event(
                logger,
                "fill",
                client_order_id=record.client_order_id,
                trade_id=fill.trade_id,
                symbol=fill.symbol,
                side=fill.side,
                price=fill.price,
                quantity=fill.quantity,
                fee=fill.fee,
                fee_asset=fill.fee_asset,
                source=source,
            )
        if self.metrics:
            self.metrics.fills.inc()
        crash_point("fill_recorded")
        return True
