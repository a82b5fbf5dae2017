"""Order types, matching and the errors a real exchange gives, against a book the test sets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exchangekit import (
    DuplicateClientOrderId,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    OrderRejected,
    OrderStatus,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit.sim import FillEvent, OrderEvent, OrderEventKind, RejectionEvent, SimExchange
from tests.unit.sim.conftest import PERP, SPOT, check_ground_truth, fed_sim, order, set_book

D = Decimal


def kinds(sim: SimExchange, order_id: str) -> list[OrderEventKind]:
    return [e.kind for e in sim.record.of(OrderEvent) if e.order.order_id == order_id]


def test_market_buy_walks_the_book_best_price_first(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    placed = sim.place_order(a, order("buy", "2.5"))
    assert placed.status is OrderStatus.FILLED
    fills = sim.fills(a)
    assert [(f.price, f.quantity) for f in fills] == [
        (D("100.1"), D(1)),
        (D("100.2"), D(1)),
        (D("100.3"), D("0.5")),
    ]
    assert all(f.is_maker is False for f in fills)
    assert placed.average_fill_price == (D("100.1") + D("100.2") + D("50.15")) / D("2.5")
    assert sim.book(SPOT).asks[0] == (D("100.3"), D("0.5"))
    check_ground_truth(sim)


def test_market_order_beyond_the_book_fills_what_there_is_and_expires(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    placed = sim.place_order(a, order("buy", "5"))
    assert placed.status is OrderStatus.EXPIRED
    assert placed.filled_quantity == D(3)
    assert placed.remaining_quantity == 0
    assert sim.book(SPOT).asks == []
    check_ground_truth(sim)


def test_limit_order_rests_shows_in_the_book_and_cancels(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    placed = sim.place_order(a, order("buy", "2", "99.5"))
    assert placed.status is OrderStatus.OPEN
    assert sim.book(SPOT, 10).bids[-1] == (D("99.5"), D(2))
    assert sim.balance(a, "USDT").locked == D("199.0")
    cancelled = sim.cancel_order(a, order_id=placed.order_id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert sim.balance(a, "USDT").locked == 0
    assert sim.balance(a, "USDT").free == D(1000)
    assert kinds(sim, placed.order_id) == [OrderEventKind.NEW, OrderEventKind.CANCELLED]


def test_marketable_limit_takes_to_its_price_then_rests_the_rest(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    placed = sim.place_order(a, order("buy", "3", "100.2"))
    assert placed.status is OrderStatus.PARTIALLY_FILLED
    assert placed.filled_quantity == D(2)
    assert sim.book(SPOT).bids[0] == (D("100.2"), D(1))
    assert sim.book(SPOT).asks[0] == (D("100.3"), D(1))
    check_ground_truth(sim)


def test_ioc_expires_the_rest_and_fok_fills_all_or_nothing(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    ioc = sim.place_order(a, order("buy", "3", "100.2", time_in_force=TimeInForce.IOC))
    assert (ioc.status, ioc.filled_quantity) == (OrderStatus.EXPIRED, D(2))
    fok = sim.place_order(a, order("buy", "2", "100.3", time_in_force=TimeInForce.FOK))
    assert (fok.status, fok.filled_quantity) == (OrderStatus.EXPIRED, D(0))
    assert sim.book(SPOT).asks[0] == (D("100.3"), D(1))
    fok = sim.place_order(a, order("buy", "1", "100.3", time_in_force=TimeInForce.FOK))
    assert fok.status is OrderStatus.FILLED
    check_ground_truth(sim)


def test_post_only_that_would_take_is_rejected_and_changes_nothing(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    before = sim.balances(a), sim.book(SPOT)
    with pytest.raises(OrderRejected, match="post-only") as info:
        sim.place_order(a, order("buy", "1", "100.1", post_only=True, client_order_id="po1"))
    assert info.value.client_order_id == "po1"
    assert (sim.balances(a), sim.book(SPOT)) == before
    assert sim.open_orders(a) == []
    assert [type(e) for e in sim.record][-1] is RejectionEvent
    maker = sim.place_order(a, order("buy", "1", "100.0", post_only=True))
    assert maker.status is OrderStatus.OPEN


@pytest.mark.parametrize(
    ("request_kwargs", "message"),
    [
        ({"side": "buy", "quantity": "1", "price": "100.05"}, "tick size"),
        ({"side": "buy", "quantity": "1.005", "price": "100"}, "step size"),
        ({"side": "buy", "quantity": "0.01", "price": "50"}, "notional"),
        ({"side": "buy", "quantity": "1", "price": "100", "symbol": "DOGE/USDT"}, "unknown symbol"),
    ],
)
def test_filter_breaks_raise_invalid_order_naming_the_filter(
    sim: SimExchange, request_kwargs: dict[str, str], message: str
) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    with pytest.raises(InvalidOrder, match=message):
        sim.place_order(a, order(**request_kwargs))


def test_orders_the_account_cannot_pay_for_raise_insufficient_funds(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 100})
    with pytest.raises(InsufficientFunds):
        sim.place_order(a, order("buy", "2", "99"))
    with pytest.raises(InsufficientFunds):
        sim.place_order(a, order("buy", "1.5"))
    with pytest.raises(InsufficientFunds):
        sim.place_order(a, order("sell", "0.5"))
    assert sim.fills(a) == [] and sim.open_orders(a) == []
    check_ground_truth(sim)


def test_reused_client_order_id_is_refused_as_duplicate_even_after_cancel(
    sim: SimExchange,
) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    first = sim.place_order(a, order("buy", "1", "99", client_order_id="abc"))
    with pytest.raises(DuplicateClientOrderId) as info:
        sim.place_order(a, order("buy", "1", "98", client_order_id="abc"))
    assert info.value.client_order_id == "abc"
    sim.cancel_order(a, client_order_id="abc")
    with pytest.raises(DuplicateClientOrderId):
        sim.place_order(a, order("buy", "1", "98", client_order_id="abc"))
    assert sim.get_order(a, client_order_id="abc").order_id == first.order_id
    b = sim.create_account(balances={"USDT": 1000})
    sim.place_order(b, order("buy", "1", "99", client_order_id="abc"))  # ids are per account


def test_open_scope_frees_a_client_order_id_once_its_order_is_done() -> None:
    sim = fed_sim(client_order_id_scope="open")
    a = sim.create_account(balances={"USDT": 1000})
    sim.place_order(a, order("buy", "1", "99", client_order_id="abc"))
    with pytest.raises(DuplicateClientOrderId):
        sim.place_order(a, order("buy", "1", "98", client_order_id="abc"))
    sim.cancel_order(a, client_order_id="abc")
    again = sim.place_order(a, order("buy", "1", "98", client_order_id="abc"))
    assert sim.get_order(a, client_order_id="abc").order_id == again.order_id


def test_unknown_and_finished_orders_are_not_found(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    with pytest.raises(OrderNotFound):
        sim.get_order(a, order_id="999")
    with pytest.raises(OrderNotFound):
        sim.cancel_order(a, client_order_id="nope")
    filled = sim.place_order(a, order("buy", "1"))
    with pytest.raises(OrderNotFound, match="filled"):
        sim.cancel_order(a, order_id=filled.order_id)
    with pytest.raises(OrderNotFound):
        sim.get_order(a, symbol=PERP, order_id=filled.order_id)


def test_gtd_and_hedge_mode_sides_are_not_supported(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    with pytest.raises(NotSupported):
        sim.place_order(a, order("buy", "1", "99", time_in_force=TimeInForce.GTD))
    with pytest.raises(NotSupported):
        sim.place_order(a, order("buy", "1", "99", symbol=PERP, position_side=PositionSide.LONG))


def test_resting_order_fills_at_its_price_when_the_market_crosses_it(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    placed = sim.place_order(a, order("buy", "1.5", "99.5"))
    set_book(sim, SPOT, bid="99.2", ask="99.3")
    after = sim.get_order(a, order_id=placed.order_id)
    assert after.status is OrderStatus.FILLED
    assert {(f.price, f.is_maker) for f in sim.fills(a)} == {(D("99.5"), True)}
    check_ground_truth(sim)


def test_stop_market_waits_then_triggers_when_the_price_reaches_it(sim: SimExchange) -> None:
    a = sim.create_account(balances={"BTC": 2, "USDT": 10})
    stop = sim.place_order(a, order("sell", "1", type="stop_market", stop_price=D("99.5")))
    assert stop.status is OrderStatus.OPEN
    assert sim.balance(a, "BTC").locked == 1
    set_book(sim, SPOT, bid="99.8", ask="99.9")
    assert sim.get_order(a, order_id=stop.order_id).status is OrderStatus.OPEN
    set_book(sim, SPOT, bid="99.4", ask="99.5")
    done = sim.get_order(a, order_id=stop.order_id)
    assert done.status is OrderStatus.FILLED
    assert sim.fills(a)[0].price == D("99.4")
    assert kinds(sim, stop.order_id) == [
        OrderEventKind.NEW,
        OrderEventKind.TRIGGERED,
        OrderEventKind.TRADE,
    ]
    check_ground_truth(sim)


def test_stop_that_would_trigger_immediately_is_rejected(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    with pytest.raises(OrderRejected, match="trigger immediately"):
        sim.place_order(a, order("buy", "1", type="stop_market", stop_price=D("99")))
    with pytest.raises(OrderRejected, match="trigger immediately"):
        sim.place_order(a, order("buy", "1", type="take_profit_market", stop_price=D("101")))


def test_stop_limit_rests_at_its_limit_once_triggered(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    stop = sim.place_order(a, order("buy", "1", "100.5", type="stop_limit", stop_price=D("100.4")))
    set_book(sim, SPOT, bid="100.8", ask="100.9")
    triggered = sim.get_order(a, order_id=stop.order_id)
    assert triggered.status is OrderStatus.OPEN and triggered.filled_quantity == 0
    assert sim.book(SPOT).bids[0][0] == D("100.8")
    set_book(sim, SPOT, bid="100.3", ask="100.4")
    assert sim.get_order(a, order_id=stop.order_id).status is OrderStatus.FILLED
    check_ground_truth(sim)


def test_take_profit_buy_triggers_on_a_fall(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    tp = sim.place_order(a, order("buy", "1", type="take_profit_market", stop_price=D("99")))
    set_book(sim, SPOT, bid="98.9", ask="99.0")
    assert sim.get_order(a, order_id=tp.order_id).status is OrderStatus.FILLED


def test_reduce_only_is_refused_without_a_position_to_reduce(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    with pytest.raises(OrderRejected, match="increase"):
        sim.place_order(a, order("sell", "1", symbol=PERP, reduce_only=True))
    sim.place_order(a, order("buy", "1", symbol=PERP))
    with pytest.raises(OrderRejected, match="increase"):
        sim.place_order(a, order("buy", "1", symbol=PERP, reduce_only=True))
    with pytest.raises(InvalidOrder, match="derivatives"):
        sim.place_order(a, order("sell", "1", reduce_only=True))


def test_reduce_only_trades_at_most_the_position(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    sim.place_order(a, order("buy", "1", symbol=PERP))
    closing = sim.place_order(a, order("sell", "3", symbol=PERP, reduce_only=True))
    assert (closing.status, closing.filled_quantity) == (OrderStatus.EXPIRED, D(1))
    assert sim.positions(a) == []
    check_ground_truth(sim)


def test_resting_reduce_only_orders_expire_when_the_position_closes(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    sim.place_order(a, order("buy", "1", symbol=PERP))
    tp = sim.place_order(a, order("sell", "1", "105", symbol=PERP, reduce_only=True))
    sim.place_order(a, order("sell", "1", symbol=PERP))
    assert sim.get_order(a, order_id=tp.order_id).status is OrderStatus.EXPIRED
    check_ground_truth(sim)


def test_own_resting_order_is_expired_not_traded_against(sim: SimExchange) -> None:
    set_book(sim, SPOT, bid="99.9", ask="100.2")
    a = sim.create_account(balances={"USDT": 1000, "BTC": 1})
    ask = sim.place_order(a, order("sell", "1", "100.1"))
    assert ask.status is OrderStatus.OPEN
    sim.place_order(a, order("buy", "0.5"))
    assert sim.get_order(a, order_id=ask.order_id).status is OrderStatus.EXPIRED
    assert [f.price for f in sim.fills(a)] == [D("100.2")]
    check_ground_truth(sim)


def test_two_accounts_trade_with_each_other_at_the_makers_price(sim: SimExchange) -> None:
    set_book(sim, SPOT, bid="99.9", ask="100.2")
    maker = sim.create_account(balances={"BTC": 1}, maker_fee="0.001")
    taker = sim.create_account(balances={"USDT": 1000}, taker_fee="0.002")
    ask = sim.place_order(maker, order("sell", "1", "100.0"))
    assert ask.status is OrderStatus.OPEN  # it improved the ask, it took nothing
    sim.place_order(taker, order("buy", "1.5"))
    (made,) = sim.fills(maker)
    took = sim.fills(taker)
    assert made.trade_id == took[0].trade_id
    assert (made.price, made.is_maker, made.fee) == (D(100), True, D("0.1"))
    assert (took[0].price, took[0].is_maker, took[0].fee) == (D(100), False, D("0.2"))
    assert took[1].price == D("100.2")
    check_ground_truth(sim)


def test_fill_events_come_with_order_trade_events(sim: SimExchange) -> None:
    a = sim.create_account(balances={"USDT": 1000})
    placed = sim.place_order(a, order("buy", "1.5"))
    fills = sim.record.of(FillEvent, account=a)
    trades = [e for e in sim.record.of(OrderEvent, account=a) if e.kind is OrderEventKind.TRADE]
    assert [e.fill for e in fills] == [e.fill for e in trades]
    assert trades[-1].order.status is OrderStatus.FILLED
    assert all(e.order.order_id == placed.order_id for e in trades)
    assert all(f.fill.side is Side.BUY for f in fills)
