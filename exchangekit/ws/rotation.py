"""Planned rotation: replace a connection before the venue's lifetime for it runs out."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from exchangekit.ws._wait import wait_first
from exchangekit.ws.connection import WsConnection
from exchangekit.ws.events import EventKind
from exchangekit.ws.handover import Handover
from exchangekit.ws.stream import SubscriptionStream
from exchangekit.ws.venue import Routed

if TYPE_CHECKING:
    from exchangekit.ws.core import SessionCore

__all__ = ["Rotator"]


class Rotator:
    """Opens the successor of the active connection ahead of time and hands over to it.

    The successor runs ``on_connect`` and subscribes while the old connection keeps
    serving; streams move over one by one (see :mod:`exchangekit.ws.handover`), and the old
    connection is closed only after that. A venue's reconnect notice starts a rotation at
    once. A failed attempt is retried with backoff while the old connection still serves.
    """

    def __init__(self, core: SessionCore) -> None:
        self._core = core
        self.handover: Handover | None = None
        self.settled: asyncio.Future[None] | None = None
        """Pending while a rotation attempt is under way; the supervisor waits for it."""
        self._rotate_now: asyncio.Future[None] | None = None

    def request(self, conn: WsConnection) -> None:
        """The venue announced it will close ``conn``: rotate now, if it is the active one."""
        rotate_now = self._rotate_now
        if conn is self._core.active and rotate_now is not None and not rotate_now.done():
            rotate_now.set_result(None)

    def offer(self, conn: WsConnection, stream: SubscriptionStream, routed: Routed) -> None:
        """A frame from a connection that does not serve ``stream`` (yet, or any more)."""
        handover = self.handover
        if handover is not None and conn is handover.new and stream.source is handover.old:
            handover.offer(stream, routed, self._core.clock.monotonic())
        # Otherwise it comes from a connection being retired, and its successor has it.

    def acknowledged(self, conn: WsConnection, key: str | None) -> None:
        handover = self.handover
        if handover is not None and conn is handover.new:
            handover.acknowledged(key)

    def forget(self, key: str) -> None:
        if self.handover is not None:
            self.handover.forget(key)

    async def run(self, conn: WsConnection) -> None:
        """Replace ``conn``, then each successor, until a connection is lost."""
        core = self._core
        venue, clock = core.venue, core.clock
        loop = asyncio.get_running_loop()
        failures = 0
        urgent = False
        while not conn.closed.done():
            if not urgent:
                due: float | None = None
                if venue.max_lifetime_s is not None:
                    due = conn.opened_at + venue.max_lifetime_s - venue.rotate_before_s
                    due -= clock.monotonic()
                self._rotate_now = loop.create_future()
                await wait_first(clock, due, conn.closed, self._rotate_now)
                if conn.closed.done():
                    return
                urgent = self._rotate_now.done()
            settled: asyncio.Future[None] = loop.create_future()
            self.settled = settled
            try:
                try:
                    new = await core.open_connection()
                except Exception as exc:
                    if core.failure is not None:
                        conn.fail(f"session stopped: {core.failure}")
                        return
                    delay = venue.backoff.delay(failures, core.rng)
                    failures += 1
                    core.events.emit(
                        EventKind.ERROR,
                        detail=f"rotation attempt failed: {exc!r}; retry in {delay:.3f} s",
                        connection=conn.number,
                    )
                    await wait_first(clock, delay, conn.closed)
                    continue
                failures = 0
                if await self._hand_over(conn, new):
                    conn = new
                    urgent = False
            finally:
                self.settled = None
                settled.set_result(None)

    async def _hand_over(self, old: WsConnection, new: WsConnection) -> bool:
        core = self._core
        events = core.events
        handover = Handover(old, new, core.streams, max_held=core.dedupe_window)
        self.handover = handover
        core.attach(new)
        await self._overlap(handover)
        self.handover = None
        if new.closed.done():
            reverted = handover.abort()
            core.discard(new)
            await new.aclose()
            for key in reverted:
                events.emit(EventKind.GAP, key=key, detail="rotation aborted mid-switch")
            events.emit(
                EventKind.ERROR,
                detail=f"rotation aborted: {new.closed.result()}",
                connection=new.number,
            )
            return False
        handover.finish(core.clock.monotonic())
        core.promote(old, new)
        detail = f"from connection {old.number}"
        if old.closed.done():
            detail += f", which ended early: {old.closed.result()}"
        events.emit(EventKind.ROTATED, detail=detail, connection=new.number)
        for key in handover.unproven:
            events.emit(EventKind.GAP, key=key, detail="rotated without proof of overlap")
        await old.aclose("rotated")
        return True

    async def _overlap(self, handover: Handover) -> None:
        """Run both connections until every stream switched, or the overlap ends."""
        clock = self._core.clock
        old, new = handover.old, handover.new
        ends = (handover.done, old.closed, new.closed)
        deadline = clock.monotonic() + self._core.venue.handover_timeout_s
        while not any(end.done() for end in ends):
            if not await wait_first(
                clock, deadline - clock.monotonic(), *ends, handover.ack_signal()
            ):
                return  # timed out
            keys = handover.take_acknowledged()
            if not keys:
                continue
            # The barrier: once this pong is back, everything the venue sent on the old
            # connection before the new subscription went live has been received.
            pong = await old.ping_round_trip()
            if pong is None:
                continue
            await wait_first(clock, deadline - clock.monotonic(), pong, *ends)
            if pong.done() and not pong.cancelled() and pong.exception() is None:
                handover.switch(keys, clock.monotonic())
            elif not pong.done():
                pong.cancel()
