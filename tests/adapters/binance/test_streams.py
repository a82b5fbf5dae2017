"""The stream layer without a network: routing, the book's burst coalescing, fan-out, and
the user-data wire rules (WebSocket-API signing, event unwrapping, listen-key URLs)."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any, Literal

import hypothesis.strategies as st
import msgspec
import pytest
from exchangekit_binance import schemas as s
from exchangekit_binance.fanout import EventBus, Inbox, StreamContext
from exchangekit_binance.mappers import SymbolMap
from exchangekit_binance.private_stream import USER_KEY, UserStream
from exchangekit_binance.signing import ws_signature
from exchangekit_binance.streams import BookView, DepthEvent, MarketRouter, as_delta
from hypothesis import given, settings

from exchangekit.book import (
    BinanceFuturesRule,
    BinanceSpotRule,
    BookEvent,
    BookEventKind,
    BookSnapshot,
    BookSync,
    LocalBook,
)
from exchangekit.clock import ManualClock, SystemClock
from exchangekit.errors import AuthenticationError
from exchangekit.ratelimit import Limiter
from exchangekit.transport import Credentials
from exchangekit.ws import Control, ControlKind, Routed, Subscription
from tests.adapters.binance._payloads import raw

DEPTH = "bnbbtc@depth@100ms"


def combined(stream: str, data: Any) -> str:
    return json.dumps({"stream": stream, "data": data}, separators=(",", ":"))


def depth_router(observe: Any = None) -> MarketRouter:
    from exchangekit_binance.streams import _DEPTH

    router = MarketRouter(observe)
    router.register(DEPTH, _DEPTH)
    return router


# -- routing ------------------------------------------------------------------------------------


def test_depth_frames_route_to_their_stream_with_the_final_update_id_as_dedupe_key() -> None:
    frame = combined(DEPTH, json.loads(raw("spot_ws_depth_update")))
    routed = depth_router().route(frame)
    assert isinstance(routed, Routed)
    assert routed.key == DEPTH and routed.dedupe_key == 160
    assert isinstance(routed.payload, DepthEvent)
    delta = as_delta(routed.payload)
    assert (delta.first_id, delta.last_id) == (157, 160)
    assert list(delta.bids) == [("0.0024", "10")] and list(delta.asks) == [("0.0026", "100")]


def test_observed_frames_decode_the_same_and_reach_the_observer_as_wire_events() -> None:
    frame = combined(DEPTH, json.loads(raw("spot_ws_depth_update")))
    seen: list[tuple[str, type, bytes]] = []
    observed = depth_router(lambda *args: seen.append(args)).route(frame)
    fast = depth_router().route(frame)
    assert isinstance(observed, Routed) and isinstance(fast, Routed)
    assert observed.payload == fast.payload
    ((key, schema, body),) = seen
    assert (key, schema) == ("ws depthUpdate", s.DepthUpdateEvent)
    assert json.loads(body) == json.loads(raw("spot_ws_depth_update"))


def test_frames_of_streams_nobody_asked_for_are_ignored() -> None:
    frame = combined("ethbtc@depth@100ms", json.loads(raw("spot_ws_depth_update")))
    assert depth_router().route(frame) is None


def test_subscribe_requests_are_batched_and_their_answers_acknowledge_them() -> None:
    router = depth_router()
    subscriptions = [Subscription(f"s{i}@trade") for i in range(3)]
    (frame,) = router.subscribe_message(subscriptions)
    request = json.loads(frame)
    assert request["method"] == "SUBSCRIBE" and request["params"] == [
        "s0@trade",
        "s1@trade",
        "s2@trade",
    ]
    ack = router.route(json.dumps({"result": None, "id": request["id"]}))
    assert ack == Control(ControlKind.ACK, None)


def test_a_refused_subscription_rejects_its_stream() -> None:
    router = depth_router()
    (frame,) = router.subscribe_message([Subscription(DEPTH)])
    request_id = json.loads(frame)["id"]
    answer = {"error": {"code": 2, "msg": "Invalid request"}, "id": request_id}
    control = router.route(json.dumps(answer))
    assert isinstance(control, Control)
    assert control.kind is ControlKind.REJECTED and control.key == DEPTH


# -- the book: bursts coalesced, and still gap-checked ---------------------------------------------

PRICES = [f"{100 + i}.00" for i in range(10)]


def event(
    bids: Any = (),
    asks: Any = (),
    *,
    first_id: int | None = None,
    last_id: int | None = None,
    prev_id: int | None = None,
) -> DepthEvent:
    """A depth event as the router hands it over: decoded from the wire, levels still text."""
    data = {"e": "depthUpdate", "U": first_id, "u": last_id, "b": bids, "a": asks}
    if prev_id is not None:
        data["pu"] = prev_id
    return msgspec.json.decode(json.dumps(data), type=DepthEvent)


@st.composite
def delta_chains(draw: st.DrawFn, futures: bool) -> tuple[list[DepthEvent], list[int]]:
    """A chain of deltas continuing a snapshot at 100 (some replayed), cut into bursts."""
    deltas: list[DepthEvent] = []
    last = 100
    for _ in range(draw(st.integers(1, 40))):
        if deltas and draw(st.integers(0, 3)) == 0:  # a quarter of the time
            deltas.append(draw(st.sampled_from(deltas)))  # a replay: already in the book
            continue
        step = draw(st.integers(1, 3))
        side = st.lists(st.tuples(st.sampled_from(PRICES), st.sampled_from(["0", "1", "2.5"])))
        bids = [(p, q) for p, q in draw(side) if p < "105"]
        asks = [(p, q) for p, q in draw(side) if p >= "105"]
        deltas.append(
            event(
                bids, asks, first_id=last + 1, last_id=last + step,
                prev_id=last if futures else None,
            )
        )  # fmt: skip
        last += step
    cuts = sorted(draw(st.lists(st.integers(0, len(deltas)), max_size=6)))
    return deltas, cuts


def _live_sync(futures: bool) -> BookSync:
    async def never(symbol: str) -> BookSnapshot:
        raise AssertionError("no snapshot should be needed")

    rule = BinanceFuturesRule() if futures else BinanceSpotRule()
    sync = BookSync(LocalBook("X"), rule, fetch_snapshot=never, resync_on_crossed=False)
    snapshot = BookSnapshot(bids=[("101.00", "1")], asks=[("106.00", "1")], sequence=100)
    sync.on_snapshot(snapshot)
    return sync


@pytest.mark.parametrize("futures", [False, True])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_coalesced_bursts_build_exactly_the_book_one_by_one_would(futures: bool, data: Any) -> None:
    deltas, cuts = data.draw(delta_chains(futures))
    one_by_one, coalesced = _live_sync(futures), _live_sync(futures)
    view = BookView(coalesced, futures=futures)
    for delta in deltas:
        one_by_one.on_delta(as_delta(delta))
    for start, end in zip([0, *cuts], [*cuts, len(deltas)], strict=True):
        if end > start:
            view.on_deltas(deltas[start:end])
    assert coalesced.is_live and one_by_one.is_live
    assert coalesced.top() == one_by_one.top()
    assert view.applied == len(deltas)


def test_a_gap_inside_a_burst_still_invalidates_the_book() -> None:
    events: list[BookEvent] = []

    async def run() -> None:
        async def snapshot(symbol: str) -> BookSnapshot:
            await asyncio.Event().wait()  # never answers: the book stays invalid
            raise AssertionError

        sync = BookSync(
            LocalBook("X"), BinanceSpotRule(), fetch_snapshot=snapshot, on_event=events.append
        )
        sync.on_snapshot(BookSnapshot(bids=[("1", "1")], asks=[("2", "1")], sequence=10))
        burst = [
            event([("1", "2")], first_id=11, last_id=12),
            event([("1", "3")], first_id=13, last_id=14),
            event([("1", "4")], first_id=20, last_id=21),  # 15..19 never came
        ]
        BookView(sync, futures=False).on_deltas(burst)
        assert not sync.is_live
        await sync.close()

    asyncio.run(run())
    assert [e.kind for e in events] == [BookEventKind.RESYNCED, BookEventKind.GAP]
    assert events[-1].sequence == 14  # both deltas before the gap were applied


def _recording(sync: BookSync) -> list[tuple[int | None, int | None]]:
    """Record the ``(first_id, last_id)`` of every delta the view hands to ``sync``."""
    seen: list[tuple[int | None, int | None]] = []
    on_delta = sync.on_delta

    def record(delta: Any) -> None:
        seen.append((delta.first_id, delta.last_id))
        on_delta(delta)

    sync.on_delta = record  # type: ignore[method-assign]
    return seen


def test_only_runs_that_continue_the_book_are_merged() -> None:
    async def run() -> None:
        sync = _live_sync(futures=False)
        seen = _recording(sync)
        burst = [
            event([("101.00", "1")], first_id=95, last_id=98),  # already in the book
            event([("101.00", "2")], first_id=101, last_id=102),
            event([("101.00", "3")], first_id=103, last_id=104),
            event([("101.00", "4")], first_id=110, last_id=111),  # a gap: passed on alone
            event([("101.00", "5")], first_id=112, last_id=113),  # the book is gone: alone
        ]
        BookView(sync, futures=False).on_deltas(burst)
        assert seen == [(95, 98), (101, 104), (110, 111), (112, 113)]
        await sync.close()

    asyncio.run(run())


def test_an_unreadable_event_invalidates_the_book_and_is_never_merged() -> None:
    events: list[BookEvent] = []
    snapshots: list[str] = []

    async def run() -> None:
        async def snapshot(symbol: str) -> BookSnapshot:
            snapshots.append(symbol)
            await asyncio.Event().wait()
            raise AssertionError

        sync = BookSync(
            LocalBook("X"), BinanceSpotRule(), fetch_snapshot=snapshot, on_event=events.append
        )
        sync.on_snapshot(BookSnapshot(bids=[("1", "1")], asks=[("2", "1")], sequence=10))
        seen = _recording(sync)
        burst = [
            event([("1", "2")], first_id=11, last_id=12),
            event([("1", "3")], [["2", 5]], first_id=13, last_id=14),  # a number, not text
            event([("1", "4")], first_id=15, last_id=16),
        ]
        BookView(sync, futures=False).on_deltas(burst)
        await asyncio.sleep(0)
        assert not sync.is_live
        # The readable one before it went alone (its run was cut), the one after it is
        # buffered as it came for the next bridge.
        assert seen == [(11, 12), (15, 16)]
        await sync.close()

    asyncio.run(run())
    assert [e.kind for e in events] == [BookEventKind.RESYNCED, BookEventKind.MALFORMED]
    assert "depthUpdate a" in events[-1].detail and "$[0][1]" in events[-1].detail
    assert snapshots == ["X"]


def test_a_book_lost_inside_a_burst_bridges_the_next_snapshot_event_by_event() -> None:
    """Merged deltas never reach the bridge buffer: a snapshot in the middle of the rest
    of a burst bridges to exactly the book the events build one by one."""

    async def run() -> None:
        fetched: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def snapshot(symbol: str) -> BookSnapshot:
            fetched.set_result(None)
            # Valid at 24: the events up to 24 are in it (100.00 at 7 and 101.00 at 9).
            return BookSnapshot(
                bids=[("100.00", "7"), ("101.00", "9")], asks=[("106.00", "1")], sequence=24
            )

        sync = _live_sync(futures=False)
        sync._fetch_snapshot = snapshot
        sync.rule.reset(10)
        seen = _recording(sync)
        burst = [
            event([("100.00", "1")], first_id=11, last_id=12),
            event([("100.00", "2")], first_id=20, last_id=22),  # a gap: the book is lost
            event([("100.00", "7")], first_id=23, last_id=23),
            event([("101.00", "9")], first_id=24, last_id=24),
            event([("100.00", "8")], first_id=25, last_id=26),  # continues the snapshot
            event([("102.00", "3")], first_id=27, last_id=28),
        ]
        BookView(sync, futures=False).on_deltas(burst)
        assert not sync.is_live
        assert seen == [(11, 12), (20, 22), (23, 23), (24, 24), (25, 26), (27, 28)]
        await fetched
        await sync.wait_live()
        assert sync.top().bids == [
            (Decimal("102.00"), Decimal("3")),
            (Decimal("101.00"), Decimal("9")),
            (Decimal("100.00"), Decimal("8")),
        ]
        assert sync.book.sequence == 28
        await sync.close()

    asyncio.run(run())


# -- fan-out ------------------------------------------------------------------------------------


async def test_a_slow_reader_loses_the_oldest_items_not_the_newest() -> None:
    inbox: Inbox[int] = Inbox(limit=3)
    for item in range(5):
        inbox.put(item)
    inbox.end()
    assert [item async for item in inbox] == [2, 3, 4]
    assert inbox.dropped == 2


async def test_an_inbox_ended_with_an_error_raises_it_after_the_items() -> None:
    inbox: Inbox[int] = Inbox()
    inbox.put(1)
    inbox.end(RuntimeError("session failed"))
    assert await inbox.get() == 1
    with pytest.raises(RuntimeError, match="session failed"):
        await inbox.get()


# -- user data: the wire rules -------------------------------------------------------------------

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def user_stream(market: Literal["spot", "usdm"], **extra: Any) -> UserStream:
    async def symbols() -> SymbolMap:
        return SymbolMap([("ETH/BTC", "ETHBTC")])

    async def unused(*args: Any) -> Any:
        raise AssertionError("not used here")

    ctx = StreamContext(
        exchange="binance" if market == "spot" else "binanceusdm",
        market=market,
        stream_root="wss://fstream.example",
        ws_api_url="wss://ws-api.example/ws-api/v3",
        clock=extra.pop("clock", SystemClock()),
        limiter=Limiter(),
        lifetime_s=3600.0,
        stale_after_s=None,
        observe=None,
        events=EventBus(),
        spawn=lambda coro: coro.close(),
        symbol_map=symbols,
        book_snapshot=unused,
        credentials=Credentials(KEY, SECRET),
        server_now_ms=lambda: 1_649_729_878_532,
        **extra,
    )
    return UserStream(ctx)


def test_spot_subscription_is_signed_with_the_websocket_api_rule() -> None:
    (frame,) = user_stream("spot")._subscribe_frames([Subscription(USER_KEY)])
    request = json.loads(frame)
    assert request["method"] == "userDataStream.subscribe.signature"
    params = request["params"]
    assert set(params) == {"apiKey", "timestamp", "signature"}
    assert params["timestamp"] == 1_649_729_878_532
    # BSD web-socket-api.md: the same key and timestamp sign session.logon's payload.
    assert params["signature"] == "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed"
    assert params["signature"] == ws_signature(
        SECRET, {"apiKey": KEY, "timestamp": params["timestamp"]}
    )


def test_spot_events_are_unwrapped_and_keyed_by_their_content() -> None:
    stream = user_stream("spot")
    frame = raw("ws_api_event").decode()
    first, again = stream._route_api(frame), stream._route_api(frame)
    assert isinstance(first, Routed) and isinstance(again, Routed)
    assert first.key == USER_KEY and isinstance(first.payload, s.OutboundAccountPosition)
    assert first.dedupe_key == again.dedupe_key  # the other connection's copy is dropped


def test_spot_subscription_answers_ack_reject_or_retry() -> None:
    stream = user_stream("spot")
    ok = stream._route_api(json.dumps({"id": 1, "status": 200, "result": {"subscriptionId": 0}}))
    assert ok == Control(ControlKind.ACK, USER_KEY)
    already = {"id": 2, "status": 400, "error": {"code": -2035, "msg": "already active"}}
    assert stream._route_api(json.dumps(already)) == Control(ControlKind.ACK, USER_KEY)
    bad_key = {"id": 3, "status": 401, "error": {"code": -2015, "msg": "Invalid API-key"}}
    refused = stream._route_api(json.dumps(bad_key))
    assert isinstance(refused, Control) and refused.kind is ControlKind.REJECTED
    late = {"id": 4, "status": 400, "error": {"code": -1021, "msg": "Timestamp outside"}}
    retried = stream._route_api(json.dumps(late))
    assert isinstance(retried, Control) and retried.kind is ControlKind.ERROR


def test_spot_events_no_unified_stream_carries_are_ignored() -> None:
    frame = {"subscriptionId": 0, "event": json.loads(raw("spot_ws_balance_update"))}
    assert user_stream("spot")._route_api(json.dumps(frame)) is None


async def test_futures_private_url_carries_a_fresh_listen_key_and_the_events() -> None:
    keys = iter(["key-1", "key-2"])

    async def listen_key() -> str:
        return next(keys)

    stream = user_stream("usdm", listen_key=listen_key)
    first, second = await stream._private_url(), await stream._private_url()
    assert first == (
        "wss://fstream.example/private/ws?listenKey=key-1"
        "&events=ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/ALGO_UPDATE"
    )
    assert "listenKey=key-2" in second


def test_futures_order_updates_map_to_an_order_and_a_fill() -> None:
    stream = user_stream("usdm")
    stream._symbols = SymbolMap([("BTC/USDT:USDT", "BTCUSDT")])
    routed = stream._route_private(raw("usdm_ws_order_trade_update_trade").decode())
    assert isinstance(routed, Routed)
    update = stream._map(routed.payload)
    assert update is not None and len(update.orders) == 1 and len(update.fills) == 1
    assert update.fills[0].quantity > Decimal(0)


def test_futures_algo_updates_reach_the_order_stream() -> None:
    from tests.adapters.binance.test_mappers_orders import ALGO_UPDATE

    stream = user_stream("usdm")
    stream._symbols = SymbolMap([("BNB/USDT:USDT", "BNBUSDT")])
    routed = stream._route_private(json.dumps(ALGO_UPDATE))
    assert isinstance(routed, Routed)
    update = stream._map(routed.payload)
    assert update is not None and update.fills == ()
    (order,) = update.orders
    assert (order.order_id, order.client_order_id) == ("2148719", "Q5xaq5EGKgXXa0fD7fs0Ip")


def test_listen_key_expiry_starts_the_stream_over() -> None:
    stream = user_stream("usdm")
    assert stream._route_private(raw("usdm_ws_listen_key_expired").decode()) is None
    assert stream._restart_requested


def test_user_update_structs_are_frozen_values() -> None:
    from exchangekit_binance.private_stream import UserUpdate

    with pytest.raises(AttributeError):
        UserUpdate().orders = ()  # type: ignore[misc,unused-ignore]
    assert msgspec.structs.asdict(UserUpdate()) == {
        "orders": (), "fills": (), "balances": (), "positions": ()
    }  # fmt: skip


async def test_listen_key_is_kept_alive_and_a_refused_keepalive_starts_over() -> None:
    clock = ManualClock()
    calls: list[float] = []

    async def keep_alive() -> None:
        calls.append(clock.monotonic())
        if len(calls) == 2:
            raise AuthenticationError("This listenKey does not exist.", code=-1125)

    stream = user_stream("usdm", keep_alive=keep_alive, keepalive_s=1800.0, clock=clock)
    task = asyncio.ensure_future(stream._keep_alive())
    await clock.advance(0)  # the loop is now asleep until the first keepalive
    await clock.advance(1800)
    assert calls == [1800] and not stream._restart_requested
    await clock.advance(1800)
    assert calls == [1800, 3600] and stream._restart_requested
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
