from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchangekit import Instrument, InvalidOrder, MarketKind, OrderRequest, Side

D = Decimal


def spot(**kw: object) -> Instrument:
    base: dict[str, object] = dict(
        symbol="BTC/USDT",
        exchange_symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        tick_size=D("0.01"),
        step_size=D("0.00001"),
        min_quantity=D("0.00001"),
        min_notional=D("5"),
    )
    base.update(kw)
    return Instrument(**base)  # type: ignore[arg-type]


def test_round_price_modes() -> None:
    i = spot()
    assert i.round_price(D("100.125")) == D("100.12")  # half-even
    assert i.round_price(D("100.126"), mode="down") == D("100.12")
    assert i.round_price(D("100.121"), mode="up") == D("100.13")


def test_non_decimal_tick() -> None:
    i = spot(tick_size=D("0.5"))
    assert i.round_price(D("100.74")) == D("100.5")
    assert i.round_price(D("100.76")) == D("101.0")


def test_floor_quantity_never_rounds_up() -> None:
    assert spot().floor_quantity(D("0.123459")) == D("0.12345")


def test_market_lot_step_is_used_for_market_orders() -> None:
    i = spot(market_step_size=D("0.001"))
    assert i.floor_quantity(D("0.12345"), market=True) == D("0.123")


def test_min_notional_and_min_qty_checks() -> None:
    i = spot()
    with pytest.raises(InvalidOrder, match="notional"):
        i.check(D("0.0001"), D("100"))
    with pytest.raises(InvalidOrder, match="step size"):
        i.check(D("0.000015"), D("1000000"))
    with pytest.raises(InvalidOrder, match="tick size"):
        i.check(D("1"), D("100.001"))
    i.check(D("0.1"), D("100"))


def test_reduce_only_skips_min_notional() -> None:
    spot().check(D("0.0001"), D("100"), reduce_only=True)


def test_check_order_names_client_id() -> None:
    i = spot()
    r = OrderRequest(
        symbol="BTC/USDT",
        side=Side.BUY,
        type="limit",
        quantity=D("0.0001"),
        price=D("100"),
        client_order_id="cid-1",
    )
    with pytest.raises(InvalidOrder) as info:
        i.check_order(r)
    assert info.value.client_order_id == "cid-1"


def test_prepare_order_rounds_passively() -> None:
    i = spot()
    buy = OrderRequest(
        symbol="BTC/USDT", side="buy", type="limit", quantity=D("0.123456"), price=D("100.129")
    )
    sell = OrderRequest(
        symbol="BTC/USDT", side="sell", type="limit", quantity=D("0.123456"), price=D("100.121")
    )
    assert i.prepare_order(buy).price == D("100.12")
    assert i.prepare_order(sell).price == D("100.13")
    assert i.prepare_order(buy).quantity == D("0.12345")
    assert i.prepare_order(buy).client_order_id == buy.client_order_id


def test_contract_conversion_linear_and_inverse() -> None:
    linear = spot(
        symbol="BTC/USDT:USDT", settle="USDT", kind=MarketKind.PERPETUAL, contract_size=D("0.01")
    )
    assert linear.to_contracts(D("0.05")) == D("5")
    assert linear.to_base(D("5")) == D("0.05")
    inverse = spot(
        symbol="BTC/USD:BTC",
        quote="USD",
        settle="BTC",
        kind=MarketKind.PERPETUAL,
        contract_size=D("100"),
        inverse=True,
    )
    assert inverse.to_contracts(D("1"), D("50000")) == D("500")
    assert inverse.to_base(D("500"), D("50000")) == D("1")
    with pytest.raises(ValueError, match="price"):
        inverse.to_contracts(D("1"))


ticks = st.sampled_from([D("0.01"), D("0.5"), D("0.0001"), D("1"), D("25"), D("0.00000001")])
prices = st.decimals(min_value=D("0.00000001"), max_value=D("1000000"), places=9)


@given(tick=ticks, price=prices)
def test_rounded_price_is_a_tick_multiple_and_within_one_tick(
    tick: Decimal, price: Decimal
) -> None:
    i = spot(tick_size=tick)
    for mode in ("nearest", "down", "up"):
        r = i.round_price(price, mode=mode)  # type: ignore[arg-type]
        assert r % tick == 0
        assert abs(r - price) <= tick
    assert i.round_price(price, mode="down") <= price <= i.round_price(price, mode="up")


@given(step=ticks, qty=prices)
def test_floored_quantity_never_exceeds_input(step: Decimal, qty: Decimal) -> None:
    f = spot(step_size=step).floor_quantity(qty)
    assert f <= qty and qty - f < step and f % step == 0
