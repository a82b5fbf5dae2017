"""Binance codes and HTTP statuses map to the error that says what is safe to do next."""

import json

import pytest
from exchangekit_binance.errors import (
    SPOT_ERRORS,
    USDM_ERRORS,
    TimestampOutsideRecvWindow,
    classify,
    error_for_code,
)

from exchangekit import (
    AuthenticationError,
    DuplicateClientOrderId,
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    IPBanned,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRejected,
    PermissionDenied,
    RateLimited,
)


def body(code: int, msg: str) -> bytes:
    return json.dumps({"code": code, "msg": msg}).encode()


@pytest.mark.parametrize(
    ("code", "msg", "market", "expected"),
    [
        (-1007, "Timeout waiting for response from backend server.", "spot", OrderOutcomeUnknown),
        (-1006, "An unexpected response was received.", "usdm", OrderOutcomeUnknown),
        (
            -1000,
            "An unknown error occurred while processing the request.",
            "spot",
            OrderOutcomeUnknown,
        ),
        (-1001, "Internal error; unable to process your request.", "spot", OrderOutcomeUnknown),
        (-1001, "Internal error; unable to process your request.", "usdm", ExchangeUnavailable),
        (-2010, "Order would immediately match and take.", "spot", OrderRejected),
        (-2010, "Market is closed.", "spot", OrderRejected),
        (-2010, "Duplicate order sent.", "spot", DuplicateClientOrderId),
        (
            -2010,
            "Account has insufficient balance for requested action.",
            "spot",
            InsufficientFunds,
        ),
        (-2013, "Order does not exist.", "spot", OrderNotFound),
        (-2013, "Order does not exist.", "usdm", OrderNotFound),
        (-2011, "Unknown order sent.", "spot", OrderNotFound),
        (-2011, "Order was not canceled due to cancel restrictions.", "spot", OrderRejected),
        (-1013, "Filter failure: PRICE_FILTER", "spot", InvalidOrder),
        (-1111, "Precision is over the maximum defined for this asset.", "usdm", InvalidOrder),
        (-1100, "Illegal characters found in a parameter.", "spot", InvalidOrder),
        (-1121, "Invalid symbol.", "spot", InvalidOrder),
        (-1130, "Invalid data sent for a parameter.", "spot", InvalidOrder),
        (-1199, "A new 11xx code.", "spot", InvalidOrder),
        (-4164, "Order's notional must be no smaller than 5.", "usdm", InvalidOrder),
        (-4014, "Price not increased by tick size.", "usdm", InvalidOrder),
        (
            -1021,
            "Timestamp for this request is outside of the recvWindow.",
            "spot",
            TimestampOutsideRecvWindow,
        ),
        (
            -5028,
            "Timestamp for this request is outside of the ME recvWindow.",
            "usdm",
            TimestampOutsideRecvWindow,
        ),
        (-1022, "Signature for this request is not valid.", "spot", AuthenticationError),
        (-2014, "API-key format invalid.", "spot", AuthenticationError),
        (-2015, "Invalid API-key, IP, or permissions for action.", "usdm", PermissionDenied),
        (-1003, "Too much request weight used.", "spot", RateLimited),
        (-1015, "Too many new orders.", "spot", RateLimited),
        (-2019, "Margin is insufficient.", "usdm", InsufficientFunds),
        (-2018, "Balance is insufficient.", "usdm", InsufficientFunds),
        (-2021, "Order would immediately trigger.", "usdm", InvalidOrder),
        (-2022, "ReduceOnly Order is rejected.", "usdm", OrderRejected),
        (-2021, "Order cancel-replace partially failed.", "spot", OrderOutcomeUnknown),
        (-2022, "Order cancel-replace failed.", "spot", OrderRejected),
        (
            -5021,
            "Due to the order could not be filled immediately, the FOK order has been rejected.",
            "usdm",
            OrderRejected,
        ),
        (
            -5022,
            "Due to the order could not be executed as maker, the Post Only order will be rejected.",
            "usdm",
            OrderRejected,
        ),
        (-4120, "Order type not supported for this endpoint.", "usdm", NotSupported),
        (-1008, "Server is currently overloaded.", "spot", ExchangeUnavailable),
    ],
)
def test_code_maps_to_the_documented_error_class(
    code: int, msg: str, market: str, expected: type[ExchangeError]
) -> None:
    err = error_for_code(code, msg, market=market, client_order_id="cid-1")  # type: ignore[arg-type]
    assert type(err) is expected
    assert (err.code, err.message, err.exchange, err.client_order_id) == (
        code,
        msg,
        "binance",
        "cid-1",
    )


