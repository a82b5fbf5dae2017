"""Every public mapper also takes its payload as parsed JSON (``json.loads``) or JSON text,
with the same result as the decoded struct, and malformed input still ends in a
``MappingError`` with the field's path (never an ``AttributeError``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s

from exchangekit import MappingError
from tests.adapters.binance._payloads import load, obj, raw, spot_symbols, usdm_symbols

SPOT = spot_symbols()
USDM = usdm_symbols()

# (payload, its wire schema, the mapper called with the payload first)
CASES: list[tuple[str, Any, Callable[[Any], object]]] = [
    ("spot_order_full", s.SpotOrder, lambda p: m.spot_order(p, SPOT)),
    ("spot_order_result", s.SpotOrder, lambda p: m.spot_order(p, SPOT)),
    ("spot_order_full", s.SpotOrder, lambda p: m.spot_placement(p, SPOT)),
    ("spot_order_full", s.SpotOrder, lambda p: m.spot_fills(p, SPOT)),
    ("spot_open_orders", list[s.SpotOrder], lambda p: [m.spot_order(r, SPOT) for r in p]),
    ("spot_cancel_all", list[s.SpotCancelAllItem], lambda p: m.spot_cancel_all(p, SPOT)),
    ("spot_my_trades", list[s.SpotMyTrade], lambda p: [m.spot_trade(r, SPOT) for r in p]),
    ("spot_ticker_24hr", s.SpotTicker24h, lambda p: m.spot_ticker(p, SPOT)),
    ("spot_klines", list[s.KlineRow], lambda p: m.candles(p, "BTC/USDT", "1m", now_ms=0)),
    ("spot_depth", s.DepthSnapshot, lambda p: m.order_book(p, "BTC/USDT")),
    ("spot_account", s.SpotAccount, lambda p: m.spot_balances(p)),
    ("spot_exchange_info", s.SpotExchangeInfo, lambda p: m.spot_instruments(p)),
    ("usdm_order_query", s.UsdmOrder, lambda p: m.usdm_order(p, USDM)),
    ("usdm_algo_order", s.UsdmAlgoOrder, lambda p: m.usdm_algo_order(p, USDM)),
    ("usdm_user_trades", list[s.UsdmUserTrade], lambda p: [m.usdm_trade(r, USDM) for r in p]),
    ("usdm_position_risk_hedge", list[s.UsdmPositionRisk],
     lambda p: m.positions_from_risk(p, USDM, include_flat=True)),
    ("usdm_balance", list[s.UsdmBalance], lambda p: m.usdm_balances(p)),
    ("usdm_account", s.UsdmAccount, lambda p: m.usdm_account_balances(p)),
    ("usdm_exchange_info", s.UsdmExchangeInfo, lambda p: m.usdm_instruments(p)),
    ("usdm_ticker_24hr", s.UsdmTicker24h, lambda p: m.usdm_ticker(p, USDM)),
    ("spot_ws_execution_report_trade", s.ExecutionReport,
     lambda p: m.execution_report(p, SPOT)),
    ("usdm_ws_order_trade_update_trade", s.OrderTradeUpdateEvent,
     lambda p: m.order_trade_update(p, USDM)),
    ("usdm_ws_account_update", s.UsdmAccountUpdateEvent,
     lambda p: m.account_update_positions(p, USDM)),
    ("spot_ws_outbound_account_position", s.OutboundAccountPosition,
     lambda p: m.account_position_balances(p)),
    ("spot_ws_trade", s.TradeEvent | s.AggTradeEvent, lambda p: m.trade_from_event(p, SPOT)),
    ("spot_ws_kline", s.KlineEvent, lambda p: m.candle_from_event(p, SPOT)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "schema", "mapper"), CASES, ids=[c[0] for c in CASES])
def test_parsed_json_maps_like_the_decoded_struct(
    name: str, schema: Any, mapper: Callable[[Any], object]
) -> None:
    expected = mapper(load(name, schema))
    assert mapper(obj(name)) == expected
    if not isinstance(obj(name), list):  # a list of rows is mapped row by row above
        assert mapper(raw(name)) == expected
        assert mapper(raw(name).decode()) == expected


@pytest.mark.parametrize(
    ("mapper", "payload", "path"),
    [
        (lambda p: m.spot_order(p, SPOT), {**obj("spot_order_full"), "side": "UP"}, "$.side"),
        (lambda p: m.usdm_order(p, USDM), {"symbol": "BTCUSDT"}, "$.orderId"),
        (lambda p: m.spot_ticker(p, SPOT), [1, 2], "$"),
        (lambda p: m.order_book(p, "BTC/USDT"), None, "$"),
        (lambda p: m.positions_from_risk(p, USDM), [{"symbol": "BTCUSDT"}], "$[0].positionSide"),
        (
            lambda p: m.candles(p, "BTC/USDT", "1m", now_ms=0),
            [[1, "x", "1", "1", "1", "1", 2, "1", 3, "1", "1", "0"]],
            "$[0][1]",
        ),
    ],
)
def test_malformed_parsed_json_is_a_mapping_error_with_the_path(
    mapper: Callable[[Any], object], payload: Any, path: str
) -> None:
    with pytest.raises(MappingError) as info:
        mapper(payload)
    assert info.value.path == path
    assert info.value.exchange == "binance"
