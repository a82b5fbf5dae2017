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

__all__ = ["Result", "best_rate", "best_rate_async", "parse_case"]


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


def parse_case(
    name: str,
    unit: str,
    units: int,
    ours: Callable[[], object],
    bare: Callable[[], object],
    peer: Callable[[], object],
    *,
    peer_name: str,
    loops: int,
    repeat: int,
    note: Callable[[float], str] = lambda overhead: f"time ours/bare = {overhead:.2f}",
) -> Result:
    """A parse benchmark: ours, the bare typed decode and the peer on the same bytes.

    Each callable handles ``units`` units; it runs ``loops`` times a round, in ``repeat``
    interleaved rounds (best of each) so that the three see the same machine load on shared
    cores. ``note`` turns time(ours) / time(bare), the mapping layer's own cost, into the
    result's note, after the bare decode's rate.
    """

    def timed(fn: Callable[[], object]) -> Callable[[], int]:
        def run() -> int:
            for _ in range(loops):
                fn()
            return loops * units

        return run

    ours_rate = bare_rate = peer_rate = 0.0
    for _ in range(repeat):
        ours_rate = max(ours_rate, best_rate(timed(ours), repeat=1))
        bare_rate = max(bare_rate, best_rate(timed(bare), repeat=1))
        peer_rate = max(peer_rate, best_rate(timed(peer), repeat=1))
    return Result(
        name=name,
        unit=unit,
        ours_per_s=ours_rate,
        peer=peer_name,
        peer_per_s=peer_rate,
        note=f"bare typed decode {bare_rate:,.0f}/s, {note(bare_rate / ours_rate)}",
    )
