"""Chaos: the bot killed at every durable step and restarted, against an exchange that
times out after accepting, answers 5xx and 429, drops sockets and duplicates or loses
stream messages, never duplicates an order, loses a fill, disagrees with the exchange
after reconciliation, or exceeds its position limit, counted from the exchange's record.

``EXCHANGEKIT_CHAOS_SEEDS=200 pytest tests/chaos`` runs 200 seeds (default 3);
``EXCHANGEKIT_CHAOS_JOBS`` runs that many seeds at once (default 4: a seed mostly waits on
its bot's ticks, so even 2 cores keep up); ``EXCHANGEKIT_CHAOS_FIRST_SEED`` shifts the range; ``EXCHANGEKIT_CHAOS_VERBOSE=1``
prints each seed's runs, crashes, faults and incidents; ``EXCHANGEKIT_CHAOS_REPORT=path``
writes them as JSON lines.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from pathlib import Path

from tests.chaos.harness import SeedResult, Tally, run_seed


def _write_report(path: str | None, results: list[SeedResult]) -> None:
    if path:
        lines = (json.dumps(dataclasses.asdict(r)) + "\n" for r in results)
        Path(path).write_text("".join(lines))


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


async def test_crashes_and_faults_never_duplicate_lose_mismatch_or_breach(tmp_path: Path) -> None:
    seeds = _int_env("EXCHANGEKIT_CHAOS_SEEDS", 3)
    first = _int_env("EXCHANGEKIT_CHAOS_FIRST_SEED", 0)
    jobs = _int_env("EXCHANGEKIT_CHAOS_JOBS", 4)
    verbose = os.environ.get("EXCHANGEKIT_CHAOS_VERBOSE") == "1"
    gate = asyncio.Semaphore(jobs)

    async def one(seed: int) -> SeedResult:
        async with gate:
            result = await run_seed(seed, tmp_path / f"seed-{seed}")
        if verbose:
            print(
                f"seed {seed}: runs {result.runs} crashed at {result.crashed} faults "
                f"{result.faults} orders {result.orders} fills {result.fills} incidents "
                f"{result.incidents}"
            )
        return result

    results = await asyncio.gather(*(one(s) for s in range(first, first + seeds)))
    tally = Tally()
    for result in sorted(results, key=lambda r: r.seed):
        tally.add(result)
    _write_report(os.environ.get("EXCHANGEKIT_CHAOS_REPORT"), results)
    print(tally.line())
    assert tally.seeds == seeds and tally.orders > 0 and tally.fills > 0
    assert tally.duplicates == 0, tally.problems
    assert tally.lost_fills == 0, tally.problems
    assert tally.mismatches == 0, tally.problems
    assert tally.limit_breaches == 0, tally.problems
    assert not tally.problems, tally.problems
