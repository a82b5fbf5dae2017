import exchangekit as ek
from exchangekit import errors


def test_hierarchy_separates_unknown_from_rejected_and_not_sent() -> None:
    assert not issubclass(ek.OrderOutcomeUnknown, ek.OrderRejected)
    assert not issubclass(ek.OrderOutcomeUnknown, ek.TransientError)
    assert issubclass(ek.NetworkError, ek.TransientError)
    assert ek.NetworkError.retryable and not ek.OrderOutcomeUnknown.retryable
    # A duplicate client id proves an earlier attempt landed: never "decide again".
    assert not issubclass(ek.DuplicateClientOrderId, ek.OrderRejected)
    for cls in (ek.InvalidOrder, ek.InsufficientFunds, ek.OrderNotFound):
        assert issubclass(cls, ek.OrderRejected)
    assert issubclass(ek.IPBanned, ek.RateLimited)
    assert issubclass(ek.PermissionDenied, ek.AuthenticationError)


def test_every_error_carries_context() -> None:
    e = ek.OrderOutcomeUnknown(
        "read timeout", exchange="binance", http_status=None, code=-1007, client_order_id="abc"
    )
    assert (e.exchange, e.code, e.client_order_id) == ("binance", -1007, "abc")
    assert "binance" in str(e) and "-1007" in str(e) and "abc" in str(e)


def test_mapping_error_keeps_raw_and_path() -> None:
    e = ek.MappingError("missing field", path="$.fills[0].price", raw={"fills": [{}]})
    assert e.raw == {"fills": [{}]} and "$.fills[0].price" in str(e)


def test_all_names_exported() -> None:
    for name in errors.__all__:
        assert getattr(ek, name) is getattr(errors, name)
