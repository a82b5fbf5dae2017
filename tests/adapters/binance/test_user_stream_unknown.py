"""An order event with an enumeration value Binance added tomorrow is never lost silently.

The private stream reports it as a ``gap`` naming the event and the field (the reference bot
reconciles over REST on gaps), delivers what it can read without guessing (the fill of a
trade; the order with status ``unknown``), and keeps delivering the events after it.
End-to-end over loopback: the emulator's own user-data payload gets one field changed on
its way out (spot ``executionReport`` on the WebSocket API subscription, futures
``ORDER_TRADE_UPDATE`` on the listen-key stream).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from exchangekit_binance import emulator_user_spot, emulator_user_usdm
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s
from exchangekit_binance.client import BinanceClient
from hypothesis import given, settings
from hypothesis import strategies as st

from exchangekit.models import Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from exchangekit.ws import EventKind, SessionEvent
from tests.adapters.binance._payloads import raw
from tests.adapters.binance.test_e2e import VENUES, collecting, emulated

SPOT_SYMBOLS = m.SymbolMap([("ETH/BTC", "ETHBTC")])
USDM_SYMBOLS = m.SymbolMap([("BTC/USDT:USDT", "BTCUSDT")])
EVENT = {"binance": "executionReport", "binanceusdm": "ORDER_TRADE_UPDATE"}
QUANTITY = {"binance": Decimal("0.001"), "binanceusdm": Decimal("0.002")}


class Rewrite:
    """Changes ``field`` of the next trade event the emulator sends to ``value``."""

    def __init__(self, adapter: str, field: str, value: str) -> None:
        self.adapter, self.field, self.value = adapter, field, value
        self.armed = False
        self.done = False

    def wrap(self, build: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        def rewritten(*args: Any, **kwargs: Any) -> dict[str, Any]:
            payload = build(*args, **kwargs)
            body = payload if self.adapter == "binance" else payload["o"]
            if self.armed and body["x"] == "TRADE":
                body[self.field] = self.value
                self.armed, self.done = False, True
            return payload

        return rewritten


@pytest.fixture
def rewrite(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Rewrite:
    adapter, field, value = request.param
    hook = Rewrite(adapter, field, value)
    if adapter == "binance":
        module: Any = emulator_user_spot
        monkeypatch.setattr(module, "execution_report", hook.wrap(module.execution_report))
    else:
        module = emulator_user_usdm
        monkeypatch.setattr(module, "order_trade_update", hook.wrap(module.order_trade_update))
    return hook


def _gaps(items: list[tuple[str, SessionEvent]]) -> list[str]:
    return [
        e.detail or "" for name, e in items if name.endswith("-user") and e.kind is EventKind.GAP
    ]


async def _market_buy(client: BinanceClient, adapter: str, cid: str) -> Order:
    return await client.place_order(
        OrderRequest(
            symbol=VENUES[adapter], side=Side.BUY, type=OrderType.MARKET,
            quantity=QUANTITY[adapter], client_order_id=cid,
        )
    )  # fmt: skip


CASES = [
    (adapter, field, value)
    for adapter in VENUES
    for field, value in (("o", "PEGGED_LIMIT"), ("X", "PENDING_MATCH"), ("x", "TRADE_V2"))
]


@pytest.mark.parametrize("rewrite", CASES, indirect=True, ids=lambda c: "-".join(c))
async def test_an_unknown_enum_value_is_reported_delivers_what_is_safe_and_the_stream_goes_on(
    rewrite: Rewrite,
) -> None:
    adapter = rewrite.adapter
    async with emulated(adapter) as (server, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_fills()) as fills,
            collecting(client.stream_orders()) as orders,
        ):
            await client.start_user_stream()
            rewrite.armed = True
            since = server.now_ms() - 1000
            odd = await _market_buy(client, adapter, "odd-1")
            (detail,) = await events.wait_for(lambda items: len(_gaps(items)) > 0) and _gaps(
                events.items
            )
            nxt = await _market_buy(client, adapter, "next-1")
            # The stream keeps going: the next order's fills and final state arrive.
            await fills.wait_for(
                lambda items: (
                    sum(f.quantity for f in items if f.order_id == nxt.order_id)
                    == nxt.filled_quantity
                )
            )
            await orders.wait_for(
                lambda items: any(
                    o.order_id == nxt.order_id and o.status is OrderStatus.FILLED for o in items
                )
            )
            on_rest = await client.get_fills(VENUES[adapter], since_ms=since)

    assert rewrite.done
    path = "$.o" if adapter == "binance" else "$.o.o"
    path = {"o": path, "X": path[:-1] + "X", "x": path[:-1] + "x"}[rewrite.field]
    assert EVENT[adapter] in detail and f"{path}='{rewrite.value}'" in detail, detail
    assert "reconcile" in detail

    odd_on_rest = {f.trade_id: f for f in on_rest if f.order_id == odd.order_id}
    odd_streamed = {f.trade_id: f for f in fills.items if f.order_id == odd.order_id}
    odd_orders = [o for o in orders.items if o.order_id == odd.order_id]
    if rewrite.field == "x":
        # Maybe a trade, maybe not: no fill is made up; the order itself is intact.
        assert len(odd_on_rest) == len(odd_streamed) + 1
        assert "delivered: order" in detail
        assert odd_orders and odd_orders[-1].status in (
            OrderStatus.FILLED,
            OrderStatus.PARTIALLY_FILLED,
        )
    else:
        # Every fill arrives, with the exchange's own numbers.
        assert _money(odd_streamed) == _money(odd_on_rest)
        if rewrite.field == "o":
            assert "delivered: fill;" in detail  # a type would be a guess: no order
        else:
            assert "delivered: fill and order" in detail
            assert OrderStatus.UNKNOWN in {o.status for o in odd_orders}


def _money(fills: dict[str, Fill]) -> dict[str, tuple[Decimal, Decimal, Side]]:
    return {i: (f.price, f.quantity, f.side) for i, f in fills.items()}


# -- the salvage rules, payload by payload -----------------------------------------------------


def _strict(name: str, data: bytes) -> tuple[Order, Fill | None]:
    if name == "executionReport":
        return m.execution_report(msgspec.json.decode(data, type=s.ExecutionReport), SPOT_SYMBOLS)
    event = msgspec.json.decode(data, type=s.OrderTradeUpdateEvent)
    return m.order_trade_update(event, USDM_SYMBOLS)


_KNOWN = {
    "S": {"BUY", "SELL"},
    "o": {"LIMIT", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT",
          "LIMIT_MAKER", "STOP", "STOP_MARKET", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET",
          "LIQUIDATION"},
}  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    futures=st.booleans(),
    field=st.sampled_from(["S", "o", "f", "x", "X", "ps"]),
    value=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=20),
)
def test_a_salvaged_event_never_changes_a_number_the_exchange_sent(
    futures: bool, field: str, value: str
) -> None:
    name = "ORDER_TRADE_UPDATE" if futures else "executionReport"
    data = raw("usdm_ws_order_trade_update_trade" if futures else "spot_ws_execution_report_trade")
    order, fill = _strict(name, data)
    assert fill is not None
    payload = json.loads(data)
    body = payload["o"] if futures else payload
    if field == "ps" and not futures:
        field = "X"
    original = body[field]
    body[field] = value
    symbols = USDM_SYMBOLS if futures else SPOT_SYMBOLS
    got = m.salvage_order_event(name, json.dumps(payload).encode(), symbols)
    assert got is not None
    if value == original:
        assert (got.order, got.fill, got.unknown) == (order, fill, ())
        return
    try:
        _strict(name, json.dumps(payload).encode())
    except msgspec.ValidationError:
        pass
    else:  # the new value happens to be another known one: not this test's business
        return
    if field == "S":
        assert (got.order, got.fill) == (None, None)
        return
    assert got.fill == (None if field == "x" else fill)
    if field in ("o", "f"):
        assert got.order is None
    elif field == "X":
        assert got.order == msgspec.structs.replace(order, status=OrderStatus.UNKNOWN)
    elif field == "ps":
        assert got.order == msgspec.structs.replace(order, position_side=None)
    else:
        assert got.order == order
    assert any(field in path for path in got.unknown)


def test_other_events_and_garbage_are_not_salvaged() -> None:
    assert (
        m.salvage_order_event("ACCOUNT_UPDATE", raw("usdm_ws_account_update"), USDM_SYMBOLS) is None
    )
    assert m.salvage_order_event("executionReport", b"[1, 2]", SPOT_SYMBOLS) is None
    assert m.salvage_order_event("executionReport", b"{not json", SPOT_SYMBOLS) is None
    broken = json.loads(raw("spot_ws_execution_report_trade")) | {"o": "NEW_TYPE", "L": "abc"}
    got = m.salvage_order_event("executionReport", json.dumps(broken).encode(), SPOT_SYMBOLS)
    assert got is not None and (got.order, got.fill) == (None, None)  # a price is unreadable
