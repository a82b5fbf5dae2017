"""Documented Bybit payloads our own fixtures did not cover, mapped through the public mappers.

Each case is a response or stream example from Bybit's V5 docs (BYD docs/v5/...), or one of
their documented variants: spot market orders sized in the quote coin, hedge-mode slots
that read ``side: ""`` once flat, ``""`` where a number is not given, timestamps as bare
integers, ``Funding`` rows in the execution list, enumeration values we do not know.
"""

from decimal import Decimal
from typing import Any

import pytest
from exchangekit_bybit import mappers as m
from exchangekit_bybit import schemas as s
from exchangekit_bybit import stream_schemas as ws
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import MappingError, OrderStatus, OrderType, PositionSide, Side
from exchangekit.mapping import decoder

from ._payloads import encode, linear_symbols, obj, spot_symbols

D = Decimal
SPOT = spot_symbols()
LINEAR = linear_symbols()


def _rows(name: str, type_: Any) -> Any:
    """The ``data`` of a stored stream frame, decoded as the private stream decodes it."""
    return decoder(type_, exchange="bybit")(encode(obj(name)["data"]))


def _decode(type_: Any, data: Any) -> Any:
    return decoder(type_, exchange="bybit")(encode(data))


# -- spot market orders sized in the quote coin --------------------------------------------


def test_spot_market_buy_sized_in_quote_reports_the_base_quantity_filled() -> None:
    # BYD websocket/private/order.mdx (spot): a 10 USDT market buy, partly filled, rest
    # cancelled. qty "10.000000" is USDT; the 0.000299 BTC filled is the order's size.
    buy, _ = _rows("ws_order_spot_market", ws.OrderRows)
    order = m.order(buy, SPOT)
    assert order.symbol == "BTC/USDT"
    assert (order.side, order.type, order.status) == (
        Side.BUY,
        OrderType.MARKET,
        OrderStatus.CANCELLED,
    )
    assert (order.quantity, order.filled_quantity, order.remaining_quantity) == (
        D("0.000299"),
        D("0.000299"),
        D(0),
    )
    assert order.average_fill_price == D("33393.46")
    assert order.client_order_id == "1551741421621614081"
    assert (order.price, order.time_in_force, order.stop_price) == (None, None, None)
    assert (order.created_ms, order.updated_ms) == (1699717992439, 1699717992442)


def test_spot_market_sell_keeps_qty_as_the_base_quantity() -> None:
    _, sell = _rows("ws_order_spot_market", ws.OrderRows)
    order = m.order(sell, SPOT)
    assert (order.side, order.status) == (Side.SELL, OrderStatus.FILLED)
    assert (order.quantity, order.filled_quantity) == (D("0.000294"), D("0.000294"))
    assert order.average_fill_price == D("33944.81")


def test_working_quote_sized_buy_counts_what_is_left_in_base_units() -> None:
    buy, _ = _rows("ws_order_spot_market", ws.OrderRows)
    fields = {f: getattr(buy, f) for f in buy.__struct_fields__}
    working = ws.WsOrder(
        **{
            **fields,
            "orderStatus": "PartiallyFilled",
            "leavesQty": "0.0001",
            "marketUnit": "quoteCoin",
        }
    )
    order = m.order(working, SPOT)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert (order.quantity, order.remaining_quantity) == (D("0.000399"), D("0.0001"))


def test_market_buy_with_marketunit_basecoin_keeps_qty() -> None:
    buy, _ = _rows("ws_order_spot_market", ws.OrderRows)
    fields = {f: getattr(buy, f) for f in buy.__struct_fields__}
    based = ws.WsOrder(**{**fields, "qty": D("0.0003"), "marketUnit": "baseCoin"})
    assert m.order(based, SPOT).quantity == D("0.0003")


def test_linear_market_buy_qty_is_never_read_as_quote() -> None:
    row = _decode(s.Envelope[s.OrderList], obj("linear_open_orders")).result.list[0]
    fields = {f: getattr(row, f) for f in row.__struct_fields__}
    market = s.Order(**{**fields, "orderType": "Market", "side": "Buy", "marketUnit": ""})
    assert m.order(market, LINEAR).quantity == row.qty


# -- spot conditional orders: no triggerDirection -----------------------------------------


