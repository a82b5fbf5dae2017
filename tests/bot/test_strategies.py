"""Strategies are pure; the regime detector scales size; leverage is clamped and persisted."""

from __future__ import annotations

from decimal import Decimal

from exchangekit_bot.config import LeverageConfig, RegimeConfig, StrategyConfig
from exchangekit_bot.intents import IntentKind, MarketState, PositionState, Purpose
from exchangekit_bot.leverage_state import LeverageKeeper
from exchangekit_bot.strategy import build_strategy, detect_regime, next_leverage
from exchangekit_bot.strategy.regime import RegimeName
from hypothesis import given
from hypothesis import strategies as st

from exchangekit import Candle, Instrument, MarketKind, Order, OrderStatus, OrderType, Side, Ticker

D = Decimal
PERP = Instrument(
    symbol="BTC/USDT:USDT",
    exchange_symbol="X",
    base="BTC",
    quote="USDT",
    settle="USDT",
    kind=MarketKind.PERPETUAL,
    tick_size=D("0.1"),
    step_size=D("0.001"),
    min_quantity=D("0.001"),
)
ETH = Instrument(
    symbol="ETH/USDT",
    exchange_symbol="E",
    base="ETH",
    quote="USDT",
    tick_size=D("0.01"),
    step_size=D("0.0001"),
    min_quantity=D("0.0001"),
)
T0 = 1_700_000_040_000


def candles(closes: list[float], symbol: str = PERP.symbol) -> tuple[Candle, ...]:
    return tuple(
        Candle(
            symbol=symbol,
            interval="1m",
            open_ms=T0 + i * 60_000,
            open=D(f"{c:.2f}"),
            high=D(f"{c:.2f}"),
            low=D(f"{c:.2f}"),
            close=D(f"{c:.2f}"),
            volume=D(1),
        )
        for i, c in enumerate(closes)
    )


def market(closes: list[float], instrument: Instrument = PERP) -> MarketState:
    cs = candles(closes, instrument.symbol)
    last = cs[-1].close
    return MarketState(
        symbol=instrument.symbol,
        interval="1m",
        now_ms=cs[-1].open_ms + 60_000,
        instrument=instrument,
        candles=cs,
        ticker=Ticker(
            symbol=instrument.symbol,
            bid=last - 1,
            ask=last + 1,
            last=last,
            timestamp_ms=cs[-1].open_ms + 60_000,
        ),
    )


TREND = StrategyConfig(
    name="trend",
    kind="trend",
    symbol=PERP.symbol,
    params={"fast": 5, "slow": 12, "notional": "1000", "allow_short": True},
)
QUOTER = StrategyConfig(
    name="q",
    kind="quoter",
    symbol=ETH.symbol,
    params={"notional": "100", "max_inventory_notional": "300"},
)


def test_trend_follower_buys_an_uptrend_and_sells_a_downtrend():
    trend = build_strategy(TREND, RegimeConfig(short_window=5, long_window=20))
    up = trend.decide(market([100 + i for i in range(40)]), PositionState(symbol=PERP.symbol))
    assert [i.kind for i in up] == [IntentKind.BUY]
    assert up[0].purpose is Purpose.ENTRY and up[0].market_ts_ms == T0 + 40 * 60_000
    long = PositionState(symbol=PERP.symbol, quantity=up[0].quantity)
    down = trend.decide(market([140 - i for i in range(40)]), long)
    assert [(i.kind, i.purpose) for i in down] == [
        (IntentKind.SELL, Purpose.EXIT),
        (IntentKind.SELL, Purpose.ENTRY),
    ]
    assert all(i.reason for i in down)


@given(
    closes=st.lists(st.floats(min_value=50, max_value=150), min_size=13, max_size=60),
    qty=st.decimals(min_value=D("-0.05"), max_value=D("0.05"), places=3),
)
def test_strategies_are_pure_functions_of_their_inputs(closes, qty):
    for settings, instrument in ((TREND, PERP), (QUOTER, ETH)):
        strategy = build_strategy(settings, RegimeConfig())
        state = market(closes, instrument)
        position = PositionState(symbol=instrument.symbol, quantity=qty)
        first = strategy.decide(state, position)
        assert first == strategy.decide(state, position)
        assert all(i.reason and i.market_ts_ms > 0 for i in first)
        assert all(i.quantity >= 0 for i in first)


def test_quoter_quotes_two_sides_and_respects_inventory():
    quoter = build_strategy(QUOTER, RegimeConfig())
    flat = quoter.decide(market([3000.0] * 30, ETH), PositionState(symbol=ETH.symbol))
    kinds = {i.kind for i in flat}
    assert IntentKind.BUY in kinds and IntentKind.SELL not in kinds  # nothing to sell on spot
    held = PositionState(symbol=ETH.symbol, quantity=D("0.2"))  # 600 notional > 300 limit
    full = quoter.decide(market([3000.0] * 30, ETH), held)
    assert {i.kind for i in full if i.sends_order} == {IntentKind.SELL}
    bid = next(i for i in flat if i.kind is IntentKind.BUY)
    resting = Order(
        symbol=ETH.symbol,
        order_id="1",
        client_order_id="xkabc-1",
        side=Side.BUY,
        type=OrderType.LIMIT,
        status=OrderStatus.OPEN,
        quantity=bid.quantity,
        price=bid.price - D(30),
    )
    stale = quoter.decide(
        market([3000.0] * 30, ETH), PositionState(symbol=ETH.symbol, open_orders=(resting,))
    )
    assert any(i.kind is IntentKind.CANCEL and i.client_order_id == "xkabc-1" for i in stale)


