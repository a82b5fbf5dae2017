"""Slippage guard, TWAP slicing and order planning."""

from __future__ import annotations

from decimal import Decimal

from exchangekit_bot.config import ExecutionConfig
from exchangekit_bot.execution.planner import plan_orders
from exchangekit_bot.execution.slippage import expected_average_price, guard_slippage
from exchangekit_bot.execution.twap import plan_twap
from exchangekit_bot.intents import Intent, IntentKind, Purpose
from hypothesis import given
from hypothesis import strategies as st

from exchangekit import Instrument, MarketKind, OrderBook, OrderType, Side

D = Decimal
BTC = Instrument(
    symbol="BTC/USDT",
    exchange_symbol="BTCUSDT",
    base="BTC",
    quote="USDT",
    tick_size=D("0.01"),
    step_size=D("0.001"),
    min_quantity=D("0.001"),
)
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

levels = st.lists(
    st.tuples(st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=500)),
    min_size=1,
    max_size=12,
)


def book_from(steps: list[tuple[int, int]]) -> OrderBook:
    price, asks = D(100), []
    for gap, size in steps:
        price += D(gap) / 100
        asks.append((price, D(size) / 1000))
    return OrderBook(symbol="BTC/USDT", bids=[(D("99.99"), D(1))], asks=asks)


@given(
    steps=levels,
    quantity=st.integers(min_value=1, max_value=3000),
    bound=st.integers(min_value=1, max_value=200),
)
def test_the_guard_never_lets_through_an_order_worse_than_its_bound(steps, quantity, bound):
    book = book_from(steps)
    qty = D(quantity) / 1000
    verdict = guard_slippage(book, Side.BUY, qty, max_slippage_bps=D(bound), instrument=BTC)
    if verdict.refused:
        return
    assert verdict.quantity <= qty
    average = expected_average_price(book.asks, verdict.quantity)
    assert average is not None
    best = book.asks[0][0]
    assert (average - best) / best * 10_000 <= D(bound)


def test_a_thin_book_shrinks_the_order_and_an_empty_side_refuses_it():
    book = OrderBook(symbol="BTC/USDT", bids=[], asks=[(D(100), D("0.001")), (D(120), D(1))])
    refused = guard_slippage(book, Side.BUY, D("0.5"), max_slippage_bps=D(5), instrument=BTC)
    assert refused.quantity == D("0.001")  # shrunk to the best level
    empty = guard_slippage(book, Side.SELL, D("0.5"), max_slippage_bps=D(5), instrument=BTC)
    assert empty.refused
    fine = guard_slippage(book, Side.BUY, D("0.001"), max_slippage_bps=D(5), instrument=BTC)
    assert fine.quantity == D("0.001") and fine.reason == "within bound"


@given(
    quantity=st.integers(min_value=1, max_value=100_000),
    slices=st.integers(min_value=1, max_value=12),
)
def test_twap_slices_add_up_and_are_tradable(quantity, slices):
    total = D(quantity) / 1000
    plan = plan_twap(total, slices=slices, start_ms=0, interval_ms=1000, instrument=BTC)
    assert sum(s.quantity for s in plan) == BTC.floor_quantity(total)
    assert all(s.quantity >= BTC.min_quantity for s in plan)
    assert [s.due_ms for s in plan] == [i * 1000 for i in range(len(plan))]
    assert len(plan) <= slices


def intent(
    kind: IntentKind, qty: str, purpose: Purpose = Purpose.ENTRY, price: str | None = None
) -> Intent:
    return Intent(
        kind=kind,
        strategy="t",
        symbol=PERP.symbol,
        interval="1m",
        reason="r",
        market_ts_ms=0,
        sequence=9,
        quantity=D(qty),
        purpose=purpose,
        price=None if price is None else D(price),
    )


def test_large_market_orders_become_twap_slices_with_their_own_ids():
    config = ExecutionConfig(twap_threshold_notional=D(1000), twap_slices=4, twap_interval_s=10)
    plans = plan_orders(
        intent(IntentKind.BUY, "0.1"), PERP, config, now_ms=0, reference_price=D(60000)
    )
    assert [p.key.leg for p in plans] == ["entry.t1", "entry.t2", "entry.t3", "entry.t4"]
    assert [p.due_ms for p in plans] == [0, 10_000, 20_000, 30_000]
    assert sum(p.quantity for p in plans) == D("0.1")
    small = plan_orders(
        intent(IntentKind.BUY, "0.01"), PERP, config, now_ms=0, reference_price=D(60000)
    )
    assert len(small) == 1 and small[0].key.leg == "entry"


def test_exits_on_derivatives_are_reduce_only_and_limits_rest_passively():
    config = ExecutionConfig()
    (exit_plan,) = plan_orders(
        intent(IntentKind.SELL, "0.01", Purpose.EXIT),
        PERP,
        config,
        now_ms=0,
        reference_price=D(60000),
    )
    assert exit_plan.reduce_only and exit_plan.order_type is OrderType.MARKET
    (quote,) = plan_orders(
        intent(IntentKind.BUY, "0.01", Purpose.QUOTE, price="60000.07"),
        PERP,
        config,
        now_ms=0,
        reference_price=D(60000),
    )
    assert quote.price == D("60000.0") and not quote.reduce_only
    assert (
        plan_orders(
            intent(IntentKind.BUY, "0.0001"), PERP, config, now_ms=0, reference_price=D(60000)
        )
        == []
    )
