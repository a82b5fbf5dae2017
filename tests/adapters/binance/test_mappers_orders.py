"""Orders, fills and order requests: Binance payloads <-> unified models."""

import json
from decimal import Decimal

import msgspec
import pytest
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s

from exchangekit import (
    MappingError,
    NotSupported,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit.mapping import decoder

from ._payloads import load, obj, spot_symbols, usdm_symbols

D = Decimal
SPOT = spot_symbols()
USDM = usdm_symbols()


def test_spot_full_response_maps_to_a_filled_order_with_average_price() -> None:
    raw = load("spot_order_full", s.SpotOrder)
    order = m.spot_order(raw, SPOT)
    assert (order.symbol, order.order_id, order.client_order_id) == (
        "BTC/USDT",
        "28",
        "6gCrw2kRUAF9CvJDGP16IP",
    )
    assert (order.side, order.type, order.status) == (
        Side.SELL,
        OrderType.MARKET,
        OrderStatus.FILLED,
    )
    assert (order.quantity, order.filled_quantity, order.remaining_quantity) == (
        D("10"),
        D("10"),
        D("0"),
    )
    # cummulativeQuoteQty / executedQty = 39980 / 10
    assert order.average_fill_price == D("3998")
    assert order.price is None  # "0.00000000" on a market order means "no price"
    assert order.time_in_force is None  # market orders do not rest
    assert (order.created_ms, order.updated_ms) == (1507725176595, 1507725176595)


def test_spot_full_response_fills_carry_the_order_context() -> None:
    fills = m.spot_fills(load("spot_order_full", s.SpotOrder), SPOT)
    assert [f.trade_id for f in fills] == ["56", "57", "58", "59", "60"]
    first = fills[0]
    assert (first.symbol, first.order_id, first.client_order_id, first.side) == (
        "BTC/USDT", "28", "6gCrw2kRUAF9CvJDGP16IP", Side.SELL)  # fmt: skip
    assert (first.price, first.quantity, first.fee, first.fee_asset) == (
        D("4000"),
        D("1"),
        D("4"),
        "USDT",
    )
    assert first.timestamp_ms == 1507725176595 and first.is_maker is None
    assert sum(f.quantity for f in fills) == D("10")
    assert m.spot_fills(load("spot_order_result", s.SpotOrder), SPOT) == []


def test_spot_query_response_maps_an_open_limit_order() -> None:
    order = m.spot_order(load("spot_order_query", s.SpotOrder), SPOT)
    assert (order.symbol, order.status, order.type, order.time_in_force) == (
        "LTC/BTC", OrderStatus.OPEN, OrderType.LIMIT, TimeInForce.GTC)  # fmt: skip
    assert (order.price, order.stop_price, order.average_fill_price) == (D("0.1"), None, None)
    assert (order.remaining_quantity, order.created_ms, order.updated_ms) == (
        D("1"),
        1499827319559,
        1499827319559,
    )


def test_spot_cancel_response_reports_the_original_client_order_id() -> None:
    order = m.spot_order(load("spot_order_cancel", s.SpotOrder), SPOT)
    assert order.client_order_id == "myOrder1"  # not "cancelMyOrder1", the cancel's own id
    assert order.status is OrderStatus.CANCELLED
    assert order.remaining_quantity == D("0")
    assert (order.created_ms, order.updated_ms) == (None, 1684804350068)


def test_spot_open_orders_include_limit_maker_as_post_only() -> None:
    orders = [m.spot_order(o, SPOT) for o in load("spot_open_orders", list[s.SpotOrder])]
    maker = orders[1]
    assert (maker.type, maker.post_only, maker.status) == (
        OrderType.LIMIT,
        True,
        OrderStatus.PARTIALLY_FILLED,
    )
    assert maker.average_fill_price == D("0.08") / D("0.4")
    assert maker.remaining_quantity == D("0.6")


def test_spot_cancel_all_flattens_order_list_legs() -> None:
    orders = m.spot_cancel_all(load("spot_cancel_all", list[s.SpotCancelAllItem]), SPOT)
    assert [o.order_id for o in orders] == ["11", "20", "21"]
    assert [o.client_order_id for o in orders] == [
        "E6APeyTJvkMvLMYMqu1KQ4", "CwOOIPHSmYywx6jZX77TdL", "461cPg51vQjV3zIMOXNz39"]  # fmt: skip
    assert orders[1].type is OrderType.STOP_LIMIT and orders[1].stop_price == D("0.378131")
    assert all(o.status is OrderStatus.CANCELLED for o in orders)


def test_spot_cancel_all_item_missing_a_field_names_its_index() -> None:
    items = obj("spot_cancel_all")
    del items[0]["origQty"]
    with pytest.raises(MappingError) as info:
        m.spot_cancel_all(msgspec.convert(items, list[s.SpotCancelAllItem]), SPOT)
    assert info.value.path == "$[0].origQty"


@pytest.mark.parametrize(
    ("wire", "unified"),
    [
        ("NEW", OrderStatus.OPEN),
        ("PENDING_NEW", OrderStatus.OPEN),
        ("PARTIALLY_FILLED", OrderStatus.PARTIALLY_FILLED),
        ("FILLED", OrderStatus.FILLED),
        ("CANCELED", OrderStatus.CANCELLED),
        ("PENDING_CANCEL", OrderStatus.OPEN),
        ("REJECTED", OrderStatus.REJECTED),
        ("EXPIRED", OrderStatus.EXPIRED),
        ("EXPIRED_IN_MATCH", OrderStatus.EXPIRED),
    ],
)
def test_every_binance_status_maps_to_a_unified_status(wire: str, unified: OrderStatus) -> None:
    data = obj("spot_order_query") | {"status": wire}
    assert m.spot_order(msgspec.convert(data, s.SpotOrder), SPOT).status is unified


@pytest.mark.parametrize(
    ("wire", "tif", "unified", "post_only", "shown_tif"),
    [
        ("LIMIT", "GTC", OrderType.LIMIT, False, TimeInForce.GTC),
        ("LIMIT", "IOC", OrderType.LIMIT, False, TimeInForce.IOC),
        ("LIMIT_MAKER", "GTC", OrderType.LIMIT, True, TimeInForce.GTC),
        ("MARKET", "GTC", OrderType.MARKET, False, None),
        ("STOP_LOSS", "GTC", OrderType.STOP_MARKET, False, None),
        ("STOP_LOSS_LIMIT", "FOK", OrderType.STOP_LIMIT, False, TimeInForce.FOK),
        ("TAKE_PROFIT", "GTC", OrderType.TAKE_PROFIT_MARKET, False, None),
        ("TAKE_PROFIT_LIMIT", "GTC", OrderType.TAKE_PROFIT_LIMIT, False, TimeInForce.GTC),
    ],
)
def test_spot_order_types_map_to_unified_types(
    wire: str, tif: str, unified: OrderType, post_only: bool, shown_tif: TimeInForce | None
) -> None:
    data = obj("spot_order_query") | {"type": wire, "timeInForce": tif, "stopPrice": "0.09"}
    order = m.spot_order(msgspec.convert(data, s.SpotOrder), SPOT)
    assert (order.type, order.post_only, order.time_in_force) == (unified, post_only, shown_tif)


@pytest.mark.parametrize(
    ("wire", "tif", "unified", "post_only"),
    [
        ("LIMIT", "GTX", OrderType.LIMIT, True),
        ("LIMIT", "GTD", OrderType.LIMIT, False),
        ("STOP", "GTC", OrderType.STOP_LIMIT, False),
        ("STOP_MARKET", "GTC", OrderType.STOP_MARKET, False),
        ("TAKE_PROFIT", "GTC", OrderType.TAKE_PROFIT_LIMIT, False),
        ("TAKE_PROFIT_MARKET", "GTC", OrderType.TAKE_PROFIT_MARKET, False),
        ("LIQUIDATION", "IOC", OrderType.MARKET, False),
    ],
)
def test_futures_order_types_map_to_unified_types(
    wire: str, tif: str, unified: OrderType, post_only: bool
) -> None:
    data = obj("usdm_order_new") | {"type": wire, "timeInForce": tif}
    order = m.usdm_order(msgspec.convert(data, s.UsdmOrder), USDM)
    assert (order.type, order.post_only) == (unified, post_only)


def test_futures_trailing_stop_maps_as_a_stop_market_without_a_fixed_trigger() -> None:
    # No unified trailing type: a stop-market whose stopPrice Binance says to ignore.
    order = m.usdm_order(load("usdm_order_trailing", s.UsdmOrder), USDM)
    assert order.type is OrderType.STOP_MARKET
    assert (order.stop_price, order.time_in_force) == (None, None)


def test_futures_new_order_response_maps_an_open_order() -> None:
    order = m.usdm_order(load("usdm_order_new", s.UsdmOrder), USDM)
    assert (order.symbol, order.order_id, order.client_order_id, order.side) == (
        "BTC/USDT:USDT", "22542179", "testOrder", Side.BUY)  # fmt: skip
    assert (order.status, order.quantity, order.price, order.average_fill_price) == (
        OrderStatus.OPEN, D("0.010"), D("60000"), None)  # fmt: skip
    assert (order.position_side, order.reduce_only, order.post_only) == (
        PositionSide.BOTH,
        False,
        False,
    )
    assert (order.created_ms, order.updated_ms) == (None, 1566818724722)


def test_futures_query_uses_avg_price_and_reports_reduce_only_and_post_only() -> None:
    order = m.usdm_order(load("usdm_order_query", s.UsdmOrder), USDM)
    assert (order.status, order.filled_quantity, order.remaining_quantity) == (
        OrderStatus.PARTIALLY_FILLED, D("0.006"), D("0.004"))  # fmt: skip
    assert order.average_fill_price == D("60012.34")
    assert (order.reduce_only, order.post_only, order.time_in_force) == (
        True,
        True,
        TimeInForce.GTC,
    )
    assert (order.created_ms, order.updated_ms) == (1579276756075, 1579276756099)


def test_futures_cancel_response_is_cancelled_with_nothing_remaining() -> None:
    order = m.usdm_order(load("usdm_order_cancel", s.UsdmOrder), USDM)
    assert (order.status, order.remaining_quantity) == (OrderStatus.CANCELLED, D("0"))


def test_futures_algo_order_maps_to_a_conditional_order() -> None:
    order = m.usdm_algo_order(load("usdm_algo_order", s.UsdmAlgoOrder), USDM)
    assert (order.symbol, order.order_id, order.client_order_id) == (
        "BNB/USDT:USDT",
        "2146760",
        "6B2I9XVcJpCjqPAJ4YoFX7",
    )
    assert (order.type, order.status, order.stop_price, order.price) == (
        OrderType.TAKE_PROFIT_LIMIT, OrderStatus.OPEN, D("750"), D("750"))  # fmt: skip
    finished = obj("usdm_algo_order") | {"algoStatus": "FINISHED"}
    done = m.usdm_algo_order(msgspec.convert(finished, s.UsdmAlgoOrder), USDM)
    assert done.status is OrderStatus.UNKNOWN


# BFD user-data-streams "Event: Algo Order Update", the page's example (keys up to ``act``).
ALGO_UPDATE = {
    "e": "ALGO_UPDATE", "T": 1750515742297, "E": 1750515742303,
    "o": {
        "caid": "Q5xaq5EGKgXXa0fD7fs0Ip", "aid": 2148719, "at": "CONDITIONAL",
        "o": "TAKE_PROFIT", "s": "BNBUSDT", "S": "SELL", "ps": "BOTH", "f": "GTC",
        "q": "0.01", "X": "CANCELED", "ai": "", "ap": "0.00000", "aq": "0.00000", "act": "0",
    },
}  # fmt: skip
_decode_algo_update = decoder(s.AlgoUpdateEvent, exchange="binance")


def algo_update(**changes: object) -> s.AlgoUpdateEvent:
    event = {**ALGO_UPDATE, "o": {**ALGO_UPDATE["o"], **changes}}  # type: ignore[dict-item]
    return _decode_algo_update(json.dumps(event))


def test_algo_update_maps_to_the_same_conditional_order_as_the_rest_algo_order() -> None:
    order = m.algo_update(algo_update(), USDM)
    assert (order.symbol, order.order_id, order.client_order_id) == (
        "BNB/USDT:USDT", "2148719", "Q5xaq5EGKgXXa0fD7fs0Ip")  # fmt: skip
    assert (order.side, order.type, order.status) == (
        Side.SELL, OrderType.TAKE_PROFIT_LIMIT, OrderStatus.CANCELLED)  # fmt: skip
    assert (order.quantity, order.filled_quantity, order.remaining_quantity) == (
        D("0.01"), D("0"), D("0"))  # fmt: skip
    assert order.average_fill_price is None  # "0.00000": nothing filled yet
    assert order.updated_ms == 1750515742297
    # The REST view of an equivalent order maps to the same unified fields.
    rest = obj("usdm_algo_order") | {
        "algoId": 2148719, "clientAlgoId": "Q5xaq5EGKgXXa0fD7fs0Ip", "algoStatus": "CANCELED",
        "triggerPrice": "750.000", "price": "750.000",
    }  # fmt: skip
    via_rest = m.usdm_algo_order(msgspec.convert(rest, s.UsdmAlgoOrder), USDM)
    via_stream = m.algo_update(algo_update(tp="750.000", p="750.000"), USDM)
    same = ("symbol", "order_id", "client_order_id", "side", "type", "status", "quantity",
            "price", "stop_price", "time_in_force", "reduce_only", "position_side")  # fmt: skip
    assert [getattr(via_stream, f) for f in same] == [getattr(via_rest, f) for f in same]


def test_a_triggered_algo_order_carries_the_matching_engine_fill_state() -> None:
    triggered = m.algo_update(
        algo_update(X="TRIGGERED", ai="8886774", aq="0.004", ap="751.20", act="LIMIT"), USDM
    )
    assert triggered.status is OrderStatus.OPEN
    assert (triggered.filled_quantity, triggered.remaining_quantity) == (D("0.004"), D("0.006"))
    assert triggered.average_fill_price == D("751.20")
    # The engine order id may come as a number too; the stream's other keys are ignored.
    extra = {"ai": 8886774, "V": "EXPIRE_MAKER", "wt": "CONTRACT_PRICE", "cp": False, "tt": 1}
    assert m.algo_update(algo_update(X="TRIGGERED", **extra), USDM).status is OrderStatus.OPEN
    finished = m.algo_update(algo_update(X="FINISHED", aq="0.01", ap="751.00"), USDM)
    assert finished.status is OrderStatus.UNKNOWN  # filled or cancelled: Binance won't say


def test_a_malformed_algo_update_names_the_field() -> None:
    with pytest.raises(MappingError) as bad_status:
        algo_update(X="PAUSED")
    assert bad_status.value.path == "$.o.X"
    with pytest.raises(MappingError) as unknown_symbol:
        m.algo_update(algo_update(s="NOPEUSDT"), USDM)
    assert unknown_symbol.value.path == "$.o.s"


def test_execution_report_new_is_an_open_order_without_fill() -> None:
    order, fill = m.execution_report(load("spot_ws_execution_report_new", s.ExecutionReport), SPOT)
    assert fill is None
    assert (order.symbol, order.order_id, order.client_order_id, order.status) == (
        "ETH/BTC", "4293153", "mUvoqJxFIILMdfAW5iGSOW", OrderStatus.OPEN)  # fmt: skip
    assert (order.price, order.quantity, order.created_ms) == (
        D("0.10264410"),
        D("1"),
        1499405658657,
    )


def test_execution_report_trade_gives_order_and_fill() -> None:
    order, fill = m.execution_report(
        load("spot_ws_execution_report_trade", s.ExecutionReport), SPOT
    )
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.filled_quantity, order.remaining_quantity) == (D("0.4"), D("0.6"))
    assert order.average_fill_price == D("0.04105764") / D("0.4")
    assert fill is not None
    assert (fill.trade_id, fill.price, fill.quantity, fill.fee, fill.fee_asset, fill.is_maker) == (
        "12345", D("0.10264410"), D("0.4"), D("0.0000004"), "BNB", True)  # fmt: skip
    assert (fill.order_id, fill.client_order_id, fill.timestamp_ms) == (
        "4293153",
        "mUvoqJxFIILMdfAW5iGSOW",
        1499405658699,
    )


