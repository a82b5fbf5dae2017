"""Stop and take-profit orders as OKX algo orders: request -> body -> row -> order."""

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from exchangekit_okx import algo
from exchangekit_okx import schemas as s
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit import InvalidOrder, NotSupported, OrderRequest, OrderStatus, OrderType, Side

from ._payloads import symbols

SYMBOLS = symbols()
CONDITIONAL = [
    OrderType.STOP_MARKET,
    OrderType.STOP_LIMIT,
    OrderType.TAKE_PROFIT_MARKET,
    OrderType.TAKE_PROFIT_LIMIT,
]


def _row(body: dict[str, Any], state: str = "live") -> s.AlgoOrder:
    """The algo row OKX lists for an order placed with ``body``."""
    row = {
        k: v for k, v in body.items() if isinstance(v, str) and k in s.AlgoOrder.__struct_fields__
    }
    row.update(
        instType="SWAP" if body["instId"].endswith("SWAP") else "SPOT",
        algoId="1",
        state=state,
        cTime="1700000000000",
        reduceOnly="true" if body.get("reduceOnly") else "false",
    )
    return msgspec.convert(row, s.AlgoOrder, strict=False)


@settings(max_examples=200, deadline=None)
@given(
    otype=st.sampled_from(CONDITIONAL),
    side=st.sampled_from([Side.BUY, Side.SELL]),
    swap=st.booleans(),
    lots=st.integers(1, 10_000),
    stop_ticks=st.integers(1, 10**7),
    cid=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=22),
)
def test_a_conditional_order_survives_the_round_trip_through_okx(
    otype: OrderType, side: Side, swap: bool, lots: int, stop_ticks: int, cid: str
) -> None:
    symbol = "BTC/USDT:USDT" if swap else "BTC/USDT"
    inst = SYMBOLS.instrument(symbol)
    stop = inst.tick_size * stop_ticks
    request = OrderRequest(
        symbol=symbol, side=side, type=otype, quantity=inst.step_size * lots, stop_price=stop,
        price=stop if otype.has_limit_price else None, client_order_id=cid,
        reduce_only=swap and otype is OrderType.STOP_MARKET,
    )  # fmt: skip
    body = algo.algo_params(request, SYMBOLS)
    assert body["ordType"] == "conditional"
    leg = "sl" if otype in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT) else "tp"
    assert f"{leg}TriggerPx" in body and ("tp" if leg == "sl" else "sl") + "TriggerPx" not in body
    order = algo.algo_order(_row(body), SYMBOLS)
    assert (order.type, order.side, order.quantity) == (otype, side, request.quantity)
    assert order.stop_price == stop and order.price == request.price
    assert order.client_order_id == cid and order.status is OrderStatus.OPEN
    assert order.reduce_only == request.reduce_only


@pytest.mark.parametrize(
    ("state", "status"),
    [("live", OrderStatus.OPEN), ("canceled", OrderStatus.CANCELLED),
     ("order_failed", OrderStatus.REJECTED)],
)  # fmt: skip
def test_algo_states_map_to_order_statuses(state: str, status: OrderStatus) -> None:
    request = OrderRequest(
        symbol="BTC/USDT", side=Side.SELL, type=OrderType.STOP_MARKET,
        quantity=Decimal("0.01"), stop_price=Decimal("50000"),
    )  # fmt: skip
    assert (
        algo.algo_order(_row(algo.algo_params(request, SYMBOLS), state), SYMBOLS).status is status
    )


def test_only_conditional_whole_lot_orders_become_algo_orders() -> None:
    plain = OrderRequest(
        symbol="BTC/USDT", side=Side.BUY, type=OrderType.LIMIT, quantity=Decimal("0.01"),
        price=Decimal("1"),
    )  # fmt: skip
    assert not algo.is_algo(plain)
    with pytest.raises(NotSupported):
        algo.algo_params(plain, SYMBOLS)
    inst = SYMBOLS.instrument("BTC/USDT:USDT")
    half_lot = OrderRequest(
        symbol="BTC/USDT:USDT", side=Side.SELL, type=OrderType.STOP_MARKET,
        quantity=inst.step_size / 2, stop_price=Decimal("50000"),
    )  # fmt: skip
    with pytest.raises(InvalidOrder):
        algo.algo_params(half_lot, SYMBOLS)
