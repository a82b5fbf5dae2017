"""OKX public streams: tickers, trades and books on ``/ws/v5/public``, candles on
``/ws/v5/business``, each through the core :class:`~exchangekit.ws.WsSession`.

OKX's WebSocket rules as data (OKD #overview-websocket-connect; fact sheet §3.7):

- subscribe ``{"id", "op": "subscribe", "args": [{"channel", "instId"}]}``; the answer is
  ``{"event": "subscribe", "arg": ...}`` or ``{"event": "error", "code", "msg"}``; a
  ``notice`` with code 64008 announces a disconnect for an upgrade (the session rotates);
- no protocol pings: the text ``ping`` after ``ping_interval_s`` of silence, answered
  ``pong``; OKX closes a connection idle for 30 s;
- pushes are ``{"arg": {"channel", "instId"}, "data": [...]}``, routed by
  ``channel:instId``.

The book (channel ``books``: a 400-level snapshot, then 100 ms updates) is kept by a
:class:`~exchangekit.book.BookSync` with :class:`~exchangekit.book.OkxRule`: each update's
``prevSeqId`` must be the last ``seqId`` (an update with ``seqId == prevSeqId`` is a
heartbeat); anything else is a gap and the channel is subscribed again, which makes OKX
send a fresh snapshot. The deprecated ``checksum`` (sent as 0 from 2026-06-23) is verified
with :class:`~exchangekit.book.OkxChecksum` only when non-zero. Swap books hold OKX's
contract sizes (the checksum hashes them as sent) and are converted to base units when read.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from exchangekit.book import BookSnapshot, BookSync, LocalBook, OkxChecksum, OkxRule
from exchangekit.book.messages import BookEvent, BookEventKind
from exchangekit.errors import NotSupported
from exchangekit.models import Candle, Instrument, MarketKind, OrderBook, Ticker, Trade
from exchangekit.ratelimit import Cost, Pool, PoolKind
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
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s
from exchangekit_okx import stream_schemas as w
from exchangekit_okx.fanout import Feed, Inbox, StreamContext, close_session

__all__ = [
    "SNAPSHOT_TIMEOUT_S",
    "WS_CONNECTIONS",
    "WS_REQUESTS",
    "BookView",
    "MarketStreams",
    "OkxRouter",
    "okx_venue",
]

WS_CONNECTIONS = Pool(
    name="okx-ws-connections",
    limit=3,
    window_s=1.0,
    kind=PoolKind.SLIDING_WINDOW,
    doc="OKD #overview-websocket-connect: 3 connection requests per second per IP",
)
WS_REQUESTS = 480
"""Subscribe/unsubscribe/login requests per hour per connection (fact sheet §3.7). Not a
pool: the session would charge its text pings too, and a ping held back by a budget kills
the connection; at most a few requests per resync stay far below it."""
_RECONNECT_NOTICE = "64008"
SNAPSHOT_TIMEOUT_S = 3.0
"""Updates without the snapshot that should precede them for this long: subscribe again."""


@dataclass(frozen=True, slots=True)
class _Kind:
    """How to read one channel's ``data``: its row schema and the dedupe key of a batch."""

    schema: Any
    """The ``data`` list's type (the drift report checks pushes against it)."""
    decode: Callable[[Any], Any]
    dedupe: Callable[[Any], Any]


def _kind(schema: type, dedupe: Callable[[Any], Any]) -> _Kind:
    rows = list[schema]  # type: ignore[valid-type]
    return _Kind(rows, msgspec.json.Decoder(rows).decode, dedupe)


_BOOKS = _kind(w.BookRow, lambda rows: rows[-1].seqId)
_TICKERS = _kind(
    s.Ticker, lambda rows: (rows[-1].ts, rows[-1].last, rows[-1].bidPx, rows[-1].askPx)
)
_TRADES = _kind(w.TradeRow, lambda rows: rows[-1].tradeId)
_CANDLES = _kind(s.Candle, lambda rows: None)
_decode_frame = msgspec.json.Decoder(w.Frame).decode


