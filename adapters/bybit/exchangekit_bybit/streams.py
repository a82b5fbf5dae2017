"""Bybit public streams: the venue description, routing and the local order book.

Bybit's WebSocket rules are data handed to :class:`~exchangekit.ws.WsSession`, which owns
the only read loop (reconnect with backoff, application pings, stale timer, duplicate drop,
resubscribe after a reconnect):

- one public connection per client at ``<root>/v5/public/<category>``; requests are
  ``{"req_id", "op": "subscribe" | "unsubscribe", "args": [topic, ...]}`` (at most 10
  topics a request on spot, fact sheet §2.7) and answered ``{"success", "ret_msg",
  "op", "req_id"}``;
- ``{"op": "ping"}`` every 20 s; the answer (``ret_msg: "pong"`` or ``op: "pong"``) is the
  pong;
- topics: ``orderbook.{depth}.{symbol}``, ``publicTrade.{symbol}``, ``tickers.{symbol}``,
  ``kline.{interval}.{symbol}``.

The order book (fact sheet §2.7; :class:`~exchangekit.book.BybitRule`): the first message
of a subscription is a ``snapshot`` and any later snapshot resets the book; a delta with
``u == 1`` is a service restart and overwrites it; otherwise ``u`` must grow by one. On a
gap the book resubscribes the topic, and the snapshot that follows makes it whole again
(Bybit has no REST bridge: its REST snapshot's ``u`` matches only the 1000-level stream).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec

from exchangekit.book import (
    BookDelta,
    BookEvent,
    BookEventKind,
    BookSnapshot,
    BookSync,
    BybitRule,
    LocalBook,
)
from exchangekit.errors import MappingError, NotSupported
from exchangekit.mapping import decoder
from exchangekit.models import Candle, OrderBook, Side, Ticker, Trade
from exchangekit.ratelimit import Cost, Pool, PoolKind, Scope
from exchangekit.ws import (
    Control,
    ControlKind,
    EventKind,
    Frame,
    Routed,
    Subscription,
    SubscriptionStream,
    WsSession,
    WsVenue,
)
from exchangekit.ws.fanout import FeedRegistry, read_feed
from exchangekit_bybit import stream_schemas as ws
from exchangekit_bybit.fanout import Feed, Inbox, StreamContext
from exchangekit_bybit.mappers import INTERVALS, SymbolMap

__all__ = [
    "BOOK_DEPTHS",
    "WS_CONNECTIONS",
    "BookView",
    "PublicRouter",
    "PublicStreams",
    "book_depth",
    "ping_message",
    "route_control",
]

WS_CONNECTIONS = Pool(
    name="bybit-ws-connections",
    limit=500,
    window_s=300.0,
    kind=PoolKind.SLIDING_WINDOW,
    scope=Scope.IP,
    doc="BYD rate-limit.mdx: at most 500 WebSocket connections per 5 minutes per domain",
)
BOOK_DEPTHS = (50, 200, 1000)
"""Stream depths used for the local book (1 is snapshot-only and too thin to keep a book)."""
_SUBSCRIBE_BATCH = 10  # spot accepts at most 10 args per subscribe request (fact sheet §2.7)
_SIDES = {"Buy": Side.BUY, "Sell": Side.SELL}
_INTERVAL_NAMES = {wire: unified for unified, wire in INTERVALS.items()}

_decode_frame = msgspec.json.Decoder(ws.Frame).decode


def book_depth(depth: int) -> int:
    """The smallest stream depth that holds ``depth`` levels."""
    for candidate in BOOK_DEPTHS:
        if depth <= candidate:
            return candidate
    raise NotSupported(f"depth must be at most {BOOK_DEPTHS[-1]}", exchange="bybit")


def ping_message() -> str:
    """The application ping (``req_id`` lets the pong be told apart from other answers)."""
    return '{"req_id":"ping","op":"ping"}'


def route_control(frame: ws.Frame, requests: dict[str, tuple[str, ...]]) -> Control | None:
    """An operation answer as a session control (pong, ack, rejection), or ``None``."""
    op = frame.op
    if op == "pong" or (op == "ping" and frame.success is not False):
        return Control(ControlKind.PONG)
    if op in ("subscribe", "unsubscribe"):
        keys = requests.pop(frame.req_id or "", ())
        only = keys[0] if len(keys) == 1 else None
        if frame.success is False:
            if op == "unsubscribe":
                return None  # nothing to undo: the topic was not live
            kind = ControlKind.REJECTED if only is not None else ControlKind.ERROR
            return Control(kind, only, frame.ret_msg)
        return Control(ControlKind.ACK, only) if op == "subscribe" else None
    if frame.success is False:
        return Control(ControlKind.ERROR, None, f"{op}: {frame.ret_msg}")
    return None


@dataclass(frozen=True, slots=True)
class _Kind:
    """How to read one topic family: the wire schema, its decoder and the dedupe key."""

    name: str
    schema: Any
    decode: Callable[[bytes], Any]
    dedupe: Callable[[ws.Frame, Any], Hashable | None]


def _kind(name: str, schema: Any, dedupe: Callable[[ws.Frame, Any], Hashable | None]) -> _Kind:
    return _Kind(name, schema, decoder(schema, exchange="bybit"), dedupe)


_BOOK = _kind("orderbook", ws.BookData, lambda f, d: None if f.type == "snapshot" else d.u)
_TRADE = _kind("publicTrade", ws.TradeRows, lambda f, d: tuple(t.i for t in d))
_TICKER = _kind("tickers", ws.TickerData, lambda f, d: (f.ts, f.type))
_KLINE = _kind("kline", ws.KlineRows, lambda f, d: (f.ts, tuple(k.start for k in d)))


class BookMessage(msgspec.Struct, frozen=True, gc=False):
    """One order-book message: a snapshot (``snapshot=True``) or a delta."""

    snapshot: bool
    data: ws.BookData
    ts: int | None


class PublicRouter:
    """Builds (un)subscribe requests and routes frames for one public session."""

    def __init__(self, observe: Callable[[str, type, bytes], None] | None) -> None:
        self._kinds: dict[str, _Kind] = {}
        self._requests: dict[str, tuple[str, ...]] = {}
        self._ids = itertools.count(1)
        self._observe = observe

    def register(self, topic: str, kind: _Kind) -> None:
        self._kinds[topic] = kind

    def subscribe_message(self, subscriptions: Sequence[Subscription]) -> list[Frame]:
        return self._requests_for("subscribe", [sub.key for sub in subscriptions])

    def unsubscribe_message(self, subscriptions: Sequence[Subscription]) -> list[Frame]:
        return self._requests_for("unsubscribe", [sub.key for sub in subscriptions])

    def _requests_for(self, op: str, topics: list[str]) -> list[Frame]:
        frames: list[Frame] = []
        for start in range(0, len(topics), _SUBSCRIBE_BATCH):
            batch = tuple(topics[start : start + _SUBSCRIBE_BATCH])
            req_id = f"{op[:3]}{next(self._ids)}"
            if op == "subscribe":
                self._requests[req_id] = batch
            frames.append(json.dumps({"req_id": req_id, "op": op, "args": list(batch)}))
        return frames

    def route(self, raw: Frame) -> Routed | Control | None:
        frame = _decode_frame(raw)
        topic = frame.topic
        if topic is None:
            return route_control(frame, self._requests)
        kind = self._kinds.get(topic)
        if kind is None:
            return None
        data = bytes(frame.data)
        if self._observe is not None:
            self._observe(f"ws {kind.name}", kind.schema, data)
        payload = kind.decode(data)
        if kind is _BOOK:
            snapshot = frame.type == "snapshot"
            message = BookMessage(snapshot=snapshot, data=payload, ts=frame.ts)
            return Routed(topic, message, kind.dedupe(frame, payload), snapshot=snapshot)
        if kind is _TICKER:
            return Routed(topic, (frame.type == "snapshot", payload, frame.ts))
        return Routed(topic, payload, kind.dedupe(frame, payload))


def public_venue(name: str, url: str, router: PublicRouter, ping_interval_s: float) -> WsVenue:
    """The venue description of one Bybit public endpoint."""
    return WsVenue(
        name=name,
        url=url,
        subscribe_message=router.subscribe_message,
        unsubscribe_message=router.unsubscribe_message,
        route=router.route,
        ping_message=ping_message(),
        ping_interval_s=ping_interval_s,
        pong_timeout_s=max(ping_interval_s / 2, 1.0),
        # Bybit documents the application ping only; protocol pings add nothing.
        protocol_ping_interval_s=None,
        protocol_ping_timeout_s=None,
    )


# -- the order book ------------------------------------------------------------------------------


class BookView:
    """One symbol's synced book, fed by its ``orderbook`` subscription."""

    def __init__(self, sync: BookSync) -> None:
        self.sync = sync
        self.applied = 0
        """Messages applied since the book was opened."""
        self.ended = False
        self._error: BaseException | None = None
        self._changed: list[Inbox[None]] = []

    def end(self, error: BaseException | None) -> None:
        self.ended, self._error = True, error
        for inbox in self._changed:
            inbox.end(error)

    def on_message(self, message: BookMessage) -> None:
        data = message.data
        self.applied += 1
        if message.snapshot:
            self.sync.on_snapshot(
                BookSnapshot(bids=data.b, asks=data.a, sequence=data.u, timestamp_ms=message.ts)
            )
        else:
            self.sync.on_delta(
                BookDelta(bids=data.b, asks=data.a, last_id=data.u, timestamp_ms=message.ts)
            )
        if self.sync.is_live:
            for inbox in self._changed:
                inbox.signal()

    async def views(self, depth: int) -> AsyncIterator[OrderBook]:
        """The latest verified book each time it changed, conflated for slow readers."""
        inbox: Inbox[None] = Inbox()
        if self.ended:
            inbox.end(self._error)
        self._changed.append(inbox)
        try:
            if self.sync.is_live:
                yield self.sync.top(depth)
            while True:
                await inbox.wait_signal()
                if self.sync.is_live:
                    yield self.sync.top(depth)
        finally:
            self._changed.remove(inbox)


