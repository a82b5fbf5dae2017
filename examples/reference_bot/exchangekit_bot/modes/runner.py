"""The bot's main loop for paper, live and shadow modes, with progress and a summary."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TextIO

from exchangekit_bot.bot import Bot
from exchangekit_bot.summary import RunSummary, summarize

__all__ = ["Progress", "run_bot"]


class Progress:
    """Prints one line every ``every_s`` of bot time."""

    def __init__(self, out: TextIO | None, *, every_s: float, total_s: float | None) -> None:
        self.out = out
        self.every_s = every_s
        self.total_s = total_s
        self._next = 0.0

    def __call__(self, bot: Bot, elapsed_s: float, final: bool = False) -> None:
        if self.out is None or (elapsed_s < self._next and not final):
            return
        self._next = elapsed_s + self.every_s
        pnl = bot.account.pnl(bot.account.last_equity)
        orders = len(bot.store.orders())
        total = f"/{self.total_s:.0f}s" if self.total_s else "s"
        print(
            f"[{elapsed_s:5.0f}{total}] ticks {bot.ticks:4d}  orders {orders:4d}  "
            f"fills {len(bot.store.fills()):4d}  "
            f"pnl {'n/a' if pnl is None else f'{pnl:+.2f}'}  "
            f"dd {bot.account.max_drawdown:.2%}  "
            f"rejections {sum(bot.store.rejection_counts().values())}  "
            f"incidents {bot.incidents.open_count()}"
            + ("  PAUSED" if bot.store.pause_state().paused else ""),
            file=self.out,
            flush=True,
        )


async def run_bot(
    bot: Bot,
    *,
    duration_s: float | None,
    advance: Callable[[float], Awaitable[None]] | None = None,
    progress: Progress | None = None,
    stop: asyncio.Event | None = None,
) -> RunSummary:
    """Start the bot, tick every ``run.tick_s`` of bot time until ``duration_s`` or ``stop``.

    ``advance`` moves a virtual clock instead of sleeping (fast, deterministic runs).
    """
    clock = bot.clock
    tick_s = bot.config.run.tick_s
    await bot.start()
    watchdog = asyncio.create_task(bot.heartbeat.watch(), name="bot-heartbeat")
    started = clock.monotonic()
    try:
        while duration_s is None or clock.monotonic() - started < duration_s:
            if stop is not None and stop.is_set():
                break
            await bot.tick()
            if progress is not None:
                progress(bot, clock.monotonic() - started)
            if advance is not None:
                await advance(tick_s)
            else:
                await clock.sleep(tick_s)
    finally:
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
    snapshot = await bot.snapshot()
    equity = snapshot.equity()
    if progress is not None:
        progress(bot, clock.monotonic() - started, final=True)
    return summarize(
        bot.store, bot.metrics, end_equity=equity, max_drawdown=bot.account.max_drawdown
    )
