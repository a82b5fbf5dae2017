"""Property tests: valid payloads map without error and keep their numbers exactly;
anything else raises MappingError; contract conversion round-trips exactly."""

from decimal import Decimal
from typing import Any

import pytest
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import MappingError, OrderRequest, OrderStatus, OrderType, Side
from exchangekit.mapping import decoder

from ._payloads import encode, obj, symbols

SYMBOLS = symbols()
BTC_SWAP = SYMBOLS.instrument("BTC/USDT:USDT")
decode_orders = decoder(s.Envelope[s.Order], exchange="okx")
STATES = ["live", "partially_filled", "filled", "canceled", "mmp_canceled"]
ORD_TYPES = ["market", "limit", "post_only", "fok", "ioc", "optimal_limit_ioc"]


@st.composite
def amounts(draw: st.DrawFn, *, places: int = 8, max_units: int = 10**12) -> str:
    """An OKX-style decimal string (``"0.00120000"``), any scale up to ``places``."""
    scale = draw(st.integers(0, places))
    units = draw(st.integers(1, max_units))
    return format(Decimal(units).scaleb(-scale), "f")


@st.composite
def order_rows(draw: st.DrawFn) -> dict[str, Any]:
    row = dict(obj("orders_pending_swap")["data"][0])
    swap = draw(st.booleans())
    sz = draw(amounts())
    share = draw(st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1)]))
    row.update(
        instId="BTC-USDT-SWAP" if swap else "BTC-USDT",
        instType="SWAP" if swap else "SPOT",
        sz=sz,
        accFillSz=format(Decimal(sz) * share, "f"),
        state=draw(st.sampled_from(STATES)),
        ordType=draw(st.sampled_from(ORD_TYPES)),
        side=draw(st.sampled_from(["buy", "sell"])),
        px=draw(st.one_of(st.just(""), amounts())),
        avgPx=draw(st.one_of(st.just(""), amounts())),
    )
    return row


@settings(max_examples=150, deadline=None)
@given(row=order_rows())
def test_any_valid_order_maps_and_keeps_quantities_exact(row: dict[str, Any]) -> None:
    order = m.orders(decode_orders(encode({"code": "0", "msg": "", "data": [row]})), SYMBOLS)[0]
    factor = BTC_SWAP.contract_size if row["instType"] == "SWAP" else Decimal(1)
    assert order.quantity == Decimal(row["sz"]) * factor
    assert order.filled_quantity == Decimal(row["accFillSz"]) * factor
    assert order.remaining_quantity is not None
    assert order.remaining_quantity >= 0
    if order.status.is_terminal:
        assert order.remaining_quantity == 0
    assert order.status in set(OrderStatus)


def _not_a_number(text: str) -> bool:
    try:
        return not Decimal(text).is_finite()
    except ArithmeticError:
        return True


@settings(max_examples=100, deadline=None)
@given(
    field=st.sampled_from(["avgPx", "px", "cTime", "uTime"]),
    junk=st.text(min_size=1, max_size=8).filter(_not_a_number),
)
def test_junk_in_a_string_field_raises_mapping_error_with_its_path(field: str, junk: str) -> None:
    row = dict(obj("order_spot")["data"][0])
    row[field] = junk
    envelope = decode_orders(encode({"code": "0", "data": [row]}))
    with pytest.raises(MappingError) as info:
        m.orders(envelope, SYMBOLS)
    assert info.value.path == f"$.data[0].{field}"


@settings(max_examples=200, deadline=None)
@given(lots=st.integers(1, 10**9))
def test_whole_lots_convert_to_contracts_and_back_exactly(lots: int) -> None:
    lot_contracts = BTC_SWAP.step_size / BTC_SWAP.contract_size
    quantity = lots * BTC_SWAP.step_size
    request = OrderRequest(
        symbol="BTC/USDT:USDT",
        side=Side.BUY,
        type=OrderType.MARKET,
        quantity=quantity,
        client_order_id="abc",
    )
    sz = Decimal(str(m.order_params(request, SYMBOLS)["sz"]))
    assert sz == lots * lot_contracts
    assert BTC_SWAP.to_base(sz) == quantity


@settings(max_examples=300, deadline=None)
@given(cid=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64))
def test_any_client_order_id_encodes_to_a_stable_valid_cl_ord_id(cid: str) -> None:
    encoded = m.encode_client_order_id(cid)
    assert encoded == m.encode_client_order_id(cid)
    assert encoded.isascii()
    assert encoded.isalnum()
    assert 1 <= len(encoded) <= 32
    if cid.isalnum() and len(cid) <= 32 and not cid.startswith("Z0"):
        assert encoded == cid
    decoded = m.decode_client_order_id(encoded)
    if len(cid) <= 22 or encoded == cid:
        assert decoded == cid  # short or plain ids read back as the caller's own
    else:
        assert decoded == encoded  # long odd ids are hashed: one way


@settings(max_examples=100, deadline=None)
@given(
    # Real ctVal / lotSz stay far below 1e8 (BTC 0.01, SHIB 1000000, lots 0.01-100);
    # larger ones multiply past Decimal's 28 digits, which no instrument comes near.
    ct_val=amounts(places=4, max_units=10**8),
    lot=amounts(places=4, max_units=10**8),
    lots=st.integers(1, 10**6),
)
def test_any_linear_swap_converts_whole_lots_exactly(ct_val: str, lot: str, lots: int) -> None:
    row = dict(obj("instruments_swap")["data"][0])
    row.update(ctVal=ct_val, lotSz=lot, minSz=lot)
    envelope = decoder(s.Envelope[s.Instrument], exchange="okx")(
        encode({"code": "0", "data": [row]})
    )
    (inst,) = m.instruments(envelope)
    assert inst.contract_size == Decimal(ct_val)
    assert inst.step_size == Decimal(lot) * Decimal(ct_val)
    quantity = inst.step_size * lots
    assert inst.to_contracts(quantity) == Decimal(lot) * lots
    assert inst.to_base(Decimal(lot) * lots) == quantity


@settings(max_examples=100, deadline=None)
@given(sizes=st.lists(amounts(places=2), min_size=0, max_size=20))
def test_any_swap_book_maps_every_level_to_base_exactly(sizes: list[str]) -> None:
    levels = [[f"{50000 + i}", size, "0", "1"] for i, size in enumerate(sizes)]
    payload = {"code": "0", "data": [{"asks": levels, "bids": [], "ts": "1"}]}
    envelope = decoder(s.Envelope[s.OrderBook], exchange="okx")(encode(payload))
    book = m.order_book(envelope, "BTC/USDT:USDT", SYMBOLS)
    assert [q for _, q in book.asks] == [Decimal(x) * Decimal("0.01") for x in sizes]
