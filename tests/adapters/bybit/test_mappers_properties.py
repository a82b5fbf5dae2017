"""Property tests: any valid payload maps without error and keeps its numbers exactly;
anything malformed raises MappingError, never another exception."""

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from exchangekit_bybit import mappers as m
from exchangekit_bybit import schemas as s
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import MappingError, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from exchangekit.mapping import decoder

from ._payloads import encode, linear_symbols, obj

LINEAR = linear_symbols()
STATUSES = [
    "Created",
    "New",
    "PartiallyFilled",
    "Untriggered",
    "Triggered",
    "Active",
    "Filled",
    "Cancelled",
    "PartiallyFilledCanceled",
    "Rejected",
    "Deactivated",
]
decode_orders = decoder(s.Envelope[s.OrderList], exchange="bybit")
decode_klines = decoder(s.Envelope[s.KlineResult], exchange="bybit")


@st.composite
def amounts(draw: st.DrawFn, *, positive: bool = True) -> str:
    """A Bybit-style decimal string, any scale up to 8 places."""
    places = draw(st.integers(0, 8))
    units = draw(st.integers(1 if positive else 0, 10**12))
    return format(Decimal(units).scaleb(-places), "f")


def exact(value: Decimal | None, text: str) -> bool:
    """Same digits and same exponent: ``0.10`` stays two places, not ``0.1``."""
    return value is not None and str(value) == str(Decimal(text))


@st.composite
def order_rows(draw: st.DrawFn) -> dict[str, Any]:
    row = dict(obj("linear_open_orders")["result"]["list"][0])
    qty = draw(amounts())
    share = draw(st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1)]))
    filled = format(Decimal(qty) * share, "f")
    row.update(
        qty=qty,
        cumExecQty=filled,
        leavesQty=draw(st.sampled_from(["", format(Decimal(qty) - Decimal(filled), "f")])),
        orderStatus=draw(st.sampled_from(STATUSES)),
        side=draw(st.sampled_from(["Buy", "Sell"])),
        orderType=draw(st.sampled_from(["Market", "Limit"])),
        timeInForce=draw(st.sampled_from(["GTC", "IOC", "FOK", "PostOnly", "RPI"])),
        price=draw(st.one_of(st.just(""), st.just("0"), amounts())),
        avgPrice=draw(st.one_of(st.just(""), st.just("0"), amounts())),
        triggerPrice=draw(st.one_of(st.just(""), st.just("0.00"), amounts())),
        triggerDirection=draw(st.sampled_from([0, 1, 2])),
        stopOrderType=draw(st.sampled_from(["", "UNKNOWN", "Stop", "TakeProfit", "StopLoss"])),
        orderLinkId=draw(st.from_regex(r"[A-Za-z0-9_-]{0,36}", fullmatch=True)),
    )
    return row


@settings(max_examples=200, deadline=None)
@given(row=order_rows())
def test_any_valid_order_row_maps_and_keeps_quantities_exact(row: dict[str, Any]) -> None:
    envelope = {"retCode": 0, "retMsg": "OK", "result": {"list": [row]}, "time": 1}
    [order] = m.orders(decode_orders(encode(envelope)).result, LINEAR)
    assert exact(order.quantity, row["qty"])
    assert exact(order.filled_quantity, row["cumExecQty"])
    assert order.remaining_quantity is not None and order.remaining_quantity >= 0
    if order.status.is_terminal:
        assert order.remaining_quantity == 0
    assert order.client_order_id == (row["orderLinkId"] or None)
    assert (order.stop_price is not None) == order.type.is_conditional
    if not order.type.has_limit_price:
        assert order.price is None and order.time_in_force is None
    if not order.filled_quantity:
        assert order.average_fill_price is None


def _map_or_error(data: bytes) -> MappingError | None:
    try:
        m.orders(decode_orders(data).result, LINEAR)
    except MappingError as exc:
        return exc
    return None


NUMERIC_STRING_FIELDS = ["price", "avgPrice", "leavesQty", "triggerPrice", "createdTime"]


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from([*NUMERIC_STRING_FIELDS, "qty", "cumExecQty", "orderStatus", "side"]),
    junk=st.one_of(
        st.text(max_size=8),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.none(),
        st.booleans(),
        st.lists(st.integers(), max_size=2),
    ),
)
def test_junk_in_any_order_field_maps_or_raises_mapping_error(field: str, junk: Any) -> None:
    """Never KeyError, TypeError, InvalidOperation...: either it is a value Bybit could send
    (a JSON number for a decimal, "" for "not set") or it is a MappingError at that row."""
    row = dict(obj("linear_open_orders")["result"]["list"][0])
    row[field] = junk
    envelope = {"retCode": 0, "retMsg": "OK", "result": {"list": [row]}, "time": 1}
    error = _map_or_error(encode(envelope))
    assert error is None or error.path.startswith("$.result.list[0]")


