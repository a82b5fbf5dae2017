"""Shared timing helpers and the result record every benchmark returns.

A benchmark module is ``bench/bench_<topic>.py`` with ``run(quick: bool) -> list[Result]``.
Each result compares our rate with a peer's rate measured in the same process, same run.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Result", "best_rate", "best_rate_async"]


@dataclass(frozen=True)
class Result:
    """One comparison. ``ratio`` > 1 means we are faster."""

    name: str
    unit: str
    ours_per_s: float
    peer: str
    peer_per_s: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours_per_s / self.peer_per_s if self.peer_per_s else float("inf")

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = round(self.ratio, 3)
        return data


def best_rate(fn: Callable[[], int], *, repeat: int = 5) -> float:
    """Run ``fn`` (which returns how many units it processed) ``repeat`` times; best units/s."""
    best = 0.0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        units = fn()
        elapsed = time.perf_counter() - start
        best = max(best, units / elapsed if elapsed > 0 else float("inf"))
    return best


def best_rate_async(make: Callable[[], Awaitable[int]], *, repeat: int = 5) -> float:
    """Async variant of :func:`best_rate`: each repetition runs in a fresh event loop."""

    def once() -> int:
        return asyncio.run(_call(make))

    return best_rate(once, repeat=repeat)


async def _call(make: Callable[[], Awaitable[int]]) -> int:
    return await make()