# -- mapping of public payloads ---------------------------------------------------------------


def _dec(value: str | None, path: str, raw: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(value)
    except ArithmeticError:
        raise MappingError(
            f"not a decimal: {value!r}", path=path, raw=raw, exchange="bybit"
        ) from None


def trade(row: ws.TradeData, symbols: SymbolMap) -> Trade:
    """A ``publicTrade`` row -> :class:`Trade` (``side`` is the taker's)."""
    return Trade(
        symbol=symbols.unified(row.s, path="$.data.s", raw=row),
        trade_id=row.i,
        price=row.p,
        quantity=row.v,
        side=_SIDES[row.S],
        timestamp_ms=row.T,
    )


def candle(row: ws.KlineData, symbol: str) -> Candle:
    """A ``kline`` row -> :class:`Candle` (``closed`` is Bybit's ``confirm``)."""
    return Candle(
        symbol=symbol,
        interval=_INTERVAL_NAMES.get(row.interval, row.interval),
        open_ms=row.start,
        open=row.open,
        high=row.high,
        low=row.low,
        close=row.close,
        volume=row.volume,
        quote_volume=row.turnover,
        closed=row.confirm,
        close_ms=row.end + 1,
    )


def _top(levels: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The first level of a ``orderbook.1`` side that is not a removal (size zero)."""
    for price, size in levels:
        try:
            if Decimal(size):
                return price, size
        except ArithmeticError:
            raise MappingError(
                f"not a decimal: {size!r}", path="$.data", raw=levels, exchange="bybit"
            ) from None
    return None


class TickerState:
    """A symbol's ticker fields, merged across snapshots and deltas (linear sends only the
    fields that changed), plus the best bid/ask from ``orderbook.1`` where the ticker has
    none (spot)."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.fields: dict[str, str] = {}
        self.ts = 0

    def update(self, data: ws.TickerData, ts: int | None) -> None:
        # A snapshot carries every field it has and a delta the changed ones: either way,
        # overwrite what came; the quote from orderbook.1 (spot) stays.
        for name in data.__struct_fields__:
            value = getattr(data, name)
            if value is not None and name != "symbol":
                self.fields[name] = value
        self.ts = ts or self.ts

    def quote(self, book: ws.BookData, ts: int | None) -> None:
        # A level-1 delta may list the old best with size "0" (removed) beside the new one,
        # in either order: only a level with a size is the best.
        bid = _top(book.b)
        if bid is not None:
            self.fields["bid1Price"], self.fields["bid1Size"] = bid
        ask = _top(book.a)
        if ask is not None:
            self.fields["ask1Price"], self.fields["ask1Size"] = ask
        self.ts = ts or self.ts

    def ticker(self) -> Ticker | None:
        f = self.fields
        last = _dec(f.get("lastPrice"), "$.data.lastPrice", f)
        if last is None:
            return None
        bid = _dec(f.get("bid1Price"), "$.data.bid1Price", f)
        ask = _dec(f.get("ask1Price"), "$.data.ask1Price", f)
        return Ticker(
            symbol=self.symbol,
            bid=bid or None,
            bid_size=_dec(f.get("bid1Size"), "$.data.bid1Size", f),
            ask=ask or None,
            ask_size=_dec(f.get("ask1Size"), "$.data.ask1Size", f),
            last=last,
            open=_dec(f.get("prevPrice24h"), "$.data.prevPrice24h", f),
            high=_dec(f.get("highPrice24h"), "$.data.highPrice24h", f),
            low=_dec(f.get("lowPrice24h"), "$.data.lowPrice24h", f),
            volume=_dec(f.get("volume24h"), "$.data.volume24h", f),
            quote_volume=_dec(f.get("turnover24h"), "$.data.turnover24h", f),
            timestamp_ms=self.ts,
        )


# -- the streams -----------------------------------------------------------------------------------


class PublicStreams:
    """Public market-data streams of one client, on one shared session and shared feeds."""

    def __init__(self, ctx: StreamContext) -> None:
        self._ctx = ctx
        self._spot = ctx.market == "spot"
        self._session: tuple[WsSession, PublicRouter] | None = None
        self._feeds = FeedRegistry(label="bybit", on_forget=self._forget_book)
        self._books: dict[str, BookView] = {}

    async def close(self) -> None:
        await self._feeds.close()
        for view in self._books.values():
            await view.sync.close()
        if self._session is not None:
            await self._session[0].close()
            self._session = None

    @property
    def session(self) -> WsSession | None:
        """The public session, once a stream opened it."""
        return self._session[0] if self._session else None

    async def tickers(self, symbols: Sequence[str]) -> AsyncIterator[Ticker]:
        symbol_map = await self._ctx.symbol_map()
        states = {symbol_map.exchange(s): TickerState(s) for s in symbols}
        inbox: Inbox[Any] = Inbox()
        feeds = [self._feed(f"tickers.{wire}", _TICKER, inbox) for wire in states]
        if self._spot:  # spot tickers carry no best bid/ask: take them from orderbook.1
            feeds += [self._feed(f"orderbook.1.{wire}", _BOOK, inbox) for wire in states]
        try:
            async for item in inbox:
                if isinstance(item, BookMessage):
                    state = states.get(item.data.s)
                    if state is not None:
                        state.quote(item.data, item.ts)
                    continue
                _, data, ts = item
                state = states.get(data.symbol)
                if state is None:
                    continue
                state.update(data, ts)
                ticker = state.ticker()
                if ticker is not None:
                    yield ticker
        finally:
            for feed in feeds:
                feed.detach(inbox)

    async def candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        wire_interval = INTERVALS.get(interval)
        if wire_interval is None:
            raise NotSupported(f"interval {interval!r} is not one of {sorted(INTERVALS)}")
        symbol_map = await self._ctx.symbol_map()
        topic = f"kline.{wire_interval}.{symbol_map.exchange(symbol)}"
        async for rows in self._listen(topic, _KLINE):
            for row in rows:
                yield candle(row, symbol)

    async def trades(self, symbol: str) -> AsyncIterator[Trade]:
        symbol_map = await self._ctx.symbol_map()
        async for rows in self._listen(f"publicTrade.{symbol_map.exchange(symbol)}", _TRADE):
            for row in rows:
                yield trade(row, symbol_map)

    async def order_book(self, symbol: str, depth: int) -> AsyncIterator[OrderBook]:
        symbol_map = await self._ctx.symbol_map()
        topic = f"orderbook.{book_depth(depth)}.{symbol_map.exchange(symbol)}"
        view = self._books.get(topic)
        if view is None or view.ended:
            view = self._books[topic] = self._open_book(symbol, topic)
        inbox: Inbox[Any] = Inbox()
        feed = self._feed(topic, _BOOK, inbox, on_item=view.on_message, on_end=view.end)
        try:
            async for book in view.views(depth):
                yield book
        finally:
            feed.detach(inbox)

    def book(self, topic: str) -> BookView | None:
        """The live book of a topic (``orderbook.50.BTCUSDT``), if one is open."""
        return self._books.get(topic)

    # -- plumbing --------------------------------------------------------------------------

    def _listen(self, topic: str, kind: _Kind) -> AsyncIterator[Any]:
        return read_feed(lambda inbox: self._feed(topic, kind, inbox))

    def _feed(
        self,
        topic: str,
        kind: _Kind,
        inbox: Inbox[Any],
        *,
        on_item: Callable[[Any], None] | None = None,
        on_end: Callable[[BaseException | None], None] | None = None,
    ) -> Feed[Any]:
        """Attach ``inbox`` to the feed of ``topic``, subscribing on first use."""

        def subscribe() -> SubscriptionStream:
            session, router = self._open_session()
            router.register(topic, kind)
            return session.subscribe(Subscription(topic, stale_after_s=self._ctx.stale_after_s))

        return self._feeds.attach(topic, subscribe, inbox, on_item=on_item, on_end=on_end)

    def _forget_book(self, key: str) -> None:
        view = self._books.pop(key, None)
        if view is not None:
            self._ctx.spawn(view.sync.close())

    def _open_session(self) -> tuple[WsSession, PublicRouter]:
        if self._session is not None and self._session[0].failure is None:
            return self._session
        ctx = self._ctx
        name = f"{ctx.exchange}-public"
        router = PublicRouter(ctx.observe)
        session = WsSession(
            public_venue(name, ctx.public_url, router, ctx.ping_interval_s),
            clock=ctx.clock,
            limiter=ctx.limiter,
            connect_cost=(Cost(WS_CONNECTIONS, 1),),
            on_event=lambda event: ctx.events.publish(name, event),
        )
        session.start()
        self._session = (session, router)
        return self._session

    def _open_book(self, symbol: str, topic: str) -> BookView:
        session, _ = self._open_session()

        def report(event: BookEvent) -> None:
            kind = EventKind.RESYNCED if event.kind is BookEventKind.RESYNCED else EventKind.GAP
            if event.kind is not BookEventKind.FETCH_FAILED:
                session.report(kind, topic, f"{event.kind.value} {event.detail}".strip())

        async def resubscribe(_: str) -> None:
            # Bybit's fresh snapshot comes in band: ask for it by subscribing again.
            if topic in session.subscriptions:
                session.resubscribe(topic)

        sync = BookSync(
            LocalBook(symbol),
            BybitRule(),
            fetch_snapshot=resubscribe,
            on_event=report,
            clock=self._ctx.clock,
        )
        return BookView(sync)
