"""Structured JSON logs in which one decision id links signal, risk, order, acks and fills.

Use :func:`decision_scope` around everything that follows from one decision; every record
logged inside carries its ``decision_id``. :func:`log_event` logs an event name plus
fields, which the :class:`JsonFormatter` writes as one JSON object per line.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import msgspec

from exchangekit.clock import Clock

__all__ = [
    "JsonFormatter",
    "configure_logging",
    "current_decision_id",
    "decision_scope",
    "log_event",
    "new_decision_id",
    "set_log_clock",
]

_DECISION: contextvars.ContextVar[str | None] = contextvars.ContextVar("decision_id", default=None)
_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_CLOCK: list[Clock] = []
_OURS = "_exchangekit_bot_handler"


def set_log_clock(clock: Clock | None) -> None:
    """Stamp every record with ``bot_ms``, the bot's clock (simulated time in paper runs)."""
    _CLOCK[:] = [] if clock is None else [clock]


def new_decision_id() -> str:
    """A fresh decision id (random; it is a log key, not an order id)."""
    return "d" + uuid.uuid4().hex[:16]


def current_decision_id() -> str | None:
    return _DECISION.get()


@contextmanager
def decision_scope(decision_id: str | None) -> Iterator[str | None]:
    """Tag every log record inside with ``decision_id``."""
    token = _DECISION.set(decision_id)
    try:
        yield decision_id
    finally:
        _DECISION.reset(token)


def log_event(
    logger: logging.Logger, event: str, /, *, level: int = logging.INFO, **fields: Any
) -> None:
    """Log ``event`` with structured ``fields`` (Decimals and enums are serialized exactly)."""
    if logger.isEnabledFor(level):
        logger.log(level, event, extra={"fields": fields})


def _default(value: Any) -> Any:
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, event, decision_id and the fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts_ms": int(record.created * 1000),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        if _CLOCK:
            payload["bot_ms"] = _CLOCK[0].now_ms()
        decision = getattr(record, "decision_id", None) or _DECISION.get()
        if decision:
            payload["decision_id"] = decision
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in ("fields", "decision_id"):
                payload.setdefault(key, value)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(msgspec.to_builtins(payload, enc_hook=_default)).decode()


def configure_logging(
    level: str = "INFO", *, stream: TextIO | None = None, file: str | None = None
) -> None:
    """Send the bot's logs (logger ``exchangekit_bot``) as JSON lines to a stream or file,
    with the SDK's warnings (``exchangekit``: transport, adapters, streams) beside them."""

    def handler(min_level: int | str) -> logging.Handler:
        out: logging.Handler
        if file:
            out = logging.FileHandler(file, encoding="utf-8")
        else:
            out = logging.StreamHandler(stream or sys.stderr)
        out.setFormatter(JsonFormatter())
        out.setLevel(min_level)
        setattr(out, _OURS, True)
        return out

    bot = logging.getLogger("exchangekit_bot")
    bot.setLevel(level.upper())
    sdk = logging.getLogger("exchangekit")  # its level and propagation are left alone
    for logger in (bot, sdk):
        for old in [h for h in logger.handlers if getattr(h, _OURS, False)]:
            logger.removeHandler(old)
            old.close()
    bot.addHandler(handler(logging.NOTSET))
    bot.propagate = False
    sdk.addHandler(handler(logging.WARNING))
