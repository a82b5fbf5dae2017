"""Secrets, keys and signatures never appear in an exception or a log line."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from exchangekit.errors import ExchangeError, OrderRejected
from exchangekit.transport import Credentials, Endpoint, Headers, RestTransport, RetryPolicy

from .fakes import API_KEY, API_SECRET, NEW_ORDER, InstantClock, binance_signer

PASSPHRASE = "correct-horse-battery"
CREDS = Credentials(API_KEY, API_SECRET, passphrase=PASSPHRASE)


def echoing_table(status: int, headers: Headers, body: bytes, endpoint: Endpoint) -> Any:
    """A careless adapter that copies the whole body into its error message."""
    if status == 400:
        return OrderRejected(f"rejected: {body.decode()}", code=-2010)
    return None


def echo_request(request: httpx.Request) -> httpx.Response:
    """A server that quotes the signed request back, headers included."""
    if request.url.path.endswith("/boom"):
        raise httpx.ConnectError(f"cannot reach {request.url} with {dict(request.headers)}")
    if request.url.path.endswith("/read"):
        raise httpx.ReadError(f"reset while reading {request.url}")
    status = 400 if request.method == "POST" else 503
    return httpx.Response(status, text=f"{request.url} {dict(request.headers)} {PASSPHRASE}")


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


async def test_no_secret_or_signature_in_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    signatures: list[str] = []

    def spying_signer(*args: Any) -> Any:
        parts = binance_signer(*args)
        signatures.extend(parts.redact)
        return parts

    transport = RestTransport(
        "https://api.example.test",
        exchange="binance",
        classify=echoing_table,
        signer=spying_signer,
        credentials=CREDS,
        clock=InstantClock(),
        retry=RetryPolicy(attempts=2, base_delay_s=0, max_delay_s=0),
        transport=httpx.MockTransport(echo_request),
    )
    signed_get = Endpoint("GET", "/api/v3/order", security=NEW_ORDER.security, cost=NEW_ORDER.cost)
    endpoints = [
        NEW_ORDER,
        signed_get,
        Endpoint("POST", "/api/v3/boom", security=NEW_ORDER.security, cost=NEW_ORDER.cost),
        Endpoint("POST", "/api/v3/read", security=NEW_ORDER.security, cost=NEW_ORDER.cost),
    ]
    errors: list[BaseException] = []
    caplog.set_level(logging.DEBUG)
    async with transport:
        for endpoint in endpoints:
            with pytest.raises(ExchangeError) as caught:
                await transport.request(endpoint, {"symbol": "BTCUSDT"}, client_order_id="c1")
            errors.append(caught.value)

    assert signatures, "the signer was never called"
    secrets = [API_SECRET, API_KEY, PASSPHRASE, *signatures]
    texts = [str(e) for e in errors] + [repr(e) for e in errors]
    texts += [repr(e.args) for e in errors]
    for error in errors:
        assert _chain(error) == [error], "an httpx exception (holding the signed request) leaked"
    texts += [r.getMessage() for r in caplog.records] + [repr(r.__dict__) for r in caplog.records]
    texts.append(repr(transport))
    assert any("HTTP Request" in r.getMessage() for r in caplog.records), "httpx did not log"
    for text in texts:
        for secret in secrets:
            assert secret not in text
    # The careless table's message survived, minus the secrets.
    assert "<redacted>" in str(errors[0]) and "rejected:" in str(errors[0])


async def test_other_origins_keep_their_query_in_httpx_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    transport = RestTransport("https://api.example.test", exchange="x", classify=echoing_table)
    await transport.aclose()  # registering the origin is what matters here
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200))
    ) as client:
        await client.get("https://unrelated.example.test/search?q=keep-me")
        await client.get("https://api.example.test/api/v3/depth?symbol=hide-me")
    text = caplog.text
    assert "q=keep-me" in text and "hide-me" not in text