@pytest.mark.parametrize(
    ("side", "trigger", "stop_type", "expected"),
    [
        ("Sell", "36000", "tpslOrder", OrderType.TAKE_PROFIT_LIMIT),  # sell on a rise
        ("Sell", "30000", "tpslOrder", OrderType.STOP_LIMIT),  # sell on a fall
        ("Buy", "36000", "Stop", OrderType.STOP_LIMIT),  # buy on a rise
        ("Buy", "30000", "OcoOrder", OrderType.TAKE_PROFIT_LIMIT),  # buy on a fall
        ("Buy", "33274.95", "tpslOrder", OrderType.STOP_LIMIT),  # at the last price: a stop
    ],
)
def test_spot_trigger_direction_comes_from_the_last_price_at_creation(
    side: str, trigger: str, stop_type: str, expected: OrderType
) -> None:
    # Spot conditional orders report triggerDirection 0 (BYD order/open-order.mdx: the
    # field is for derivatives); lastPriceOnCreated says where the market stood.
    data = obj("ws_order_spot_market")["data"][1]
    data.update(
        side=side,
        orderType="Limit",
        price="33000",
        orderStatus="Untriggered",
        cumExecQty="0",
        avgPrice="",
        leavesQty="0.000294",
        timeInForce="GTC",
        triggerPrice=trigger,
        stopOrderType=stop_type,
        lastPriceOnCreated="33274.95",
    )
    [row] = _decode(ws.OrderRows, [data])
    order = m.order(row, SPOT)
    assert order.type is expected
    assert (order.stop_price, order.price) == (D(trigger), D("33000"))
    assert order.status is OrderStatus.OPEN


def test_junk_last_price_at_creation_names_its_field() -> None:
    data = obj("ws_order_spot_market")["data"][1]
    data.update(triggerPrice="36000", lastPriceOnCreated="n/a", stopOrderType="tpslOrder")
    [row] = _decode(ws.OrderRows, [data])
    with pytest.raises(MappingError) as info:
        m.order(row, SPOT, path="$.data[0]")
    assert info.value.path == "$.data[0].lastPriceOnCreated"


def test_full_position_take_profit_with_qty_zero_maps_as_a_reduce_only_take_profit() -> None:
    # A position's "Full" TP/SL order covers the whole position and reads qty "0".
    data = obj("linear_open_orders")
    data["result"]["list"][0].update(
        side="Sell",
        orderType="Market",
        orderStatus="Untriggered",
        price="0",
        qty="0",
        leavesQty="0",
        cumExecQty="0",
        avgPrice="",
        triggerPrice="2500.00",
        triggerDirection=1,
        stopOrderType="TakeProfit",
        reduceOnly=True,
        closeOnTrigger=True,
        positionIdx=0,
    )
    order = m.orders(_decode(s.Envelope[s.OrderList], data).result, LINEAR)[0]
    assert (order.type, order.status) == (OrderType.TAKE_PROFIT_MARKET, OrderStatus.OPEN)
    assert (order.quantity, order.remaining_quantity, order.stop_price) == (D(0), D(0), D(2500))
    assert order.reduce_only and order.price is None and order.time_in_force is None


# -- hedge mode ----------------------------------------------------------------------------


def test_flat_hedge_slot_from_the_position_stream_keeps_its_side() -> None:
    # BYD websocket/private/position.mdx: the Sell slot (positionIdx 2) closed: side "",
    # size "0", entryPrice "0", liqPrice "0".
    [row] = _rows("ws_position_hedge_empty", ws.PositionRows)
    position = m.position(row, LINEAR)
    assert position.symbol == "BTC/USDT:USDT"
    assert (position.side, position.quantity) == (PositionSide.SHORT, D(0))
    assert (position.entry_price, position.liquidation_price) == (None, None)
    assert position.mark_price == D("28184.5")
    assert position.realized_pnl == D("-25.06579337")
    assert position.timestamp_ms == 1697682317038


@pytest.mark.parametrize(
    ("index", "side", "expected"),
    [
        (0, "", PositionSide.BOTH),
        (0, "None", PositionSide.BOTH),
        (0, "Buy", PositionSide.LONG),
        (0, "Sell", PositionSide.SHORT),
        (1, "", PositionSide.LONG),
        (1, "Buy", PositionSide.LONG),
        (2, "", PositionSide.SHORT),
        (2, "Sell", PositionSide.SHORT),
    ],
)
def test_position_side_follows_the_hedge_slot(
    index: int, side: str, expected: PositionSide
) -> None:
    data = obj("linear_positions")
    data["result"]["list"] = [{**data["result"]["list"][0], "positionIdx": index, "side": side}]
    [position] = m.positions(_decode(s.Envelope[s.PositionList], data).result, LINEAR)
    assert position.side is expected


