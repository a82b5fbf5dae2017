"""The classification that keeps money safe, shown over real loopback sockets."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from exchangekit.errors import (
    ExchangeUnavailable,
    IPBanned,
    NetworkError,
    OrderOutcomeUnknown,
    RateLimited,
)
from exchangekit.transport import RestTransport, RetryPolicy, Timeouts

from .fakes import (
    CREDENTIALS,
    DEPTH,
    DROP,
    NEW_ORDER,
    SILENT,
    CountingTransport,
    FakeLimiter,
    InstantClock,
    LoopbackServer,
    Reply,
    binance_signer,
    closed_port,
    no_errors,
)

ORDER_PARAMS = {"symbol": "BTCUSDT", "side": "BUY", "newClientOrderId": "cid-1"}
FAST = Timeouts(connect=1.0, read=0.3, write=1.0, pool=0.2)


def make(url: str, **kwargs: object) -> RestTransport:
    options: dict[str, object] = {
        "exchange": "binance",
        "classify": no_errors,
        "signer": binance_signer,
        "credentials": CREDENTIALS,
        "clock": InstantClock(),
        "timeouts": FAST,
        "retry": RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05),
        **kwargs,
    }
    return RestTransport(url, **options)  # type: ignore[arg-type]


async def test_read_timeout_on_order_post_raises_outcome_unknown_and_is_not_retried() -> None:
    async with LoopbackServer(SILENT) as server, make(server.url) as transport:
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await transport.request(NEW_ORDER, ORDER_PARAMS, client_order_id="cid-1")
    assert len(server.requests) == 1
    error = caught.value
    assert (error.exchange, error.client_order_id) == ("binance", "cid-1")
    assert "ReadTimeout" in error.message and "POST /api/v3/order" in error.message
    assert "signature" not in str(error)


async def test_read_timeout_on_get_is_retried_then_raises_network_error() -> None:
    async with LoopbackServer(SILENT) as server, make(server.url) as transport:
        with pytest.raises(NetworkError):
            await transport.request(DEPTH, {"symbol": "BTCUSDT"})
    assert len(server.requests) == 3


async def test_connection_dropped_after_the_order_was_written_raises_outcome_unknown() -> None:
    async with LoopbackServer(DROP) as server, make(server.url) as transport:
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await transport.request(NEW_ORDER, ORDER_PARAMS, client_order_id="cid-1")
    assert len(server.requests) == 1
    assert caught.value.client_order_id == "cid-1"
    assert "RemoteProtocolError" in caught.value.message


async def test_connection_dropped_on_a_get_is_retried_and_succeeds() -> None:
    ok = Reply(200, body=b'{"lastUpdateId":1}')
    async with LoopbackServer(DROP, ok) as server, make(server.url) as transport:
        response = await transport.request(DEPTH, {"symbol": "BTCUSDT"})
    assert response.json() == {"lastUpdateId": 1}
    assert response.attempts == 2 and len(server.requests) == 2


async def test_refused_connection_raises_network_error_after_retrying_even_an_order() -> None:
    clock = InstantClock()
    counting = CountingTransport(httpx.AsyncHTTPTransport())
    url = f"http://127.0.0.1:{closed_port()}"
    async with make(url, transport=counting, clock=clock) as transport:
        with pytest.raises(NetworkError) as caught:
            await transport.request(NEW_ORDER, ORDER_PARAMS, client_order_id="cid-1")
    # Provably never sent, so even a POST is retried: three attempts, two backoff sleeps.
    assert counting.calls == 3
    assert len(clock.slept) == 2 and all(0 <= s <= 0.05 for s in clock.slept)
    assert "ConnectError" in caught.value.message
    assert caught.value.client_order_id == "cid-1"


async def test_request_that_never_got_a_pooled_connection_raises_network_error() -> None:
    async with (
        LoopbackServer(SILENT) as server,
        make(
            server.url,
            limits=httpx.Limits(max_connections=1),
            timeouts=Timeouts(connect=1.0, read=5.0, write=1.0, pool=0.05),
        ) as transport,
    ):
        holder = asyncio.create_task(transport.request(DEPTH, {"symbol": "A"}))
        await server.arrived.wait()
        with pytest.raises(NetworkError) as caught:
            await transport.request(NEW_ORDER, ORDER_PARAMS)
        holder.cancel()
        await asyncio.gather(holder, return_exceptions=True)
    assert "PoolTimeout" in caught.value.message
    assert len(server.requests) == 1  # the order never reached the server


async def test_503_on_order_post_raises_outcome_unknown_without_retry() -> None:
    async with LoopbackServer(Reply(503)) as server, make(server.url) as transport:
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await transport.request(NEW_ORDER, ORDER_PARAMS, client_order_id="cid-1")
    assert len(server.requests) == 1
    assert caught.value.http_status == 503 and caught.value.client_order_id == "cid-1"


async def test_503_on_get_is_retried_then_raises_exchange_unavailable() -> None:
    async with LoopbackServer(Reply(503)) as server, make(server.url) as transport:
        with pytest.raises(ExchangeUnavailable) as caught:
            await transport.request(DEPTH, {"symbol": "BTCUSDT"})
    assert len(server.requests) == 3
    assert caught.value.http_status == 503 and caught.value.retryable


async def test_429_pauses_the_endpoint_pools_for_retry_after_and_raises_rate_limited() -> None:
    limiter = FakeLimiter()
    reply = Reply(429, {"Retry-After": "7", "X-MBX-USED-WEIGHT-1M": "6001"}, b'{"code":-1003}')
    async with LoopbackServer(reply) as server, make(server.url, limiter=limiter) as transport:
        with pytest.raises(RateLimited) as caught:
            await transport.request(NEW_ORDER, ORDER_PARAMS)
    assert limiter.paused == [(("ip-weight", "orders-10s"), 7.0)]
    assert caught.value.retry_after_s == 7.0 and caught.value.http_status == 429
    assert not isinstance(caught.value, IPBanned)
    assert len(server.requests) == 1  # never retried: the limiter holds the next caller


async def test_418_bans_the_ip_in_the_limiter_and_raises_ip_banned() -> None:
    limiter = FakeLimiter()
    clock = InstantClock()
    reply = Reply(418, {"Retry-After": "120"})
    async with (
        LoopbackServer(reply) as server,
        make(server.url, limiter=limiter, clock=clock) as transport,
    ):
        before = clock.now_ms()
        with pytest.raises(IPBanned) as caught:
            await transport.request(DEPTH, {"symbol": "BTCUSDT"})
        after = clock.now_ms()
    assert limiter.banned == [120.0]
    assert caught.value.until_ms is not None
    assert before + 120_000 <= caught.value.until_ms <= after + 120_000
    assert len(server.requests) == 1
