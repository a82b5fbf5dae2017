from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import Instrument, MappingError, OrderBook
from exchangekit.book import BookNotReady, LocalBook
from tests.unit.book.reference import RefBook, same, ticks, trimmed

D = Decimal


def written(units: int, scale: int, style: str) -> str:
    text = ticks(units, scale)
    if style == "trimmed":
        return trimmed(text)
    if style == "padded":
        return text + "00" if "." in text else text + ".00"
    if style == "exponent":
        return f"{units}e-{scale}"
    return text


styles = st.sampled_from(["fixed", "fixed", "fixed", "trimmed", "padded", "exponent"])
prices = st.builds(
    written, st.integers(1, 400), st.sampled_from([2, 2, 2, 2, 3, 4]), styles
)  # mostly tick 0.01, sometimes finer: the book must widen its scale, never round
quantities = st.builds(
    written,
    st.one_of(st.just(0), st.integers(1, 10**6)),
    st.sampled_from([3, 3, 3, 5]),
    styles,
)
levels = st.lists(st.tuples(prices, quantities), max_size=12)
updates = st.lists(st.tuples(levels, levels), max_size=25)


@settings(max_examples=150, deadline=None)
@given(snapshot=st.tuples(levels, levels), deltas=updates, keep_text=st.booleans())
def test_the_book_matches_a_decimal_reference_after_any_updates(
    snapshot: tuple[list[tuple[str, str]], list[tuple[str, str]]],
    deltas: list[tuple[list[tuple[str, str]], list[tuple[str, str]]]],
    keep_text: bool,
) -> None:
    book = LocalBook("X/Y", keep_text=keep_text)
    ref = RefBook()
    book.apply_snapshot(*snapshot)
    ref.apply(*snapshot)
    assert same(book, ref)
    for bids, asks in deltas:
        book.apply_delta(bids, asks)
        ref.apply(bids, asks)

        assert same(book, ref)  # both sides sorted best first, every level equal
        assert book.best_bid() == (ref.sorted_bids()[0] if ref.bids else None)
        assert book.best_ask() == (ref.sorted_asks()[0] if ref.asks else None)
        top = book.top(3)
        assert top.bids == ref.sorted_bids()[:3]
        assert top.asks == ref.sorted_asks()[:3]
        crossed = bool(ref.bids and ref.asks and max(ref.bids) >= min(ref.asks))
        assert book.is_crossed is crossed


@given(deltas=updates)
def test_formatted_level_strings_carry_the_exact_values(
    deltas: list[tuple[list[tuple[str, str]], list[tuple[str, str]]]],
) -> None:
    book = LocalBook("X/Y")
    book.apply_snapshot([], [])
    for bids, asks in deltas:
        book.apply_delta(bids, asks)
    bid_strings, ask_strings = book.level_strings(50)

    assert [(D(p), D(q)) for p, q in bid_strings] == book.bids(50)
    assert [(D(p), D(q)) for p, q in ask_strings] == book.asks(50)
    assert all(len(p.partition(".")[2]) == book.price_scale for p, _ in bid_strings + ask_strings)


def test_original_strings_are_the_last_ones_the_exchange_sent() -> None:
    book = LocalBook("X/Y", keep_text=True)
    book.apply_snapshot([["3366.1", "7"], ["3366", "6"]], [["3366.8", "9"]])
    book.apply_delta([["3366.0", "1.10"]], [])

    assert book.level_strings(25, original=True) == (
        [("3366.1", "7"), ("3366.0", "1.10")],
        [("3366.8", "9")],
    )
    assert book.level_strings(25) == (
        [("3366.1", "7.00"), ("3366.0", "1.10")],
        [("3366.8", "9.00")],
    )


def test_original_strings_need_keep_text() -> None:
    book = LocalBook("X/Y")
    book.apply_snapshot([["1", "1"]], [])
    with pytest.raises(ValueError, match="keep_text"):
        book.level_strings(10, original=True)


def test_a_finer_price_widens_the_scale_exactly() -> None:
    book = LocalBook("X/Y", price_scale=2, quantity_scale=3)
    book.apply_snapshot([["100.25", "1.000"]], [["100.50", "2.000"]])
    book.apply_delta([["100.255", "0.5"]], [["100.5000001", "3.0000001"]])

    assert (book.price_scale, book.quantity_scale) == (7, 7)
    assert book.bids() == [(D("100.255"), D("0.5")), (D("100.25"), D("1"))]
    assert book.asks() == [(D("100.5"), D("2")), (D("100.5000001"), D("3.0000001"))]


