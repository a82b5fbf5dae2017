from decimal import Decimal

import msgspec
import pytest

import exchangekit as ek
from exchangekit import InvalidOrder, OrderRequest, OrderStatus, OrderType, Side, TimeInForce


def req(**kw: object) -> OrderRequest:
    base: dict[str, object] = {
        "symbol": "BTC/USDT",
        "side": Side.BUY,
        "type": OrderType.LIMIT,
        "quantity": Decimal("0.1"),
        "price": Decimal("100"),
    }
    base.update(kw)
    return OrderRequest(**base)  # type: ignore[arg-type]


def test_enums_accept_lowercase_values() -> None:
    assert Side("buy") is Side.BUY
    assert OrderType("limit") is OrderType.LIMIT
    assert TimeInForce("gtc") is TimeInForce.GTC
    assert OrderStatus("partially_filled") is OrderStatus.PARTIALLY_FILLED


def test_limit_order_defaults_to_gtc_and_gets_a_client_order_id() -> None:
    r = req()
    assert r.time_in_force is TimeInForce.GTC
    assert r.client_order_id and len(r.client_order_id) <= 36
    assert r.client_order_id != req().client_order_id


def test_strings_are_coerced_to_enums_and_decimals() -> None:
    r = req(side="sell", type="limit", quantity="0.5", price=101)
    assert r.side is Side.SELL
    assert r.quantity == Decimal("0.5") and isinstance(r.quantity, Decimal)
    assert r.price == Decimal(101)


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"quantity": Decimal("-1")}, "quantity must be positive"),
        ({"quantity": Decimal("0")}, "quantity must be positive"),
        ({"type": OrderType.MARKET}, "takes no price"),
        ({"price": None}, "needs a price"),
        ({"price": Decimal("0")}, "price must be positive"),
        ({"quantity": 0.1}, "got float"),
        ({"price": Decimal("NaN")}, "finite"),
        ({"type": OrderType.STOP_LIMIT}, "needs a stop_price"),
        ({"stop_price": Decimal("90")}, "takes no stop_price"),
        ({"post_only": True, "time_in_force": TimeInForce.IOC}, "post_only"),
        ({"type": OrderType.MARKET, "price": None, "post_only": True}, "post_only"),
        (
            {"type": OrderType.MARKET, "price": None, "time_in_force": TimeInForce.GTC},
            "cannot rest",
        ),
        ({"symbol": "BTCUSDT"}, "symbol"),
        ({"client_order_id": "has space"}, "client_order_id"),
        ({"side": "up"}, "Side"),
    ],
)
def test_nonsense_orders_are_refused_with_the_reason(kw: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidOrder, match=reason):
        req(**kw)


def test_invalid_order_is_also_a_value_error_and_keeps_client_id() -> None:
    with pytest.raises(ValueError) as info:
        req(quantity=Decimal("-1"), client_order_id="abc")
    assert isinstance(info.value, InvalidOrder)
    assert info.value.client_order_id == "abc"


def test_models_are_frozen() -> None:
    r = req()
    with pytest.raises(AttributeError):
        r.quantity = Decimal(1)  # type: ignore[misc]


def test_order_keeps_requested_filled_remaining_apart() -> None:
    o = ek.Order(
        symbol="BTC/USDT",
        order_id="1",
        client_order_id="c",
        side=Side.BUY,
        type=OrderType.LIMIT,
        status=OrderStatus.PARTIALLY_FILLED,
        quantity=Decimal("1"),
        filled_quantity=Decimal("0.4"),
        price=Decimal("10"),
    )
    assert o.remaining_quantity == Decimal("0.6")
    cancelled = msgspec.structs.replace(o, status=OrderStatus.CANCELLED, remaining_quantity=None)
    assert cancelled.remaining_quantity == 0
    assert cancelled.filled_quantity == Decimal("0.4")


def test_models_round_trip_through_json_with_exact_decimals() -> None:
    r = req(quantity=Decimal("0.123456789012345678"), client_order_id="x1")
    again = msgspec.json.decode(msgspec.json.encode(r), type=OrderRequest)
    assert again == r


def test_public_types_report_the_package_as_module() -> None:
    assert repr(ek.Order).startswith("<class 'exchangekit.Order'")
    assert ek.OrderOutcomeUnknown.__module__ == "exchangekit"
