"""The HTTP transport every adapter composes: limit, sign, send, classify, retry.

One request goes through these steps, in this order:

1. **cost**: ``endpoint.costs(params)``; an endpoint with no declared cost is refused
   before anything else (fail closed), limiter or not;
2. **limit**: ``await limiter.acquire(costs, priority=endpoint.priority)``;
3. **sign**: non-public endpoints go through the adapter's pure :class:`Signer`, with the
   timestamp taken from :class:`ServerTimeSync` (local clock plus the server offset);
4. **send** on the transport's single pooled ``httpx.AsyncClient``;
5. after *any* response: **usage sync** (the server's used-weight headers go to the limiter),
   the adapter's **classify** table, then **429 / 418** (pause the endpoint's pools / ban
   the IP, raise ``RateLimited`` / ``IPBanned``, keeping the table's code and message), then
   the status fallback of :mod:`exchangekit.transport.outcome`
   (see :mod:`exchangekit.transport.judge`);
6. **retry** per :class:`RetryPolicy`: only what provably did not execute, or what is safe to
   execute twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from exchangekit.clock import Clock, SystemClock
from exchangekit.errors import (
    AuthenticationError,
    ExchangeError,
    NotSupported,
    OrderOutcomeUnknown,
)
from exchangekit.ratelimit.lane import effective_priority
from exchangekit.ratelimit.spec import Cost, RateLimiter
from exchangekit.transport.credentials import Credentials
from exchangekit.transport.endpoint import Endpoint, Security
from exchangekit.transport.judge import ResponseJudge
from exchangekit.transport.outcome import classify_exception, describe
from exchangekit.transport.redact import Redactor, redact_httpx_urls
from exchangekit.transport.response import Response, Timeouts
from exchangekit.transport.retry import RetryPolicy, retrying
from exchangekit.transport.signing import (
    Params,
    QueryPairs,
    SignedParts,
    Signer,
    encode_params,
    normalize_params,
)
from exchangekit.transport.timesync import ServerTimeSync, TimeSample
from exchangekit.transport.usage import Classifier, UsageSync

__all__ = ["RestTransport"]

logger = logging.getLogger("exchangekit.transport")


def _default_user_agent() -> str:
    from exchangekit import __version__

    return f"exchangekit/{__version__}"


def _exception_detail(exc: Exception, request: httpx.Request, redact: Redactor) -> str:
    """``str(exc)`` with the signed URL cut to its path, then scrubbed of secrets."""
    text = str(exc)
    url = str(request.url)
    if url in text:
        text = text.replace(url, str(request.url.copy_with(query=None)))
    return redact(text)


class RestTransport:
    """An adapter's HTTP connection to one exchange API (one base URL).

    ``classify`` is the adapter's error table (see :data:`Classifier`); ``signer`` and
    ``credentials`` are needed only for non-public endpoints; ``usage_sync`` reads the
    server's usage headers; ``transport`` replaces the network (``httpx.MockTransport`` in
    tests). A 429 or 418 without ``Retry-After`` pauses for ``default_retry_after_s`` or
    bans for ``default_ban_s``. Use it as an async context manager, or call :meth:`aclose`.

    Give the limiter and the transport the same ``clock``: usage reports are placed in time
    with the transport clock's ``monotonic()`` read before ``acquire``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        exchange: str,
        classify: Classifier,
        limiter: RateLimiter | None = None,
        signer: Signer | None = None,
        credentials: Credentials | None = None,
        usage_sync: UsageSync | None = None,
        clock: Clock | None = None,
        time_sync: ServerTimeSync | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        limits: httpx.Limits | None = None,
        user_agent: str | None = None,
        default_retry_after_s: float = 1.0,
        default_ban_s: float = 120.0,
        rng: random.Random | None = None,
    ) -> None:
        self.exchange = exchange
        self.base_url = base_url.rstrip("/")
        self.clock: Clock = clock or SystemClock()
        self.time_sync = time_sync or ServerTimeSync(self.clock)
        self.limiter = limiter
        self.retry_policy = retry or RetryPolicy()
        self._signer = signer
        self._credentials = credentials
        self._judge = ResponseJudge(
            exchange=exchange,
            classify=classify,
            limiter=limiter,
            usage_sync=usage_sync,
            default_retry_after_s=default_retry_after_s,
            default_ban_s=default_ban_s,
        )
        self._rng = rng or random.Random()
        self._redact = Redactor(credentials.secrets() if credentials else ())
        self._client = httpx.AsyncClient(
            timeout=(timeouts or Timeouts()).to_httpx(),
            limits=limits or httpx.Limits(max_connections=50, max_keepalive_connections=20),
            headers={"User-Agent": user_agent or _default_user_agent()},
            transport=transport,
            follow_redirects=False,
        )
        redact_httpx_urls(self.base_url)

    def __repr__(self) -> str:
        return f"RestTransport({self.base_url!r}, exchange={self.exchange!r})"

    # -- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections. The transport cannot be used afterwards."""
        await self._client.aclose()

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` has run."""
        return self._client.is_closed

    # -- requests --------------------------------------------------------------------------

    async def request(
        self,
        endpoint: Endpoint,
        params: Params | None = None,
        *,
        body: bytes | str | None = None,
        content_type: str = "application/json",
        client_order_id: str | None = None,
    ) -> Response:
        """Send ``endpoint`` with ``params`` (query string, in order) and ``body`` (bytes
        sent as is, with ``content_type``); return the response or raise an
        :class:`~exchangekit.errors.ExchangeError` that says what is safe to do next.

        ``client_order_id`` is not sent (it belongs in ``params`` or ``body`` under the
        exchange's name); it is attached to every error so the caller can reconcile.
        """
        if self.closed:
            raise RuntimeError(f"{self!r} is closed")
        pairs = normalize_params(params)
        costs = self._costs(endpoint, params)
        if endpoint.security is not Security.PUBLIC and (
            self._signer is None or self._credentials is None
        ):
            raise AuthenticationError(
                f"{describe(endpoint)} needs credentials and a signer; none configured",
                exchange=self.exchange,
                client_order_id=client_order_id,
            )
        content = body.encode("utf-8") if isinstance(body, str) else body
        attempts = 0

        async def attempt() -> Response:
            nonlocal attempts
            attempts += 1
            return await self._attempt(
                endpoint, pairs, content, content_type, costs, client_order_id, attempts
            )

        if self.retry_policy.attempts == 1:
            return await attempt()

        def on_retry(error: BaseException, attempt_number: int, delay_s: float) -> None:
            logger.warning(
                "retrying %s after %s (attempt %d failed, waiting %.2f s)",
                describe(endpoint),
                type(error).__name__,
                attempt_number,
                delay_s,
                extra=self._log_fields(endpoint, client_order_id, attempt=attempt_number),
            )

        controller = retrying(
            self.retry_policy, endpoint, sleep=self.clock.sleep, rng=self._rng, on_retry=on_retry
        )
        return await controller(attempt)

    async def sync_time(self, endpoint: Endpoint, parse: Callable[[Response], int]) -> int:
        """Learn the server-time offset from ``endpoint``; return it in ms.

        ``parse`` extracts the server's epoch ms from the response (Binance ``serverTime``).
        The round trip used is the send itself, not the wait for the limiter.
        """

        async def sample() -> TimeSample:
            response = await self.request(endpoint)
            return TimeSample(parse(response), response.sent_ms, response.received_ms)

        offset = await self.time_sync.sync(sample)
        logger.info(
            "server time offset %d ms (rtt %s ms)",
            offset,
            self.time_sync.rtt_ms,
            extra={"exchange": self.exchange, "offset_ms": offset},
        )
        return offset

    # -- one attempt -----------------------------------------------------------------------

    def _costs(self, endpoint: Endpoint, params: Params | None) -> tuple[Cost, ...]:
        raw: Mapping[str, Any] = params if isinstance(params, Mapping) else dict(params or ())
        costs = endpoint.costs(raw)
        if not costs:
            # Fail closed: an endpoint nobody priced could burn a budget we cannot see.
            raise NotSupported(
                f"{describe(endpoint)} declares no rate-limit cost; refusing to send it "
                "(declare Cost(pool, 0) for an endpoint that is really free)",
                exchange=self.exchange,
            )
        return costs

    async def _attempt(
        self,
        endpoint: Endpoint,
        pairs: QueryPairs,
        body: bytes | None,
        content_type: str,
        costs: Sequence[Cost],
        client_order_id: str | None,
        attempt: int,
    ) -> Response:
        # Read before acquire: the limiter places the server's usage report in time with it.
        acquired_at = self.clock.monotonic()
        if self.limiter is not None:
            await self.limiter.acquire(costs, priority=effective_priority(endpoint.priority))
        request, redact = self._build(endpoint, pairs, body, content_type)
        sent_at, sent_ms = self.clock.monotonic(), self.clock.now_ms()
        failure: ExchangeError | None = None
        try:
            response = await self._client.send(request)
        except httpx.HTTPError as exc:
            failure = classify_exception(
                exc,
                endpoint,
                exchange=self.exchange,
                client_order_id=client_order_id,
                detail=_exception_detail(exc, request, redact),
            )
        except asyncio.CancelledError:
            if not endpoint.is_retry_safe:
                logger.warning(
                    "%s cancelled while in flight: it may have executed",
                    describe(endpoint),
                    extra=self._log_fields(endpoint, client_order_id, attempt=attempt),
                )
            raise
        if failure is not None:
            # Raised outside the except block on purpose: no __context__ chain to the httpx
            # exception, whose request carries the signed URL and the key header.
            self._log_failure(failure, endpoint, client_order_id, attempt)
            raise failure
        received_at, received_ms = self.clock.monotonic(), self.clock.now_ms()
        result = Response(
            status=response.status_code,
            headers=response.headers,
            content=response.content,
            sent_at=sent_at,
            received_at=received_at,
            sent_ms=sent_ms,
            received_ms=received_ms,
            attempts=attempt,
        )
        logger.debug(
            "%s -> HTTP %d in %.1f ms",
            describe(endpoint),
            result.status,
            result.elapsed_s * 1000,
            extra=self._log_fields(
                endpoint, client_order_id, attempt=attempt, http_status=result.status
            ),
        )
        error = self._judge.judge(
            endpoint,
            result,
            costs,
            now_ms=received_ms,
            acquired_at=acquired_at,
            client_order_id=client_order_id,
            redact=redact,
        )
        if error is not None:
            self._log_failure(error, endpoint, client_order_id, attempt)
            raise error
        return result

    def _build(
        self, endpoint: Endpoint, pairs: QueryPairs, body: bytes | None, content_type: str
    ) -> tuple[httpx.Request, Redactor]:
        signed = SignedParts()
        if endpoint.security is not Security.PUBLIC:
            assert self._signer is not None and self._credentials is not None
            signed = self._signer(endpoint, pairs, body, self.time_sync.now_ms(), self._credentials)
        query = encode_params((*pairs, *signed.params))
        url = f"{self.base_url}{endpoint.path}{'?' + query if query else ''}"
        content = signed.body if signed.body is not None else body
        headers = dict(signed.headers)
        if content is not None:
            headers.setdefault("Content-Type", content_type)
        request = self._client.build_request(
            endpoint.method.upper(), url, content=content, headers=headers
        )
        redact = self._redact.extend(signed.redact) if signed.redact else self._redact
        return request, redact

    # -- errors and logs -------------------------------------------------------------------

    def _log_failure(
        self, error: ExchangeError, endpoint: Endpoint, client_order_id: str | None, attempt: int
    ) -> None:
        level = logging.ERROR if isinstance(error, OrderOutcomeUnknown) else logging.WARNING
        logger.log(
            level,
            "%s failed: %s",
            describe(endpoint),
            error,
            extra=self._log_fields(
                endpoint,
                client_order_id,
                attempt=attempt,
                http_status=error.http_status,
                error_type=type(error).__name__,
            ),
        )

    def _log_fields(
        self, endpoint: Endpoint, client_order_id: str | None, **fields: Any
    ) -> dict[str, Any]:
        return {
            "exchange": self.exchange,
            "http_method": endpoint.method.upper(),
            "path": endpoint.path,
            "client_order_id": client_order_id,
            **fields,
        }
