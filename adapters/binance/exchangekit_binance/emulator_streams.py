"""The WebSocket side of the Binance emulator, and the wire shapes both of its sides share.

- Market streams: spot ``/ws/<stream>``, ``/stream?streams=a/b`` and live
  ``SUBSCRIBE``/``UNSUBSCRIBE``/``LIST_SUBSCRIPTIONS`` (BSD web-socket-streams.md); futures
  the same under the routed ``/public`` (depth, bookTicker) and ``/market`` (everything
  else) paths, the unrouted paths serving ``/public`` data only (fact sheet §1.1).
- Spot user data over the WebSocket API: ``userDataStream.subscribe.signature``, events
  wrapped as ``{"subscriptionId": N, "event": {...}}`` (BSD web-socket-api.md).
- Futures user data over listen keys: ``/private/ws?listenKey=..&events=..`` and the legacy
  ``/ws/<listenKey>``, with ``listenKeyExpired`` when a key lapses.

Every frame goes out through :meth:`WsConnection.send` with a stream name, so fault rules can
target it: market frames by their stream (``btcusdt@depth@100ms``), user-data frames by event
type (``executionReport``, ``ORDER_TRADE_UPDATE``, ``listenKeyExpired``...), WebSocket API
answers as ``ws-api:<method>`` and subscription acks as ``control:<METHOD>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import string
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from exchangekit.models import Instrument, Order, OrderStatus, OrderType, Position, Side
from exchangekit.ratelimit.spec import Cost
from exchangekit.sim import (
    AccountEvent,
    BalanceEvent,
    BookDeltaEvent,
    DepositEvent,
    FundingEvent,
    OrderEvent,
    OrderEventKind,
    PositionEvent,
    SimEvent,
    SimExchange,
    TradeEvent,
)
from exchangekit.sim.candles import INTERVALS
from exchangekit_binance.endpoints import SPOT_REQUEST_WEIGHT
from exchangekit_binance.signing import ws_signature

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer
    from exchangekit.testing.ws import WsConnection

__all__ = [
    "ApiCredentials",
    "Listing",
    "MarketStreams",
    "SpotUserData",
    "UsdmUserData",
    "Venue",
    "check_timestamp",
    "serve_connection",
]

log = logging.getLogger("exchangekit.testing.binance")

Market = Literal["spot", "usdm"]
Route = Literal["spot", "public", "market", "private", "unrouted"]
Payload = dict[str, Any]

ZERO = Decimal(0)
_E8 = Decimal("1e-8")
_ID_ALPHABET = string.ascii_letters + string.digits
_encode = msgspec.json.Encoder().encode


# -- shared state ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    """An API key the emulator accepts, and the simulated account it trades for."""

    api_key: str
    api_secret: str
    account: str


@dataclass(frozen=True, slots=True)
class Listing:
    """One listed symbol: unified name, Binance id, filters and how its numbers are written.

    Spot writes every decimal with 8 places ("0.10000000"); futures write prices and
    quantities with the symbol's tick and step places ("60000.1", "0.001").
    """

    symbol: str
    wire: str
    instrument: Instrument
    market: Market

    @property
    def stream_id(self) -> str:
        return self.wire.lower()

    def price(self, value: Decimal | None) -> str:
        return _places(value, self.instrument.tick_size) if self.market == "usdm" else dec8(value)

    def qty(self, value: Decimal | None) -> str:
        return _places(value, self.instrument.step_size) if self.market == "usdm" else dec8(value)


@dataclass(eq=False)
class Venue:
    """What the REST and WebSocket sides of one emulated market share."""

    market: Market
    sim: SimExchange
    listings: dict[str, Listing]
    """By unified symbol."""
    credentials: dict[str, ApiCredentials]
    """By API key."""
    rng: random.Random
    interval_scale: float = 1.0
    funding_rates: dict[str, Decimal] = field(default_factory=dict)
    cancel_ids: dict[str, str] = field(default_factory=dict)
    """Order id -> the client id of the cancel request that is closing it (``c`` vs ``C``)."""
    algo_orders: set[str] = field(default_factory=set)
    """Futures: ids of conditional orders placed on the Algo endpoint and not yet triggered."""
    server: EmulatorServer | None = None
    by_wire: dict[str, Listing] = field(init=False)

    def __post_init__(self) -> None:
        self.by_wire = {listing.wire: listing for listing in self.listings.values()}

    def now_ms(self) -> int:
        """The exchange clock (the server's, with any injected skew)."""
        if self.server is not None:
            return self.server.now_ms()
        return time.time_ns() // 1_000_000

    def new_client_id(self) -> str:
        """An id like the 22 characters Binance makes up when the client sends none."""
        return "".join(self.rng.choice(_ID_ALPHABET) for _ in range(22))

    def new_listen_key(self) -> str:
        return "".join(self.rng.choice(_ID_ALPHABET) for _ in range(64))


# -- numbers and enumerations on the wire ------------------------------------------------------


def dec8(value: Decimal | None) -> str:
    """Spot's fixed 8 places."""
    return format((value or ZERO).quantize(_E8), "f")


def _places(value: Decimal | None, unit: Decimal) -> str:
    exponent = unit.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format((value or ZERO).quantize(Decimal(1).scaleb(-places)), "f")


_SPOT_TYPE = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_MARKET: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
}
_USDM_TYPE = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_MARKET: "STOP_MARKET",
    OrderType.STOP_LIMIT: "STOP",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT_MARKET",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT",
}
_STATUS = {
    OrderStatus.PENDING: "NEW",
    OrderStatus.OPEN: "NEW",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELLED: "CANCELED",
    OrderStatus.REJECTED: "REJECTED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.UNKNOWN: "NEW",
}
_EXEC_TYPE = {
    OrderEventKind.NEW: "NEW",
    OrderEventKind.TRADE: "TRADE",
    OrderEventKind.CANCELLED: "CANCELED",
    OrderEventKind.EXPIRED: "EXPIRED",
}
STP_REASON = "self-trade prevention"
LIQUIDATION_REASON = "liquidation"