def test_execution_report_cancel_reports_the_original_client_order_id() -> None:
    order, fill = m.execution_report(
        load("spot_ws_execution_report_cancel", s.ExecutionReport), SPOT
    )
    assert fill is None
    assert (order.status, order.client_order_id) == (
        OrderStatus.CANCELLED,
        "mUvoqJxFIILMdfAW5iGSOW",
    )


def test_order_trade_update_trade_gives_order_and_fill_with_pnl() -> None:
    order, fill = m.order_trade_update(
        load("usdm_ws_order_trade_update_trade", s.OrderTradeUpdateEvent), USDM
    )
    assert (order.symbol, order.status, order.reduce_only, order.position_side) == (
        "BTC/USDT:USDT", OrderStatus.PARTIALLY_FILLED, True, PositionSide.BOTH)  # fmt: skip
    assert order.average_fill_price == D("7100.50")
    assert fill is not None
    assert (fill.trade_id, fill.quantity, fill.price, fill.fee, fill.realized_pnl, fill.is_maker) == (
        "77", D("0.0004"), D("7100.50"), D("0.00113608"), D("1.23"), True)  # fmt: skip


def test_order_trade_update_for_a_trailing_stop_maps_as_a_stop_market() -> None:
    order, fill = m.order_trade_update(
        load("usdm_ws_order_trade_update_trailing", s.OrderTradeUpdateEvent), USDM
    )
    assert fill is None
    assert (order.type, order.stop_price) == (OrderType.STOP_MARKET, None)  # "sp" is ignored
    assert (order.status, order.position_side) == (OrderStatus.OPEN, PositionSide.LONG)


