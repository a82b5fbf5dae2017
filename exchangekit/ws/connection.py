"""One open socket: its read loop, its writer and its text pings.

A connection decides nothing about the session: it routes frames to the streams the
session owns, and reports its own end through :attr:`WsConnection.closed`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

from exchangekit.clock import Clock
from exchangekit.ws.direct import DirectConnection
from exchangekit.ws.stream import SubscriptionStream
from exchangekit.ws.venue import Control, Frame, Routed, WsVenue

__all__ = ["FrameSink", "WsConnection", "open_socket"]

log = logging.getLogger("exchangekit.ws")


class FrameSink(Protocol):
    """Where the read loop hands what it cannot deliver straight to a stream."""

    def on_foreign(self, conn: WsConnection, stream: SubscriptionStream, routed: Routed) -> None:
        """A data frame for a stream that currently takes its data from another connection."""
        ...

    def on_control(self, conn: WsConnection, control: Control) -> None:
        """An acknowledgement, pong, rejection, error or reconnect notice."""
        ...

    def on_bad_frame(self, conn: WsConnection, raw: Frame, exc: Exception) -> None:
        """``route`` raised on this frame."""
        ...


async def open_socket(url: str, venue: WsVenue) -> ClientConnection:
    """Open the WebSocket with the venue's timeouts and protocol-ping settings."""
    return await connect(
        url,
        open_timeout=venue.open_timeout_s,
        ping_interval=venue.protocol_ping_interval_s,
        ping_timeout=venue.protocol_ping_timeout_s,
        close_timeout=venue.close_timeout_s,
        max_size=venue.max_message_bytes,
        create_connection=DirectConnection if venue.direct_frames else None,
    )