def test_regime_detector_scales_size_down_when_volatility_rises():
    config = RegimeConfig(short_window=10, long_window=40)
    calm_then_wild = [100 + (i % 2) * 0.1 for i in range(40)] + [
        100 + (i % 2) * 3 for i in range(11)
    ]
    wild_then_calm = [100 + (i % 2) * 3 for i in range(40)] + [
        100 + (i % 2) * 0.1 for i in range(11)
    ]
    high = detect_regime([D(str(c)) for c in calm_then_wild], config)
    low = detect_regime([D(str(c)) for c in wild_then_calm], config)
    assert high.name is RegimeName.HIGH and low.name is RegimeName.LOW
    assert high.size_multiplier < low.size_multiplier
    assert detect_regime([D(1)] * 5, config).name is RegimeName.UNKNOWN


@given(
    prev=st.one_of(st.none(), st.integers(min_value=1, max_value=5)),
    vol=st.one_of(st.none(), st.decimals(min_value=D("0.0001"), max_value=D("0.2"), places=4)),
    dd=st.decimals(min_value=D(0), max_value=D("0.5"), places=3),
    win=st.one_of(st.none(), st.decimals(min_value=D(0), max_value=D(1), places=2)),
)
def test_dynamic_leverage_stays_clamped_and_moves_in_bounded_steps(prev, vol, dd, win):
    config = LeverageConfig(enabled=True, base=D(3), minimum=D(1), maximum=D(5), max_step=D(1))
    decision = next_leverage(
        config,
        previous=None if prev is None else D(prev),
        realized_volatility=vol,
        drawdown=dd,
        win_rate=win,
    )
    assert D(1) <= decision.leverage <= D(5)
    assert decision.leverage == decision.leverage.to_integral_value()
    if prev is not None:
        assert abs(decision.leverage - prev) <= 1


def test_deep_drawdown_cuts_leverage_to_the_minimum():
    config = LeverageConfig(enabled=True)
    d = next_leverage(
        config, previous=None, realized_volatility=D("0.02"), drawdown=D("0.25"), win_rate=None
    )
    assert d.leverage == config.minimum and d.drawdown_factor == 0


async def test_leverage_is_persisted_and_continues_after_a_restart(paper, clock, open_state):
    config = LeverageConfig(enabled=True, base=D(5), maximum=D(5), max_step=D(1))
    store = open_state()
    keeper = LeverageKeeper(paper, store, config)
    first = await keeper.update(TREND, PERP, drawdown=D(0))
    assert first is not None
    store.close()
    store = open_state()
    keeper = LeverageKeeper(paper, store, config)
    assert keeper.state(PERP.symbol) is not None
    assert keeper.state(PERP.symbol).leverage == first  # type: ignore[union-attr]
    await clock.advance(61)
    second = await keeper.update(TREND, PERP, drawdown=D("0.19"))
    assert second is not None and abs(second - first) <= 1  # stepped from the persisted value
    store.close()


def churn(symbol: str, *, allow_short: bool) -> object:
    return build_strategy(
        StrategyConfig(
            name="churn",
            kind="churn",
            symbol=symbol,
            params={"notional": "120", "period_s": 2, "max_level": 3, "allow_short": allow_short},
        ),
        RegimeConfig(),
    )


@given(st.integers(min_value=0, max_value=10**6))
def test_churn_targets_are_a_pure_function_of_the_period(period):
    a, b = churn(PERP.symbol, allow_short=True), churn(PERP.symbol, allow_short=True)
    assert a.level(period) == b.level(period) and -3 <= a.level(period) <= 3  # type: ignore[attr-defined]


def test_churn_trades_toward_its_target_and_never_shorts_spot():
    spot = churn(ETH.symbol, allow_short=False)
    seen_sell = False
    for period in range(40):
        state = market([3000.0] * 5, ETH)
        ts = period * 2000
        state = MarketState(
            symbol=ETH.symbol, interval="1m", now_ms=ts, instrument=ETH, candles=state.candles,
            ticker=Ticker(symbol=ETH.symbol, bid=D(2999), ask=D(3001), last=D(3000), timestamp_ms=ts),
        )  # fmt: skip
        (intent,) = spot.decide(state, PositionState(symbol=ETH.symbol, quantity=D("0.04")))
        target = spot.level(period) * D("0.04")  # type: ignore[attr-defined]
        assert target >= 0
        if intent.kind is IntentKind.HOLD:
            assert target == D("0.04")
        else:
            signed = intent.quantity if intent.kind is IntentKind.BUY else -intent.quantity
            assert D("0.04") + signed == target and intent.sequence == period
            seen_sell |= intent.kind is IntentKind.SELL
    assert seen_sell
