"""Differential test: our unified results against ccxt 4.5.90's parsing of the same payloads.

Markets are set offline with ``set_markets`` (hand-written market dicts, no network). For
price, quantity, filled, status, side, timestamps and client order id the two agree on
every payload below, except where listed here; each listed difference is asserted
explicitly, so a change on either side shows up:

1. Cancel responses (``DELETE /api/v3/order``): ccxt's ``clientOrderId`` is the id Binance
   gave the *cancel request* (``clientOrderId``); ours is the order's own id
   (``origClientOrderId``). ccxt bug: reconciling by client order id after a cancel finds
   nothing under ccxt's id.
2. Creation time: where Binance sends none (spot cancel responses, every futures place or
   cancel response), ccxt's ``timestamp`` is the transaction/update time, e.g. the cancel's
   time on a cancel. ccxt bug (a cancel time is not a creation time); ours leaves
   ``created_ms`` ``None`` and reports the time as ``updated_ms``.
3. ``PENDING_NEW`` (spot order-list legs): ccxt has no mapping and leaks the raw string as
   the status. ccxt bug; ours maps it to ``open`` (accepted, not yet working).
4. Market orders: ccxt fills ``price`` with the average fill price; ours keeps ``price``
   ``None`` (a market order has no limit price) and reports ``average_fill_price``.
   Convention difference, not a bug on either side; averages agree.
5. Remaining quantity of a cancelled/expired order: ccxt reports ``amount - filled``; ours
   reports 0 (the exchangekit contract: nothing can fill any more). Semantic difference.
6. Fills inside a FULL placement response: ccxt's trades carry no timestamp, side or order
   id; ours carry the order's (``transactTime``, ``side``, ``orderId``). ccxt gap; prices,
   quantities, fees and trade ids agree.
7. Partially filled: ccxt folds ``PARTIALLY_FILLED`` into ``open``; ours keeps
   ``partially_filled``. Mapped before comparing (unified ``partially_filled`` -> ccxt
   ``open``), not a disagreement.
"""

from decimal import Decimal
from typing import Any

import ccxt
import msgspec
import pytest
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s

from exchangekit import Order, OrderStatus, Position, Side

from ._payloads import load, obj, spot_symbols, usdm_symbols

SPOT = spot_symbols()
USDM = usdm_symbols()
CCXT_STATUS = {
    OrderStatus.OPEN: "open",
    OrderStatus.PARTIALLY_FILLED: "open",
    OrderStatus.FILLED: "closed",
    OrderStatus.CANCELLED: "canceled",
    OrderStatus.REJECTED: "rejected",
    OrderStatus.EXPIRED: "expired",
}


def _market(
    symbol: str, market_id: str, base: str, quote: str, *, settle: str | None = None
) -> dict[str, Any]:
    spot = settle is None
    return {
        "id": market_id, "symbol": symbol, "base": base, "quote": quote, "settle": settle,
        "baseId": base, "quoteId": quote, "settleId": settle, "type": "spot" if spot else "swap",
        "spot": spot, "margin": False, "swap": not spot, "future": False, "option": False,
        "active": True, "contract": not spot, "linear": None if spot else True,
        "inverse": None if spot else False, "contractSize": None if spot else 1.0,
        "expiry": None, "expiryDatetime": None, "strike": None, "optionType": None,
        "precision": {"amount": 1e-8, "price": 1e-8},
        "limits": {k: {"min": None, "max": None} for k in ("amount", "price", "cost", "leverage")},
        "info": {},
    }  # fmt: skip


@pytest.fixture(scope="module")
def spot() -> Any:
    exchange = ccxt.binance()
    exchange.set_markets([
        _market("BTC/USDT", "BTCUSDT", "BTC", "USDT"), _market("LTC/BTC", "LTCBTC", "LTC", "BTC"),
        _market("BNB/BTC", "BNBBTC", "BNB", "BTC"), _market("ETH/BTC", "ETHBTC", "ETH", "BTC"),
    ])  # fmt: skip
    return exchange


@pytest.fixture(scope="module")
def usdm() -> Any:
    exchange = ccxt.binanceusdm()
    exchange.set_markets(
        [
            _market(f"{b}/USDT:USDT", f"{b}USDT", b, "USDT", settle="USDT")
            for b in ("BTC", "ADA", "COMP", "BNB")
        ]
    )
    return exchange


def same(ours: Decimal | None, theirs: float | int | None) -> bool:
    """Numerically equal (ccxt returns floats; every fixture value is float-exact)."""
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return Decimal(repr(theirs)) == ours


def assert_same_order(ours: Order, theirs: dict[str, Any], *, check_price: bool = True) -> None:
    assert ours.symbol == theirs["symbol"]
    assert ours.order_id == theirs["id"]
    assert ours.side.value == theirs["side"]
    assert CCXT_STATUS[ours.status] == theirs["status"]
    assert same(ours.quantity, theirs["amount"])
    assert same(ours.filled_quantity, theirs["filled"])
    assert same(ours.average_fill_price, theirs["average"])
    assert same(ours.stop_price, theirs["triggerPrice"])
    assert ours.post_only == theirs["postOnly"]
    if check_price:
        assert same(ours.price, theirs["price"])