class WsConnection:
    """A live socket owned by a session. Also the :class:`~exchangekit.ws.Handshake` that
    ``on_connect`` receives."""

    def __init__(
        self,
        socket: ClientConnection,
        *,
        number: int,
        venue: WsVenue,
        clock: Clock,
        gate: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.number = number
        self._socket = socket
        self._venue = venue
        self._clock = clock
        self._gate = gate
        self.opened_at = clock.monotonic()
        self.closed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        """Resolves with the reason once the connection is no longer usable."""
        self._outbox: asyncio.Queue[Frame] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._pong_pending = False
        self._reading = True

    # -- Handshake ---------------------------------------------------------------------

    async def send(self, frame: Frame) -> None:
        """Send one frame now, after the rate limiter allows it."""
        if self._gate is not None:
            await self._gate()
        await self._socket.send(frame)

    async def recv(self, timeout_s: float) -> Frame:
        """Receive one frame directly; only meaningful before :meth:`start`."""
        socket = self._socket
        async with asyncio.timeout(timeout_s):
            if isinstance(socket, DirectConnection):
                return await socket.next_message()
            return await socket.recv()

    async def ping_round_trip(self) -> asyncio.Future[float] | None:
        """Send a protocol ping; the future resolves when its pong arrives.

        Every frame the server wrote before that pong has been received by then.
        ``None`` if the connection is already gone.
        """
        try:
            return asyncio.ensure_future(await self._socket.ping())
        except ConnectionClosed:
            return None

    # -- lifecycle ---------------------------------------------------------------------

    def enqueue(self, frames: list[Frame] | tuple[Frame, ...]) -> None:
        """Queue frames to send in order, behind anything queued before."""
        if self.closed.done():
            return
        for frame in frames:
            self._outbox.put_nowait(frame)

    def start(self, streams: dict[str, SubscriptionStream], sink: FrameSink) -> None:
        """Start reading (into ``streams``, by key), writing and pinging."""
        loop = asyncio.get_running_loop()
        name = f"{self._venue.name}-ws-{self.number}"
        socket = self._socket
        if isinstance(socket, DirectConnection):
            # Frames are routed from the transport's callback; a task only waits for the end.
            self._tasks.append(loop.create_task(self._watch(socket), name=f"{name}-read"))
            socket.set_receiver(self._receiver(streams, sink))
        else:
            self._tasks.append(loop.create_task(self._read(streams, sink), name=f"{name}-read"))
        self._tasks.append(loop.create_task(self._write(), name=f"{name}-write"))
        if self._venue.ping_message is not None:
            self._tasks.append(loop.create_task(self._ping(), name=f"{name}-ping"))

    def fail(self, reason: str) -> None:
        """Mark the connection unusable; its owner then closes it."""
        if not self.closed.done():
            self.closed.set_result(reason)

    def pong_received(self) -> None:
        self._pong_pending = False

    async def aclose(self, reason: str = "closed") -> None:
        """Stop every task of this connection and close the socket. Idempotent."""
        self.fail(reason)
        if isinstance(self._socket, DirectConnection):
            self._socket.set_receiver(None)
        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        keepalive = self._socket.keepalive_task  # the library's protocol-ping task
        try:
            await self._socket.close()
        except Exception as exc:  # a dead transport may refuse even the close
            log.debug("%s ws-%d close failed: %r", self._venue.name, self.number, exc)
        await self._socket.wait_closed()
        if keepalive is not None and not keepalive.done():
            await asyncio.wait([keepalive])  # cancelled on close; let it finish

    # -- tasks -------------------------------------------------------------------------

    def _receiver(
        self, streams: dict[str, SubscriptionStream], sink: FrameSink
    ) -> Callable[[Frame], None]:
        """What happens to one received frame: route it, then push, hand over or drop it.

        A :class:`DirectConnection` calls it from the transport's callback, the library path
        from :meth:`_read`. An error past routing (a bug in a callback) fails the connection
        and nothing more is read from it.
        """
        route = self._venue.route
        now = self._clock.monotonic
        get = streams.get
        socket = self._socket

        def receive(raw: Frame) -> None:
            try:
                try:
                    routed = route(raw)
                except Exception as exc:
                    sink.on_bad_frame(self, raw, exc)
                    return
                if type(routed) is Routed:
                    stream = get(routed.key)
                    if stream is None:
                        return
                    if stream.source is self:
                        if routed.snapshot:
                            stream.start_over()
                        stream.push(routed.payload, routed.dedupe_key, now())
                    else:
                        sink.on_foreign(self, stream, routed)
                elif routed is not None:
                    sink.on_control(self, routed)  # type: ignore[arg-type]
            except Exception as exc:
                log.exception("%s ws-%d read loop failed", self._venue.name, self.number)
                self.fail(f"read loop failed: {exc!r}")
                self._reading = False
                if isinstance(socket, DirectConnection):
                    socket.set_receiver(None)

        return receive

    async def _watch(self, socket: DirectConnection) -> None:
        """Report the end of a connection whose frames are routed by :meth:`_receiver`."""
        await socket.wait_closed()
        exc = socket.protocol.close_exc
        if isinstance(exc, ConnectionClosedOK):
            self.fail(f"closed by server (code {socket.close_code}, {socket.close_reason!r})")
        else:
            self.fail(f"connection lost: {exc}")

    async def _read(self, streams: dict[str, SubscriptionStream], sink: FrameSink) -> None:
        receive = self._receiver(streams, sink)
        socket = self._socket
        try:
            async for raw in socket:
                receive(raw)
                if not self._reading:
                    return
            self.fail(f"closed by server (code {socket.close_code}, {socket.close_reason!r})")
        except ConnectionClosed as exc:
            self.fail(f"connection lost: {exc}")
        except Exception as exc:
            log.exception("%s ws-%d read loop failed", self._venue.name, self.number)
            self.fail(f"read loop failed: {exc!r}")

    async def _write(self) -> None:
        try:
            while True:
                frame = await self._outbox.get()
                await self.send(frame)
        except ConnectionClosed as exc:
            self.fail(f"connection lost while sending: {exc}")
        except Exception as exc:
            log.exception("%s ws-%d writer failed", self._venue.name, self.number)
            self.fail(f"send failed: {exc!r}")

    async def _ping(self) -> None:
        venue = self._venue
        message = venue.ping_message
        interval = venue.ping_interval_s
        timeout = venue.effective_pong_timeout_s
        assert message is not None and interval is not None and timeout is not None
        sleep = self._clock.sleep
        try:
            await sleep(interval)
            while True:
                self._pong_pending = True
                await self.send(message)
                await sleep(timeout)
                if self._pong_pending:
                    self.fail(f"no pong within {timeout:g} s")
                    return
                await sleep(max(0.0, interval - timeout))
        except ConnectionClosed as exc:
            self.fail(f"connection lost while pinging: {exc}")
