"""The shared fan-out: one subscription, many readers, bad payloads dropped, slow readers shed."""

from __future__ import annotations

import asyncio

import pytest

from exchangekit.clock import SystemClock
from exchangekit.errors import MappingError
from exchangekit.ws import Subscription, SubscriptionStream
from exchangekit.ws.fanout import EventBus, Feed, Inbox


def stream() -> SubscriptionStream:
    return SubscriptionStream(
        Subscription("topic"),
        clock=SystemClock(),
        max_queued=1000,
        dedupe_window=16,
        on_close=lambda s: None,
        on_fresh=lambda: None,
        on_overflow=lambda s: None,
    )


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_every_attached_inbox_gets_every_payload_and_the_end() -> None:
    source = stream()
    idle: list[object] = []
    feed: Feed[int] = Feed(source, on_idle=idle.append)
    first: Inbox[int] = Inbox()
    second: Inbox[int] = Inbox()
    feed.attach(first)
    feed.attach(second)
    for n in range(3):
        source.push(n, None, 0.0)
    source.end()
    assert [n async for n in first] == [0, 1, 2]
    assert [n async for n in second] == [0, 1, 2]
    assert feed.closed and idle == []


async def test_a_payload_the_item_callback_refuses_is_dropped_and_the_rest_of_the_burst_applied() -> (
    None
):
    source = stream()
    seen: list[int] = []

    def apply(n: int) -> None:
        if n == 2:
            raise MappingError("bad level", path="$.b[0]", raw=b"{}")
        seen.append(n)

    ended: list[BaseException | None] = []
    feed: Feed[int] = Feed(source, on_idle=lambda f: None, on_item=apply, on_end=ended.append)
    for n in range(5):
        source.push(n, None, 0.0)
    await settle()
    assert seen == [0, 1, 3, 4]
    assert not feed.closed
    source.end()
    await settle()
    assert ended == [None]


async def test_the_batch_callback_gets_a_burst_in_one_call() -> None:
    source = stream()
    batches: list[list[int]] = []
    Feed(source, on_idle=lambda f: None, on_batch=batches.append)
    for n in range(4):
        source.push(n, None, 0.0)
    await settle()
    assert batches == [[0, 1, 2, 3]]


async def test_the_last_reader_leaving_unsubscribes() -> None:
    source = stream()
    idle: list[object] = []
    feed: Feed[int] = Feed(source, on_idle=idle.append)
    inbox: Inbox[int] = Inbox()
    feed.attach(inbox)
    feed.detach(inbox)
    assert idle == [feed] and source.closed


def test_both_callbacks_at_once_is_refused() -> None:
    async def build() -> None:
        Feed(stream(), on_idle=lambda f: None, on_item=print, on_batch=print)

    with pytest.raises(ValueError, match="not both"):
        asyncio.run(build())


async def test_a_slow_reader_loses_its_oldest_items_not_the_newest() -> None:
    inbox: Inbox[int] = Inbox(limit=3, label="test")
    for n in range(10):
        inbox.put(n)
    inbox.end()
    assert [n async for n in inbox] == [7, 8, 9]
    assert inbox.dropped == 7


async def test_an_inbox_ended_with_an_error_raises_it_after_the_queued_items() -> None:
    inbox: Inbox[int] = Inbox()
    inbox.put(1)
    inbox.end(ConnectionResetError("gone"))
    assert await inbox.get() == 1
    with pytest.raises(ConnectionResetError):
        await inbox.get()


async def test_the_event_bus_reaches_every_listener() -> None:
    bus = EventBus()
    got: list[str] = []

    async def listen() -> None:
        async for session, _event in bus.listen():
            got.append(session)

    task = asyncio.create_task(listen())
    await settle()
    bus.publish("public", object())  # type: ignore[arg-type]
    bus.close()
    await task
    assert got == ["public"]
