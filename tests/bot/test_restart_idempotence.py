"""After a restart, pending and unknown orders are settled by lookup by client order id,
never by a second submission (on the paper exchange)."""

from __future__ import annotations

from exchangekit_bot.bot import Bot

from exchangekit import (
    DuplicateClientOrderId,
    NetworkError,
    OrderOutcomeUnknown,
    OrderRequest,
    OrderStatus,
)
from tests.bot.helpers import make_executor, market_plan

S = OrderStatus


async def test_intent_journaled_without_send_is_settled_by_lookup_not_resent(
    paper, clock, open_state
):
    first = open_state()  # a new process opens the same state
    executor = await make_executor(paper, first, clock)
    (record,) = executor.journal.record_plans([market_plan()], "d1")  # crash before sending
    assert record.status is S.PENDING and record.send_started_ms is None
    first.close()

    store = open_state()  # a new process opens the same state
    executor = await make_executor(paper, store, clock)
    (settling,) = await executor.recover()
    assert settling.status is S.UNKNOWN  # not found yet, and still inside the visibility window
    await clock.advance(11)
    (settled,) = await executor.resolve_unknown()
    assert settled.status is S.REJECTED
    assert settled.last_reason.startswith("never landed")
    # The same decision made again maps to the same id and is not sent either.
    again = await executor.submit([market_plan()], "d1-again")
    assert again[0].client_order_id == record.client_order_id and again[0].status is S.REJECTED
    assert paper.place_calls == []
    events = [
        (e.from_status, e.to_status, e.source) for e in store.order_events(record.client_order_id)
    ]
    assert events == [(S.PENDING, S.UNKNOWN, "local"), (S.UNKNOWN, S.REJECTED, "lookup")]
    store.close()


async def test_send_with_unknown_outcome_is_found_by_lookup_after_restart(paper, clock, open_state):
    first = open_state()  # a new process opens the same state
    executor = await make_executor(paper, first, clock)
    paper.land_then_raise = OrderOutcomeUnknown("read timeout after send", exchange="paper")
    (record,) = await executor.submit([market_plan()], "d1")
    assert record.status is S.UNKNOWN and record.send_started_ms is not None
    first.close()  # crash before any lookup

    store = open_state()  # a new process opens the same state
    executor = await make_executor(paper, store, clock)
    (settled,) = await executor.recover()
    assert settled.status is S.FILLED
    assert settled.filled_quantity == settled.quantity
    assert len(paper.place_calls) == 1  # the original send only
    store.close()


async def test_intent_that_landed_although_no_send_was_recorded_is_found(paper, clock, open_state):
    store = open_state()  # a new process opens the same state
    executor = await make_executor(paper, store, clock)
    (record,) = executor.journal.record_plans([market_plan()], "d1")
    request = executor._request(record)
    await paper.inner.place_order(request)  # it reached the exchange; the journal never knew
    store.close()

    store = open_state()  # a new process opens the same state
    executor = await make_executor(paper, store, clock)
    (settled,) = await executor.recover()
    assert settled.status is S.FILLED
    assert paper.place_calls == []
    store.close()


async def test_pending_with_send_recorded_that_never_landed_is_closed_after_the_window(
    paper, clock, open_state
):
    store = open_state()  # a new process opens the same state
    executor = await make_executor(paper, store, clock)
    (record,) = executor.journal.record_plans([market_plan()], "d1")
    executor.journal.update(record, send_started_ms=clock.now_ms(), send_attempts=1)
    store.close()

    store = open_state()  # a new process opens the same state
    executor = await make_executor(paper, store, clock)
    await clock.advance(3)
    (first,) = await executor.recover()
    assert first.status is S.UNKNOWN and first.lookups == 1
    for _ in range(10):
        await clock.advance(2)
        (current,) = await executor.resolve_unknown()
        if current.status is not S.UNKNOWN:
            break
    assert current.status is S.REJECTED
    assert paper.place_calls == []
    store.close()


async def test_duplicate_client_order_id_means_it_landed_and_is_looked_up(paper, clock, store):
    executor = await make_executor(paper, store, clock)
    (record,) = executor.journal.record_plans([market_plan()], "d1")
    await paper.inner.place_order(executor._request(record))
    # Its first send (in this process) meets the exchange's duplicate check.
    (settled,) = await executor.submit([market_plan()], "d1")
    assert settled.status is S.FILLED
    assert settled.confirmed_landed
    assert [r.client_order_id for r in paper.place_calls] == [record.client_order_id]
    events = [
        (e.from_status, e.to_status, e.source) for e in store.order_events(record.client_order_id)
    ]
    assert events == [(S.PENDING, S.UNKNOWN, "local"), (S.UNKNOWN, S.FILLED, "lookup")]


async def test_duplicate_error_from_the_exchange_is_never_declared_never_landed(
    paper, clock, store
):
    executor = await make_executor(paper, store, clock)
    paper.raise_before_send = DuplicateClientOrderId("already used", exchange="paper")
    (record,) = await executor.submit([market_plan(sequence=7)], "d7")
    assert record.status is S.UNKNOWN and record.confirmed_landed
    for _ in range(12):
        await clock.advance(10)
        (record,) = await executor.resolve_unknown()
    assert record.status is S.UNKNOWN  # not found, but proven to exist: stays open ...
    assert [i.kind for i in store.incidents(open_only=True)] == [
        "unresolved_order"
    ]  # ... and raised
    assert len(paper.place_calls) == 1


async def test_transient_error_is_resent_with_the_same_client_order_id(paper, clock, store):
    executor = await make_executor(paper, store, clock)
    paper.raise_before_send = NetworkError("connect refused", exchange="paper")
    (record,) = await executor.submit([market_plan()], "d1")
    assert record.status is S.PENDING and record.next_action_ms is not None
    await clock.advance(2)
    await executor.send_due()
    settled = store.get_order(record.client_order_id)
    assert settled is not None and settled.status is S.FILLED
    assert [r.client_order_id for r in paper.place_calls] == [record.client_order_id] * 2


async def test_bot_startup_settles_the_journal_before_any_strategy_runs(
    paper, clock, config, open_state
):
    store = open_state()  # a new process opens the same state
    executor = await make_executor(paper, store, clock)
    paper.land_then_raise = OrderOutcomeUnknown("timeout", exchange="paper")
    (lost,) = await executor.submit([market_plan(symbol="BTC/USDT")], "d1")
    (unsent,) = executor.journal.record_plans([market_plan(sequence=2, symbol="BTC/USDT")], "d2")
    store.close()
    paper.place_calls.clear()

    store = open_state()  # a new process opens the same state
    bot = Bot(config, paper, store, clock)
    await bot.start()
    assert store.get_order(lost.client_order_id).status is S.FILLED  # type: ignore[union-attr]
    assert store.get_order(unsent.client_order_id).status is S.UNKNOWN  # type: ignore[union-attr]
    assert paper.place_calls == []
    store.close()


async def test_direct_request_matches_the_journal(paper, clock, store):
    executor = await make_executor(paper, store, clock)
    (record,) = executor.journal.record_plans([market_plan()], "d1")
    request = executor._request(record)
    assert isinstance(request, OrderRequest)
    assert request.client_order_id == record.client_order_id
