"""A private push the adapter cannot map (a new enum value tomorrow) is never silent: the
client's event bus carries a ``gap`` naming the field, so consumers reconcile over REST,
and the stream goes on. Bybit and OKX here; Binance salvages more (its own tests)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from exchangekit import MappingError
from exchangekit.testing.fixtures import running_emulator
from exchangekit.ws import EventKind, SessionEvent
from exchangekit.ws.account import unmappable_push

PAYLOADS = Path(__file__).parents[2] / "adapters"  # tests/adapters/<x>/payloads


def test_the_gap_event_names_what_was_lost_and_where() -> None:
    error = MappingError("Invalid enum value 'Mystery'", path="$.data[0].orderStatus", raw={})
    event = unmappable_push("order message", error, at_ms=5, key="private")
    assert event.kind is EventKind.GAP and event.at_ms == 5 and event.key == "private"
    assert "order message not delivered" in event.detail
    assert "$.data[0].orderStatus" in event.detail and "reconcile over REST" in event.detail


async def _first_gap(client: Any, act: Any) -> SessionEvent:
    events = client.stream_events()

    async def read() -> SessionEvent:
        async for _session, event in events:
            if event.kind is EventKind.GAP:
                return event  # type: ignore[no-any-return]
        raise AssertionError("the event stream ended")

    task = asyncio.ensure_future(read())
    await asyncio.sleep(0)
    act()
    async with asyncio.timeout(5):
        return await task


async def test_bybit_publishes_a_gap_for_an_order_push_with_an_unknown_status() -> None:
    frame = json.loads((PAYLOADS / "bybit/payloads/ws_order_spot_market.json").read_text())
    frame["data"][0]["orderStatus"] = "Mystery"
    async with running_emulator("bybit") as (_server, opened):
        client: Any = opened
        private = client._private  # the routing callback the session calls per frame
        gap = await _first_gap(client, lambda: private._route(json.dumps(frame).encode()))
        assert "orderStatus" in gap.detail and "order message" in gap.detail
        # A well-formed push still routes.
        frame["data"][0]["orderStatus"] = "Filled"
        assert private._route(json.dumps(frame).encode()) is not None


async def test_okx_publishes_a_gap_for_an_order_push_it_cannot_map() -> None:
    push = json.loads((PAYLOADS / "okx/payloads/ws_orders_spot_quote_market.json").read_text())[0]
    row = dict(push["data"][0], state="mystery")
    async with running_emulator("okx") as (_server, opened):
        client: Any = opened
        private = client._private
        private._symbols = await client._symbol_map()
        data = json.dumps([row]).encode()
        gap = await _first_gap(client, lambda: private._map(("orders", data)))
        assert "orders push" in gap.detail and "state" in gap.detail
