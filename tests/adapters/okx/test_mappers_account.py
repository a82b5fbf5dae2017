"""Balances and positions: OKX's account fields in unified terms, positions in base units."""

from decimal import Decimal as D

from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s

from exchangekit import MarginMode, PositionSide

from ._payloads import load, symbols

SYMBOLS = symbols()


def test_balances_use_available_frozen_and_equity_and_skip_empty_rows() -> None:
    rows = m.balances(load("balance", s.Envelope[s.Balance]))
    assert [(b.asset, b.free, b.locked, b.total) for b in rows] == [
        ("USDT", D("1000.5"), D("200"), D("1200.5")),
        ("BTC", D("0.5"), D("0"), D("0.5")),
    ]
    everything = m.balances(load("balance", s.Envelope[s.Balance]), include_zero=True)
    assert [b.asset for b in everything] == ["USDT", "BTC", "ETH"]


def test_net_mode_short_position_is_signed_contracts_converted_to_base() -> None:
    short, long_ = m.positions(load("positions", s.Envelope[s.Position]), SYMBOLS)
    assert (short.symbol, short.side, short.quantity) == (
        "BTC/USDT:USDT",
        PositionSide.SHORT,
        D("1.00"),
    )
    assert short.signed_quantity == D("-1.00")
    assert (short.entry_price, short.mark_price, short.liquidation_price) == (
        D("51000.5"),
        D("51229.8"),
        D("56000.1"),
    )
    assert (short.unrealized_pnl, short.realized_pnl, short.leverage) == (
        D("-2.293"),
        D("-0.5"),
        D("10"),
    )
    assert (short.margin_mode, short.timestamp_ms) == (MarginMode.CROSS, 1619507761462)
    assert (long_.side, long_.quantity, long_.margin_mode) == (
        PositionSide.LONG,
        D("0.2"),
        MarginMode.ISOLATED,
    )


def test_flat_positions_are_skipped_unless_asked_for() -> None:
    rows = m.positions(load("positions", s.Envelope[s.Position]), SYMBOLS, include_flat=True)
    flat = rows[2]
    assert (flat.side, flat.quantity, flat.entry_price) == (PositionSide.SHORT, 0, None)


def test_positions_of_instruments_outside_the_map_are_left_out() -> None:
    assert m.positions(load("positions", s.Envelope[s.Position]), m.SymbolMap()) == []
