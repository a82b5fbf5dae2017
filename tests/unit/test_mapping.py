from decimal import Decimal
from typing import Literal

import msgspec
import pytest

from exchangekit import MappingError
from exchangekit.mapping import accepts_json, convert, decoder, to_wire, wire_or_reraise


class FillRow(msgspec.Struct):
    price: Decimal
    qty: Decimal


class Resp(msgspec.Struct):
    status: Literal["NEW", "FILLED"]
    fills: list[FillRow]


decode = decoder(Resp, exchange="x")


def test_valid_payload_decodes_to_decimals() -> None:
    r = decode(b'{"status":"NEW","fills":[{"price":"0.1","qty":"2"}]}')
    assert r.fills[0].price == Decimal("0.1")


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (b'{"status":"NEW","fills":[{"qty":"2"}]}', "$.fills[0].price"),
        (b'{"status":"NEW","fills":[{"price":true,"qty":"2"}]}', "$.fills[0].price"),
        (b'{"status":"WEIRD","fills":[]}', "$.status"),
        (b'{"status":"NEW","fills":', "$"),
    ],
)
def test_malformed_payload_raises_mapping_error_with_path_and_raw(raw: bytes, path: str) -> None:
    with pytest.raises(MappingError) as info:
        decode(raw)
    assert info.value.path == path
    assert info.value.raw == raw
    assert info.value.exchange == "x"


def test_convert_reports_the_path_too() -> None:
    with pytest.raises(MappingError) as info:
        convert({"status": "NEW", "fills": [{"price": "1"}]}, Resp)
    assert info.value.path == "$.fills[0].qty"


class OtherResp(msgspec.Struct):
    status: Literal["NEW", "FILLED"]


BODY = '{"status":"FILLED","fills":[{"price":"0.1","qty":"2"}]}'


@pytest.mark.parametrize(
    "raw", [BODY, BODY.encode(), bytearray(BODY.encode()), msgspec.json.decode(BODY)]
)
def test_to_wire_takes_json_text_bytes_or_parsed_json(raw: object) -> None:
    resp = to_wire(raw, Resp, exchange="x")
    assert resp == decode(BODY.encode())
    assert to_wire(resp, Resp) is resp  # the struct itself passes through untouched


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (None, "$"),
        (5, "$"),
        ({"status": "FILLED"}, "$.fills"),
        ({"status": "GONE", "fills": []}, "$.status"),
        ({"status": "NEW", "fills": [{"price": "x", "qty": "1"}]}, "$.fills[0].price"),
        (b'{"status":', "$"),
        ({1, 2}, "$"),
        (OtherResp(status="NEW"), "$.fills"),  # another struct: converted, and found short
    ],
)
def test_to_wire_refuses_what_is_not_the_payload_with_a_path(raw: object, path: str) -> None:
    with pytest.raises(MappingError) as info:
        to_wire(raw, Resp, exchange="x")
    assert info.value.path == path
    assert info.value.exchange == "x"


def test_to_wire_handles_generic_schemas() -> None:
    rows = to_wire([{"price": "1", "qty": "2"}], list[FillRow])
    assert rows == [FillRow(price=Decimal(1), qty=Decimal(2))]


def _map_status(raw: object) -> str:
    """A mapper written as the adapters write theirs: attribute reads, the retry on
    AttributeError."""
    try:
        return f"{raw.status}/{len(raw.fills)}"  # type: ignore[attr-defined]
    except AttributeError as exc:
        return _map_status(wire_or_reraise(raw, Resp, exc, exchange="x"))


def test_a_mapper_handed_parsed_json_maps_it_through_its_schema() -> None:
    assert _map_status(msgspec.json.decode(BODY)) == "FILLED/1"
    assert _map_status(BODY) == "FILLED/1"
    with pytest.raises(MappingError) as info:
        _map_status({"status": "FILLED"})
    assert info.value.path == "$.fills"


def test_an_attribute_error_on_the_right_struct_is_a_defect_raised_again() -> None:
    resp = decode(BODY.encode())
    error = AttributeError("the mapper read a field that does not exist")
    with pytest.raises(AttributeError) as info:
        wire_or_reraise(resp, Resp, error)
    assert info.value is error
    with pytest.raises(AttributeError):
        wire_or_reraise([FillRow(price=Decimal(1), qty=Decimal(1))], list[FillRow], error)
    assert wire_or_reraise([{"price": "1", "qty": "1"}], list[FillRow], error) == [
        FillRow(price=Decimal(1), qty=Decimal(1))
    ]


@accepts_json(Resp, exchange="x")
def _count_fills(raw: Resp, extra: int = 0) -> int:
    return len(raw.fills) + extra


def test_accepts_json_maps_parsed_json_text_and_structs_alike() -> None:
    assert _count_fills(msgspec.json.decode(BODY), 1) == 2
    assert _count_fills(BODY, extra=2) == 3
    assert _count_fills(decode(BODY.encode())) == 1
    with pytest.raises(MappingError) as info:
        _count_fills({"status": "NEW"})
    assert info.value.path == "$.fills"
    with pytest.raises(MappingError):
        _count_fills(None)  # type: ignore[arg-type]
