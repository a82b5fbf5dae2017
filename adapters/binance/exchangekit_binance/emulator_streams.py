"""The Binance emulator's market streams, and the connection plumbing of every WebSocket.

Spot ``/ws/<stream>``, ``/stream?streams=a/b`` and live ``SUBSCRIBE``/``UNSUBSCRIBE``/
``LIST_SUBSCRIPTIONS`` (BSD web-socket-streams.md); futures the same under the routed
``/public`` (depth, bookTicker) and ``/market`` (everything else) paths, the unrouted paths
serving ``/public`` data only (fact sheet §1.1).

Every frame goes out through :meth:`WsConnection.send` with a stream name, so fault rules can
target it: market frames by their stream (``btcusdt@depth@100ms``), user-data frames by event
type (``executionReport``, ``ORDER_TRADE_UPDATE``, ``listenKeyExpired``...), WebSocket API
answers as ``ws-api:<method>`` and subscription acks as ``control:<METHOD>``.

Push periods are in the venue clock's seconds, so a market run faster than the wall clock
pushes its periodic streams faster too; pings and connection lifetimes stay in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from exchangekit.models import Side
from exchangekit.sim import BookDeltaEvent, SimEvent, TradeEvent
from exchangekit.sim.candles import INTERVALS
from exchangekit_binance.emulator_market import day_stats
from exchangekit_binance.emulator_wire import (
    ZERO,
    Listing,
    Payload,
    Route,
    Venue,
    dec8,
    places,
)

if TYPE_CHECKING:
    from exchangekit.testing.ws import WsConnection

__all__ = ["MarketStreams", "StreamSpec", "parse_stream", "send", "serve_connection"]

log = logging.getLogger("exchangekit.testing.binance")

_E8 = Decimal("1e-8")
_encode = msgspec.json.Encoder().encode


# -- connections -----------------------------------------------------------------------------


async def serve_connection(
    conn: WsConnection,
    on_text: Callable[[str], Awaitable[None]],
    *,
    lifetime_s: float,
    ping_interval_s: float | None,
    max_messages_per_s: int | None = None,
) -> None:
    """Read a client's frames until it goes, closing at the end of its allowed lifetime.

    Binance pings every ``ping_interval_s`` (the client's library answers with a pong) and
    cuts connections that send more than ``max_messages_per_s`` frames a second.
    """
    tasks = [asyncio.create_task(_close_after(conn, lifetime_s), name="binance-ws-lifetime")]
    if ping_interval_s:
        tasks.append(asyncio.create_task(_ping(conn, ping_interval_s), name="binance-ws-ping"))
    window_start, count = time.monotonic(), 0
    try:
        async for text in conn:
            if max_messages_per_s is not None:
                now = time.monotonic()
                if now - window_start >= 1.0:
                    window_start, count = now, 0
                count += 1
                if count > max_messages_per_s:
                    log.info("closing a stream connection: over %d messages/s", max_messages_per_s)
                    break
            await on_text(text)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await conn.close()


async def _close_after(conn: WsConnection, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await conn.close()


async def _ping(conn: WsConnection, seconds: float) -> None:
    # WsConnection has no public ping; the aiohttp response underneath does.
    ws = getattr(conn, "_ws", None)
    ping = getattr(ws, "ping", None)
    if ping is None:
        return
    while not conn.closed:
        await asyncio.sleep(seconds)
        with contextlib.suppress(Exception):
            await ping(str(time.time_ns() // 1_000_000).encode())


def send(conn: WsConnection, payload: Payload | list[Any], stream: str) -> None:
    conn.send_nowait(_encode(payload).decode(), stream=stream)


# -- market streams --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """A parsed stream name: what it carries and how often it is pushed."""

    name: str
    kind: Literal["depth", "partial", "trade", "aggTrade", "kline", "ticker", "bookTicker", "mark"]
    listing: Listing
    interval_ms: int = 0
    """Push period; 0 pushes on every change."""
    levels: int = 0
    kline: str = ""

    @property
    def route(self) -> Route:
        return "public" if self.kind in ("depth", "partial", "bookTicker") else "market"


def parse_stream(name: str, venue: Venue) -> StreamSpec | None:
    """``btcusdt@depth@100ms`` -> its spec; ``None`` for names this emulator does not serve."""
    symbol, _, rest = name.partition("@")
    listing = next((x for x in venue.listings.values() if x.stream_id == symbol), None)
    if listing is None or not rest:
        return None
    spot = venue.market == "spot"
    parts = rest.split("@")
    head, speed = parts[0], parts[1] if len(parts) > 1 else None
    speeds = {"100ms": 100, "1000ms": 1000} if spot else {"100ms": 100, "250ms": 250, "500ms": 500}
    if speed is not None and speed not in speeds and head != "markPrice":
        return None
    if head == "depth":
        return StreamSpec(name, "depth", listing, speeds.get(speed or "", 1000 if spot else 250))
    if head in ("depth5", "depth10", "depth20"):
        period = speeds.get(speed or "", 1000 if spot else 250)
        return StreamSpec(name, "partial", listing, period, levels=int(head[5:]))
    if speed is not None and head != "markPrice":
        return None
    if head in ("trade", "aggTrade", "bookTicker"):
        return StreamSpec(name, head, listing)  # type: ignore[arg-type]
    if head.startswith("kline_") and head[6:] in INTERVALS:
        # BSD: 2000 ms for spot klines; futures push every 250 ms.
        return StreamSpec(name, "kline", listing, 2000 if spot else 250, kline=head[6:])
    if head == "ticker":
        return StreamSpec(name, "ticker", listing, 1000 if spot else 500)
    if head == "markPrice" and not spot and speed in (None, "1s"):
        return StreamSpec(name, "mark", listing, 1000 if speed == "1s" else 3000)
    return None


class _DepthBuffer:
    """Diff-depth changes since the last push: levels merged, ids spanning them all."""

    __slots__ = ("asks", "bids", "first", "last", "prev", "stamp")

    def __init__(self) -> None:
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.first = self.last = self.prev = self.stamp = 0

    def add(self, ev: BookDeltaEvent) -> None:
        if not self.first:
            self.first, self.prev = ev.first_update_id, ev.prev_update_id
        self.last, self.stamp = ev.last_update_id, ev.timestamp_ms
        self.bids.update(ev.bids)
        self.asks.update(ev.asks)


@dataclass(eq=False)
class _StreamConn:
    conn: WsConnection
    route: Route
    combined: bool
    streams: list[str] = field(default_factory=list)


class MarketStreams:
    """Fans the simulated market out to stream subscribers in Binance's shapes."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self._conns: dict[WsConnection, _StreamConn] = {}
        self._subs: dict[str, set[WsConnection]] = {}
        self._specs: dict[str, StreamSpec] = {}
        self._depth: dict[str, _DepthBuffer] = {}
        self._due: dict[str, float] = {}
        self._last: dict[str, Any] = {}

    # -- connections ----------------------------------------------------------------------

    async def serve(
        self,
        conn: WsConnection,
        *,
        route: Route,
        combined: bool,
        streams: Sequence[str],
        lifetime_s: float,
        ping_interval_s: float | None,
    ) -> None:
        state = _StreamConn(conn, route, combined)
        self._conns[conn] = state
        for name in streams:
            self._subscribe(state, name)
        limit = 5 if self.venue.market == "spot" else 10

        async def on_text(text: str) -> None:
            self._control(state, text)

        try:
            await serve_connection(
                conn,
                on_text,
                lifetime_s=lifetime_s,
                ping_interval_s=ping_interval_s,
                max_messages_per_s=limit,
            )
        finally:
            for name in list(state.streams):
                self._unsubscribe(state, name)
            self._conns.pop(conn, None)

    def _control(self, state: _StreamConn, text: str) -> None:
        """``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS`` (BSD "Live Subscribing")."""
        try:
            request = msgspec.json.decode(text)
        except msgspec.DecodeError:
            error = {"code": 3, "msg": "Invalid JSON: expected value at line 1 column 1"}
            send(state.conn, {"error": error, "id": None}, "control:error")
            return
        if not isinstance(request, dict):
            send(state.conn, _control_error(None, "Invalid request"), "control:error")
            return
        req_id = request.get("id")
        if req_id is not None and not isinstance(req_id, int | str):
            msg = "Invalid request: request ID must be an unsigned integer"
            send(state.conn, _control_error(None, msg), "control:error")
            return
        method = request.get("method")
        params = request.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                msg = "Invalid request: property name must be a string"
                send(state.conn, _control_error(req_id, msg), f"control:{method}")
                return
            for name in params:
                if method == "SUBSCRIBE":
                    self._subscribe(state, name)
                else:
                    self._unsubscribe(state, name)
            send(state.conn, {"result": None, "id": req_id}, f"control:{method}")
        elif method == "LIST_SUBSCRIPTIONS":
            answer = {"result": list(state.streams), "id": req_id}
            send(state.conn, answer, "control:LIST_SUBSCRIPTIONS")
        elif method in ("SET_PROPERTY", "GET_PROPERTY"):
            send(state.conn, _control_error(req_id, "Unknown property", 0), f"control:{method}")
        else:
            msg = "Invalid request: unknown variable"
            send(state.conn, _control_error(req_id, msg), "control:error")

    def _subscribe(self, state: _StreamConn, name: str) -> None:
        if name in state.streams:
            return
        state.streams.append(name)
        spec = parse_stream(name, self.venue)
        if spec is None or not _route_serves(state.route, spec):
            return  # accepted, as Binance does, but nothing is ever sent
        subscribers = self._subs.setdefault(name, set())
        subscribers.add(state.conn)
        if name not in self._specs:
            self._specs[name] = spec
            if spec.kind == "depth":
                self._depth[name] = _DepthBuffer()
            if spec.interval_ms:
                self._due[name] = self.venue.clock.monotonic() + self._period(spec)

    def _unsubscribe(self, state: _StreamConn, name: str) -> None:
        if name not in state.streams:
            return
        state.streams.remove(name)
        subscribers = self._subs.get(name)
        if subscribers is None:
            return
        subscribers.discard(state.conn)
        if not subscribers:
            for table in (self._subs, self._specs, self._depth, self._due, self._last):
                table.pop(name, None)

    def _period(self, spec: StreamSpec) -> float:
        return spec.interval_ms / 1000.0 * self.venue.interval_scale

    def _deliver(self, name: str, payload: Payload) -> None:
        subscribers = self._subs.get(name)
        if not subscribers:
            return
        raw = _encode(payload).decode()
        wrapped: str | None = None
        for conn in subscribers:
            state = self._conns.get(conn)
            if state is None:
                continue
            if state.combined:
                if wrapped is None:
                    wrapped = f'{{"stream":{_encode(name).decode()},"data":{raw}}}'
                conn.send_nowait(wrapped, stream=name)
            else:
                conn.send_nowait(raw, stream=name)

    # -- the market moves -----------------------------------------------------------------

    def on_event(self, ev: SimEvent) -> None:
        """A public sim event: diff depth is buffered, trades and best quotes go at once."""
        if not self._specs:
            return
        if isinstance(ev, BookDeltaEvent):
            for name, spec in list(self._specs.items()):
                if spec.listing.symbol != ev.symbol:
                    continue
                if spec.kind == "depth":
                    self._depth[name].add(ev)
                elif spec.kind == "bookTicker":
                    self._book_ticker(spec, ev)
        elif isinstance(ev, TradeEvent):
            for name, spec in list(self._specs.items()):
                if spec.listing.symbol == ev.symbol and spec.kind in ("trade", "aggTrade"):
                    self._deliver(name, self._trade(spec, ev))

    def tick(self) -> None:
        """Push every periodic stream that is due (called by the dialect's run loop)."""
        now = self.venue.clock.monotonic()
        for name, due in list(self._due.items()):
            if now < due:
                continue
            spec = self._specs[name]
            period = self._period(spec)
            self._due[name] = due + period if now - due < period else now + period
            try:
                self._push(spec)
            except Exception:
                log.exception("binance emulator: pushing %s failed", name)

    def _push(self, spec: StreamSpec) -> None:
        if spec.kind == "depth":
            self._push_depth(spec)
        elif spec.kind == "partial":
            self._push_partial(spec)
        elif spec.kind == "kline":
            self._push_kline(spec)
        elif spec.kind == "ticker":
            self._deliver(spec.name, self._ticker(spec))
        elif spec.kind == "mark":
            self._deliver(spec.name, self._mark(spec))

    def _push_depth(self, spec: StreamSpec) -> None:
        buf = self._depth[spec.name]
        if not buf.first:
            return
        self._depth[spec.name] = _DepthBuffer()
        listing = spec.listing
        payload: Payload = {"e": "depthUpdate", "E": self.venue.now_ms()}
        if listing.market == "usdm":
            payload["T"] = buf.stamp
        payload.update(
            s=listing.wire,
            U=buf.first,
            u=buf.last,
            b=_levels(listing, sorted(buf.bids.items(), reverse=True)),
            a=_levels(listing, sorted(buf.asks.items())),
        )
        if listing.market == "usdm":
            payload["pu"] = buf.prev
        self._deliver(spec.name, payload)

    def _push_partial(self, spec: StreamSpec) -> None:
        listing = spec.listing
        book = self.venue.sim.book(listing.symbol, spec.levels)
        bids, asks = _levels(listing, book.bids), _levels(listing, book.asks)
        if listing.market == "spot":
            payload: Payload = {"lastUpdateId": book.sequence, "bids": bids, "asks": asks}
        else:
            sequence = book.sequence or 0
            prev = self._last.get(spec.name, sequence)
            self._last[spec.name] = sequence
            payload = {
                "e": "depthUpdate",
                "E": self.venue.now_ms(),
                "T": book.timestamp_ms,
                "s": listing.wire,
                "U": prev + 1 if prev < sequence else sequence,
                "u": sequence,
                "pu": prev,
                "b": bids,
                "a": asks,
            }
        self._deliver(spec.name, payload)

    def _book_ticker(self, spec: StreamSpec, ev: BookDeltaEvent) -> None:
        listing = spec.listing
        book = self.venue.sim.book(listing.symbol, 1)
        if not book.bids or not book.asks:
            return
        top = (book.bids[0], book.asks[0])
        if self._last.get(spec.name) == top:
            return
        self._last[spec.name] = top
        (bid, bid_qty), (ask, ask_qty) = top
        payload: Payload = {}
        if listing.market == "usdm":
            payload.update(e="bookTicker", u=ev.last_update_id, E=self.venue.now_ms())
            payload["T"] = ev.timestamp_ms
        else:
            payload["u"] = ev.last_update_id
        payload.update(
            s=listing.wire,
            b=listing.price(bid),
            B=listing.qty(bid_qty),
            a=listing.price(ask),
            A=listing.qty(ask_qty),
        )
        self._deliver(spec.name, payload)

    def _trade(self, spec: StreamSpec, ev: TradeEvent) -> Payload:
        listing, trade = spec.listing, ev.trade
        trade_id = int(trade.trade_id)
        payload: Payload = {"e": spec.kind, "E": self.venue.now_ms(), "s": listing.wire}
        if spec.kind == "trade":
            payload["t"] = trade_id
        else:
            payload["a"] = trade_id
        payload.update(p=listing.price(trade.price), q=listing.qty(trade.quantity))
        if spec.kind == "aggTrade":
            payload.update(f=trade_id, l=trade_id)
        # m: the buyer was the maker, i.e. the taker sold.
        payload.update(T=trade.timestamp_ms, m=trade.side is Side.SELL)
        if listing.market == "spot":
            payload["M"] = True
        return payload

    def _push_kline(self, spec: StreamSpec) -> None:
        candles = self.venue.sim.candles(spec.listing.symbol, spec.kline, limit=2)
        if not candles:
            return
        current = candles[-1]
        sent = self._last.get(spec.name)
        if sent is not None and current.open_ms > sent and len(candles) > 1:
            self._deliver(spec.name, self._kline(spec, candles[-2], closed=True))
        self._last[spec.name] = current.open_ms
        self._deliver(spec.name, self._kline(spec, current, closed=current.closed))

    def _kline(self, spec: StreamSpec, candle: Any, *, closed: bool) -> Payload:
        listing = spec.listing
        return {
            "e": "kline",
            "E": self.venue.now_ms(),
            "s": listing.wire,
            "k": {
                "t": candle.open_ms,
                "T": candle.close_ms,
                "s": listing.wire,
                "i": spec.kline,
                "f": -1,
                "L": -1,
                "o": listing.price(candle.open),
                "c": listing.price(candle.close),
                "h": listing.price(candle.high),
                "l": listing.price(candle.low),
                "v": listing.qty(candle.volume),
                "n": candle.trades or 0,
                "x": closed,
                "q": dec8(candle.quote_volume),
                "V": "0",
                "Q": "0",
                "B": "0",
            },
        }

    def _ticker(self, spec: StreamSpec) -> Payload:
        stats = day_stats(self.venue, spec.listing)
        listing = spec.listing
        payload: Payload = {
            "e": "24hrTicker",
            "E": self.venue.now_ms(),
            "s": listing.wire,
            "p": stats["priceChange"],
            "P": stats["priceChangePercent"],
            "w": stats["weightedAvgPrice"],
        }
        if listing.market == "spot":
            payload["x"] = stats["prevClosePrice"]
        payload.update(c=stats["lastPrice"], Q=stats["lastQty"])
        if listing.market == "spot":
            payload.update(
                b=stats["bidPrice"], B=stats["bidQty"], a=stats["askPrice"], A=stats["askQty"]
            )
        payload.update(
            o=stats["openPrice"],
            h=stats["highPrice"],
            l=stats["lowPrice"],
            v=stats["volume"],
            q=stats["quoteVolume"],
            O=stats["openTime"],
            C=stats["closeTime"],
            F=stats["firstId"],
            L=stats["lastId"],
            n=stats["count"],
        )
        return payload

    def _mark(self, spec: StreamSpec) -> Payload:
        listing = spec.listing
        mark = self.venue.sim.mark_price(listing.symbol) or ZERO
        now = self.venue.now_ms()
        funding_every = 8 * 3_600_000
        return {
            "e": "markPriceUpdate",
            "E": now,
            "s": listing.wire,
            "p": places(mark, _E8),
            "i": places(mark, _E8),
            "P": places(mark, _E8),
            "r": dec8(self.venue.funding_rates.get(listing.symbol, ZERO)),
            "T": (now // funding_every + 1) * funding_every,
        }


def _route_serves(route: Route, spec: StreamSpec) -> bool:
    """Futures routed paths carry only their own category; unrouted ones public only."""
    if route == "spot":
        return True
    if route == "unrouted":
        return spec.route == "public"
    return spec.route == route


def _control_error(req_id: Any, msg: str, code: int = 2) -> Payload:
    return {"error": {"code": code, "msg": msg}, "id": req_id}


def _levels(listing: Listing, levels: Iterable[tuple[Decimal, Decimal]]) -> list[list[str]]:
    return [[listing.price(p), listing.qty(q)] for p, q in levels]
