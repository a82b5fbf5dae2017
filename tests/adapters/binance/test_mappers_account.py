"""Balances and positions: Binance account payloads -> unified models."""

from decimal import Decimal

from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s

from exchangekit import MarginMode, PositionSide

from ._payloads import load, usdm_symbols

D = Decimal
USDM = usdm_symbols()


def test_spot_account_balances_skip_zero_rows_unless_asked() -> None:
    account = load("spot_account", s.SpotAccount)
    balances = {b.asset: b for b in m.spot_balances(account)}
    assert set(balances) == {"BTC", "LTC", "BNB"}
    bnb = balances["BNB"]
    assert (bnb.free, bnb.locked, bnb.total) == (D("1.5"), D("0.25"), D("1.75"))
    assert len(m.spot_balances(account, include_zero=True)) == 4


def test_outbound_account_position_maps_changed_balances() -> None:
    (eth,) = m.account_position_balances(
        load("spot_ws_outbound_account_position", s.OutboundAccountPosition)
    )
    assert (eth.asset, eth.free, eth.locked, eth.total) == ("ETH", D("10000"), D("0"), D("10000"))


def test_balance_update_is_a_delta_with_its_asset() -> None:
    event = load("spot_ws_balance_update", s.BalanceUpdateEvent)
    assert (event.a, event.d, event.T) == ("BTC", D("100"), 1573200697068)


def test_futures_account_assets_use_available_margin_and_margin_balance() -> None:
    balances = {b.asset: b for b in m.usdm_account_balances(load("usdm_account", s.UsdmAccount))}
    usdt = balances["USDT"]
    assert (usdt.free, usdt.locked, usdt.total) == (D("22.22469206"), D("2"), D("24.22469206"))


def test_futures_balance_rows_split_wallet_into_available_and_the_rest() -> None:
    (usdt,) = m.usdm_balances(load("usdm_balance", list[s.UsdmBalance]))
    assert (usdt.asset, usdt.free, usdt.total) == ("USDT", D("23.72469206"), D("122607.35137903"))
    assert usdt.locked == D("122607.35137903") - D("23.72469206")


def test_account_update_balances_use_wallet_and_cross_wallet() -> None:
    usdt, busd = m.account_update_balances(load("usdm_ws_account_update", s.UsdmAccountUpdateEvent))
    assert (usdt.asset, usdt.free, usdt.total) == ("USDT", D("100.12345678"), D("122624.12345678"))
    assert usdt.locked == D("122524")
    assert (busd.free, busd.locked, busd.total) == (D("0"), D("1"), D("1"))


def test_one_way_position_side_comes_from_the_sign_of_position_amt() -> None:
    rows = load("usdm_position_risk_oneway", list[s.UsdmPositionRisk])
    long_, short = m.positions_from_risk(rows, USDM)
    assert (long_.symbol, long_.side, long_.quantity) == (
        "ADA/USDT:USDT",
        PositionSide.LONG,
        D("30"),
    )
    assert (long_.entry_price, long_.mark_price, long_.unrealized_pnl) == (
        D("0.385"),
        D("0.4104759"),
        D("0.764277"),
    )
    assert long_.liquidation_price is None  # "0": no liquidation price
    assert long_.margin_mode is MarginMode.CROSS and long_.leverage is None
    assert (short.side, short.quantity, short.signed_quantity) == (
        PositionSide.SHORT,
        D("1"),
        D("-1"),
    )
    assert short.margin_mode is MarginMode.ISOLATED
    assert short.liquidation_price == D("2260.5675721")
    assert short.timestamp_ms == 1708943511656


def test_flat_rows_are_skipped_unless_asked_and_map_to_the_both_slot() -> None:
    rows = load("usdm_position_risk_oneway", list[s.UsdmPositionRisk])
    assert len(m.positions_from_risk(rows, USDM)) == 2
    flat = m.positions_from_risk(rows, USDM, include_flat=True)[2]
    assert (flat.symbol, flat.side, flat.quantity, flat.timestamp_ms) == (
        "BNB/USDT:USDT",
        PositionSide.BOTH,
        D("0"),
        None,
    )


def test_hedge_mode_position_side_comes_from_the_slot() -> None:
    rows = load("usdm_position_risk_hedge", list[s.UsdmPositionRisk])
    long_, short = m.positions_from_risk(rows, USDM)
    assert (long_.side, long_.quantity) == (PositionSide.LONG, D("30"))
    assert (short.side, short.quantity) == (PositionSide.SHORT, D("1"))


def test_account_update_positions_include_flat_slots() -> None:
    flat, long_, short = m.account_update_positions(
        load("usdm_ws_account_update", s.UsdmAccountUpdateEvent), USDM
    )
    assert (flat.side, flat.quantity) == (PositionSide.BOTH, D("0"))
    assert (long_.side, long_.quantity, long_.entry_price, long_.unrealized_pnl) == (
        PositionSide.LONG, D("20"), D("6563.665"), D("2850.212"))  # fmt: skip
    assert (short.side, short.quantity, short.margin_mode) == (
        PositionSide.SHORT,
        D("10"),
        MarginMode.ISOLATED,
    )
    assert short.timestamp_ms == 1564745798938


def test_listen_key_response_decodes() -> None:
    assert load("usdm_listen_key", s.ListenKey).listenKey.startswith("pqia91ma")
