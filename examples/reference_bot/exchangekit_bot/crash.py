"""Crash points: the bot can be made to die (SIGKILL) right after any durable step.

The chaos tests prove that a crash at any moment loses nothing and duplicates nothing. A
process killed by SIGKILL gets no chance to clean up, which is what a power cut or an OOM
kill does, so each durable step of the journal and of reconciliation calls
:func:`crash_point` with its name right after it is committed (or, for sends, right after
the exchange answered and before the answer is recorded)::

    EXCHANGEKIT_BOT_CRASH_AT=sent:3 exchangekit-bot paper ...

kills the process the third time an order's acknowledgement arrives, before it is written.
Several points may be given, comma-separated (the first one reached kills). Unset (the normal case), a
crash point costs one dictionary lookup.
"""

from __future__ import annotations

import logging
import os
import signal

__all__ = ["CRASH_ENV", "DURABLE_STEPS", "arm", "crash_point", "parse_crash_plan"]

CRASH_ENV = "EXCHANGEKIT_BOT_CRASH_AT"

DURABLE_STEPS: dict[str, str] = {
    "journaled": "orders of a decision are journaled (pending); nothing is sent yet",
    "send_marked": "the send mark is committed; the request has not left the process",
    "sent": "the exchange acknowledged the order; the ack is not recorded",
    "send_failed": "the send raised (timeout, 5xx, 429, refusal); nothing is recorded",
    "ack_recorded": "the acknowledgement is recorded; its fills are not synced yet",
    "unknown_recorded": "an order is recorded as unknown; no lookup has run",
    "lookup_answered": "a lookup by client order id answered; the answer is not recorded",
    "lookup_recorded": "the lookup's answer is recorded",
    "status_recorded": "a poll or stream update of a working order is recorded",
    "cancel_sent": "the exchange answered a cancel; the answer is not recorded",
    "fill_recorded": "one fill is added to the fills table (mid fill sync)",
    "reconcile_orders": "reconciliation applied open orders and lookups; fills not synced",
    "reconcile_fills": "reconciliation synced fills; positions not compared yet",
    "baseline_recorded": "a position baseline is written",
}
"""Every crash point, in the order an order meets them, with what is durable there."""

_plan: dict[str, int] = {}
_seen: dict[str, int] = {}


def parse_crash_plan(text: str) -> dict[str, int]:
    """``"sent:3,fill_recorded"`` -> ``{"sent": 3, "fill_recorded": 1}``."""
    plan: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        step, _, count = item.partition(":")
        if step not in DURABLE_STEPS:
            known = ", ".join(DURABLE_STEPS)
            raise ValueError(f"{CRASH_ENV}: unknown step {step!r} (known: {known})")
        n = int(count or "1")
        if n < 1:
            raise ValueError(f"{CRASH_ENV}: {item!r}: the count starts at 1")
        plan[step] = n
    return plan


def arm(text: str | None) -> None:
    """Set the crash plan (``None`` or ``""`` disarms); the CLI arms it from the environment."""
    _plan.clear()
    _seen.clear()
    if text:
        _plan.update(parse_crash_plan(text))


def crash_point(step: str) -> None:
    """Die by SIGKILL if this is the planned occurrence of ``step``."""
    if not _plan or step not in _plan:
        return
    _seen[step] = _seen.get(step, 0) + 1
    if _seen[step] != _plan[step]:
        return
    logging.getLogger("exchangekit_bot.crash").critical(
        "crash point %s #%d: SIGKILL", step, _seen[step]
    )
    for handler in logging.getLogger().handlers:
        handler.flush()
    os.kill(os.getpid(), signal.SIGKILL)


arm(os.environ.get(CRASH_ENV))
