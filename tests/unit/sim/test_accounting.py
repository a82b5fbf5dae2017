"""Balances, fees, positions, margin, leverage, liquidation and funding add up exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchangekit import InsufficientFunds, InvalidOrder, NotSupported, PositionSide
from exchangekit.sim import FillEvent, FundingEvent, SimExchange
from tests.unit.sim.conftest import PERP, SPOT, check_ground_truth, fed_sim, order, set_book

D = Decimal


def test_spot_limit_buy_locks_quote_with_fee_headroom_and_cancel_frees_it() -> None:
    sim = fed_sim()
    a = sim.create_account(balances={"USDT": 1000}, maker_fee="0.001", taker_fee="0.002")
    placed = sim.place_order(a, order("buy", "2", "99"))
    usdt = sim.balance(a, "USDT")
    assert usdt.locked == D(2) * D(99) * D("1.002")
    assert usdt.total == D(1000)
    sim.cancel_order(a, order_id=placed.order_id)
    assert sim.balance(a, "USDT").locked == 0
    assert sim.balance(a, "USDT").free == D(1000)


def test_spot_sell_locks_the_base_asset(sim: SimExchange) -> None:
    a = sim.create_account(balances={"BTC": 3})
    sim.place_order(a, order("sell", "2", "101"))
    btc = sim.balance(a, "BTC")
    assert (btc.free, btc.locked) == (D(1), D(2))
    with pytest.raises(InsufficientFunds):
        sim.place_order(a, order("sell", "2", "101"))


def test_taker_and_maker_fees_are_charged_in_quote_and_collected() -> None:
    sim = fed_sim()
    a = sim.create_account(balances={"USDT": 1000}, maker_fee="-0.0001", taker_fee="0.0005")
    sim.place_order(a, order("buy", "1"))
    sim.place_order(a, order("buy", "1", "99.5"))
    set_book(sim, SPOT, bid="99.0", ask="99.1")
    taker, maker = sim.fills(a)
    assert (taker.fee, taker.fee_asset, taker.is_maker) == (D("0.05005"), "USDT", False)
    assert (maker.fee, maker.is_maker) == (D("-0.00995"), True)  # a rebate
    assert sim.fees_collected() == {"USDT": D("0.05005") - D("0.00995")}
    assert sim.balance(a, "BTC").total == D(2)
    assert sim.balance(a, "USDT").total == D(1000) - D("100.1") - D("99.5") - D("0.0401")
    check_ground_truth(sim)


def test_perpetual_long_locks_margin_and_realizes_pnl_on_close() -> None:
    sim = fed_sim()
    a = sim.create_account(balances={"USDT": 1000}, leverage=10)
    sim.place_order(a, order("buy", "2", symbol=PERP))  # 1 @ 100.1, 1 @ 100.2
    (pos,) = sim.positions(a)
    assert (pos.side, pos.quantity, pos.entry_price) == (PositionSide.LONG, D(2), D("100.15"))
    assert sim.balance(a, "USDT").locked == D("20.03")  # 200.3 / 10
    set_book(sim, PERP, bid="110.0", ask="110.1")
    (pos,) = sim.positions(a)
    assert pos.mark_price == D("110.05")  # the mid of a fed book
    assert pos.unrealized_pnl == (D("110.05") - D("100.15")) * 2
    sim.place_order(a, order("sell", "1", symbol=PERP))
    (pos,) = sim.positions(a)
    assert pos.quantity == 1 and pos.realized_pnl == D("9.85")
    assert sim.balance(a, "USDT").locked == D("10.015")
    assert sim.balance(a, "USDT").total == D(1000) + D("9.85")
    check_ground_truth(sim)


def test_an_order_through_the_position_flips_it_at_the_new_price() -> None:
    sim = fed_sim()
    a = sim.create_account(balances={"USDT": 1000}, leverage=5)
    sim.place_order(a, order("buy", "1", symbol=PERP))
    sim.place_order(a, order("sell", "3", symbol=PERP))  # 1 @ 100.0, 1 @ 99.9, 1 @ 99.8
    (pos,) = sim.positions(a)
    assert (pos.side, pos.quantity) == (PositionSide.SHORT, D(2))
    assert pos.entry_price == (D("99.9") + D("99.8")) / 2
    assert sim.fills(a)[1].realized_pnl == D("100.0") - D("100.1")
    check_ground_truth(sim)


def test_leverage_resizes_margin_and_is_refused_on_spot_or_out_of_range() -> None:
    sim = fed_sim()
    a = sim.create_account(balances={"USDT": 1000}, leverage=10)
    sim.place_order(a, order("buy", "1", symbol=PERP))
    assert sim.balance(a, "USDT").locked == D("10.01")
    assert sim.set_leverage(a, PERP, 2) == D(2)
    assert sim.balance(a, "USDT").locked == D("50.05")
    assert sim.positions(a)[0].leverage == D(2)
    with pytest.raises(NotSupported):
        sim.set_leverage(a, SPOT, 2)
    with pytest.raises(InvalidOrder):
        sim.set_leverage(a, PERP, 500)
    with pytest.raises(InsufficientFunds):
        poor = sim.create_account(balances={"USDT": 20}, leverage=10)
        sim.place_order(poor, order("buy", "1", symbol=PERP))
        sim.set_leverage(poor, PERP, 1)
    check_ground_truth(sim)


def test_margin_requirement_refuses_orders_beyond_leverage() -> None:
    sim = fed_sim()
    a = sim.create_account(balances={"USDT": 10}, leverage=5)
    with pytest.raises(InsufficientFunds):
        sim.place_order(a, order("buy", "1", symbol=PERP))  # needs 20 of margin
    sim.set_leverage(a, PERP, 20)
    sim.place_order(a, order("buy", "1", symbol=PERP))
    check_ground_truth(sim)


def test_liquidation_closes_the_position_and_costs_exactly_its_margin() -> None:
    sim = fed_sim()
    a = sim.create_account(balances={"USDT": 1000}, leverage=50)
    sim.place_order(a, order("buy", "2", symbol=PERP))
    margin = sim.balance(a, "USDT").locked
    (pos,) = sim.positions(a)
    assert pos.liquidation_price is not None and pos.entry_price is not None
    assert pos.liquidation_price < pos.entry_price
    set_book(sim, PERP, bid="98.0", ask="98.1")
    assert sim.positions(a) == []
    liquidation = sim.record.of(FillEvent, account=a)[-1]
    assert liquidation.liquidation and liquidation.fill.client_order_id
    assert liquidation.fill.client_order_id.startswith("liquidation-")
    assert sim.balance(a, "USDT").total == D(1000) - margin
    assert sim.balance(a, "USDT").locked == 0
    check_ground_truth(sim)


def test_funding_moves_between_longs_and_the_house_from_margin() -> None:
    sim = fed_sim(funding_interval_ms=60_000)
    _set_funding(sim, D("0.001"))
    long_ = sim.create_account(balances={"USDT": 1000}, leverage=10)
    short = sim.create_account(balances={"USDT": 1000}, leverage=10)
    sim.place_order(long_, order("buy", "1", symbol=PERP))
    sim.place_order(short, order("sell", "1", symbol=PERP))
    sim.step(sim.now_ms + 60_000)
    set_book(sim, PERP)  # a market update runs funding
    paid, received = sim.record.of(FundingEvent)
    assert paid.account == long_ and paid.amount == -D("100.05") * D("0.001")
    assert received.account == short and received.amount == D("100.05") * D("0.001")
    assert sim.balance(long_, "USDT").locked == D("10.01") + paid.amount
    check_ground_truth(sim)


def _set_funding(sim: SimExchange, rate: Decimal) -> None:
    import dataclasses

    market = sim._engine.markets[PERP]
    market.spec = dataclasses.replace(market.spec, funding_rate=rate)


def test_deposits_are_recorded_and_must_be_positive(sim: SimExchange) -> None:
    a = sim.create_account()
    sim.deposit(a, "usdt", "12.5")
    assert sim.balance(a, "USDT").free == D("12.5")
    with pytest.raises(ValueError, match="positive"):
        sim.deposit(a, "USDT", 0)
    with pytest.raises(ValueError, match="reserved"):
        sim.create_account("~house")
    check_ground_truth(sim)
