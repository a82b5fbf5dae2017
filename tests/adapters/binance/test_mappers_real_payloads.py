"""Payload shapes real Binance sends beyond the happy-path fixtures.

Each case is a documented example (or the documented variant of one) that our own fixtures
did not cover: values the enum pages omit (``GTE_GTC``, the old liquidation statuses),
fields Binance leaves empty (``""`` on the Algo Service, ``null`` ``C``, an ACCOUNT_UPDATE
with no positions), filters the mappers ignore, numbers as JSON numbers, and symbols that
have lost their trading rules. Malformed variants must still fail with a
:class:`MappingError` that names the field.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit.errors import MappingError
from exchangekit.mapping import decoder
from exchangekit.models import (
    MarginMode,
    MarketKind,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)

from ._payloads import obj, spot_symbols, usdm_symbols

SPOT = spot_symbols()
USDM = usdm_symbols()


def decode(type_: type[Any], data: Any) -> Any:
    return decoder(type_, exchange="binance")(json.dumps(data).encode())


# -- futures: GTE_GTC and the liquidation statuses -------------------------------------------


def _otu(**fields: Any) -> dict[str, Any]:
    """BFD "Event: Order Update" example, with ``fields`` of ``o`` replaced."""
    data = obj("usdm_ws_order_trade_update_trailing")
    data["o"].update(fields)
    return data


def test_a_position_tp_sl_with_gte_gtc_maps_as_gtc() -> None:
    # A STOP_MARKET close-position order of a position's TP/SL pair, expired because the
    # position closed (expire reason 6: "GTE condition unsatisfied").
    data = _otu(
        c="web_sl_0001",
        o="STOP_MARKET",
        ot="STOP_MARKET",
        f="GTE_GTC",
        q="0",
        sp="58000",
        x="EXPIRED",
        X="EXPIRED",
        cp=True,
        R=True,
        ps="BOTH",
        er="6",
    )
    order, fill = m.order_trade_update(decode(s.OrderTradeUpdateEvent, data), USDM)
    assert fill is None
    assert order.type is OrderType.STOP_MARKET
    assert order.time_in_force is None  # market-type: no time in force shown
    assert order.status is OrderStatus.EXPIRED
    assert order.stop_price == Decimal("58000")
    assert order.reduce_only is True
    assert order.client_order_id == "web_sl_0001"


def test_a_rest_order_with_gte_gtc_maps() -> None:
    data = obj("usdm_order_query") | {
        "type": "TAKE_PROFIT",
        "origType": "TAKE_PROFIT",
        "timeInForce": "GTE_GTC",
        "status": "NEW",
        "executedQty": "0",
        "avgPrice": "0",
        "stopPrice": "61000",
    }
    order = m.usdm_order(decode(s.UsdmOrder, data), USDM)
    assert order.type is OrderType.TAKE_PROFIT_LIMIT
    assert order.time_in_force is TimeInForce.GTC
    assert order.post_only is False
    assert order.status is OrderStatus.OPEN
    assert order.average_fill_price is None


@pytest.mark.parametrize("status", ["NEW_INSURANCE", "NEW_ADL"])
def test_liquidation_orders_of_the_older_docs_are_open(status: str) -> None:
    data = _otu(c="autoclose-1596107620040000020", o="LIQUIDATION", ot="LIQUIDATION", f="IOC")
    data["o"].update(x="NEW", X=status, sp="0", p="9000.5")
    order, fill = m.order_trade_update(decode(s.OrderTradeUpdateEvent, data), USDM)
    assert fill is None
    assert order.status is OrderStatus.OPEN
    assert order.type is OrderType.MARKET
    assert order.client_order_id.startswith("autoclose-")


def test_a_liquidation_execution_is_a_fill_with_fee_and_pnl() -> None:
    data = _otu(c="autoclose-1596107620040000020", o="LIQUIDATION", ot="LIQUIDATION", f="IOC")
    data["o"].update(
        x="CALCULATED", X="FILLED", q="0.010", z="0.010", l="0.010", L="9000.5", ap="9000.5",
        n="0.45002500", N="USDT", t=99001, m=False, rp="-12.3", ps="LONG",
    )  # fmt: skip
    order, fill = m.order_trade_update(decode(s.OrderTradeUpdateEvent, data), USDM)
    assert order.status is OrderStatus.FILLED
    assert order.remaining_quantity == 0
    assert order.average_fill_price == Decimal("9000.5")
    assert order.position_side is PositionSide.LONG
    assert fill is not None
    assert (fill.trade_id, fill.price, fill.quantity) == (
        "99001",
        Decimal("9000.5"),
        Decimal("0.010"),
    )
    assert (fill.fee, fill.fee_asset, fill.realized_pnl) == (
        Decimal("0.45002500"),
        "USDT",
        Decimal("-12.3"),
    )


def test_an_order_update_without_commission_fields_maps_with_zero_fee() -> None:
    # "N"/"n": "will not push if no commission" (BFD Event: Order Update).
    data = _otu(o="LIMIT", ot="LIMIT", f="GTX", p="60000", x="TRADE", X="PARTIALLY_FILLED")
    data["o"].update(q="0.002", z="0.001", l="0.001", L="60000", ap="60000", t=7, m=True)
    del data["o"]["N"], data["o"]["n"]
    order, fill = m.order_trade_update(decode(s.OrderTradeUpdateEvent, data), USDM)
    assert order.post_only is True
    assert order.remaining_quantity == Decimal("0.001")
    assert fill is not None
    assert (fill.fee, fill.fee_asset, fill.is_maker) == (Decimal(0), None, True)


def test_an_unknown_time_in_force_is_a_mapping_error_at_its_path() -> None:
    data = _otu(f="GTK")
    with pytest.raises(MappingError) as info:
        decode(s.OrderTradeUpdateEvent, data)
    assert info.value.path == "$.o.f"


# -- spot executionReport ------------------------------------------------------------------


def test_an_execution_report_with_a_null_original_client_id_maps() -> None:
    data = obj("spot_ws_execution_report_new") | {"C": None}
    order, fill = m.execution_report(decode(s.ExecutionReport, data), SPOT)
    assert fill is None
    assert order.client_order_id == "mUvoqJxFIILMdfAW5iGSOW"


def test_a_self_trade_prevention_expiry_maps_as_expired_without_a_fill() -> None:
    # BSD user-data-stream.md: x=TRADE_PREVENTION carries the prevented match (u, v, U, A, B).
    data = obj("spot_ws_execution_report_new") | {
        "x": "TRADE_PREVENTION",
        "X": "EXPIRED_IN_MATCH",
        "V": "EXPIRE_TAKER",
        "u": 1,
        "v": 2,
        "U": 17,
        "A": "1.00000000",
        "B": "0.10264410",
        "t": -1,
    }
    order, fill = m.execution_report(decode(s.ExecutionReport, data), SPOT)
    assert fill is None
    assert order.status is OrderStatus.EXPIRED
    assert order.remaining_quantity == 0


@pytest.mark.parametrize(
    ("wire_type", "tif", "otype", "post_only"),
    [
        ("LIMIT_MAKER", "GTC", OrderType.LIMIT, True),
        ("STOP_LOSS_LIMIT", "GTC", OrderType.STOP_LIMIT, False),
        ("TAKE_PROFIT_LIMIT", "FOK", OrderType.TAKE_PROFIT_LIMIT, False),
        ("STOP_LOSS", "GTC", OrderType.STOP_MARKET, False),
        ("TAKE_PROFIT", "GTC", OrderType.TAKE_PROFIT_MARKET, False),
    ],
)
def test_execution_reports_of_every_conditional_spot_type_map(
    wire_type: str, tif: str, otype: OrderType, post_only: bool
) -> None:
    data = obj("spot_ws_execution_report_new") | {"o": wire_type, "f": tif, "P": "0.1"}
    data["X"] = "PENDING_NEW" if wire_type.startswith("STOP") else "NEW"
    order, _ = m.execution_report(decode(s.ExecutionReport, data), SPOT)
    assert (order.type, order.post_only) == (otype, post_only)
    assert order.stop_price == Decimal("0.1")
    assert order.status is OrderStatus.OPEN
    assert order.time_in_force == (TimeInForce(tif.lower()) if otype.has_limit_price else None)


# -- futures user data: ACCOUNT_UPDATE and ALGO_UPDATE --------------------------------------


def test_a_funding_fee_account_update_with_no_positions_maps() -> None:
    # BFD: "If the asset change does not come with any position change, P returns []";
    # a balance row may lack "bc". Older pushes omit "P" altogether.
    data = {
        "e": "ACCOUNT_UPDATE",
        "E": 1603093193284,
        "T": 1603093193280,
        "a": {"m": "FUNDING_FEE", "B": [{"a": "USDT", "wb": "94.91018561", "cw": "93.70831461"}]},
    }
    ev = decode(s.UsdmAccountUpdateEvent, data)
    assert m.account_update_positions(ev, USDM) == []
    (balance,) = m.account_update_balances(ev)
    assert (balance.asset, balance.free, balance.total) == (
        "USDT",
        Decimal("93.70831461"),
        Decimal("94.91018561"),
    )
    assert balance.locked == Decimal("1.20187100")


def test_a_cross_position_in_account_update_maps() -> None:
    data = obj("usdm_ws_account_update")
    data["a"]["P"] = [
        {"s": "BTCUSDT", "pa": "-0.010", "ep": "60000.0", "bep": "60010", "cr": "0",
         "up": "1.5", "mt": "cross", "iw": "0", "ps": "BOTH", "ma": "USDT"},
    ]  # fmt: skip
    (pos,) = m.account_update_positions(decode(s.UsdmAccountUpdateEvent, data), USDM)
    assert (pos.side, pos.quantity, pos.margin_mode) == (
        PositionSide.SHORT,
        Decimal("0.010"),
        MarginMode.CROSS,
    )


def _algo_update(**fields: Any) -> dict[str, Any]:
    o = {
        "caid": "Q5xaq5EGKgXXa0fD7fs0Ip", "aid": 2148719, "at": "CONDITIONAL", "o": "STOP_MARKET",
        "s": "BTCUSDT", "S": "SELL", "ps": "BOTH", "f": "GTC", "q": "0.010", "X": "NEW",
        "ai": "", "ap": "", "aq": "", "act": "", "tp": "58000", "p": "", "V": "EXPIRE_MAKER",
        "wt": "CONTRACT_PRICE", "pm": "NONE", "cp": False, "pP": False, "R": True, "tt": 0,
        "gtd": 0,
    }  # fmt: skip
    o.update(fields)
    return {"e": "ALGO_UPDATE", "T": 1750515742297, "E": 1750515742303, "o": o}


def test_an_algo_update_with_empty_strings_for_unused_numbers_maps() -> None:
    order = m.algo_update(decode(s.AlgoUpdateEvent, _algo_update()), USDM)
    assert order.type is OrderType.STOP_MARKET
    assert order.status is OrderStatus.OPEN
    assert (order.price, order.average_fill_price) == (None, None)
    assert order.stop_price == Decimal("58000")
    assert (order.quantity, order.filled_quantity) == (Decimal("0.010"), 0)
    assert order.reduce_only is True


def test_a_triggered_and_finished_algo_update_carries_the_engine_fill_state() -> None:
    data = _algo_update(X="FINISHED", ai=8886774, ap="57990.1", aq="0.010", act="MARKET")
    order = m.algo_update(decode(s.AlgoUpdateEvent, data), USDM)
    assert order.status is OrderStatus.UNKNOWN  # filled or cancelled: Binance does not say
    assert order.filled_quantity == Decimal("0.010")
    assert order.average_fill_price == Decimal("57990.1")


def test_an_algo_update_with_numbers_as_json_numbers_maps_exactly() -> None:
    data = _algo_update(q=1, tp=58000, p="")
    order = m.algo_update(decode(s.AlgoUpdateEvent, data), USDM)
    assert (order.quantity, order.stop_price) == (Decimal(1), Decimal(58000))


@pytest.mark.parametrize(
    ("field", "value"), [("tp", "abc"), ("aq", "1.2.3"), ("p", "NaN"), ("q", "Infinity")]
)
def test_a_malformed_algo_update_number_names_its_path(field: str, value: str) -> None:
    ev = decode(s.AlgoUpdateEvent, _algo_update(**{field: value}))
    with pytest.raises(MappingError) as info:
        m.algo_update(ev, USDM)
    assert info.value.path == f"$.o.{field}"
    assert info.value.raw is ev


# -- futures REST algo orders ------------------------------------------------------------------


def test_empty_algo_prices_decode_and_a_trailing_algo_order_maps() -> None:
    # REST example: the fields an order type does not use are "" (activatePrice etc.).
    data = obj("usdm_algo_order") | {"orderType": "STOP_MARKET", "price": "", "triggerPrice": "1"}
    order = m.usdm_algo_order(decode(s.UsdmAlgoOrder, data), USDM)
    assert (order.type, order.price, order.stop_price) == (OrderType.STOP_MARKET, None, Decimal(1))
    trailing = data | {
        "orderType": "TRAILING_STOP_MARKET",
        "triggerPrice": "",
        "activatePrice": "61000",
        "callbackRate": "1.5",
    }
    order = m.usdm_algo_order(decode(s.UsdmAlgoOrder, trailing), USDM)
    assert (order.type, order.price, order.stop_price) == (OrderType.STOP_MARKET, None, None)


def test_a_close_position_algo_order_without_quantity_maps_with_zero() -> None:
    data = obj("usdm_algo_order") | {
        "orderType": "STOP_MARKET",
        "closePosition": True,
        "quantity": "",
        "price": "0",
        "triggerPrice": "580",
    }
    order = m.usdm_algo_order(decode(s.UsdmAlgoOrder, data), USDM)
    assert order.quantity == 0
    assert order.stop_price == Decimal("580")
    assert order.price is None


def test_a_malformed_algo_order_price_names_its_path() -> None:
    raw = decode(s.UsdmAlgoOrder, obj("usdm_algo_order") | {"triggerPrice": "7 50"})
    with pytest.raises(MappingError) as info:
        m.usdm_algo_order(raw, USDM)
    assert info.value.path == "$.triggerPrice"


# -- exchangeInfo: every filter type, and symbols without trading rules ---------------------

_SPOT_FILTERS: list[dict[str, Any]] = [
    # BSD filters.md, one example of each symbol filter.
    {"filterType": "PRICE_FILTER", "minPrice": "0.00000100", "maxPrice": "100000.00000000",
     "tickSize": "0.00000100"},
    {"filterType": "PERCENT_PRICE", "multiplierUp": "1.3000", "multiplierDown": "0.7000",
     "avgPriceMins": 5},
    {"filterType": "PERCENT_PRICE_BY_SIDE", "bidMultiplierUp": "1.2", "bidMultiplierDown": "0.2",
     "askMultiplierUp": "5", "askMultiplierDown": "0.8", "avgPriceMins": 1},
    {"filterType": "LOT_SIZE", "minQty": "0.00100000", "maxQty": "100000.00000000",
     "stepSize": "0.00100000"},
    {"filterType": "MIN_NOTIONAL", "minNotional": "0.00100000", "applyToMarket": True,
     "avgPriceMins": 5},
    {"filterType": "NOTIONAL", "minNotional": "10.00000000", "applyMinToMarket": False,
     "maxNotional": "10000.00000000", "applyMaxToMarket": False, "avgPriceMins": 5},
    {"filterType": "ICEBERG_PARTS", "limit": 10},
    {"filterType": "MARKET_LOT_SIZE", "minQty": "0.00100000", "maxQty": "100000.00000000",
     "stepSize": "0.00100000"},
    {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 25},
    {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
    {"filterType": "MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": 5},
    {"filterType": "MAX_POSITION", "maxPosition": "10.00000000"},
    {"filterType": "TRAILING_DELTA", "minTrailingAboveDelta": 10, "maxTrailingAboveDelta": 2000,
     "minTrailingBelowDelta": 10, "maxTrailingBelowDelta": 2000},
    {"filterType": "MAX_NUM_ORDER_AMENDS", "maxNumOrderAmends": 10},
    {"filterType": "MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 20},
    {"filterType": "A_FILTER_ADDED_NEXT_YEAR", "someValue": "1", "nested": {"x": [1, 2]}},
]  # fmt: skip


def _spot_symbol(symbol: str, status: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
    base, quote = symbol[:3], symbol[3:]
    return {
        "symbol": symbol, "status": status, "baseAsset": base, "baseAssetPrecision": 8,
        "quoteAsset": quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"], "icebergAllowed": True,
        "isSpotTradingAllowed": True, "filters": filters, "permissions": [],
        "permissionSets": [["SPOT", "MARGIN"]], "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER"],
    }  # fmt: skip


def test_a_spot_symbol_with_every_documented_filter_type_maps() -> None:
    info = {
        "timezone": "UTC",
        "serverTime": 1565246363776,
        "rateLimits": [],
        "exchangeFilters": [{"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 1000}],
        "symbols": [_spot_symbol("ETHBTC", "TRADING", _SPOT_FILTERS)],
        "sors": [{"baseAsset": "BTC", "symbols": ["BTCUSDT", "BTCUSDC"]}],
    }
    (inst,) = m.spot_instruments(decode(s.SpotExchangeInfo, info))
    assert (inst.symbol, inst.kind, inst.active) == ("ETH/BTC", MarketKind.SPOT, True)
    assert (inst.tick_size, inst.step_size) == (Decimal("0.000001"), Decimal("0.001"))
    assert inst.min_notional == Decimal("10")  # NOTIONAL wins over the legacy MIN_NOTIONAL
    assert inst.max_notional == Decimal("10000")
    assert (inst.min_price, inst.max_price) == (Decimal("0.000001"), Decimal("100000"))


def test_a_halted_symbol_without_rules_is_left_out_but_a_trading_one_fails() -> None:
    good = _spot_symbol("ETHBTC", "TRADING", _SPOT_FILTERS)
    gone = _spot_symbol("XYZBTC", "BREAK", [])
    info = {"symbols": [gone, good]}
    assert [i.symbol for i in m.spot_instruments(decode(s.SpotExchangeInfo, info))] == ["ETH/BTC"]
    broken = _spot_symbol("XYZBTC", "TRADING", [_SPOT_FILTERS[3]])
    with pytest.raises(MappingError) as info_err:
        m.spot_instruments(decode(s.SpotExchangeInfo, {"symbols": [good, broken]}))
    assert info_err.value.path == "$.symbols[1].filters"


def test_futures_filters_and_contract_types_map() -> None:
    info = obj("usdm_exchange_info")
    template = info["symbols"][0]
    stock = template | {
        "symbol": "TSLAUSDT",
        "pair": "TSLAUSDT",
        "baseAsset": "TSLA",
        "contractType": "TRADIFI_PERPETUAL",
    }
    settled = template | {"symbol": "OLDUSDT", "pair": "OLDUSDT", "baseAsset": "OLD",
                          "contractType": "", "status": "SETTLING", "filters": []}  # fmt: skip
    info["symbols"] = [template, stock, settled]
    out = {i.symbol: i for i in m.usdm_instruments(decode(s.UsdmExchangeInfo, info))}
    assert "TSLA/USDT:USDT" in out
    assert out["TSLA/USDT:USDT"].kind is MarketKind.PERPETUAL
    assert not any(i.exchange_symbol == "OLDUSDT" for i in out.values())


# -- numbers as JSON numbers -----------------------------------------------------------------


def test_order_numbers_sent_as_json_numbers_map_exactly() -> None:
    data = obj("spot_order_query") | {"price": 0.1, "origQty": 1, "executedQty": 0}
    order = m.spot_order(decode(s.SpotOrder, data), SPOT)
    assert order.price == Decimal("0.1")
    assert order.quantity == Decimal(1)


@settings(max_examples=100, deadline=None)
@given(digits=st.integers(0, 10**15), places=st.integers(0, 12), as_number=st.booleans())
def test_any_decimal_algo_trigger_price_round_trips_exactly(
    digits: int, places: int, as_number: bool
) -> None:
    text = format(Decimal(digits).scaleb(-places), "f")
    value: Any = int(text) if as_number and places == 0 else text
    order = m.algo_update(decode(s.AlgoUpdateEvent, _algo_update(tp=value)), USDM)
    if digits == 0:
        assert order.stop_price is None  # "0" is Binance's "not set"
    else:
        assert order.stop_price is not None
        assert order.stop_price.as_tuple() == Decimal(text).as_tuple()


def test_a_fractional_json_number_on_an_algo_field_is_refused_not_floated() -> None:
    raw = json.dumps(_algo_update(tp="X")).replace('"tp": "X"', '"tp": 58000.5').encode()
    with pytest.raises(MappingError) as info:
        decoder(s.AlgoUpdateEvent, exchange="binance")(raw)
    assert info.value.path == "$.o.tp"


def test_side_of_a_hedge_short_position_risk_row_is_short_even_when_flat() -> None:
    row = obj("usdm_position_risk_hedge")[0] | {"positionSide": "SHORT", "positionAmt": "0"}
    pos = m.position_from_risk(decode(s.UsdmPositionRisk, row), USDM)
    assert pos.side is PositionSide.SHORT
    assert pos.quantity == 0


# -- tickers of a symbol with an empty book --------------------------------------------------


def test_an_empty_book_side_in_a_24h_ticker_is_no_quote_not_zero() -> None:
    data = obj("spot_ticker_24hr") | {"bidPrice": "0.00000000", "bidQty": "0.00000000"}
    ticker = m.spot_ticker(decode(s.SpotTicker24h, data), SPOT)
    assert (ticker.bid, ticker.bid_size) == (None, None)
    assert ticker.ask == Decimal(obj("spot_ticker_24hr")["askPrice"])
    event = obj("spot_ws_ticker") | {"a": "0.00000000", "A": "0.00000000"}
    live = m.ticker_from_event(decode(s.Ticker24hEvent, event), SPOT)
    assert (live.ask, live.ask_size) == (None, None)
    assert live.bid == Decimal(obj("spot_ws_ticker")["b"])


def test_an_execution_report_without_a_commission_asset_key_maps() -> None:
    data = obj("spot_ws_execution_report_new")
    del data["N"]
    order, _ = m.execution_report(decode(s.ExecutionReport, data), SPOT)
    assert order.status is OrderStatus.OPEN


def test_a_futures_cancel_of_a_partly_filled_order_averages_from_cum_quote() -> None:
    # BFD Cancel Order response: no avgPrice, but cumQuote and executedQty.
    data = obj("usdm_order_cancel") | {"executedQty": "0.004", "cumQty": "0.004",
                                       "cumQuote": "240.02"}  # fmt: skip
    del data["avgPrice"]
    order = m.usdm_order(decode(s.UsdmOrder, data), USDM)
    assert order.status is OrderStatus.CANCELLED
    assert order.filled_quantity == Decimal("0.004")
    assert order.average_fill_price == Decimal("60005")
    assert order.remaining_quantity == 0
    nothing = obj("usdm_order_cancel")
    del nothing["avgPrice"]
    assert m.usdm_order(decode(s.UsdmOrder, nothing), USDM).average_fill_price is None


# -- non-finite numbers: they decode as decimals, they must not leak arithmetic errors ------

_NUMERIC_CASES: list[tuple[str, type[Any], Any, list[str]]] = [
    ("spot_order_full", s.SpotOrder, lambda r: m.spot_placement(r, SPOT),
     ["origQty", "executedQty", "cummulativeQuoteQty", "price"]),
    ("usdm_order_query", s.UsdmOrder, lambda r: m.usdm_order(r, USDM),
     ["origQty", "executedQty", "avgPrice", "cumQuote"]),
    ("spot_ws_execution_report_trade", s.ExecutionReport, lambda r: m.execution_report(r, SPOT),
     ["q", "z", "Z", "l"]),
    ("usdm_ws_order_trade_update_trade", s.OrderTradeUpdateEvent,
     lambda r: m.order_trade_update(r, USDM), ["o.q", "o.z", "o.ap"]),
    ("spot_account", s.SpotAccount, m.spot_balances, ["balances.0.free", "balances.0.locked"]),
    ("usdm_position_risk_oneway", list[s.UsdmPositionRisk],
     lambda r: m.positions_from_risk(r, USDM), ["0.positionAmt"]),
    ("usdm_balance", list[s.UsdmBalance], m.usdm_balances, ["0.balance", "0.availableBalance"]),
    ("usdm_ws_account_update", s.UsdmAccountUpdateEvent, m.account_update_balances,
     ["a.B.0.wb", "a.B.0.cw"]),
]  # fmt: skip


def _set(data: Any, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data[int(key)] if isinstance(data, list) else data[key]
    data[int(last) if isinstance(data, list) else last] = value


@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("fixture", "schema", "mapper", "fields"),
    _NUMERIC_CASES,
    ids=[case[0] for case in _NUMERIC_CASES],
)
def test_non_finite_numbers_map_or_raise_a_mapping_error_never_a_bare_error(
    fixture: str, schema: type[Any], mapper: Any, fields: list[str], text: str
) -> None:
    for field in fields:
        data = obj(fixture)
        _set(data, field, text)
        error: MappingError | None = None
        try:
            mapper(decode(schema, data))
        except MappingError as exc:
            error = exc
        assert error is None or error.raw is not None


def test_a_signalling_nan_quantity_is_a_mapping_error_carrying_the_payload() -> None:
    raw = decode(s.UsdmOrder, obj("usdm_order_query") | {"origQty": "sNaN"})
    with pytest.raises(MappingError) as info:
        m.usdm_order(raw, USDM)
    assert info.value.raw is raw
