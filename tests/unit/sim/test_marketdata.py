"""Market data: seeded and reproducible, consistent books, deltas, candles, replayed files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from exchangekit import OrderStatus, Side
from exchangekit.sim import (
    BookDeltaEvent,
    MarketSpec,
    MarketTickEvent,
    Recorded,
    SimEvent,
    SimExchange,
    TradeEvent,
    default_markets,
)
from tests.unit.sim.conftest import SPOT, check_ground_truth, order, spot_instrument

D = Decimal
MINUTE = 60_000


def session(seed: int) -> tuple[list[object], bytes]:
    """Two simulated minutes on the default markets with a few orders; what was seen."""
    sim = SimExchange(seed=seed, markets=default_markets(), history_minutes=30)
    a = sim.create_account("a", balances={"USDT": 10_000}, taker_fee="0.001")
    seen: list[object] = []
    for second in range(0, 120, 5):
        sim.step(sim.now_ms + 5_000)
        seen += [sim.ticker(s) for s in sim.instruments]
        if second == 30:
            sim.place_order(a, order("buy", "0.01", symbol="BTC/USDT", client_order_id="m1"))
            bid = sim.ticker("ETH/USDT").bid
            assert bid is not None
            sim.place_order(
                a, order("buy", "0.5", str(bid), symbol="ETH/USDT", client_order_id="l1")
            )
    seen += [sim.candles(s, "1m", limit=40) for s in sim.instruments]
    seen += [sim.trades(s) for s in sim.instruments]
    seen += [sim.book(s) for s in sim.instruments]
    return seen, sim.record.encode()


def test_same_seed_gives_identical_market_data_and_record() -> None:
    assert session(7) == session(7)


def test_different_seeds_give_different_markets() -> None:
    (seen_a, _), (seen_b, _) = session(7), session(8)
    assert seen_a[:3] != seen_b[:3]
    assert seen_a[-3:] != seen_b[-3:]


def test_book_deltas_rebuild_the_published_book_with_contiguous_ids() -> None:
    sim = SimExchange(seed=3, markets=default_markets(["BTC/USDT"]))
    a = sim.create_account(balances={"USDT": 10_000, "BTC": 1})
    start = sim.book(SPOT, 1000)
    local = {Side.BUY: dict(start.bids), Side.SELL: dict(start.asks)}
    deltas: list[BookDeltaEvent] = []
    sim.subscribe(lambda e: deltas.append(e), kinds=[BookDeltaEvent])  # type: ignore[arg-type]
    for k in range(20):
        sim.step(sim.now_ms + 750)
        touch = sim.book(SPOT, 1)
        if k % 3 == 0:
            sim.place_order(a, order("buy", "0.01", str(touch.bids[0][0] - D(5))))
        if k % 5 == 0:
            sim.place_order(a, order("sell", "0.2"))
        if k % 7 == 0:
            sim.cancel_all(a)
    previous = start.sequence
    for delta in deltas:
        assert delta.prev_update_id == previous
        assert delta.first_update_id == previous + 1 if previous is not None else True
        assert delta.last_update_id - delta.first_update_id + 1 == len(delta.bids + delta.asks)
        previous = delta.last_update_id
        for side, levels in ((Side.BUY, delta.bids), (Side.SELL, delta.asks)):
            for price, quantity in levels:
                if quantity:
                    local[side][price] = quantity
                else:
                    del local[side][price]
    end = sim.book(SPOT, 1000)
    assert end.sequence == previous
    assert sorted(local[Side.BUY].items(), reverse=True) == end.bids
    assert sorted(local[Side.SELL].items()) == end.asks
    assert len(deltas) >= 20


def test_candles_are_aligned_closed_and_aggregate_consistently() -> None:
    sim = SimExchange(seed=5, markets=default_markets(["BTC/USDT"]), start_ms=1_700_000_040_000)
    sim.step(sim.now_ms + 12 * MINUTE)
    minutes = sim.candles(SPOT, "1m")
    assert all(c.open_ms % MINUTE == 0 for c in minutes)
    assert [c.closed for c in minutes] == [True] * (len(minutes) - 1) + [False]
    for c in minutes:
        assert c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high
    for five in sim.candles(SPOT, "5m"):
        inside = [c for c in minutes if five.open_ms <= c.open_ms < five.open_ms + 5 * MINUTE]
        assert five.high == max(c.high for c in inside)
        assert five.low == min(c.low for c in inside)
        assert five.volume == sum((c.volume for c in inside), D(0))
        assert (five.open, five.close) == (inside[0].open, inside[-1].close)
    later = sim.candles(SPOT, "1m", start_ms=minutes[3].open_ms, limit=2)
    assert later == minutes[3:5]


def test_candles_up_to_an_end_without_a_start_page_backwards() -> None:
    """``end_ms`` alone answers the ``limit`` candles ending there (how clients page back)."""
    sim = SimExchange(seed=3, markets=default_markets(["BTC/USDT"]), history_minutes=600)
    every = sim.candles(SPOT, "1m", limit=1000)
    end = every[-200].open_ms
    page = sim.candles(SPOT, "1m", end_ms=end, limit=50)
    assert page == every[-249:-199]
    fives = sim.candles(SPOT, "5m", limit=1000)
    back = sim.candles(SPOT, "5m", end_ms=fives[-10].open_ms + 1, limit=7)
    assert back == fives[-16:-9]
    assert sim.candles(SPOT, "1m", end_ms=every[0].open_ms - 1, limit=5) == []


def test_history_ends_where_the_live_market_starts() -> None:
    sim = SimExchange(seed=2, markets=default_markets(["ETH/USDT"]), history_minutes=120)
    candles = sim.candles("ETH/USDT", "1m", limit=1000)
    assert len(candles) == 121
    assert candles[-2].close == D(3000) == candles[-1].open
    assert candles[-2].open_ms == candles[-1].open_ms - MINUTE


def test_perpetual_follows_its_spot_market() -> None:
    sim = SimExchange(seed=9, markets=default_markets())
    sim.step(sim.now_ms + 10 * MINUTE)
    spot, perp = sim.mark_price("BTC/USDT"), sim.mark_price("BTC/USDT:USDT")
    assert spot is not None and perp is not None
    assert spot != D(60000)
    assert abs(perp / spot - 1) < D("0.002")


def test_ticker_reports_the_touch_and_day_statistics() -> None:
    sim = SimExchange(seed=4, markets=default_markets(["BTC/USDT"]), history_minutes=60)
    sim.step(sim.now_ms + 2 * MINUTE)
    ticker, book = sim.ticker(SPOT), sim.book(SPOT, 1)
    assert (ticker.bid, ticker.ask) == (book.bids[0][0], book.asks[0][0])
    assert ticker.low is not None and ticker.high is not None and ticker.last is not None
    assert ticker.low <= ticker.last <= ticker.high
    candles = sim.candles(SPOT, "1m", limit=1000)
    assert ticker.volume == sum((c.volume for c in candles), D(0))


def test_subscribers_get_only_the_symbols_and_kinds_they_asked_for() -> None:
    sim = SimExchange(seed=1, markets=default_markets())
    got: list[SimEvent] = []
    sub = sim.subscribe(got.append, kinds=[MarketTickEvent, TradeEvent], symbol="ETH/USDT")
    sim.step(sim.now_ms + 5_000)
    assert got and {getattr(e, "symbol", None) for e in got} == {"ETH/USDT"}
    assert {type(e) for e in got} == {MarketTickEvent, TradeEvent}
    sub.close()
    count = len(got)
    sim.step(sim.now_ms + 5_000)
    assert len(got) == count


def _csv(path: Path, rows: list[str]) -> Path:
    path.write_text("open_time,open,high,low,close,volume\n" + "\n".join(rows) + "\n")
    return path


def recorded_sim(path: Path) -> SimExchange:
    return SimExchange(
        markets=[MarketSpec(instrument=spot_instrument(), source=Recorded(path=str(path)))]
    )


def test_recorded_candles_replay_their_path_and_fill_orders_they_reach(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "candles.csv",
        [
            "1600000000,100.0,101.0,99.5,100.5,4",
            "1600000060,100.5,100.8,98.0,98.5,8",
            "1600000120,98.5,99.0,98.2,98.9,2",
        ],
    )
    sim = recorded_sim(path)
    a = sim.create_account(balances={"USDT": 1000})
    resting = sim.place_order(a, order("buy", "1", "98.4"))
    sim.step(sim.now_ms + 3 * MINUTE)
    assert sim.get_order(a, order_id=resting.order_id).status is OrderStatus.FILLED
    assert sim.fills(a)[0].price == D("98.4")
    trades = sim.trades(SPOT)
    # The recorded volume, plus the order the replayed book crossed on the way down.
    assert sum((t.quantity for t in trades), D(0)) == D(14) + D(1)
    assert max(t.price for t in trades) == D("101.0")
    assert min(t.price for t in trades) == D("98.0")
    assert trades[-1].price == D("98.9")
    check_ground_truth(sim)


def test_recorded_trades_replay_with_their_sides(tmp_path: Path) -> None:
    path = tmp_path / "trades.jsonl"
    rows = [
        {"timestamp": 1_600_000_000_000, "price": "100.0", "qty": "0.5", "is_buyer_maker": False},
        {"timestamp": 1_600_000_000_400, "price": "99.9", "qty": "0.2", "is_buyer_maker": True},
        {"timestamp": 1_600_000_001_000, "price": "100.2", "qty": "1", "side": "buy"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    sim = recorded_sim(path)
    sim.step(sim.now_ms + 5_000)
    trades = sim.trades(SPOT)
    assert [(t.price, t.quantity, t.side) for t in trades] == [
        (D("100.0"), D("0.5"), Side.BUY),
        (D("99.9"), D("0.2"), Side.SELL),
        (D("100.2"), D(1), Side.BUY),
    ]
    assert sim.ticker(SPOT).last == D("100.2")


def test_recorded_file_without_prices_is_refused_naming_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("time,value\n1,2\n")
    with pytest.raises(ValueError, match="value"):
        recorded_sim(path)


def test_record_round_trips_through_json_lines(tmp_path: Path) -> None:
    from exchangekit.sim import Record

    _, encoded = session(3)
    path = tmp_path / "record.jsonl"
    path.write_bytes(encoded)
    again = Record.read_jsonl(path)
    assert again.encode() == encoded
    assert len(again) == encoded.count(b"\n")
