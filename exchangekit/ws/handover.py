"""Make-before-break: moving every stream from an old connection to a new one.

While both connections are open, each stream keeps taking its data from the old one. The
new connection's frames are held back per stream until the two overlap: as soon as a held
frame's dedupe key has already been delivered from the old connection, the new one has
caught up, the stream switches, and the held frames pass through duplicate suppression.
Nothing between the two is lost, and nothing is delivered twice.

A quiet stream never shows an overlap. It switches once the new connection has
acknowledged it *and* a ping round trip on the old connection has completed after that:
everything the venue sent on the old connection before the new subscription was live
arrived before that pong, and everything after it is on the new connection too.

A stream that starts over with a snapshot on subscribe (Bybit, OKX books) switches at the
new connection's snapshot, and the deltas after it follow from the new connection. A stream
without dedupe keys switches on the new connection's first frame (a frame in flight on the
old one at that moment can be lost or doubled: give dedupe keys). Whatever is
left when the overlap times out (or the old connection dies) switches anyway; a stream that
had frames held back without proof of overlap is reported as a possible gap.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable

from exchangekit.ws.connection import WsConnection
from exchangekit.ws.stream import SubscriptionStream
from exchangekit.ws.venue import Routed

__all__ = ["Handover"]


class Handover:
    """The state of one rotation from ``old`` to ``new``."""

    def __init__(
        self,
        old: WsConnection,
        new: WsConnection,
        streams: dict[str, SubscriptionStream],
        *,
        max_held: int,
    ) -> None:
        self.old = old
        self.new = new
        self._streams = streams
        self._max_held = max_held
        self._held: dict[str, deque[tuple[object, Hashable]]] = {}
        self._acked: set[str] = set()
        self._ack_signal: asyncio.Future[None] | None = None
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Resolves once no stream takes its data from the old connection any more."""
        self.unproven: list[str] = []
        """Streams switched without proof of overlap while frames were held: possible gaps."""

    def offer(self, stream: SubscriptionStream, routed: Routed, now: float) -> None:
        """A frame from the new connection for a stream still served by the old one."""
        dedupe_key = routed.dedupe_key
        if routed.snapshot:
            # The new connection starts the stream over here; what it held before the
            # snapshot is superseded by it.
            self._held.pop(stream.key, None)
            self._switch(stream, now)
            stream.start_over()
            stream.push(routed.payload, dedupe_key, now)
            return
        if dedupe_key is None:
            self._switch(stream, now)
            stream.push(routed.payload, None, now)
            return
        held = self._held.get(stream.key)
        if held is None:
            held = self._held[stream.key] = deque()
        held.append((routed.payload, dedupe_key))
        # Both connections deliver each stream in order, so once the oldest held frame was
        # delivered from the old connection, every later one continues the stream.
        if stream.seen(held[0][1]):
            self._switch(stream, now)
        elif len(held) > self._max_held:
            self.unproven.append(stream.key)
            self._switch(stream, now)

    def acknowledged(self, key: str | None) -> None:
        """The new connection confirmed subscription ``key`` (``None``: all so far)."""
        if key is None:
            self._acked.update(self._streams)
        else:
            self._acked.add(key)
        signal = self._ack_signal
        if signal is not None and not signal.done():
            signal.set_result(None)

    def ack_signal(self) -> asyncio.Future[None]:
        """A future that resolves at the next acknowledgement (at once if one is pending)."""
        signal: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._acked:
            signal.set_result(None)
        self._ack_signal = signal
        return signal

    def take_acknowledged(self) -> list[str]:
        """Acknowledged streams still served by the old connection; clears the record."""
        keys = [
            key
            for key in self._acked
            if (stream := self._streams.get(key)) is not None and stream.source is self.old
        ]
        self._acked.clear()
        return keys

    def switch(self, keys: list[str], now: float) -> None:
        """Switch ``keys`` to the new connection (after the ping barrier on the old one)."""
        for key in keys:
            stream = self._streams.get(key)
            if stream is not None and stream.source is self.old:
                self._switch(stream, now)

    def finish(self, now: float) -> None:
        """Switch every remaining stream (timeout, or the old connection died)."""
        for stream in list(self._streams.values()):
            if stream.source is not self.old:
                continue
            held = self._held.get(stream.key)
            if held and not stream.seen(held[0][1]):
                self.unproven.append(stream.key)
            self._switch(stream, now)

    def abort(self) -> list[str]:
        """The new connection died: give switched streams back to the old one.

        Returns the streams that ignored old-connection frames meanwhile (possible gaps).
        """
        reverted = []
        for stream in self._streams.values():
            if stream.source is self.new:
                stream.source = self.old
                reverted.append(stream.key)
        self._held.clear()
        self._resolve()
        return reverted

    def forget(self, key: str) -> None:
        """Stream ``key`` was unsubscribed during the handover."""
        self._held.pop(key, None)
        self.check_done()

    def check_done(self) -> None:
        if not any(stream.source is self.old for stream in self._streams.values()):
            self._resolve()

    def _switch(self, stream: SubscriptionStream, now: float) -> None:
        stream.arm(self.new, now)
        held = self._held.pop(stream.key, None)
        if held:
            for payload, dedupe_key in held:
                stream.push(payload, dedupe_key, now)
        self.check_done()

    def _resolve(self) -> None:
        if not self.done.done():
            self.done.set_result(None)
