"""``exchangekit-bot``: backtest, paper, live, shadow, kill, pause, resume, status, reconcile,
config.

Every command reads the same TOML config (``--config``, defaults built in) and, except
backtest, the same state database (``--state`` or ``[storage] path``). Exit codes: 0 done,
1 the run ended badly (kill left something open, the bot halted), 2 refused to start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

import exchangekit
from exchangekit.clock import Clock, ManualClock, ScaledClock, SystemClock
from exchangekit_bot.bot import Bot, BotStartError, Mode
from exchangekit_bot.config import BotConfig, ConfigError, StorageConfig, load_config
from exchangekit_bot.killswitch import kill, pause, resume
from exchangekit_bot.modes.emulator import (
    EmulatorAddress,
    EmulatorUnavailable,
    emulator_client_options,
    exchange_record_counts,
    record_emulator,
    recorded_clock,
    serve_emulator,
)
from exchangekit_bot.modes.exchange import (
    IN_PROCESS_ADAPTERS,
    CredentialsMissing,
    connect_exchange,
    connect_from_outside,
    uses_emulator,
)
from exchangekit_bot.modes.runner import Progress, run_bot
from exchangekit_bot.observability.logs import configure_logging
from exchangekit_bot.observability.metrics import BotMetrics
from exchangekit_bot.reconcile import ReconcileReport
from exchangekit_bot.storage import (
    StorageError,
    describe_storage,
    is_postgres_dsn,
    open_storage,
    redact_dsn,
)
from exchangekit_bot.summary import RunSummary, render_summary

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer

__all__ = ["build_parser", "main"]

PAPER_FEES = {"taker_fee": "0.0005", "maker_fee": "0.0001"}
#: How much faster than the wall clock the emulator's market runs by default: the default
#: five simulated minutes take about a minute.
EMULATOR_SPEED = 5.0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="exchangekit-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, *, state: bool = True) -> None:
        p.add_argument("--config", help="TOML config file (default: built-in defaults)")
        if state:
            p.add_argument("--state", help="state database (default: [storage] path)")
        p.add_argument("--log-file", help="JSON log file ('-' for stderr)")
        p.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING...")

    p = sub.add_parser("backtest", help="run the strategies over candles, offline")
    common(p, state=False)
    p.add_argument("--bars", type=int, help="generated candles per symbol")
    p.add_argument("--seed", type=int)
    p.add_argument("--candles", help="CSV or JSON-lines candle file instead of generated data")
    p.add_argument("--out", help="report directory (report.json, equity.png)")

    p = sub.add_parser(
        "paper",
        help="trade a simulated exchange: the adapter's wire emulator (default) or in-process",
    )
    common(p)
    p.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="run length in simulated minutes (default 5)",
    )
    p.add_argument("--seed", type=int, default=None, help="market seed of the simulated exchange")
    p.add_argument(
        "--serve-port",
        type=int,
        default=None,
        help="serve the emulator on this loopback port (default: [exchange] emulator_port, "
        "0 = a free one) so `exchangekit-bot kill` can reach it from another shell",
    )
    p.add_argument(
        "--inprocess",
        action="store_true",
        help='the in-process simulator instead of the emulator (same as adapter = "paper")',
    )
    p.add_argument(
        "--speed",
        type=float,
        default=None,
        help="simulated seconds per real second (default: 5 on the emulator, 30 in-process)",
    )
    p.add_argument(
        "--virtual",
        action="store_true",
        help="in-process only (implies --inprocess): a virtual clock, as fast as possible",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")

    for name, text in (
        ("live", "trade a real exchange (testnet by default)"),
        ("shadow", "decide and log against a real feed; never send"),
    ):
        p = sub.add_parser(name, help=text)
        common(p)
        p.add_argument("--minutes", type=float, default=None, help="stop after this long")
        if name == "live":
            p.add_argument(
                "--mainnet",
                action="store_true",
                help="allow mainnet when [exchange] testnet = false",
            )

    p = sub.add_parser("kill", help="pause, cancel every order, flatten every position")
    common(p)
    p.add_argument("--reason", default="kill switch (operator)")

    p = sub.add_parser("pause", help="set the persistent pause flag")
    common(p)
    p.add_argument("--reason", default="paused by operator")

    p = sub.add_parser("resume", help="clear the pause, acknowledge incidents, re-baseline")
    common(p)

    p = sub.add_parser("status", help="pause flag, open incidents, order counts")
    common(p)

    p = sub.add_parser(
        "reconcile",
        help="settle unknown orders, sync fills and compare the journal with the exchange",
    )
    common(p)

    p = sub.add_parser("config", help="print the effective configuration as JSON")
    common(p, state=False)
    return parser


def _config(args: argparse.Namespace) -> BotConfig:
    overrides: dict[str, Any] = {}
    state = getattr(args, "state", None)
    if state and is_postgres_dsn(state):
        overrides["storage__backend"] = "postgres"
        overrides["storage__dsn"] = state
    elif state:
        overrides["storage__path"] = state
    return load_config(args.config, **overrides)


def _logging(args: argparse.Namespace, config: BotConfig, default_file: str | None) -> None:
    target = args.log_file or config.observability.log_file or default_file
    level = args.log_level or config.observability.log_level
    configure_logging(level, file=None if target in (None, "-") else target)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``exchangekit-bot`` console script."""
    args = build_parser().parse_args(argv)
    try:
        config = _config(args)
    except ConfigError as exc:
        print(f"exchangekit-bot: {exc}", file=sys.stderr)
        return 2
    handler = {
        "backtest": _backtest,
        "paper": _paper,
        "live": _live,
        "shadow": _live,
        "kill": _kill,
        "pause": _pause,
        "resume": _resume,
        "status": _status,
        "reconcile": _reconcile,
        "config": _print_config,
    }[args.command]
    try:
        return handler(args, config)
    except (CredentialsMissing, BotStartError, EmulatorUnavailable, StorageError) as exc:
        print(f"exchangekit-bot: refusing to start: {exc}", file=sys.stderr)
        return 2