def channel_key(channel: str, inst_id: str = "") -> str:
    """The routing key of a channel (``books:BTC-USDT``, ``orders``)."""
    return f"{channel}:{inst_id}" if inst_id else channel


class OkxRouter:
    """Builds (un)subscribe requests and routes frames for one OKX connection."""

    def __init__(
        self, observe: Callable[[str, Any, bytes], None] | None, clock_ms: Callable[[], int]
    ) -> None:
        self._kinds: dict[str, _Kind] = {}
        self._requests: dict[str, tuple[str, ...]] = {}
        self._ids = itertools.count(1)
        self._observe = observe
        self._clock_ms = clock_ms

    def register(self, channel: str, kind: _Kind) -> None:
        self._kinds[channel] = kind

    def subscribe_message(self, subscriptions: Sequence[Subscription]) -> list[Frame]:
        return self._request("subscribe", subscriptions)

    def unsubscribe_message(self, subscriptions: Sequence[Subscription]) -> list[Frame]:
        return self._request("unsubscribe", subscriptions)

    def _request(self, op: str, subscriptions: Sequence[Subscription]) -> list[Frame]:
        if not subscriptions:
            return []
        request_id = str(next(self._ids))
        if op == "subscribe":
            self._requests[request_id] = tuple(sub.key for sub in subscriptions)
        args = [sub.params for sub in subscriptions]
        return [json.dumps({"id": request_id, "op": op, "args": args}, separators=(",", ":"))]

    def route(self, raw: Frame) -> Routed | Control | None:
        if raw == "pong":
            return Control(ControlKind.PONG)
        frame = _decode_frame(raw)
        arg = frame.arg
        if frame.event:
            return self._answer(frame)
        if arg is None or not frame.data:
            return None
        kind = self._kinds.get(arg.channel)
        if kind is None:
            return None
        data = bytes(frame.data)
        if self._observe is not None:
            self._observe(f"ws {arg.channel}", kind.schema, data)
        rows = kind.decode(data)
        if not rows:
            return None
        key = channel_key(arg.channel, arg.instId)
        if frame.action == "snapshot":
            return Routed(key, (frame.action, rows, self._clock_ms()), None, snapshot=True)
        return Routed(key, (frame.action, rows, self._clock_ms()), kind.dedupe(rows))

    def _answer(self, frame: w.Frame) -> Control | None:
        keys = self._requests.pop(frame.id, ()) if frame.id else ()
        arg = frame.arg
        key = channel_key(arg.channel, arg.instId) if arg is not None else None
        if frame.event == "subscribe":
            return Control(ControlKind.ACK, key)
        if frame.event == "notice" and frame.code == _RECONNECT_NOTICE:
            return Control(ControlKind.RECONNECT, None, frame.msg)
        if frame.event == "error":
            detail = f"code {frame.code}: {frame.msg}"
            only = keys[0] if len(keys) == 1 else None
            return Control(ControlKind.REJECTED if only else ControlKind.ERROR, only, detail)
        return None


def okx_venue(
    name: str,
    url: str,
    router: OkxRouter,
    *,
    ping_interval_s: float,
    on_connect: Any = None,
) -> WsVenue:
    """The venue description of one OKX WebSocket endpoint."""
    return WsVenue(
        name=name,
        url=url,
        subscribe_message=router.subscribe_message,
        unsubscribe_message=router.unsubscribe_message,
        route=router.route,
        on_connect=on_connect,
        ping_message="ping",
        ping_interval_s=ping_interval_s,
        pong_timeout_s=min(10.0, ping_interval_s),
        protocol_ping_interval_s=None,
        protocol_ping_timeout_s=None,
    )


# -- the order book --------------------------------------------------------------------------


