"""``exchangekit-bot paper`` on an accelerated Binance emulator: the emulator, the adapter and
the bot share one scaled clock; another process (the kill switch) follows it from the record."""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal

from exchangekit_bot.cli import main
from exchangekit_bot.config import load_config
from exchangekit_bot.modes.emulator import (
    EMULATOR_CLOCK_KEY,
    record_emulator,
    resolve_emulator_address,
)
from exchangekit_bot.storage import SqliteStorage

import exchangekit
from exchangekit import OrderRequest, OrderType, Side
from exchangekit.clock import ScaledClock, SystemClock
from exchangekit.testing.registry import load_emulator
from exchangekit.testing.server import EmulatorServer


def test_paper_at_speed_runs_simulated_time_and_trades(tmp_path, capsys) -> None:
    state = str(tmp_path / "paper.db")
    log = tmp_path / "bot.log"
    # 30 simulated seconds at x10: a few seconds of wall time.
    code = main(
        ["paper", "--minutes", "0.5", "--speed", "10", "--state", state, "--log-file", str(log)]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0.5 simulated minutes at x10 speed" in out
    # The closing progress line: at least the 30 s asked for (a last tick may overrun it).
    lengths = [int(n) for n in re.findall(r"\[\s*(\d+)/30s\]", out)]
    assert lengths and lengths[-1] >= 30 and "at x10 speed" in out.splitlines()[-1]
    store = SqliteStorage(state)
    try:
        assert store.orders()  # it quoted on the emulator
        anchor = json.loads(store.get_value(EMULATOR_CLOCK_KEY) or "{}")
        assert anchor["speed"] == 10.0
    finally:
        store.close()
    events = [json.loads(line) for line in log.read_text().splitlines()]
    signals = [e for e in events if e["event"] == "signal"]
    assert signals  # the strategies decided from the emulator's candles
    assert not [e for e in events if e.get("reason") == "stale_market_data"]


def test_speed_is_refused_for_an_emulator_someone_else_serves(tmp_path, capsys) -> None:
    cfg = tmp_path / "ext.toml"
    cfg.write_text('[exchange]\nadapter = "binance"\nemulator_url = "http://127.0.0.1:9"\n')
    assert main(["paper", "--config", str(cfg), "--speed", "4"]) == 2
    assert "emulator_url" in capsys.readouterr().err


async def test_the_kill_switch_follows_an_accelerated_emulators_recorded_clock(tmp_path) -> None:
    spec = load_emulator("binance")
    dialect = spec.create_dialect(seed=5, speed=20, history_minutes=10)
    assert isinstance(dialect.clock, ScaledClock)
    state = tmp_path / "state.db"
    cfg = tmp_path / "kill.toml"
    cfg.write_text(f'[exchange]\nadapter = "binance"\n[storage]\npath = "{state}"\n')
    async with EmulatorServer(dialect) as server:
        store = SqliteStorage(str(state))
        record_emulator(store, server)
        store.close()
        # Seconds after the record, the exchange is far ahead of this machine's clock: only a
        # client on the recorded clock signs inside its recvWindow.
        await asyncio.sleep(0.5)
        store = SqliteStorage(str(state))
        address = resolve_emulator_address(load_config(str(cfg)).exchange, store)
        store.close()
        assert isinstance(address.clock, ScaledClock)
        # The recorded clock agrees with the exchange (~10 s ahead of the machine's by now).
        assert abs(address.clock.now_ms() - server.now_ms()) < 1000
        assert server.now_ms() - SystemClock().now_ms() > 5000
        async with exchangekit.connect(spec.adapter, **spec.client_config(server)) as client:
            await client.place_order(
                OrderRequest(symbol="BTC/USDT", side=Side.BUY, type=OrderType.LIMIT,
                             quantity=Decimal("0.001"), price=Decimal(50000))
            )  # fmt: skip
        assert dialect.sim.open_orders(dialect.name)
        assert await asyncio.to_thread(main, ["kill", "--config", str(cfg)]) == 0
        assert dialect.sim.open_orders(dialect.name) == []