# -- backtest --------------------------------------------------------------------------


def _backtest(args: argparse.Namespace, config: BotConfig) -> int:
    from exchangekit_bot.modes.backtest import run_backtest
    from exchangekit_bot.modes.report import render_text, write_report

    bt = config.backtest
    changes = {
        k: v
        for k, v in (
            ("bars", args.bars),
            ("seed", args.seed),
            ("candles_file", args.candles),
            ("output_dir", args.out),
        )
        if v is not None
    }
    config = msgspec.structs.replace(config, backtest=msgspec.structs.replace(bt, **changes))
    _logging(args, config, None)
    result = run_backtest(config)
    report, image = write_report(result.stats, result.equity, config.backtest.output_dir)
    print(render_text(result.stats))
    print(f"report            {report}\nequity curve      {image}")
    return 0


# -- paper, live, shadow ---------------------------------------------------------------


def _paper(args: argparse.Namespace, config: BotConfig) -> int:
    exchange = config.exchange
    if args.inprocess or args.virtual or exchange.adapter in IN_PROCESS_ADAPTERS:
        if exchange.adapter not in IN_PROCESS_ADAPTERS:
            config = msgspec.structs.replace(
                config, exchange=msgspec.structs.replace(exchange, adapter="paper")
            )
        return _paper_in_process(args, config)
    if not exchange.emulator:
        raise BotStartError(
            f"paper trades a simulated exchange: set [exchange] emulator = true (the "
            f'{exchange.adapter} wire emulator) or adapter = "paper", or pass --inprocess'
        )
    if args.speed is not None and args.speed <= 0:
        raise BotStartError("--speed must be positive on the emulator (--virtual is in-process)")
    if args.speed not in (None, 1.0) and exchange.emulator_url:
        raise BotStartError(
            "--speed applies to the emulator paper serves; the one at emulator_url runs its "
            "own clock (the bot follows it at speed 1)"
        )
    return _paper_on_emulator(args, config)


