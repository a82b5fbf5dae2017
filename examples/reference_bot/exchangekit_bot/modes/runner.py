"""The bot's main loop for paper, live and shadow modes, with progress and a summary."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TextIO

from exchangekit import AuthenticationError, ExchangeError, NotSupported, RateLimited
from exchangekit_bot.bot import Bot, BotStartError
from exchangekit_bot.observability.logs import log_event
from exchangekit_bot.summary import RunSummary, summarize

__all__ = ["Progress", "run_bot"]

logger = logging.getLogger("exchangekit_bot.runner")
#: Waits between start attempts while the exchange fails (the last one repeats).
START_BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0)


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
    started = clock.monotonic()
    if not await _start(bot, deadline_s=duration_s, stop=stop, advance=advance):
        raise BotStartError("the exchange did not answer well enough to start before the end")
    watchdog = asyncio.create_task(bot.heartbeat.watch(), name="bot-heartbeat")
    follower = None
    if bot.config.run.follow_streams and bot.exchange.capabilities.private_streams:
        follower = asyncio.create_task(bot.stream_follower().run(), name="bot-streams")
    # Under a millisecond of bot time left counts as the end (a sleep may wake that early).
    end_s = None if duration_s is None else duration_s - 0.001
    try:
        while end_s is None or clock.monotonic() - started < end_s:
            if stop is not None and stop.is_set():
                break
            await bot.tick()
            if progress is not None:
                progress(bot, clock.monotonic() - started)
            # The last wait ends at the deadline, not a tick past it.
            wait_s = tick_s
            if duration_s is not None:
                wait_s = min(tick_s, max(0.0, duration_s - (clock.monotonic() - started)))
            if advance is not None:
                await advance(wait_s)
            else:
                await clock.sleep(wait_s)
    finally:
        for task in (watchdog, follower):
            if task is None:
                continue
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    ended_s = clock.monotonic() - started  # the run's length, before the closing snapshot
    snapshot = await bot.snapshot()
    equity = snapshot.equity()
    if progress is not None:
        progress(bot, ended_s, final=True)
    return summarize(
        bot.store, bot.metrics, end_equity=equity, max_drawdown=bot.account.max_drawdown
    )


async def _start(
    bot: Bot,
    *,
    deadline_s: float | None,
    stop: asyncio.Event | None,
    advance: Callable[[float], Awaitable[None]] | None,
) -> bool:
    """Start the bot, retrying while the exchange errs (no strategy runs before a full
    start: settled orders and a reconciliation). Errors no retry can fix are raised."""
    clock = bot.clock
    began = clock.monotonic()
    attempt = 0
    while True:
        try:
            await bot.start()
            return True
        except (AuthenticationError, NotSupported):
            raise
        except ExchangeError as exc:
            delay = START_BACKOFF_S[min(attempt, len(START_BACKOFF_S) - 1)]
            if isinstance(exc, RateLimited) and exc.retry_after_s:
                delay = max(delay, exc.retry_after_s)
            attempt += 1
            log_event(
                logger,
                "start_failed",
                level=logging.WARNING,
                attempt=attempt,
                retry_in_s=delay,
                error=f"{type(exc).__name__}: {exc}",
            )
            if deadline_s is not None and clock.monotonic() - began + delay >= deadline_s:
                return False
            if stop is not None and stop.is_set():
                return False
            await (advance(delay) if advance is not None else clock.sleep(delay))