def test_my_trades_and_user_trades_map_to_fills() -> None:
    (spot,) = [m.spot_trade(t, SPOT) for t in load("spot_my_trades", list[s.SpotMyTrade])]
    assert (spot.symbol, spot.trade_id, spot.order_id, spot.side, spot.is_maker) == (
        "BNB/BTC", "28457", "100234", Side.BUY, False)  # fmt: skip
    assert (spot.price, spot.quantity, spot.fee, spot.fee_asset) == (
        D("4.000001"),
        D("12"),
        D("10.1"),
        "BNB",
    )
    (fut,) = [m.usdm_trade(t, USDM) for t in load("usdm_user_trades", list[s.UsdmUserTrade])]
    assert (fut.symbol, fut.side, fut.realized_pnl, fut.fee) == (
        "BTC/USDT:USDT", Side.SELL, D("-0.91539999"), D("-0.07819010"))  # fmt: skip


# -- requests ------------------------------------------------------------------------------


def req(**kw: object) -> OrderRequest:
    base: dict[str, object] = {
        "symbol": "BTC/USDT",
        "side": "buy",
        "type": "limit",
        "quantity": "0.001",
        "price": "65000",
    }
    base.update(kw)
    return OrderRequest(**base)  # type: ignore[arg-type]


def test_spot_limit_order_params_are_plain_strings_in_send_order() -> None:
    params = m.order_params(
        req(quantity=D("1E-5"), price=D("6.5E+4"), client_order_id="abc_1"), SPOT, market="spot"
    )
    assert list(params.items()) == [
        ("symbol", "BTCUSDT"), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"),
        ("quantity", "0.00001"), ("price", "65000"), ("newClientOrderId", "abc_1"),
        ("newOrderRespType", "RESULT"),
    ]  # fmt: skip