def _fresh_state(
    args: argparse.Namespace, config: BotConfig, *, reuse: bool
) -> str | StorageConfig:
    """The state file of a paper run. A new simulated exchange is born with every run, so
    yesterday's journal describes orders on an exchange that no longer exists: unless asked
    (``--state``) or ``reuse``, start from fresh state in a temporary directory."""
    if args.state or reuse:
        return config.storage
    return os.path.join(tempfile.mkdtemp(prefix="exchangekit-bot-paper-"), "state.db")


def _log_beside(state: str | StorageConfig) -> str:
    """The paper run's log file: beside a SQLite state file, else in a temporary directory."""
    if isinstance(state, str):
        return os.path.join(os.path.dirname(state) or ".", "bot.log")
    if state.backend == "sqlite":
        return _log_beside(state.path)
    return os.path.join(tempfile.mkdtemp(prefix="exchangekit-bot-paper-"), "bot.log")


def _paper_in_process(args: argparse.Namespace, config: BotConfig) -> int:
    state = _fresh_state(args, config, reuse=False)
    _logging(args, config, _log_beside(state))
    minutes = 5.0 if args.minutes is None else args.minutes
    speed = 30.0 if args.speed is None else args.speed
    virtual = args.virtual or speed <= 0
    base: Clock = ManualClock() if virtual else SystemClock()
    start_ms = base.now_ms()
    clock: Clock = base if virtual else ScaledClock(base, speed=speed, start_ms=start_ms)
    extra: dict[str, Any] = {
        "clock": base,
        "speed": 1.0 if virtual else speed,
        "start_ms": start_ms,
        "seed": 1 if args.seed is None else args.seed,
    }
    for key, value in PAPER_FEES.items():
        if key not in config.exchange.options:
            extra[key] = value
    exchange = connect_exchange(config.exchange, require_credentials=False, **extra)
    store = open_storage(state)
    total_s = minutes * 60
    print(
        f"paper: in-process simulated exchange, {minutes:g} simulated minutes, "
        f"{'virtual clock' if virtual else f'x{speed:g} speed'}; state {describe_storage(state)}"
    )
    bot = Bot(config, exchange, store, clock, mode=Mode.PAPER, metrics=_metrics(config))
    progress = None if args.quiet else Progress(sys.stdout, every_s=30.0, total_s=total_s)
    advance = base.advance if isinstance(base, ManualClock) else None

    async def go() -> Any:
        async with exchange:
            return await run_bot(bot, duration_s=total_s, advance=advance, progress=progress)

    try:
        summary = asyncio.run(go())
    finally:
        store.close()
    print("\n" + render_summary(summary))
    return 1 if summary.paused else 0


