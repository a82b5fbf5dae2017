"""Backtest mode: the same strategy and risk code over recorded or generated candles.

Decisions are made on each closed bar; orders execute on the next bar: market orders at
its open plus slippage (``slippage_bps`` plus ``impact_bps_per_10k`` per 10,000 of
notional) and the taker fee; limit orders fill at their price with the maker fee if the
bar trades through them, and otherwise expire with the bar. The daily-loss and drawdown
limits halt the backtest the way they halt the bot (flatten, then stop trading).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit import Candle, Instrument, Order, OrderStatus, OrderType, Side, Ticker
from exchangekit.models import parse_symbol
from exchangekit_bot.config import BotConfig
from exchangekit_bot.intents import Intent, IntentKind, MarketState, PositionState, interval_ms
from exchangekit_bot.modes.candles import generate_candles, load_candles
from exchangekit_bot.modes.report import BacktestStats, compute_stats
from exchangekit_bot.modes.sim_account import SimAccount, SimTrade
from exchangekit_bot.risk.engine import RiskContext, RiskEngine, assess_account
from exchangekit_bot.strategy.base import build_strategy

__all__ = ["BacktestResult", "backtest_instrument", "run_backtest"]

BPS = Decimal(10_000)
KNOWN_PRICES = {"BTC": Decimal(60000), "ETH": Decimal(3000)}


class BacktestResult(msgspec.Struct, kw_only=True):
    """Equity per bar, every simulated trade, and the statistics."""

    equity: list[Decimal]
    trades: list[SimTrade]
    stats: BacktestStats


def backtest_instrument(symbol: str) -> Instrument:
    """A plausible instrument for ``symbol`` (tick 0.01; step by base asset)."""
    parsed = parse_symbol(symbol)
    step = Decimal("0.00001") if parsed.base == "BTC" else Decimal("0.0001")
    return Instrument(
        symbol=symbol,
        exchange_symbol=symbol.replace("/", "").replace(":", "-"),
        base=parsed.base,
        quote=parsed.quote,
        settle=parsed.settle,
        kind=parsed.kind,
        tick_size=Decimal("0.01"),
        step_size=step,
        min_quantity=step,
        min_notional=Decimal(5),
    )


def _ticker(candle: Candle, now_ms: int, half_spread_bps: Decimal) -> Ticker:
    half = candle.close * half_spread_bps / BPS
    return Ticker(
        symbol=candle.symbol,
        bid=candle.close - half,
        ask=candle.close + half,
        last=candle.close,
        timestamp_ms=now_ms,
    )


def _as_order(intent: Intent, n: int) -> Order:
    return Order(
        symbol=intent.symbol,
        order_id=f"bt{n}",
        client_order_id=None,
        side=Side.BUY if intent.kind is IntentKind.BUY else Side.SELL,
        type=OrderType.MARKET if intent.price is None else OrderType.LIMIT,
        status=OrderStatus.OPEN,
        quantity=intent.quantity,
        price=intent.price,
    )


def run_backtest(
    config: BotConfig, *, candles: dict[str, list[Candle]] | None = None
) -> BacktestResult:
    """Run every configured strategy over its symbol's candles with one shared account."""
    bt = config.backtest
    strategies = [build_strategy(s, config.regime) for s in config.strategies]
    symbols = [s.symbol for s in strategies]
    if candles is None:
        candles = {}
        for settings in config.strategies:
            sym = settings.symbol
            if bt.candles_file:
                candles[sym] = load_candles(bt.candles_file, symbol=sym, interval=settings.interval)
            else:
                candles[sym] = generate_candles(
                    sym,
                    bars=bt.bars,
                    seed=bt.seed,
                    interval=settings.interval,
                    start_price=KNOWN_PRICES.get(parse_symbol(sym).base, bt.start_price),
                )
    bars = min(len(candles[s]) for s in symbols)
    if bars < 2:
        raise ValueError("a backtest needs at least two candles per symbol")
    bar_ms = interval_ms(config.strategies[0].interval)
    instruments = {s: backtest_instrument(s) for s in symbols}
    account = SimAccount(bt.initial_cash, instruments, config.exchange.quote_asset)
    risk = RiskEngine(config.risk)
    pending: list[Intent] = []
    equity: list[Decimal] = []
    rejections: dict[str, int] = {}
    peak: Decimal | None = None
    halted: str | None = None
    lookback = config.run.candles_lookback
    for i in range(bars):
        bar = {s: candles[s][i] for s in symbols}
        for intent in pending:
            _fill(account, intent, bar[intent.symbol], config)
        pending = []
        now = bar[symbols[0]].open_ms + bar_ms
        prices = {s: bar[s].close for s in symbols}
        tickers = {s: _ticker(bar[s], now, bt.half_spread_bps) for s in symbols}
        value = account.equity(prices)
        equity.append(value)
        peak = max(peak or value, value)
        verdict = assess_account(
            config.risk, equity=value, peak_equity=peak, day_start_equity=equity[0]
        )
        if verdict.halt and halted is None:
            halted = verdict.reason
            pending = [
                _flatten_intent(s, account.positions[s], now)
                for s in symbols
                if account.positions[s]
            ]
            continue
        if halted:
            continue
        for strategy in strategies:
            s = strategy.symbol
            market = MarketState(
                symbol=s,
                interval=strategy.interval,
                now_ms=now,
                instrument=instruments[s],
                candles=tuple(candles[s][max(0, i + 1 - lookback) : i + 1]),
                ticker=tickers[s],
            )
            position = PositionState(
                symbol=s, quantity=account.positions[s], entry_price=account.entries[s] or None
            )
            for intent in strategy.decide(market, position):
                if not intent.sends_order:
                    continue
                snapshot = msgspec.structs.replace(
                    account.snapshot(tickers, now),
                    open_orders=tuple(_as_order(p, n) for n, p in enumerate(pending)),
                )
                verdict_ = risk.check(
                    intent, snapshot, RiskContext(now_ms=now, orders_last_minute=len(pending))
                )
                if not verdict_.allowed:
                    rejections[verdict_.check] = rejections.get(verdict_.check, 0) + 1
                    continue
                pending.append(intent)
    stats = compute_stats(
        equity, account.trades, bar_ms=bar_ms, rejections=rejections, halted=halted
    )
    return BacktestResult(equity=equity, trades=account.trades, stats=stats)


