from decimal import Decimal
from pathlib import Path
from typing import Literal

import msgspec

from exchangekit.testing.drift import DriftRecorder, check_payload


class Fill(msgspec.Struct):
    price: Decimal
    qty: Decimal


class Kline(msgspec.Struct, array_like=True):
    open_time: int
    open: Decimal


class Order(msgspec.Struct):
    orderId: int
    status: Literal["NEW", "FILLED"]
    fills: list[Fill] = []
    note: str | None = None


def kinds(found: list) -> set[tuple[str, str]]:
    return {(f.kind, f.path) for f in found}


def test_matching_payload_has_no_findings_except_optional_absence() -> None:
    found = check_payload(
        "POST /order", Order, {"orderId": 1, "status": "NEW", "fills": [], "note": None}
    )
    assert found == []


def test_new_missing_and_retyped_fields_are_named_with_their_path() -> None:
    payload = {"orderId": "1", "status": "NEW", "fills": [{"price": "1.0"}], "brandNew": 3}
    found = kinds(check_payload("POST /order", Order, payload))
    assert ("retyped", "$.orderId") in found
    assert ("missing", "$.fills[*].qty") in found
    assert ("new", "$.brandNew") in found
    assert ("missing_optional", "$.note") in found


def test_unknown_enum_value_is_a_failure() -> None:
    found = check_payload("GET /order", Order, {"orderId": 1, "status": "PENDING_NEW"})
    assert [(f.kind, f.path, f.is_failure) for f in found if f.path == "$.status"] == [
        ("retyped", "$.status", True)
    ]


def test_array_like_rows_are_checked_by_position() -> None:
    found = kinds(check_payload("GET /klines", list[Kline], [[1, "2.5"], [2]]))
    assert ("missing", "$[*][1]") in found


def test_recorder_writes_json_and_summary(tmp_path: Path) -> None:
    rec = DriftRecorder()
    rec.observe("POST /order", Order, b'{"orderId": 1, "status": "NEW", "extra": true}')
    rec.observe("POST /order", Order, b'{"status": "NEW"}')
    json_path, md_path = rec.write(tmp_path)
    report = msgspec.json.decode(json_path.read_bytes())
    assert report["failures"] == 1
    assert report["endpoints"]["POST /order"]["missing"][0]["path"] == "$.orderId"
    assert report["endpoints"]["POST /order"]["new"][0]["path"] == "$.extra"
    assert "FAIL `POST /order` missing `$.orderId`" in md_path.read_text()


class Depth(msgspec.Struct):
    lastUpdateId: int
    bids: list[tuple[Decimal, Decimal]]


def test_tuple_rows_are_checked_and_a_short_row_is_missing_a_field() -> None:
    assert check_payload("GET /depth", Depth, {"lastUpdateId": 1, "bids": [["1.0", "2"]]}) == []
    found = kinds(check_payload("GET /depth", Depth, {"lastUpdateId": 1, "bids": [["1.0"], ["x", "1"]]}))
    assert ("missing", "$.bids[*][1]") in found
    assert ("retyped", "$.bids[*][0]") in found