def _paper_on_emulator(args: argparse.Namespace, config: BotConfig) -> int:
    cfg = config.exchange
    external = cfg.emulator_url
    state = _fresh_state(args, config, reuse=external is not None)
    _logging(args, config, _log_beside(state))
    minutes = 5.0 if args.minutes is None else args.minutes
    speed = 1.0 if external else EMULATOR_SPEED if args.speed is None else args.speed
    seed = cfg.emulator_seed if args.seed is None else args.seed
    port = cfg.emulator_port if args.serve_port is None else args.serve_port
    total_s = minutes * 60
    store = open_storage(state)
    progress = (
        None
        if args.quiet
        else Progress(sys.stdout, every_s=min(30.0, max(total_s / 6, 5.0)), total_s=total_s)
    )

    async def go() -> tuple[RunSummary, dict[str, int] | None]:
        async with contextlib.AsyncExitStack() as stack:
            server = None
            if external:
                address: EmulatorAddress | EmulatorServer = EmulatorAddress(external)
            else:
                server = await stack.enter_async_context(
                    serve_emulator(cfg.adapter, seed=seed, port=port, speed=speed)
                )
                address = server
            record_emulator(store, address)
            # One clock for the exchange, its client and the bot: the emulator's.
            clock = address.clock
            name, options = emulator_client_options(cfg, address)
            options.setdefault("clock", clock)
            exchange = exchangekit.connect(name, **options)
            await stack.enter_async_context(exchange)
            where = "running at" if external else f"served (seed {seed}) on"
            print(
                f"paper: {name} wire emulator {where} {address.http_url}; the real {name} "
                f"adapter (REST, signing, rate limiter, WebSocket streams)\n"
                f"       {minutes:g} simulated minutes at x{speed:g} speed (about "
                f"{total_s / speed:.0f} s of wall-clock time); the emulator, the adapter and "
                "the bot share its clock;\n"
                "       its candle history is pre-generated, so the trend strategy decides "
                "from the first tick\n"
                f"state: {describe_storage(state)}\n"
                f"stop:  exchangekit-bot kill --state {describe_storage(state)}   (from another "
                "shell)",
                flush=True,
            )
            bot = Bot(config, exchange, store, clock, mode=Mode.PAPER, metrics=_metrics(config))
            summary = await run_bot(bot, duration_s=total_s, progress=progress)
            return summary, (exchange_record_counts(server) if server is not None else None)

    try:
        summary, counts = asyncio.run(go())
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0
    finally:
        store.close()
    print("\n" + render_summary(summary))
    if counts is not None:
        print(
            f"exchange record   {counts['orders']} orders accepted, {counts['fills']} fills, "
            f"{counts['refused']} refused (the emulator's own ground truth)"
        )
    print(
        f"market            {total_s:g} s of the emulator's market at x{speed:g} speed, "
        "after a pre-generated candle history"
    )
    return 1 if summary.paused else 0


def _metrics(config: BotConfig) -> BotMetrics:
    metrics = BotMetrics()
    if config.observability.metrics_port:
        metrics.serve(config.observability.metrics_port)
    return metrics


def _live(args: argparse.Namespace, config: BotConfig) -> int:
    shadow = args.command == "shadow"
    cfg = config.exchange
    in_process = cfg.adapter in IN_PROCESS_ADAPTERS
    if not shadow and in_process:
        raise BotStartError(
            f"live mode needs a real exchange adapter, not {cfg.adapter!r} "
            "(set [exchange] adapter); use `exchangekit-bot paper` for simulated trading"
        )
    if uses_emulator(cfg) and not cfg.emulator_url:
        raise BotStartError(
            f"[exchange] emulator = true: `{args.command}` trades a real venue. Use "
            "`exchangekit-bot paper` for the emulator, or set emulator = false (credentials "
            "from the environment), or emulator_url to an emulator already serving"
        )
    if not shadow and not cfg.testnet and not args.mainnet and not uses_emulator(cfg):
        raise BotStartError("[exchange] testnet = false: pass --mainnet to trade real money")
    _logging(args, config, None)
    store = open_storage(config.storage)
    if in_process:
        exchange = connect_exchange(cfg, require_credentials=False)
    else:
        exchange = connect_from_outside(cfg, store)
    bot = Bot(
        config,
        exchange,
        store,
        SystemClock(),
        mode=Mode.SHADOW if shadow else Mode.LIVE,
        metrics=_metrics(config),
    )
    duration = None if args.minutes is None else args.minutes * 60

    async def go() -> Any:
        async with exchange:
            return await run_bot(
                bot,
                duration_s=duration,
                progress=Progress(sys.stdout, every_s=60.0, total_s=duration),
            )

    try:
        summary = asyncio.run(go())
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 0
    finally:
        store.close()
    print("\n" + render_summary(summary))
    return 1 if summary.paused else 0


# -- kill switch and operator commands -------------------------------------------------


