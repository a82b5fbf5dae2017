"""The kill switch: persistent pause, cancel everything, flatten every position.

It needs only the adapter and the state store (for the pause flag and the spot
baselines), never the running bot, so it works when the bot is stuck or gone. The pause is
written FIRST, so a bot that is still running stops sending at its next check, even if
everything after it fails.

Rate limits: when the adapter's trading calls accept a ``priority`` keyword, the kill
switch passes ``Priority.KILL_SWITCH`` so its requests go ahead of everything queued in the
limiter. Otherwise a ``RateLimited`` answer (which proves nothing executed) is waited out
and retried. Flattening orders on derivatives are reduce-only, so a retry after an unknown
outcome can never overshoot into an opposite position; each round re-reads the positions
from the exchange before sending anything.
"""

from __future__ import annotations

import inspect
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
from exchangekit.ratelimit.spec import Priority
from exchangekit_bot.observability.logs import log_event
from exchangekit_bot.reconcile import REBASELINE_KEY, Baseline
from exchangekit_bot.storage.base import Storage

__all__ = ["KillReport", "kill", "pause", "priority_kwargs", "resume"]

logger = logging.getLogger("exchangekit_bot.kill")
ZERO = Decimal(0)


class KillReport(msgspec.Struct, kw_only=True):
    """What the kill switch did and what, if anything, is still left."""

    cancelled: int = 0
    flatten_orders: list[str] = msgspec.field(default_factory=list)
    open_orders_left: int = 0
    positions_left: dict[str, str] = msgspec.field(default_factory=dict)
    errors: list[str] = msgspec.field(default_factory=list)
    priority_used: bool = False

    @property
    def clean(self) -> bool:
        return self.open_orders_left == 0 and not self.positions_left


def priority_kwargs(method: Any) -> dict[str, Any]:
    """``{"priority": Priority.KILL_SWITCH}`` if ``method`` accepts it, else ``{}``."""
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return {}
    return {"priority": Priority.KILL_SWITCH} if "priority" in params else {}


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
) -> KillReport:
    """Pause, cancel every open order, flatten every position; verify, up to ``rounds``.

    ``symbols`` are the bot's symbols: spot holdings above their recorded baseline are sold
    (holdings the bot did not build are left alone); every derivatives position on the
    account is closed.
    """
    report = KillReport()
    pause(store, reason, by="kill-switch", ts_ms=clock.now_ms())
    instruments = await _call(clock, attempts, exchange.load_instruments)
    place_kw = priority_kwargs(exchange.place_order)
    report.priority_used = bool(place_kw)
    for round_no in range(1, rounds + 1):
        await _cancel_everything(exchange, clock, symbols, attempts, report)
        await _flatten(
            exchange, store, clock, instruments, symbols, round_no, attempts, place_kw, report
        )
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
        priority=report.priority_used,
    )
    return report


async def _cancel_everything(
    exchange: ExchangeClient, clock: Clock, symbols: list[str], attempts: int, report: KillReport
) -> None:
    cancel_kw = priority_kwargs(exchange.cancel_all_orders)
    try:
        report.cancelled += len(
            await _call(clock, attempts, exchange.cancel_all_orders, None, **cancel_kw)
        )
        return
    except NotSupported:
        pass  # some venues need a symbol
    except ExchangeError as exc:
        report.errors.append(f"cancel all: {exc}")
    for symbol in symbols:
        try:
            report.cancelled += len(
                await _call(clock, attempts, exchange.cancel_all_orders, symbol, **cancel_kw)
            )
        except ExchangeError as exc:
            report.errors.append(f"cancel {symbol}: {exc}")


def _spot_excess(store: Storage, instrument: Instrument, held: Decimal) -> Decimal:
    raw = store.get_value(f"baseline:{instrument.symbol}")
    baseline = ZERO if raw is None else msgspec.json.decode(raw, type=Baseline).quantity
    return instrument.floor_quantity(max(held - max(baseline, ZERO), ZERO), market=True)


async def _flatten(
    exchange: ExchangeClient,
    store: Storage,
    clock: Clock,
    instruments: dict[str, Instrument],
    symbols: list[str],
    round_no: int,
    attempts: int,
    place_kw: dict[str, Any],
    report: KillReport,
) -> None:
    orders: list[OrderRequest] = []
    stamp = f"{clock.now_ms():x}"
    if exchange.capabilities.positions:
        for p in await _call(clock, attempts, exchange.get_positions):
            instrument = instruments.get(p.symbol)
            if p.quantity <= 0 or instrument is None:
                continue
            side = Side.SELL if p.side is PositionSide.LONG or p.signed_quantity > 0 else Side.BUY
            qty = instrument.floor_quantity(p.quantity, market=True) or p.quantity
            orders.append(
                OrderRequest(
                    symbol=p.symbol,
                    side=side,
                    type=OrderType.MARKET,
                    quantity=qty,
                    reduce_only=True,
                    position_side=None
                    if p.side is PositionSide.BOTH or not exchange.capabilities.hedge_mode
                    else p.side,
                    client_order_id=f"kill-{stamp}-{round_no}-{len(orders)}",
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
                    client_order_id=f"kill-{stamp}-{round_no}-{len(orders)}",
                )
            )
    for request in orders:
        try:
            order = await _call(clock, attempts, exchange.place_order, request, **place_kw)
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
