"""A small order far from the market goes through its whole life, observably."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from contract_tests.helpers import resting_order
from contract_tests.venues import Venue
from exchangekit import (
    DuplicateClientOrderId,
    Order,
    OrderNotFound,
    OrderStatus,
    new_client_order_id,
)


async def _instrument_and_ticker(venue: Venue):  # type: ignore[no-untyped-def]
    instruments = await venue.client.load_instruments()
    return instruments[venue.symbol], await venue.client.get_ticker(venue.symbol)


async def test_resting_order_is_found_listed_cancelled_and_reported(venue: Venue) -> None:
    inst, ticker = await _instrument_and_ticker(venue)
    request = resting_order(inst, ticker)
    placed = await venue.client.place_order(request)
    assert placed.client_order_id == request.client_order_id
    assert placed.status is OrderStatus.OPEN
    assert placed.quantity == request.quantity and placed.price == request.price
    assert placed.filled_quantity == 0 and placed.remaining_quantity == request.quantity

    found = await venue.client.get_order(venue.symbol, client_order_id=request.client_order_id)
    assert found.order_id == placed.order_id
    by_id = await venue.client.get_order(venue.symbol, order_id=placed.order_id)
    assert by_id.client_order_id == request.client_order_id

    open_orders = await venue.client.get_open_orders(venue.symbol)
    assert placed.order_id in {o.order_id for o in open_orders}

    cancelled = await venue.client.cancel_order(
        venue.symbol, client_order_id=request.client_order_id
    )
    assert cancelled.order_id == placed.order_id
    assert cancelled.status is OrderStatus.CANCELLED
    after = await venue.client.get_order(venue.symbol, order_id=placed.order_id)
    assert after.status is OrderStatus.CANCELLED
    assert placed.order_id not in {
        o.order_id for o in await venue.client.get_open_orders(venue.symbol)
    }


async def test_private_stream_delivers_the_orders_updates(venue: Venue) -> None:
    inst, ticker = await _instrument_and_ticker(venue)
    request = resting_order(inst, ticker)
    updates: list[Order] = []
    done = asyncio.Event()

    async def consume() -> None:
        async for order in venue.client.stream_orders():
            if order.client_order_id == request.client_order_id:
                updates.append(order)
                if order.status is OrderStatus.CANCELLED:
                    done.set()
                    return

    consumer = asyncio.create_task(consume())
    try:
        await asyncio.sleep(0.5)  # let the private subscription come up before acting
        await venue.client.place_order(request)
        await venue.client.cancel_order(venue.symbol, client_order_id=request.client_order_id)
        await asyncio.wait_for(done.wait(), 15)
    finally:
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
    statuses = [u.status for u in updates]
    assert statuses[-1] is OrderStatus.CANCELLED
    assert OrderStatus.OPEN in statuses
    assert statuses.index(OrderStatus.OPEN) < statuses.index(OrderStatus.CANCELLED)


async def test_reusing_a_client_order_id_is_refused_as_duplicate(venue: Venue) -> None:
    inst, ticker = await _instrument_and_ticker(venue)
    request = resting_order(inst, ticker)
    first = await venue.client.place_order(request)
    with pytest.raises(DuplicateClientOrderId) as info:
        await venue.client.place_order(request)
    assert info.value.client_order_id == request.client_order_id
    same = [
        o
        for o in await venue.client.get_open_orders(venue.symbol)
        if o.client_order_id == request.client_order_id
    ]
    assert [o.order_id for o in same] == [first.order_id]


async def test_unknown_client_order_id_is_not_found(venue: Venue) -> None:
    with pytest.raises(OrderNotFound):
        await venue.client.get_order(venue.symbol, client_order_id=new_client_order_id())


async def test_cancel_all_cancels_every_open_order(venue: Venue) -> None:
    inst, ticker = await _instrument_and_ticker(venue)
    placed = [await venue.client.place_order(resting_order(inst, ticker)) for _ in range(2)]
    cancelled = await venue.client.cancel_all_orders(venue.symbol)
    assert {o.order_id for o in placed} <= {o.order_id for o in cancelled}
    assert all(o.status is OrderStatus.CANCELLED for o in cancelled)
    assert await venue.client.get_open_orders(venue.symbol) == []
