"""Property tests: any valid payload maps without error and keeps its numbers exactly."""

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import MappingError, OrderRequest, OrderStatus
from exchangekit.mapping import decoder

from ._payloads import encode, obj, spot_symbols, usdm_symbols

SPOT = spot_symbols()
USDM = usdm_symbols()
TERMINAL = {"FILLED", "CANCELED", "REJECTED", "EXPIRED", "EXPIRED_IN_MATCH"}
STATUSES = [
    "NEW",
    "PENDING_NEW",
    "PARTIALLY_FILLED",
    "PENDING_CANCEL",
    "NEW_INSURANCE",
    "NEW_ADL",
    *sorted(TERMINAL),
]

decode_report = decoder(s.ExecutionReport, exchange="binance")
decode_spot = decoder(s.SpotOrder, exchange="binance")
decode_usdm = decoder(s.UsdmOrder, exchange="binance")
decode_otu = decoder(s.OrderTradeUpdateEvent, exchange="binance")


@st.composite
def amounts(draw: st.DrawFn, *, positive: bool = True) -> str:
    """A Binance-style decimal string (``"0.00120000"``), any scale up to 8 places."""
    places = draw(st.integers(0, 8))
    units = draw(st.integers(1 if positive else 0, 10**12))
    return format(Decimal(units).scaleb(-places), "f")


