"""Orders, executions and order requests: Bybit's vocabulary to the unified one and back."""

from decimal import Decimal

import pytest
from exchangekit_bybit import mappers as m
from exchangekit_bybit import schemas as s
from exchangekit_bybit.signing import json_body

from exchangekit import (
    NotSupported,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)

from ._payloads import linear_symbols, load, spot_symbols

D = Decimal
SPOT = spot_symbols()
LINEAR = linear_symbols()


def _order_row(**changes: object) -> s.Order:
    row = load("linear_open_orders", s.Envelope[s.OrderList]).result.list[0]
    fields = {f: getattr(row, f) for f in row.__struct_fields__}
    return s.Order(**{**fields, **changes})


def test_open_linear_limit_order_maps_to_an_open_order() -> None:
    limit, _ = m.orders(load("linear_open_orders", s.Envelope[s.OrderList]).result, LINEAR)
    assert limit.symbol == "ETH/USDT:USDT"
    assert (limit.order_id, limit.client_order_id) == (
        "fd4300ae-7847-404e-b947-b46980a4d140",
        "test-000005",
    )
    assert (limit.side, limit.type, limit.status) == (Side.BUY, OrderType.LIMIT, OrderStatus.OPEN)
    assert (limit.quantity, limit.filled_quantity, limit.remaining_quantity) == (
        D("0.10"),
        D("0.00"),
        D("0.10"),
    )
    assert (limit.price, limit.average_fill_price, limit.stop_price) == (D("1600.00"), None, None)
    assert limit.time_in_force is TimeInForce.GTC
    assert (limit.created_ms, limit.updated_ms) == (1684738540559, 1684738540561)


def test_untriggered_conditional_order_is_an_open_stop_market() -> None:
    _, stop = m.orders(load("linear_open_orders", s.Envelope[s.OrderList]).result, LINEAR)
    assert stop.status is OrderStatus.OPEN
    assert stop.type is OrderType.STOP_MARKET
    assert stop.stop_price == D("15000.00")
    assert (stop.price, stop.time_in_force) == (None, None)
    assert stop.reduce_only


def test_spot_post_only_partially_filled_then_cancelled_keeps_its_fill() -> None:
    market, post_only = m.orders(load("spot_order_history", s.Envelope[s.OrderList]).result, SPOT)
    assert post_only.status is OrderStatus.CANCELLED
    assert (post_only.filled_quantity, post_only.remaining_quantity) == (D("0.004000"), D(0))
    assert post_only.average_fill_price == D("19990.5")
    assert post_only.post_only and post_only.time_in_force is TimeInForce.GTC
    assert market.type is OrderType.MARKET and market.status is OrderStatus.FILLED
    assert market.client_order_id is None  # "" means none was given
    assert market.price is None and market.time_in_force is None


@pytest.mark.parametrize(
    ("wire", "unified"),
    [
        ("New", OrderStatus.OPEN),
        ("Created", OrderStatus.OPEN),
        ("Untriggered", OrderStatus.OPEN),
        ("Triggered", OrderStatus.OPEN),
        ("Active", OrderStatus.OPEN),
        ("PartiallyFilled", OrderStatus.PARTIALLY_FILLED),
        ("Filled", OrderStatus.FILLED),
        ("Cancelled", OrderStatus.CANCELLED),
        ("PartiallyFilledCanceled", OrderStatus.CANCELLED),
        ("Deactivated", OrderStatus.CANCELLED),
        ("Rejected", OrderStatus.REJECTED),
    ],
)
def test_every_documented_order_status_has_a_unified_status(
    wire: str, unified: OrderStatus
) -> None:
    order = m.order(_order_row(orderStatus=wire), LINEAR)
    assert order.status is unified
    if unified.is_terminal:
        assert order.remaining_quantity == 0


@pytest.mark.parametrize(
    ("side", "direction", "stop_type", "order_type", "expected"),
    [
        ("Buy", 1, "Stop", "Market", OrderType.STOP_MARKET),
        ("Sell", 2, "Stop", "Limit", OrderType.STOP_LIMIT),
        ("Buy", 2, "Stop", "Market", OrderType.TAKE_PROFIT_MARKET),
        ("Sell", 1, "Stop", "Limit", OrderType.TAKE_PROFIT_LIMIT),
        ("Sell", 0, "TakeProfit", "Market", OrderType.TAKE_PROFIT_MARKET),
        ("Sell", 1, "StopLoss", "Market", OrderType.STOP_MARKET),
    ],
)
def test_trigger_orders_are_told_apart_by_stop_type_then_direction(
    side: str, direction: int, stop_type: str, order_type: str, expected: OrderType
) -> None:
    row = _order_row(
        side=side,
        triggerDirection=direction,
        stopOrderType=stop_type,
        orderType=order_type,
        triggerPrice="1500",
        orderStatus="Untriggered",
    )
    assert m.order(row, LINEAR).type is expected


