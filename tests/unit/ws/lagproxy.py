"""A TCP proxy in front of the test server that makes chosen connections lag.

Everything the server sends on a lagging connection (data, acknowledgements, pongs) reaches
the client ``lag_s`` later, in order, the way a slow network path behaves. A black-holed
connection stays open but nothing from the server reaches the client any more.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable

from tests.unit.ws.server import VenueServer


class LagProxy:
    def __init__(self, server: VenueServer, lags: dict[int, float] | None = None) -> None:
        """``lags`` maps a connection number (from 1, in accept order) to its lag in seconds."""
        self._target = server.url
        self._lags = lags or {}
        self._blackholed: set[int] = set()
        self.accepted = 0
        self._numbers = itertools.count(1)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def blackhole(self, number: int) -> None:
        """From now on, drop everything the server sends on connection ``number``."""
        self._blackholed.add(number)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/ws"

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        number = next(self._numbers)
        self.accepted = number
        lag = self._lags.get(number, 0.0)
        host_port = self._target.removeprefix("ws://").split("/")[0]
        host, port = host_port.split(":")
        server_r, server_w = await asyncio.open_connection(host, int(port))
        for task in (
            asyncio.ensure_future(self._pump(client_r, server_w, 0.0, lambda: False)),
            asyncio.ensure_future(
                self._pump(server_r, client_w, lag, lambda: number in self._blackholed)
            ),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pump(
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        lag: float,
        blackholed: Callable[[], bool],
    ) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if not data:
                    dst.close()
                    return
                if blackholed():
                    continue
                dst.write(data)
                await dst.drain()

        writer = asyncio.ensure_future(deliver())
        try:
            while data := await src.read(65536):
                queue.put_nowait((loop.time() + lag, data))
            queue.put_nowait((loop.time() + lag, b""))
            await writer
        except (ConnectionError, asyncio.IncompleteReadError):
            dst.close()
        finally:
            writer.cancel()
            await asyncio.wait([writer])
