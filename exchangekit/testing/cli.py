"""``exchangekit emulate <adapter> [--port N] [--faults plan.json] [--seed N]``.

Serves an adapter's exchange emulator on loopback until interrupted, and prints the
connect() arguments that point the adapter at it, so users can run their own code against
a misbehaving exchange.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json

from exchangekit.testing.faults import FaultPlan
from exchangekit.testing.registry import available_emulators, load_emulator


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="exchangekit emulate", description=__doc__)
    parser.add_argument(
        "adapter", help=f"one of: {', '.join(available_emulators()) or 'none installed'}"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--faults", help="a fault plan JSON file: {seed, rules: [...]}")
    parser.add_argument("--seed", type=int, default=1, help="market-data seed")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


async def _serve(args: argparse.Namespace) -> None:
    from exchangekit.testing.server import EmulatorServer

    spec = load_emulator(args.adapter)
    plan = FaultPlan.from_file(args.faults) if args.faults else FaultPlan.none()
    dialect = spec.create_dialect(seed=args.seed)
    async with EmulatorServer(dialect, host=args.host, port=args.port, faults=plan) as server:
        config = dict(spec.client_config(server))
        print(f"{args.adapter} emulator on {server.http_url} (streams {server.ws_url})", flush=True)
        print(
            "connect with: exchangekit.connect("
            + json.dumps(args.adapter)
            + ", **"
            + json.dumps(config)
            + ")",
            flush=True,
        )
        await asyncio.Event().wait()
