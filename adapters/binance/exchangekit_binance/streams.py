"""Binance market-data streams: venue descriptions, routing and the local order book.

Binance's WebSocket rules are data handed to :class:`~exchangekit.ws.WsSession`, which owns
the only read loop (reconnect, pings, rotation before the 24 h limit, duplicate drop):

- one session per stream endpoint: spot ``<root>/stream``; futures the routed
  ``<root>/public/stream`` (depth, bookTicker) and ``<root>/market/stream`` (kline, aggTrade,
  ticker), since unrouted futures URLs carry ``/public`` data only (fact sheet §1.1);
- combined-stream frames ``{"stream": name, "data": event}`` route by ``name``; live
  ``SUBSCRIBE`` / ``UNSUBSCRIBE`` requests are answered ``{"result": null, "id": n}``;
- Binance closes a connection that sends more than 5 (spot) or 10 (futures) messages a
  second, and counts connection attempts per IP: both are pools the session is charged.

Each stream a caller opens is one subscription, mapped once and fanned out to every
consumer (:class:`~exchangekit_binance.fanout.Feed`), so two strategies watching the same
symbol share one subscription. The order book keeps a :class:`~exchangekit.book.BookSync`
per symbol with Binance's sequence rule (spot ``U``/``u``, futures ``pu``), bridges a REST
snapshot, and resyncs on any gap; consumers get the latest verified book, never a stale one.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from exchangekit.book import (
    BinanceFuturesRule,
    BinanceSpotRule,
    BookDelta,
    BookEvent,
    BookEventKind,
    BookSnapshot,
    BookSync,
    LocalBook,
)
from exchangekit.errors import MappingError, NotSupported
from exchangekit.models import Candle, OrderBook, Ticker, Trade
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
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s
from exchangekit_binance.fanout import Feed, Inbox, StreamContext, close_session

__all__ = [
    "BookView",
    "DepthDelta",
    "DepthEvent",
    "DepthSnapshotText",
    "MarketRouter",
    "MarketStreams",
    "as_delta",
    "market_venue",
]

log = logging.getLogger("exchangekit.binance")

# -- venue rules as data ---------------------------------------------------------------------

WS_CONNECTIONS = Pool(
    name="binance-ws-connections",
    limit=300,
    window_s=300.0,
    kind=PoolKind.SLIDING_WINDOW,
    doc="BSD web-socket-streams.md: 300 connection attempts per 5 minutes per IP",
)
_MESSAGES_PER_S = {"spot": 5, "usdm": 10}  # BSD web-socket-streams.md; BFD market streams
_SUBSCRIBE_BATCH = 200  # streams per SUBSCRIBE frame: well under Binance's 1024 per connection
DEPTH_SPEED = "100ms"


def message_pool(session_name: str, market: str) -> Pool:
    """The incoming-message budget of one connection (Binance closes it when exceeded)."""
    return Pool(
        name=f"{session_name}-messages",
        limit=_MESSAGES_PER_S[market],
        window_s=1.0,
        kind=PoolKind.SLIDING_WINDOW,
        scope=Scope.ENDPOINT,
        doc="messages a client may send per second on one connection",
    )


# -- wire shapes the book decodes straight into (levels stay strings) -----------------------


class DepthDelta(
    BookDelta,
    rename={
        "first_id": "U",
        "last_id": "u",
        "prev_id": "pu",
        "bids": "b",
        "asks": "a",
        "timestamp_ms": "E",
    },
):
    """A ``depthUpdate`` event decoded directly as a :class:`~exchangekit.book.BookDelta`
    (``s.DepthUpdateEvent`` is the wire mirror the drift report checks it against)."""

    bids: Sequence[tuple[str, str]] = ()
    asks: Sequence[tuple[str, str]] = ()
    first_id: int | None = None
    last_id: int | None = None
    prev_id: int | None = None
    timestamp_ms: int | None = None


class DepthEvent(msgspec.Struct, gc=False):
    """A ``depthUpdate`` event with its levels left as JSON text until the book applies it.

    A burst waits in the subscription's buffer between two runs of the book's pump; kept
    as text, it holds no Python object per level, so buffering it costs nothing and gives
    the garbage collector nothing to scan. :func:`as_delta` decodes it (``s.DepthUpdateEvent``
    is the wire mirror the drift report checks).
    """

    U: int | None = None
    u: int | None = None
    pu: int | None = None
    E: int | None = None
    b: msgspec.Raw = msgspec.Raw()
    a: msgspec.Raw = msgspec.Raw()


class DepthSnapshotText(BookSnapshot, rename={"sequence": "lastUpdateId", "timestamp_ms": "E"}):
    """``GET depth`` decoded directly as a :class:`~exchangekit.book.BookSnapshot`."""

    bids: Sequence[tuple[str, str]] = ()
    asks: Sequence[tuple[str, str]] = ()
    sequence: int | None = None
    timestamp_ms: int | None = None


class _Frame(msgspec.Struct, gc=False):
    """A combined-stream frame or the answer to a live (un)subscribe request."""

    stream: str | None = None
    data: msgspec.Raw = msgspec.Raw()
    id: int | str | None = None
    error: s.ErrorBody | None = None


_decode_frame = msgspec.json.Decoder(_Frame).decode


@dataclass(frozen=True, slots=True)
class _Kind:
    """How to read one kind of stream: its event name, wire schema, decoders, dedupe key."""

    event: str
    schema: type
    decode: Callable[[Any], Any]
    """The event alone (``data`` of a combined frame)."""
    decode_frame: Callable[[Any], Any]
    """A whole combined frame, in one pass: its ``.data`` is the event."""
    dedupe: Callable[[Any], Hashable]


def _kind(event: str, schema: type, target: type, dedupe: Callable[[Any], Hashable]) -> _Kind:
    envelope = msgspec.defstruct(f"{target.__name__}Frame", [("data", target)], gc=False)
    return _Kind(
        event,
        schema,
        msgspec.json.Decoder(target).decode,
        msgspec.json.Decoder(envelope).decode,
        dedupe,
    )


_PREFIX = '{"stream":"'
_PREFIX_LEN = len(_PREFIX)


_DEPTH = _kind("depthUpdate", s.DepthUpdateEvent, DepthEvent, lambda d: d.u)
_TRADE = _kind("trade", s.TradeEvent, s.TradeEvent, lambda e: e.t)
_AGG_TRADE = _kind("aggTrade", s.AggTradeEvent, s.AggTradeEvent, lambda e: e.a)
_KLINE = _kind("kline", s.KlineEvent, s.KlineEvent, lambda e: (e.E, e.k.t))
_TICKER = _kind("24hrTicker", s.Ticker24hEvent, s.Ticker24hEvent, lambda e: e.E)
_BOOK_TICKER = _kind("bookTicker", s.BookTickerEvent, s.BookTickerEvent, lambda e: e.u)


class MarketRouter:
    """Builds (un)subscribe requests and routes frames for one market-data session."""

    def __init__(self, observe: Callable[[str, type, bytes], None] | None) -> None:
        self._kinds: dict[str, _Kind] = {}
        self._requests: dict[int | str, tuple[str, ...]] = {}
        self._ids = itertools.count(1)
        self._observe = observe

    def register(self, stream: str, kind: _Kind) -> None:
        self._kinds[stream] = kind

    def subscribe_message(self, subscriptions: Sequence[Subscription]) -> list[Frame]:
        return self._requests_for("SUBSCRIBE", [sub.key for sub in subscriptions])

    def unsubscribe_message(self, subscriptions: Sequence[Subscription]) -> list[Frame]:
        return self._requests_for("UNSUBSCRIBE", [sub.key for sub in subscriptions])

    def _requests_for(self, method: str, keys: list[str]) -> list[Frame]:
        frames: list[Frame] = []
        for start in range(0, len(keys), _SUBSCRIBE_BATCH):
            batch = tuple(keys[start : start + _SUBSCRIBE_BATCH])
            request_id = next(self._ids)
            if method == "SUBSCRIBE":
                self._requests[request_id] = batch
            frames.append(json.dumps({"method": method, "params": batch, "id": request_id}))
        return frames

    def route(self, raw: Frame) -> Routed | Control | None:
        if self._observe is None and type(raw) is str and raw.startswith(_PREFIX):
            # Binance writes the stream name first: find the kind, then decode once.
            key = raw[_PREFIX_LEN : raw.find('"', _PREFIX_LEN)]
            known = self._kinds.get(key)
            if known is None:
                return None
            event = known.decode_frame(raw).data
            return Routed(key, event, known.dedupe(event))
        frame = _decode_frame(raw)
        name = frame.stream
        if name is not None:
            kind = self._kinds.get(name)
            if kind is None:
                return None
            data = frame.data
            if self._observe is not None:
                self._observe(f"ws {kind.event}", kind.schema, bytes(data))
            payload = kind.decode(data)
            return Routed(name, payload, kind.dedupe(payload))
        if frame.id is None:
            return None
        keys = self._requests.pop(frame.id, ())
        only = keys[0] if len(keys) == 1 else None
        if frame.error is not None:
            detail = f"code {frame.error.code}: {frame.error.msg}"
            verdict = ControlKind.REJECTED if only is not None else ControlKind.ERROR
            return Control(verdict, only, detail)
        return Control(ControlKind.ACK, only)


def market_venue(name: str, url: str, router: MarketRouter, lifetime_s: float) -> WsVenue:
    """The venue description of one Binance market-data endpoint."""
    return WsVenue(
        name=name,
        url=url,
        subscribe_message=router.subscribe_message,
        unsubscribe_message=router.unsubscribe_message,
        route=router.route,
        # Binance pings every 20 s (spot) or 3 min (futures); the library answers. Our own
        # protocol pings would only spend the per-second message budget.
        protocol_ping_interval_s=None,
        protocol_ping_timeout_s=None,
        max_lifetime_s=lifetime_s,
        rotate_before_s=min(300.0, lifetime_s * 0.2),
    )


# -- the order book --------------------------------------------------------------------------


class BookView:
    """One symbol's synced book, fed by the depth subscription's pump."""

    def __init__(self, sync: BookSync, *, futures: bool) -> None:
        self.sync = sync
        self._futures = futures
        self.applied = 0
        """Depth events applied since the book was opened (read it for throughput)."""
        self.ended = False
        self._error: BaseException | None = None
        self._changed: list[Inbox[None]] = []

    def end(self, error: BaseException | None) -> None:
        """The depth subscription ended: so does every reader (with its error, if any)."""
        self.ended, self._error = True, error
        for inbox in self._changed:
            inbox.end(error)

    def on_deltas(self, events: list[DepthEvent]) -> None:
        """Apply a burst of depth events (in arrival order), then wake the readers once.

        While the book is live, every run of events that continues it is merged into one
        delta (:func:`_merge_run`); anything else goes to the sequence rule alone.
        """
        sync = self.sync
        self.applied += len(events)
        count = len(events)
        at = 0
        while at < count:
            if sync.is_live and at + 1 < count:
                at = _merge_run(sync, events, at, self._futures)
            else:
                _apply_one(sync, events[at])
                at += 1
        if sync.is_live:
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


_decode_levels = msgspec.json.Decoder(list[tuple[str, str]]).decode


def _levels(raw: msgspec.Raw) -> list[tuple[str, str]]:
    return _decode_levels(raw) if raw else []


def as_delta(event: DepthEvent) -> BookDelta:
    """The event with its levels decoded; :class:`MappingError` (with the field) if they
    are not ``[[price, quantity], ...]`` strings."""
    try:
        bids = _levels(event.b)
    except msgspec.ValidationError as exc:
        raise MappingError(f"depthUpdate b: {exc}", raw=bytes(event.b)) from exc
    try:
        asks = _levels(event.a)
    except msgspec.ValidationError as exc:
        raise MappingError(f"depthUpdate a: {exc}", raw=bytes(event.a)) from exc
    return BookDelta(
        bids=bids,
        asks=asks,
        first_id=event.U,
        last_id=event.u,
        prev_id=event.pu,
        timestamp_ms=event.E,
    )


def _apply_one(sync: BookSync, event: DepthEvent) -> None:
    """One event through the sequence rule; one that cannot be read invalidates the book."""
    try:
        delta = as_delta(event)
    except MappingError as exc:
        log.warning("binance %s: unreadable depth event: %s", sync.symbol, exc)
        sync.on_malformed(str(exc))
        return
    try:
        sync.on_delta(delta)
    except MappingError as exc:  # already reported as malformed, and a resync is under way
        log.warning("binance %s: %s", sync.symbol, exc)


def _merge_run(sync: BookSync, events: list[DepthEvent], at: int, futures: bool) -> int:
    """Apply the run of ``events`` from ``at`` that continues the live book as one delta.

    Binance quantities are absolute, so applying a run's levels last-write-wins in one go
    leaves exactly the book that applying them one by one would. An event joins the run
    only if it continues the previous one (spot: ``U <= previous u + 1 < u + 1``; futures:
    ``pu == previous u``), starting from the book's position; the first that does not (a
    replay, a gap, an unreadable one) ends it, and is left to the caller's next step, so
    the sequence rule sees it as it came. A merged delta is only ever applied to a live
    book, never buffered to bridge a later snapshot. Returns the index after what it
    handled (at least one event).
    """
    position = sync.rule.position
    bids: dict[str, str] = {}
    asks: dict[str, str] = {}
    end = at
    count = len(events)
    torn = False
    while end < count and position is not None:
        event = events[end]
        first, last = event.U, event.u
        if first is None or last is None or last <= position:
            break
        if not (event.pu == position if futures else first <= position + 1):
            break
        try:
            bids.update(_levels(event.b))
            asks.update(_levels(event.a))
        except msgspec.ValidationError:
            torn = True  # its bids may be merged already: the dicts are not to be used
            break
        position = last
        end += 1
    if end == at:
        _apply_one(sync, events[at])
        return at + 1
    if end - at == 1 or torn:
        for event in events[at:end]:
            _apply_one(sync, event)
        return end
    head, tail = events[at], events[end - 1]
    merged = BookDelta(
        bids=list(bids.items()),
        asks=list(asks.items()),
        first_id=head.U,
        last_id=tail.u,
        prev_id=head.pu,
        timestamp_ms=tail.E,
    )
    try:
        sync.on_delta(merged)
    except MappingError as exc:  # already reported as malformed, and a resync is under way
        log.warning("binance %s: %s", sync.symbol, exc)
    return end


# -- the streams -------------------------------------------------------------------------------


class MarketStreams:
    """Public market-data streams of one client, on shared sessions and shared feeds."""

    def __init__(self, ctx: StreamContext) -> None:
        self._ctx = ctx
        self._spot = ctx.market == "spot"
        self._sessions: dict[str, tuple[WsSession, MarketRouter]] = {}
        self._feeds = FeedRegistry(label="binance", on_forget=self._forget_book)
        self._books: dict[str, BookView] = {}

    async def close(self) -> None:
        await self._feeds.close()
        for session, _ in self._sessions.values():
            await close_session(session)
        self._sessions.clear()

    # -- the public streams ------------------------------------------------------------------

    async def tickers(self, symbols: Sequence[str]) -> AsyncIterator[Ticker]:
        names = await self._ids(symbols)
        inbox: Inbox[Any] = Inbox()
        feeds = [self._feed(f"{n}@ticker", "market", _TICKER, inbox) for n in names]
        if not self._spot:  # futures tickers carry no best bid/ask: take them from bookTicker
            feeds += [self._feed(f"{n}@bookTicker", "public", _BOOK_TICKER, inbox) for n in names]
        quotes: dict[str, s.BookTickerEvent] = {}
        symbol_map = await self._ctx.symbol_map()
        try:
            async for event in inbox:
                if isinstance(event, s.BookTickerEvent):
                    quotes[event.s] = event
                    continue
                ticker = m.ticker_from_event(event, symbol_map)
                quote = quotes.get(event.s)
                if quote is not None:
                    ticker = msgspec.structs.replace(
                        ticker, bid=quote.b, bid_size=quote.B, ask=quote.a, ask_size=quote.A
                    )
                yield ticker
        finally:
            for feed in feeds:
                feed.detach(inbox)

    async def candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        allowed = m.SPOT_INTERVALS if self._spot else m.USDM_INTERVALS
        if interval not in allowed:
            raise NotSupported(f"interval {interval!r} is not one of {allowed}", exchange="binance")
        (name,) = await self._ids([symbol])
        symbol_map = await self._ctx.symbol_map()
        async for event in self._listen(f"{name}@kline_{interval}", "market", _KLINE):
            yield m.candle_from_event(event, symbol_map)

    async def trades(self, symbol: str) -> AsyncIterator[Trade]:
        (name,) = await self._ids([symbol])
        # Futures publish aggregated trades only on the /market route.
        key, kind = (f"{name}@trade", _TRADE) if self._spot else (f"{name}@aggTrade", _AGG_TRADE)
        symbol_map = await self._ctx.symbol_map()
        async for event in self._listen(key, "market", kind):
            yield m.trade_from_event(event, symbol_map)

    async def order_book(self, symbol: str, depth: int) -> AsyncIterator[OrderBook]:
        (name,) = await self._ids([symbol])
        key = f"{name}@depth@{DEPTH_SPEED}"
        book = self._books.get(key)
        if book is None or book.ended:
            book = self._books[key] = self._open_book(symbol, key, depth)
        inbox: Inbox[Any] = Inbox()
        feed = self._feed(key, "public", _DEPTH, inbox, on_batch=book.on_deltas, on_end=book.end)
        try:
            async for view in book.views(depth):
                yield view
        finally:
            feed.detach(inbox)

    def book(self, symbol_id: str) -> BookView | None:
        """The live book of a stream key (``btcusdt@depth@100ms``), if one is open."""
        return self._books.get(symbol_id)

    # -- plumbing ----------------------------------------------------------------------------

    async def _ids(self, symbols: Sequence[str]) -> list[str]:
        symbol_map = await self._ctx.symbol_map()
        return [symbol_map.exchange(symbol).lower() for symbol in symbols]

    def _listen(self, key: str, route: str, kind: _Kind) -> AsyncIterator[Any]:
        return read_feed(lambda inbox: self._feed(key, route, kind, inbox))

    def _feed(
        self,
        key: str,
        route: str,
        kind: _Kind,
        inbox: Inbox[Any],
        *,
        on_batch: Callable[[list[Any]], None] | None = None,
        on_end: Callable[[BaseException | None], None] | None = None,
    ) -> Feed[Any]:
        """Attach ``inbox`` to the feed of ``key``, subscribing on first use."""

        def subscribe() -> SubscriptionStream:
            session, router = self._session(route)
            router.register(key, kind)
            return session.subscribe(Subscription(key, stale_after_s=self._ctx.stale_after_s))

        return self._feeds.attach(key, subscribe, inbox, on_batch=on_batch, on_end=on_end)

    def _forget_book(self, key: str) -> None:
        view = self._books.pop(key, None)
        if view is not None:
            self._ctx.spawn(view.sync.close())

    def _session(self, route: str) -> tuple[WsSession, MarketRouter]:
        if self._spot:
            route = "stream"  # spot serves everything on one endpoint
        found = self._sessions.get(route)
        if found is not None and found[0].failure is None:
            return found
        ctx = self._ctx
        name = f"{ctx.exchange}-{route}"
        path = "/stream" if self._spot else f"/{route}/stream"
        router = MarketRouter(ctx.observe)
        pool = message_pool(name, ctx.market)
        session = WsSession(
            market_venue(name, ctx.stream_root + path, router, ctx.lifetime_s),
            clock=ctx.clock,
            limiter=ctx.limiter,
            connect_cost=(Cost(WS_CONNECTIONS, 1),),
            message_cost=(Cost(pool, 1),),
            on_event=lambda event: ctx.events.publish(name, event),
        )
        session.start()
        self._sessions[route] = (session, router)
        return session, router

    def _open_book(self, symbol: str, key: str, depth: int) -> BookView:
        session, _ = self._session("public")
        # Binance: bridge with a deep snapshot (1000 levels) so the top stays exact when
        # the price moves; 5000 only when more than 1000 levels are asked for (spot).
        limit = 1000 if depth <= 1000 else 5000
        rule = BinanceSpotRule if self._spot else BinanceFuturesRule

        def report(event: BookEvent) -> None:
            kind = EventKind.RESYNCED if event.kind is BookEventKind.RESYNCED else EventKind.GAP
            if event.kind is not BookEventKind.FETCH_FAILED:
                session.report(kind, key, f"{event.kind.value} {event.detail}".strip())

        async def snapshot(unified: str) -> BookSnapshot:
            return await self._ctx.book_snapshot(unified, limit)

        sync = BookSync(
            LocalBook(symbol),
            rule(),
            fetch_snapshot=snapshot,
            on_event=report,
            clock=self._ctx.clock,
        )
        return BookView(sync, futures=not self._spot)
