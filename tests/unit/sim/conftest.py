"""Shared helpers: small markets, and the ground-truth checks every sim test can run."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from exchangekit import Instrument, MarketKind, OrderRequest, OrderType, Side
from exchangekit.sim import (
    DepositEvent,
    External,
    FillEvent,
    FundingEvent,
    LiquidityModel,
    MarketSpec,
    OrderEvent,
    RandomWalk,
    SimExchange,
)

D = Decimal
SPOT = "BTC/USDT"
PERP = "BTC/USDT:USDT"


def spot_instrument() -> Instrument:
    return Instrument(
        symbol=SPOT,
        exchange_symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        tick_size=D("0.1"),
        step_size=D("0.01"),
        min_quantity=D("0.01"),
        min_notional=D(1),
    )


def perp_instrument() -> Instrument:
    return Instrument(
        symbol=PERP,
        exchange_symbol="BTCUSDT-PERP",
        base="BTC",
        quote="USDT",
        settle="USDT",
        kind=MarketKind.PERPETUAL,
        tick_size=D("0.1"),
        step_size=D("0.01"),
        min_quantity=D("0.01"),
        min_notional=D(1),
    )


def fed_sim(**kwargs: object) -> SimExchange:
    """Spot and perp markets whose book the test sets (bid 100.0, ask 100.1, 1 each level)."""
    sim = SimExchange(
        markets=[
            MarketSpec(instrument=spot_instrument(), source=External()),
            MarketSpec(instrument=perp_instrument(), source=External()),
        ],
        **kwargs,  # type: ignore[arg-type]
    )
    for symbol in (SPOT, PERP):
        set_book(sim, symbol)
    return sim


def set_book(
    sim: SimExchange,
    symbol: str,
    bid: str = "100.0",
    ask: str = "100.1",
    *,
    levels: int = 3,
    size: str = "1",
    last: str | None = None,
) -> None:
    tick = D("0.1")
    sim.set_market(
        symbol,
        bids=[(D(bid) - i * tick, D(size)) for i in range(levels)],
        asks=[(D(ask) + i * tick, D(size)) for i in range(levels)],
        last=D(last) if last else None,
    )


def walk_sim(seed: int, **kwargs: object) -> SimExchange:
    """Spot and perp random walks near 100 with small, lively books."""
    liquidity = LiquidityModel(levels=5, top_size=D(2), size_growth=0.5)
    walk = RandomWalk(initial_price=D(100), volatility=20.0, trade_size=D(1))
    return SimExchange(
        seed=seed,
        markets=[
            MarketSpec(instrument=spot_instrument(), source=walk, liquidity=liquidity),
            MarketSpec(
                instrument=perp_instrument(),
                source=RandomWalk(
                    initial_price=D(100), volatility=20.0, trade_size=D(1), follow=SPOT
                ),
                liquidity=liquidity,
                funding_rate=D("0.001"),
            ),
        ],
        **kwargs,  # type: ignore[arg-type]
    )


def order(
    side: str,
    quantity: str,
    price: str | None = None,
    *,
    symbol: str = SPOT,
    type: str | None = None,
    **kw: object,
) -> OrderRequest:
    otype = type or ("limit" if price is not None else "market")
    return OrderRequest(
        symbol=symbol,
        side=Side(side),
        type=OrderType(otype),
        quantity=D(quantity),
        price=None if price is None else D(price),
        **kw,  # type: ignore[arg-type]
    )


def check_ground_truth(sim: SimExchange) -> None:
    """Everything the record says must agree with the state, and nothing is created or lost.

    - per asset: accounts + house + fees == deposits (exact);
    - per account and asset: deposits + fills (spot flows, fees, realized PnL) + funding,
      replayed from the record, == the balance the exchange reports (exact);
    - positions replayed from fills == positions reported; each fill continues from the last;
    - no order filled beyond its quantity or through its limit price;
    - a reduce-only fill never increases a position or flips it;
    - free balances never go below zero; the record's sequence numbers are gapless.
    """
    record = sim.record
    assert [e.seq for e in record] == list(range(1, len(record) + 1))
    instruments = sim.instruments

    # 1. conservation over every ledger account
    house, fees = sim.house_balances(), sim.fees_collected()
    for asset, deposited in sim.deposits().items():
        held = sum((sim.balance(a, asset).total or D(0) for a in sim.accounts), D(0))
        assert held + house.get(asset, D(0)) + fees.get(asset, D(0)) == deposited, asset

    # 2. replay the record
    wallet: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    position: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    filled: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    last_state = {}
    for event in record:
        if isinstance(event, DepositEvent | FundingEvent):
            wallet[(event.account, event.asset)] += event.amount
        elif isinstance(event, FillEvent):
            fill, inst = event.fill, instruments[event.fill.symbol]
            key = (event.account, fill.order_id)
            filled[key] += fill.quantity
            assert fill.fee_asset is not None
            wallet[(event.account, fill.fee_asset)] -= fill.fee
            signed = fill.quantity * fill.side.sign
            if inst.kind is MarketKind.SPOT:
                wallet[(event.account, inst.base)] += signed
                wallet[(event.account, inst.quote)] -= signed * fill.price
            else:
                wallet[(event.account, inst.settle or inst.quote)] += fill.realized_pnl or 0
                pkey = (event.account, fill.symbol)
                assert event.position_before == position[pkey]
                position[pkey] += signed
                assert event.position_after == position[pkey]
                if event.reduce_only:
                    before, after = event.position_before, event.position_after
                    assert before is not None and after is not None
                    assert abs(after) < abs(before), event
                    assert after == 0 or (after > 0) == (before > 0), event
        elif isinstance(event, OrderEvent):
            last_state[(event.account, event.order.order_id)] = event.order
    for account in sim.accounts:
        for balance in sim.balances(account):
            assert balance.total == wallet[(account, balance.asset)], (account, balance)
            assert balance.free >= 0, (account, balance)
            assert balance.locked >= 0, (account, balance)
        for symbol, inst in instruments.items():
            if inst.kind is not MarketKind.SPOT:
                reported = sim.position(account, symbol).signed_quantity
                assert reported == position[(account, symbol)], (account, symbol)

    # 3. orders: never beyond quantity, never through the limit
    for key, state in last_state.items():
        assert state.filled_quantity == filled[key], state
        assert state.filled_quantity <= state.quantity, state
    for event in record.of(FillEvent):
        state = last_state[(event.account, event.fill.order_id)]
        if state.price is not None:
            if event.fill.side is Side.BUY:
                assert event.fill.price <= state.price, (event, state)
            else:
                assert event.fill.price >= state.price, (event, state)


@pytest.fixture
def sim() -> SimExchange:
    return fed_sim()
