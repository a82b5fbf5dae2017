"""What every adapter's REST layer does the same way: decode with the endpoint's schema, map,
and never mistake an unreadable answer to a write for a failure.

An adapter's REST class subclasses :class:`AdapterRest`, builds its
:class:`~exchangekit.transport.RestTransport` as ``self.transport`` (signing, error
classification and usage headers are the exchange's own) and implements :meth:`send`.
:meth:`AdapterRest.call` then decodes the answer with the schema the endpoint declares in
``endpoint.extra["response"]`` (decoders built once per endpoint) and maps it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from exchangekit.errors import ExchangeError, MappingError, OrderOutcomeUnknown
from exchangekit.mapping import decoder
from exchangekit.transport.endpoint import Endpoint
from exchangekit.transport.rest import RestTransport

__all__ = ["AdapterRest", "PayloadObserver"]

log = logging.getLogger("exchangekit.transport")

T = TypeVar("T")

PayloadObserver = Callable[[str, Any, bytes], None]
"""``(endpoint_key, schema, raw)``: sees every payload the client decodes (drift reports)."""


class AdapterRest:
    """Send an endpoint, decode its answer with the endpoint's schema, map it."""

    transport: RestTransport

    def __init__(self, *, name: str, payload_observer: PayloadObserver | None) -> None:
        self.name = name
        self._payload_observer = payload_observer
        self._decoders: dict[str, Callable[[bytes], Any]] = {}

    async def aclose(self) -> None:
        await self.transport.aclose()

    def server_now_ms(self) -> int:
        """The exchange's time as best known (local clock plus the learned offset)."""
        return self.transport.time_sync.now_ms()

    async def send(
        self, endpoint: Endpoint, params: Any, client_order_id: str | None = None
    ) -> bytes:
        """Send one request and return the raw body of a successful answer."""
        raise NotImplementedError

    async def call(
        self,
        endpoint: Endpoint,
        params: Any,
        read: Callable[[Any], T],
        *,
        client_order_id: str | None = None,
    ) -> T:
        """Send, decode with the endpoint's schema, map with ``read`` (``read(None)`` for an
        endpoint declared without a response schema).

        A write the exchange answered with success but whose answer cannot be read raises
        :class:`~exchangekit.errors.OrderOutcomeUnknown`: it most likely acted, only the
        proof is unreadable, so the caller reconciles by client order id.
        """
        content = await self.send(endpoint, params, client_order_id)
        if endpoint.extra.get("response") is None:  # declared without a schema: nothing to read
            return read(None)
        try:
            return read(self._decoder(endpoint)(content))
        except ExchangeError as exc:
            if endpoint.is_retry_safe or not isinstance(exc, MappingError):
                raise  # a read, or a verdict the answer carries (a rejection): as it is
            raise self._unreadable(endpoint, exc, client_order_id) from exc
        except Exception as exc:
            if endpoint.is_retry_safe:
                raise
            # A mapper bug on a write must not turn "it most likely acted" into a crash the
            # caller could read as "it failed": the money path reconciles instead.
            raise self._unreadable(endpoint, exc, client_order_id) from exc

    def _unreadable(
        self, endpoint: Endpoint, exc: Exception, client_order_id: str | None
    ) -> OrderOutcomeUnknown:
        return OrderOutcomeUnknown(
            f"{endpoint.method} {endpoint.path} answered but the answer could not be read "
            f"({exc}); reconcile by client order id",
            exchange=self.name,
            client_order_id=client_order_id,
        )

    def observe(self, key: str, schema: Any, raw: bytes) -> None:
        """Show a decoded payload to the configured observer (drift reports); an observer's
        failure is logged, never raised into trading."""
        observer = self._payload_observer
        if observer is None:
            return
        try:
            observer(key, schema, raw)
        except Exception:
            log.exception("%s: payload observer failed on %s", self.name, key)

    def _decoder(self, endpoint: Endpoint) -> Callable[[bytes], Any]:
        key = f"{endpoint.method} {endpoint.path}"
        decode = self._decoders.get(key)
        if decode is None:
            decode = self._decoders[key] = decoder(endpoint.extra["response"], exchange=self.name)
        return decode