def test_duplicate_client_order_id_is_not_a_rejection() -> None:
    err = error_for_code(-2010, "Duplicate order sent.")
    assert not isinstance(err, OrderRejected)


def test_timestamp_error_asks_the_transport_to_resync_the_clock() -> None:
    err = error_for_code(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    assert isinstance(err, AuthenticationError)
    assert getattr(err, "resync_clock", False) is True


def test_ip_ban_message_carries_when_the_ban_lifts() -> None:
    err = error_for_code(-1003, "Way too much request weight used; IP banned until 1735689600000.")
    assert isinstance(err, IPBanned)
    assert err.until_ms == 1735689600000


@pytest.mark.parametrize("table", [SPOT_ERRORS, USDM_ERRORS], ids=["spot", "usdm"])
def test_every_table_row_names_the_code_and_its_documented_meaning(table: dict) -> None:  # type: ignore[type-arg]
    for code, rule in table.items():
        assert code < 0
        assert issubclass(rule.error, ExchangeError)
        assert rule.name and rule.meaning


def test_success_responses_classify_as_none() -> None:
    assert classify(200, b'{"orderId": 1}') is None
    assert (
        classify(
            200,
            b'{"code": 200, "msg": "The operation of cancel all open order is done."}',
            market="usdm",
        )
        is None
    )
    assert classify(200, b"[]") is None
    assert classify(204, b"") is None


def test_a_negative_code_in_a_2xx_body_is_still_an_error() -> None:
    assert isinstance(classify(200, body(-2013, "Order does not exist.")), OrderNotFound)


def test_4xx_body_is_classified_by_code_with_the_response_context() -> None:
    err = classify(400, body(-1121, "Invalid symbol."), client_order_id="abc")
    assert isinstance(err, InvalidOrder)
    assert (err.http_status, err.code, err.client_order_id) == (400, -1121, "abc")


def test_spot_5xx_html_page_on_an_order_is_outcome_unknown() -> None:
    err = classify(502, b"<html><body>502 Bad Gateway</body></html>", client_order_id="abc")
    assert isinstance(err, OrderOutcomeUnknown)
    assert err.http_status == 502
    assert err.client_order_id == "abc"


def test_5xx_on_a_read_is_a_plain_retryable_unavailability() -> None:
    err = classify(503, b"<html>oops</html>", retry_safe=True)
    assert type(err) is ExchangeUnavailable
    assert err.retryable


def test_timeout_code_on_a_5xx_order_is_outcome_unknown() -> None:
    err = classify(500, body(-1007, "Timeout waiting for response from backend server."))
    assert isinstance(err, OrderOutcomeUnknown)
    assert err.code == -1007


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            body(-1000, "Unknown error, please check your request or try again later."),
            OrderOutcomeUnknown,
        ),
        (b"Service Unavailable.", ExchangeUnavailable),
        (
            body(-1001, "Internal error; unable to process your request. Please try again."),
            ExchangeUnavailable,
        ),
        (
            body(
                -1008,
                "Request throttled by system-level protection. Reduce-only/close-position orders are exempt.",
            ),
            ExchangeUnavailable,
        ),
        (b"<html>something else</html>", OrderOutcomeUnknown),
    ],
)
def test_futures_503_variants_split_unknown_from_failed(payload: bytes, expected: type) -> None:
    err = classify(503, payload, market="usdm", client_order_id="abc")
    assert type(err) is expected


