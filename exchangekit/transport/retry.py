"""When the transport retries a request by itself, and how long it waits in between.

Only two kinds of failure are retried:

* :class:`~exchangekit.errors.NetworkError` on any endpoint. On a request that is not
  retry-safe the transport raises it only when the request provably never left (connect
  error, DNS, connect or pool timeout), so resending cannot act twice.
* any retryable error (``error.retryable``: network, ``ExchangeUnavailable``) on a
  retry-safe endpoint (``GET`` by default, see ``Endpoint.retry_safe``).

Never retried: ``OrderOutcomeUnknown`` (reconcile instead), every 4xx rejection,
authentication errors, and ``RateLimited`` / ``IPBanned``: the limiter has already paused
the pools, so the *next* call waits by itself, and the caller decides whether it still wants
the data. Waits use capped exponential backoff with full jitter, slept on the injected
clock, so tests do not sleep.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from exchangekit.errors import ExchangeError, NetworkError, RateLimited
from exchangekit.transport.endpoint import Endpoint

__all__ = ["NO_RETRY", "RetryPolicy", "retrying"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How many times to try a request, and the backoff between tries.

    ``attempts`` counts every try, the first included (``1`` disables retries). The wait
    before retry ``n`` (1-based) is uniform in ``[0, min(max_delay_s, base_delay_s * 2**(n-1))]``.
    """

    attempts: int = 3
    base_delay_s: float = 0.25
    max_delay_s: float = 5.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError("delays must not be negative")

    def should_retry(self, error: BaseException, endpoint: Endpoint) -> bool:
        """Whether resending ``endpoint`` after ``error`` can never execute it twice."""
        if not isinstance(error, ExchangeError) or isinstance(error, RateLimited):
            return False
        if isinstance(error, NetworkError):
            return True
        return endpoint.is_retry_safe and error.retryable

    def delay_s(self, retry_number: int, rng: random.Random) -> float:
        """The wait before retry ``retry_number`` (1 for the first retry), full jitter."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** max(retry_number - 1, 0))
        return rng.uniform(0.0, ceiling)


NO_RETRY = RetryPolicy(attempts=1)
"""Try once; surface every failure to the caller."""


def retrying(
    policy: RetryPolicy,
    endpoint: Endpoint,
    *,
    sleep: Callable[[float], Awaitable[None]],
    rng: random.Random,
    on_retry: Callable[[BaseException, int, float], None] | None = None,
) -> AsyncRetrying:
    """A tenacity controller applying ``policy`` to calls of ``endpoint``.

    ``on_retry(error, attempt_number, delay_s)`` runs before each wait; the final failure
    is re-raised as is (never wrapped in ``tenacity.RetryError``).
    """

    def wait(state: RetryCallState) -> float:
        return policy.delay_s(state.attempt_number, rng)

    def before_sleep(state: RetryCallState) -> None:
        if on_retry is None or state.outcome is None or state.next_action is None:
            return
        error = state.outcome.exception()
        if error is not None:
            on_retry(error, state.attempt_number, state.next_action.sleep)

    return AsyncRetrying(
        sleep=sleep,
        stop=stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception(lambda error: policy.should_retry(error, endpoint)),
        before_sleep=before_sleep,
        reraise=True,
    )