def wire_side(side: Side) -> str:
    return "BUY" if side is Side.BUY else "SELL"


def wire_type(order: Order, market: Market) -> str:
    if market == "spot":
        return "LIMIT_MAKER" if order.post_only else _SPOT_TYPE[order.type]
    return _USDM_TYPE[order.type]


def wire_tif(order: Order, market: Market) -> str:
    """Binance reports GTC for market and LIMIT_MAKER orders; GTX is futures' post-only."""
    if market == "usdm" and order.post_only:
        return "GTX"
    if order.time_in_force is None or not order.type.has_limit_price:
        return "GTC"
    return order.time_in_force.value.upper()


def wire_status(order: Order, reason: str | None = None) -> str:
    if order.status is OrderStatus.EXPIRED and reason and reason.startswith(STP_REASON):
        return "EXPIRED_IN_MATCH"
    return _STATUS[order.status]


def cumulative_quote(order: Order) -> Decimal:
    if order.average_fill_price is None or not order.filled_quantity:
        return ZERO
    return order.average_fill_price * order.filled_quantity


def position_margin(position: Position) -> Decimal:
    """Isolated margin of a sim position (``size * entry / leverage``), as Binance reports it."""
    if not position.quantity or position.entry_price is None or not position.leverage:
        return ZERO
    return position.quantity * position.entry_price / position.leverage


def check_timestamp(now_ms: int, timestamp: str, recv_window: str | None) -> tuple[int, str] | None:
    """Binance's timing rule (fact sheet §1.2): ``(code, msg)`` when the request is refused.

    ``timestamp`` may be in ms or µs; ``recvWindow`` up to 60000 ms (3 decimals allowed).
    """
    try:
        stamp = int(timestamp)
    except ValueError:
        return -1102, mandatory("timestamp")
    if stamp > 10**14:  # microseconds
        stamp //= 1000
    try:
        window = float(recv_window) if recv_window else 5000.0
    except ValueError:
        return -1102, mandatory("recvWindow")
    if window > 60000:
        return -1131, "recvWindow must be less than 60000"
    if stamp >= now_ms + 1000:
        return -1021, "Timestamp for this request was 1000ms ahead of the server's time."
    if now_ms - stamp > window:
        return -1021, "Timestamp for this request is outside of the recvWindow."
    return None


def mandatory(name: str) -> str:
    return f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."


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


