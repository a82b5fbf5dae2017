"""Public market data is present, consistent and sane."""

from __future__ import annotations

from contract_tests.venues import Venue
from exchangekit import parse_symbol


async def test_instruments_load_with_sane_filters(venue: Venue) -> None:
    instruments = await venue.client.load_instruments()
    assert venue.symbol in instruments
    for symbol, inst in instruments.items():
        assert inst.symbol == symbol
        parsed = parse_symbol(symbol)
        assert (inst.base, inst.quote, inst.settle) == (parsed.base, parsed.quote, parsed.settle)
        assert inst.kind is parsed.kind
        assert inst.tick_size > 0, symbol
        assert inst.step_size > 0, symbol
        assert inst.min_quantity >= 0 and inst.min_notional >= 0
        assert inst.contract_size > 0
        if inst.max_quantity is not None:
            assert inst.max_quantity > inst.min_quantity
        assert inst.exchange_symbol


async def test_ticker_has_bid_below_ask(venue: Venue) -> None:
    ticker = await venue.client.get_ticker(venue.symbol)
    assert ticker.symbol == venue.symbol
    assert ticker.bid is not None and ticker.ask is not None
    assert 0 < ticker.bid < ticker.ask
    assert ticker.timestamp_ms > 1_500_000_000_000


async def test_candles_are_sorted_and_consistent(venue: Venue) -> None:
    interval = "1m"
    assert interval in venue.client.capabilities.candle_intervals
    candles = await venue.client.get_candles(venue.symbol, interval, limit=20)
    assert 1 <= len(candles) <= 20
    opens = [c.open_ms for c in candles]
    assert opens == sorted(opens) and len(set(opens)) == len(opens)
    for c in candles:
        assert c.symbol == venue.symbol and c.interval == interval
        assert c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high
        assert c.volume >= 0
        assert c.open_ms % 60_000 == 0


async def test_order_book_levels_are_sorted_best_first(venue: Venue) -> None:
    book = await venue.client.get_order_book(venue.symbol, depth=20)
    assert book.symbol == venue.symbol
    assert book.bids and book.asks
    assert len(book.bids) <= 20 and len(book.asks) <= 20
    bid_prices = [p for p, _ in book.bids]
    ask_prices = [p for p, _ in book.asks]
    assert bid_prices == sorted(bid_prices, reverse=True)
    assert ask_prices == sorted(ask_prices)
    assert bid_prices[0] < ask_prices[0]
    assert all(q > 0 for _, q in book.bids + book.asks)


async def test_streamed_book_is_consistent_with_the_rest_snapshot(venue: Venue) -> None:
    stream = venue.client.stream_order_book(venue.symbol, 20)
    try:
        for _ in range(3):
            book = await _next(stream)
            assert book.bids and book.asks
            assert book.bids[0][0] < book.asks[0][0]
    finally:
        await stream.aclose()  # type: ignore[attr-defined]


async def _next(stream: object) -> object:
    import asyncio

    return await asyncio.wait_for(stream.__anext__(), 10)  # type: ignore[attr-defined]


async def test_venue_market_kind_is_declared_in_capabilities(venue: Venue) -> None:
    assert parse_symbol(venue.symbol).kind in venue.client.capabilities.market_kinds
