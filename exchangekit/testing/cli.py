"""``exchangekit emulate <adapter> [--port N] [--faults plan.json] [--seed N] [--speed X]
[--balance ASSET=AMOUNT ...] [--rate-limit NAME=LIMIT ...] [--symbol SYMBOL ...]``.

Serves an adapter's exchange emulator on loopback until interrupted, and prints the
connect() arguments that point the adapter at it, so users can run their own code against
a misbehaving exchange. The options beyond ``--seed`` are passed to the emulator's
``create_dialect`` only when given (an emulator that does not know one refuses it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from decimal import Decimal, InvalidOperation
from typing import Any

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
    parser.add_argument(
        "--speed",
        type=float,
        default=None,
        help="run the market this many times faster than the wall clock (clients must "
        "share its clock: in-process, pass clock=server.clock to connect)",
    )
    parser.add_argument(
        "--balance",
        action="append",
        default=[],
        metavar="ASSET=AMOUNT",
        help="initial balance of the test account (repeat per asset; replaces the defaults)",
    )
    parser.add_argument(
        "--rate-limit",
        action="append",
        default=[],
        metavar="NAME=LIMIT",
        help="override one of the exchange's rate limits (Binance: REQUEST_WEIGHT_1M=1200)",
    )
    parser.add_argument(
        "--symbol",
        action="append",
        default=[],
        help="list this unified symbol (repeat; default: the emulator's own list)",
    )
    args = parser.parse_args(argv)
    try:
        config = dialect_options(args)
    except ValueError as exc:
        parser.error(str(exc))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args, config))
    return 0


def dialect_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``create_dialect`` keywords the command line asks for (only those given)."""
    config: dict[str, Any] = {"seed": args.seed}
    if args.speed is not None:
        if not args.speed > 0:
            raise ValueError("--speed must be positive")
        config["speed"] = args.speed
    if args.balance:
        config["balances"] = {k: _decimal(k, v) for k, v in _pairs(args.balance, "--balance")}
    if args.rate_limit:
        config["rate_limits"] = {k: _int(k, v) for k, v in _pairs(args.rate_limit, "--rate-limit")}
    if args.symbol:
        config["symbols"] = tuple(args.symbol)
    return config


def _pairs(items: list[str], option: str) -> list[tuple[str, str]]:
    out = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise ValueError(f"{option} takes NAME=VALUE, got {item!r}")
        out.append((name.strip(), value.strip()))
    return out


def _decimal(name: str, value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"--balance {name}: {value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"--balance {name}: {value!r} must be a non-negative number")
    return amount


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"--rate-limit {name}: {value!r} is not an integer") from None


async def _serve(args: argparse.Namespace, dialect_config: dict[str, Any]) -> None:
    from exchangekit.testing.server import EmulatorServer

    spec = load_emulator(args.adapter)
    plan = FaultPlan.from_file(args.faults) if args.faults else FaultPlan.none()
    try:
        dialect = spec.create_dialect(**dialect_config)
    except TypeError as exc:
        raise SystemExit(
            f"exchangekit emulate {args.adapter}: unsupported option ({exc})"
        ) from None
    async with EmulatorServer(dialect, host=args.host, port=args.port, faults=plan) as server:
        config = dict(spec.client_config(server))
        clock = config.pop("clock", None)
        print(f"{args.adapter} emulator on {server.http_url} (streams {server.ws_url})", flush=True)
        print(
            "connect with: exchangekit.connect("
            + json.dumps(args.adapter)
            + ", **"
            + json.dumps(config)
            + ")",
            flush=True,
        )
        if clock is not None:
            wall_ms, at_ms = clock.base.now_ms(), clock.now_ms()
            print(
                f"its market runs at x{clock.speed:g} speed: its time was {at_ms} ms when the "
                f"wall clock read {wall_ms} ms; a client in another process keeps it with "
                f"ScaledClock(speed={clock.speed:g}, start_ms={at_ms} + (now_ms - {wall_ms}) * "
                f"{clock.speed:g}) (else its signed requests drift out of the recvWindow)",
                flush=True,
            )
        await asyncio.Event().wait()