def test_futures_408_backend_timeout_on_an_order_is_outcome_unknown() -> None:
    assert isinstance(classify(408, b"", market="usdm"), OrderOutcomeUnknown)


def test_429_carries_retry_after_from_the_header() -> None:
    err = classify(429, body(-1003, "Too much request weight used."), retry_after="17")
    assert type(err) is RateLimited
    assert err.retry_after_s == 17.0


def test_429_order_count_limit_comes_without_retry_after() -> None:
    err = classify(
        429, body(-1015, "Too many new orders; current limit is 100 orders per 10 SECOND.")
    )
    assert type(err) is RateLimited
    assert err.retry_after_s is None


def test_429_with_an_unreadable_body_is_still_rate_limited() -> None:
    err = classify(429, b"<html>slow down</html>", retry_after="3")
    assert type(err) is RateLimited
    assert err.retry_after_s == 3.0


def test_418_is_an_ip_ban_lifting_after_retry_after() -> None:
    err = classify(418, b"", retry_after="120", now_ms=1_000_000)
    assert isinstance(err, IPBanned)
    assert err.retry_after_s == 120.0
    assert err.until_ms == 1_000_000 + 120_000


def test_418_ban_time_in_the_message_wins() -> None:
    err = classify(
        418,
        body(-1003, "Way too much request weight used; IP banned until 1735689600000."),
        retry_after="60",
        now_ms=5,
    )
    assert isinstance(err, IPBanned)
    assert err.until_ms == 1735689600000


def test_403_waf_block_is_permission_denied() -> None:
    err = classify(403, b"<html>403 Forbidden</html>")
    assert isinstance(err, PermissionDenied)
    assert "firewall" in err.message


def test_unreadable_4xx_is_a_rejection_not_a_mapping_error() -> None:
    err = classify(400, b"\x00garbage")
    assert type(err) is OrderRejected
    assert type(classify(401, b"")) is AuthenticationError
    assert type(classify(404, b"<html/>")) is NotSupported


def test_unknown_codes_fall_back_on_the_http_status() -> None:
    assert type(classify(400, body(-9999, "new"))) is OrderRejected
    assert type(classify(500, body(-9999, "new"))) is OrderOutcomeUnknown


def test_a_rejection_code_inside_a_5xx_stays_outcome_unknown() -> None:
    # The status says the backend failed; a contradicting body does not prove nothing ran.
    assert isinstance(classify(500, body(-2010, "Market is closed.")), OrderOutcomeUnknown)


def test_documented_error_body_decodes_and_classifies() -> None:
    from exchangekit_binance import schemas as s

    from ._payloads import load, raw

    error = load("error_bad_symbol", s.ErrorBody)
    assert (error.code, error.msg) == (-1121, "Invalid symbol.")
    assert isinstance(classify(400, raw("error_bad_symbol")), InvalidOrder)


@pytest.mark.parametrize(
    "msg",
    [
        # BSD errors.md, messages of -2010/-2011 that say the account may not do this at all.
        "This action is disabled on this account.",
        "This account may not place or cancel orders.",
        "This symbol is not permitted for this account.",
        "This symbol is restricted for this account.",
        "Rest API trading is not enabled.",
        "WebSocket API trading is not enabled.",
    ],
)
@pytest.mark.parametrize("code", [-2010, -2011])
def test_account_level_refusals_are_permission_denied_not_a_retryable_reject(
    code: int, msg: str
) -> None:
    err = classify(400, body(code, msg), client_order_id="c1")
    assert isinstance(err, PermissionDenied)
    assert (err.code, err.client_order_id) == (code, "c1")


def test_too_many_connections_is_a_rate_limit_with_its_wait() -> None:
    # BSD errors.md -1034 TOO_MANY_CONNECTIONS.
    err = classify(
        429,
        body(-1034, "Too many connection attempts for account; current limit is 300 per '5m'."),
        retry_after="7",
    )
    assert isinstance(err, RateLimited)
    assert err.retry_after_s == 7.0
    assert isinstance(error_for_code(-1034, "Too many concurrent connections"), RateLimited)
