"""The kill switch: persistent pause, cancel everything, flatten every position.

It needs only the adapter and the state store (for the pause flag and the spot
baselines), never the running bot, so it works when the bot is stuck or gone. The order:

1. The pause is written FIRST, so a bot that is still running stops sending at its next
   check, even if everything after it fails.
2. Every open order is cancelled at once (resting orders are the fastest risk to remove).
3. If a bot is alive (its heartbeat in the state store is recent), the kill switch waits,
   up to ``wait_for_bot_s``, for the bot to acknowledge the pause: the bot writes the
   acknowledgement at the start of a tick, when nothing it sent is in flight any more, so
   no order of the bot can land after the flatten below.
4. Rounds of cancel, flatten (fresh positions each round) and verify, until clean.

Rate limits: everything runs inside ``priority_lane(Priority.KILL_SWITCH)``, so in a
process whose limiter has a queue (a bot mid-burst), every request of the kill switch is
served ahead of it. A ``RateLimited`` answer from the exchange (which proves nothing
executed) is waited out and retried. Flattening orders on derivatives are reduce-only, so a
retry after an unknown outcome can never overshoot into an opposite position.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import msgspec

from exchangekit import (
    ExchangeClient,
    ExchangeError,
    Instrument,
    NotSupported,
    OrderRequest,
    OrderType,
    PositionSide,
    RateLimited,
    Side,
    TransientError,
)
from exchangekit.clock import Clock
from exchangekit.ratelimit.lane import priority_lane
from exchangekit.ratelimit.spec import Priority
from exchangekit_bot.observability.logs import log_event
from exchangekit_bot.reconcile import REBASELINE_KEY, Baseline
from exchangekit_bot.storage.base import Storage

__all__ = ["HEARTBEAT_KEY", "PAUSE_SEEN_KEY", "KillReport", "kill", "pause", "resume"]

logger = logging.getLogger("exchangekit_bot.kill")
ZERO = Decimal(0)
#: The bot's clock at its latest tick (state-store value).
HEARTBEAT_KEY = "bot:heartbeat_ms"
#: ``since_ms`` of the pause the bot has seen at the start of a tick (state-store value).
PAUSE_SEEN_KEY = "bot:pause_seen_ms"


class KillReport(msgspec.Struct, kw_only=True):
    """What the kill switch did and what, if anything, is still left."""

    cancelled: int = 0
    flatten_orders: list[str] = msgspec.field(default_factory=list)
    open_orders_left: int = 0
    positions_left: dict[str, str] = msgspec.field(default_factory=dict)
    errors: list[str] = msgspec.field(default_factory=list)
    lane: str = Priority.KILL_SWITCH.name
    """The limiter lane every request ran in."""
    bot_stopped: bool | None = None
    """The running bot acknowledged the pause (None: no bot was running)."""

    @property
    def clean(self) -> bool:
        return self.open_orders_left == 0 and not self.positions_left


def pause(store: Storage, reason: str, *, by: str, ts_ms: int) -> None:
    """Set the persistent pause flag (survives restarts; the bot stops sending)."""
    store.set_pause(reason, by=by, ts_ms=ts_ms)
    log_event(logger, "paused", level=logging.WARNING, reason=reason, by=by)


def resume(store: Storage, *, by: str, ts_ms: int) -> int:
    """Clear the pause, close open incidents as acknowledged, and re-baseline positions.

    Returns the number of incidents closed. The next reconciliation takes the exchange
    positions as the new baseline (the operator has looked at them).
    """
    closed = store.resolve_incidents(f"acknowledged by {by} on resume", ts_ms=ts_ms)
    store.put_value(REBASELINE_KEY, "1")
    store.clear_pause(by=by, ts_ms=ts_ms)
    log_event(logger, "resumed", by=by, incidents_closed=closed)
    return closed


async def _call(clock: Clock, attempts: int, func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``func``, waiting out rate limits and retrying errors that prove no execution."""
    for attempt in range(attempts):
        try:
            return await func(*args, **kwargs)
        except RateLimited as exc:
            if attempt == attempts - 1:
                raise
            await clock.sleep(exc.retry_after_s or 1.0)
        except TransientError:
            if attempt == attempts - 1:
                raise
            await clock.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


