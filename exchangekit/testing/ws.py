"""One emulated WebSocket connection, with stream faults applied on the way out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from exchangekit.testing.faults import FaultKind
from exchangekit.testing.wire import EmulatorRequest

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer

__all__ = ["WsConnection"]

_CLOSE = object()


class WsConnection:
    """A client's WebSocket as a dialect sees it.

    ``await conn.send(text, stream="btcusdt@depth")`` queues a frame; a per-connection sender
    applies the fault plan (skip, duplicate, reorder, drop, stall) so one stalled client never
    holds up another. ``async for text in conn`` reads the client's frames.
    """

    def __init__(
        self,
        server: EmulatorServer,
        ws: web.WebSocketResponse,
        request: web.Request,
        info: EmulatorRequest,
    ) -> None:
        self.server = server
        self.request = info
        self.state: dict[str, Any] = {}
        """Per-connection state for the dialect (subscriptions, session, login)."""
        self._ws = ws
        self._raw_request = request
        self._queue: asyncio.Queue[tuple[str, str | bytes] | object] = asyncio.Queue()
        self._held: tuple[str, str | bytes] | None = None
        self._sender = asyncio.create_task(self._send_loop(), name="emulator-ws-sender")
        self.closed = False

    async def send(self, data: str | bytes, *, stream: str = "") -> None:
        """Queue one frame for the client; ``stream`` names it for fault rules."""
        if not self.closed:
            self._queue.put_nowait((stream, data))

    def send_nowait(self, data: str | bytes, *, stream: str = "") -> None:
        if not self.closed:
            self._queue.put_nowait((stream, data))

    async def __aiter__(self) -> AsyncIterator[str]:
        async for msg in self._ws:
            if msg.type is WSMsgType.TEXT:
                yield str(msg.data)
            elif msg.type is WSMsgType.BINARY:
                yield bytes(msg.data).decode("utf-8", "replace")
            else:
                break

    async def drop(self) -> None:
        """Cut the connection abruptly, as a network fault would."""
        self.closed = True
        transport = self._raw_request.transport
        if transport is not None:
            transport.abort()

    async def close(self) -> None:
        """Close cleanly and stop the sender."""
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(_CLOSE)
        with contextlib.suppress(Exception):
            await self._ws.close()
        self._sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._sender

    async def _send_loop(self) -> None:
        plan = self.server.faults
        while True:
            item = await self._queue.get()
            if item is _CLOSE:
                return
            assert isinstance(item, tuple)
            stream, data = item
            rules = plan.ws_faults(stream) if plan.rules else []
            kinds = {r.kind for r in rules}
            if FaultKind.SESSION_EXPIRY in kinds:
                plan.record(FaultKind.SESSION_EXPIRY, stream, at_ms=self.server.now_ms())
                self.server.dialect.expire_sessions()
            if FaultKind.WS_DROP in kinds:
                plan.record(FaultKind.WS_DROP, stream, at_ms=self.server.now_ms())
                await self.drop()
                return
            if FaultKind.WS_STALL in kinds:
                rule = next(r for r in rules if r.kind is FaultKind.WS_STALL)
                plan.record(
                    FaultKind.WS_STALL, stream, f"{rule.stall_s}s", at_ms=self.server.now_ms()
                )
                await asyncio.sleep(rule.stall_s)
            if FaultKind.WS_SKIP in kinds:
                plan.record(FaultKind.WS_SKIP, stream, at_ms=self.server.now_ms())
                continue
            if FaultKind.WS_REORDER in kinds and self._held is None:
                plan.record(FaultKind.WS_REORDER, stream, at_ms=self.server.now_ms())
                self._held = (stream, data)
                continue
            if not await self._write(data):
                return
            if FaultKind.WS_DUPLICATE in kinds:
                plan.record(FaultKind.WS_DUPLICATE, stream, at_ms=self.server.now_ms())
                if not await self._write(data):
                    return
            if self._held is not None:
                _, held = self._held
                self._held = None
                if not await self._write(held):
                    return

    async def _write(self, data: str | bytes) -> bool:
        try:
            if isinstance(data, bytes):
                await self._ws.send_str(data.decode())
            else:
                await self._ws.send_str(data)
        except (ConnectionError, RuntimeError):
            self.closed = True
            return False
        return True
