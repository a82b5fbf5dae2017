"""How the Binance client talks REST: one transport, decoded answers, honest failures.

:class:`BinanceRest` wires the core :class:`~exchangekit.transport.RestTransport` with
Binance's signer, error table and usage headers, and adds the two rules the transport
cannot know: a 2xx answer to an order that does not decode means the order most likely
exists (``OrderOutcomeUnknown``, never ``MappingError``), and ``-1021`` re-syncs the server
time once (a read is then sent again; an order is reported, never resent).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TypeVar

from exchangekit.clock import Clock
from exchangekit.errors import ExchangeError
from exchangekit.ratelimit import Limiter, Pool
from exchangekit.transport import (
    Credentials,
    Endpoint,
    Headers,
    Params,
    RestTransport,
    Security,
)
from exchangekit.transport.adapter_rest import AdapterRest
from exchangekit_binance import endpoints as ep
from exchangekit_binance import errors, schemas
from exchangekit_binance.config import BinanceConfig
from exchangekit_binance.signing import rest_signer

__all__ = ["BinanceRest", "same"]

log = logging.getLogger("exchangekit.binance")

T = TypeVar("T")


def same(raw: T) -> T:
    """The identity reader: the decoded wire struct as is."""
    return raw


class BinanceRest(AdapterRest):
    """Send an endpoint, decode its answer with the endpoint's schema, map it."""

    def __init__(
        self,
        config: BinanceConfig,
        *,
        name: str,
        clock: Clock,
        limiter: Limiter,
        credentials: Credentials | None,
    ) -> None:
        super().__init__(name=name, payload_observer=config.payload_observer)
        self._config = config
        self._market: ep.MarketName = config.market
        self._clock = clock
        self._limiter = limiter
        self.pools: Sequence[Pool] = config.spec.pools
        self.transport = RestTransport(
            config.rest_url,
            exchange=name,
            classify=self._classify,
            limiter=limiter,
            signer=rest_signer(config.recv_window_ms),
            credentials=credentials,
            usage_sync=lambda headers: ep.usage_from_headers(headers, self.pools),
            clock=clock,
            timeouts=config.timeouts,
            retry=config.retry,
            transport=config.transport,
        )

    async def send(
        self, endpoint: Endpoint, params: Params | None, client_order_id: str | None = None
    ) -> bytes:
        """The raw answer body (seen by the payload observer)."""
        if endpoint.security is Security.SIGNED and not self.transport.time_sync.synced:
            await self.sync_time()
        try:
            response = await self.transport.request(
                endpoint, params, client_order_id=client_order_id
            )
        except errors.TimestampOutsideRecvWindow:
            # -1021: the clocks drifted apart. The request was refused outright, so a read
            # may go once more; an order is reported to the caller and never resent.
            await self.sync_time(force=True)
            if not endpoint.is_retry_safe:
                raise
            response = await self.transport.request(endpoint, params)
        schema = endpoint.extra.get("response")
        if schema is not None:
            self.observe(f"{endpoint.method} {endpoint.path}", schema, response.content)
        return response.content

    async def sync_time(self, *, force: bool = False) -> None:
        """Learn the server-time offset (once, unless ``force``)."""
        if force or not self.transport.time_sync.synced:
            endpoint = self._config.spec.endpoints.server_time
            decode = self._decoder(endpoint)
            await self.transport.sync_time(endpoint, lambda r: decode(r.content).serverTime)

    def adopt_rate_limits(self, rate_limits: Sequence[schemas.RateLimit]) -> None:
        """The account's real limits from ``exchangeInfo`` replace the documented defaults
        (the pools keep their names, so every endpoint's cost follows)."""
        fresh = ep.pools_from_rate_limits(rate_limits, market=self._market)
        self.pools = tuple({p.name: p for p in (*self.pools, *fresh)}.values())
        for pool in fresh:
            self._limiter.register(pool)

    def _classify(
        self, status: int, headers: Headers, body: bytes, endpoint: Endpoint
    ) -> ExchangeError | None:
        if status < 300 and b'"code"' not in body[:16]:
            return None  # the common case, without parsing the body twice
        return errors.classify(
            status,
            body,
            market=self._market,
            retry_after=headers.get("retry-after"),
            retry_safe=endpoint.is_retry_safe,
            now_ms=self._clock.now_ms(),
        )