def test_scales_come_from_the_instrument() -> None:
    instrument = Instrument(
        symbol="BTC/USDT",
        exchange_symbol="BTCUSDT",
        base="BTC",
        quote="USDT",
        tick_size=D("0.10"),
        step_size=D("0.001"),
    )
    book = LocalBook.for_instrument(instrument)
    assert (book.price_scale, book.quantity_scale) == (1, 3)
    book.apply_snapshot([["67000.1", "0.002"]], [])
    assert book.best_bid() == (D("67000.1"), D("0.002"))
    assert str(book.best_bid()[1]) == "0.002"  # type: ignore[index]


def test_reads_return_decimals_at_the_book_scale() -> None:
    book = LocalBook("X/Y")
    book.apply_snapshot([["0.00240000", "10.00000000"]], [["0.00250000", "1.50000000"]])

    bid = book.best_bid()
    assert bid == (D("0.0024"), D("10"))
    assert all(isinstance(value, Decimal) for value in bid)
    assert str(bid[0]) == "0.00240000"


def test_top_is_an_order_book_with_the_sequence_and_times() -> None:
    book = LocalBook("BTC/USDT")
    book.apply_snapshot(
        [["10", "1"], ["9", "2"], ["8", "3"]],
        [["11", "1"]],
        sequence=7,
        timestamp_ms=1000,
        received_ms=1001,
    )
    book.apply_delta([["10", "0"]], [], sequence=8, timestamp_ms=1100)

    top = book.top(1)
    assert isinstance(top, OrderBook)
    assert top == OrderBook(
        symbol="BTC/USDT",
        bids=[(D(9), D(2))],
        asks=[(D(11), D(1))],
        sequence=8,
        timestamp_ms=1100,
        received_ms=1001,
    )


def test_max_depth_keeps_the_best_levels_only() -> None:
    book = LocalBook("X/Y", max_depth=2)
    book.apply_snapshot([["1", "1"], ["2", "1"], ["3", "1"]], [["7", "1"], ["5", "1"], ["6", "1"]])
    assert [p for p, _ in book.bids()] == [3, 2]
    assert [p for p, _ in book.asks()] == [5, 6]

    book.apply_delta([["4", "1"]], [["4.5", "1"]])

    assert [p for p, _ in book.bids()] == [4, 3]
    assert [p for p, _ in book.asks()] == [D("4.5"), 5]


def test_an_unsynced_book_refuses_reads_and_deltas() -> None:
    book = LocalBook("X/Y")
    with pytest.raises(BookNotReady):
        book.best_bid()
    with pytest.raises(BookNotReady):
        book.apply_delta([["1", "1"]], [])

    book.apply_snapshot([["1", "1"]], [["2", "1"]])
    assert book.best_bid() == (D(1), D(1))
    book.invalidate()

    assert not book.is_valid
    assert len(book) == 0
    with pytest.raises(BookNotReady):
        book.top(5)
    with pytest.raises(BookNotReady):
        book.best_ask()


def test_a_repeated_best_level_read_sees_a_new_quantity_at_the_same_price() -> None:
    book = LocalBook("X/Y")
    book.apply_snapshot([["10", "1"]], [["11", "1"]])
    assert book.best_bid() == (D(10), D(1))

    book.apply_delta([["10", "2"]], [["11", "3"]])

    assert book.best_bid() == (D(10), D(2))
    assert book.best_ask() == (D(11), D(3))


def test_an_empty_side_has_no_best_level() -> None:
    book = LocalBook("X/Y")
    book.apply_snapshot([], [["2", "1"]])
    assert book.best_bid() is None
    assert not book.is_crossed


@pytest.mark.parametrize("bad", ["-1.000", "abc", "1.2.345"])
def test_a_malformed_quantity_is_a_mapping_error(bad: str) -> None:
    book = LocalBook("X/Y", quantity_scale=3)
    book.apply_snapshot([], [])
    with pytest.raises(MappingError):
        book.apply_delta([["1.00", bad]], [])


def test_a_malformed_level_invalidates_the_half_applied_book() -> None:
    book = LocalBook("X/Y")
    book.apply_snapshot([["1", "1"]], [])
    with pytest.raises(MappingError):
        book.apply_delta([["2", "1"], ["3", "x"]], [])
    assert not book.is_valid


def test_a_malformed_price_is_a_mapping_error() -> None:
    book = LocalBook("X/Y")
    book.apply_snapshot([], [])
    with pytest.raises(MappingError):
        book.apply_delta([["-5", "1"]], [])


def test_okx_levels_with_extra_fields_are_read_by_price_and_size() -> None:
    book = LocalBook("BTC/USDT")
    book.apply_snapshot([["8476.98", "415", "0", "13"]], [["8477", "7", "0", "2"]])
    assert book.best_bid() == (D("8476.98"), D(415))
    assert book.best_ask() == (D(8477), D(7))
