"""Differential test: our unified results against ccxt 4.5.90's parsing of the same payloads.

Markets are set offline with ``set_markets`` (hand-written market dicts, no network). ccxt
keeps OKX's **contracts** as its amounts on swaps (``amount``, ``filled``, ``contracts``,
ticker sizes); ours are base units. So every swap size is compared as
``ours == ccxt * contractSize``: that is the contract <-> base conversion under test.
Where the two differ otherwise, the difference is asserted explicitly, so a change on
either side shows up:

1. Swap ticker volume: ccxt's ``baseVolume`` is ``vol24h``, which OKX counts in contracts
   for swaps; ours is ``volCcy24h`` (base). ccxt unit mix-up; spot volumes agree.
2. Fill time: ccxt uses ``ts`` (when OKX generated the record); ours uses ``fillTime``
   (when the trade happened). Ours follows the docs' meaning of each field.
3. Position time: ccxt reports ``cTime`` (position opened); ours ``uTime`` (last update),
   the time the reported numbers are valid at.
4. Candles: ccxt keeps OKX's newest-first order; ours are oldest first. Same rows.
5. Partially filled: ccxt folds it into ``open``; mapped before comparing.
"""

from decimal import Decimal
from typing import Any

import ccxt
import pytest
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s

from exchangekit import Order, OrderStatus

from ._payloads import load, obj, symbols

SYMBOLS = symbols()
CCXT_STATUS = {
    OrderStatus.OPEN: "open",
    OrderStatus.PARTIALLY_FILLED: "open",
    OrderStatus.FILLED: "closed",
    OrderStatus.CANCELLED: "canceled",
}


def _market(
    symbol: str, market_id: str, base: str, *, contract_size: float | None = None
) -> dict[str, Any]:
    spot = contract_size is None
    return {
        "id": market_id, "symbol": symbol, "base": base, "quote": "USDT",
        "settle": None if spot else "USDT", "baseId": base, "quoteId": "USDT",
        "settleId": None if spot else "USDT", "type": "spot" if spot else "swap",
        "spot": spot, "margin": False, "swap": not spot, "future": False, "option": False,
        "active": True, "contract": not spot, "linear": None if spot else True,
        "inverse": None if spot else False, "contractSize": contract_size,
        "expiry": None, "expiryDatetime": None, "strike": None, "optionType": None,
        "precision": {"amount": 1e-8, "price": 1e-8},
        "limits": {k: {"min": None, "max": None} for k in ("amount", "price", "cost", "leverage")},
        "info": {},
    }  # fmt: skip


@pytest.fixture(scope="module")
def okx() -> Any:
    exchange = ccxt.okx()
    exchange.set_markets(
        [
            _market("BTC/USDT", "BTC-USDT", "BTC"),
            _market("BTC/USDT:USDT", "BTC-USDT-SWAP", "BTC", contract_size=0.01),
            _market("ETH/USDT:USDT", "ETH-USDT-SWAP", "ETH", contract_size=0.1),
        ]
    )
    return exchange


def same(ours: Decimal | None, theirs: float | int | None, factor: Decimal = Decimal(1)) -> bool:
    """Numerically equal after scaling ccxt's contracts by ``factor`` (fixtures are
    float-exact)."""
    if ours is None or theirs is None:
        return ours is None and theirs is None
    return Decimal(repr(theirs)) * factor == ours


def _factor(symbol: str) -> Decimal:
    return SYMBOLS.instrument(symbol).contract_size


def assert_same_order(ours: Order, theirs: dict[str, Any]) -> None:
    factor = _factor(ours.symbol)
    assert ours.symbol == theirs["symbol"]
    assert ours.order_id == theirs["id"]
    assert ours.client_order_id == theirs["clientOrderId"]
    assert ours.side.value == theirs["side"]
    assert CCXT_STATUS[ours.status] == theirs["status"]
    assert same(ours.quantity, theirs["amount"], factor)
    assert same(ours.filled_quantity, theirs["filled"], factor)
    assert same(ours.average_fill_price, theirs["average"])
    assert ours.post_only == bool(theirs["postOnly"])  # ccxt: None for market orders
    assert ours.reduce_only == theirs["reduceOnly"]
    assert ours.created_ms == theirs["timestamp"]
    assert ours.updated_ms == theirs["lastUpdateTimestamp"]
    if ours.price is not None:
        assert same(ours.price, theirs["price"])


@pytest.mark.parametrize(
    "fixture", ["order_spot", "orders_pending_swap", "order_swap_market_filled"]
)
def test_orders_agree_with_ccxt_in_base_units(okx: Any, fixture: str) -> None:
    ours = m.orders(load(fixture, s.Envelope[s.Order]), SYMBOLS)
    for mine, row in zip(ours, obj(fixture)["data"], strict=True):
        assert_same_order(mine, okx.parse_order(row))