@settings(max_examples=200, deadline=None)
@given(
    field=st.sampled_from(NUMERIC_STRING_FIELDS),
    junk=st.text(min_size=1, max_size=8).filter(lambda t: not t.strip().isdigit()),
)
def test_non_numeric_text_in_a_numeric_string_field_raises_mapping_error(
    field: str, junk: str
) -> None:
    try:
        Decimal(junk)
        if field != "createdTime":
            return  # "1e3", " 5", "Infinity"-like text that parses as a decimal: see below
    except ArithmeticError:
        pass
    row = dict(obj("linear_open_orders")["result"]["list"][0])
    row[field] = junk
    envelope = {"retCode": 0, "retMsg": "OK", "result": {"list": [row]}, "time": 1}
    with pytest.raises(MappingError) as info:
        m.orders(decode_orders(encode(envelope)).result, LINEAR)
    assert info.value.path == f"$.result.list[0].{field}"


@settings(max_examples=100, deadline=None)
@given(
    starts=st.lists(st.integers(0, 10**6), min_size=0, max_size=20, unique=True),
    price=amounts(),
)
def test_klines_always_come_back_oldest_first(starts: list[int], price: str) -> None:
    rows = [[str(t * 60_000), price, price, price, price, "1", price] for t in sorted(starts)[::-1]]
    result = decode_klines(
        encode(
            {
                "retCode": 0,
                "retMsg": "OK",
                "result": {"symbol": "BTCUSDT", "category": "linear", "list": rows},
            }
        )
    ).result
    candles = m.candles(result, "BTC/USDT:USDT", "1m", now_ms=10**12)
    assert [c.open_ms for c in candles] == sorted(t * 60_000 for t in starts)
    assert all(exact(c.close, price) for c in candles)


@settings(max_examples=300, deadline=None)
@given(
    cid=st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64
    )
)
def test_any_client_order_id_encodes_to_a_valid_order_link_id(cid: str) -> None:
    encoded = m.encode_client_order_id(cid)
    assert 1 <= len(encoded) <= 36
    assert all(c.isascii() and (c.isalnum() or c in "-_") for c in encoded)
    assert encoded == m.encode_client_order_id(cid)


@st.composite
def requests(draw: st.DrawFn) -> OrderRequest:
    otype = draw(st.sampled_from(list(OrderType)))
    price = Decimal(draw(amounts())) if otype.has_limit_price else None
    stop = Decimal(draw(amounts())) if otype.is_conditional else None
    tif = None
    if otype.has_limit_price:
        tif = draw(st.sampled_from([TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK]))
    return OrderRequest(
        symbol=draw(st.sampled_from(["BTC/USDT:USDT", "ETH/USDT:USDT"])),
        side=draw(st.sampled_from(list(Side))),
        type=otype,
        quantity=Decimal(draw(amounts())),
        price=price,
        stop_price=stop,
        time_in_force=tif,
        reduce_only=draw(st.booleans()),
    )


@settings(max_examples=200, deadline=None)
@given(request=requests())
def test_order_params_read_back_as_the_same_order(request: OrderRequest) -> None:
    """What we send, echoed the way Bybit reports an accepted order, maps back unchanged."""
    params = m.order_params(request, LINEAR, category="linear")
    row = dict(obj("linear_open_orders")["result"]["list"][0])
    row.update(
        symbol=params["symbol"],
        side=params["side"],
        orderType=params["orderType"],
        qty=params["qty"],
        cumExecQty="0",
        leavesQty=params["qty"],
        price=params.get("price", "0"),
        timeInForce=params.get("timeInForce", "IOC"),
        triggerPrice=params.get("triggerPrice", "0"),
        triggerDirection=params.get("triggerDirection", 0),
        stopOrderType="Stop" if "triggerPrice" in params else "UNKNOWN",
        orderStatus="Untriggered" if "triggerPrice" in params else "New",
        reduceOnly=params.get("reduceOnly", False),
        orderLinkId=params["orderLinkId"],
    )
    order = m.order(msgspec.convert(row, s.Order), LINEAR)
    assert (order.symbol, order.side, order.type) == (request.symbol, request.side, request.type)
    assert (order.quantity, order.price, order.stop_price) == (
        request.quantity,
        request.price,
        request.stop_price,
    )
    assert order.time_in_force == request.time_in_force
    assert order.reduce_only == request.reduce_only
    assert order.client_order_id == request.client_order_id
    assert order.status is OrderStatus.OPEN
