"""What each network failure means, for a read and for an order."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from exchangekit.errors import ExchangeError, NetworkError, OrderOutcomeUnknown
from exchangekit.transport import classify_exception, retry_after_s

from .fakes import DEPTH, NEW_ORDER

REQUEST = httpx.Request("POST", "https://api.example.test/api/v3/order")

NOT_SENT = [
    httpx.ConnectError("[Errno -2] Name or service not known"),  # DNS failure
    httpx.ConnectError("[Errno 111] Connection refused"),
    httpx.ConnectTimeout("timed out"),
    httpx.PoolTimeout("no connection available"),
    httpx.ProxyError("proxy refused CONNECT"),
]
MAYBE_SENT = [
    httpx.ReadTimeout("timed out"),
    httpx.ReadError("connection reset"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
    httpx.WriteError("broken pipe"),
    httpx.WriteTimeout("timed out"),
    httpx.DecodingError("bad gzip"),
]


@pytest.mark.parametrize("exc", NOT_SENT, ids=lambda e: type(e).__name__)
def test_failures_before_sending_are_network_errors_for_any_endpoint(
    exc: httpx.HTTPError,
) -> None:
    for endpoint in (NEW_ORDER, DEPTH):
        error = classify_exception(exc, endpoint, exchange="x", client_order_id="c")
        assert type(error) is NetworkError and error.retryable
        assert error.client_order_id == "c" and error.exchange == "x"


@pytest.mark.parametrize("exc", MAYBE_SENT, ids=lambda e: type(e).__name__)
def test_failures_after_writing_are_unknown_for_orders_and_retryable_for_reads(
    exc: httpx.HTTPError,
) -> None:
    order = classify_exception(exc, NEW_ORDER, exchange="x", client_order_id="c")
    assert type(order) is OrderOutcomeUnknown and not order.retryable
    assert order.client_order_id == "c"
    read = classify_exception(exc, DEPTH, exchange="x")
    assert type(read) is NetworkError and read.retryable


@pytest.mark.parametrize(
    "exc",
    [httpx.UnsupportedProtocol("ftp://"), httpx.LocalProtocolError("bad header")],
    ids=lambda e: type(e).__name__,
)
def test_a_request_that_could_not_be_built_is_neither_retried_nor_unknown(
    exc: httpx.HTTPError,
) -> None:
    error = classify_exception(exc, NEW_ORDER, exchange="x")
    assert type(error) is ExchangeError and not error.retryable


def test_messages_name_the_method_and_path_and_the_caller_scrubbed_detail_only() -> None:
    exc = httpx.ReadTimeout("timed out", request=REQUEST)
    error = classify_exception(exc, NEW_ORDER, exchange="x", detail="timed out")
    assert error.message.endswith("POST /api/v3/order: ReadTimeout (timed out)")


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7", 7.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None), ("nan", None), ("inf", None)],
)
def test_retry_after_accepts_seconds_and_rejects_junk(header: str, expected: float | None) -> None:
    assert retry_after_s({"retry-after": header}, 0) == expected


def test_retry_after_accepts_an_http_date_relative_to_now() -> None:
    now_ms = 1_700_000_000_000
    date = email.utils.formatdate(now_ms / 1000 + 30, usegmt=True)
    assert retry_after_s(httpx.Headers({"Retry-After": date}), now_ms) == pytest.approx(30, abs=1)
    assert retry_after_s({}, now_ms) is None
