"""retCode table and response classification: what is safe to do next after each error."""

import json

import pytest
from exchangekit_bybit.errors import (
    ERRORS,
    TimestampOutsideRecvWindow,
    classify,
    error_for_code,
)

from exchangekit.errors import (
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

from ._payloads import raw


def body(code: int, message: str = "msg") -> bytes:
    return json.dumps(
        {"retCode": code, "retMsg": message, "result": {}, "retExtInfo": {}, "time": 1}
    ).encode()


def test_every_row_states_its_documented_meaning() -> None:
    for code, rule in ERRORS.items():
        assert rule.meaning, code
        assert issubclass(rule.error, ExchangeError), code


def test_success_envelope_is_not_an_error() -> None:
    assert classify(200, raw("order_create")) is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (10001, InvalidOrder),
        (10002, TimestampOutsideRecvWindow),
        (10003, AuthenticationError),
        (10004, AuthenticationError),
        (10005, PermissionDenied),
        (10010, PermissionDenied),
        (10006, RateLimited),
        (10009, IPBanned),
        (10018, IPBanned),
        (10008, PermissionDenied),
        (110043, OrderRejected),
        (110001, OrderNotFound),
        (110007, InsufficientFunds),
        (110004, InsufficientFunds),
        (110012, InsufficientFunds),
        (110044, InsufficientFunds),
        (110003, InvalidOrder),
        (110017, InvalidOrder),
        (110094, InvalidOrder),
        (110008, OrderNotFound),
        (110010, OrderNotFound),
        (170139, OrderNotFound),
        (170142, OrderNotFound),
        (170143, OrderNotFound),
        (170005, RateLimited),
        (429, RateLimited),
        (10014, OrderOutcomeUnknown),
        (10019, OrderOutcomeUnknown),
        (110072, DuplicateClientOrderId),
        (170131, InsufficientFunds),
        (170136, InvalidOrder),
        (170140, InvalidOrder),
        (170141, DuplicateClientOrderId),
        (170213, OrderNotFound),
        (10000, OrderOutcomeUnknown),
        (10016, OrderOutcomeUnknown),
        (170007, OrderOutcomeUnknown),
        (170146, OrderOutcomeUnknown),
        (170147, OrderOutcomeUnknown),
    ],
)
def test_ret_code_in_a_200_maps_to_its_error_class(
    code: int, expected: type[ExchangeError]
) -> None:
    err = classify(200, body(code, "bad"), client_order_id="cid-1")
    assert type(err) is expected
    assert err is not None
    assert (err.exchange, err.http_status, err.code, err.message) == ("bybit", 200, code, "bad")
    assert err.client_order_id == "cid-1"


def test_fixture_insufficient_balance_is_insufficient_funds() -> None:
    err = classify(200, raw("error_insufficient_balance"))
    assert isinstance(err, InsufficientFunds)
    assert err.code == 110007


def test_duplicate_order_link_id_is_not_a_rejection() -> None:
    # An earlier attempt landed: deciding again with a fresh id would double the order.
    err = error_for_code(110072, "OrderLinkedID is duplicate")
    assert isinstance(err, DuplicateClientOrderId)
    assert not isinstance(err, OrderRejected)


def test_timestamp_error_asks_for_a_clock_resync() -> None:
    err = classify(200, body(10002))
    assert isinstance(err, AuthenticationError)
    assert getattr(err, "resync_clock", False) is True


def test_rate_limit_code_backs_off_until_the_reset_timestamp() -> None:
    err = classify(200, body(10006, "Too many visits!"), limit_reset_ms=1_500, now_ms=1_000)
    assert isinstance(err, RateLimited)
    assert err.retry_after_s == 0.5
    assert classify(200, body(10006)).retry_after_s is None  # type: ignore[union-attr]


def test_server_error_codes_are_unknown_for_writes_and_unavailable_for_reads() -> None:
    for code in (10000, 10016):
        assert isinstance(classify(200, body(code)), OrderOutcomeUnknown)
        read = classify(200, body(code), retry_safe=True)
        assert type(read) is ExchangeUnavailable
        assert read.code == code


def test_unknown_trading_codes_fall_back_to_rejected_by_range() -> None:
    assert type(classify(200, body(110999))) is OrderRejected
    assert type(classify(200, body(170999))) is OrderRejected
    assert type(classify(200, body(123456))) is OrderRejected


def test_http_403_is_an_ip_ban_of_ten_minutes() -> None:
    err = classify(403, b"access too frequent", now_ms=1_000_000)
    assert isinstance(err, IPBanned)
    assert isinstance(err, RateLimited)
    assert err.retry_after_s == 600.0
    assert err.until_ms == 1_000_000 + 600_000
    assert err.http_status == 403


def test_http_403_without_a_clock_still_backs_off() -> None:
    err = classify(403, b"")
    assert isinstance(err, IPBanned)
    assert err.until_ms is None
    assert err.retry_after_s == 600.0


def test_http_429_is_rate_limited_with_nothing_executed() -> None:
    err = classify(429, body(429, "high load"))
    assert type(err) is RateLimited
    assert err.retryable


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_5xx_on_a_write_is_outcome_unknown(status: int) -> None:
    err = classify(status, b"<html>bad gateway</html>", client_order_id="cid-9")
    assert isinstance(err, OrderOutcomeUnknown)
    assert err.client_order_id == "cid-9"


def test_5xx_on_a_read_is_exchange_unavailable() -> None:
    assert type(classify(502, b"", retry_safe=True)) is ExchangeUnavailable


def test_definite_rejection_inside_a_5xx_stays_unknown() -> None:
    assert isinstance(classify(503, body(110007)), OrderOutcomeUnknown)


def test_non_rejection_code_inside_a_5xx_keeps_its_class() -> None:
    assert type(classify(503, body(10006))) is RateLimited


def test_gateway_4xx_statuses_map_by_status() -> None:
    assert type(classify(401, b"")) is AuthenticationError
    assert type(classify(404, b"")) is NotSupported
    assert type(classify(400, b"")) is OrderRejected
    assert type(classify(400, body(10001))) is InvalidOrder


def test_set_leverage_not_modified_counts_as_success_only_there() -> None:
    assert classify(200, body(110043), path="/v5/position/set-leverage") is None
    assert isinstance(classify(200, body(110043)), OrderRejected)


def test_unparseable_200_body_is_left_to_the_mapper() -> None:
    assert classify(200, b"not json") is None
    assert classify(200, b"") is None


def test_ws_style_snake_case_codes_are_read_too() -> None:
    err = classify(200, b'{"ret_code": 10004, "ret_msg": "error sign!"}')
    assert isinstance(err, AuthenticationError)
    assert err.message == "error sign!"


@pytest.mark.parametrize("code", [110001, 110008, 110010, 170139, 170142, 170143, 170213])
def test_cancelling_an_order_no_longer_open_is_not_found_and_nothing_acted(code: int) -> None:
    # "Already filled / cancelled / not on the book" on a cancel: the order is gone, so the
    # caller reads it back; as a rejection it also proves the cancel itself did nothing.
    err = classify(200, body(code, "too late to cancel"), client_order_id="cid-9")
    assert isinstance(err, OrderNotFound)
    assert isinstance(err, OrderRejected)
    assert err.client_order_id == "cid-9"


@pytest.mark.parametrize("code", [10014, 10019])
def test_duplicate_or_restarting_requests_are_unknown_for_writes_only(code: int) -> None:
    assert isinstance(classify(200, body(code)), OrderOutcomeUnknown)
    assert type(classify(200, body(code), retry_safe=True)) is ExchangeUnavailable
