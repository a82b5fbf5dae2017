"""What a wire dialect sees and returns: requests, responses, routes, and the Dialect protocol.

An adapter's ``emulator.py`` implements :class:`Dialect` for its exchange: the REST routes
and WebSocket endpoints in the exchange's own shapes, its authentication check, and its
error and rate-limit answers. The server in :mod:`exchangekit.testing.server` does the rest
(serving, routing, rate-limit enforcement, fault injection).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qsl

from exchangekit.ratelimit.spec import Pool
from exchangekit.transport.endpoint import Endpoint

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer
    from exchangekit.testing.ws import WsConnection

__all__ = [
    "Dialect",
    "EmulatorRequest",
    "EmulatorResponse",
    "HttpRoute",
    "WsRoute",
    "json_response",
]


@dataclass(frozen=True, slots=True)
class EmulatorRequest:
    """One HTTP request (or WebSocket upgrade) as received."""

    method: str
    path: str
    query_string: str
    """The query exactly as sent (still percent-encoded): what a client signed."""
    headers: Mapping[str, str]
    body: bytes
    remote: str = "127.0.0.1"

    @property
    def query(self) -> list[tuple[str, str]]:
        """Query parameters in the order they were sent, each decoded once."""
        return parse_qsl(self.query_string, keep_blank_values=True)

    @property
    def form(self) -> list[tuple[str, str]]:
        """Form-encoded body parameters in the order they were sent."""
        if not self.body:
            return []
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    @property
    def params(self) -> dict[str, str]:
        """Query and form parameters merged (body wins on a repeated name)."""
        merged = dict(self.query)
        ctype = self.headers.get("Content-Type", self.headers.get("content-type", ""))
        if "json" not in ctype:
            merged.update(self.form)
        return merged


@dataclass(slots=True)
class EmulatorResponse:
    """What a handler answers. ``body`` is sent as-is."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> EmulatorResponse:
    """A JSON answer encoded with msgspec (Decimals become JSON strings)."""
    import msgspec

    return EmulatorResponse(status=status, body=msgspec.json.encode(data), headers=headers or {})


HttpHandler = Callable[[EmulatorRequest], Awaitable[EmulatorResponse]]
WsHandler = Callable[["WsConnection", EmulatorRequest], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class HttpRoute:
    """A REST route. ``endpoint`` (the adapter's own declaration) gives its cost."""

    method: str
    path: str
    handler: HttpHandler
    endpoint: Endpoint | None = None


@dataclass(frozen=True, slots=True)
class WsRoute:
    """A WebSocket endpoint path (``/ws``, ``/stream``, ``/ws-api/v3``...)."""

    path: str
    handler: WsHandler
    prefix: bool = False
    """Match every path that starts with ``path`` (``/ws/<listenKey>``)."""


class Dialect(Protocol):
    """An exchange's wire dialect, served by :class:`~exchangekit.testing.server.EmulatorServer`."""

    name: str

    def http_routes(self) -> Sequence[HttpRoute]: ...

    def ws_routes(self) -> Sequence[WsRoute]: ...

    def pools(self) -> Sequence[Pool]:
        """Pools the server enforces (the exchange's documented limits)."""
        ...

    def authenticate(self, request: EmulatorRequest, route: HttpRoute) -> EmulatorResponse | None:
        """``None`` when the request may proceed, else the exchange's refusal."""
        ...

    def rate_limited(
        self, request: EmulatorRequest, pool: Pool, retry_after_s: float
    ) -> EmulatorResponse:
        """The exchange's 429 answer."""
        ...

    def banned(self, request: EmulatorRequest, retry_after_s: float) -> EmulatorResponse:
        """The exchange's 418 (IP ban) answer."""
        ...

    def server_error(self, request: EmulatorRequest, status: int) -> EmulatorResponse:
        """The exchange's 5xx answer."""
        ...

    def usage_headers(self, usage: Mapping[Pool, int]) -> dict[str, str]:
        """Headers reporting pool usage after a request (``X-MBX-USED-WEIGHT-1M``...)."""
        ...

    def expire_sessions(self) -> None:
        """Expire every private-stream session now (listen keys, logins)."""
        ...

    async def run(self, server: EmulatorServer) -> None:
        """Background work while the server runs (advance the market); may return at once."""
        ...