def test_spot_post_only_becomes_limit_maker_without_time_in_force() -> None:
    params = m.order_params(req(post_only=True), SPOT, market="spot")
    assert params["type"] == "LIMIT_MAKER" and "timeInForce" not in params


def test_spot_stop_orders_map_to_binance_stop_types() -> None:
    stop = m.order_params(
        req(type="stop_limit", stop_price="64000", side="sell"), SPOT, market="spot"
    )
    assert (stop["type"], stop["stopPrice"], stop["timeInForce"]) == (
        "STOP_LOSS_LIMIT",
        "64000",
        "GTC",
    )
    tp = m.order_params(
        req(type="take_profit_market", price=None, stop_price="70000"), SPOT, market="spot"
    )
    assert tp["type"] == "TAKE_PROFIT" and "price" not in tp and "timeInForce" not in tp


def test_spot_refuses_what_binance_spot_cannot_express() -> None:
    with pytest.raises(NotSupported):
        m.order_params(req(reduce_only=True), SPOT, market="spot")
    with pytest.raises(NotSupported):
        m.order_params(req(position_side="long"), SPOT, market="spot")
    with pytest.raises(NotSupported):
        m.order_params(req(type="market", price=None, time_in_force="fok"), SPOT, market="spot")
    with pytest.raises(NotSupported):
        m.order_params(req(time_in_force="gtd"), SPOT, market="spot")
    with pytest.raises(NotSupported):
        m.order_params(req(symbol="DOGE/USDT"), SPOT, market="spot")