class BookView:
    """One symbol's synced book, fed by the ``books`` subscription's pump."""

    def __init__(
        self,
        sync: BookSync,
        instrument: Instrument,
        *,
        monotonic: Callable[[], float],
        snapshot_timeout_s: float = SNAPSHOT_TIMEOUT_S,
    ) -> None:
        self.sync = sync
        self._contract = None if instrument.kind is MarketKind.SPOT else instrument.contract_size
        self._monotonic = monotonic
        self._snapshot_timeout_s = snapshot_timeout_s
        self.asked_at = monotonic()
        """When a snapshot was last asked for (the subscription, or a resubscription)."""
        self.applied = 0
        self.ended = False
        self._error: BaseException | None = None
        self._changed: list[Inbox[None]] = []

    def end(self, error: BaseException | None) -> None:
        self.ended, self._error = True, error
        for inbox in self._changed:
            inbox.end(error)

    def on_batch(self, batch: list[tuple[str, list[w.BookRow], int]]) -> None:
        """Apply snapshots and updates in arrival order, then wake the readers once."""
        sync = self.sync
        for action, rows, received_ms in batch:
            for row in rows:
                self.applied += 1
                if action == "snapshot":
                    sync.on_snapshot(_snapshot(row, received_ms))
                else:
                    sync.on_delta(w.book_delta(row, received_ms))
        if sync.is_live:
            for inbox in self._changed:
                inbox.signal()
        elif self._monotonic() - self.asked_at > self._snapshot_timeout_s:
            # Updates flow but the snapshot that should precede them never came: ask again.
            self.asked_at = self._monotonic()
            sync.request_snapshot()

    def top(self, depth: int) -> OrderBook:
        book = self.sync.top(depth)
        size = self._contract
        if size is None:
            return book
        return msgspec.structs.replace(
            book,
            bids=[(p, q * size) for p, q in book.bids],
            asks=[(p, q * size) for p, q in book.asks],
        )

    async def views(self, depth: int) -> AsyncIterator[OrderBook]:
        """The latest verified book each time it changed, conflated for slow readers."""
        inbox: Inbox[None] = Inbox()
        if self.ended:
            inbox.end(self._error)
        self._changed.append(inbox)
        try:
            if self.sync.is_live:
                yield self.top(depth)
            while True:
                await inbox.wait_signal()
                if self.sync.is_live:
                    yield self.top(depth)
        finally:
            self._changed.remove(inbox)


def _snapshot(row: w.BookRow, received_ms: int) -> BookSnapshot:
    delta = w.book_delta(row, received_ms)
    return BookSnapshot(
        bids=delta.bids,
        asks=delta.asks,
        sequence=delta.last_id,
        checksum=delta.checksum,
        timestamp_ms=delta.timestamp_ms,
        received_ms=received_ms,
    )


# -- the streams -----------------------------------------------------------------------------