def _send(conn: WsConnection, payload: Payload | list[Any], stream: str) -> None:
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
            _send(state.conn, {"error": error, "id": None}, "control:error")
            return
        if not isinstance(request, dict):
            _send(state.conn, _control_error(None, "Invalid request"), "control:error")
            return
        req_id = request.get("id")
        if req_id is not None and not isinstance(req_id, int | str):
            msg = "Invalid request: request ID must be an unsigned integer"
            _send(state.conn, _control_error(None, msg), "control:error")
            return
        method = request.get("method")
        params = request.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                msg = "Invalid request: property name must be a string"
                _send(state.conn, _control_error(req_id, msg), f"control:{method}")
                return
            for name in params:
                if method == "SUBSCRIBE":
                    self._subscribe(state, name)
                else:
                    self._unsubscribe(state, name)
            _send(state.conn, {"result": None, "id": req_id}, f"control:{method}")
        elif method == "LIST_SUBSCRIPTIONS":
            answer = {"result": list(state.streams), "id": req_id}
            _send(state.conn, answer, "control:LIST_SUBSCRIPTIONS")
        elif method in ("SET_PROPERTY", "GET_PROPERTY"):
            _send(state.conn, _control_error(req_id, "Unknown property", 0), f"control:{method}")
        else:
            msg = "Invalid request: unknown variable"
            _send(state.conn, _control_error(req_id, msg), "control:error")

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
                self._due[name] = time.monotonic() + self._period(spec)

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
        now = time.monotonic()
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
            "p": _places(mark, _E8),
            "i": _places(mark, _E8),
            "P": _places(mark, _E8),
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


def day_stats(venue: Venue, listing: Listing) -> dict[str, Any]:
    """Rolling 24-hour statistics in the REST ``ticker/24hr`` field names (values on the wire)."""
    sim = venue.sim
    ticker = sim.ticker(listing.symbol)
    trades = sim.trades(listing.symbol, limit=1000)
    last = ticker.last or ZERO
    open_ = ticker.open or last
    volume = ticker.volume or ZERO
    quote = ticker.quote_volume or ZERO
    change = last - open_
    percent = (change / open_ * 100) if open_ else ZERO
    now = venue.now_ms()
    first_id = int(trades[0].trade_id) if trades else -1
    last_id = int(trades[-1].trade_id) if trades else -1
    return {
        "symbol": listing.wire,
        "priceChange": listing.price(change),
        "priceChangePercent": format(percent.quantize(Decimal("0.001")), "f"),
        "weightedAvgPrice": listing.price(quote / volume if volume else last),
        "prevClosePrice": listing.price(open_),
        "lastPrice": listing.price(last),
        "lastQty": listing.qty(trades[-1].quantity if trades else ZERO),
        "bidPrice": listing.price(ticker.bid),
        "bidQty": listing.qty(ticker.bid_size),
        "askPrice": listing.price(ticker.ask),
        "askQty": listing.qty(ticker.ask_size),
        "openPrice": listing.price(open_),
        "highPrice": listing.price(ticker.high or last),
        "lowPrice": listing.price(ticker.low or last),
        "volume": listing.qty(volume),
        "quoteVolume": dec8(quote),
        "openTime": now - 86_400_000,
        "closeTime": now,
        "firstId": first_id,
        "lastId": last_id,
        "count": last_id - first_id + 1 if trades else 0,
    }


# -- user data: payloads -----------------------------------------------------------------------


