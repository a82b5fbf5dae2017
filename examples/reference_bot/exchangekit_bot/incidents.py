"""Incidents: what the bot cannot resolve alone. Opening one pauses the strategies.

An incident is persisted (it survives restarts) and logged; while any is open the risk
layer refuses new orders. An operator closes them with ``exchangekit-bot resume``.
"""

from __future__ import annotations

import logging

from exchangekit.clock import Clock
from exchangekit_bot.observability.logs import log_event
from exchangekit_bot.observability.metrics import BotMetrics
from exchangekit_bot.storage.base import Storage
from exchangekit_bot.storage.records import Incident

__all__ = ["IncidentDesk"]

logger = logging.getLogger("exchangekit_bot.incidents")


class IncidentDesk:
    """Opens incidents once per distinct problem and counts them."""

    def __init__(self, store: Storage, clock: Clock, metrics: BotMetrics | None = None) -> None:
        self.store = store
        self.clock = clock
        self.metrics = metrics

    def open(self, kind: str, detail: str, *, dedupe: str | None = None) -> Incident:
        """Record an incident unless the same one is already open.

        "The same" is the same kind and detail, or, with ``dedupe``, the same kind and a
        detail starting with ``dedupe`` (for details that carry changing numbers).
        """
        for existing in self.store.incidents(open_only=True):
            same = existing.detail.startswith(dedupe) if dedupe else existing.detail == detail
            if existing.kind == kind and same:
                return existing
        incident = self.store.open_incident(kind, detail, ts_ms=self.clock.now_ms())
        log_event(
            logger,
            "incident_opened",
            level=logging.ERROR,
            incident_id=incident.id,
            kind=kind,
            detail=detail,
        )
        if self.metrics:
            self.metrics.incidents.labels(kind=kind).inc()
        return incident

    def open_count(self) -> int:
        return len(self.store.incidents(open_only=True))
