"""How fast the Binance emulator's market can run: simulated seconds per wall second.

- ``emulator.market_step``: the spot dialect's simulated exchange (BTC/USDT and ETH/USDT, the
  default 100 ms generator step) stepped through simulated time as an accelerated paper run
  steps it, with its public events fanned out to the stream layer. The "peer" is the wall
  clock itself (1 simulated second per second): the ratio is the highest ``speed`` the
  market generation alone could keep up with on this machine.
- ``emulator.paper_run``: ``exchangekit-bot paper --speed 20`` end to end (emulator, adapter,
  bot), simulated seconds per wall second; the paper run's own overheads (REST round trips
  of each bot tick, start-up) are what keep it under the requested speed.
"""

from __future__ import annotations

import contextlib
import io
import time

from exchangekit_binance.emulator import BinanceDialect

from bench.harness import Result, best_rate
from exchangekit.clock import ManualClock

__all__ = ["run"]


def run(quick: bool) -> list[Result]:
    """Both measurements; ``quick`` steps less simulated time and runs a shorter paper run."""
    return [_market_step(quick), _paper_run(quick)]


def _market_step(quick: bool) -> Result:
    sim_s = 60 if quick else 600

    def once() -> int:
        clock = ManualClock(epoch_ms=1_767_225_600_000)
        dialect = BinanceDialect("spot", clock=clock, history_minutes=0)
        start = dialect.sim.now_ms
        for second in range(1, sim_s + 1):
            dialect.sim.step(start + second * 1000)
            dialect.streams.tick()
        return sim_s

    rate = best_rate(once, repeat=2 if quick else 3)
    return Result(
        name="emulator.market_step",
        unit="sim s",
        ours_per_s=rate,
        peer="wall clock",
        peer_per_s=1.0,
        note="spot BTC/USDT + ETH/USDT, 100 ms generator step; ratio = the highest speed",
    )


def _paper_run(quick: bool) -> Result:
    from exchangekit_bot.cli import main

    minutes = 0.5 if quick else 2.0
    speed = 20
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(["paper", "--minutes", str(minutes), "--speed", str(speed), "--quiet"])
    elapsed = time.perf_counter() - started
    return Result(
        name="emulator.paper_run",
        unit="sim s",
        ours_per_s=minutes * 60 / elapsed,
        peer=f"requested x{speed}",
        peer_per_s=float(speed),
        note=f"exchangekit-bot paper --speed {speed} --minutes {minutes:g}, start-up included"
        + ("" if code == 0 else f" (exit {code})"),
    )