def _flatten_intent(symbol: str, position: Decimal, now: int) -> Intent:
    return Intent(
        kind=IntentKind.SELL if position > 0 else IntentKind.BUY,
        strategy="risk",
        symbol=symbol,
        interval="1m",
        reason="halt: flatten",
        market_ts_ms=now,
        quantity=abs(position),
    )


def _fill(account: SimAccount, intent: Intent, bar: Candle, config: BotConfig) -> None:
    bt = config.backtest
    side = Side.BUY if intent.kind is IntentKind.BUY else Side.SELL
    instrument = account.instruments[intent.symbol]
    quantity = instrument.floor_quantity(intent.quantity)
    if quantity <= 0:
        return
    if intent.price is None:
        notional = quantity * bar.open
        slip_bps = bt.slippage_bps + bt.impact_bps_per_10k * notional / 10_000
        price = bar.open * (1 + side.sign * slip_bps / BPS)
        account.execute(
            intent.symbol,
            side,
            quantity,
            price,
            bt.taker_fee_bps / BPS,
            ts_ms=bar.open_ms,
            reason=intent.reason,
        )
        return
    crossed = bar.low <= intent.price if side is Side.BUY else bar.high >= intent.price
    if crossed:
        account.execute(
            intent.symbol,
            side,
            quantity,
            intent.price,
            bt.maker_fee_bps / BPS,
            ts_ms=bar.open_ms,
            reason=intent.reason,
        )
