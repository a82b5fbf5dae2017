"""Import time: ``import exchangekit`` vs ``import ccxt``, each in a fresh interpreter.

Each run starts a new ``python -c`` process that times only the import statement with
``time.perf_counter()`` (interpreter startup and ``site`` are not counted, for either side),
so the numbers are what a user's program pays on ``import``. Best of several runs, which
also keeps a cold ``.pyc`` cache out of the result. Rate = imports per second = 1 / seconds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.harness import Result

_ROOT = Path(__file__).resolve().parent.parent
_CODE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, *, runs: int) -> float:
    """Best wall time, in seconds, of ``import module`` in a fresh interpreter."""
    best = float("inf")
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", _CODE.format(module=module)],
            capture_output=True,
            text=True,
            check=True,
            cwd=_ROOT,
        )
        best = min(best, float(done.stdout.strip().splitlines()[-1]))
    return best


def run(quick: bool) -> list[Result]:
    runs = 3 if quick else 7
    ours = import_seconds("exchangekit", runs=runs)
    theirs = import_seconds("ccxt", runs=runs)
    return [
        Result(
            name="import",
            unit="imports",
            ours_per_s=1 / ours,
            peer="ccxt",
            peer_per_s=1 / theirs,
            note=f"best of {runs} fresh interpreters: exchangekit {ours * 1000:.1f} ms, "
            f"ccxt {theirs * 1000:.1f} ms",
        )
    ]
