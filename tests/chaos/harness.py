"""The chaos harness: the bot as a subprocess against a misbehaving Binance emulator.

For one seed: pick a venue, a fault plan and one or two crash points from the seed; serve
the emulator in this process (so it outlives the bot); run ``python -m exchangekit_bot
paper`` against it until a run ends on its own (a run killed at a crash point is started
again on the same state file); run a final reconciliation with faults off; then judge the
bot by the emulator's own record (``dialect.sim.record``), never by the bot's belief.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import msgspec
from exchangekit_bot.bot import Bot, Mode
from exchangekit_bot.config import BotConfig, load_config
from exchangekit_bot.crash import CRASH_ENV, DURABLE_STEPS
from exchangekit_bot.execution.client_ids import is_own_client_order_id
from exchangekit_bot.execution.journal import exchange_status
from exchangekit_bot.storage import SqliteStorage

import exchangekit
from exchangekit import Fill, Order, OrderStatus
from exchangekit.clock import SystemClock
from exchangekit.sim.events import FillEvent, OrderEvent, RejectionEvent
from exchangekit.testing import FaultKind, FaultPlan, FaultRule
from exchangekit.testing.registry import load_emulator
from exchangekit.testing.server import EmulatorServer

__all__ = ["SeedResult", "Tally", "run_seed", "scenario_for"]

ZERO = Decimal(0)
MAX_POSITION = Decimal(250)
#: Price movement allowed between the risk check (at the mid) and the fill.
BREACH_SLACK = Decimal("0.02")
PREFIX = "xk"


@dataclass(frozen=True)
class Venue:
    adapter: str
    order_path: str
    rest_prefix: str
    order_events: str
    """Stream name of the private order updates (for WS fault rules)."""
    strategies: str
    unreachable: frozenset[str] = frozenset()
    """Crash points this venue's strategies never pass."""


_UNKNOWN_PATH = frozenset({"unknown_recorded", "lookup_answered", "lookup_recorded"})
_RARE = _UNKNOWN_PATH | {"send_failed", "cancel_sent", "baseline_recorded"}


SPOT = Venue(
    adapter="binance",
    order_path="/api/v3/order",
    rest_prefix="/api/v3/",
    order_events="executionReport",
    strategies="""
[[strategies]]
name = "churn"
kind = "churn"
symbol = "BTC/USDT"
params = { notional = "100", period_s = 1, max_level = 3 }

[[strategies]]
name = "quoter"
kind = "quoter"
symbol = "ETH/USDT"
params = { notional = "60", spread_bps = "4", requote_bps = "2", max_inventory_notional = "150", requote_s = 1 }
""",
)
USDM = Venue(
    adapter="binanceusdm",
    order_path="/fapi/v1/order",
    rest_prefix="/fapi/",
    order_events="ORDER_TRADE_UPDATE",
    strategies="""
[[strategies]]
name = "churn"
kind = "churn"
symbol = "BTC/USDT:USDT"
protective_stop_pct = "0.02"
params = { notional = "120", period_s = 1, max_level = 3, allow_short = true }
""",
)

CONFIG = """
[exchange]
adapter = "{adapter}"
emulator = true
emulator_url = "{url}"

[storage]
path = "{state}"
{strategies}
[risk]
default_max_position_notional = "{max_position}"
default_max_order_notional = "600"
max_total_exposure = "1000"
max_orders_per_minute = 600
max_daily_loss = "300"
max_drawdown_pct = "0.5"
max_ticker_age_s = 15.0

[execution]
visibility_window_s = 2.0
lookup_delays_s = [0.2, 0.4, 0.8]
max_lookups = 40
transient_send_retries = 2

[run]
tick_s = 0.3
reconcile_every_s = 2.0
candles_lookback = 30

[observability]
log_level = "INFO"
"""


@dataclass
class Scenario:
    seed: int
    venue: Venue
    rules: list[FaultRule]
    crashes: list[str]
    """One crash plan per run (``step:n``); the run after the last one is not armed."""


