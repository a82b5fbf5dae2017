"""How the Bybit client talks REST: one transport, decoded envelopes, honest failures.

:class:`BybitRest` wires the core :class:`~exchangekit.transport.RestTransport` with Bybit's
signer (JSON bodies for POST, the query string for GET), its ``retCode`` table
(:func:`exchangekit_bybit.errors.classify`, run before the envelope is decoded) and its
per-UID usage headers (``X-Bapi-Limit`` / ``X-Bapi-Limit-Status``), and adds the rules the
transport cannot know:

- a 2xx answer to a write that does not decode means the exchange most likely acted
  (``OrderOutcomeUnknown``, never ``MappingError``);
- ``10002`` (timestamp outside the window) re-syncs the server time once; a read is then
  sent again, a write is reported and never resent;
- a read refused by a rate limit (``10006``, HTTP 429) is sent once more when the
  announced wait is short (at most 3 s): the limiter has paused the pool for that wait, so
  the resend queues behind it and adds no pressure, and a read cannot act twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from exchangekit.clock import Clock
from exchangekit.errors import (
    ExchangeError,
    RateLimited,
    TimestampOutsideRecvWindow,
)
from exchangekit.ratelimit import Limiter
from exchangekit.transport import Credentials, Endpoint, Headers, RestTransport, Security
from exchangekit.transport.adapter_rest import AdapterRest
from exchangekit_bybit import endpoints as ep
from exchangekit_bybit import errors
from exchangekit_bybit.config import BybitConfig
from exchangekit_bybit.signing import json_body, rest_signer

__all__ = ["BybitRest", "result"]

log = logging.getLogger("exchangekit.bybit")

T = TypeVar("T")

_MAX_READ_RETRY_WAIT_S = 3.0


def result(envelope: Any) -> Any:
    """The ``result`` of a decoded envelope."""
    return envelope.result


class BybitRest(AdapterRest):
    """Send an endpoint, decode its envelope with the endpoint's schema, map it."""

    def __init__(
        self,
        config: BybitConfig,
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
        self.transport = RestTransport(
            config.rest_url,
            exchange=name,
            classify=self._classify,
            limiter=limiter,
            signer=rest_signer(config.recv_window_ms),
            credentials=credentials,
            clock=clock,
            timeouts=config.timeouts,
            retry=config.retry,
            transport=config.transport,
        )

    async def send(
        self,
        endpoint: Endpoint,
        params: Mapping[str, Any] | None,
        client_order_id: str | None = None,
    ) -> bytes:
        """The raw answer body (seen by the payload observer)."""
        if endpoint.security is Security.SIGNED and not self.transport.time_sync.synced:
            await self.sync_time()
        try:
            content = await self._request(endpoint, params, client_order_id)
        except TimestampOutsideRecvWindow:
            # 10002: the clocks drifted apart. Refused outright, so a read may go once more;
            # a write is reported to the caller and never resent.
            await self.sync_time(force=True)
            if not endpoint.is_retry_safe:
                raise
            content = await self._request(endpoint, params, client_order_id)
        except RateLimited as exc:
            wait = exc.retry_after_s if exc.retry_after_s is not None else 1.0
            if not endpoint.is_retry_safe or wait > _MAX_READ_RETRY_WAIT_S:
                raise
            # The limiter paused the endpoint's pools for `wait`: the resend waits there.
            content = await self._request(endpoint, params, client_order_id)
        schema = endpoint.extra.get("response")
        if schema is not None:
            self.observe(f"{endpoint.method} {endpoint.path}", schema, content)
        return content

    async def _request(
        self, endpoint: Endpoint, params: Mapping[str, Any] | None, client_order_id: str | None
    ) -> bytes:
        if endpoint.method.upper() == "GET":
            response = await self.transport.request(
                endpoint, params, client_order_id=client_order_id
            )
        else:
            # The body is built once here: the signer signs these exact bytes.
            body = json_body(params or {})
            response = await self.transport.request(
                endpoint, None, body=body, client_order_id=client_order_id
            )
        # The per-UID limit headers speak for the endpoint just answered, which the
        # transport's header hook cannot see: sync here, with the endpoint in hand.
        for pool, used in ep.usage_from_headers(response.headers, endpoint):
            self._limiter.sync_usage(pool, used, sent_at=response.sent_at)
        return response.content

    async def sync_time(self, *, force: bool = False) -> None:
        """Learn the server-time offset (once, unless ``force``)."""
        if force or not self.transport.time_sync.synced:
            endpoint = self._config.spec.endpoints.server_time
            decode = self._decoder(endpoint)

            def parse(response: Any) -> int:
                return int(decode(response.content).result.timeNano) // 1_000_000

            await self.transport.sync_time(endpoint, parse)

    def _classify(
        self, status: int, headers: Headers, body: bytes, endpoint: Endpoint
    ) -> ExchangeError | None:
        reset = headers.get(ep.LIMIT_RESET_HEADER)
        return errors.classify(
            status,
            body,
            retry_safe=endpoint.is_retry_safe,
            path=endpoint.path,
            limit_reset_ms=int(reset) if reset and reset.isdigit() else None,
            now_ms=self.server_now_ms(),
        )
