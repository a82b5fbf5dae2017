"""The make-before-break switch, over every interleaving of two connections' frames."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit.clock import ManualClock
from exchangekit.ws import Routed, Subscription
from exchangekit.ws.connection import WsConnection
from exchangekit.ws.handover import Handover
from exchangekit.ws.stream import SubscriptionStream

OLD = cast(WsConnection, object())
NEW = cast(WsConnection, object())


def make_stream(key: str = "k") -> SubscriptionStream:
    return SubscriptionStream(
        Subscription(key),
        clock=ManualClock(),
        max_queued=100_000,
        dedupe_window=10_000,
        on_close=lambda s: None,
        on_fresh=lambda: None,
        on_overflow=lambda s: None,
    )


def deliver(handover: Handover, stream: SubscriptionStream, conn: Any, seq: int) -> None:
    """What the read loop and the session do with one frame from ``conn``."""
    if stream.source is conn:
        stream.push(seq, seq, 0.0)
    elif conn is handover.new and stream.source is handover.old:
        handover.offer(stream, Routed(stream.key, seq, dedupe_key=seq), 0.0)


def drained(stream: SubscriptionStream) -> list[object]:
    return list(stream._buffer)


@st.composite
def rotations(draw: st.DrawFn) -> tuple[int, int, int, list[bool]]:
    total = draw(st.integers(min_value=1, max_value=60))
    before = draw(st.integers(min_value=0, max_value=total - 1))  # old delivered 1..before
    new_from = draw(st.integers(min_value=1, max_value=total))  # new's feed starts here
    old_count, new_count = total - before, total - new_from + 1
    order = draw(st.permutations([True] * old_count + [False] * new_count))
    return total, before, new_from, list(order)


@settings(max_examples=300, deadline=None)
@given(rotations())
def test_any_interleaving_delivers_every_message_once_and_in_order(
    case: tuple[int, int, int, list[bool]],
) -> None:
    total, before, new_from, order = case

    async def scenario() -> list[object]:
        stream = make_stream()
        stream.arm(OLD, 0.0)
        for seq in range(1, before + 1):
            stream.push(seq, seq, 0.0)
        handover = Handover(OLD, NEW, {"k": stream}, max_held=10_000)
        old_next, new_next = before + 1, new_from
        for from_old in order:
            if from_old:
                deliver(handover, stream, OLD, old_next)
                old_next += 1
            else:
                deliver(handover, stream, NEW, new_next)
                new_next += 1
        handover.finish(0.0)
        assert handover.done.done()
        assert stream.source is NEW
        return drained(stream)

    assert asyncio.run(scenario()) == list(range(1, total + 1))


async def test_acknowledged_quiet_stream_switches_only_when_told_after_the_barrier() -> None:
    stream = make_stream()
    stream.arm(OLD, 0.0)
    handover = Handover(OLD, NEW, {"k": stream}, max_held=100)
    signal = handover.ack_signal()
    handover.acknowledged("k")
    assert signal.done()
    assert stream.source is OLD  # an acknowledgement alone switches nothing
    keys = handover.take_acknowledged()
    assert keys == ["k"]
    handover.switch(keys, 1.0)
    assert stream.source is NEW
    assert handover.done.done()


async def test_new_frames_held_without_overlap_are_reported_as_unproven() -> None:
    stream = make_stream()
    stream.arm(OLD, 0.0)
    stream.push(1, 1, 0.0)
    handover = Handover(OLD, NEW, {"k": stream}, max_held=100)
    deliver(handover, stream, NEW, 5)  # 2..4 never arrive from anyone
    handover.finish(0.0)
    assert handover.unproven == ["k"]
    assert drained(stream) == [1, 5]


async def test_abort_returns_switched_streams_to_the_old_connection() -> None:
    a, b = make_stream("a"), make_stream("b")
    a.arm(OLD, 0.0)
    b.arm(OLD, 0.0)
    handover = Handover(OLD, NEW, {"a": a, "b": b}, max_held=100)
    deliver(handover, a, OLD, 1)
    deliver(handover, a, NEW, 1)  # overlap: a switches
    assert a.source is NEW and b.source is OLD
    assert handover.abort() == ["a"]
    assert a.source is OLD and b.source is OLD


async def test_snapshot_on_the_new_connection_switches_and_starts_the_stream_over() -> None:
    stream = make_stream()
    stream.arm(OLD, 0.0)
    for seq in range(1, 6):
        stream.push(seq, seq, 0.0)
    handover = Handover(OLD, NEW, {"k": stream}, max_held=100)

    def from_new(payload: object, seq: int | None, snapshot: bool = False) -> None:
        routed = Routed("k", payload, dedupe_key=seq, snapshot=snapshot)
        if stream.source is NEW:  # what the read loop does
            if snapshot:
                stream.start_over()
            stream.push(routed.payload, routed.dedupe_key, 0.0)
        else:
            handover.offer(stream, routed, 0.0)

    from_new("snapshot@3", None, snapshot=True)  # what Bybit and OKX send first
    assert stream.source is NEW and handover.done.done()
    from_new(4, 4)  # taken again: they follow the snapshot, not a replay
    from_new(5, 5)
    deliver(handover, stream, OLD, 6)  # the old connection is ignored from now on
    from_new(6, 6)
    assert drained(stream) == [1, 2, 3, 4, 5, "snapshot@3", 4, 5, 6]