async def kill(
    exchange: ExchangeClient,
    store: Storage,
    clock: Clock,
    *,
    symbols: list[str],
    reason: str = "kill switch",
    rounds: int = 3,
    attempts: int = 5,
    bot_alive_within_s: float = 30.0,
    wait_for_bot_s: float = 30.0,
) -> KillReport:
    """Pause, cancel every open order, wait for a running bot to stop sending, flatten
    every position; verify, up to ``rounds``.

    ``symbols`` are the bot's symbols: spot holdings above their recorded baseline are sold
    (holdings the bot did not build are left alone; without a baseline, all of them); every
    derivatives position on the account is closed.
    """
    report = KillReport()
    pause(store, reason, by="kill-switch", ts_ms=clock.now_ms())
    paused_at = store.pause_state().since_ms
    with priority_lane(Priority.KILL_SWITCH):
        instruments = await _call(clock, attempts, exchange.load_instruments)
        await _cancel_everything(exchange, clock, symbols, attempts, report)
        report.bot_stopped = await _await_bot(
            store, clock, paused_at, alive_within_s=bot_alive_within_s, timeout_s=wait_for_bot_s
        )
        for _ in range(rounds):
            await _cancel_everything(exchange, clock, symbols, attempts, report)
            await _flatten(exchange, store, clock, instruments, symbols, attempts, report)
            if await _verify(exchange, store, clock, instruments, symbols, attempts, report):
                break
            await clock.sleep(1.0)
    log_event(
        logger,
        "kill_done" if report.clean else "kill_incomplete",
        level=logging.WARNING if report.clean else logging.CRITICAL,
        cancelled=report.cancelled,
        flatten_orders=report.flatten_orders,
        open_orders_left=report.open_orders_left,
        positions_left=report.positions_left,
        errors=report.errors,
        bot_stopped=report.bot_stopped,
    )
    return report


async def _await_bot(
    store: Storage,
    clock: Clock,
    paused_at: int | None,
    *,
    alive_within_s: float,
    timeout_s: float,
) -> bool | None:
    """Wait until a running bot acknowledges the pause; None if no bot is running."""
    beat = store.get_value(HEARTBEAT_KEY)
    if beat is None or clock.now_ms() - int(beat) > alive_within_s * 1000:
        return None
    started = clock.monotonic()
    # Another process answers through the shared state file: there is nothing to await
    # but the file itself, so it is read every 100 ms.
    while store.get_value(PAUSE_SEEN_KEY) != str(paused_at):
        if clock.monotonic() - started >= timeout_s:
            log_event(logger, "bot_did_not_stop", level=logging.CRITICAL, waited_s=timeout_s)
            return False
        await clock.sleep(0.1)
    log_event(logger, "bot_stopped", waited_s=round(clock.monotonic() - started, 3))
    return True


async def _cancel_everything(
    exchange: ExchangeClient, clock: Clock, symbols: list[str], attempts: int, report: KillReport
) -> None:
    try:
        report.cancelled += len(await _call(clock, attempts, exchange.cancel_all_orders, None))
        return
    except NotSupported:
        pass  # some venues need a symbol
    except ExchangeError as exc:
        report.errors.append(f"cancel all: {exc}")
    for symbol in symbols:
        try:
            report.cancelled += len(
                await _call(clock, attempts, exchange.cancel_all_orders, symbol)
            )
        except ExchangeError as exc:
            report.errors.append(f"cancel {symbol}: {exc}")


def _spot_excess(store: Storage, instrument: Instrument, held: Decimal) -> Decimal:
    """Spot holdings the bot built: above the baseline it recorded when it first ran. With
    no baseline the bot never traded here, and none of the holdings are its to sell."""
    raw = store.get_value(f"baseline:{instrument.symbol}")
    if raw is None:
        return ZERO
    baseline = msgspec.json.decode(raw, type=Baseline).quantity
    return instrument.floor_quantity(max(held - max(baseline, ZERO), ZERO), market=True)


