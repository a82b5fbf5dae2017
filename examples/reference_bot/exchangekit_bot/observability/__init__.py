"""Structured logs, Prometheus metrics and the heartbeat."""

from exchangekit_bot.observability.heartbeat import Heartbeat
from exchangekit_bot.observability.logs import (
    JsonFormatter,
    configure_logging,
    decision_scope,
    log_event,
    new_decision_id,
)
from exchangekit_bot.observability.metrics import BotMetrics

__all__ = [
    "BotMetrics",
    "Heartbeat",
    "JsonFormatter",
    "configure_logging",
    "decision_scope",
    "log_event",
    "new_decision_id",
]
