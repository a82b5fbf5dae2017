"""With a fault plan on (latency, 429s on reads, stream drops, gaps, duplicates), the
adapter absorbs the faults: the same operations still succeed."""

from __future__ import annotations

import asyncio

import pytest

from contract_tests.helpers import resting_order
from contract_tests.venues import Venue
from exchangekit import OrderStatus


@pytest.fixture
def faulty() -> bool:
    return True


async def test_reads_and_an_order_lifecycle_survive_the_fault_plan(
    venue: Venue, faulty: bool
) -> None:
    for _ in range(10):
        ticker = await venue.client.get_ticker(venue.symbol)
        assert ticker.bid is not None and ticker.ask is not None and ticker.bid < ticker.ask
        book = await venue.client.get_order_book(venue.symbol, 20)
        assert book.bids[0][0] < book.asks[0][0]
    instruments = await venue.client.load_instruments()
    request = resting_order(instruments[venue.symbol], ticker)
    placed = await venue.client.place_order(request)
    found = await venue.client.get_order(venue.symbol, client_order_id=request.client_order_id)
    assert found.order_id == placed.order_id
    cancelled = await venue.client.cancel_order(venue.symbol, order_id=placed.order_id)
    assert cancelled.status is OrderStatus.CANCELLED


async def test_streamed_book_survives_drops_gaps_and_duplicates(venue: Venue, faulty: bool) -> None:
    stream = venue.client.stream_order_book(venue.symbol, 20)
    try:
        for _ in range(30):
            book = await asyncio.wait_for(stream.__anext__(), 15)
            assert book.bids and book.asks
            assert book.bids[0][0] < book.asks[0][0]
            prices = [p for p, _ in book.bids]
            assert prices == sorted(prices, reverse=True)
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
