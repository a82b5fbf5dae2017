"""Durable state behind one small interface (SQLite by default)."""

from exchangekit_bot.storage.base import Storage
from exchangekit_bot.storage.records import (
    Incident,
    OrderEvent,
    OrderRecord,
    PauseState,
    RiskRejection,
)
from exchangekit_bot.storage.sqlite import SqliteStorage

__all__ = [
    "Incident",
    "OrderEvent",
    "OrderRecord",
    "PauseState",
    "RiskRejection",
    "SqliteStorage",
    "Storage",
    "open_storage",
]


def open_storage(path: str) -> Storage:
    """Open the state store at ``path`` (a SQLite file, or ``:memory:``)."""
    return SqliteStorage(path)
