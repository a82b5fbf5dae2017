"""The risk layer: limits computed from exchange state, every check fail-closed."""

from __future__ import annotations

from decimal import Decimal

import msgspec
from exchangekit_bot.config import RiskLimits
from exchangekit_bot.intents import Intent, IntentKind, Purpose
from exchangekit_bot.risk import ExchangeSnapshot, RiskContext, RiskEngine, assess_account
from hypothesis import given
from hypothesis import strategies as st

from exchangekit import (
    Balance,
    Instrument,
    MarketKind,
    Order,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
    Ticker,
)

D = Decimal
NOW = 1_700_000_000_000
ZERO = D(0)
RICH = D(10**6)
PERP = Instrument(
    symbol="BTC/USDT:USDT",
    exchange_symbol="BTCUSDT",
    base="BTC",
    quote="USDT",
    settle="USDT",
    kind=MarketKind.PERPETUAL,
    tick_size=D("0.1"),
    step_size=D("0.001"),
)
SPOT = Instrument(
    symbol="ETH/USDT",
    exchange_symbol="ETHUSDT",
    base="ETH",
    quote="USDT",
    tick_size=D("0.01"),
    step_size=D("0.0001"),
)
MID = {"BTC/USDT:USDT": D(60000), "ETH/USDT": D(3000)}
LIMITS = RiskLimits(
    default_max_position_notional=D(2000),
    default_max_order_notional=D(100000),
    max_total_exposure=D(10**9),
    max_orders_per_minute=1000,
)


def ticker(symbol: str, ts: int = NOW) -> Ticker:
    mid = MID[symbol]
    return Ticker(symbol=symbol, bid=mid - 1, ask=mid + 1, last=mid, timestamp_ms=ts)


def snapshot(
    *,
    perp_position: Decimal = ZERO,
    eth: Decimal = ZERO,
    usdt: Decimal = RICH,
    open_orders: tuple[Order, ...] = (),
    ticker_ts: int = NOW,
) -> ExchangeSnapshot:
    positions = ()
    if perp_position:
        positions = (
            Position(
                symbol=PERP.symbol,
                quantity=abs(perp_position),
                side=PositionSide.LONG if perp_position > 0 else PositionSide.SHORT,
                unrealized_pnl=D(0),
            ),
        )
    return ExchangeSnapshot(
        exchange="paper",
        fetched_ms=NOW,
        quote_asset="USDT",
        instruments={PERP.symbol: PERP, SPOT.symbol: SPOT},
        balances=(Balance(asset="USDT", free=usdt), Balance(asset="ETH", free=eth)),
        positions=positions,
        open_orders=open_orders,
        tickers={s: ticker(s, ticker_ts) for s in MID},
    )


def intent(
    side: Side,
    qty: Decimal,
    *,
    symbol: str = PERP.symbol,
    price: Decimal | None = None,
    ts: int = NOW,
) -> Intent:
    return Intent(
        kind=IntentKind.BUY if side is Side.BUY else IntentKind.SELL,
        strategy="t",
        symbol=symbol,
        interval="1m",
        reason="test",
        market_ts_ms=ts,
        quantity=qty,
        price=price,
        purpose=Purpose.ENTRY,
    )


def order(side: Side, qty: Decimal) -> Order:
    return Order(
        symbol=PERP.symbol,
        order_id="o",
        client_order_id="x",
        side=side,
        type=OrderType.LIMIT,
        status=OrderStatus.OPEN,
        quantity=qty,
        price=D(60000),
    )


qty = st.decimals(min_value=D("0.001"), max_value=D("0.2"), places=3)
signed = st.decimals(min_value=D("-0.2"), max_value=D("0.2"), places=3)


@given(
    position=signed,
    side=st.sampled_from(list(Side)),
    quantity=qty,
    working=st.lists(st.tuples(st.sampled_from(list(Side)), qty), max_size=4),
)
def test_never_allows_an_order_that_takes_the_position_beyond_its_limit(
    position, side, quantity, working
):
    snap = snapshot(perp_position=position, open_orders=tuple(order(s, q) for s, q in working))
    verdict = RiskEngine(LIMITS).check(intent(side, quantity), snap, RiskContext(now_ms=NOW))
    if not verdict.allowed:
        return
    # Worst case from exchange state: the position, every open order on this side, this order.
    same_side = sum((q for s, q in working if s is side), D(0))
    resulting = position + side.sign * (same_side + quantity)
    limit_qty = LIMITS.default_max_position_notional / MID[PERP.symbol]
    reduces = position != 0 and (position > 0) == (side is Side.SELL) and quantity <= abs(position)
    assert abs(resulting) <= limit_qty or reduces


@given(
    held=st.decimals(min_value=D(0), max_value=D(2), places=4),
    quantity=st.decimals(min_value=D("0.0001"), max_value=D(2), places=4),
)
def test_spot_never_sells_more_than_the_exchange_says_is_held(held, quantity):
    snap = snapshot(eth=held)
    verdict = RiskEngine(LIMITS).check(
        intent(Side.SELL, quantity, symbol=SPOT.symbol), snap, RiskContext(now_ms=NOW)
    )
    assert verdict.allowed == (quantity <= held) or verdict.check not in ("", "side_vs_inventory")
    if quantity > held:
        assert not verdict.allowed