def execution_report(venue: Venue, ev: OrderEvent, listing: Listing) -> Payload | None:
    """Spot ``executionReport`` (BSD user-data-stream.md §Order Update); ``None`` for a
    stop's trigger, which Binance does not report as such."""
    if ev.kind is OrderEventKind.TRIGGERED:
        return None
    order, fill = ev.order, ev.fill
    status = wire_status(order, ev.reason)
    exec_type = "TRADE_PREVENTION" if status == "EXPIRED_IN_MATCH" else _EXEC_TYPE[ev.kind]
    own_id = order.client_order_id or ""
    if ev.kind is OrderEventKind.CANCELLED:
        client_id = venue.cancel_ids.pop(order.order_id, None) or venue.new_client_id()
        original = own_id
    else:
        client_id, original = own_id, ""
    working = order.status.is_working and not order.type.is_conditional
    payload: Payload = {
        "e": "executionReport",
        "E": venue.now_ms(),
        "s": listing.wire,
        "c": client_id,
        "S": wire_side(order.side),
        "o": wire_type(order, "spot"),
        "f": wire_tif(order, "spot"),
        "q": dec8(order.quantity),
        "p": dec8(order.price),
        "P": dec8(order.stop_price),
        "F": dec8(ZERO),
        "g": -1,
        "C": original,
        "x": exec_type,
        "X": status,
        "r": "NONE",
        "i": int(order.order_id),
        "l": dec8(fill.quantity if fill else ZERO),
        "z": dec8(order.filled_quantity),
        "L": dec8(fill.price if fill else ZERO),
        "n": dec8(fill.fee) if fill else "0",
        "N": fill.fee_asset if fill else None,
        "T": ev.timestamp_ms,
        "t": int(fill.trade_id) if fill else -1,
        "I": ev.seq,
        "w": working,
        "m": bool(fill.is_maker) if fill else False,
        "M": False,
        "O": order.created_ms or ev.timestamp_ms,
        "Z": dec8(cumulative_quote(order)),
        "Y": dec8(fill.price * fill.quantity if fill else ZERO),
        "Q": dec8(ZERO),
    }
    if working:
        payload["W"] = order.created_ms or ev.timestamp_ms
    payload["V"] = "EXPIRE_MAKER"
    return payload


def order_trade_update(venue: Venue, ev: OrderEvent, listing: Listing) -> Payload:
    """Futures ``ORDER_TRADE_UPDATE`` (BCP websocket_streams models; fact sheet §1.7)."""
    # A triggered conditional order enters the book as a new regular order.
    exec_type = "NEW" if ev.kind is OrderEventKind.TRIGGERED else _EXEC_TYPE[ev.kind]
    order, fill = ev.order, ev.fill
    liquidation = ev.reason == LIQUIDATION_REASON
    if liquidation:
        exec_type = "CALCULATED"
    otype = "LIQUIDATION" if liquidation else wire_type(order, "usdm")
    client_id = order.client_order_id or ""
    if liquidation:
        client_id = f"autoclose-{ev.timestamp_ms}"
    average = order.average_fill_price
    return {
        "e": "ORDER_TRADE_UPDATE",
        "E": venue.now_ms(),
        "T": ev.timestamp_ms,
        "o": {
            "s": listing.wire,
            "c": client_id,
            "S": wire_side(order.side),
            "o": otype,
            "f": wire_tif(order, "usdm"),
            "q": listing.qty(order.quantity),
            "p": listing.price(order.price),
            "ap": dec8(average),
            "sp": listing.price(order.stop_price),
            "x": exec_type,
            "X": wire_status(order, ev.reason),
            "i": int(order.order_id),
            "l": listing.qty(fill.quantity if fill else ZERO),
            "z": listing.qty(order.filled_quantity),
            "L": listing.price(fill.price if fill else ZERO),
            "N": (fill.fee_asset or "USDT") if fill else "USDT",
            "n": dec8(fill.fee if fill else ZERO),
            "T": ev.timestamp_ms,
            "t": int(fill.trade_id) if fill else 0,
            "b": "0",
            "a": "0",
            "m": bool(fill.is_maker) if fill else False,
            "R": order.reduce_only,
            "wt": "CONTRACT_PRICE",
            "ot": otype,
            "ps": "BOTH",
            "cp": False,
            "rp": dec8(fill.realized_pnl if fill and fill.realized_pnl is not None else ZERO),
            "pP": False,
            "si": 0,
            "ss": 0,
            "V": "EXPIRE_MAKER",
            "pm": "NONE",
            "gtd": 0,
        },
    }


def algo_update(venue: Venue, ev: OrderEvent, listing: Listing, status: str) -> Payload:
    """Futures ``ALGO_UPDATE`` for a conditional order of the Algo Service."""
    order = ev.order
    return {
        "e": "ALGO_UPDATE",
        "T": ev.timestamp_ms,
        "E": venue.now_ms(),
        "o": {
            "caid": order.client_order_id or "",
            "aid": int(order.order_id),
            "at": "CONDITIONAL",
            "o": wire_type(order, "usdm"),
            "s": listing.wire,
            "S": wire_side(order.side),
            "ps": "BOTH",
            "f": wire_tif(order, "usdm"),
            "q": listing.qty(order.quantity),
            "X": status,
            "ai": int(order.order_id) if status == "TRIGGERED" else "",
            "tp": listing.price(order.stop_price),
            "p": listing.price(order.price),
            "V": "EXPIRE_MAKER",
            "wt": "CONTRACT_PRICE",
            "pm": "NONE",
            "cp": False,
            "pP": False,
            "R": order.reduce_only,
            "tt": ev.timestamp_ms if status == "TRIGGERED" else 0,
            "gtd": 0,
        },
    }