def test_spot_ticker_agrees_with_ccxt(okx: Any) -> None:
    ours = m.ticker(load("ticker_spot", s.Envelope[s.Ticker]), SYMBOLS)
    theirs = okx.parse_ticker(obj("ticker_spot")["data"][0])
    for mine, key in [
        (ours.bid, "bid"), (ours.bid_size, "bidVolume"), (ours.ask, "ask"),
        (ours.ask_size, "askVolume"), (ours.last, "last"), (ours.open, "open"),
        (ours.high, "high"), (ours.low, "low"), (ours.volume, "baseVolume"),
        (ours.quote_volume, "quoteVolume"),
    ]:  # fmt: skip
        assert same(mine, theirs[key]), key
    assert ours.timestamp_ms == theirs["timestamp"]


def test_swap_ticker_sizes_agree_after_contract_conversion(okx: Any) -> None:
    ours = m.ticker(load("ticker_swap", s.Envelope[s.Ticker]), SYMBOLS)
    theirs = okx.parse_ticker(obj("ticker_swap")["data"][0])
    factor = _factor("BTC/USDT:USDT")
    assert same(ours.bid_size, theirs["bidVolume"], factor)
    assert same(ours.ask_size, theirs["askVolume"], factor)
    assert same(ours.last, theirs["last"])
    # Difference 1: ccxt's baseVolume is vol24h, contracts on swaps.
    assert same(Decimal(obj("ticker_swap")["data"][0]["vol24h"]), theirs["baseVolume"])
    assert ours.volume == Decimal(obj("ticker_swap")["data"][0]["volCcy24h"])


def test_fills_agree_with_ccxt_except_the_time_field(okx: Any) -> None:
    ours = m.fills(load("fills", s.Envelope[s.Fill]), SYMBOLS)
    for mine, row in zip(ours, obj("fills")["data"], strict=True):
        theirs = okx.parse_trade(row)
        assert (mine.symbol, mine.trade_id, mine.order_id, mine.side.value) == (
            theirs["symbol"],
            theirs["id"],
            theirs["order"],
            theirs["side"],
        )
        assert same(mine.price, theirs["price"])
        assert same(mine.quantity, theirs["amount"], _factor(mine.symbol))
        assert same(mine.fee, theirs["fee"]["cost"])
        assert mine.fee_asset == theirs["fee"]["currency"]
        assert mine.is_maker == (theirs["takerOrMaker"] == "maker")
        # Difference 2: fillTime (ours) vs ts (ccxt).
        assert mine.timestamp_ms == int(row["fillTime"])
        assert theirs["timestamp"] == int(row["ts"])


def test_positions_agree_with_ccxt_in_base_units(okx: Any) -> None:
    ours = m.positions(load("positions", s.Envelope[s.Position]), SYMBOLS, include_flat=True)
    for mine, row in zip(ours, obj("positions")["data"], strict=True):
        theirs = okx.parse_position(row)
        assert mine.symbol == theirs["symbol"]
        assert mine.side.value == theirs["side"]
        assert same(mine.quantity, theirs["contracts"], Decimal(repr(theirs["contractSize"])))
        assert same(mine.entry_price, theirs["entryPrice"])
        assert same(mine.mark_price, theirs["markPrice"])
        assert same(mine.unrealized_pnl, theirs["unrealizedPnl"])
        assert same(mine.leverage, theirs["leverage"])
        assert same(mine.liquidation_price, theirs["liquidationPrice"])
        assert mine.margin_mode is not None
        assert mine.margin_mode.value == theirs["marginMode"]
        # Difference 3: uTime (ours) vs cTime (ccxt).
        assert mine.timestamp_ms == int(row["uTime"])
        assert theirs["timestamp"] == int(row["cTime"])


@pytest.mark.parametrize(
    ("fixture", "symbol"), [("candles_spot", "BTC/USDT"), ("candles_swap", "BTC/USDT:USDT")]
)
def test_candles_agree_with_ccxt_in_reverse_order(okx: Any, fixture: str, symbol: str) -> None:
    ours = m.candles(load(fixture, s.Envelope[s.Candle]), symbol, "1m", SYMBOLS)
    theirs = [okx.parse_ohlcv(row, okx.market(symbol)) for row in obj(fixture)["data"]]
    theirs.reverse()  # difference 4
    for mine, (ts, o, h, low, c, v) in zip(ours, theirs, strict=True):
        assert mine.open_ms == ts
        assert all(same(a, b) for a, b in [(mine.open, o), (mine.high, h), (mine.low, low)])
        assert same(mine.close, c)
        assert same(mine.volume, v)