@pytest.mark.parametrize(("index", "expected"), [(0, None), (1, "long"), (2, "short")])
def test_hedge_mode_orders_name_their_position_side(index: int, expected: str | None) -> None:
    data = obj("linear_open_orders")
    data["result"]["list"][0]["positionIdx"] = index
    order = m.orders(_decode(s.Envelope[s.OrderList], data).result, LINEAR)[0]
    assert order.position_side == (None if expected is None else PositionSide(expected))


def test_empty_one_way_position_has_no_prices() -> None:
    # BYD position/position.mdx: an empty UTA position reads side "", size "0", avgPrice
    # "0", liqPrice "", and may carry no times at all.
    data = obj("linear_positions")
    flat = {
        **data["result"]["list"][0],
        "side": "",
        "size": "0",
        "avgPrice": "0",
        "liqPrice": "",
        "positionValue": "",
        "unrealisedPnl": "",
        "createdTime": "",
        "updatedTime": "",
    }
    data["result"]["list"] = [flat]
    result = _decode(s.Envelope[s.PositionList], data).result
    assert m.positions(result, LINEAR) == []
    [position] = m.positions(result, LINEAR, include_flat=True)
    assert (position.side, position.quantity) == (PositionSide.BOTH, D(0))
    assert (position.entry_price, position.liquidation_price, position.unrealized_pnl) == (
        None,
        None,
        None,
    )
    assert position.timestamp_ms is None


def test_position_of_a_symbol_never_traded() -> None:
    # BYD position/position.mdx: asked by symbol, a position that never traded comes back
    # with seq "-1" and zero times; it is flat and has no timestamp.
    data = obj("linear_positions")
    row = {**data["result"]["list"][0], "side": "", "size": "0", "avgPrice": "0"}
    row.update(seq="-1", createdTime="0", updatedTime="0", markPrice="", leverage="")
    data["result"]["list"] = [row]
    [position] = m.positions(
        _decode(s.Envelope[s.PositionList], data).result, LINEAR, include_flat=True
    )
    assert (position.quantity, position.timestamp_ms) == (D(0), None)
    assert (position.mark_price, position.leverage, position.entry_price) == (None, None, None)


# -- executions ----------------------------------------------------------------------------


def test_stream_execution_example_maps_to_a_fill() -> None:
    # BYD websocket/private/execution.mdx: no feeCurrency, no seq, stopOrderType UNKNOWN.
    symbols = m.SymbolMap([("XRP/USDT:USDT", "XRPUSDT")], settle={"XRPUSDT": "USDT"})
    [row] = _rows("ws_execution", ws.ExecutionRows)
    fill = m.fill(row, symbols)
    assert fill.symbol == "XRP/USDT:USDT"
    assert (fill.side, fill.price, fill.quantity) == (Side.SELL, D("0.3374"), D("25"))
    assert (fill.fee, fill.fee_asset, fill.is_maker) == (D("0.005061"), "USDT", False)
    assert (fill.trade_id, fill.order_id) == (
        "7e2ae69c-4edf-5800-a352-893d52b446aa",
        "f6e324ff-99c2-4e89-9739-3086e47f9381",
    )
    assert fill.client_order_id is None
    assert fill.timestamp_ms == 1672364174443


def test_funding_rows_without_order_ids_are_skipped_not_fatal() -> None:
    data = obj("linear_executions")
    trade = data["result"]["list"][0]
    funding = {key: value for key, value in trade.items() if key not in ("orderId", "orderLinkId")}
    funding.update(
        execType="Funding",
        execId="funding-1",
        orderType="UNKNOWN",
        execFee="-0.0012",
        feeRate="0.0001",
        isMaker=False,
    )
    data["result"]["list"] = [funding, trade]
    fills = m.fills(_decode(s.Envelope[s.ExecutionList], data).result, LINEAR)
    assert [fill.trade_id for fill in fills] == [trade["execId"]]


def test_execution_times_may_be_bare_integers() -> None:
    data = obj("linear_executions")
    row = data["result"]["list"][0]
    row["execTime"] = int(row["execTime"])
    [fill, *_] = m.fills(_decode(s.Envelope[s.ExecutionList], data).result, LINEAR)
    assert fill.timestamp_ms == row["execTime"]


# -- wallet --------------------------------------------------------------------------------


