"""Durable state behind one small interface: SQLite by default, PostgreSQL as an option.

PostgreSQL needs the ``postgres`` extra (``pip install exchangekit-reference-bot[postgres]``);
:class:`PostgresStorage` is imported on first use, so SQLite users do not need the driver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exchangekit_bot.storage.base import Storage, StorageError
from exchangekit_bot.storage.dsn import is_postgres_dsn, redact_dsn
from exchangekit_bot.storage.records import (
    Incident,
    OrderEvent,
    OrderRecord,
    PauseState,
    RiskRejection,
)
from exchangekit_bot.storage.sqlite import SqliteStorage

if TYPE_CHECKING:
    from exchangekit_bot.config import StorageConfig
    from exchangekit_bot.storage.postgres import PostgresStorage

__all__ = [
    "Incident",
    "OrderEvent",
    "OrderRecord",
    "PauseState",
    "PostgresStorage",
    "RiskRejection",
    "SqliteStorage",
    "Storage",
    "StorageError",
    "describe_storage",
    "is_postgres_dsn",
    "open_storage",
    "redact_dsn",
]


def __getattr__(name: str) -> Any:
    if name == "PostgresStorage":
        return _postgres()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _postgres() -> type[PostgresStorage]:
    try:
        from exchangekit_bot.storage.postgres import PostgresStorage
    except ImportError as exc:
        raise StorageError(
            "PostgreSQL storage needs the psycopg driver: "
            "pip install 'exchangekit-reference-bot[postgres]'"
        ) from exc
    return PostgresStorage


def open_storage(target: str | StorageConfig) -> Storage:
    """Open the state store ``target`` names.

    ``target`` is the ``[storage]`` section, or one string: a SQLite file (``:memory:`` for
    a throwaway one) or a PostgreSQL DSN (``postgresql://...`` or ``host=... dbname=...``).
    """
    if isinstance(target, str):
        if is_postgres_dsn(target):
            return _postgres()(target)
        return SqliteStorage(target)
    if target.backend == "postgres":
        assert target.dsn is not None  # StorageConfig validates this
        return _postgres()(target.dsn, schema=target.schema)
    return open_storage(target.path)


def describe_storage(target: str | StorageConfig) -> str:
    """Where the state lives, safe to print or log (a DSN's password masked)."""
    if isinstance(target, str):
        return redact_dsn(target) if is_postgres_dsn(target) else target
    if target.backend == "postgres" and target.dsn is not None:
        where = redact_dsn(target.dsn)
        return where if target.schema is None else f"{where} (schema {target.schema})"
    return describe_storage(target.path)