class MarketStreams:
    """Public streams of one client, on shared sessions and shared feeds."""

    def __init__(self, ctx: StreamContext) -> None:
        self._ctx = ctx
        self._sessions: dict[str, tuple[WsSession, OkxRouter]] = {}
        self._feeds = FeedRegistry(label="okx", on_forget=self._forget_book)
        self._books: dict[str, BookView] = {}

    async def close(self) -> None:
        await self._feeds.close()
        for session, _ in self._sessions.values():
            await close_session(session)
        self._sessions.clear()

    async def tickers(self, symbols: Sequence[str]) -> AsyncIterator[Ticker]:
        symbol_map = await self._ctx.symbol_map()
        inbox: Inbox[Any] = Inbox()
        feeds = [
            self._feed("tickers", symbol_map.exchange(symbol), _TICKERS, inbox)
            for symbol in symbols
        ]
        try:
            async for _, rows, _ in inbox:
                for row in rows:
                    yield m.ticker(s.Envelope(code="0", data=[row]), symbol_map)
        finally:
            for feed in feeds:
                feed.detach(inbox)

    async def trades(self, symbol: str) -> AsyncIterator[Trade]:
        symbol_map = await self._ctx.symbol_map()
        async for _, rows, _ in self._listen("trades", symbol_map.exchange(symbol), _TRADES):
            for row in rows:
                yield w.trade(row, symbol_map)

    async def candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        bar = m.INTERVALS.get(interval)
        if bar is None:
            raise NotSupported(
                f"interval {interval!r} is not one of {tuple(m.INTERVALS)}", exchange="okx"
            )
        symbol_map = await self._ctx.symbol_map()
        channel = f"candle{bar}"
        async for _, rows, _ in self._listen(channel, symbol_map.exchange(symbol), _CANDLES):
            envelope: s.Envelope[s.Candle] = s.Envelope(code="0", data=rows)
            for candle in m.candles(envelope, symbol, interval, symbol_map):
                yield candle

    async def order_book(self, symbol: str, depth: int) -> AsyncIterator[OrderBook]:
        symbol_map = await self._ctx.symbol_map()
        inst_id = symbol_map.exchange(symbol)
        key = channel_key("books", inst_id)
        book = self._books.get(key)
        if book is None or book.ended:
            book = self._books[key] = self._open_book(symbol_map.instrument(symbol), key)
        inbox: Inbox[Any] = Inbox()
        feed = self._feed("books", inst_id, _BOOKS, inbox, on_batch=book.on_batch, on_end=book.end)
        try:
            async for view in book.views(depth):
                yield view
        finally:
            feed.detach(inbox)

    def book(self, key: str) -> BookView | None:
        """The live book of a channel key (``books:BTC-USDT``), if one is open."""
        return self._books.get(key)

    # -- plumbing ----------------------------------------------------------------------------

    def _listen(self, channel: str, inst_id: str, kind: _Kind) -> AsyncIterator[Any]:
        return read_feed(lambda inbox: self._feed(channel, inst_id, kind, inbox))

    def _feed(
        self,
        channel: str,
        inst_id: str,
        kind: _Kind,
        inbox: Inbox[Any],
        *,
        on_batch: Callable[[list[Any]], None] | None = None,
        on_end: Callable[[BaseException | None], None] | None = None,
    ) -> Feed[Any]:
        """Attach ``inbox`` to the feed of ``channel:instId``, subscribing on first use."""
        key = channel_key(channel, inst_id)

        def subscribe() -> SubscriptionStream:
            endpoint = "business" if channel.startswith("candle") else "public"
            session, router = self._session(endpoint)
            router.register(channel, kind)
            subscription = Subscription(
                key,
                params={"channel": channel, "instId": inst_id},
                stale_after_s=self._ctx.stale_after_s,
            )
            return session.subscribe(subscription)

        return self._feeds.attach(key, subscribe, inbox, on_batch=on_batch, on_end=on_end)

    def _forget_book(self, key: str) -> None:
        view = self._books.pop(key, None)
        if view is not None:
            self._ctx.spawn(view.sync.close())

    def _session(self, endpoint: str) -> tuple[WsSession, OkxRouter]:
        found = self._sessions.get(endpoint)
        if found is not None and found[0].failure is None:
            return found
        ctx = self._ctx
        name = f"{ctx.exchange}-{endpoint}"
        url = ctx.public_url if endpoint == "public" else ctx.business_url
        router = OkxRouter(ctx.observe, ctx.clock.now_ms)
        session = WsSession(
            okx_venue(name, url, router, ping_interval_s=ctx.ping_interval_s),
            clock=ctx.clock,
            limiter=ctx.limiter,
            connect_cost=(Cost(WS_CONNECTIONS, 1),),
            on_event=lambda event: ctx.events.publish(name, event),
        )
        session.start()
        self._sessions[endpoint] = (session, router)
        return session, router

    def _open_book(self, instrument: Instrument, key: str) -> BookView:
        session, _ = self._session("public")
        clock = self._ctx.clock

        def report(event: BookEvent) -> None:
            kind = EventKind.RESYNCED if event.kind is BookEventKind.RESYNCED else EventKind.GAP
            if event.kind is not BookEventKind.FETCH_FAILED:
                session.report(kind, key, f"{event.kind.value} {event.detail}".strip())

        async def resubscribe(symbol: str) -> BookSnapshot | None:
            # OKX: on a gap, subscribe again; the fresh snapshot comes in band.
            view.asked_at = clock.monotonic()
            if key in session.subscriptions:
                session.resubscribe(key)
            return None

        sync = BookSync(
            LocalBook(instrument.symbol, keep_text=True),
            OkxRule(),
            fetch_snapshot=resubscribe,
            checksum=OkxChecksum(),
            on_event=report,
            clock=clock,
        )
        view = BookView(sync, instrument, monotonic=clock.monotonic)
        return view
