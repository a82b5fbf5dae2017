"""RestTransport's request flow, against httpx.MockTransport."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from exchangekit.clock import ManualClock
from exchangekit.errors import (
    AuthenticationError,
    ExchangeError,
    ExchangeUnavailable,
    InvalidOrder,
    IPBanned,
    MappingError,
    NotSupported,
    OrderOutcomeUnknown,
    PermissionDenied,
    RateLimited,
)
from exchangekit.ratelimit.spec import Cost, Priority
from exchangekit.transport import (
    Endpoint,
    Headers,
    RestTransport,
    RetryPolicy,
    Security,
    usage_from_headers,
)

from .fakes import (
    CREDENTIALS,
    DEPTH,
    NEW_ORDER,
    ORDERS_10S,
    QUERY_ORDER,
    UNPRICED,
    WEIGHT,
    FakeLimiter,
    InstantClock,
    binance_errors,
    binance_signer,
    no_errors,
)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that replays ``responses`` (the last repeats)."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = responses or (httpx.Response(200, json={}),)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.responses[min(len(self.requests), len(self.responses)) - 1]
        if isinstance(reply, Exception):
            raise reply
        return reply


def make(handler: Handler, **kwargs: Any) -> RestTransport:
    options: dict[str, Any] = {
        "exchange": "binance",
        "classify": no_errors,
        "signer": binance_signer,
        "credentials": CREDENTIALS,
        "clock": InstantClock(),
        "retry": RetryPolicy(attempts=3, base_delay_s=0.001, max_delay_s=0.001),
        "transport": httpx.MockTransport(handler),
        **kwargs,
    }
    return RestTransport("https://api.example.test", **options)


async def test_signed_request_sends_exactly_the_query_it_signed() -> None:
    # Binance's documented example: the same parameters, key, secret and timestamp must give
    # the documented signature, and the query on the wire must be the signed string.
    recorder = Recorder()
    clock = ManualClock(epoch_ms=1499827319559)
    params = {
        "symbol": "LTCBTC",
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": 1,
        "price": Decimal("0.1"),
    }
    async with make(recorder, clock=clock) as transport:
        await transport.request(NEW_ORDER, params)
    (request,) = recorder.requests
    assert request.url.query.decode() == (
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
        "&recvWindow=5000&timestamp=1499827319559"
        "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )
    assert request.headers["X-MBX-APIKEY"] == CREDENTIALS.api_key
    assert request.headers["User-Agent"].startswith("exchangekit/")


async def test_public_endpoint_is_never_signed() -> None:
    def refuse(*args: object) -> Any:
        raise AssertionError("a public endpoint reached the signer")

    recorder = Recorder()
    async with make(recorder, signer=refuse, credentials=None) as transport:
        await transport.request(DEPTH, {"symbol": "BTCUSDT", "limit": 100})
    assert recorder.requests[0].url.query == b"symbol=BTCUSDT&limit=100"
    assert "X-MBX-APIKEY" not in recorder.requests[0].headers


async def test_signed_endpoint_without_credentials_is_refused_before_sending() -> None:
    recorder = Recorder()
    limiter = FakeLimiter()
    async with make(recorder, credentials=None, limiter=limiter) as transport:
        with pytest.raises(AuthenticationError):
            await transport.request(QUERY_ORDER, {"symbol": "BTCUSDT"})
    assert recorder.requests == [] and limiter.acquired == []


@pytest.mark.parametrize("with_limiter", [True, False])
async def test_endpoint_with_no_declared_cost_is_refused_before_sending(with_limiter: bool) -> None:
    recorder = Recorder()
    limiter = FakeLimiter() if with_limiter else None
    async with make(recorder, limiter=limiter) as transport:
        with pytest.raises(NotSupported, match="no rate-limit cost"):
            await transport.request(UNPRICED)
    assert recorder.requests == []


async def test_limiter_is_charged_the_parameter_dependent_cost_at_the_endpoint_priority() -> None:
    def depth_weight(params: Mapping[str, Any]) -> tuple[Cost, ...]:
        return (Cost(WEIGHT, 5 if int(params.get("limit", 100)) <= 100 else 25),)

    depth = Endpoint("GET", "/api/v3/depth", cost=depth_weight)
    limiter = FakeLimiter()
    async with make(Recorder(), limiter=limiter) as transport:
        await transport.request(depth, {"symbol": "BTCUSDT", "limit": 500})
        await transport.request(NEW_ORDER, {"symbol": "BTCUSDT"})
    assert limiter.acquired == [
        ((Cost(WEIGHT, 25),), Priority.MARKET_DATA),
        ((Cost(WEIGHT, 1), Cost(ORDERS_10S, 1)), Priority.ORDER),
    ]


async def test_usage_headers_are_synced_after_success_and_after_an_error() -> None:
    limiter = FakeLimiter()
    recorder = Recorder(
        httpx.Response(200, headers={"X-MBX-USED-WEIGHT-1M": "42"}, json={}),
        httpx.Response(
            400,
            headers={"x-mbx-used-weight-1m": "43", "X-MBX-ORDER-COUNT-10S": "junk"},
            json={"code": -1013},
        ),
    )
    usage = usage_from_headers([WEIGHT, ORDERS_10S])
    async with make(recorder, limiter=limiter, usage_sync=usage, classify=binance_errors) as t:
        await t.request(DEPTH)
        with pytest.raises(InvalidOrder):
            await t.request(NEW_ORDER)
    assert limiter.synced == [("ip-weight", 42.0), ("ip-weight", 43.0)]
    assert all(isinstance(t, float) for t in limiter.sent_at)  # placed in time for the limiter


async def test_usage_report_is_placed_at_the_clock_time_read_before_acquire() -> None:
    clock = ManualClock(start_s=100.0)
    limiter = FakeLimiter()
    recorder = Recorder(httpx.Response(200, headers={"X-MBX-USED-WEIGHT-1M": "7"}))
    usage = usage_from_headers([WEIGHT])
    async with make(recorder, limiter=limiter, usage_sync=usage, clock=clock) as transport:
        await transport.request(DEPTH)
    assert limiter.sent_at == [100.0] and limiter.synced == [("ip-weight", 7.0)]


async def test_a_broken_usage_sync_never_hides_the_outcome() -> None:
    def broken(headers: Headers) -> Any:
        raise RuntimeError("bad header")

    async with make(Recorder(), limiter=FakeLimiter(), usage_sync=broken) as transport:
        response = await transport.request(DEPTH)
    assert response.status == 200


async def test_adapter_table_wins_and_errors_get_the_request_context() -> None:
    recorder = Recorder(httpx.Response(400, json={"code": -1013, "msg": "Filter failure"}))
    async with make(recorder, classify=binance_errors) as transport:
        with pytest.raises(InvalidOrder) as caught:
            await transport.request(NEW_ORDER, {"symbol": "BTCUSDT"}, client_order_id="cid-9")
    error = caught.value
    assert (error.exchange, error.http_status, error.code, error.client_order_id) == (
        "binance",
        400,
        -1013,
        "cid-9",
    )
    assert len(recorder.requests) == 1  # a rejection is never retried


@pytest.mark.parametrize(
    ("status", "endpoint", "expected"),
    [
        (400, NEW_ORDER, OrderOutcomeUnknown),
        (409, NEW_ORDER, OrderOutcomeUnknown),
        (408, NEW_ORDER, OrderOutcomeUnknown),
        (500, NEW_ORDER, OrderOutcomeUnknown),
        (401, NEW_ORDER, AuthenticationError),
        (403, NEW_ORDER, PermissionDenied),
        (400, DEPTH, ExchangeError),
        (404, DEPTH, ExchangeError),
        (302, DEPTH, ExchangeError),
        (408, DEPTH, ExchangeUnavailable),
        (502, DEPTH, ExchangeUnavailable),
        (401, DEPTH, AuthenticationError),
    ],
)
async def test_statuses_the_adapter_left_unclassified_follow_the_fallback_table(
    status: int, endpoint: Endpoint, expected: type[ExchangeError]
) -> None:
    recorder = Recorder(httpx.Response(status))
    async with make(recorder) as transport:
        with pytest.raises(ExchangeError) as caught:
            await transport.request(endpoint)
    assert type(caught.value) is expected
    assert caught.value.http_status == status
    retried = expected is ExchangeUnavailable
    assert len(recorder.requests) == (3 if retried else 1)


async def test_rate_limit_answered_in_the_body_still_pauses_the_pools() -> None:
    # OKX answers 50011 "Rate limit reached" with HTTP 200; only the adapter can see it.
    def okx_table(status: int, headers: Headers, body: bytes, endpoint: Endpoint) -> Any:
        return RateLimited("Rate limit reached", code=50011) if b"50011" in body else None

    limiter = FakeLimiter()
    recorder = Recorder(httpx.Response(200, json={"code": "50011"}))
    async with make(recorder, classify=okx_table, limiter=limiter) as transport:
        with pytest.raises(RateLimited) as caught:
            await transport.request(DEPTH)
    assert limiter.paused == [(("ip-weight",), 1.0)]
    assert caught.value.code == 50011 and caught.value.retry_after_s == 1.0


async def test_ban_announced_in_the_body_bans_until_the_stated_time() -> None:
    clock = ManualClock(epoch_ms=1_000_000)

    def table(status: int, headers: Headers, body: bytes, endpoint: Endpoint) -> Any:
        return IPBanned("IP banned until 1300000", code=-1003, until_ms=1_300_000)

    limiter = FakeLimiter()
    async with make(
        Recorder(httpx.Response(429)), classify=table, limiter=limiter, clock=clock
    ) as t:
        with pytest.raises(IPBanned) as caught:
            await t.request(DEPTH)
    assert limiter.banned == [300.0] and limiter.paused == []
    assert caught.value.until_ms == 1_300_000 and caught.value.retry_after_s == 300.0


async def test_429_without_retry_after_pauses_for_the_default() -> None:
    limiter = FakeLimiter()
    async with make(
        Recorder(httpx.Response(429)), limiter=limiter, default_retry_after_s=2.5
    ) as transport:
        with pytest.raises(RateLimited) as caught:
            await transport.request(DEPTH)
    assert limiter.paused == [(("ip-weight",), 2.5)] and caught.value.retry_after_s == 2.5


@pytest.mark.parametrize("endpoint", [NEW_ORDER, DEPTH])
async def test_unreadable_success_is_unknown_for_orders_and_mapping_error_for_reads(
    endpoint: Endpoint,
) -> None:
    def fragile(status: int, headers: Headers, body: bytes, endpoint: Endpoint) -> Any:
        return {}["code"]  # an adapter bug: KeyError

    async with make(Recorder(), classify=fragile) as transport:
        with pytest.raises(ExchangeError) as caught:
            await transport.request(endpoint, client_order_id="cid-2")
    expected = OrderOutcomeUnknown if endpoint is NEW_ORDER else MappingError
    assert type(caught.value) is expected
    assert caught.value.client_order_id == "cid-2"


async def test_body_is_sent_byte_for_byte_with_its_content_type() -> None:
    recorder = Recorder()
    body = '{"instId":"BTC-USDT","sz":"0.01"}'
    async with make(recorder) as transport:
        await transport.request(NEW_ORDER, body=body)
        await transport.request(
            NEW_ORDER, body=b"quantity=1", content_type="application/x-www-form-urlencoded"
        )
    first, second = recorder.requests
    assert first.content == body.encode() and first.headers["Content-Type"] == "application/json"
    assert second.headers["Content-Type"] == "application/x-www-form-urlencoded"
    # The Binance-style signer signs query + body, so the timestamp param precedes the body.
    pairs = dict(parse_qsl(second.url.query.decode()))
    assert set(pairs) == {"recvWindow", "timestamp", "signature"}


async def test_float_parameters_are_refused_before_sending() -> None:
    recorder = Recorder()
    async with make(recorder) as transport:
        with pytest.raises(TypeError, match="Decimal"):
            await transport.request(NEW_ORDER, {"price": 0.1})  # type: ignore[dict-item]
    assert recorder.requests == []


async def test_each_retry_is_charged_and_signed_again() -> None:
    limiter = FakeLimiter()
    recorder = Recorder(httpx.Response(503), httpx.Response(200, json={}))
    async with make(recorder, limiter=limiter) as transport:
        response = await transport.request(QUERY_ORDER, {"symbol": "BTCUSDT"})
    assert response.attempts == 2 and len(limiter.acquired) == 2
    assert all(b"signature=" in r.url.query for r in recorder.requests)


async def test_network_error_on_order_is_retried_but_read_failure_is_not() -> None:
    connect = Recorder(httpx.ConnectError("refused"), httpx.Response(200, json={}))
    async with make(connect) as transport:
        assert (await transport.request(NEW_ORDER)).attempts == 2
    read = Recorder(httpx.ReadError("reset"))
    async with make(read) as transport:
        with pytest.raises(OrderOutcomeUnknown):
            await transport.request(NEW_ORDER)
    assert len(read.requests) == 1


async def test_a_closed_transport_refuses_requests() -> None:
    transport = make(Recorder())
    await transport.aclose()
    assert transport.closed
    with pytest.raises(RuntimeError, match="closed"):
        await transport.request(DEPTH)


async def test_api_key_endpoint_sends_the_key_without_a_signature() -> None:
    listen_key = Endpoint(
        "POST", "/api/v3/userDataStream", security=Security.API_KEY, cost=(Cost(WEIGHT, 2),)
    )
    recorder = Recorder()
    async with make(recorder) as transport:
        await transport.request(listen_key)
    (request,) = recorder.requests
    assert request.headers["X-MBX-APIKEY"] == CREDENTIALS.api_key
    assert request.url.query == b""


async def test_requests_inside_a_priority_lane_wait_in_that_lane() -> None:
    from exchangekit.ratelimit.lane import priority_lane

    recorder = Recorder()
    limiter = FakeLimiter()
    async with make(recorder, limiter=limiter) as transport:
        await transport.request(DEPTH, {"symbol": "BTCUSDT", "limit": 100})
        with priority_lane(Priority.KILL_SWITCH):
            await transport.request(DEPTH, {"symbol": "BTCUSDT", "limit": 100})
    assert [p for _, p in limiter.acquired] == [DEPTH.priority, Priority.KILL_SWITCH]
