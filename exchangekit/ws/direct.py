"""Data frames straight from the socket to the session, past the library's per-message queue.

``websockets`` parses every incoming frame with a generator-based parser and queues each
message for a ``recv()`` call: several microseconds a message, which is most of what a
market-data client spends at a few tens of thousands of messages a second.
:class:`DirectConnection` is the library's client connection with one shortcut. Once the
opening handshake is done, it splits the incoming bytes into frames itself, and every frame
that is a whole message (``FIN`` set, text or binary, unmasked, no extension bits, within
the size limit) goes straight to a callback, text decoded as UTF-8. Every other frame (ping,
pong, close, a fragment, a compressed or malformed frame) is handed to the library whole, and
the library handles it exactly as it always does: it answers pings, resolves pongs, runs the
closing handshake and fails the connection on a protocol error. The data messages it
assembles come to the same callback, so messages keep their order whichever way they took.

Until a callback is set, messages wait in a queue that :meth:`DirectConnection.next_message`
reads (the ``on_connect`` phase of a session). The library's own ``recv()`` is not used.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.frames import CloseCode, Frame, Opcode
from websockets.protocol import State

from exchangekit.ws.venue import Frame as Message

__all__ = ["DirectConnection", "Receiver", "split_frames"]

Receiver = Callable[[Message], None]
"""Called with every data message, in order, from the transport's callback: it must not block."""

_FIN_TEXT = 0x81
_FIN_BINARY = 0x82
_END_OF_HEAD = b"\r\n\r\n"


def split_frames(data: bytes, limit: int | None) -> tuple[list[tuple[int, int, int]], int, bool]:
    """Frame boundaries in ``data``: ``([(frame_start, payload_start, end), ...], used, stop)``.

    Only whole frames are listed; ``used`` is where the first incomplete one starts. ``stop``
    is set when a frame header says the rest is not for this reader at all (a masked frame,
    which a server must never send, or a payload over ``limit``): the frames before it are
    listed and ``used`` points at it.
    """
    frames: list[tuple[int, int, int]] = []
    pos = 0
    end = len(data)
    while end - pos >= 2:
        size = data[pos + 1]
        if size < 126:
            start = pos + 2
        elif size == 126:
            start = pos + 4
            if start > end:
                break
            size = (data[pos + 2] << 8) | data[pos + 3]
        elif size == 127:
            start = pos + 10
            if start > end:
                break
            size = int.from_bytes(data[pos + 2 : start], "big")
        else:  # the mask bit
            return frames, pos, True
        if limit is not None and size > limit:
            return frames, pos, True
        stop = start + size
        if stop > end:
            break
        frames.append((pos, start, stop))
        pos = stop
    return frames, pos, False