def test_wallet_stream_example_caps_what_margin_holds_at_the_balance() -> None:
    # BYD websocket/private/wallet.mdx: USDC's position margin (202.99) exceeds its wallet
    # balance (201.35), and the coins carry no "locked" field at all.
    data = {
        "accountType": "UNIFIED",
        "coin": [
            {
                "coin": "USDC",
                "equity": "200.62572554",
                "walletBalance": "201.34882644",
                "availableToWithdraw": "0",
                "borrowAmount": "0",
                "accruedInterest": "0",
                "totalOrderIM": "0",
                "totalPositionIM": "202.99874213",
                "totalPositionMM": "39.14289747",
                "unrealisedPnl": "74.2768991",
                "cumRealisedPnl": "-209.1544627",
                "bonus": "0",
            },
            {
                "coin": "EOS3L",
                "equity": "215.0570412",
                "walletBalance": "215.0570412",
                "availableToWithdraw": "215.0570412",
                "accruedInterest": "",
                "totalOrderIM": "0",
                "totalPositionIM": "0",
                "totalPositionMM": "0",
                "unrealisedPnl": "0",
                "cumRealisedPnl": "0",
                "bonus": "0",
            },
            {"coin": "ETH", "walletBalance": "0", "totalOrderIM": "", "totalPositionIM": ""},
        ],
        "accountLTV": "0.017",
    }
    rows = _decode(ws.WalletRows, [data])
    balances = {b.asset: b for b in m.balances(s.WalletBalance(list=rows), include_zero=True)}
    usdc = balances["USDC"]
    assert (usdc.total, usdc.locked, usdc.free) == (D("201.34882644"), D("201.34882644"), D(0))
    eos = balances["EOS3L"]
    assert (eos.free, eos.locked) == (D("215.0570412"), D(0))
    assert (balances["ETH"].free, balances["ETH"].locked) == (D(0), D(0))
    assert "ETH" not in {b.asset for b in m.balances(s.WalletBalance(list=rows))}


# -- market data with numbers left out -----------------------------------------------------


def test_ticker_of_a_pair_with_no_trades_yet_maps_its_empty_numbers_to_none() -> None:
    data = obj("spot_tickers")
    row = data["result"]["list"][0]
    for field in (
        "lastPrice",
        "prevPrice24h",
        "highPrice24h",
        "lowPrice24h",
        "bid1Price",
        "bid1Size",
        "ask1Price",
        "ask1Size",
    ):
        row[field] = ""
    row["volume24h"] = row["turnover24h"] = "0"
    envelope = _decode(s.Envelope[s.TickerList], data)
    ticker = m.ticker(envelope.result.list[0], SPOT, timestamp_ms=1)
    assert (ticker.last, ticker.open, ticker.high, ticker.low) == (None, None, None, None)
    assert (ticker.bid, ticker.ask, ticker.bid_size) == (None, None, None)
    assert (ticker.volume, ticker.quote_volume) == (D(0), D(0))


def test_ticker_junk_number_names_its_field() -> None:
    data = obj("linear_tickers")
    data["result"]["list"][0]["highPrice24h"] = "n/a"
    envelope = _decode(s.Envelope[s.TickerList], data)
    with pytest.raises(MappingError) as info:
        m.ticker(envelope.result.list[0], LINEAR, timestamp_ms=1, path="$.result.list[0]")
    assert info.value.path == "$.result.list[0].highPrice24h"


def test_spot_instrument_with_deprecated_limits_left_empty() -> None:
    data = obj("spot_instruments")
    lot = data["result"]["list"][0]["lotSizeFilter"]
    lot.update(minOrderQty="", maxOrderQty="", maxLimitOrderQty="", maxMarketOrderQty="")
    [btc, _] = m.instruments(_decode(s.Envelope[s.InstrumentList], data).result)
    assert btc.step_size == D(lot["basePrecision"])
    assert (btc.max_quantity, btc.market_max_quantity) == (None, None)
    assert btc.min_notional == D(lot["minOrderAmt"])


def test_linear_instrument_limits_sent_as_json_numbers_decode_exactly() -> None:
    data = obj("linear_instruments")
    raw = encode(data).replace(b'"tickSize": "0.10"', b'"tickSize": 0.10')
    result = decoder(s.Envelope[s.InstrumentList], exchange="bybit")(raw).result
    assert m.instruments(result)[0].tick_size == D("0.10")


