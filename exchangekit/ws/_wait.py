"""Waiting on the session's clock for whichever comes first."""

from __future__ import annotations

import asyncio
from typing import Any

from exchangekit.clock import Clock

__all__ = ["wait_first"]


async def wait_first(
    clock: Clock, timeout_s: float | None, *waitables: asyncio.Future[Any]
) -> bool:
    """Wait until one of ``waitables`` is done or ``timeout_s`` of ``clock`` time passed.

    Returns whether a waitable finished. The waitables are never cancelled; only the
    timer is, and it is awaited before returning, so nothing is left running.
    """
    if any(w.done() for w in waitables):
        return True
    if timeout_s is not None and timeout_s <= 0:
        return False
    sleeper = None if timeout_s is None else asyncio.ensure_future(clock.sleep(timeout_s))
    pending: set[asyncio.Future[Any]] = set(waitables)
    if sleeper is not None:
        pending.add(sleeper)
    try:
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if sleeper is not None and not sleeper.done():
            sleeper.cancel()
            await asyncio.wait([sleeper])
    return any(w.done() for w in waitables)