# -- user data: spot over the WebSocket API ------------------------------------------------------


class SpotUserData:
    """Spot WebSocket API sessions (``/ws-api/v3``) and their user-data subscriptions."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self._subs: dict[str, dict[WsConnection, int]] = {}
        """account -> connection -> subscription id."""

    async def serve(
        self, conn: WsConnection, *, lifetime_s: float, ping_interval_s: float | None
    ) -> None:
        conn.state.update(next_id=0, subs={}, connected=self.venue.now_ms())

        async def on_text(text: str) -> None:
            self._request(conn, text)

        try:
            await serve_connection(
                conn, on_text, lifetime_s=lifetime_s, ping_interval_s=ping_interval_s
            )
        finally:
            for subscribers in self._subs.values():
                subscribers.pop(conn, None)

    def _request(self, conn: WsConnection, text: str) -> None:
        try:
            request = msgspec.json.decode(text)
        except msgspec.DecodeError:
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            self._answer(conn, None, "invalid", error=(-1102, mandatory("method")), weight=1)
            return
        req_id = request.get("id")
        method = str(request["method"]).removeprefix("v3/")
        params = request.get("params") or {}
        if not isinstance(params, dict):
            self._answer(conn, req_id, method, error=(-1102, mandatory("params")), weight=1)
            return
        if method == "userDataStream.subscribe.signature":
            self._subscribe(conn, req_id, params)
        elif method == "userDataStream.unsubscribe":
            self._unsubscribe(conn, req_id, params)
        elif method == "session.subscriptions":
            subs = [{"subscriptionId": s} for s in sorted(conn.state["subs"])]
            self._answer(conn, req_id, method, result=subs, weight=2)
        elif method == "session.status":
            result = {
                "apiKey": None,
                "authorizedSince": None,
                "connectedSince": conn.state["connected"],
                "returnRateLimits": True,
                "serverTime": self.venue.now_ms(),
                "userDataStream": bool(conn.state["subs"]),
            }
            self._answer(conn, req_id, method, result=result, weight=2)
        elif method == "ping":
            self._answer(conn, req_id, method, result={}, weight=1)
        elif method == "time":
            self._answer(conn, req_id, method, result={"serverTime": self.venue.now_ms()})
        elif method in ("session.logon", "userDataStream.subscribe"):
            # Session logon needs an Ed25519 key; the emulator issues HMAC keys only.
            msg = "You are not authorized to execute this request."
            self._answer(conn, req_id, method, error=(-1002, msg), status=401, weight=2)
        else:
            msg = "This operation is not supported by the emulator."
            self._answer(conn, req_id, method, error=(-1020, msg), weight=1)

    def _subscribe(self, conn: WsConnection, req_id: Any, params: Mapping[str, Any]) -> None:
        method = "userDataStream.subscribe.signature"
        refusal = self._verify(params)
        if refusal is not None:
            code, msg, status = refusal
            self._answer(conn, req_id, method, error=(code, msg), status=status, weight=2)
            return
        account = self.venue.credentials[str(params["apiKey"])].account
        subs: dict[int, str] = conn.state["subs"]
        if account in subs.values():
            msg = "User Data Stream subscription already active."
            self._answer(conn, req_id, method, error=(-2035, msg), weight=2)
            return
        sub_id = conn.state["next_id"]
        conn.state["next_id"] = sub_id + 1
        subs[sub_id] = account
        self._subs.setdefault(account, {})[conn] = sub_id
        self._answer(conn, req_id, method, result={"subscriptionId": sub_id}, weight=2)

    def _verify(self, params: Mapping[str, Any]) -> tuple[int, str, int] | None:
        for name in ("apiKey", "timestamp", "signature"):
            if params.get(name) in (None, ""):
                return -1102, mandatory(name), 400
        creds = self.venue.credentials.get(str(params["apiKey"]))
        if creds is None:
            return -2015, "Invalid API-key, IP, or permissions for action.", 401
        expected = ws_signature(creds.api_secret, params)
        if str(params["signature"]).lower() != expected:
            return -1022, "Signature for this request is not valid.", 400
        window = params.get("recvWindow")
        verdict = check_timestamp(
            self.venue.now_ms(), str(params["timestamp"]), None if window is None else str(window)
        )
        return None if verdict is None else (*verdict, 400)

    def _unsubscribe(self, conn: WsConnection, req_id: Any, params: Mapping[str, Any]) -> None:
        subs: dict[int, str] = conn.state["subs"]
        wanted = params.get("subscriptionId")
        chosen = list(subs) if wanted is None else [s for s in subs if s == wanted]
        if wanted is not None and not chosen:
            msg = "User Data Stream subscription not active."
            self._answer(conn, req_id, "userDataStream.unsubscribe", error=(-2036, msg), weight=2)
            return
        for sub_id in chosen:
            self._terminate(conn, sub_id)
        self._answer(conn, req_id, "userDataStream.unsubscribe", result={}, weight=2)

    def _terminate(self, conn: WsConnection, sub_id: int) -> None:
        account = conn.state["subs"].pop(sub_id, None)
        if account is None:
            return
        self._subs.get(account, {}).pop(conn, None)
        event = {"e": "eventStreamTerminated", "E": self.venue.now_ms()}
        _send(conn, {"subscriptionId": sub_id, "event": event}, "eventStreamTerminated")

    def terminate_all(self) -> None:
        """Session expiry: every subscription ends with ``eventStreamTerminated``."""
        for subscribers in list(self._subs.values()):
            for conn, sub_id in list(subscribers.items()):
                self._terminate(conn, sub_id)

    def _answer(
        self,
        conn: WsConnection,
        req_id: Any,
        method: str,
        *,
        result: Any = None,
        error: tuple[int, str] | None = None,
        status: int = 400,
        weight: int = 2,
    ) -> None:
        server = self.venue.server
        answer: Payload = {"id": req_id}
        if server is not None and server.enforce_limits:
            over = server.quota.charge([Cost(SPOT_REQUEST_WEIGHT, weight)])
            if over is not None:
                limit = SPOT_REQUEST_WEIGHT.limit
                msg = (
                    f"Too much request weight used; current limit is {limit} request weight "
                    "per 1 MINUTE. Please use WebSocket Streams for live updates to avoid "
                    "polling the API."
                )
                error, status = (-1003, msg), 429
        if error is None:
            answer.update(status=200, result=result)
        else:
            answer.update(status=status, error={"code": error[0], "msg": error[1]})
        if server is not None:
            used = int(server.quota.usage(SPOT_REQUEST_WEIGHT))
            answer["rateLimits"] = [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": SPOT_REQUEST_WEIGHT.limit,
                    "count": used,
                }
            ]
        _send(conn, answer, f"ws-api:{method}")

    def publish(self, events: Sequence[AccountEvent]) -> None:
        """Deliver one operation's account events to the account's subscriptions, in order."""
        for ev in events:
            payload = self._payload(ev)
            if payload is None:
                continue
            subscribers = self._subs.get(ev.account)
            if not subscribers:
                continue
            for conn, sub_id in list(subscribers.items()):
                _send(conn, {"subscriptionId": sub_id, "event": payload}, str(payload["e"]))

    def _payload(self, ev: AccountEvent) -> Payload | None:
        venue = self.venue
        if isinstance(ev, OrderEvent):
            listing = venue.listings.get(ev.order.symbol)
            return None if listing is None else execution_report(venue, ev, listing)
        if isinstance(ev, BalanceEvent):
            balances = [{"a": b.asset, "f": dec8(b.free), "l": dec8(b.locked)} for b in ev.balances]
            return {
                "e": "outboundAccountPosition",
                "E": venue.now_ms(),
                "u": ev.timestamp_ms,
                "B": balances,
            }
        if isinstance(ev, DepositEvent):
            return {
                "e": "balanceUpdate",
                "E": venue.now_ms(),
                "a": ev.asset,
                "d": dec8(ev.amount),
                "T": ev.timestamp_ms,
            }
        return None


# -- user data: futures listen keys ------------------------------------------------------------


@dataclass(eq=False)
class ListenKey:
    key: str
    account: str
    expires_ms: int
    alive: bool = True


@dataclass(eq=False)
class _PrivateConn:
    conn: WsConnection
    key: str
    events: frozenset[str] | None
    combined: bool


class UsdmUserData:
    """Futures listen keys and the private streams that read them."""

    def __init__(self, venue: Venue, *, ttl_s: float) -> None:
        self.venue = venue
        self.ttl_ms = int(ttl_s * 1000)
        self._by_account: dict[str, ListenKey] = {}
        self._by_key: dict[str, ListenKey] = {}
        self._conns: dict[str, list[_PrivateConn]] = {}
        self._wallet: dict[tuple[str, str], Decimal] = {}
        self._closing: set[asyncio.Task[None]] = set()
        for creds in venue.credentials.values():
            for b in venue.sim.balances(creds.account):
                self._wallet[(creds.account, b.asset)] = b.total or ZERO

    # -- lifecycle (REST) -----------------------------------------------------------------

    def create(self, account: str) -> str:
        """POST: the account's live key (extended 60 min), or a new one."""
        now = self.venue.now_ms()
        current = self._by_account.get(account)
        if current is not None and current.alive:
            current.expires_ms = now + self.ttl_ms
            return current.key
        key = ListenKey(self.venue.new_listen_key(), account, now + self.ttl_ms)
        self._by_account[account] = key
        self._by_key[key.key] = key
        return key.key

    def keepalive(self, account: str) -> str | None:
        """PUT: extend the live key; ``None`` when there is none (-1125)."""
        current = self._by_account.get(account)
        if current is None or not current.alive:
            return None
        current.expires_ms = self.venue.now_ms() + self.ttl_ms
        return current.key

    def close(self, account: str) -> None:
        """DELETE: the key dies now and its streams are closed."""
        current = self._by_account.pop(account, None)
        if current is None:
            return
        current.alive = False
        for private in self._conns.pop(current.key, []):
            task = asyncio.get_running_loop().create_task(private.conn.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def is_key(self, name: str) -> bool:
        return name in self._by_key

    def expire_due(self) -> None:
        now = self.venue.now_ms()
        for key in list(self._by_account.values()):
            if key.alive and key.expires_ms <= now:
                self._expire(key)

    def expire_all(self) -> None:
        """Session expiry: every live key lapses now."""
        for key in list(self._by_account.values()):
            if key.alive:
                self._expire(key)

    def _expire(self, key: ListenKey) -> None:
        key.alive = False
        self._by_account.pop(key.account, None)
        for private in self._conns.pop(key.key, []):
            self._expired_notice(private)

    def _expired_notice(self, private: _PrivateConn) -> None:
        # Newer docs show E as a string in this one event.
        payload = {
            "e": "listenKeyExpired",
            "E": str(self.venue.now_ms()),
            "listenKey": private.key,
        }
        self._write(private, payload)

    # -- streams --------------------------------------------------------------------------

    async def serve(
        self,
        conn: WsConnection,
        key: str,
        *,
        events: frozenset[str] | None,
        combined: bool,
        lifetime_s: float,
        ping_interval_s: float | None,
    ) -> None:
        private = _PrivateConn(conn, key, events, combined)
        listen_key = self._by_key.get(key)
        if listen_key is not None and listen_key.alive:
            self._conns.setdefault(key, []).append(private)
        else:
            self._expired_notice(private)  # a dead or unknown key: told once, then silence

        async def on_text(text: str) -> None:
            # The user-data stream is served by the stream servers, which answer the same
            # control messages; the listen key is the one subscription.
            try:
                request = msgspec.json.decode(text)
            except msgspec.DecodeError:
                return
            if not isinstance(request, dict):
                return
            method, req_id = request.get("method"), request.get("id")
            alive = private in self._conns.get(key, [])
            if method == "LIST_SUBSCRIPTIONS":
                answer = {"result": [key] if alive else [], "id": req_id}
                _send(conn, answer, "control:LIST_SUBSCRIPTIONS")
            elif method in ("SUBSCRIBE", "UNSUBSCRIBE"):
                _send(conn, {"result": None, "id": req_id}, f"control:{method}")

        try:
            await serve_connection(
                conn, on_text, lifetime_s=lifetime_s, ping_interval_s=ping_interval_s
            )
        finally:
            conns = self._conns.get(key)
            if conns is not None and private in conns:
                conns.remove(private)

    def _write(self, private: _PrivateConn, payload: Payload) -> None:
        name = str(payload["e"])
        if private.events is not None and name not in private.events and name != "listenKeyExpired":
            return
        if private.combined:
            _send(private.conn, {"stream": private.key, "data": payload}, name)
        else:
            _send(private.conn, payload, name)

    def publish(self, events: Sequence[AccountEvent]) -> None:
        """One operation's events: order updates in order, then one ACCOUNT_UPDATE per account."""
        by_account: dict[str, list[AccountEvent]] = {}
        for ev in events:
            by_account.setdefault(ev.account, []).append(ev)
        for account, evs in by_account.items():
            payloads = self._payloads(account, evs)
            key = self._by_account.get(account)
            if key is None or not key.alive:
                continue
            for private in list(self._conns.get(key.key, [])):
                for payload in payloads:
                    self._write(private, payload)

    def _payloads(self, account: str, events: Sequence[AccountEvent]) -> list[Payload]:
        venue = self.venue
        out: list[Payload] = []
        positions: dict[str, Position] = {}
        assets: set[str] = set()
        reason = "ORDER"
        stamp = events[-1].timestamp_ms
        for ev in events:
            if isinstance(ev, OrderEvent):
                listing = venue.listings.get(ev.order.symbol)
                if listing is not None:
                    out.extend(self._order_payloads(ev, listing))
            elif isinstance(ev, BalanceEvent):
                assets.update(b.asset for b in ev.balances)
            elif isinstance(ev, PositionEvent):
                positions[ev.position.symbol] = ev.position
            elif isinstance(ev, FundingEvent):
                reason = "FUNDING_FEE"
            elif isinstance(ev, DepositEvent):
                reason = "DEPOSIT"
        update = self._account_update(account, assets, positions, reason, stamp)
        if update is not None:
            out.append(update)
        return out

    def _order_payloads(self, ev: OrderEvent, listing: Listing) -> list[Payload]:
        venue, order_id = self.venue, ev.order.order_id
        if order_id in venue.algo_orders:
            if ev.kind is OrderEventKind.NEW:
                return [algo_update(venue, ev, listing, "NEW")]
            if ev.kind is OrderEventKind.TRIGGERED:
                venue.algo_orders.discard(order_id)
                triggered = algo_update(venue, ev, listing, "TRIGGERED")
                return [triggered, order_trade_update(venue, ev, listing)]
            venue.algo_orders.discard(order_id)
            status = "CANCELED" if ev.kind is OrderEventKind.CANCELLED else "EXPIRED"
            return [algo_update(venue, ev, listing, status)]
        venue.cancel_ids.pop(order_id, None)
        return [order_trade_update(venue, ev, listing)]

    def _account_update(
        self,
        account: str,
        assets: Iterable[str],
        positions: Mapping[str, Position],
        reason: str,
        stamp: int,
    ) -> Payload | None:
        """ACCOUNT_UPDATE when a wallet balance or a position changed (margin reserved for
        an open order changes neither, so it sends none, as on Binance)."""
        venue = self.venue
        margins = sum((position_margin(p) for p in venue.sim.positions(account)), start=ZERO)
        balances = []
        for asset in sorted(assets):
            wallet = venue.sim.balance(account, asset).total or ZERO
            if self._wallet.get((account, asset)) == wallet and not positions:
                continue
            self._wallet[(account, asset)] = wallet
            balances.append(
                {"a": asset, "wb": dec8(wallet), "cw": dec8(wallet - margins), "bc": "0"}
            )
        rows = []
        for symbol, position in positions.items():
            listing = venue.listings.get(symbol)
            if listing is None:
                continue
            rows.append(
                {
                    "s": listing.wire,
                    "pa": listing.qty(position.signed_quantity),
                    "ep": dec8(position.entry_price),
                    "bep": dec8(position.entry_price),
                    "cr": dec8(position.realized_pnl),
                    "up": dec8(position.unrealized_pnl),
                    "mt": "isolated",
                    "iw": dec8(position_margin(position)),
                    "ps": "BOTH",
                }
            )
        if not balances and not rows:
            return None
        return {
            "e": "ACCOUNT_UPDATE",
            "E": venue.now_ms(),
            "T": stamp,
            "a": {"m": reason, "B": balances, "P": rows},
        }
