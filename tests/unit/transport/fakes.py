"""Test doubles for the transport tests: a recording limiter, a clock that does not sleep,
a Binance-style signer built from the public primitives, and loopback HTTP servers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from exchangekit.clock import SystemClock
from exchangekit.errors import ExchangeError, InvalidOrder, NotSupported
from exchangekit.ratelimit.spec import Cost, Pool, PoolUsage, Priority
from exchangekit.transport import (
    Credentials,
    Endpoint,
    Headers,
    QueryPairs,
    Security,
    SignedParts,
    encode_params,
    hmac_sha256_hex,
)

# Binance's documented example key pair (rest-api.md, "SIGNED Endpoint Examples").
API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
CREDENTIALS = Credentials(API_KEY, API_SECRET)

WEIGHT = Pool(name="ip-weight", limit=6000, window_s=60, header="X-MBX-USED-WEIGHT-1M")
ORDERS_10S = Pool(name="orders-10s", limit=100, window_s=10, header="X-MBX-ORDER-COUNT-10S")

DEPTH = Endpoint("GET", "/api/v3/depth", cost=(Cost(WEIGHT, 5),))
SERVER_TIME = Endpoint("GET", "/api/v3/time", cost=(Cost(WEIGHT, 1),))
NEW_ORDER = Endpoint(
    "POST",
    "/api/v3/order",
    security=Security.SIGNED,
    cost=(Cost(WEIGHT, 1), Cost(ORDERS_10S, 1)),
    priority=Priority.ORDER,
)
QUERY_ORDER = Endpoint("GET", "/api/v3/order", security=Security.SIGNED, cost=(Cost(WEIGHT, 4),))
UNPRICED = Endpoint("GET", "/api/v3/unpriced")


def binance_signer(
    endpoint: Endpoint,
    params: QueryPairs,
    body: bytes | None,
    timestamp_ms: int,
    credentials: Credentials,
) -> SignedParts:
    """Query string + body signed together, hex (Binance rest-api.md §1.2)."""
    headers = {"X-MBX-APIKEY": credentials.api_key}
    if endpoint.security is not Security.SIGNED:
        return SignedParts(headers=headers)
    added = (("recvWindow", "5000"), ("timestamp", str(timestamp_ms)))
    payload = encode_params((*params, *added)) + (body or b"").decode()
    signature = hmac_sha256_hex(credentials.api_secret, payload)
    return SignedParts(
        params=(*added, ("signature", signature)), headers=headers, redact=(signature,)
    )


def no_errors(
    status: int, headers: Headers, body: bytes, endpoint: Endpoint
) -> ExchangeError | None:
    """An error table that knows no codes: the transport's status fallback decides."""
    return None


def binance_errors(
    status: int, headers: Headers, body: bytes, endpoint: Endpoint
) -> ExchangeError | None:
    """A two-row table, enough to show the adapter's answer wins."""
    if b'"code":-1013' in body:
        return InvalidOrder("Filter failure: PRICE_FILTER", code=-1013)
    return None


class FakeLimiter:
    """Records every call; refuses an empty cost list like the real limiter."""

    def __init__(self) -> None:
        self.acquired: list[tuple[tuple[Cost, ...], Priority]] = []
        self.synced: list[tuple[str, float]] = []
        self.sent_at: list[float | None] = []
        self.paused: list[tuple[tuple[str, ...], float]] = []
        self.banned: list[float] = []

    async def acquire(
        self, costs: Sequence[Cost], *, priority: Priority = Priority.MARKET_DATA
    ) -> None:
        if not costs:
            raise NotSupported("no cost declared")
        self.acquired.append((tuple(costs), priority))

    def sync_usage(self, pool: Pool, used: float, *, sent_at: float | None = None) -> None:
        self.synced.append((pool.name, used))
        self.sent_at.append(sent_at)

    def pause(self, pools: Sequence[Pool], seconds: float) -> None:
        self.paused.append((tuple(p.name for p in pools), seconds))

    def ban(self, seconds: float) -> None:
        self.banned.append(seconds)

    def snapshot(self) -> dict[str, PoolUsage]:
        return {}


class InstantClock(SystemClock):
    """Real time, but backoff sleeps return at once and are recorded."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0)


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the attempts that reach the network layer."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# -- loopback servers ----------------------------------------------------------------------

SILENT = "silent"  # read the request, never answer
DROP = "drop"  # read the request, close the socket


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"{}"

    def encode(self) -> bytes:
        lines = [f"HTTP/1.1 {self.status} X"]
        headers = {"Content-Type": "application/json", **self.headers}
        headers["Content-Length"] = str(len(self.body))
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


Action = str | Reply


class LoopbackServer:
    """An HTTP/1.1 server on 127.0.0.1 that plays ``actions`` in order, one per request;
    the last action repeats. ``requests`` keeps every request as received."""

    def __init__(self, *actions: Action) -> None:
        self.actions = actions
        self.requests: list[bytes] = []
        self.arrived = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def _next_action(self) -> Action:
        return self.actions[min(len(self.requests) - 1, len(self.actions) - 1)]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                self.requests.append(head + await reader.readexactly(length))
                self.arrived.set()
                action = self._next_action()
                if action == SILENT:
                    await asyncio.Event().wait()
                if action == DROP:
                    return
                assert isinstance(action, Reply)
                writer.write(action.encode())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._tasks.discard(task)


def closed_port() -> int:
    """A local port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


Handler = Callable[[httpx.Request], httpx.Response]