def check(i: Intent, snap: ExchangeSnapshot | None = None, **ctx: object) -> str:
    verdict = RiskEngine(LIMITS).check(i, snap or snapshot(), RiskContext(now_ms=NOW, **ctx))  # type: ignore[arg-type]
    return "allowed" if verdict.allowed else verdict.check


def test_each_check_stops_the_pipeline_with_its_name():
    small = intent(Side.BUY, D("0.01"))
    assert check(small) == "allowed"
    assert check(small, paused=True) == "paused"
    assert check(small, open_incidents=1) == "incident_open"
    assert check(intent(Side.BUY, D("0.01"), ts=NOW - 600_000)) == "stale_market_data"
    assert check(small, snapshot(ticker_ts=NOW - 60_000)) == "stale_market_data"
    assert check(small, unknown_orders={PERP.symbol: 1}) == "unknown_orders"
    assert check(intent(Side.BUY, D("0.01"), price=D(70000))) == "price_band"
    assert check(intent(Side.BUY, D("0.1"))) == "position_limit"
    assert check(small, orders_last_minute=1000) == "order_rate"
    assert check(small, halted_reason="drawdown") == "halted"
    poor = snapshot(usdt=D(10))
    assert check(intent(Side.BUY, D("0.1"), symbol=SPOT.symbol), poor) == "side_vs_inventory"
    tight = RiskEngine(RiskLimits(default_max_order_notional=D(100)))
    assert tight.check(small, snapshot(), RiskContext(now_ms=NOW)).check == "order_notional"
    capped = RiskEngine(RiskLimits(max_total_exposure=D(100)))
    assert capped.check(small, snapshot(), RiskContext(now_ms=NOW)).check == "total_exposure"
    per_ex = RiskEngine(RiskLimits(max_exposure_per_exchange={"paper": D(100)}))
    assert per_ex.check(small, snapshot(), RiskContext(now_ms=NOW)).check == "exchange_exposure"


def test_missing_prices_are_rejections_not_passes():
    snap = snapshot()
    blind = ExchangeSnapshot(
        exchange="paper",
        fetched_ms=NOW,
        quote_asset="USDT",
        instruments=snap.instruments,
        balances=snap.balances,
        tickers={PERP.symbol: Ticker(symbol=PERP.symbol, timestamp_ms=NOW)},
    )
    assert check(intent(Side.BUY, D("0.01")), blind) == "no_reference_price"


def test_reducing_orders_pass_sizing_even_beyond_limits_but_not_the_pause():
    over = snapshot(perp_position=D("0.5"))  # 30k notional, far beyond the 2k limit
    assert check(intent(Side.SELL, D("0.2")), over) == "allowed"
    assert check(intent(Side.BUY, D("0.001")), over) == "position_limit"
    assert check(intent(Side.SELL, D("0.2")), over, paused=True) == "paused"


def test_daily_loss_and_drawdown_halt_and_unknown_equity_halts():
    limits = RiskLimits(max_daily_loss=D(100), max_drawdown_pct=D("0.05"))
    assert not assess_account(
        limits, equity=D(1000), peak_equity=D(1000), day_start_equity=D(1000)
    ).halt
    assert assess_account(limits, equity=D(899), peak_equity=D(900), day_start_equity=D(1000)).halt
    assert assess_account(limits, equity=D(940), peak_equity=D(1000), day_start_equity=D(950)).halt
    assert assess_account(limits, equity=None, peak_equity=D(1), day_start_equity=D(1)).halt


def test_orders_waiting_to_be_sent_count_toward_the_position_limit():
    engine = RiskEngine(LIMITS)
    waiting = RiskContext(now_ms=NOW, pending={PERP.symbol: {Side.BUY: D("0.02")}})
    assert engine.check(intent(Side.BUY, D("0.02")), snapshot(), RiskContext(now_ms=NOW)).allowed
    verdict = engine.check(intent(Side.BUY, D("0.02")), snapshot(), waiting)
    assert not verdict.allowed and verdict.check == "position_limit"


def test_spot_holdings_below_the_baseline_are_not_the_bots_to_sell():
    engine = RiskEngine(LIMITS)
    held = msgspec.structs.replace(snapshot(eth=D(5)), baselines={SPOT.symbol: D("4.5")})
    assert held.position(SPOT.symbol) == D("0.5") and held.holding(SPOT.symbol) == D(5)
    ctx = RiskContext(now_ms=NOW)
    assert engine.check(intent(Side.SELL, D("0.5"), symbol=SPOT.symbol), held, ctx).allowed
    verdict = engine.check(intent(Side.SELL, D("0.6"), symbol=SPOT.symbol), held, ctx)
    assert not verdict.allowed and verdict.check == "side_vs_inventory"


def test_equity_leaves_out_the_holdings_the_bot_did_not_build():
    plain = snapshot(eth=D(5), usdt=D(1000))
    based = msgspec.structs.replace(plain, baselines={SPOT.symbol: D(5)})
    assert plain.equity() == D(1000) + 5 * MID[SPOT.symbol]
    assert based.equity() == D(1000)