def test_instrument_junk_limit_names_its_field() -> None:
    data = obj("linear_instruments")
    data["result"]["list"][0]["lotSizeFilter"]["minNotionalValue"] = "five"
    with pytest.raises(MappingError) as info:
        m.instruments(_decode(s.Envelope[s.InstrumentList], data).result)
    assert info.value.path == "$.result.list[0].lotSizeFilter.minNotionalValue"


# -- enumerations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("orderStatus", "PendingCancel"),
        ("orderType", "UNKNOWN"),
        ("timeInForce", "GTD"),
        ("side", "None"),
    ],
)
def test_unknown_order_enumeration_is_a_mapping_error_with_its_path(field: str, value: str) -> None:
    data = obj("linear_open_orders")
    data["result"]["list"][0][field] = value
    with pytest.raises(MappingError) as info:
        _decode(s.Envelope[s.OrderList], data)
    assert info.value.path == f"$.result.list[0].{field}"


STOP_ORDER_TYPES = [
    "",
    "UNKNOWN",
    "TakeProfit",
    "StopLoss",
    "TrailingStop",
    "Stop",
    "PartialTakeProfit",
    "PartialStopLoss",
    "tpslOrder",
    "OcoOrder",
    "MmRateClose",
    "BidirectionalTpslOrder",
]
"""Every ``stopOrderType`` of BYD enum.mdx, plus the ``""`` and ``UNKNOWN`` of plain orders."""

DOCUMENTED_STATUSES = [
    "New",
    "PartiallyFilled",
    "Untriggered",
    "Rejected",
    "PartiallyFilledCanceled",
    "Filled",
    "Cancelled",
    "Triggered",
    "Deactivated",
]


@settings(max_examples=150, deadline=None)
@given(
    status=st.sampled_from(DOCUMENTED_STATUSES),
    stop_type=st.sampled_from(STOP_ORDER_TYPES),
    order_type=st.sampled_from(["Market", "Limit"]),
    tif=st.sampled_from(["GTC", "IOC", "FOK", "PostOnly", "RPI"]),
    trigger=st.sampled_from(["", "0", "0.00", "2500.5"]),
    direction=st.sampled_from([0, 1, 2]),
    index=st.sampled_from([0, 1, 2]),
)
def test_every_documented_order_enumeration_maps(
    status: str,
    stop_type: str,
    order_type: str,
    tif: str,
    trigger: str,
    direction: int,
    index: int,
) -> None:
    data = obj("linear_open_orders")
    data["result"]["list"][0].update(
        orderStatus=status,
        stopOrderType=stop_type,
        orderType=order_type,
        timeInForce=tif,
        triggerPrice=trigger,
        triggerDirection=direction,
        positionIdx=index,
    )
    order = m.orders(_decode(s.Envelope[s.OrderList], data).result, LINEAR)[0]
    assert order.type.is_conditional == (trigger == "2500.5")
    assert order.type.has_limit_price == (order_type == "Limit")
    assert order.status.is_terminal == (
        status in {"Rejected", "PartiallyFilledCanceled", "Filled", "Cancelled", "Deactivated"}
    )
    if stop_type in ("TakeProfit", "PartialTakeProfit") and order.type.is_conditional:
        assert order.type in (OrderType.TAKE_PROFIT_LIMIT, OrderType.TAKE_PROFIT_MARKET)
    if stop_type in ("StopLoss", "PartialStopLoss", "TrailingStop") and order.type.is_conditional:
        assert order.type in (OrderType.STOP_LIMIT, OrderType.STOP_MARKET)


@settings(max_examples=100, deadline=None)
@given(created=st.integers(min_value=0, max_value=2**53), as_text=st.booleans())
def test_order_times_read_as_text_or_integers(created: int, as_text: bool) -> None:
    data = obj("linear_open_orders")
    value: str | int = str(created) if as_text else created
    data["result"]["list"][0].update(createdTime=value, updatedTime=value)
    order = m.orders(_decode(s.Envelope[s.OrderList], data).result, LINEAR)[0]
    assert (order.created_ms, order.updated_ms) == (created, created)


@pytest.mark.parametrize("value", [-1, True, "17e11", "", " 1"])
def test_bad_order_times_are_mapping_errors(value: object) -> None:
    data = obj("linear_open_orders")
    data["result"]["list"][0]["createdTime"] = value
    with pytest.raises(MappingError) as info:
        m.orders(_decode(s.Envelope[s.OrderList], data).result, LINEAR)
    assert info.value.path == "$.result.list[0].createdTime"
