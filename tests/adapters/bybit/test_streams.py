"""Bybit streams: the router alone, then the client's streams against the emulator.

Loopback tests wait for what they expect on the stream (no sleeps); the emulator pushes
every 10 ms.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import hypothesis.strategies as st
import msgspec
import pytest
from exchangekit_bybit import stream_schemas as ws
from exchangekit_bybit.emulator_streams import _diff, _sorted
from exchangekit_bybit.private_stream import PRIVATE_KEY, private_topics
from exchangekit_bybit.streams import (
    _BOOK,
    _TRADE,
    BookMessage,
    BookView,
    PublicRouter,
    book_depth,
    route_control,
)
from hypothesis import given, settings

from exchangekit import (
    AuthenticationError,
    NotSupported,
    OrderBook,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
)
from exchangekit.book import BookSync, BybitRule, LocalBook
from exchangekit.testing.faults import FaultKind, FaultPlan, FaultRule
from exchangekit.ws import Control, ControlKind, EventKind, Routed, SessionEvent, Subscription
from tests.adapters.bybit._emulated import VENUES, collecting, emulated, resting_order

both_markets = pytest.mark.parametrize("adapter", list(VENUES))
TOPIC = "orderbook.50.BTCUSDT"


def _frame(kind: str, u: int, bids: list[list[str]]) -> str:
    data = {"s": "BTCUSDT", "b": bids, "a": [["101", "1"]], "u": u, "seq": 7}
    return json.dumps({"topic": TOPIC, "type": kind, "ts": 1, "data": data, "cts": 1})


# -- the router alone ------------------------------------------------------------------------------


def test_book_snapshots_start_the_stream_over_and_deltas_dedupe_on_u() -> None:
    router = PublicRouter(None)
    router.register(TOPIC, _BOOK)
    snapshot = router.route(_frame("snapshot", 5, [["100", "2"]]))
    delta = router.route(_frame("delta", 6, [["100", "0"]]))
    assert isinstance(snapshot, Routed) and isinstance(delta, Routed)
    assert snapshot.snapshot and snapshot.dedupe_key is None
    assert not delta.snapshot and delta.dedupe_key == 6
    message = delta.payload
    assert isinstance(message, BookMessage) and not message.snapshot
    assert message.data.b == [("100", "0")] and message.data.u == 6


def test_trades_dedupe_on_their_ids_and_unknown_topics_are_ignored() -> None:
    router = PublicRouter(None)
    router.register("publicTrade.BTCUSDT", _TRADE)
    row = {"T": 1, "s": "BTCUSDT", "S": "Sell", "v": "0.1", "p": "100", "i": "t-1", "BT": False}
    frame = json.dumps({"topic": "publicTrade.BTCUSDT", "type": "snapshot", "data": [row]})
    routed = router.route(frame)
    assert isinstance(routed, Routed) and routed.dedupe_key == ("t-1",)
    assert router.route(frame.replace("BTCUSDT", "ETHUSDT")) is None


def test_operation_answers_become_session_controls() -> None:
    router = PublicRouter(None)
    (request,) = router.subscribe_message([Subscription(TOPIC)])
    req_id = json.loads(request)["req_id"]
    ack = {"success": True, "ret_msg": "", "op": "subscribe", "req_id": req_id}
    assert router.route(json.dumps(ack)) == Control(ControlKind.ACK, TOPIC)
    (again,) = router.subscribe_message([Subscription(TOPIC)])
    refused = {
        **ack,
        "success": False,
        "ret_msg": "error:handler not found",
        "req_id": json.loads(again)["req_id"],
    }
    control = router.route(json.dumps(refused))
    assert isinstance(control, Control) and control.kind is ControlKind.REJECTED
    assert control.key == TOPIC and "handler not found" in control.detail
    spot_pong = {"success": True, "ret_msg": "pong", "op": "ping", "req_id": "ping"}
    private_pong = {"op": "pong", "args": ["1"], "req_id": "ping"}
    for pong in (spot_pong, private_pong):
        frame = msgspec.json.decode(json.dumps(pong), type=ws.Frame)
        assert route_control(frame, {}) == Control(ControlKind.PONG)


def test_spot_requests_carry_at_most_ten_topics() -> None:
    router = PublicRouter(None)
    frames = router.subscribe_message([Subscription(f"publicTrade.S{i}") for i in range(23)])
    assert [len(json.loads(f)["args"]) for f in frames] == [10, 10, 3]


def test_book_depths_and_private_topics() -> None:
    assert [book_depth(d) for d in (1, 20, 50, 51, 1000)] == [50, 50, 50, 200, 1000]
    with pytest.raises(NotSupported):
        book_depth(1001)
    assert private_topics("spot") == ["order.spot", "execution.spot", "wallet"]
    assert "position.linear" in private_topics("linear")
    assert PRIVATE_KEY == "private"


# -- against the emulator --------------------------------------------------------------------------


def _same_levels(streamed: OrderBook, rest: OrderBook) -> bool:
    return streamed.bids == rest.bids and streamed.asks == rest.asks


def _book_events(topic: str, kind: EventKind):  # type: ignore[no-untyped-def]
    def found(items: list[tuple[str, SessionEvent]]) -> bool:
        return any(e.kind is kind and e.key == topic for _, e in items)

    return found


@both_markets
async def test_streamed_book_equals_the_rest_snapshot_after_a_forced_gap(adapter: str) -> None:
    symbol = VENUES[adapter]
    skip = FaultRule(kind=FaultKind.WS_SKIP, target="orderbook.*", after=5, times=1)
    plan = FaultPlan([skip])
    async with emulated(adapter, faults=plan, restart_every=0) as (_, dialect, client):
        topic = f"orderbook.50.{(await client.load_instruments())[symbol].exchange_symbol}"
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_order_book(symbol, 20)) as books,
        ):
            await events.wait_for(_book_events(topic, EventKind.GAP))
            gap_at = next(i for i, (_, e) in enumerate(events.items) if e.kind is EventKind.GAP)
            await events.wait_for(
                lambda items: any(
                    e.kind is EventKind.RESYNCED and e.key == topic for _, e in items[gap_at:]
                )
            )
            assert plan.count(FaultKind.WS_SKIP) == 1
            dialect.paused = True  # the market stands still: the stream settles on it
            rest = await client.get_order_book(symbol, 20)
            await books.wait_for(lambda items: bool(items) and _same_levels(items[-1], rest))
            assert len(rest.bids) == len(rest.asks) == 20


async def test_a_u1_restart_snapshot_overwrites_the_book_without_a_gap() -> None:
    symbol = VENUES["bybitlinear"]
    async with emulated("bybitlinear", restart_every=5) as (_, _dialect, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_order_book(symbol, 10)) as books,
        ):
            # Sequences climb, fall back to 1 at a restart, and climb again.
            await books.wait_for(
                lambda items: any(
                    b.sequence is not None and a.sequence is not None and b.sequence < a.sequence
                    for a, b in itertools.pairwise(items)
                )
            )
            restarted = [b for b in books.items if b.sequence is not None and b.sequence <= 6]
            assert restarted and all(b.bids[0][0] < b.asks[0][0] for b in books.items)
            assert not any(e.kind is EventKind.GAP for _, e in events.items)


@both_markets
async def test_private_stream_reports_the_order_and_the_fill_of_a_market_order(
    adapter: str,
) -> None:
    symbol = VENUES[adapter]
    quantity = Decimal("0.001") if adapter == "bybit" else Decimal("0.002")
    async with emulated(adapter) as (_, _dialect, client):
        async with (
            collecting(client.stream_orders()) as orders,
            collecting(client.stream_fills()) as fills,
            collecting(client.stream_balances()) as balances,
        ):
            await client.start_user_stream()
            request = OrderRequest(
                symbol=symbol, side=Side.BUY, type=OrderType.MARKET, quantity=quantity
            )
            placed = await client.place_order(request)
            await fills.wait_for(lambda items: any(f.order_id == placed.order_id for f in items))
            await orders.wait_for(
                lambda items: any(
                    o.order_id == placed.order_id and o.status is OrderStatus.FILLED for o in items
                )
            )
            await balances.wait_for(lambda items: any(b.asset == "USDT" for b in items))
            fill = next(f for f in fills.items if f.order_id == placed.order_id)
            assert fill.client_order_id == request.client_order_id and fill.side is Side.BUY
            assert fill.fee_asset


async def test_linear_positions_stream_reports_the_opened_position() -> None:
    symbol = VENUES["bybitlinear"]
    async with emulated("bybitlinear") as (_, _dialect, client):
        async with collecting(client.stream_positions()) as positions:
            await client.start_user_stream()
            request = OrderRequest(
                symbol=symbol, side=Side.SELL, type=OrderType.MARKET, quantity=Decimal("0.002")
            )
            await client.place_order(request)
            await positions.wait_for(
                lambda items: any(
                    p.side is PositionSide.SHORT and p.quantity == Decimal("0.002") for p in items
                )
            )


async def test_dropped_sockets_reconnect_log_in_again_and_resubscribe() -> None:
    symbol = VENUES["bybit"]
    async with emulated("bybit") as (server, _dialect, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_trades(symbol)) as trades,
            collecting(client.stream_orders()) as orders,
        ):
            await client.start_user_stream()
            await trades.wait_for(lambda items: len(items) > 0)
            await server.drop_all_streams()

            def reconnected(items: list[tuple[str, SessionEvent]]) -> bool:
                for session in ("bybit-public", "bybit-private"):
                    kinds = [e.kind for name, e in items if name == session]
                    dropped = (
                        kinds.index(EventKind.DISCONNECTED)
                        if EventKind.DISCONNECTED in kinds
                        else None
                    )
                    if dropped is None or EventKind.CONNECTED not in kinds[dropped:]:
                        return False
                return True

            await events.wait_for(reconnected)
            seen = len(trades.items)
            await trades.wait_for(lambda items: len(items) > seen)
            await client.start_user_stream()  # returns once logged in and subscribed again
            request = await resting_order(client, symbol)
            placed = await client.place_order(request)
            await client.cancel_order(symbol, order_id=placed.order_id)
            await orders.wait_for(
                lambda items: any(
                    o.order_id == placed.order_id and o.status is OrderStatus.CANCELLED
                    for o in items
                )
            )


async def test_a_wrong_secret_fails_the_login_with_authentication_error() -> None:
    async with emulated("bybit", client_options={"api_secret": "not-the-secret"}) as (
        _,
        _dialect,
        client,
    ):
        with pytest.raises(AuthenticationError, match="login refused"):
            await client.start_user_stream()


@both_markets
async def test_tickers_and_candles_stream_with_sane_values(adapter: str) -> None:
    symbol = VENUES[adapter]
    async with emulated(adapter) as (_, _dialect, client):
        async with (
            collecting(client.stream_tickers([symbol])) as tickers,
            collecting(client.stream_candles(symbol, "1m")) as candles,
        ):
            await tickers.wait_for(
                lambda items: any(t.bid is not None and t.ask is not None for t in items)
            )
            await candles.wait_for(lambda items: len(items) > 0)
        ticker = next(t for t in tickers.items if t.bid is not None and t.ask is not None)
        assert ticker.symbol == symbol and ticker.bid is not None and ticker.ask is not None
        assert ticker.bid < ticker.ask and ticker.last is not None
        candle = candles.items[-1]
        assert candle.interval == "1m" and candle.open_ms % 60_000 == 0
        assert candle.low <= candle.close <= candle.high


async def test_the_private_stream_logs_in_again_after_the_session_expires() -> None:
    symbol = VENUES["bybitlinear"]
    async with emulated("bybitlinear") as (server, dialect, client):
        async with (
            collecting(client.stream_events()) as events,
            collecting(client.stream_orders()) as orders,
        ):
            await client.start_user_stream()
            dialect.expire_sessions()  # what a session_expiry fault does
            await events.wait_for(
                lambda items: any(
                    name == "bybitlinear-private" and e.kind is EventKind.DISCONNECTED
                    for name, e in items
                )
            )
            await client.start_user_stream()
            placed = await client.place_order(await resting_order(client, symbol))
            await orders.wait_for(lambda items: any(o.order_id == placed.order_id for o in items))
            logins = [
                e for name, e in events.items
                if name == "bybitlinear-private" and e.kind is EventKind.CONNECTED
            ]  # fmt: skip
            assert logins  # connected again, which means logged in and subscribed again
            assert server.faults.count() == 0


# -- the emulator's diffs rebuild its book exactly ---------------------------------------------

_bid_prices = st.sampled_from([f"{p}.5" for p in range(90, 100)])
_ask_prices = st.sampled_from([f"{p}.5" for p in range(100, 110)])
_sizes = st.sampled_from(["0.001", "0.25", "1", "3.5"])
_books = st.tuples(
    st.dictionaries(_bid_prices, _sizes, min_size=1),
    st.dictionaries(_ask_prices, _sizes, min_size=1),
)


@given(states=st.lists(_books, min_size=1, max_size=15))
@settings(max_examples=60, deadline=None)
def test_emulator_diffs_applied_by_the_client_book_rebuild_the_last_state(
    states: list[tuple[dict[str, str], dict[str, str]]],
) -> None:
    view = BookView(BookSync(LocalBook("BTC/USDT"), BybitRule(), fetch_snapshot=_never))
    (bids, asks), u = states[0], 100
    first = ws.BookData(s="BTCUSDT", b=_sorted(bids, True), a=_sorted(asks, False), u=u)
    view.on_message(BookMessage(snapshot=True, data=first, ts=1))
    for next_bids, next_asks in states[1:]:
        u += 1
        delta = ws.BookData(s="BTCUSDT", b=_diff(bids, next_bids), a=_diff(asks, next_asks), u=u)
        view.on_message(BookMessage(snapshot=False, data=delta, ts=u))
        bids, asks = next_bids, next_asks
    book = view.sync.top()
    assert book.bids == [(Decimal(p), Decimal(q)) for p, q in _sorted(bids, True)]
    assert book.asks == [(Decimal(p), Decimal(q)) for p, q in _sorted(asks, False)]
    assert book.sequence == u


async def _never(symbol: str) -> None:
    raise AssertionError("a gapless chain of diffs never needs a new snapshot")


async def test_the_private_stream_reports_the_callers_own_client_order_id() -> None:
    symbol = VENUES["bybit"]
    async with emulated("bybit") as (_, _dialect, client):
        async with collecting(client.stream_fills()) as fills:
            await client.start_user_stream()
            request = OrderRequest(
                symbol=symbol,
                side=Side.BUY,
                type=OrderType.MARKET,
                quantity=Decimal("0.001"),
                client_order_id="desk.7:order/0042",  # not in Bybit's alphabet: sent encoded
            )
            placed = await client.place_order(request)
            await fills.wait_for(lambda items: any(f.order_id == placed.order_id for f in items))
        fill = next(f for f in fills.items if f.order_id == placed.order_id)
        assert fill.client_order_id == "desk.7:order/0042"


async def test_a_post_only_order_cancelled_on_arrival_is_reported_on_the_stream() -> None:
    symbol = VENUES["bybitlinear"]
    async with emulated("bybitlinear") as (_, dialect, client):
        async with collecting(client.stream_orders()) as orders:
            await client.start_user_stream()
            dialect.paused = True
            best_ask = dialect.sim.book(symbol, 1).asks[0][0]
            request = OrderRequest(
                symbol=symbol, side=Side.BUY, type=OrderType.LIMIT, quantity=Decimal("0.01"),
                price=best_ask, post_only=True,
            )  # fmt: skip
            placed = await client.place_order(request)
            await orders.wait_for(
                lambda items: any(
                    o.order_id == placed.order_id and o.status is OrderStatus.CANCELLED
                    for o in items
                )
            )