@pytest.mark.parametrize("fixture", ["spot_order_query", "spot_open_orders"])
def test_spot_queried_orders_agree_with_ccxt(spot: Any, fixture: str) -> None:
    rows = obj(fixture)
    for row in rows if isinstance(rows, list) else [rows]:
        ours = m.spot_order(msgspec.convert(row, s.SpotOrder), SPOT)
        theirs = spot.parse_order(row)
        assert_same_order(ours, theirs)
        assert ours.client_order_id == theirs["clientOrderId"]
        assert ours.created_ms == theirs["timestamp"]
        assert same(ours.remaining_quantity, theirs["remaining"])


def test_spot_full_response_agrees_except_market_price_and_fill_context(spot: Any) -> None:
    raw = obj("spot_order_full")
    wire = load("spot_order_full", s.SpotOrder)
    ours, theirs = m.spot_order(wire, SPOT), spot.parse_order(raw)
    assert_same_order(ours, theirs, check_price=False)
    assert (ours.client_order_id, ours.created_ms) == (theirs["clientOrderId"], theirs["timestamp"])
    # Difference 4: ccxt puts the average into a market order's price.
    assert ours.price is None and same(ours.average_fill_price, theirs["price"])
    fills = m.spot_fills(wire, SPOT)
    assert [f.trade_id for f in fills] == [t["id"] for t in theirs["trades"]]
    for fill, trade in zip(fills, theirs["trades"], strict=True):
        assert same(fill.price, trade["price"]) and same(fill.quantity, trade["amount"])
        assert same(fill.fee, trade["fee"]["cost"]) and fill.fee_asset == trade["fee"]["currency"]
        # Difference 6: ccxt's fills lack the order's context.
        assert (trade["timestamp"], trade["side"], trade["order"]) == (None, None, None)
        assert (fill.timestamp_ms, fill.side, fill.order_id) == (1507725176595, Side.SELL, "28")


def test_spot_cancel_response_differs_on_client_id_creation_time_and_remaining(spot: Any) -> None:
    raw = obj("spot_order_cancel")
    ours, theirs = m.spot_order(load("spot_order_cancel", s.SpotOrder), SPOT), spot.parse_order(raw)
    assert_same_order(ours, theirs)
    # Difference 1: ccxt reports the cancel request's id.
    assert (ours.client_order_id, theirs["clientOrderId"]) == ("myOrder1", "cancelMyOrder1")
    # Difference 2: ccxt calls the cancel time the creation time.
    assert (ours.created_ms, theirs["timestamp"]) == (None, 1684804350068)
    assert ours.updated_ms == theirs["lastUpdateTimestamp"]
    # Difference 5: remaining of a terminal order.
    assert (ours.remaining_quantity, theirs["remaining"]) == (Decimal(0), 1.0)


def test_pending_new_leaks_through_ccxt_but_is_open_here(spot: Any) -> None:
    raw = obj("spot_order_query") | {"status": "PENDING_NEW"}
    ours = m.spot_order(msgspec.convert(raw, s.SpotOrder), SPOT)
    # Difference 3.
    assert (ours.status, spot.parse_order(raw)["status"]) == (OrderStatus.OPEN, "PENDING_NEW")


@pytest.mark.parametrize(
    "fixture",
    ["usdm_order_new", "usdm_order_query", "usdm_order_cancel", "usdm_order_market_filled"],
)
def test_futures_orders_agree_with_ccxt(usdm: Any, fixture: str) -> None:
    raw = obj(fixture)
    ours, theirs = m.usdm_order(load(fixture, s.UsdmOrder), USDM), usdm.parse_order(raw)
    market = ours.price is None
    assert_same_order(ours, theirs, check_price=not market)
    if market:  # difference 4
        assert same(ours.average_fill_price, theirs["price"])
    assert ours.client_order_id == theirs["clientOrderId"]
    assert ours.reduce_only == theirs["reduceOnly"]
    if raw.get("time") is not None:
        assert ours.created_ms == theirs["timestamp"]
    else:  # difference 2: ccxt uses updateTime as the creation time
        assert (ours.created_ms, theirs["timestamp"]) == (None, raw["updateTime"])
    if ours.status.is_terminal and ours.filled_quantity < ours.quantity:  # difference 5
        assert ours.remaining_quantity == 0 and same(
            ours.quantity - ours.filled_quantity, theirs["remaining"]
        )
    else:
        assert same(ours.remaining_quantity, theirs["remaining"])


def test_tickers_agree_with_ccxt(spot: Any, usdm: Any) -> None:
    for exchange, ours, raw in (
        (
            spot,
            m.spot_ticker(load("spot_ticker_24hr", s.SpotTicker24h), SPOT),
            obj("spot_ticker_24hr"),
        ),
        (
            usdm,
            m.usdm_ticker(load("usdm_ticker_24hr", s.UsdmTicker24h), USDM),
            obj("usdm_ticker_24hr"),
        ),
    ):
        theirs = exchange.parse_ticker(raw)
        assert ours.symbol == theirs["symbol"]
        assert ours.timestamp_ms == theirs["timestamp"]
        pairs = [
            (ours.bid, "bid"), (ours.bid_size, "bidVolume"), (ours.ask, "ask"), (ours.ask_size, "askVolume"),
            (ours.last, "last"), (ours.open, "open"), (ours.high, "high"), (ours.low, "low"),
            (ours.volume, "baseVolume"), (ours.quote_volume, "quoteVolume"),
        ]  # fmt: skip
        for value, key in pairs:
            assert same(value, theirs[key]), key