def test_market_ioc_is_sent_as_a_plain_market_order() -> None:
    params = m.order_params(
        req(type="market", price=None, time_in_force="ioc"), SPOT, market="spot"
    )
    assert params["type"] == "MARKET" and "timeInForce" not in params and "price" not in params


def test_futures_one_way_params_carry_reduce_only_and_ask_for_result() -> None:
    params = m.order_params(
        req(symbol="BTC/USDT:USDT", side="sell", reduce_only=True, client_order_id="c1"),
        USDM,
        market="usdm",
    )
    assert params["reduceOnly"] == "true"
    assert "positionSide" not in params
    assert params["newOrderRespType"] == "RESULT"
    assert params["newClientOrderId"] == "c1"


def test_futures_post_only_is_gtx() -> None:
    params = m.order_params(req(symbol="BTC/USDT:USDT", post_only=True), USDM, market="usdm")
    assert (params["type"], params["timeInForce"]) == ("LIMIT", "GTX")


def test_futures_hedge_mode_sends_position_side_and_never_reduce_only() -> None:
    params = m.order_params(
        req(symbol="BTC/USDT:USDT", position_side="short"), USDM, market="usdm", hedge_mode=True
    )
    assert params["positionSide"] == "SHORT" and "reduceOnly" not in params
    with pytest.raises(NotSupported):
        m.order_params(
            req(symbol="BTC/USDT:USDT", position_side="long", reduce_only=True),
            USDM,
            market="usdm",
            hedge_mode=True,
        )
    with pytest.raises(NotSupported):
        m.order_params(req(symbol="BTC/USDT:USDT"), USDM, market="usdm", hedge_mode=True)
    with pytest.raises(NotSupported):
        m.order_params(req(symbol="BTC/USDT:USDT", position_side="long"), USDM, market="usdm")


