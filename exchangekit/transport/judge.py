"""Reading a response: usage sync, rate limits, the adapter's table, the status fallback.

The order matters and is the same for every response, success or not:

1. the server's usage headers go to the limiter (even on a 4xx or 5xx: they were charged);
2. the adapter's ``classify`` reads the exchange's own code. If it fails (an HTML error page,
   schema drift) on a 2xx of a request that is not retry-safe, the answer is
   ``OrderOutcomeUnknown``: the order most likely executed and we cannot read the proof;
3. HTTP 418, or an ``IPBanned`` from the table, bans the IP in the limiter; HTTP 429, or a
   ``RateLimited`` from the table (OKX 50011 arrives as HTTP 200), pauses the endpoint's
   pools. The wait comes from ``Retry-After``, else from the error, else a default;
4. anything still unclassified goes to :func:`~exchangekit.transport.outcome.classify_status`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from exchangekit.errors import (
    ExchangeError,
    IPBanned,
    MappingError,
    OrderOutcomeUnknown,
    RateLimited,
)
from exchangekit.ratelimit.spec import Cost, Pool, RateLimiter
from exchangekit.transport.endpoint import Endpoint
from exchangekit.transport.outcome import classify_status, describe, retry_after_s
from exchangekit.transport.redact import Redactor
from exchangekit.transport.response import Headers, Response
from exchangekit.transport.usage import Classifier, UsageSync

__all__ = ["ResponseJudge"]

logger = logging.getLogger("exchangekit.transport")


class ResponseJudge:
    """Decides what a received response means, and tells the limiter what it learned."""

    def __init__(
        self,
        *,
        exchange: str,
        classify: Classifier,
        limiter: RateLimiter | None,
        usage_sync: UsageSync | None,
        default_retry_after_s: float,
        default_ban_s: float,
    ) -> None:
        self.exchange = exchange
        self.limiter = limiter
        self._classify = classify
        self._usage_sync = usage_sync
        self._default_retry_after_s = default_retry_after_s
        self._default_ban_s = default_ban_s

    def judge(
        self,
        endpoint: Endpoint,
        response: Response,
        costs: Sequence[Cost],
        *,
        now_ms: int,
        acquired_at: float | None,
        client_order_id: str | None,
        redact: Redactor,
    ) -> ExchangeError | None:
        """The error to raise for ``response``, with its context filled in; ``None``: success.

        ``acquired_at`` is the clock's monotonic time read just before the limiter's
        ``acquire``; it lets the limiter place the server's usage report in time.
        """
        self._sync_usage(response.headers, acquired_at)
        error = self._run_classify(endpoint, response)
        error = self._rate_limit(endpoint, response, costs, error, now_ms)
        if error is None:
            error = classify_status(response.status, endpoint, exchange=self.exchange)
        if error is not None:
            self._fill(error, response.status, client_order_id, redact)
        return error

    def _sync_usage(self, headers: Headers, acquired_at: float | None) -> None:
        if self._usage_sync is None or self.limiter is None:
            return
        try:
            for pool, used in self._usage_sync(headers):
                self.limiter.sync_usage(pool, used, sent_at=acquired_at)
        except Exception:
            # Never let a malformed header hide the request's real outcome.
            logger.exception("usage sync failed", extra={"exchange": self.exchange})

    def _run_classify(self, endpoint: Endpoint, response: Response) -> ExchangeError | None:
        status = response.status
        try:
            return self._classify(status, response.headers, response.content, endpoint)
        except ExchangeError as exc:
            if not isinstance(exc, MappingError):
                return exc
            problem: Exception = exc
        except Exception as exc:
            problem = exc
        logger.warning(
            "classify failed on HTTP %d from %s: %s",
            status,
            describe(endpoint),
            type(problem).__name__,
            extra={"exchange": self.exchange},
        )
        if not 200 <= status < 300:
            return None  # the status fallback decides
        if endpoint.is_retry_safe:
            if isinstance(problem, MappingError):
                return problem
            return MappingError(
                f"unreadable response: {type(problem).__name__}", raw=response.content
            )
        return OrderOutcomeUnknown(
            f"{describe(endpoint)} answered HTTP {status} but the response could not be read "
            f"({type(problem).__name__}); reconcile by client order id"
        )

    def _rate_limit(
        self,
        endpoint: Endpoint,
        response: Response,
        costs: Sequence[Cost],
        error: ExchangeError | None,
        now_ms: int,
    ) -> ExchangeError | None:
        status = response.status
        banned = status == 418 or isinstance(error, IPBanned)
        if not banned and not (status == 429 or isinstance(error, RateLimited)):
            return error
        seconds = retry_after_s(response.headers, now_ms)
        if seconds is None and isinstance(error, IPBanned) and error.until_ms is not None:
            seconds = max((error.until_ms - now_ms) / 1000, 0.0)
        if seconds is None and isinstance(error, RateLimited):
            seconds = error.retry_after_s
        if seconds is None:
            seconds = self._default_ban_s if banned else self._default_retry_after_s
        code = error.code if error is not None else None
        what = f"{describe(endpoint)} answered HTTP {status}"
        if banned:
            if self.limiter is not None:
                self.limiter.ban(seconds)
            if not isinstance(error, IPBanned):
                message = error.message if error else f"{what}: IP banned"
                error = IPBanned(message, code=code)
            if error.until_ms is None:
                error.until_ms = now_ms + round(seconds * 1000)
        else:
            if self.limiter is not None:
                pools: tuple[Pool, ...] = tuple(dict.fromkeys(cost.pool for cost in costs))
                self.limiter.pause(pools, seconds)
            if not isinstance(error, RateLimited):
                message = error.message if error else f"{what}: rate limited"
                error = RateLimited(message, code=code)
        if error.retry_after_s is None:
            error.retry_after_s = seconds
        return error

    def _fill(
        self, error: ExchangeError, status: int, client_order_id: str | None, redact: Redactor
    ) -> None:
        """Complete the context the adapter's table may have left out, and scrub secrets."""
        if error.exchange is None:
            error.exchange = self.exchange
        if error.http_status is None:
            error.http_status = status
        if error.client_order_id is None:
            error.client_order_id = client_order_id
        error.message = redact(error.message)
        error.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in error.args)