@st.composite
def fill_state(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """(quantity, filled, cumulative quote, status) that Binance could report together."""
    quantity = draw(amounts())
    q = Decimal(quantity)
    share = draw(st.sampled_from([Decimal(0), Decimal("0.25"), Decimal("0.5"), Decimal(1)]))
    filled = q * share
    status = draw(st.sampled_from(STATUSES))
    price = Decimal(draw(amounts()))
    return quantity, format(filled, "f"), format(filled * price, "f"), status


def exact(value: Decimal | None, text: str) -> bool:
    """Same digits and same exponent: ``0.00100000`` stays eight places, not ``0.001``."""
    return value is not None and value.as_tuple() == Decimal(text).as_tuple()


SPOT_SHAPES = [
    ("LIMIT", "GTC"), ("LIMIT", "IOC"), ("LIMIT", "FOK"), ("LIMIT_MAKER", "GTC"), ("MARKET", "GTC"),
    ("STOP_LOSS", "GTC"), ("STOP_LOSS_LIMIT", "GTC"), ("TAKE_PROFIT", "GTC"),
    ("TAKE_PROFIT_LIMIT", "IOC"),
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    state=fill_state(),
    shape=st.sampled_from(SPOT_SHAPES),
    exec_type=st.sampled_from(
        ["NEW", "CANCELED", "REPLACED", "REJECTED", "TRADE", "EXPIRED", "TRADE_PREVENTION"]
    ),
    side=st.sampled_from(["BUY", "SELL"]),
    price=amounts(),
    last_qty=amounts(),
    commission=amounts(positive=False),
    maker=st.booleans(),
    trade_id=st.integers(-1, 2**53),
)
def test_any_valid_execution_report_maps_and_keeps_quantities_exactly(
    state: tuple[str, str, str, str],
    shape: tuple[str, str],
    exec_type: str,
    side: str,
    price: str,
    last_qty: str,
    commission: str,
    maker: bool,
    trade_id: int,
) -> None:
    quantity, filled, quote, status = state
    data: dict[str, Any] = obj("spot_ws_execution_report_new") | {
        "S": side, "o": shape[0], "f": shape[1], "q": quantity, "p": price, "x": exec_type,
        "X": status, "z": filled, "Z": quote, "l": last_qty, "L": price, "n": commission,
        "N": "BNB", "t": trade_id, "m": maker,
    }  # fmt: skip
    order, fill = m.execution_report(decode_report(encode(data)), SPOT)
    assert exact(order.quantity, quantity)
    assert exact(order.filled_quantity, filled)
    if status in TERMINAL:
        assert order.remaining_quantity == 0
    else:
        assert order.remaining_quantity == Decimal(quantity) - Decimal(filled)
    if Decimal(filled) and Decimal(quote) > 0:
        assert order.average_fill_price == Decimal(quote) / Decimal(filled)
    assert (fill is not None) == (exec_type == "TRADE")
    if fill is not None:
        assert exact(fill.quantity, last_qty) and exact(fill.price, price)
        assert exact(fill.fee, commission)
        assert fill.trade_id == str(trade_id)


@settings(max_examples=150, deadline=None)
@given(
    state=fill_state(), shape=st.sampled_from(SPOT_SHAPES), price=amounts(), cancel=st.booleans()
)
def test_any_valid_spot_order_response_maps_and_keeps_quantities_exactly(
    state: tuple[str, str, str, str], shape: tuple[str, str], price: str, cancel: bool
) -> None:
    quantity, filled, quote, status = state
    data = obj("spot_order_query") | {
        "type": shape[0], "timeInForce": shape[1], "origQty": quantity, "executedQty": filled,
        "cummulativeQuoteQty": quote, "status": status, "price": price,
    }  # fmt: skip
    if cancel:
        data["origClientOrderId"] = "orig-1"
    order = m.spot_order(decode_spot(encode(data)), SPOT)
    assert exact(order.quantity, quantity) and exact(order.filled_quantity, filled)
    assert order.client_order_id == ("orig-1" if cancel else "myOrder1")
    assert order.status.is_terminal == (status in TERMINAL)
    assert order.remaining_quantity is not None and order.remaining_quantity >= 0


@settings(max_examples=120, deadline=None)
@given(
    state=fill_state(),
    shape=st.sampled_from(
        [
            ("LIMIT", "GTC"),
            ("LIMIT", "GTX"),
            ("LIMIT", "GTD"),
            ("MARKET", "GTC"),
            ("STOP", "GTC"),
            ("STOP_MARKET", "GTC"),
            ("TAKE_PROFIT", "GTC"),
            ("TAKE_PROFIT_MARKET", "GTC"),
            # Seen in real payloads beyond the enum page (see test_mappers_real_payloads).
            ("STOP_MARKET", "GTE_GTC"),
            ("TAKE_PROFIT", "GTE_GTC"),
            ("TRAILING_STOP_MARKET", "GTC"),
            ("LIQUIDATION", "IOC"),
            ("LIMIT", "RPI"),
        ]
    ),
    avg=amounts(),
    position_side=st.sampled_from(["BOTH", "LONG", "SHORT"]),
    reduce_only=st.booleans(),
    with_time=st.booleans(),
)
def test_any_valid_futures_order_maps_and_keeps_quantities_exactly(
    state: tuple[str, str, str, str],
    shape: tuple[str, str],
    avg: str,
    position_side: str,
    reduce_only: bool,
    with_time: bool,
) -> None:
    quantity, filled, _, status = state
    data = obj("usdm_order_query") | {
        "type": shape[0], "timeInForce": shape[1], "origQty": quantity, "executedQty": filled,
        "status": status, "avgPrice": avg, "positionSide": position_side, "reduceOnly": reduce_only,
    }  # fmt: skip
    if not with_time:
        del data["time"]
    order = m.usdm_order(decode_usdm(encode(data)), USDM)
    assert exact(order.quantity, quantity) and exact(order.filled_quantity, filled)
    assert order.reduce_only is reduce_only
    assert order.post_only is (shape[1] in ("GTX", "RPI"))
    assert order.created_ms == (1579276756075 if with_time else None)
    assert order.average_fill_price == (Decimal(avg) if Decimal(filled) else None)
    assert order.position_side is not None and order.position_side.value == position_side.lower()


@settings(max_examples=100, deadline=None)
@given(
    state=fill_state(),
    exec_type=st.sampled_from(["NEW", "CANCELED", "CALCULATED", "EXPIRED", "TRADE", "AMENDMENT"]),
    last_qty=amounts(positive=False),
)
def test_any_valid_order_trade_update_maps_and_keeps_quantities_exactly(
    state: tuple[str, str, str, str], exec_type: str, last_qty: str
) -> None:
    quantity, filled, _, status = state
    data = obj("usdm_ws_order_trade_update_trade")
    data["o"] |= {"q": quantity, "z": filled, "X": status, "x": exec_type, "l": last_qty}
    order, fill = m.order_trade_update(decode_otu(encode(data)), USDM)
    assert exact(order.quantity, quantity) and exact(order.filled_quantity, filled)
    assert (fill is not None) == (exec_type in ("TRADE", "CALCULATED") and Decimal(last_qty) != 0)


REQUIRED_REPORT_KEYS = sorted(f for f in s.ExecutionReport.__struct_fields__ if f in {
    "E", "s", "c", "S", "o", "f", "q", "p", "P", "x", "X", "i", "l", "z", "L", "n", "T", "t", "m", "O", "Z",
})  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(REQUIRED_REPORT_KEYS), junk=st.sampled_from([None, {}, [1]]))
def test_any_missing_or_mistyped_report_field_is_a_mapping_error_naming_it(
    key: str, junk: object
) -> None:
    data = obj("spot_ws_execution_report_trade")
    missing = {k: v for k, v in data.items() if k != key}
    with pytest.raises(MappingError) as info:
        m.execution_report(decode_report(encode(missing)), SPOT)
    assert info.value.path == f"$.{key}"
    if junk is None and key == "N":
        return  # the commission asset is the one nullable field (null on NEW events)
    with pytest.raises(MappingError) as info:
        m.execution_report(decode_report(encode(data | {key: junk})), SPOT)
    assert info.value.path == f"$.{key}"


@settings(max_examples=100, deadline=None)
@given(quantity=amounts(), price=amounts(), places=st.integers(-6, 6))
def test_order_params_write_exact_plain_decimals(quantity: str, price: str, places: int) -> None:
    q = Decimal(quantity).scaleb(places)
    request = OrderRequest(
        symbol="BTC/USDT", side="buy", type="limit", quantity=q, price=Decimal(price)
    )
    params = m.order_params(request, SPOT, market="spot")
    assert "E" not in params["quantity"] and "e" not in params["price"]
    assert Decimal(params["quantity"]) == q and Decimal(params["price"]) == Decimal(price)


def test_statuses_the_properties_draw_cover_every_binance_status() -> None:
    literal = s.OrderStatus.__args__  # type: ignore[attr-defined]
    assert set(STATUSES) == set(literal)
    assert OrderStatus.UNKNOWN not in {m._STATUS[x] for x in literal}
    msgspec.json.decode(b'"NEW"', type=s.OrderStatus)
