"""Property tests: every rule catches injected faults, and the resynced book is the truth."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchangekit.book import BookEventKind
from tests.unit.book.driver import DUPLICATE, SKIP, SWAP, Driver, delivery_order
from tests.unit.book.reference import FLAVORS, make_feed, same

N_EVENTS = 40
WARMUP = 6

fault_kinds = st.sampled_from([SKIP, DUPLICATE, SWAP])
# (kind, position counted from the first event after the synced warm-up, duplicate distance)
fault = st.tuples(fault_kinds, st.integers(1, N_EVENTS - WARMUP - 12), st.integers(0, 4))
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


async def play(driver: Driver, faults: list[tuple[str, int, int]]) -> list[int]:
    """Warm up to a synced book, then deliver the rest with faults after its position."""
    await driver.start()
    for k in range(1, WARMUP + 1):
        await driver.deliver(k)
    await driver.settle()
    base = max(driver.cursor, driver.position())  # a snapshot may be ahead of the stream
    placed = [(kind, base + position, distance) for kind, position, distance in faults]
    for k in delivery_order(base + 1, N_EVENTS, placed):
        await driver.deliver(k)
    await driver.settle()
    return [position for _, position, _ in placed]


@pytest.mark.parametrize("flavor", list(FLAVORS))
@fast
@given(
    seed=st.integers(0, 2**32 - 1),
    injected=fault,
    fetch_delay=st.integers(0, 4),
    offset=st.integers(-3, 3),
)
async def test_an_injected_fault_is_detected_and_the_book_resyncs_to_the_truth(
    flavor: str, seed: int, injected: tuple[str, int, int], fetch_delay: int, offset: int
) -> None:
    feed = make_feed(FLAVORS[flavor], seed, N_EVENTS)
    driver = Driver(feed, fetch_delay=fetch_delay, offset=offset)

    [position] = await play(driver, [injected])

    kinds = driver.kinds()
    detected = {BookEventKind.GAP, BookEventKind.STALE_SNAPSHOT, BookEventKind.CHECKSUM_MISMATCH}
    kind = injected[0]
    # An OKX heartbeat (seqId == prevSeqId, no levels) changes nothing: losing or repeating
    # it is harmless. Kraken has no ids: its checksum catches the faults that change the book.
    no_op = feed.sequences[position] == feed.sequences[position - 1]
    # Swapping two heartbeats in a row swaps two identical no-ops: nothing to detect.
    next_no_op = position + 1 < len(feed.sequences) and (
        feed.sequences[position + 1] == feed.sequences[position]
    )
    harmless = no_op and (kind != SWAP or next_no_op)
    if flavor != "kraken" and not harmless:
        if kind == DUPLICATE:
            assert driver.sync.skipped > 0 or detected & set(kinds), kinds
        else:
            assert detected & set(kinds), kinds
    assert same(driver.sync.book, feed.states[-1])
    assert kinds[-1] is BookEventKind.RESYNCED


@pytest.mark.parametrize("flavor", list(FLAVORS))
@fast
@given(
    seed=st.integers(0, 2**32 - 1),
    injected=st.lists(fault, max_size=4),
    fetch_delay=st.integers(0, 6),
    offset=st.integers(-4, 4),
)
async def test_a_book_under_many_faults_is_never_silently_wrong(
    flavor: str,
    seed: int,
    injected: list[tuple[str, int, int]],
    fetch_delay: int,
    offset: int,
) -> None:
    feed = make_feed(FLAVORS[flavor], seed, N_EVENTS)
    driver = Driver(feed, fetch_delay=fetch_delay, offset=offset)

    await play(driver, injected)  # checks the book after every delivery

    assert same(driver.sync.book, feed.states[-1])


@pytest.mark.parametrize("flavor", list(FLAVORS))
@fast
@given(seed=st.integers(0, 2**32 - 1), fetch_delay=st.integers(0, 8), offset=st.integers(-8, 8))
async def test_a_clean_stream_bridges_the_snapshot_and_ends_at_the_truth(
    flavor: str, seed: int, fetch_delay: int, offset: int
) -> None:
    feed = make_feed(FLAVORS[flavor], seed, N_EVENTS)
    driver = Driver(feed, fetch_delay=fetch_delay, offset=offset)
    await driver.start()

    for k in range(1, N_EVENTS + 1):
        await driver.deliver(k)
    await driver.settle()

    assert same(driver.sync.book, feed.states[-1])
    assert BookEventKind.GAP not in driver.kinds()
    assert BookEventKind.CHECKSUM_MISMATCH not in driver.kinds()