def scenario_for(seed: int) -> Scenario:
    """The venue, faults and crash points of ``seed`` (every durable step comes up in turn)."""
    rng = random.Random(f"chaos:{seed}")
    venue = SPOT if seed % 2 == 0 else USDM
    order = venue.order_path
    rules = [
        FaultRule(kind=FaultKind.LATENCY, target="*", latency_ms=1, jitter_ms=20),
        FaultRule(
            kind=FaultKind.TIMEOUT_AFTER_ACCEPT,
            target=order,
            method="POST",
            probability=rng.choice((0.1, 0.2, 0.3)),
            hang_s=0.3,
        ),
        FaultRule(
            kind=FaultKind.HTTP_5XX,
            target=venue.rest_prefix + "*",
            probability=rng.choice((0.005, 0.01)),
            status=rng.choice((500, 502, 503)),
        ),
        FaultRule(
            kind=FaultKind.HTTP_429,
            target=venue.rest_prefix + "*",
            probability=rng.choice((0.003, 0.006)),
            retry_after_s=1.0,
        ),
        FaultRule(kind=FaultKind.HTTP_5XX, target=order, probability=0.05, status=503),
        FaultRule(kind=FaultKind.HTTP_429, target=order, method="POST", probability=0.03),
        FaultRule(kind=FaultKind.WS_DUPLICATE, target="*", probability=0.2),
        FaultRule(kind=FaultKind.WS_SKIP, target="*", probability=0.15),
        FaultRule(kind=FaultKind.WS_DROP, target="*", probability=0.05),
    ]
    if rng.random() < 0.5:
        rules.append(
            FaultRule(kind=FaultKind.TIMEOUT_BEFORE_ACCEPT, target=order, probability=0.05,
                      hang_s=0.3)
        )  # fmt: skip
    if rng.random() < 0.5:
        rules.append(FaultRule(kind=FaultKind.RESET_MID_RESPONSE, target=order, probability=0.05))
    if rng.random() < 0.5:
        rules.append(
            FaultRule(kind=FaultKind.TIMEOUT_AFTER_ACCEPT, target=order, method="DELETE",
                      probability=0.1, hang_s=0.3)
        )  # fmt: skip
    steps = [s for s in DURABLE_STEPS if s not in venue.unreachable]
    step = steps[(seed // 2) % len(steps)]
    if step in _UNKNOWN_PATH:
        # An unknown outcome needs an ack that never came and an order event the stream
        # did not deliver first (it usually overtakes the 0.3 s hang).
        rules.append(FaultRule(kind=FaultKind.WS_SKIP, target=venue.order_events, probability=0.7))
        rules.append(
            FaultRule(kind=FaultKind.TIMEOUT_AFTER_ACCEPT, target=order, method="POST",
                      probability=0.4, hang_s=0.3)
        )  # fmt: skip
    # Steps passed once per run (or rarely) crash at their first pass; the others at the
    # first or the second.
    crashes = [f"{step}:{1 if step in _RARE else 1 + rng.randrange(2)}"]
    if rng.random() < 0.3:
        crashes.append(f"{rng.choice(steps)}:{1 + rng.randrange(2)}")
    return Scenario(seed=seed, venue=venue, rules=rules, crashes=crashes)


@dataclass
class SeedResult:
    seed: int
    orders: int = 0
    fills: int = 0
    duplicates: int = 0
    lost_fills: int = 0
    mismatches: int = 0
    limit_breaches: int = 0
    runs: int = 0
    crashed: list[str] = field(default_factory=list)
    faults: int = 0
    incidents: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Tally:
    seeds: int = 0
    orders: int = 0
    fills: int = 0
    duplicates: int = 0
    lost_fills: int = 0
    mismatches: int = 0
    limit_breaches: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, r: SeedResult) -> None:
        self.seeds += 1
        for name in ("orders", "fills", "duplicates", "lost_fills", "mismatches"):
            setattr(self, name, getattr(self, name) + getattr(r, name))
        self.limit_breaches += r.limit_breaches
        self.problems.extend(f"seed {r.seed}: {p}" for p in r.problems)

    def line(self) -> str:
        return (
            f"chaos: seeds={self.seeds} orders={self.orders} fills={self.fills} "
            f"duplicates={self.duplicates} lost_fills={self.lost_fills} "
            f"mismatches={self.mismatches} limit_breaches={self.limit_breaches}"
        )


async def _run_bot(
    config: Path, state: Path, log: Path, crash: str | None, seconds: float
) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    if crash:
        env[CRASH_ENV] = crash
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "exchangekit_bot", "paper", "--config", str(config),
        "--state", str(state), "--minutes", f"{seconds / 60:.4f}", "--quiet",
        "--log-file", str(log),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=seconds + 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return -999, "timed out"
    assert proc.returncode is not None
    return proc.returncode, (out + err).decode(errors="replace")[-2000:]


async def run_seed(seed: int, workdir: Path, *, bot_seconds: float = 6.0) -> SeedResult:
    """Run one seed end to end and count from the emulator's record."""
    scenario = scenario_for(seed)
    result = SeedResult(seed=seed)
    spec = load_emulator(scenario.venue.adapter)
    dialect = spec.create_dialect(seed=seed)
    plan = FaultPlan(scenario.rules, seed=seed)
    state = workdir / "state.db"
    log = workdir / "bot.log"
    async with EmulatorServer(dialect, faults=plan) as server:
        config_path = _write_config(workdir, scenario.venue, server.http_url, state)
        for crash in [*scenario.crashes, None]:
            code, output = await _run_bot(config_path, state, log, crash, bot_seconds)
            result.runs += 1
            if code == -9:
                result.crashed.append(crash or "?")
                continue
            if code not in (0, 1) or "Traceback" in output:
                result.problems.append(f"bot exited {code}: {output}")
            break
        result.faults = plan.count()
        server.faults = FaultPlan.none()
        # Quiesce before judging: the market keeps matching while the final reconciliation
        # reads orders and then fills, so a resting order that fills in between would be a
        # difference of the moment, not of the journal. The exchange cancels what is still
        # working; reconciliation must then bring those cancellations into the journal.
        dialect.sim.cancel_all(dialect.name)
        config = load_config(config_path)
        await _final_reconciliation(config, spec.adapter, dict(spec.client_config(server)))
        _judge(dialect, config, state, result)
    return result


def _write_config(workdir: Path, venue: Venue, url: str, state: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "chaos.toml"
    path.write_text(
        CONFIG.format(
            adapter=venue.adapter,
            url=url,
            state=state,
            strategies=venue.strategies,
            max_position=MAX_POSITION,
        )
    )
    return path


async def _final_reconciliation(
    config: BotConfig, adapter: str, options: dict[str, object]
) -> None:
    # The emulator has no visibility lag: an order a lookup cannot find never landed.
    config = msgspec.structs.replace(
        config, execution=msgspec.structs.replace(config.execution, visibility_window_s=0.0)
    )
    store = SqliteStorage(config.storage.path)
    try:
        async with exchangekit.connect(adapter, **options) as client:
            bot = Bot(config, client, store, SystemClock(), mode=Mode.LIVE)
            await bot.start()
    finally:
        store.close()


def _judge(dialect: object, config: BotConfig, state: Path, result: SeedResult) -> None:
    sim = dialect.sim  # type: ignore[attr-defined]
    account = dialect.name  # type: ignore[attr-defined]
    record = sim.record
    final: dict[str, Order] = {}
    for event in record.of(OrderEvent, account=account):
        final[event.order.order_id] = event.order
    fills = record.of(FillEvent, account=account)
    result.orders = len(final)
    result.fills = len(fills)

    by_cid: dict[str, list[Order]] = {}
    for order in final.values():
        by_cid.setdefault(order.client_order_id or "", []).append(order)
    for cid, orders in by_cid.items():
        if len(orders) > 1:
            result.duplicates += len(orders) - 1
            result.problems.append(f"{cid}: {len(orders)} accepted orders")
    for rejection in record.of(RejectionEvent, account=account):
        cid = rejection.request.client_order_id
        if rejection.error == "DuplicateClientOrderId" and cid in by_cid:
            result.duplicates += 1
            result.problems.append(f"{cid}: submitted again after it landed")

    store = SqliteStorage(str(state))
    try:
        known = {(f.symbol, f.trade_id) for f in store.fills()}
        for event in fills:
            if (event.fill.symbol, event.fill.trade_id) not in known:
                result.lost_fills += 1
                result.problems.append(f"fill {event.fill.trade_id} missing from the journal")
        journal = {r.client_order_id: r for r in store.orders()}
        for cid, orders in by_cid.items():
            if not is_own_client_order_id(cid, prefix=PREFIX):
                continue
            row = journal.get(cid)
            if row is None:
                result.mismatches += 1
                result.problems.append(f"{cid}: on the exchange, not in the journal")
                continue
            order = orders[-1]
            if (
                row.status is not exchange_status(order)
                or row.filled_quantity != order.filled_quantity
            ):
                result.mismatches += 1
                result.problems.append(
                    f"{cid}: journal {row.status.value} {row.filled_quantity}, exchange "
                    f"{order.status.value} {order.filled_quantity}"
                )
        for cid, row in journal.items():
            if row.status in (OrderStatus.PENDING, OrderStatus.UNKNOWN):
                result.mismatches += 1
                result.problems.append(f"{cid}: still {row.status.value} after reconciliation")
            elif row.status is not OrderStatus.REJECTED and cid not in by_cid:
                result.mismatches += 1
                result.problems.append(f"{cid}: journal {row.status.value}, exchange never saw it")
        for strategy in config.strategies:
            symbol = strategy.symbol
            exchange_pos = _position([e.fill for e in fills if e.fill.symbol == symbol])
            journal_pos = _position(store.fills(symbol=symbol))
            if exchange_pos != journal_pos:
                result.mismatches += 1
                result.problems.append(
                    f"{symbol}: exchange position {exchange_pos}, journal {journal_pos}"
                )
        result.incidents = [f"{i.kind}: {i.detail}" for i in store.incidents()]
    finally:
        store.close()

    running: dict[str, Decimal] = {}
    limit = MAX_POSITION * (1 + BREACH_SLACK)
    for event in fills:
        fill = event.fill
        if event.position_after is not None:
            running[fill.symbol] = event.position_after
        else:
            running[fill.symbol] = running.get(fill.symbol, ZERO) + _position([fill])
        if abs(running[fill.symbol]) * fill.price > limit:
            result.limit_breaches += 1
            result.problems.append(
                f"{fill.symbol}: position {running[fill.symbol]} at {fill.price} over the limit"
            )


def _position(fills: list[Fill]) -> Decimal:
    """Signed quantity of ``fills`` less fees paid in the base asset (spot buys on some
    venues), i.e. the position they built."""
    total = ZERO
    for fill in fills:
        total += fill.side.sign * fill.quantity
        if fill.fee_asset and fill.fee_asset == fill.symbol.split("/")[0]:
            total -= fill.fee
    return total