async def _flatten(
    exchange: ExchangeClient,
    store: Storage,
    clock: Clock,
    instruments: dict[str, Instrument],
    symbols: list[str],
    attempts: int,
    report: KillReport,
) -> None:
    orders: list[OrderRequest] = []
    # Fresh ids every round: a retried round must not collide with an order of the last.
    stamp = f"{clock.now_ms():x}"
    if exchange.capabilities.positions:
        positions = await _call(clock, attempts, exchange.get_positions)
        open_sides: dict[str, set[PositionSide]] = {}
        for p in positions:
            if p.quantity > 0:
                open_sides.setdefault(p.symbol, set()).add(p.side)
        for p in positions:
            instrument = instruments.get(p.symbol)
            if p.quantity <= 0 or instrument is None:
                continue
            side = Side.SELL if p.side is PositionSide.LONG or p.signed_quantity > 0 else Side.BUY
            qty = instrument.floor_quantity(p.quantity, market=True) or p.quantity
            # A long and a short on one symbol at once can only be hedge mode: close each
            # by its position side. Otherwise one-way mode (the bot's), reduce-only.
            hedged = len(open_sides[p.symbol]) > 1 and exchange.capabilities.hedge_mode
            orders.append(
                OrderRequest(
                    symbol=p.symbol,
                    side=side,
                    type=OrderType.MARKET,
                    quantity=qty,
                    reduce_only=not hedged,
                    position_side=p.side if hedged else None,
                    client_order_id=f"kill-{stamp}-{len(orders)}",
                )
            )
    balances = {b.asset: b for b in await _call(clock, attempts, exchange.get_balances)}
    for symbol in symbols:
        instrument = instruments.get(symbol)
        if instrument is None or instrument.kind.is_derivative:
            continue
        held = balances[instrument.base].total or ZERO if instrument.base in balances else ZERO
        qty = _spot_excess(store, instrument, held)
        if qty > 0 and qty >= instrument.min_quantity:
            orders.append(
                OrderRequest(
                    symbol=symbol,
                    side=Side.SELL,
                    type=OrderType.MARKET,
                    quantity=qty,
                    client_order_id=f"kill-{stamp}-{len(orders)}",
                )
            )
    for request in orders:
        try:
            order = await _call(clock, attempts, exchange.place_order, request)
            report.flatten_orders.append(
                f"{request.symbol} {request.side.value} {request.quantity}: {order.status.value}"
            )
        except ExchangeError as exc:
            # Unknown outcomes are settled by the next round's fresh read of positions.
            report.errors.append(f"flatten {request.symbol}: {type(exc).__name__}: {exc}")


async def _verify(
    exchange: ExchangeClient,
    store: Storage,
    clock: Clock,
    instruments: dict[str, Instrument],
    symbols: list[str],
    attempts: int,
    report: KillReport,
) -> bool:
    try:
        open_orders = await _call(clock, attempts, exchange.get_open_orders, None)
        positions = (
            await _call(clock, attempts, exchange.get_positions)
            if exchange.capabilities.positions
            else []
        )
        balances = {b.asset: b for b in await _call(clock, attempts, exchange.get_balances)}
    except ExchangeError as exc:
        report.errors.append(f"verify: {exc}")
        return False
    report.open_orders_left = len(open_orders)
    report.positions_left = {p.symbol: str(p.signed_quantity) for p in positions if p.quantity > 0}
    for symbol in symbols:
        instrument = instruments.get(symbol)
        if instrument is None or instrument.kind.is_derivative or instrument.base not in balances:
            continue
        excess = _spot_excess(store, instrument, balances[instrument.base].total or ZERO)
        if excess >= max(instrument.min_quantity, instrument.step_size) and excess > 0:
            report.positions_left[symbol] = str(excess)
    return report.clean