class DirectConnection(ClientConnection):
    """A ``websockets`` client connection that hands whole data frames to a callback.

    Created by ``websockets.asyncio.client.connect(..., create_connection=DirectConnection)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        protocol = self.protocol
        # websockets >= 15 splits the limit into message and fragment sizes.
        limit = getattr(protocol, "max_message_size", getattr(protocol, "max_size", None))
        self._limit: int | None = limit if isinstance(limit, int) else None
        self._receiver: Receiver | None = None
        self._early: deque[Message] = deque()
        self._early_waiter: asyncio.Future[None] | None = None
        self._head: bytes | None = b""
        """The handshake response received so far; ``None`` once it is complete."""
        self._tail = b""
        """The start of a frame whose end has not arrived yet."""
        self._bypass = False
        """Everything goes to the library (a refused handshake, a close, a bad header)."""
        self._parts: list[bytes] | None = None
        self._parts_text = False

    # -- the consumer side ----------------------------------------------------------------

    def set_receiver(self, receiver: Receiver | None) -> None:
        """Deliver every data message to ``receiver`` from now on (queued ones first).

        ``None`` drops whatever arrives from now on (the connection is being closed).
        """
        if receiver is None:
            self._receiver = _drop
            self._early.clear()
            return
        early = self._early
        while early:
            receiver(early.popleft())
        self._receiver = receiver

    async def next_message(self) -> Message:
        """The next queued message (before :meth:`set_receiver`); raises once closed."""
        while not self._early:
            lost = self.connection_lost_waiter
            if lost.done():
                raise self.protocol.close_exc
            waiter = self._early_waiter = self.loop.create_future()
            await asyncio.wait([waiter, lost], return_when=asyncio.FIRST_COMPLETED)
        return self._early.popleft()

    def _deliver(self, message: Message) -> None:
        receiver = self._receiver
        if receiver is not None:
            receiver(message)
            return
        self._early.append(message)
        waiter = self._early_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- the transport's callbacks (asyncio.Protocol) -----------------------------------

    def data_received(self, data: bytes) -> None:
        if self._bypass:
            super().data_received(data)
        elif self._head is not None:
            self._handshake_received(data)
        else:
            self._frames_received(data)

    def eof_received(self) -> None:
        tail, self._tail = self._tail, b""
        if tail and not self._bypass and self._head is None:
            super().data_received(tail)  # the library reports the truncated frame
        super().eof_received()

    def _handshake_received(self, data: bytes) -> None:
        """Feed the library the HTTP response only; frames after it take the short way."""
        head = self._head
        assert head is not None
        end = (head + data).find(_END_OF_HEAD)
        if end < 0:
            self._head = head + data
            super().data_received(data)
            return
        cut = end + len(_END_OF_HEAD) - len(head)
        self._head = None
        super().data_received(data[:cut])
        rest = data[cut:]
        if self.protocol.state is not State.OPEN:
            # Refused, or a response with a body: none of this is ours.
            self._bypass = True
            if rest:
                super().data_received(rest)
        elif rest:
            self._frames_received(rest)

    def _frames_received(self, data: bytes) -> None:
        if self._tail:
            data = self._tail + data
        frames, used, stop = split_frames(data, self._limit)
        protocol = self.protocol
        base = super().data_received
        for head, start, end in frames:
            first = data[head]
            if first == _FIN_TEXT and self._parts is None:
                try:
                    text = data[start:end].decode()
                except UnicodeDecodeError as exc:
                    self._invalid_text(exc)
                    return
                receiver = self._receiver  # read every time: a receiver may replace itself
                if receiver is not None:
                    receiver(text)
                else:
                    self._deliver(text)
            elif first == _FIN_BINARY and self._parts is None:
                self._deliver(data[start:end])
            else:
                # The library parses this frame alone: its parser is always between frames.
                base(data[head:end])
                if protocol.state is not State.OPEN:  # a close: the rest is the library's
                    self._bypass = True
                    self._tail = b""
                    if end < len(data):
                        base(data[end:])
                    return
        if stop:
            self._bypass = True
            self._tail = b""
            base(data[used:])
            return
        self._tail = data[used:]

    def _invalid_text(self, exc: UnicodeDecodeError) -> None:
        """What the library's ``recv()`` does with text that is not UTF-8: fail with 1007."""
        self._bypass = True
        self._tail = b""
        self.protocol.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
        super().data_received(b"")  # sends the close frame and arms the close timeout

    def process_event(self, event: Any) -> None:
        if self.response is None or not isinstance(event, Frame):
            super().process_event(event)
            return
        opcode = event.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            self._parts, self._parts_text = [bytes(event.data)], opcode is Opcode.TEXT
        elif opcode is Opcode.CONT and self._parts is not None:
            self._parts.append(bytes(event.data))
        else:  # ping, pong, close: the library's
            super().process_event(event)
            return
        if not event.fin:
            return
        payload = b"".join(self._parts)
        self._parts = None
        if not self._parts_text:
            self._deliver(payload)
            return
        try:
            text = payload.decode()
        except UnicodeDecodeError as exc:
            self._invalid_text(exc)
            return
        self._deliver(text)


def _drop(message: Message) -> None:
    """Receiver of a connection that is being closed."""
