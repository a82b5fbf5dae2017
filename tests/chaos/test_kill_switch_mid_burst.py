"""The kill switch, a separate process, stops a bot that is mid-burst and rate-limited.

The bot trades ``binanceusdm`` (the Binance USDⓈ-M emulator, which has real positions) as a
subprocess: a churn strategy re-targets its position every second, with an exchange-side
stop kept on it, while the emulator's ORDERS pool is tightened to 3 orders per 10 s (the
client still believes Binance's documented 300), so its orders keep meeting HTTP 429
(-1015). The kill switch starts right after a refusal, with the window full, so its own
flatten order is refused too and must wait the window out. Everything is checked from the
emulator's own state: no open order, no position, and no order of the bot after the kill.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import msgspec
from exchangekit_bot.storage import SqliteStorage

from exchangekit.ratelimit.spec import Cost, Pool
from exchangekit.sim.events import FillEvent, OrderEvent
from exchangekit.testing.quota import ServerQuota
from exchangekit.testing.registry import load_emulator
from exchangekit.testing.server import EmulatorServer

ORDERS_PER_10S = 3

CONFIG = """
[exchange]
adapter = "binanceusdm"
emulator = true
emulator_url = "{url}"

[storage]
path = "{state}"

[[strategies]]
name = "churn"
kind = "churn"
symbol = "BTC/USDT:USDT"
protective_stop_pct = "0.02"
params = {{ notional = "120", period_s = 1, max_level = 4, allow_short = true }}

[risk]
default_max_position_notional = "1000"
default_max_order_notional = "600"
max_total_exposure = "2000"
max_orders_per_minute = 1000

[run]
tick_s = 1.0
reconcile_every_s = 5.0

[observability]
stall_after_s = 15.0
"""


class CountingQuota(ServerQuota):
    """The server's quota, counting refusals and announcing each one."""

    def __init__(self, pools: Sequence[Pool], now_ms: object) -> None:
        super().__init__(pools, now_ms)  # type: ignore[arg-type]
        self.refused = 0
        self.refusal = asyncio.Event()
        self.requests = 0
        self.request = asyncio.Event()

    def charge(self, costs: Sequence[Cost]) -> tuple[Pool, float] | None:
        over = super().charge(costs)
        self.requests += 1
        self.request.set()
        if over is not None:
            self.refused += 1
            self.refusal.set()
        return over

    def window_left_s(self, pool_name: str) -> float:
        pool = self._pools[pool_name]
        return self._retry_after(pool)


def _tight(pools: Sequence[Pool]) -> list[Pool]:
    return [
        msgspec.structs.replace(p, limit=ORDERS_PER_10S)
        if "ORDERS" in p.name.upper() and p.window_s == 10
        else p
        for p in pools
    ]


async def _wait_for(event: asyncio.Event) -> None:
    event.clear()
    await asyncio.wait_for(event.wait(), timeout=60)


async def test_kill_mid_burst_while_rate_limited_cancels_flattens_and_stops_the_bot(
    tmp_path: Path,
) -> None:
    spec = load_emulator("binanceusdm")
    dialect = spec.create_dialect(seed=11)
    sim = dialect.sim
    account = dialect.name
    state = tmp_path / "state.db"
    config = tmp_path / "burst.toml"
    # Refusals are the point here: no IP ban after 20 of them (Binance would, eventually).
    async with EmulatorServer(dialect, ban_after_violations=10**9) as server:
        quota = CountingQuota(_tight(dialect.pools()), server.now_ms)
        server.quota = quota
        orders_pool = next(p.name for p in quota._pools.values() if p.limit == ORDERS_PER_10S)
        config.write_text(CONFIG.format(url=server.http_url, state=state))
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "exchangekit_bot", "paper", "--config", str(config),
            "--state", str(state), "--minutes", "3", "--quiet",
            "--log-file", str(tmp_path / "bot.log"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            # Mid-burst: the bot holds a position and a stop, and was just refused with the
            # ORDERS window full for at least 4 more seconds.
            while True:
                await _wait_for(quota.refusal)
                position = sim.position(account, "BTC/USDT:USDT").quantity
                if (
                    position != 0
                    and sim.open_orders(account)
                    and quota.window_left_s(orders_pool) >= 4.0
                ):
                    break
            refused_before = quota.refused
            kill = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "exchangekit_bot", "kill", "--config", str(config),
                "--state", str(state), "--log-file", str(tmp_path / "kill.log"),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(kill.communicate(), timeout=90)
            assert kill.returncode == 0, (out + err).decode()
            report = json.loads(out)
            killed_at = server.now_ms()
            accepted_before = len(sim.record.of(OrderEvent, account=account))

            # The emulator's own state: nothing open, nothing held.
            assert sim.open_orders(account) == []
            assert all(p.quantity == 0 for p in sim.positions(account))
            assert report["clean"] and report["bot_stopped"] is True
            assert report["lane"] == "KILL_SWITCH" and report["cancelled"] >= 1
            assert report["flatten_orders"]
            # The kill switch itself met the full ORDERS window and waited it out.
            kill_log = (tmp_path / "kill.log").read_text()
            assert "code -1015" in kill_log and quota.refused > refused_before

            # The bot is still running, paused: it keeps reading the exchange (a few ticks'
            # worth of requests) and sends nothing.
            store = SqliteStorage(str(state))
            assert store.pause_state().paused and store.pause_state().by == "kill-switch"
            store.close()
            seen = quota.requests
            while quota.requests < seen + 30:
                await _wait_for(quota.request)
            assert bot.returncode is None
            late = [
                e for e in sim.record.of(OrderEvent, account=account)[accepted_before:]
                if e.timestamp_ms > killed_at
            ]  # fmt: skip
            assert late == []
            fills = sim.record.of(FillEvent, account=account)
            assert fills and fills[-1].position_after == Decimal(0)
        finally:
            if bot.returncode is None:
                bot.terminate()
            await bot.communicate()
