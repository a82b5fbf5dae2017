"""How the OKX client talks REST: one transport, decoded envelopes, honest failures.

:class:`OkxRest` wires the core :class:`~exchangekit.transport.RestTransport` with OKX's
signer (headers, ISO-ms timestamps, the demo header) and error table, and adds the rules
the transport cannot know:

- GET parameters travel in the query string, POST parameters as the JSON body (signed as
  sent);
- a 2xx answer to an order that does not decode means the order most likely exists
  (``OrderOutcomeUnknown``, never ``MappingError``);
- 50102 / 50112 (timestamp refused) re-sync the server time once: a read is sent again,
  an order is reported and never resent;
- OKX sends no usage headers, so the limiter's own count is the usage (fact sheet §3.3).
  A read refused with 50011 / HTTP 429 is sent once more after the pause the limiter
  already applies (the caller asked for data, nothing can act twice); writes never.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import msgspec

from exchangekit.clock import Clock
from exchangekit.errors import (
    ExchangeError,
    MappingError,
    OrderNotFound,
    RateLimited,
)
from exchangekit.models import Order, OrderStatus
from exchangekit.ratelimit import Limiter, Pool
from exchangekit.transport import Credentials, Endpoint, Headers, Params, RestTransport
from exchangekit.transport.adapter_rest import AdapterRest
from exchangekit.transport.endpoint import Security
from exchangekit_okx import errors
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s
from exchangekit_okx.config import OkxConfig
from exchangekit_okx.signing import DEMO_HEADER, rest_signer

__all__ = [
    "MAX_READ_RATE_LIMIT_WAIT_S",
    "OkxRest",
    "as_cancelled",
    "one_order",
    "single_item",
    "with_cost",
]

log = logging.getLogger("exchangekit.okx")

T = TypeVar("T")

MAX_READ_RATE_LIMIT_WAIT_S = 2.0
"""A read refused for rate limit is sent again once if the pause is at most this long."""

_OK_PREFIX = b'{"code":"0"'


class OkxRest(AdapterRest):
    """Send an endpoint, decode its answer with the endpoint's schema, map it."""

    def __init__(
        self,
        config: OkxConfig,
        *,
        name: str,
        clock: Clock,
        limiter: Limiter,
        credentials: Credentials | None,
    ) -> None:
        super().__init__(name=name, payload_observer=config.payload_observer)
        self._config = config
        self._clock = clock
        self._limiter = limiter
        self.pools: Sequence[Pool] = config.spec.pools
        self.transport = RestTransport(
            config.rest_url,
            exchange=name,
            classify=self._classify,
            limiter=limiter,
            signer=rest_signer(demo=config.is_demo),
            credentials=credentials,
            clock=clock,
            timeouts=config.timeouts,
            retry=config.retry,
            transport=_with_demo_header(config.transport) if config.is_demo else config.transport,
        )

    async def send(
        self, endpoint: Endpoint, params: Any, client_order_id: str | None = None
    ) -> bytes:
        """The raw answer body (seen by the payload observer)."""
        if endpoint.security is Security.SIGNED and not self.transport.time_sync.synced:
            await self.sync_time()
        try:
            content = await self._request(endpoint, params, client_order_id)
        except errors.TimestampExpired:
            # The clocks drifted apart; the request was refused outright. A read may go
            # once more; an order is reported to the caller and never resent.
            await self.sync_time(force=True)
            if not endpoint.is_retry_safe:
                raise
            content = await self._request(endpoint, params, client_order_id)
        except RateLimited as exc:
            wait = exc.retry_after_s or 0.0
            if not endpoint.is_retry_safe or wait > MAX_READ_RATE_LIMIT_WAIT_S:
                raise
            # The limiter paused the endpoint's pool: acquiring again waits it out.
            content = await self._request(endpoint, params, client_order_id)
        schema = endpoint.extra.get("response")
        if schema is not None:
            self.observe(f"{endpoint.method} {endpoint.path}", schema, content)
        return content

    async def _request(self, endpoint: Endpoint, params: Any, client_order_id: str | None) -> bytes:
        if endpoint.method == "GET":
            response = await self.transport.request(
                endpoint, _query(params), client_order_id=client_order_id
            )
        else:
            body = msgspec.json.encode(params if params is not None else {})
            response = await self.transport.request(
                endpoint, None, body=body, client_order_id=client_order_id
            )
        return response.content

    async def sync_time(self, *, force: bool = False) -> None:
        """Learn the server-time offset (once, unless ``force``)."""
        if force or not self.transport.time_sync.synced:
            endpoint = self._config.spec.endpoints.server_time
            decode = self._decoder(endpoint)
            await self.transport.sync_time(endpoint, lambda r: m.server_time_ms(decode(r.content)))

    def _classify(
        self, status: int, headers: Headers, body: bytes, endpoint: Endpoint
    ) -> ExchangeError | None:
        if status < 300 and body.startswith(_OK_PREFIX):
            return None  # the common case, without parsing the body twice
        if status < 300 and endpoint.extra.get("batch") and _batch_verdict(body):
            return None  # code 1 / 2 on a batch: each item carries its own sCode
        return errors.classify(
            status,
            body,
            retry_after=headers.get("retry-after"),
            retry_safe=endpoint.is_retry_safe,
        )


def with_cost(endpoint: Endpoint, cost: Any) -> Endpoint:
    """``endpoint`` charging ``cost`` (a batch's weight depends on its JSON body, which the
    transport's cost function never sees)."""
    return dataclasses.replace(endpoint, cost=cost)


def _batch_verdict(body: bytes) -> bool:
    """True for a batch answer whose verdict is per item (``code`` 1 or 2 with items)."""
    try:
        parsed = msgspec.json.decode(body, type=_BatchBody)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    return parsed.code in ("1", "2") and bool(parsed.data)


class _BatchBody(msgspec.Struct):
    code: str = ""
    data: list[Any] = []


class _DemoHeader(httpx.AsyncBaseTransport):
    """Adds ``x-simulated-trading: 1`` to every request, public ones included (the
    transport's signer only sees signed endpoints)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers[DEMO_HEADER[0]] = DEMO_HEADER[1]
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _with_demo_header(inner: httpx.AsyncBaseTransport | None) -> httpx.AsyncBaseTransport:
    return _DemoHeader(inner if inner is not None else httpx.AsyncHTTPTransport())


def _query(params: Any) -> Params | None:
    if not params:
        return None
    return {k: v for k, v in params.items() if v is not None}


def single_item(envelope: s.Envelope[Any], client_order_id: str | None) -> Any:
    """The one item of an order answer, raising its own error when it failed."""
    if not envelope.data:
        # A success without its item: OKX acted, or may have; only the proof is missing.
        raise MappingError(
            "an order answer without its data item", path="$.data", raw=envelope, exchange="okx"
        )
    item = envelope.data[0]
    failure = errors.item_error(item.sCode, item.sMsg, client_order_id=client_order_id)
    if failure is not None:
        raise failure
    return item


def one_order(envelope: s.Envelope[s.Order], symbols: m.SymbolMap) -> Order:
    """The order of a ``GET trade/order`` answer (an empty ``data`` is not found)."""
    if not envelope.data:
        raise OrderNotFound("order does not exist", exchange="okx", code="51603")
    return m.order(envelope, symbols)


def as_cancelled(order: Order) -> Order:
    """An order listed open whose cancel OKX accepted (batch answers carry no state)."""
    return msgspec.structs.replace(
        order, status=OrderStatus.CANCELLED, remaining_quantity=Decimal(0)
    )
