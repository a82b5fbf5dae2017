"""Unified-account balances and linear positions."""

from decimal import Decimal

from exchangekit_bybit import mappers as m
from exchangekit_bybit import schemas as s

from exchangekit import MarginMode, PositionSide

from ._payloads import linear_symbols, load

D = Decimal


def test_wallet_balance_splits_free_and_locked_per_coin() -> None:
    balances = m.balances(load("wallet_balance", s.Envelope[s.WalletBalance]).result)
    by_asset = {b.asset: b for b in balances}
    assert set(by_asset) == {"BTC", "USDT"}  # the zero ETH row is skipped
    btc = by_asset["BTC"]
    assert (btc.total, btc.locked, btc.free) == (D("0.805994"), D("0.1"), D("0.705994"))
    # Derivatives margin held by orders and positions is locked too.
    usdt = by_asset["USDT"]
    assert (usdt.total, usdt.locked, usdt.free) == (D("5149.37"), D("182.6"), D("4966.77"))


def test_wallet_balance_keeps_zero_rows_on_request() -> None:
    result = load("wallet_balance", s.Envelope[s.WalletBalance]).result
    eth = m.balances(result, include_zero=True)[-1]
    assert (eth.asset, eth.free, eth.locked, eth.total) == ("ETH", 0, 0, 0)


def test_locked_never_exceeds_the_wallet_balance() -> None:
    coin = s.WalletCoin(coin="USDT", walletBalance=D("10"), totalPositionIM="25")
    [balance] = m.balances(
        s.WalletBalance(list=[s.WalletAccount(accountType="UNIFIED", coin=[coin])])
    )
    assert (balance.free, balance.locked, balance.total) == (0, D("10"), D("10"))


def test_positions_map_side_size_and_prices() -> None:
    result = load("linear_positions", s.Envelope[s.PositionList]).result
    long, short = m.positions(result, linear_symbols())
    assert (long.symbol, long.side, long.quantity) == (
        "BTC/USDT:USDT",
        PositionSide.LONG,
        D("0.010"),
    )
    assert (long.entry_price, long.mark_price, long.liquidation_price) == (
        D("16650.50"),
        D("16596.00"),
        D("15070.70"),
    )
    assert (long.unrealized_pnl, long.realized_pnl, long.leverage) == (
        D("-0.545"),
        D("-12.4"),
        D("10"),
    )
    assert long.margin_mode is MarginMode.CROSS
    assert long.timestamp_ms == 1697673600012
    assert (short.side, short.quantity, short.margin_mode) == (
        PositionSide.SHORT,
        D("0.50"),
        MarginMode.ISOLATED,
    )
    assert short.signed_quantity == D("-0.50")


def test_flat_one_way_position_is_skipped_unless_asked_for() -> None:
    result = load("linear_positions", s.Envelope[s.PositionList]).result
    flat = m.positions(result, linear_symbols(), include_flat=True)[-1]
    assert (flat.side, flat.quantity) == (PositionSide.BOTH, 0)
    assert (flat.entry_price, flat.liquidation_price, flat.unrealized_pnl) == (None, None, None)
