"""``exchangekit-bot paper`` and ``backtest`` run end to end, offline; live refuses safely."""

from __future__ import annotations

import asyncio
import json
import re
from decimal import Decimal

import pytest
from exchangekit_bot.cli import main
from exchangekit_bot.storage import SqliteStorage

import exchangekit
from exchangekit import OrderRequest, OrderType, Side
from exchangekit.testing.registry import load_emulator
from exchangekit.testing.server import EmulatorServer

PERP_TREND = """
[exchange]
adapter = "paper"

[[strategies]]
name = "trend"
kind = "trend"
symbol = "BTC/USDT:USDT"
protective_stop_pct = "0.02"
params = { fast = 8, slow = 21, notional = "1200", allow_short = true }

[[strategies]]
name = "quoter"
kind = "quoter"
symbol = "ETH/USDT"
params = { notional = "150", spread_bps = "20", max_inventory_notional = "600" }
"""


def test_in_process_paper_runs_end_to_end_and_prints_a_summary(tmp_path, capsys):
    state = str(tmp_path / "paper.db")
    log = tmp_path / "bot.log"
    cfg = tmp_path / "perp.toml"
    cfg.write_text(PERP_TREND)
    code = main(
        ["paper", "--config", str(cfg), "--virtual", "--minutes", "3", "--state", state,
         "--log-file", str(log)]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    for line in ("orders", "fills", "PnL", "max drawdown", "risk rejections", "incidents"):
        assert line in out
    assert "[  180/180s]" in out  # progress reached the end
    store = SqliteStorage(state)
    records = store.orders()
    assert records and store.fills()  # it traded on the paper exchange
    assert {r.purpose.value for r in records} >= {"entry", "quote", "stop"}
    store.close()
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert {"signal", "risk_check", "order_send", "order_status", "fill", "reconciled"} <= {
        e["event"] for e in events
    }


def test_one_decision_id_links_signal_risk_order_ack_and_fill(tmp_path):
    log = tmp_path / "bot.log"
    cfg = tmp_path / "perp.toml"
    cfg.write_text(PERP_TREND)
    assert (
        main(
            [
                "paper",
                "--config",
                str(cfg),
                "--virtual",
                "--minutes",
                "1",
                "--quiet",
                "--state",
                str(tmp_path / "s.db"),
                "--log-file",
                str(log),
            ]
        )
        == 0
    )
    events = [json.loads(line) for line in log.read_text().splitlines()]
    fill = next(e for e in events if e["event"] == "fill")
    chain = [e["event"] for e in events if e.get("decision_id") == fill["decision_id"]]
    for step in ("signal", "risk_check", "order_journaled", "order_send", "order_status", "fill"):
        assert step in chain
    assert chain.index("signal") < chain.index("risk_check") < chain.index("order_send")
    assert chain.index("order_send") < chain.index("fill")


def test_backtest_runs_offline_and_writes_a_report_and_an_equity_curve(tmp_path, capsys):
    out_dir = tmp_path / "bt"
    assert main(["backtest", "--bars", "300", "--out", str(out_dir)]) == 0
    printed = capsys.readouterr().out
    for word in ("PnL", "Sharpe", "max drawdown", "win rate", "equity curve"):
        assert word in printed
    report = json.loads((out_dir / "report.json").read_text())
    assert report["bars"] == 300 and report["trades"] > 0
    png = (out_dir / "equity.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png[-12:]


def test_backtest_reads_recorded_candles(tmp_path, capsys):
    rows = ["open_ms,open,high,low,close,volume"]
    price = 100.0
    for i in range(200):
        price *= 1.001 if (i // 40) % 2 == 0 else 0.999
        rows.append(
            f"{1_700_000_040_000 + i * 60_000},{price:.2f},{price * 1.001:.2f},"
            f"{price * 0.999:.2f},{price:.2f},5"
        )
    path = tmp_path / "candles.csv"
    path.write_text("\n".join(rows))
    assert main(["backtest", "--candles", str(path), "--out", str(tmp_path / "o")]) == 0
    assert json.loads((tmp_path / "o" / "report.json").read_text())["bars"] == 200


def test_live_refuses_without_credentials_with_a_clear_message(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "live.toml"
    cfg.write_text('[exchange]\nadapter = "paper-but-live"\nemulator = false\n')
    monkeypatch.delenv("EXCHANGEKIT_API_KEY", raising=False)
    monkeypatch.delenv("EXCHANGEKIT_API_SECRET", raising=False)
    assert main(["live", "--config", str(cfg), "--state", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert "EXCHANGEKIT_API_KEY" in err and "EXCHANGEKIT_API_SECRET" in err


def test_live_refuses_the_simulated_adapter_the_emulator_and_unconfirmed_mainnet(tmp_path, capsys):
    assert main(["live", "--state", str(tmp_path / "s.db")]) == 2
    assert "emulator = true" in capsys.readouterr().err
    cfg = tmp_path / "paper.toml"
    cfg.write_text('[exchange]\nadapter = "paper"\n')
    assert main(["live", "--config", str(cfg), "--state", str(tmp_path / "s.db")]) == 2
    assert "paper" in capsys.readouterr().err
    cfg = tmp_path / "main.toml"
    cfg.write_text('[exchange]\nadapter = "binance"\nemulator = false\ntestnet = false\n')
    assert main(["live", "--config", str(cfg), "--state", str(tmp_path / "s.db")]) == 2
    assert "--mainnet" in capsys.readouterr().err


def test_bad_config_is_refused_before_anything_starts(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[risk]\nmax_daily_loss = 'lots'\n")
    assert main(["paper", "--config", str(cfg)]) == 2
    assert "invalid config" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["config"])
def test_config_prints_the_effective_settings(command, capsys):
    assert main([command]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["exchange"]["adapter"] == "binance" and data["exchange"]["emulator"] is True


def test_the_example_config_is_valid_and_matches_the_defaults():
    from pathlib import Path

    from exchangekit_bot.config import BotConfig, load_config

    example = Path(__file__).parents[2] / "examples" / "reference_bot" / "config.example.toml"
    assert load_config(example) == BotConfig()


def test_paper_trades_the_binance_emulator_through_the_real_adapter_by_default(tmp_path, capsys):
    state = str(tmp_path / "paper.db")
    log = tmp_path / "bot.log"
    code = main(["paper", "--minutes", "0.1", "--state", state, "--log-file", str(log)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "binance wire emulator served" in out and "exchangekit-bot kill --state" in out
    # The closing progress line reports the run's length: at least the 6 s asked for (the
    # last tick may overrun it on a loaded machine).
    lengths = [int(n) for n in re.findall(r"\[\s*(\d+)/6s\]", out)]
    assert lengths and lengths[-1] >= 6 and "exchange record" in out
    store = SqliteStorage(state)
    assert (store.get_value("emulator:url") or "").startswith("http://127.0.0.1:")
    assert store.orders()  # it quoted on the emulator
    store.close()
    events = [json.loads(line) for line in log.read_text().splitlines()]
    starting = next(e for e in events if e["event"] == "bot_starting")
    assert starting["exchange"] == "binance" and starting["symbols"] == ["BTC/USDT", "ETH/USDT"]


async def test_reconcile_and_kill_reach_the_emulator_from_another_process(tmp_path):
    spec = load_emulator("binance")
    dialect = spec.create_dialect(seed=5)
    state = tmp_path / "state.db"
    cfg = tmp_path / "ext.toml"
    async with EmulatorServer(dialect) as server:
        cfg.write_text(
            f'[exchange]\nadapter = "binance"\nemulator_url = "{server.http_url}"\n'
            f'[storage]\npath = "{state}"\n'
        )
        # First contact records the baselines: the account's 0.5 BTC and 5 ETH are not the bot's.
        assert await asyncio.to_thread(main, ["reconcile", "--config", str(cfg)]) == 0
        async with exchangekit.connect(spec.adapter, **spec.client_config(server)) as client:
            await client.place_order(
                OrderRequest(symbol="ETH/USDT", side=Side.BUY, type=OrderType.MARKET,
                             quantity=Decimal("0.2"))
            )  # fmt: skip
            await client.place_order(
                OrderRequest(symbol="BTC/USDT", side=Side.BUY, type=OrderType.LIMIT,
                             quantity=Decimal("0.001"), price=Decimal(50000))
            )  # fmt: skip
        assert await asyncio.to_thread(main, ["kill", "--config", str(cfg)]) == 0
        account = dialect.name
        assert dialect.sim.open_orders(account) == []
        held = {b.asset: b.total for b in dialect.sim.balances(account)}
        assert held["ETH"] == Decimal(5) and held["BTC"] == Decimal("0.5")  # back to baseline
    store = SqliteStorage(str(state))
    assert store.pause_state().paused and store.pause_state().by == "kill-switch"
    store.close()
