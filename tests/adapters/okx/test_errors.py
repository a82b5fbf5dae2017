"""OKX codes map to errors that say what is safe to do next."""

import json

import pytest
from exchangekit_okx.errors import ERRORS, TimestampExpired, classify, error_for_code, item_error

from exchangekit.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRejected,
    PermissionDenied,
    RateLimited,
)

from ._payloads import raw


def body(code: str, msg: str = "", data: list[object] | None = None) -> bytes:
    return json.dumps({"code": code, "msg": msg, "data": data or []}).encode()


def test_every_row_carries_its_documented_meaning() -> None:
    assert all(rule.meaning for rule in ERRORS.values())


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("50004", OrderOutcomeUnknown),
        ("50011", RateLimited),
        ("50061", RateLimited),
        ("50111", AuthenticationError),
        ("50113", AuthenticationError),
        ("50102", TimestampExpired),
        ("50110", PermissionDenied),
        ("51000", InvalidOrder),
        ("51006", InvalidOrder),
        ("51008", InsufficientFunds),
        ("51008_1000", InsufficientFunds),
        ("51016", DuplicateClientOrderId),
        ("51020", InvalidOrder),
        ("51121", InvalidOrder),
        ("51400", OrderNotFound),
        ("51401", OrderNotFound),
        ("51603", OrderNotFound),
        ("51999", OrderRejected),
        # insufficient funds under other codes than 51008
        ("51119", InsufficientFunds),
        ("51127", InsufficientFunds),
        ("51131", InsufficientFunds),
        ("51502", InsufficientFunds),
        # amend of an order that is gone
        ("51503", OrderNotFound),
        ("51509", OrderNotFound),
        # already being cancelled: not "not found", the order still exists
        ("51410", OrderRejected),
        # blocked accounts: refused, and retrying will not help
        ("50009", PermissionDenied),
        ("50027", PermissionDenied),
        ("51009", PermissionDenied),
        ("51024", PermissionDenied),
        ("51113", RateLimited),
        ("50000", InvalidOrder),
        ("50025", InvalidOrder),
    ],
)
def test_codes_map_to_their_error_classes(code: str, cls: type[Exception]) -> None:
    err = error_for_code(code, "m", http_status=200, client_order_id="c1")
    assert type(err) is cls
    assert (err.exchange, err.code, err.client_order_id) == ("okx", code, "c1")


def test_timeout_50004_is_unknown_on_http_400_for_a_write() -> None:
    err = classify(400, raw("error_timeout"), client_order_id="c1")
    assert isinstance(err, OrderOutcomeUnknown)
    assert err.code == "50004"
    assert err.client_order_id == "c1"


def test_timeout_50004_on_a_read_is_only_unavailable() -> None:
    assert isinstance(classify(400, raw("error_timeout"), retry_safe=True), ExchangeUnavailable)


@pytest.mark.parametrize("code", ["50001", "50013", "50026"])
def test_server_side_failures_are_unknown_on_writes_and_retryable_on_reads(code: str) -> None:
    assert isinstance(classify(503, body(code)), OrderOutcomeUnknown)
    assert isinstance(classify(200, body(code)), OrderOutcomeUnknown)
    assert isinstance(classify(503, body(code), retry_safe=True), ExchangeUnavailable)


def test_http_5xx_with_an_html_page_on_a_write_is_unknown() -> None:
    assert isinstance(classify(502, b"<html>bad gateway</html>"), OrderOutcomeUnknown)
    assert isinstance(classify(502, b"<html>", retry_safe=True), ExchangeUnavailable)


def test_a_refusal_code_inside_a_5xx_stays_unknown() -> None:
    assert isinstance(classify(500, body("51000")), OrderOutcomeUnknown)


def test_rate_limit_arrives_as_200_or_429_with_50011() -> None:
    err = classify(200, raw("error_rate_limit"), retry_after="1.5")
    assert isinstance(err, RateLimited)
    assert err.retry_after_s == 1.5
    err = classify(429, raw("error_rate_limit"))
    assert isinstance(err, RateLimited)
    assert err.code == "50011"


def test_bad_signature_is_an_authentication_error() -> None:
    assert isinstance(classify(401, raw("error_signature")), AuthenticationError)
    assert isinstance(classify(401, b""), AuthenticationError)


def test_success_envelope_is_no_error() -> None:
    assert classify(200, raw("order_place")) is None
    assert classify(200, raw("balance")) is None


def test_a_single_failed_order_is_classified_by_its_item_scode() -> None:
    err = classify(200, raw("order_place_insufficient"), client_order_id="c1")
    assert isinstance(err, InsufficientFunds)
    assert err.code == "51008"
    assert "Insufficient USDT" in err.message
    assert isinstance(classify(200, raw("order_place_duplicate")), DuplicateClientOrderId)
    assert isinstance(classify(200, raw("cancel_order_not_found")), OrderNotFound)


def test_a_partly_failed_batch_leaves_each_item_to_item_error() -> None:
    err = classify(200, raw("cancel_batch_partial"))
    assert isinstance(err, OrderRejected)
    assert err.code == "2"
    items = json.loads(raw("cancel_batch_partial"))["data"]
    verdicts = [item_error(i["sCode"], i["sMsg"], client_order_id=i["clOrdId"]) for i in items]
    assert verdicts[0] is None
    assert isinstance(verdicts[1], OrderNotFound)
    assert verdicts[1].client_order_id == "oktswap7"


def test_unknown_codes_are_refusals_unless_the_status_is_5xx() -> None:
    assert type(error_for_code("59999", "x", http_status=200)) is OrderRejected
    assert type(error_for_code("59999", "x", http_status=503)) is OrderOutcomeUnknown


def test_other_4xx_without_a_code_is_a_refusal() -> None:
    assert isinstance(classify(400, b"not json"), OrderRejected)
    assert isinstance(classify(403, b""), PermissionDenied)


def test_a_single_failed_order_with_an_insufficient_balance_subcode_is_insufficient_funds() -> None:
    data = [{"ordId": "", "clOrdId": "c1", "sCode": "51131", "sMsg": "Insufficient balance"}]
    err = classify(200, body("1", "All operations failed", data), client_order_id="c1")
    assert isinstance(err, InsufficientFunds)
    assert (err.code, err.client_order_id) == ("51131", "c1")


def test_amend_or_cancel_of_a_gone_order_read_from_the_item_is_not_found() -> None:
    data = [{"ordId": "1", "clOrdId": "", "sCode": "51503", "sMsg": "order does not exist"}]
    assert isinstance(classify(200, body("1", "", data)), OrderNotFound)
