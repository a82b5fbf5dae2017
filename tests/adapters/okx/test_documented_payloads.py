"""Payloads shaped like what OKX really sends, beyond the docs' happy path.

Each fixture follows a documented OKX shape (OKD #order-book-trading-trade-get-order-details,
#trading-account-rest-api-get-positions, #trading-account-websocket-account-channel,
#order-book-trading-trade-ws-order-channel) with the quirks real answers show: ``"0"``
rather than ``""`` in unset fill fields, spot market orders sized in quote currency
(``tgtCcy=quote_ccy``), pushes whose ``details`` are absent, hedge-mode positions, rows of
instruments this adapter does not trade, and new fields nobody told us about.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from exchangekit_okx import algo
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s
from exchangekit_okx import stream_schemas as w
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import (
    MappingError,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit.mapping import convert, decoder

from ._payloads import encode, load, obj, symbols

SYMBOLS = symbols()
decode_orders = decoder(s.Envelope[s.Order], exchange="okx")


def pushes(name: str) -> list[dict[str, Any]]:
    frames = obj(name)
    assert isinstance(frames, list)
    return frames


def push_rows(frame: dict[str, Any]) -> list[w.OrderPush]:
    return convert(frame["data"], list[w.OrderPush], exchange="okx")


# -- orders channel: a spot market buy sized in quote currency ----------------------------


def test_quote_sized_market_buy_reports_base_quantities_through_its_life() -> None:
    live, partial, filled = (push_rows(f)[0] for f in pushes("ws_orders_spot_quote_market"))

    opened = w.order_from_push(live, SYMBOLS)
    assert (opened.status, opened.type, opened.side) == (
        OrderStatus.OPEN,
        OrderType.MARKET,
        Side.BUY,
    )
    # sz "25" is USDT, not 25 BTC; nothing filled and no price known yet.
    assert opened.quantity == Decimal(0)
    assert opened.filled_quantity == Decimal(0)
    assert opened.price is None and opened.average_fill_price is None  # "" px, "0" avgPx
    assert opened.client_order_id is None
    assert opened.position_side is None  # posSide "" on spot
    assert w.fill_from_push(live, SYMBOLS) is None

    working = w.order_from_push(partial, SYMBOLS)
    assert working.status is OrderStatus.PARTIALLY_FILLED
    assert working.filled_quantity == Decimal("0.00025")
    # estimated from sz / avgPx = 25 / 50000, in whole lots of 1e-8 BTC
    assert working.quantity == Decimal("0.0005")
    assert working.remaining_quantity == Decimal("0.00025")
    fill = w.fill_from_push(partial, SYMBOLS)
    assert fill is not None
    assert (fill.trade_id, fill.price, fill.quantity) == (
        "436000001",
        Decimal(50000),
        Decimal("0.00025"),
    )
    assert (fill.fee, fill.fee_asset, fill.is_maker) == (Decimal("0.00000025"), "BTC", False)
    assert fill.timestamp_ms == 1708587400103

    done = w.order_from_push(filled, SYMBOLS)
    assert done.status is OrderStatus.FILLED
    assert done.quantity == done.filled_quantity == Decimal("0.0005")
    assert done.remaining_quantity == Decimal(0)
    assert done.updated_ms == 1708587400105
    assert w.fill_from_push(filled, SYMBOLS) is None  # state change only, no execution


def test_quote_sized_estimate_never_drops_below_what_filled() -> None:
    row = dict(pushes("ws_orders_spot_quote_market")[1]["data"][0])
    # 25 USDT / 80000 = 0.0003125 BTC, yet 0.0004 has filled (the price moved)
    row.update(avgPx="80000", accFillSz="0.0004")
    order = w.order_from_push(push_rows({"data": [row]})[0], SYMBOLS)
    assert order.quantity == Decimal("0.0004") == order.filled_quantity


# -- the docs' own example: "0" placeholders in fill fields --------------------------------


def test_docs_example_with_zero_placeholders_maps_to_an_untouched_order() -> None:
    envelope = load("order_docs_placeholders", s.Envelope[s.Order])
    order = m.order(envelope, SYMBOLS)
    assert order.symbol == "BTC/USDT:USDT"
    assert (order.status, order.type, order.time_in_force) == (
        OrderStatus.OPEN,
        OrderType.LIMIT,
        TimeInForce.GTC,
    )
    assert order.price == Decimal(999)
    assert order.quantity == Decimal("0.03")  # 3 contracts of 0.01 BTC
    assert order.filled_quantity == Decimal(0)
    assert order.average_fill_price is None  # avgPx "0"
    assert order.position_side is PositionSide.LONG
    assert order.client_order_id == "b1"
    assert order.created_ms == order.updated_ms == 1597026383085
    push = convert(obj("order_docs_placeholders")["data"][0], w.OrderPush, exchange="okx")
    assert w.fill_from_push(push, SYMBOLS) is None  # tradeId "0", fillSz "0"


# -- orders-history: every terminal state and the ordTypes that fold time in force ---------


def test_history_rows_map_state_type_and_partial_fills() -> None:
    rows = m.orders(load("orders_history_mixed", s.Envelope[s.Order]), SYMBOLS)
    ioc, mmp, optimal, fok, quote_market = rows

    assert (ioc.status, ioc.type, ioc.time_in_force) == (
        OrderStatus.CANCELLED,
        OrderType.LIMIT,
        TimeInForce.IOC,
    )
    assert (ioc.quantity, ioc.filled_quantity, ioc.remaining_quantity) == (
        Decimal("0.2"),
        Decimal("0.05"),
        Decimal(0),
    )
    assert ioc.position_side is PositionSide.BOTH

    assert (mmp.status, mmp.post_only, mmp.client_order_id) == (OrderStatus.CANCELLED, True, "mm1")
    assert mmp.average_fill_price is None

    assert (optimal.type, optimal.price, optimal.status) == (
        OrderType.MARKET,
        None,
        OrderStatus.FILLED,
    )
    assert optimal.average_fill_price == Decimal("49990.2")
    assert optimal.position_side is PositionSide.SHORT
    assert optimal.quantity == optimal.filled_quantity == Decimal("0.07")

    assert (fok.time_in_force, fok.status, fok.position_side) == (
        TimeInForce.FOK,
        OrderStatus.CANCELLED,
        None,
    )

    # market buy of 100 USDT that filled 0.002 BTC: quantity is base, not 100 BTC
    assert quote_market.quantity == quote_market.filled_quantity == Decimal("0.002")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("state", "expired_someday"),
        ("ordType", "twap_new"),
        ("side", "both"),
        ("posSide", "sideways"),
        ("px", 999),  # a number where OKX writes a string, in a field that may be ""
        ("accFillSz", ""),
    ],
)
def test_unknown_enum_values_and_wrong_types_are_mapping_errors_with_the_path(
    field: str, value: object
) -> None:
    data = obj("order_docs_placeholders")
    data["data"][0][field] = value
    with pytest.raises(MappingError) as caught:
        m.orders(decode_orders(encode(data)), SYMBOLS)
    assert caught.value.path == f"$.data[0].{field}"
    assert caught.value.raw is not None


def test_a_json_number_in_an_always_numeric_field_is_read_exactly() -> None:
    data = obj("order_docs_placeholders")
    data["data"][0].update(sz=3, accFillSz=0)
    order = m.orders(decode_orders(encode(data)), SYMBOLS)[0]
    assert (order.quantity, order.filled_quantity) == (Decimal("0.03"), Decimal(0))


REQUIRED_ORDER_FIELDS = [
    "instType",
    "instId",
    "ordId",
    "clOrdId",
    "px",
    "sz",
    "ordType",
    "side",
    "state",
    "accFillSz",
    "avgPx",
    "cTime",
    "uTime",
]


def test_missing_optional_fields_and_new_fields_are_fine() -> None:
    row = {key: obj("order_docs_placeholders")["data"][0][key] for key in REQUIRED_ORDER_FIELDS}
    row["someFieldOkxAddsNextYear"] = {"nested": [1, 2]}
    order = m.orders(decode_orders(encode({"code": "0", "data": [row]})), SYMBOLS)[0]
    assert order.position_side is None  # posSide absent
    assert order.reduce_only is False


@settings(max_examples=60, deadline=None)
@given(
    state=st.sampled_from(["live", "partially_filled", "filled", "canceled", "mmp_canceled"]),
    ord_type=st.sampled_from(
        ["market", "limit", "post_only", "fok", "ioc", "optimal_limit_ioc", "mmp", "op_fok", "elp"]
    ),
    tgt=st.sampled_from(["", "base_ccy", "quote_ccy"]),
    avg=st.sampled_from(["", "0", "50000", "49999.9"]),
    filled=st.sampled_from(["0", "0.0001", "0.0005"]),
)
def test_any_documented_state_type_and_target_maps_without_error(
    state: str, ord_type: str, tgt: str, avg: str, filled: str
) -> None:
    row = dict(pushes("ws_orders_spot_quote_market")[1]["data"][0])
    row.update(state=state, ordType=ord_type, tgtCcy=tgt, avgPx=avg, accFillSz=filled)
    order = w.order_from_push(push_rows({"data": [row]})[0], SYMBOLS)
    assert order.filled_quantity == Decimal(filled)
    assert order.remaining_quantity is not None and order.remaining_quantity >= 0
    if tgt == "quote_ccy":
        assert order.quantity >= order.filled_quantity
        if order.status.is_terminal:
            assert order.quantity == order.filled_quantity
    else:
        assert order.quantity == Decimal(row["sz"])


# -- account: pushes without details, absent numbers -----------------------------------------


def test_account_pushes_with_and_without_details() -> None:
    snapshot, summary = pushes("ws_account_pushes")
    rows = convert(snapshot["data"], list[s.Balance], exchange="okx")
    balances = {b.asset: b for b in m.balances(s.Envelope(code="0", data=rows))}
    usdt, btc = balances["USDT"], balances["BTC"]
    assert (usdt.free, usdt.locked, usdt.total) == (
        Decimal("990.5"),
        Decimal(10),
        Decimal("1000.5"),
    )
    # availBal "" falls back to availEq; frozenBal "" is nothing locked
    assert (btc.free, btc.locked, btc.total) == (Decimal("0.25"), Decimal(0), Decimal("0.25"))

    empty = convert(summary["data"], list[s.Balance], exchange="okx")
    assert m.balances(s.Envelope(code="0", data=empty), include_zero=True) == []


# -- positions: hedge mode, flat rows, instruments outside the map ------------------------


def test_hedge_mode_positions_and_flat_and_foreign_rows() -> None:
    envelope = load("positions_hedge", s.Envelope[s.Position])
    long, short = m.positions(envelope, SYMBOLS)
    assert (long.side, long.quantity, long.entry_price, long.leverage) == (
        PositionSide.LONG,
        Decimal("0.12"),
        Decimal("50000.1"),
        Decimal(10),
    )
    assert (long.liquidation_price, long.realized_pnl) == (Decimal("45500.3"), Decimal("-0.3"))
    assert (short.side, short.quantity, short.liquidation_price) == (
        PositionSide.SHORT,
        Decimal("0.04"),
        None,  # liqPx ""
    )
    with_flat = m.positions(envelope, SYMBOLS, include_flat=True)
    flat = with_flat[2]
    assert (flat.side, flat.quantity, flat.entry_price, flat.leverage) == (
        PositionSide.BOTH,
        Decimal(0),
        None,
        None,
    )
    assert len(with_flat) == 3  # the inverse BTC-USD-SWAP row is left out


# -- fills: a maker rebate, no execType, new fields -----------------------------------------


def test_fill_with_rebate_and_no_exec_type() -> None:
    data = obj("fills")
    row = dict(data["data"][0])
    row.update(fee="0.0000001", execType="", fillTime="", feeRate="0.0001", newThing="x")
    data["data"] = [row]
    (fill,) = m.fills(decoder(s.Envelope[s.Fill])(json.dumps(data)), SYMBOLS)
    assert fill.fee == Decimal("-0.0000001")  # a rebate is a negative cost
    assert fill.is_maker is None
    assert fill.timestamp_ms == int(row["ts"])  # fillTime "" falls back to ts


# -- algo orders ------------------------------------------------------------------------------


ALGO_ROW: dict[str, Any] = {
    "instType": "SWAP",
    "instId": "BTC-USDT-SWAP",
    "algoId": "681096944655273984",
    "algoClOrdId": "",
    "sz": "2",
    "ordType": "conditional",
    "side": "sell",
    "posSide": "net",
    "tdMode": "cross",
    "state": "live",
    "slTriggerPx": "48000",
    "slOrdPx": "-1",
    "slTriggerPxType": "last",
    "tpTriggerPx": "",
    "tpOrdPx": "",
    "reduceOnly": "true",
    "cTime": "1708600000000",
    "uTime": "",
    "closeFraction": "",
    "attachAlgoOrds": [],
    "linkedOrd": {"ordId": ""},
}


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("live", OrderStatus.OPEN),
        ("pause", OrderStatus.OPEN),
        ("effective", OrderStatus.OPEN),
        ("partially_effective", OrderStatus.OPEN),
        ("partially_failed", OrderStatus.OPEN),
        ("canceled", OrderStatus.CANCELLED),
        ("order_failed", OrderStatus.REJECTED),
    ],
)
def test_every_documented_algo_state_decodes_and_maps(state: str, status: OrderStatus) -> None:
    row = convert({**ALGO_ROW, "state": state}, s.AlgoOrder, exchange="okx")
    order = algo.algo_order(row, SYMBOLS)
    assert order.status is status
    assert (order.type, order.stop_price, order.price) == (
        OrderType.STOP_MARKET,
        Decimal(48000),
        None,
    )
    assert order.quantity == Decimal("0.02")
    assert order.reduce_only is True
    assert order.updated_ms == order.created_ms == 1708600000000  # uTime "" -> cTime


def test_an_algo_trigger_price_that_is_not_a_number_is_a_mapping_error() -> None:
    row = convert({**ALGO_ROW, "slTriggerPx": "NaN"}, s.AlgoOrder, exchange="okx")
    with pytest.raises(MappingError) as caught:
        algo.algo_order(row, SYMBOLS)
    assert caught.value.path == "$.data[0].slTriggerPx"


def test_a_stop_that_closes_the_whole_position_has_no_size_yet() -> None:
    row = convert({**ALGO_ROW, "sz": "", "closeFraction": "1", "reduceOnly": "false"}, s.AlgoOrder)
    order = algo.algo_order(row, SYMBOLS)
    assert (order.quantity, order.reduce_only, order.status) == (
        Decimal(0),
        True,
        OrderStatus.OPEN,
    )


@pytest.mark.parametrize(("sz", "fraction"), [("", ""), ("two", "")])
def test_an_algo_row_without_a_usable_size_is_a_mapping_error(sz: str, fraction: str) -> None:
    row = convert({**ALGO_ROW, "sz": sz, "closeFraction": fraction}, s.AlgoOrder)
    with pytest.raises(MappingError) as caught:
        algo.algo_order(row, SYMBOLS)
    assert caught.value.path == "$.data[0].sz"


def test_open_order_listings_leave_out_instruments_the_adapter_does_not_trade() -> None:
    data = obj("orders_history_mixed")
    inverse = dict(data["data"][0], instId="BTC-USD-SWAP", ordId="1")
    data["data"].insert(1, inverse)
    envelope = decode_orders(encode(data))
    with pytest.raises(MappingError) as caught:
        m.orders(envelope, SYMBOLS)
    assert caught.value.path == "$.data[1].instId"
    listed = m.orders(envelope, SYMBOLS, skip_unknown=True)
    assert [o.order_id for o in listed] == [r["ordId"] for r in data["data"] if r["ordId"] != "1"]


decimals = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=10
).map(lambda d: format(d, "f"))


@settings(max_examples=80, deadline=None)
@given(avail=st.one_of(st.just(""), decimals), frozen=st.one_of(st.just(""), decimals), eq=decimals)
def test_any_balance_numbers_map_exactly_and_empty_means_absent(
    avail: str, frozen: str, eq: str
) -> None:
    detail = {"ccy": "ETH", "availBal": avail, "availEq": "", "frozenBal": frozen, "eq": eq}
    rows = convert([{"details": [detail], "someNewTotal": 1}], list[s.Balance], exchange="okx")
    (balance,) = m.balances(s.Envelope(code="0", data=rows), include_zero=True)
    assert balance.free == (Decimal(avail) if avail else Decimal(0))
    assert balance.locked == (Decimal(frozen) if frozen else Decimal(0))
    assert balance.total == Decimal(eq)


@settings(max_examples=80, deadline=None)
@given(pos=decimals, side=st.sampled_from(["net", "long", "short"]))
def test_any_position_size_maps_to_an_unsigned_base_quantity(pos: str, side: str) -> None:
    row = dict(obj("positions_hedge")["data"][0], pos=pos, posSide=side)
    envelope = decoder(s.Envelope[s.Position])(encode({"code": "0", "data": [row]}))
    mapped = m.positions(envelope, SYMBOLS, include_flat=True)
    (position,) = mapped
    assert position.quantity == abs(Decimal(pos)) * Decimal("0.01")
    if side != "net":
        assert position.side.value == side
    elif Decimal(pos):
        assert position.side is (PositionSide.LONG if Decimal(pos) > 0 else PositionSide.SHORT)
    else:
        assert position.side is PositionSide.BOTH


# -- public channels: frames as the docs show them ------------------------------------------

TICKERS_PUSH = {
    "arg": {"channel": "tickers", "instId": "BTC-USDT"},
    "data": [
        {
            "instType": "SPOT",
            "instId": "BTC-USDT",
            "last": "9999.99",
            "lastSz": "0.1",
            "askPx": "9999.99",
            "askSz": "11",
            "bidPx": "8888.88",
            "bidSz": "5",
            "open24h": "9000",
            "high24h": "10000",
            "low24h": "8888.88",
            "volCcy24h": "2222",
            "vol24h": "2222",
            "sodUtc0": "2222",
            "sodUtc8": "2222",
            "ts": "1597026383085",
        }
    ],
}
TRADES_PUSH = {
    "arg": {"channel": "trades", "instId": "BTC-USDT-SWAP"},
    "data": [
        {
            "instId": "BTC-USDT-SWAP",
            "tradeId": "130639474",
            "px": "42219.9",
            "sz": "12",
            "side": "sell",
            "ts": "1630048897897",
            "count": "3",
            "source": "0",
            "seqId": 1234,
        }
    ],
}
BOOKS_PUSH = {
    "arg": {"channel": "books", "instId": "BTC-USDT"},
    "action": "snapshot",
    "data": [
        {
            "asks": [["8476.98", "415", "0", "13"], ["8477", "7", "0", "2"]],
            "bids": [["8476.97", "256", "0", "12"]],
            "ts": "1597026383085",
            "checksum": -855196043,
            "prevSeqId": -1,
            "seqId": 123456,
        }
    ],
}


def _frame_rows(frame: dict[str, Any], schema: Any) -> Any:
    parsed = msgspec.json.decode(json.dumps(frame).encode(), type=w.Frame)
    return decoder(list[schema], exchange="okx")(bytes(parsed.data))


def test_tickers_push_maps_like_the_rest_ticker() -> None:
    rows = _frame_rows(TICKERS_PUSH, s.Ticker)
    ticker = m.ticker(s.Envelope(code="0", data=rows), SYMBOLS)
    assert (ticker.symbol, ticker.bid, ticker.ask, ticker.last) == (
        "BTC/USDT",
        Decimal("8888.88"),
        Decimal("9999.99"),
        Decimal("9999.99"),
    )
    assert (ticker.bid_size, ticker.ask_size) == (Decimal(5), Decimal(11))
    assert (ticker.volume, ticker.quote_volume) == (Decimal(2222), Decimal(2222))
    assert ticker.timestamp_ms == 1597026383085


def test_trades_push_converts_swap_contracts_and_ignores_new_fields() -> None:
    (row,) = _frame_rows(TRADES_PUSH, w.TradeRow)
    trade = w.trade(row, SYMBOLS)
    assert (trade.symbol, trade.price, trade.quantity, trade.side) == (
        "BTC/USDT:USDT",
        Decimal("42219.9"),
        Decimal("0.12"),
        Side.SELL,
    )
    assert trade.timestamp_ms == 1630048897897


def test_books_snapshot_with_a_negative_checksum_and_prev_seq_minus_one() -> None:
    (row,) = _frame_rows(BOOKS_PUSH, w.BookRow)
    delta = w.book_delta(row, received_ms=1597026383090)
    assert (delta.last_id, delta.prev_id, delta.checksum) == (123456, -1, -855196043)
    assert delta.timestamp_ms == 1597026383085


def test_candle_push_of_an_open_candle() -> None:
    frame = {
        "arg": {"channel": "candle1D", "instId": "BTC-USDT"},
        "data": [
            [
                "1597026383085",
                "8533.02",
                "8553.74",
                "8527.17",
                "8548.26",
                "45247",
                "529.5858061",
                "529.5858061",
                "0",
            ]
        ],
    }
    rows = _frame_rows(frame, s.Candle)
    (candle,) = m.candles(s.Envelope(code="0", data=rows), "BTC/USDT", "1d", SYMBOLS)
    assert (candle.open, candle.close, candle.volume, candle.closed) == (
        Decimal("8533.02"),
        Decimal("8548.26"),
        Decimal(45247),
        False,
    )
    assert candle.quote_volume == Decimal("529.5858061")


def test_a_spot_max_market_size_in_quote_currency_does_not_cap_the_base_quantity() -> None:
    data = obj("instruments_spot")
    row = dict(data["data"][1], instId="SHIB-USDT", baseCcy="SHIB", state="live")
    row.update(lotSz="1", minSz="1", tickSz="0.00000001", maxMktSz="1000000")
    data["data"] = [row]
    (shib,) = m.instruments(decoder(s.Envelope[s.Instrument])(encode(data)))
    assert shib.market_max_quantity is None
    shib.check(Decimal(2_000_000), Decimal("0.00001"), market=True)  # about 20 USDT: fine
