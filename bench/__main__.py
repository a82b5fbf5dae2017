"""Run every benchmark: ``python -m bench [--json out.json] [--quick] [-k substring]``."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path

from bench.harness import Result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--json", type=Path, help="write results as a JSON list to this file")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("-k", dest="only", help="run only modules whose name contains this")
    args = parser.parse_args(argv)

    results: list[Result] = []
    package_dir = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(package_dir)]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        if args.only and args.only not in info.name:
            continue
        module = importlib.import_module(f"bench.{info.name}")
        print(f"running {info.name} ...", file=sys.stderr, flush=True)
        results.extend(module.run(quick=args.quick))

    _print_table(results)
    if args.json:
        args.json.write_text(json.dumps([r.as_json() for r in results], indent=2) + "\n")
    return 0


def _print_table(results: list[Result]) -> None:
    header = (
        f"{'benchmark':<34} {'unit':<10} {'ours/s':>14} {'peer':<22} {'peer/s':>14} {'ratio':>8}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<34} {r.unit:<10} {r.ours_per_s:>14,.1f} {r.peer:<22} "
            f"{r.peer_per_s:>14,.1f} {r.ratio:>7.2f}x"
        )
        if r.note:
            print(f"    {r.note}")


if __name__ == "__main__":
    raise SystemExit(main())
