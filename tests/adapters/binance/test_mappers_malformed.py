"""Malformed payloads raise MappingError naming the bad field, never KeyError/TypeError."""

from collections.abc import Callable
from typing import Any

import pytest
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s

from exchangekit import MappingError
from exchangekit.mapping import decoder

from ._payloads import encode, obj, spot_symbols, usdm_symbols

SPOT = spot_symbols()
USDM = usdm_symbols()


def _at(data: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    for key in path[:-1]:
        data = data[key]
    return data, path[-1]


def drop(*path: Any) -> Callable[[Any], None]:
    def mutate(data: Any) -> None:
        parent, key = _at(data, path)
        del parent[key]

    return mutate


def put(value: Any, *path: Any) -> Callable[[Any], None]:
    def mutate(data: Any) -> None:
        parent, key = _at(data, path)
        parent[key] = value

    return mutate


# (fixture, wire type, mapper or None, mutation, expected path)
CASES: list[tuple[str, Any, Callable[[Any], Any] | None, Callable[[Any], None], str]] = [
    (
        "spot_ticker_24hr",
        s.SpotTicker24h,
        lambda r: m.spot_ticker(r, SPOT),
        drop("lastPrice"),
        "$.lastPrice",
    ),
    (
        "spot_ticker_24hr",
        s.SpotTicker24h,
        lambda r: m.spot_ticker(r, SPOT),
        put(True, "bidQty"),
        "$.bidQty",
    ),
    (
        "spot_ticker_24hr",
        s.SpotTicker24h,
        lambda r: m.spot_ticker(r, SPOT),
        put("1e", "askPrice"),
        "$.askPrice",
    ),
    (
        "spot_ticker_24hr",
        s.SpotTicker24h,
        lambda r: m.spot_ticker(r, SPOT),
        put("DOGEBTC", "symbol"),
        "$.symbol",
    ),
    (
        "usdm_ticker_24hr",
        s.UsdmTicker24h,
        lambda r: m.usdm_ticker(r, USDM),
        put(None, "closeTime"),
        "$.closeTime",
    ),
    ("spot_klines", list[s.KlineRow], None, put([1499040000000, "0.1", "0.2"], 0), "$[0]"),
    ("spot_klines", list[s.KlineRow], None, put("x", 1, 4), "$[1][4]"),
    ("spot_klines", list[s.KlineRow], None, put("1499040000000", 0, 0), "$[0][0]"),
    ("spot_depth", s.DepthSnapshot, None, put(["4.0"], "bids", 1), "$.bids[1]"),
    ("spot_depth", s.DepthSnapshot, None, put(["4.0", {}], "asks", 0), "$.asks[0][1]"),
    ("spot_depth", s.DepthSnapshot, None, drop("lastUpdateId"), "$.lastUpdateId"),
    (
        "spot_order_full",
        s.SpotOrder,
        lambda r: m.spot_order(r, SPOT),
        drop("executedQty"),
        "$.executedQty",
    ),
    (
        "spot_order_full",
        s.SpotOrder,
        lambda r: m.spot_order(r, SPOT),
        put("PARTIAL", "status"),
        "$.status",
    ),
    (
        "spot_order_full",
        s.SpotOrder,
        lambda r: m.spot_order(r, SPOT),
        put("ICEBERG", "type"),
        "$.type",
    ),
    (
        "spot_order_full",
        s.SpotOrder,
        lambda r: m.spot_order(r, SPOT),
        put("GTX", "timeInForce"),
        "$.timeInForce",
    ),
    ("spot_order_full", s.SpotOrder, lambda r: m.spot_order(r, SPOT), put("buy", "side"), "$.side"),
    (
        "spot_order_full",
        s.SpotOrder,
        lambda r: m.spot_fills(r, SPOT),
        put(1.5, "fills", 2, "tradeId"),
        "$.fills[2].tradeId",
    ),
    (
        "spot_order_full",
        s.SpotOrder,
        lambda r: m.spot_fills(r, SPOT),
        drop("fills", 0, "commissionAsset"),
        "$.fills[0].commissionAsset",
    ),
    (
        "spot_order_full",
        s.SpotOrder,
        lambda r: m.spot_fills(r, SPOT),
        drop("transactTime"),
        "$.transactTime",
    ),
    (
        "spot_order_query",
        s.SpotOrder,
        lambda r: m.spot_order(r, SPOT),
        put("XRPBTC", "symbol"),
        "$.symbol",
    ),
    (
        "usdm_order_query",
        s.UsdmOrder,
        lambda r: m.usdm_order(r, USDM),
        put("HALF", "positionSide"),
        "$.positionSide",
    ),
    (
        "usdm_order_query",
        s.UsdmOrder,
        lambda r: m.usdm_order(r, USDM),
        put("SUSPENDED", "status"),
        "$.status",
    ),
    (
        "usdm_order_query",
        s.UsdmOrder,
        lambda r: m.usdm_order(r, USDM),
        put("yes", "reduceOnly"),
        "$.reduceOnly",
    ),
    (
        "usdm_order_query",
        s.UsdmOrder,
        lambda r: m.usdm_order(r, USDM),
        drop("origQty"),
        "$.origQty",
    ),
    (
        "usdm_algo_order",
        s.UsdmAlgoOrder,
        lambda r: m.usdm_algo_order(r, USDM),
        put("PAUSED", "algoStatus"),
        "$.algoStatus",
    ),
    ("spot_my_trades", list[s.SpotMyTrade], None, put("12", 0, "time"), "$[0].time"),
    ("usdm_user_trades", list[s.UsdmUserTrade], None, drop(0, "realizedPnl"), "$[0].realizedPnl"),
    (
        "spot_account",
        s.SpotAccount,
        m.spot_balances,
        put(None, "balances", 1, "free"),
        "$.balances[1].free",
    ),
    (
        "usdm_balance",
        list[s.UsdmBalance],
        m.usdm_balances,
        drop(0, "availableBalance"),
        "$[0].availableBalance",
    ),
    (
        "usdm_account",
        s.UsdmAccount,
        m.usdm_account_balances,
        put("1,5", "assets", 0, "marginBalance"),
        "$.assets[0].marginBalance",
    ),
    (
        "usdm_position_risk_oneway",
        list[s.UsdmPositionRisk],
        None,
        put("NET", 1, "positionSide"),
        "$[1].positionSide",
    ),
    (
        "usdm_position_risk_oneway",
        list[s.UsdmPositionRisk],
        None,
        drop(0, "positionAmt"),
        "$[0].positionAmt",
    ),
    (
        "usdm_position_risk_oneway",
        list[s.UsdmPositionRisk],
        lambda r: m.positions_from_risk(r, USDM),
        put("XYZUSDT", 0, "symbol"),
        "$.symbol",
    ),
    (
        "spot_ws_execution_report_trade",
        s.ExecutionReport,
        lambda r: m.execution_report(r, SPOT),
        put("FILL", "x"),
        "$.x",
    ),
    (
        "spot_ws_execution_report_trade",
        s.ExecutionReport,
        lambda r: m.execution_report(r, SPOT),
        drop("z"),
        "$.z",
    ),
    (
        "spot_ws_execution_report_trade",
        s.ExecutionReport,
        lambda r: m.execution_report(r, SPOT),
        put("BTCETH", "s"),
        "$.s",
    ),
    (
        "usdm_ws_order_trade_update_trade",
        s.OrderTradeUpdateEvent,
        lambda r: m.order_trade_update(r, USDM),
        put("PARTIAL", "o", "X"),
        "$.o.X",
    ),
    (
        "usdm_ws_order_trade_update_trade",
        s.OrderTradeUpdateEvent,
        lambda r: m.order_trade_update(r, USDM),
        drop("o", "ap"),
        "$.o.ap",
    ),
    (
        "usdm_ws_order_trade_update_trade",
        s.OrderTradeUpdateEvent,
        lambda r: m.order_trade_update(r, USDM),
        put("ETHUSDT", "o", "s"),
        "$.o.s",
    ),
    (
        "usdm_ws_account_update",
        s.UsdmAccountUpdateEvent,
        None,
        put("portfolio", "a", "P", 1, "mt"),
        "$.a.P[1].mt",
    ),
    (
        "usdm_ws_account_update",
        s.UsdmAccountUpdateEvent,
        lambda r: m.account_update_positions(r, USDM),
        put("ZZZUSDT", "a", "P", 2, "s"),
        "$.a.P[2].s",
    ),
    ("spot_ws_depth_update", s.DepthUpdateEvent, None, put("depthDiff", "e"), "$.e"),
    ("spot_ws_kline", s.KlineEvent, None, drop("k", "x"), "$.k.x"),
    ("spot_ws_trade", s.TradeEvent, None, put("0.1", "m"), "$.m"),
    (
        "spot_ws_outbound_account_position",
        s.OutboundAccountPosition,
        None,
        drop("B", 0, "l"),
        "$.B[0].l",
    ),
    ("ws_api_response_error", s.WsApiResponse, None, put("-2010", "error", "code"), "$.error.code"),
    (
        "spot_exchange_info",
        s.SpotExchangeInfo,
        m.spot_instruments,
        drop("symbols", 0, "filters", 0),
        "$.symbols[0].filters",
    ),
    (
        "spot_exchange_info",
        s.SpotExchangeInfo,
        m.spot_instruments,
        drop("symbols", 1, "filters", 1, "stepSize"),
        "$.symbols[1].filters",
    ),
    (
        "spot_exchange_info",
        s.SpotExchangeInfo,
        None,
        drop("symbols", 2, "filters", 0, "filterType"),
        "$.symbols[2].filters[0].filterType",
    ),
    (
        "usdm_exchange_info",
        s.UsdmExchangeInfo,
        m.usdm_instruments,
        put(None, "symbols", 1, "deliveryDate"),
        "$.symbols[1].deliveryDate",
    ),
    (
        "usdm_exchange_info",
        s.UsdmExchangeInfo,
        None,
        drop("symbols", 0, "marginAsset"),
        "$.symbols[0].marginAsset",
    ),
]


@pytest.mark.parametrize(
    ("fixture", "wire", "mapper", "mutate", "path"),
    CASES,
    ids=[f"{c[0]}:{c[4]}" for c in CASES],
)
def test_malformed_payload_raises_mapping_error_with_the_path(
    fixture: str,
    wire: Any,
    mapper: Callable[[Any], Any] | None,
    mutate: Callable[[Any], None],
    path: str,
) -> None:
    data = obj(fixture)
    mutate(data)
    raw = encode(data)
    with pytest.raises(MappingError) as info:
        decoded = decoder(wire, exchange="binance")(raw)
        assert mapper is not None, "the decoder accepted a payload this test calls malformed"
        mapper(decoded)
    assert info.value.path == path
    assert info.value.exchange == "binance"
    assert info.value.raw is not None


@pytest.mark.parametrize("junk", [b"", b"{", b"null", b"[]", b'"text"', b"<html>502</html>"])
def test_non_json_or_wrong_shape_bodies_are_mapping_errors(junk: bytes) -> None:
    with pytest.raises(MappingError) as info:
        decoder(s.SpotOrder, exchange="binance")(junk)
    assert info.value.raw == junk