def test_linear_executions_map_to_fills_and_skip_funding() -> None:
    result = load("linear_executions", s.Envelope[s.ExecutionList]).result
    [fill] = m.fills(result, LINEAR)
    assert fill.symbol == "ETH/USDT:USDT"
    assert (fill.trade_id, fill.order_id, fill.client_order_id) == (
        "e0cbe81d-0f18-5866-9415-cf319b5dab3b",
        "8c065341-7b52-4ca9-ac2c-37e31ac55c94",
        None,
    )
    assert (fill.side, fill.price, fill.quantity) == (Side.BUY, D("1190.15"), D("0.1"))
    # feeCurrency is empty on linear: the fee is paid in the settle coin.
    assert (fill.fee, fill.fee_asset, fill.is_maker) == (D("0.071409"), "USDT", False)
    assert fill.timestamp_ms == 1672282722429


def test_spot_execution_keeps_its_fee_currency() -> None:
    [fill] = m.fills(load("spot_executions", s.Envelope[s.ExecutionList]).result, SPOT)
    assert (fill.symbol, fill.fee_asset, fill.is_maker) == ("BTC/USDT", "BTC", True)
    assert fill.client_order_id == "ek0a1b2c3d4e5f60718293a4b5c6d7e8"


def test_order_ack_decodes_ids_only() -> None:
    ack = load("order_create", s.Envelope[s.OrderAck]).result
    assert (ack.orderId, ack.orderLinkId) == ("1321003749386327552", "spot-test-postonly")
    cancelled = load("cancel_all", s.Envelope[s.CancelAllResult]).result
    assert [a.orderId for a in cancelled.list] == ["1616024329462743808", "1616024287544869632"]


# -- requests ------------------------------------------------------------------------------


def test_linear_limit_order_params() -> None:
    request = OrderRequest(
        symbol="BTC/USDT:USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=D("0.010"),
        price=D("16000.5"),
        client_order_id="ek0123456789abcdef0123456789abcd",
    )
    params = m.order_params(request, LINEAR, category="linear")
    assert params == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "side": "Buy",
        "orderType": "Limit",
        "qty": "0.010",
        "price": "16000.5",
        "timeInForce": "GTC",
        "positionIdx": 0,
        "orderLinkId": "ek0123456789abcdef0123456789abcd",
    }
    assert json_body(params).startswith(b'{"category":"linear","symbol":"BTCUSDT"')


def test_spot_market_order_is_sized_in_the_base_coin() -> None:
    request = OrderRequest(
        symbol="BTC/USDT", side=Side.BUY, type=OrderType.MARKET, quantity=D("0.001")
    )
    params = m.order_params(request, SPOT, category="spot")
    assert params["marketUnit"] == "baseCoin"
    assert "timeInForce" not in params and "price" not in params
    assert "positionIdx" not in params and "reduceOnly" not in params


def test_post_only_goes_out_as_the_post_only_time_in_force() -> None:
    request = OrderRequest(
        symbol="BTC/USDT", side=Side.SELL, type=OrderType.LIMIT, quantity=1, price=2, post_only=True
    )
    assert m.order_params(request, SPOT, category="spot")["timeInForce"] == "PostOnly"


@pytest.mark.parametrize(("tif", "wire"), [(TimeInForce.IOC, "IOC"), (TimeInForce.FOK, "FOK")])
def test_ioc_and_fok_go_out_as_is(tif: TimeInForce, wire: str) -> None:
    request = OrderRequest(
        symbol="BTC/USDT", side=Side.SELL, type=OrderType.LIMIT, quantity=1, price=2,
        time_in_force=tif,
    )  # fmt: skip
    assert m.order_params(request, SPOT, category="spot")["timeInForce"] == wire


def test_reduce_only_and_hedge_slots_on_linear() -> None:
    request = OrderRequest(
        symbol="BTC/USDT:USDT",
        side=Side.SELL,
        type=OrderType.MARKET,
        quantity=1,
        reduce_only=True,
    )
    params = m.order_params(request, LINEAR, category="linear")
    assert (params["reduceOnly"], params["positionIdx"]) == (True, 0)
    hedge = OrderRequest(
        symbol="BTC/USDT:USDT",
        side=Side.SELL,
        type=OrderType.MARKET,
        quantity=1,
        position_side=PositionSide.SHORT,
    )
    assert m.order_params(hedge, LINEAR, category="linear", hedge_mode=True)["positionIdx"] == 2
    with pytest.raises(NotSupported):
        m.order_params(hedge, LINEAR, category="linear")