def test_futures_conditional_orders_go_to_the_algo_endpoint() -> None:
    stop = req(
        symbol="BTC/USDT:USDT",
        type="stop_market",
        price=None,
        stop_price="60000",
        side="sell",
        client_order_id="s1",
    )
    assert m.uses_algo_endpoint(stop, "usdm") and not m.uses_algo_endpoint(stop, "spot")
    with pytest.raises(NotSupported):
        m.order_params(stop, USDM, market="usdm")
    params = m.algo_order_params(stop, USDM)
    assert list(params) == [
        "algoType",
        "symbol",
        "side",
        "type",
        "quantity",
        "triggerPrice",
        "clientAlgoId",
        "newOrderRespType",
    ]
    assert (params["algoType"], params["type"], params["triggerPrice"], params["clientAlgoId"]) == (
        "CONDITIONAL", "STOP_MARKET", "60000", "s1")  # fmt: skip
    limit_tp = m.algo_order_params(
        req(symbol="BTC/USDT:USDT", type="take_profit_limit", stop_price="70000", price="70100"),
        USDM,
    )
    assert (limit_tp["type"], limit_tp["price"], limit_tp["timeInForce"]) == (
        "TAKE_PROFIT",
        "70100",
        "GTC",
    )
    with pytest.raises(NotSupported):
        m.algo_order_params(req(symbol="BTC/USDT:USDT"), USDM)


def test_client_order_id_encoding_is_identity_when_valid_and_a_stable_hash_otherwise() -> None:
    assert (
        m.encode_client_order_id("ek0123456789abcdef0123456789abcd")
        == "ek0123456789abcdef0123456789abcd"
    )
    assert m.encode_client_order_id("A-b_9") == "A-b_9"
    odd = m.encode_client_order_id("strategy:7/leg#2")
    assert odd == m.encode_client_order_id("strategy:7/leg#2")
    assert odd.startswith("ek-") and len(odd) == 35
    assert odd != m.encode_client_order_id("strategy:7/leg#3")
    long_id = "x" * 37
    assert len(m.encode_client_order_id(long_id)) <= 36


def test_cancel_and_kline_params() -> None:
    assert m.cancel_params("BTC/USDT", SPOT, client_order_id="a:b") == {
        "symbol": "BTCUSDT", "origClientOrderId": m.encode_client_order_id("a:b")}  # fmt: skip
    assert m.cancel_params("BTC/USDT", SPOT, order_id="5") == {"symbol": "BTCUSDT", "orderId": "5"}
    with pytest.raises(NotSupported):
        m.cancel_params("BTC/USDT", SPOT)
    assert m.kline_params("BTC/USDT", "1s", SPOT, market="spot", start_ms=1, limit=1000) == {
        "symbol": "BTCUSDT", "interval": "1s", "startTime": "1", "limit": "1000"}  # fmt: skip
    with pytest.raises(NotSupported):
        m.kline_params("BTC/USDT:USDT", "1s", USDM, market="usdm")