def _kill(args: argparse.Namespace, config: BotConfig) -> int:
    _logging(args, config, None)
    store = open_storage(config.storage)
    clock: Clock = SystemClock()
    try:
        if config.exchange.adapter in IN_PROCESS_ADAPTERS:
            pause(store, args.reason, by="kill-switch", ts_ms=clock.now_ms())
            print(
                f"paused ({describe_storage(config.storage)}). The "
                f"{config.exchange.adapter!r} exchange lives inside the bot's process: stop that "
                "process to end its orders."
            )
            return 0
        # The pause goes first, before anything that can fail (even finding the exchange).
        pause(store, args.reason, by="kill-switch", ts_ms=clock.now_ms())
        exchange = connect_from_outside(config.exchange, store)
        # An accelerated paper run writes its heartbeat in the emulator's time: judge it
        # (and wait for it) on that clock, not the wall clock.
        if uses_emulator(config.exchange):
            clock = recorded_clock(store) or clock

        async def go() -> Any:
            async with exchange:
                return await kill(
                    exchange,
                    store,
                    clock,
                    symbols=[s.symbol for s in config.strategies],
                    reason=args.reason,
                    bot_alive_within_s=config.observability.stall_after_s,
                    wait_for_bot_s=config.observability.stall_after_s,
                )

        report = asyncio.run(go())
    finally:
        store.close()
    data = {"clean": report.clean, **msgspec.to_builtins(report)}
    print(msgspec.json.format(msgspec.json.encode(data)).decode())
    return 0 if report.clean else 1


def _pause(args: argparse.Namespace, config: BotConfig) -> int:
    store = open_storage(config.storage)
    pause(store, args.reason, by="operator", ts_ms=SystemClock().now_ms())
    store.close()
    print(f"paused: {args.reason}")
    return 0


def _resume(args: argparse.Namespace, config: BotConfig) -> int:
    store = open_storage(config.storage)
    closed = resume(store, by="operator", ts_ms=SystemClock().now_ms())
    store.close()
    print(f"resumed; {closed} incident(s) acknowledged; positions will be re-baselined")
    return 0


def _status(args: argparse.Namespace, config: BotConfig) -> int:
    if config.storage.backend == "sqlite" and not Path(config.storage.path).exists():
        print(f"no state at {config.storage.path}")
        return 0
    store = open_storage(config.storage)
    state = store.pause_state()
    print(f"paused            {'yes: ' + state.reason if state.paused else 'no'}")
    counts: dict[str, int] = {}
    for record in store.orders():
        counts[record.status.value] = counts.get(record.status.value, 0) + 1
    print("orders            " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none"))
    for incident in store.incidents(open_only=True):
        print(f"incident #{incident.id}  {incident.kind}: {incident.detail}")
    store.close()
    return 0


def _reconcile(args: argparse.Namespace, config: BotConfig) -> int:
    """Start the bot's pipeline up to (not including) its strategies: settle every pending
    or unknown order by lookup, sync fills, reconcile, and print what differs."""
    _logging(args, config, None)
    store = open_storage(config.storage)
    if config.exchange.adapter in IN_PROCESS_ADAPTERS:
        store.close()
        raise BotStartError("the in-process exchange lives inside the paper process only")
    exchange = connect_from_outside(config.exchange, store)

    async def go() -> ReconcileReport:
        async with exchange:
            bot = Bot(config, exchange, store, SystemClock(), mode=Mode.LIVE)
            await bot.start()
            return await bot.reconciler.run(await bot.snapshot())

    try:
        report = asyncio.run(go())
        counts: dict[str, int] = {}
        for record in store.orders():
            counts[record.status.value] = counts.get(record.status.value, 0) + 1
        incidents = store.incidents(open_only=True)
    finally:
        store.close()
    print("orders            " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none"))
    for symbol, difference in report.position_differences.items():
        print(f"position          {symbol}: exchange - journal = {difference}")
    for text in report.applied:
        print(f"applied           {text}")
    for incident in incidents:
        print(f"incident #{incident.id}  {incident.kind}: {incident.detail}")
    return 1 if incidents or any(report.position_differences.values()) else 0


def _print_config(args: argparse.Namespace, config: BotConfig) -> int:
    data = msgspec.to_builtins(config)
    if config.storage.dsn is not None:
        data["storage"]["dsn"] = redact_dsn(config.storage.dsn)
    print(msgspec.json.format(msgspec.json.encode(data)).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
