"""The emulator server: a simulated exchange served over real loopback sockets.

It serves one :class:`~exchangekit.testing.wire.Dialect` (an exchange's REST paths and
WebSocket endpoints) over HTTP and WebSocket on one port, and owns what every dialect
shares: routing, authentication checks (delegated to the dialect, which answers with the
exchange's real error), rate-limit enforcement with the exchange's weights and usage
headers, IP bans, and fault injection from a :class:`~exchangekit.testing.faults.FaultPlan`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

import msgspec
from aiohttp import web

from exchangekit.clock import Clock, SystemClock
from exchangekit.testing.faults import FaultKind, FaultPlan, FaultRule
from exchangekit.testing.quota import ServerQuota
from exchangekit.testing.wire import Dialect, EmulatorRequest, EmulatorResponse, HttpRoute, WsRoute
from exchangekit.testing.ws import WsConnection

__all__ = ["EmulatorServer"]

log = logging.getLogger("exchangekit.testing")


class EmulatorServer:
    """Serve ``dialect`` on ``host:port`` (port 0 picks a free one).

    ::

        async with EmulatorServer(dialect, faults=plan) as server:
            client = connect("binance", base_url=server.http_url, ws_url=server.ws_url, ...)
    """

    def __init__(
        self,
        dialect: Dialect,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        enforce_limits: bool = True,
        ban_after_violations: int = 20,
        ban_s: float = 120.0,
        mutate_json: Callable[[str, Any], Any] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.dialect = dialect
        dialect_clock = getattr(dialect, "clock", None)
        self.clock: Clock = clock or (
            dialect_clock if isinstance(dialect_clock, Clock) else SystemClock()
        )
        """The exchange's time: ``clock``, else the dialect's ``clock`` attribute when it has
        one (an accelerated market), else the system clock."""
        self.host = host
        self.port = port
        self.faults = faults or FaultPlan.none()
        self.enforce_limits = enforce_limits
        self.ban_after_violations = ban_after_violations
        self.ban_s = ban_s
        self.mutate_json = mutate_json
        """Rewrites every JSON answer: ``mutate_json(path, data) -> data`` (schema-drift tests)."""
        self.quota = ServerQuota(dialect.pools(), self.now_ms)
        self.connections: set[WsConnection] = set()
        self.requests_served = 0
        self._routes: dict[tuple[str, str], HttpRoute] = {
            (r.method.upper(), r.path): r for r in dialect.http_routes()
        }
        self._ws_routes: list[WsRoute] = list(dialect.ws_routes())
        self._banned_until_ms = 0
        self._violations = 0
        self._runner: web.AppRunner | None = None
        self._background: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[object]] = set()

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def now_ms(self) -> int:
        """The emulated exchange's clock (:attr:`clock`), plus any injected skew."""
        return self.clock.now_ms() + self.faults.clock_skew_ms()

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=0.5,
            handler_cancellation=True,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            self.port = sockets[0].getsockname()[1]
        self._background = asyncio.create_task(self.dialect.run(self), name="emulator-dialect")

    async def stop(self) -> None:
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._background
            self._background = None
        for conn in list(self.connections):
            await conn.close()
        self.connections.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- operator controls ----------------------------------------------------------------

    async def drop_all_streams(self) -> None:
        """Cut every WebSocket connection (a network blip)."""
        for conn in list(self.connections):
            await conn.drop()

    def ban(self, seconds: float) -> None:
        self._banned_until_ms = self.now_ms() + int(seconds * 1000)

    # -- dispatch -------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        info = EmulatorRequest(
            method=request.method.upper(),
            path=request.path,
            # As sent, still percent-encoded: dialects decode it once (``request.query``) and
            # verify signatures over these exact bytes. aiohttp's ``query_string`` is already
            # decoded, so parsing that would decode a ``%`` (or ``+``, ``%26``) twice.
            query_string=request.rel_url.raw_query_string,
            headers=dict(request.headers),
            body=body,
            remote=request.remote or "127.0.0.1",
        )
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._serve_ws(request, info)
        return await self._serve_http(request, info)

    async def _serve_ws(self, request: web.Request, info: EmulatorRequest) -> web.StreamResponse:
        route = next(
            (
                r
                for r in self._ws_routes
                if info.path == r.path or (r.prefix and info.path.startswith(r.path))
            ),
            None,
        )
        if route is None:
            return web.Response(status=404, text="no such stream endpoint")
        ws = web.WebSocketResponse(autoping=True, heartbeat=None)
        await ws.prepare(request)
        conn = WsConnection(self, ws, request, info)
        self.connections.add(conn)
        try:
            await route.handler(conn, info)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.connections.discard(conn)
            await conn.close()
        return ws

    async def _serve_http(self, request: web.Request, info: EmulatorRequest) -> web.StreamResponse:
        self.requests_served += 1
        now = self.now_ms()
        if now < self._banned_until_ms:
            return _to_web(self.dialect.banned(info, (self._banned_until_ms - now) / 1000.0))

        faults = self.faults.http_faults(info.method, info.path) if self.faults.rules else []
        after_accept: FaultRule | None = None
        for rule in faults:
            kind = rule.kind
            if kind is FaultKind.LATENCY:
                delay = self.faults.latency_s(rule)
                self.faults.record(kind, info.path, f"{delay * 1000:.0f}ms", at_ms=now)
                await asyncio.sleep(delay)
            elif kind is FaultKind.HTTP_418:
                self.faults.record(kind, info.path, f"{rule.retry_after_s}s", at_ms=now)
                self.ban(rule.retry_after_s)
                return _to_web(self.dialect.banned(info, rule.retry_after_s))
            elif kind is FaultKind.HTTP_429:
                self.faults.record(kind, info.path, f"{rule.retry_after_s}s", at_ms=now)
                pool = next(iter(self.dialect.pools()))
                return _to_web(self.dialect.rate_limited(info, pool, rule.retry_after_s))
            elif kind is FaultKind.HTTP_5XX:
                self.faults.record(kind, info.path, str(rule.status), at_ms=now)
                return _to_web(self.dialect.server_error(info, rule.status))
            elif kind is FaultKind.TIMEOUT_BEFORE_ACCEPT:
                self.faults.record(kind, info.path, f"{rule.hang_s}s", at_ms=now)
                await asyncio.sleep(rule.hang_s)
                return _abort(request)
            elif kind in (FaultKind.TIMEOUT_AFTER_ACCEPT, FaultKind.RESET_MID_RESPONSE):
                after_accept = after_accept or rule

        route = self._routes.get((info.method, info.path))
        if route is None:
            return web.json_response(
                {"code": -1, "msg": f"no route {info.method} {info.path}"}, status=404
            )
        refusal = self.dialect.authenticate(info, route)
        if refusal is not None:
            return _to_web(refusal)
        if self.enforce_limits and route.endpoint is not None:
            over = self.quota.charge(route.endpoint.costs(info.params))
            if over is not None:
                pool, retry_after = over
                self._violations += 1
                if self._violations >= self.ban_after_violations:
                    self._violations = 0
                    self.ban(self.ban_s)
                    return _to_web(self.dialect.banned(info, self.ban_s))
                return _to_web(self.dialect.rate_limited(info, pool, retry_after))

        response = await route.handler(info)
        if self.mutate_json is not None and response.content_type == "application/json":
            response.body = msgspec.json.encode(
                self.mutate_json(info.path, msgspec.json.decode(response.body))
            )
        if route.endpoint is not None:
            usage = {
                c.pool: int(self.quota.usage(c.pool)) for c in route.endpoint.costs(info.params)
            }
            response.headers.update(self.dialect.usage_headers(usage))

        if after_accept is not None:
            self.faults.record(after_accept.kind, info.path, "accepted", at_ms=self.now_ms())
            if after_accept.kind is FaultKind.TIMEOUT_AFTER_ACCEPT:
                await asyncio.sleep(after_accept.hang_s)
                return _abort(request)
            stream = web.StreamResponse(status=response.status, headers=response.headers)
            stream.content_type = response.content_type
            stream.content_length = len(response.body)
            await stream.prepare(request)
            await stream.write(response.body[: max(1, len(response.body) // 2)])
            return _abort(request, stream)
        return _to_web(response)


def _to_web(response: EmulatorResponse) -> web.Response:
    return web.Response(
        status=response.status,
        body=response.body,
        headers=response.headers,
        content_type=response.content_type,
    )


def _abort(request: web.Request, response: web.StreamResponse | None = None) -> web.StreamResponse:
    transport = request.transport
    if transport is not None:
        transport.abort()
    return response or web.Response(status=599)
