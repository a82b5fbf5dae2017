"""Reports of one order arrive from the stream, the ack, polls and lookups in any order: the
journal keeps the newest, a newer decision replaces an order waiting for a re-send, and
fills are attributed to their orders even when the venue's trade list has no client id."""

from __future__ import annotations

import msgspec
from exchangekit_bot.execution.fills import FillSync
from exchangekit_bot.execution.state_machine import Source
from exchangekit_bot.execution.streams import StreamFollower

from exchangekit import NetworkError, Order, OrderOutcomeUnknown, OrderRequest, OrderStatus
from tests.bot.conftest import FaultyExchange
from tests.bot.helpers import make_executor, market_plan

S = OrderStatus


def follower_for(executor, store, clock, exchange) -> StreamFollower:
    fills = FillSync(exchange, store, clock, prefix="xk")
    return StreamFollower(exchange, executor, fills, on_gap=lambda why: None)


async def test_an_older_report_never_moves_an_order_back(paper, clock, store):
    executor = await make_executor(paper, store, clock)
    (record,) = await executor.submit([market_plan()], "d1")
    assert record.status is S.FILLED
    filled = await paper.inner.get_order(record.symbol, client_order_id=record.client_order_id)
    stale = msgspec.structs.replace(
        filled, status=S.OPEN, filled_quantity=filled.quantity * 0, remaining_quantity=None
    )
    for source in (Source.ACK, Source.STREAM, Source.POLL):
        after = executor.apply_report(record, stale, source, "late")
        assert after.status is S.FILLED and after.filled_quantity == record.quantity
    assert store.incidents() == []


async def test_a_final_state_contradicting_another_is_still_an_incident(paper, clock, store):
    executor = await make_executor(paper, store, clock)
    (record,) = await executor.submit([market_plan()], "d1")
    filled = await paper.inner.get_order(record.symbol, client_order_id=record.client_order_id)
    executor.apply_report(
        record, msgspec.structs.replace(filled, status=S.CANCELLED), Source.POLL, "x"
    )
    assert [i.kind for i in store.incidents()] == ["illegal_transition"]


async def test_a_send_outcome_arriving_after_the_stream_keeps_the_streams_report(
    paper, clock, store
):
    class StreamFirst(FaultyExchange):
        """The private stream reports the order before its send times out."""

        async def place_order(self, request: OrderRequest) -> Order:
            order = await self.inner.place_order(request)
            self.place_calls.append(request)
            await follower.apply_order(order)
            raise OrderOutcomeUnknown("read timeout after send", exchange="paper")

    exchange = StreamFirst(paper.inner)
    executor = await make_executor(exchange, store, clock)
    follower = follower_for(executor, store, clock, exchange)
    (record,) = await executor.submit([market_plan()], "d1")
    assert record.status is S.FILLED  # not unknown: the stream already said so
    events = [
        (e.from_status, e.to_status, e.source) for e in store.order_events(record.client_order_id)
    ]
    assert events == [(S.PENDING, S.FILLED, "stream")]
    assert len(exchange.place_calls) == 1


async def test_a_stream_report_of_an_unknown_order_makes_its_lookup_due_now(paper, clock, store):
    executor = await make_executor(paper, store, clock)
    paper.land_then_raise = OrderOutcomeUnknown("timeout", exchange="paper")
    (record,) = await executor.submit([market_plan()], "d1")
    assert record.status is S.UNKNOWN and record.next_action_ms > clock.now_ms()
    order = await paper.inner.get_order(record.symbol, client_order_id=record.client_order_id)
    await follower_for(executor, store, clock, paper).apply_order(order)
    due = store.get_order(record.client_order_id)
    assert due is not None and due.status is S.UNKNOWN  # only a lookup settles it ...
    assert due.confirmed_landed and due.next_action_ms == clock.now_ms()  # ... and now
    (settled,) = await executor.resolve_unknown()
    assert settled.status is S.FILLED and len(paper.place_calls) == 1


async def test_a_new_decision_replaces_an_order_waiting_for_a_resend(paper, clock, store):
    executor = await make_executor(paper, store, clock)
    paper.raise_before_send = NetworkError("connect refused", exchange="paper")
    (record,) = await executor.submit([market_plan()], "d1")
    assert record.status is S.PENDING and record.next_action_ms is not None
    assert executor.journal.pending_by_symbol()[record.symbol][record.side] == record.quantity
    (replaced,) = executor.supersede("test", record.symbol, "d2")
    assert replaced.status is S.REJECTED and "superseded by decision d2" in replaced.last_reason
    await clock.advance(5)
    await executor.send_due()
    assert len(paper.place_calls) == 1  # the failed first attempt only
    assert executor.journal.pending_by_symbol() == {}


async def test_fills_without_a_client_order_id_are_attributed_by_exchange_order_id(
    paper, clock, store
):
    executor = await make_executor(paper, store, clock)
    (record,) = await executor.submit([market_plan()], "d1")
    sync = FillSync(paper, store, clock, prefix="xk")
    (fill,) = await paper.inner.get_fills(record.symbol)
    bare = msgspec.structs.replace(fill, client_order_id=None)  # as Binance's myTrades
    attributed, owner = await sync.attribute(bare)
    assert owner is not None and owner.client_order_id == record.client_order_id
    assert attributed.client_order_id == record.client_order_id


async def test_a_fill_of_an_order_whose_exchange_id_is_unknown_is_looked_up_once(
    paper, clock, store
):
    executor = await make_executor(paper, store, clock)
    paper.land_then_raise = OrderOutcomeUnknown("timeout", exchange="paper")
    (record,) = await executor.submit([market_plan()], "d1")
    assert record.exchange_order_id is None
    (fill,) = await paper.inner.get_fills(record.symbol)
    bare = msgspec.structs.replace(fill, client_order_id=None)
    lookups: list[str] = []

    class Counting(FaultyExchange):
        async def get_order(self, symbol, **kwargs):  # type: ignore[no-untyped-def]
            lookups.append(kwargs.get("order_id"))
            return await self.inner.get_order(symbol, **kwargs)

    sync = FillSync(Counting(paper.inner), store, clock, prefix="xk")
    for _ in range(2):
        _, owner = await sync.attribute(bare)
        assert owner is not None and owner.client_order_id == record.client_order_id
    assert lookups == [fill.order_id]
