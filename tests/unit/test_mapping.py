from decimal import Decimal
from typing import Literal

import msgspec
import pytest

from exchangekit import MappingError
from exchangekit.mapping import convert, decoder


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