@pytest.mark.parametrize(
    ("side", "otype", "direction"),
    [
        (Side.BUY, OrderType.STOP_MARKET, 1),
        (Side.SELL, OrderType.STOP_MARKET, 2),
        (Side.BUY, OrderType.TAKE_PROFIT_MARKET, 2),
        (Side.SELL, OrderType.TAKE_PROFIT_MARKET, 1),
    ],
)
def test_linear_conditional_orders_carry_trigger_price_and_direction(
    side: Side, otype: OrderType, direction: int
) -> None:
    request = OrderRequest(
        symbol="BTC/USDT:USDT", side=side, type=otype, quantity=1, stop_price=D("15000")
    )
    params = m.order_params(request, LINEAR, category="linear")
    assert (params["triggerPrice"], params["triggerDirection"]) == ("15000", direction)


def test_spot_conditional_order_is_a_stop_order_filter() -> None:
    request = OrderRequest(
        symbol="BTC/USDT",
        side=Side.SELL,
        type=OrderType.STOP_LIMIT,
        quantity=1,
        price=D("14900"),
        stop_price=D("15000"),
    )
    params = m.order_params(request, SPOT, category="spot")
    assert (params["orderFilter"], params["triggerPrice"]) == ("StopOrder", "15000")
    assert "triggerDirection" not in params


def test_spot_refuses_reduce_only_and_position_sides() -> None:
    with pytest.raises(NotSupported):
        m.order_params(
            OrderRequest(
                symbol="BTC/USDT",
                side=Side.BUY,
                type=OrderType.MARKET,
                quantity=1,
                reduce_only=True,
            ),
            SPOT,
            category="spot",
        )


def test_gtd_and_market_fok_are_refused() -> None:
    gtd = OrderRequest(
        symbol="BTC/USDT", side=Side.BUY, type=OrderType.LIMIT, quantity=1, price=1,
        time_in_force=TimeInForce.GTD,
    )  # fmt: skip
    fok = OrderRequest(
        symbol="BTC/USDT", side=Side.BUY, type=OrderType.MARKET, quantity=1,
        time_in_force=TimeInForce.FOK,
    )  # fmt: skip
    for request in (gtd, fok):
        with pytest.raises(NotSupported):
            m.order_params(request, SPOT, category="spot")


def test_decimals_go_out_in_plain_notation() -> None:
    request = OrderRequest(
        symbol="BTC/USDT", side=Side.BUY, type=OrderType.LIMIT, quantity=D("1E-6"), price=D("1E+5")
    )
    params = m.order_params(request, SPOT, category="spot")
    assert (params["qty"], params["price"]) == ("0.000001", "100000")


def test_client_order_ids_fit_bybit_rules_deterministically() -> None:
    assert m.encode_client_order_id("my-order_1") == "my-order_1"
    odd = "order #1 with spaces and more than thirty-six characters"
    encoded = m.encode_client_order_id(odd)
    assert encoded == m.encode_client_order_id(odd)
    assert len(encoded) <= 36
    assert encoded.startswith("ek-")
    assert all(c.isalnum() or c in "-_" for c in encoded)
    assert m.encode_client_order_id("x" * 37) != "x" * 37


def test_cancel_params_by_order_id_or_client_id() -> None:
    assert m.cancel_params("BTC/USDT:USDT", LINEAR, category="linear", order_id="1") == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "orderId": "1",
    }
    params = m.cancel_params("BTC/USDT", SPOT, category="spot", client_order_id="a b")
    assert params["orderLinkId"] == m.encode_client_order_id("a b")
    with pytest.raises(NotSupported):
        m.cancel_params("BTC/USDT", SPOT, category="spot")


def test_linear_queries_and_cancel_all_need_a_symbol_or_settle_coin() -> None:
    assert m.query_params(LINEAR, category="linear", settle_coin="USDT") == {
        "category": "linear",
        "settleCoin": "USDT",
    }
    assert m.query_params(SPOT, category="spot") == {"category": "spot"}
    assert m.query_params(LINEAR, category="linear", symbol="BTC/USDT:USDT", order_id="9") == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "orderId": "9",
    }
    assert m.cancel_all_params(SPOT, category="spot") == {"category": "spot"}
    assert m.cancel_all_params(LINEAR, category="linear", symbol="ETH/USDT:USDT") == {
        "category": "linear",
        "symbol": "ETHUSDT",
    }
    with pytest.raises(NotSupported):
        m.query_params(LINEAR, category="linear")
    with pytest.raises(NotSupported):
        m.cancel_all_params(LINEAR, category="linear")


def test_leverage_params_set_both_sides() -> None:
    assert m.leverage_params("BTC/USDT:USDT", 10, LINEAR) == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "buyLeverage": "10",
        "sellLeverage": "10",
    }