def test_trades_agree_with_ccxt(spot: Any, usdm: Any) -> None:
    for exchange, fill, raw in (
        (
            spot,
            m.spot_trade(load("spot_my_trades", list[s.SpotMyTrade])[0], SPOT),
            obj("spot_my_trades")[0],
        ),
        (
            usdm,
            m.usdm_trade(load("usdm_user_trades", list[s.UsdmUserTrade])[0], USDM),
            obj("usdm_user_trades")[0],
        ),
    ):
        theirs = exchange.parse_trade(raw)
        assert (fill.symbol, fill.trade_id, fill.order_id) == (
            theirs["symbol"],
            theirs["id"],
            theirs["order"],
        )
        assert fill.side.value == theirs["side"]
        assert fill.timestamp_ms == theirs["timestamp"]
        assert same(fill.price, theirs["price"]) and same(fill.quantity, theirs["amount"])
        assert same(fill.fee, theirs["fee"]["cost"]) and fill.fee_asset == theirs["fee"]["currency"]
        assert ("maker" if fill.is_maker else "taker") == theirs["takerOrMaker"]


def test_candles_agree_with_ccxt(spot: Any) -> None:
    ours = m.candles(load("spot_klines", list[s.KlineRow]), "ETH/BTC", "1w", now_ms=2**62)
    theirs = spot.parse_ohlcvs(obj("spot_klines"), spot.market("ETH/BTC"))
    assert len(ours) == len(theirs)
    for candle, row in zip(ours, theirs, strict=True):
        assert candle.open_ms == row[0]
        values = (candle.open, candle.high, candle.low, candle.close, candle.volume)
        assert all(same(v, t) for v, t in zip(values, row[1:], strict=True))


def test_order_books_agree_with_ccxt(spot: Any, usdm: Any) -> None:
    for exchange, fixture, symbol in (
        (spot, "spot_depth", "BNB/BTC"),
        (usdm, "usdm_depth", "BTC/USDT:USDT"),
    ):
        raw = obj(fixture)
        ours = m.order_book(load(fixture, s.DepthSnapshot), symbol)
        theirs = exchange.parse_order_book(raw, symbol)
        theirs["nonce"] = exchange.safe_integer(raw, "lastUpdateId")  # what fetch_order_book adds
        assert ours.sequence == theirs["nonce"]
        for side in ("bids", "asks"):
            levels = getattr(ours, side)
            assert len(levels) == len(theirs[side])
            for (price, qty), (their_price, their_qty) in zip(levels, theirs[side], strict=True):
                assert same(price, their_price) and same(qty, their_qty)


@pytest.mark.parametrize("fixture", ["usdm_position_risk_oneway", "usdm_position_risk_hedge"])
def test_position_risk_agrees_with_ccxt(usdm: Any, fixture: str) -> None:
    rows = obj(fixture)
    ours: list[Position] = m.positions_from_risk(load(fixture, list[s.UsdmPositionRisk]), USDM)
    # What fetch_positions_risk keeps: rows with an entry price.
    theirs = [usdm.parse_position_risk(r) for r in rows if Decimal(r["entryPrice"]) > 0]
    assert len(ours) == len(theirs)
    for position, their in zip(ours, theirs, strict=True):
        assert position.symbol == their["symbol"]
        assert position.side.value == their["side"]
        assert same(position.quantity, their["contracts"])
        assert same(position.entry_price, their["entryPrice"])
        assert same(position.mark_price, their["markPrice"])
        assert same(position.unrealized_pnl, their["unrealizedPnl"])
        assert same(position.liquidation_price, their["liquidationPrice"])
        assert (
            position.margin_mode is not None and position.margin_mode.value == their["marginMode"]
        )
        assert position.timestamp_ms == their["timestamp"]


def test_balances_agree_with_ccxt(spot: Any, usdm: Any) -> None:
    cases = (
        (m.spot_balances(load("spot_account", s.SpotAccount), include_zero=True),
         spot.parse_balance_custom(obj("spot_account"), "spot")),
        (m.usdm_account_balances(load("usdm_account", s.UsdmAccount)),
         usdm.parse_balance_custom(obj("usdm_account"), "linear")),
        (m.usdm_balances(load("usdm_balance", list[s.UsdmBalance])),
         usdm.parse_balance_custom(obj("usdm_balance"), "linear")),
    )  # fmt: skip
    for ours, theirs in cases:
        assert ours
        for balance in ours:
            their = theirs[balance.asset]
            assert same(balance.free, their["free"])
            assert same(balance.locked, their["used"])
            assert same(balance.total, their["total"])
