"""The OKX emulator's WebSockets: ``/ws/v5/public``, ``/ws/v5/business``, ``/ws/v5/private``.

Public (OKD #order-book-trading-market-data-ws-*): ``tickers``, ``trades`` and ``books`` on
``/public``, ``candle<bar>`` on ``/business``. A ``books`` subscriber first gets a
400-level ``snapshot`` (``prevSeqId`` -1), then ``update`` pushes every 100 ms with the
changed levels (size ``"0"`` deletes) chained by ``prevSeqId`` = the previous ``seqId``, and,
after a quiet spell, a heartbeat update with ``seqId == prevSeqId`` and no levels. One book
state per instrument is shared by every connection, so ``seqId`` sets agree across
connections, as on OKX. ``checksum`` is 0 (the field is deprecated) unless the dialect is
built with ``book_checksum=True``, which sends the legacy CRC32 of the top 25 levels.

Private: ``login`` (signature, passphrase and a timestamp within 30 s), then ``orders``,
``account`` and ``positions``; nothing before login (60011). Any text ``ping`` is answered
``pong``; a connection idle for 30 s (scaled) is closed, as OKX does.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from exchangekit.book.checksum import okx_checksum
from exchangekit.clock import Clock, SystemClock
from exchangekit.sim import (
    AccountEvent,
    BalanceEvent,
    OrderEvent,
    PositionEvent,
    SimEvent,
    SimExchange,
    TradeEvent,
)
from exchangekit_okx.emulator_wire import (
    Listing,
    OkxCredentials,
    Payload,
    balance_row,
    order_row,
    plain,
    position_row,
)
from exchangekit_okx.signing import ws_login_signature

if TYPE_CHECKING:
    from exchangekit.testing.ws import WsConnection

__all__ = ["PrivateFeeds", "PublicFeeds", "WsVenueState"]

log = logging.getLogger("exchangekit.testing.okx")

_BOOK_DEPTH = 400
_BOOK_PERIOD_S = 0.1
_TICKER_PERIOD_S = 0.1
_CANDLE_PERIOD_S = 0.5
_HEARTBEAT_S = 60.0  # OKX: a no-change update after about a minute without changes
_IDLE_CLOSE_S = 30.0
_LOGIN_WINDOW_S = 30

_encode = msgspec.json.encode


@dataclass
class WsVenueState:
    """What both feeds read: the sim, the listings by ``instId``, keys, the clock."""

    sim: SimExchange
    listings: dict[str, Listing]
    credentials: dict[str, OkxCredentials]
    now_ms: Callable[[], int]
    clock: Clock = field(default_factory=SystemClock)
    """Push periods and idle timeouts run on its ``monotonic()`` (an accelerated market)."""
    interval_scale: float = 1.0
    book_checksum: bool = False
    conn_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    bars: Mapping[str, str] = field(default_factory=dict)
    """OKX ``bar`` -> the simulator's interval."""

    def conn_id(self) -> str:
        return f"ek{next(self.conn_ids):06d}"


def _send(conn: WsConnection, payload: Payload | str, stream: str) -> None:
    text = payload if isinstance(payload, str) else _encode(payload).decode()
    conn.send_nowait(text, stream=stream)


def _error(conn_id: str, code: str, msg: str, req_id: str = "") -> Payload:
    frame: Payload = {"event": "error", "code": code, "msg": msg, "connId": conn_id}
    if req_id:
        frame["id"] = req_id
    return frame


async def _serve(
    conn: WsConnection, state: WsVenueState, on_frame: Callable[[Any, str], None]
) -> None:
    """Read ``conn`` until it goes: ``ping`` -> ``pong``; JSON frames to ``on_frame``; close
    after ``_IDLE_CLOSE_S`` (scaled) without a frame from the client."""
    conn_id = state.conn_id()
    conn.state["conn_id"] = conn_id
    # In the exchange's time (an accelerated clock shortens it); push periods scale, this not.
    speed = getattr(state.clock, "speed", 1.0)
    idle = _IDLE_CLOSE_S / max(speed, 1.0)
    reader = conn.__aiter__()
    try:
        while True:
            try:
                text = await asyncio.wait_for(reader.__anext__(), idle)
            except (StopAsyncIteration, TimeoutError):
                return
            if text == "ping":
                _send(conn, "pong", "pong")
                continue
            try:
                frame = msgspec.json.decode(text)
            except msgspec.DecodeError:
                _send(
                    conn, _error(conn_id, "60018", f"Wrong URL or {text[:40]} doesn't exist."), ""
                )
                continue
            if not isinstance(frame, dict):
                _send(conn, _error(conn_id, "60012", "Illegal request"), "")
                continue
            on_frame(frame, conn_id)
    finally:
        with contextlib.suppress(Exception):
            await conn.close()


# -- public --------------------------------------------------------------------------------


@dataclass
class _Book:
    """The book as published on ``books:<instId>``: every level sent, by price text."""

    seq: int
    bids: dict[str, str]
    asks: dict[str, str]
    changed_at: float


class PublicFeeds:
    """``tickers``, ``trades``, ``books`` (public) and ``candle*`` (business) for every
    connection, pushed by :meth:`tick` and :meth:`on_trade`."""

    def __init__(self, state: WsVenueState) -> None:
        self.state = state
        self._subs: dict[tuple[str, str], set[WsConnection]] = {}
        self._books: dict[str, _Book] = {}
        self._last_ticker: dict[str, tuple[Any, ...]] = {}
        self._last_candle: dict[tuple[str, str], tuple[Any, ...]] = {}
        self._due: dict[str, float] = {}
        self._seq = itertools.count(1_000_000, 1)

    async def serve(self, conn: WsConnection, *, business: bool) -> None:
        try:
            await _serve(conn, self.state, lambda f, c: self._request(conn, f, c, business))
        finally:
            for subscribers in self._subs.values():
                subscribers.discard(conn)

    def _request(self, conn: WsConnection, frame: Payload, conn_id: str, business: bool) -> None:
        op, req_id = frame.get("op"), str(frame.get("id", ""))
        args = frame.get("args")
        if op not in ("subscribe", "unsubscribe") or not isinstance(args, list):
            _send(
                conn,
                _error(conn_id, "60012", f"Illegal request: {_encode(frame).decode()}", req_id),
                "",
            )
            return
        for arg in args:
            channel = arg.get("channel", "") if isinstance(arg, dict) else ""
            inst_id = arg.get("instId", "") if isinstance(arg, dict) else ""
            on_business = channel.startswith("candle")
            known = channel in ("tickers", "trades", "books") or (
                on_business and channel[6:] in self.state.bars
            )
            if not known or on_business != business:
                where = "business" if on_business else "public"
                msg = f"Wrong URL or channel:{channel},instId:{inst_id} doesn't exist."
                if known:
                    msg = f"channel:{channel} is served on /ws/v5/{where}"
                _send(conn, _error(conn_id, "60018", msg, req_id), "")
                continue
            if inst_id not in self.state.listings:
                msg = f"Wrong URL or channel:{channel},instId:{inst_id} doesn't exist."
                _send(conn, _error(conn_id, "60018", msg, req_id), "")
                continue
            answer: Payload = {"event": op, "arg": {"channel": channel, "instId": inst_id}}
            if req_id:
                answer = {"id": req_id, **answer}
            answer["connId"] = conn_id
            _send(conn, answer, "")
            subscribers = self._subs.setdefault((channel, inst_id), set())
            if op == "unsubscribe":
                subscribers.discard(conn)
                continue
            subscribers.add(conn)
            if channel == "books":
                self._send_snapshot(conn, inst_id)

    # -- pushes ----------------------------------------------------------------------------

    def tick(self) -> None:
        """Push what is due: book updates, tickers, candles."""
        now = self.state.clock.monotonic()
        scale = self.state.interval_scale
        if self._is_due("books", now, _BOOK_PERIOD_S * scale):
            for (channel, inst_id), conns in list(self._subs.items()):
                if channel == "books" and conns:
                    self._push_book(inst_id, conns, now)
        if self._is_due("tickers", now, _TICKER_PERIOD_S * scale):
            for (channel, inst_id), conns in list(self._subs.items()):
                if channel == "tickers" and conns:
                    self._push_ticker(inst_id, conns)
        if self._is_due("candles", now, _CANDLE_PERIOD_S * scale):
            for (channel, inst_id), conns in list(self._subs.items()):
                if channel.startswith("candle") and conns:
                    self._push_candle(channel, inst_id, conns)

    def _is_due(self, what: str, now: float, period: float) -> bool:
        if now < self._due.get(what, 0.0):
            return False
        self._due[what] = now + period
        return True

    def on_trade(self, event: SimEvent) -> None:
        if not isinstance(event, TradeEvent):
            return
        listing = self._listing(event.symbol)
        conns = self._subs.get(("trades", listing.inst_id)) if listing else None
        if not listing or not conns:
            return
        trade = event.trade
        row = {
            "instId": listing.inst_id,
            "tradeId": trade.trade_id,
            "px": plain(trade.price),
            "sz": listing.sz(trade.quantity),
            "side": "buy" if trade.side is not None and trade.side.value == "buy" else "sell",
            "ts": str(trade.timestamp_ms),
            "count": "1",
        }
        payload = {"arg": {"channel": "trades", "instId": listing.inst_id}, "data": [row]}
        for conn in list(conns):
            _send(conn, payload, f"trades:{listing.inst_id}")

    def _listing(self, symbol: str) -> Listing | None:
        return next((x for x in self.state.listings.values() if x.symbol == symbol), None)

    # -- books -----------------------------------------------------------------------------

    def _levels(self, listing: Listing) -> tuple[dict[str, str], dict[str, str]]:
        book = self.state.sim.book(listing.symbol, _BOOK_DEPTH)
        bids = {plain(p): listing.sz(q) for p, q in book.bids}
        asks = {plain(p): listing.sz(q) for p, q in book.asks}
        return bids, asks

    def _book(self, inst_id: str, now: float) -> _Book:
        book = self._books.get(inst_id)
        if book is None:
            bids, asks = self._levels(self.state.listings[inst_id])
            book = self._books[inst_id] = _Book(next(self._seq), bids, asks, now)
        return book

    def _send_snapshot(self, conn: WsConnection, inst_id: str) -> None:
        book = self._book(inst_id, self.state.clock.monotonic())
        bids = _sorted(book.bids, descending=True)
        asks = _sorted(book.asks, descending=False)
        row = self._book_row(bids, asks, seq=book.seq, prev=-1, full=(bids, asks))
        payload = {
            "arg": {"channel": "books", "instId": inst_id},
            "action": "snapshot",
            "data": [row],
        }
        _send(conn, payload, f"{inst_id}@depth/books")

    def _push_book(self, inst_id: str, conns: set[WsConnection], now: float) -> None:
        book = self._book(inst_id, now)
        bids, asks = self._levels(self.state.listings[inst_id])
        bid_changes = _diff(book.bids, bids)
        ask_changes = _diff(book.asks, asks)
        prev = book.seq
        if bid_changes or ask_changes:
            book.bids, book.asks = bids, asks
            book.seq = next(self._seq)
            book.changed_at = now
        elif now - book.changed_at >= _HEARTBEAT_S * self.state.interval_scale:
            book.changed_at = now
            prev = book.seq  # a heartbeat: seqId == prevSeqId, no levels
        else:
            return
        full = (_sorted(book.bids, descending=True), _sorted(book.asks, descending=False))
        row = self._book_row(
            _sorted(bid_changes, descending=True),
            _sorted(ask_changes, descending=False),
            seq=book.seq,
            prev=prev,
            full=full,
        )
        payload = {
            "arg": {"channel": "books", "instId": inst_id},
            "action": "update",
            "data": [row],
        }
        text = _encode(payload).decode()
        for conn in list(conns):
            _send(conn, text, f"{inst_id}@depth/books")

    def _book_row(
        self,
        bids: list[tuple[str, str]],
        asks: list[tuple[str, str]],
        *,
        seq: int,
        prev: int,
        full: tuple[list[tuple[str, str]], list[tuple[str, str]]],
    ) -> Payload:
        checksum = okx_checksum(full[0][:25], full[1][:25]) if self.state.book_checksum else 0
        return {
            "asks": [[p, q, "0", "1"] for p, q in asks],
            "bids": [[p, q, "0", "1"] for p, q in bids],
            "ts": str(self.state.now_ms()),
            "checksum": checksum,
            "prevSeqId": prev,
            "seqId": seq,
        }

    # -- tickers and candles -----------------------------------------------------------------

    def ticker_row(self, listing: Listing) -> Payload:
        """The ``market/ticker`` / ``tickers`` row (swap sizes in contracts)."""
        sim = self.state.sim
        ticker = sim.ticker(listing.symbol)
        volume = ticker.volume or Decimal(0)
        quote_volume = ticker.quote_volume or Decimal(0)
        last = ticker.last or ticker.bid or Decimal(0)
        return {
            "instType": listing.inst_type,
            "instId": listing.inst_id,
            "last": plain(last),
            "lastSz": "0",
            "askPx": plain(ticker.ask),
            "askSz": listing.sz(ticker.ask_size),
            "bidPx": plain(ticker.bid),
            "bidSz": listing.sz(ticker.bid_size),
            "open24h": plain(ticker.open or last),
            "high24h": plain(ticker.high or last),
            "low24h": plain(ticker.low or last),
            # Spot: vol24h base, volCcy24h quote. Swaps: vol24h contracts, volCcy24h base.
            "volCcy24h": plain(volume if listing.swap else quote_volume),
            "vol24h": listing.sz(volume) if listing.swap else plain(volume),
            "sodUtc0": plain(ticker.open or last),
            "sodUtc8": plain(ticker.open or last),
            "ts": str(self.state.now_ms()),
        }

    def _push_ticker(self, inst_id: str, conns: set[WsConnection]) -> None:
        listing = self.state.listings[inst_id]
        row = self.ticker_row(listing)
        key = (row["last"], row["bidPx"], row["askPx"], row["bidSz"], row["askSz"])
        if self._last_ticker.get(inst_id) == key:
            return
        self._last_ticker[inst_id] = key
        payload = {"arg": {"channel": "tickers", "instId": inst_id}, "data": [row]}
        for conn in list(conns):
            _send(conn, payload, f"tickers:{inst_id}")

    def candle_rows(self, listing: Listing, interval: str, **query: Any) -> list[list[str]]:
        """Candle rows newest first, as ``market/candles`` and ``candle*`` write them."""
        candles = self.state.sim.candles(listing.symbol, interval, **query)
        rows = []
        for c in reversed(candles):
            vol = c.volume or Decimal(0)
            rows.append(
                [
                    str(c.open_ms),
                    plain(c.open),
                    plain(c.high),
                    plain(c.low),
                    plain(c.close),
                    listing.sz(vol) if listing.swap else plain(vol),
                    plain(vol) if listing.swap else plain(c.quote_volume or Decimal(0)),
                    plain(c.quote_volume or Decimal(0)),
                    "1" if c.closed else "0",
                ]
            )
        return rows

    def _push_candle(self, channel: str, inst_id: str, conns: set[WsConnection]) -> None:
        listing = self.state.listings[inst_id]
        rows = self.candle_rows(listing, self.state.bars[channel[6:]], limit=1)
        if not rows:
            return
        key = tuple(rows[0])
        if self._last_candle.get((channel, inst_id)) == key:
            return
        self._last_candle[(channel, inst_id)] = key
        payload = {"arg": {"channel": channel, "instId": inst_id}, "data": rows}
        for conn in list(conns):
            _send(conn, payload, f"{channel}:{inst_id}")


def _diff(old: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str]:
    changes = {p: q for p, q in new.items() if old.get(p) != q}
    changes.update({p: "0" for p in old if p not in new})
    return changes


def _sorted(levels: Mapping[str, str], *, descending: bool) -> list[tuple[str, str]]:
    return sorted(levels.items(), key=lambda kv: Decimal(kv[0]), reverse=descending)


# -- private -------------------------------------------------------------------------------


@dataclass
class _Login:
    account: str
    channels: dict[str, str] = field(default_factory=dict)
    """Subscribed channel -> its instType filter (``ANY`` for every type)."""


class PrivateFeeds:
    """``/ws/v5/private``: login, then ``orders``, ``account`` and ``positions`` pushes."""

    def __init__(
        self,
        state: WsVenueState,
        position_ids: Callable[[str, str], str],
        *,
        hidden: Callable[[str], bool] = lambda order_id: False,
    ) -> None:
        self.state = state
        self._position_id = position_ids
        self._hidden = hidden
        """Order ids the ``orders`` channel does not show (untriggered algo orders)."""
        self._conns: dict[WsConnection, _Login | None] = {}

    async def serve(self, conn: WsConnection) -> None:
        self._conns[conn] = None
        try:
            await _serve(conn, self.state, lambda f, c: self._request(conn, f, c))
        finally:
            self._conns.pop(conn, None)

    async def drop_all(self) -> None:
        """End every private connection (the session-expiry fault)."""
        for conn in list(self._conns):
            await conn.drop()

    def _request(self, conn: WsConnection, frame: Payload, conn_id: str) -> None:
        op, req_id = frame.get("op"), str(frame.get("id", ""))
        args = frame.get("args")
        if not isinstance(args, list) or not args:
            _send(conn, _error(conn_id, "60012", "Illegal request", req_id), "")
            return
        if op == "login":
            self._login(conn, args[0], conn_id, req_id)
            return
        login = self._conns.get(conn)
        if op not in ("subscribe", "unsubscribe"):
            _send(conn, _error(conn_id, "60012", "Illegal request", req_id), "")
            return
        if login is None:
            _send(conn, _error(conn_id, "60011", "Please log in", req_id), "")
            return
        for arg in args:
            channel = arg.get("channel", "") if isinstance(arg, dict) else ""
            if channel not in ("orders", "account", "positions"):
                msg = f"Wrong URL or channel:{channel} doesn't exist."
                _send(conn, _error(conn_id, "60018", msg, req_id), "")
                continue
            if op == "subscribe":
                login.channels[channel] = str(arg.get("instType", "ANY"))
            else:
                login.channels.pop(channel, None)
            answer: Payload = {"event": op, "arg": arg, "connId": conn_id}
            _send(conn, {"id": req_id, **answer} if req_id else answer, "")

    def _login(self, conn: WsConnection, arg: Any, conn_id: str, req_id: str) -> None:
        refusal = self._check_login(arg)
        if refusal is not None:
            _send(conn, _error(conn_id, refusal[0], refusal[1], req_id), "")
            return
        creds = self.state.credentials[arg["apiKey"]]
        self._conns[conn] = _Login(creds.account)
        answer: Payload = {"event": "login", "code": "0", "msg": "", "connId": conn_id}
        _send(conn, {"id": req_id, **answer} if req_id else answer, "")

    def _check_login(self, arg: Any) -> tuple[str, str] | None:
        if not isinstance(arg, dict):
            return "60009", "Login failed."
        creds = self.state.credentials.get(str(arg.get("apiKey", "")))
        if creds is None:
            return "60005", "Invalid OK-ACCESS-KEY"
        if str(arg.get("passphrase", "")) != creds.passphrase:
            return "60024", "Wrong passphrase"
        stamp = str(arg.get("timestamp", ""))
        if not stamp.isdigit():
            return "60004", "Invalid timestamp"
        if abs(int(stamp) - self.state.now_ms() // 1000) > _LOGIN_WINDOW_S:
            return "60006", "Timestamp request expired"
        expected = ws_login_signature(creds.api_secret, stamp)
        if not hmac.compare_digest(expected, str(arg.get("sign", ""))):
            return "60007", "Invalid sign"
        return None

    def publish(
        self, events: Sequence[AccountEvent], listing_of: Callable[[str], Listing | None]
    ) -> None:
        """Push the account events of the operations just done to subscribed connections."""
        for conn, login in list(self._conns.items()):
            if login is None or not login.channels:
                continue
            for event in events:
                if event.account != login.account:
                    continue
                frame = self._frame(event, login, listing_of)
                if frame is not None:
                    _send(conn, frame, f"private:{frame['arg']['channel']}")

    def _frame(
        self, event: AccountEvent, login: _Login, listing_of: Callable[[str], Listing | None]
    ) -> Payload | None:
        uid = "1000" + login.account[-4:].rjust(4, "0") if login.account else "10000000"
        if isinstance(event, OrderEvent):
            if self._hidden(event.order.order_id):
                return None
            listing = listing_of(event.order.symbol)
            wanted = login.channels.get("orders")
            if listing is None or wanted not in ("ANY", listing.inst_type):
                return None
            row = order_row(listing, event.order)
            if event.fill is not None:
                fill = event.fill
                row.update(
                    fillPx=plain(fill.price),
                    fillSz=listing.sz(fill.quantity),
                    tradeId=fill.trade_id,
                    fillTime=str(fill.timestamp_ms),
                    fillFee=plain(-fill.fee),
                    fillFeeCcy=fill.fee_asset or listing.instrument.quote,
                    execType="M" if fill.is_maker else "T",
                )
            row.update(code="0", msg="")
            arg = {"channel": "orders", "instType": wanted, "uid": uid}
            return {"arg": arg, "data": [row]}
        if isinstance(event, BalanceEvent) and "account" in login.channels:
            data = balance_row(list(event.balances), {}, event.timestamp_ms)
            return {"arg": {"channel": "account", "uid": uid}, "data": [data]}
        if isinstance(event, PositionEvent) and "positions" in login.channels:
            listing = listing_of(event.position.symbol)
            if listing is None or not listing.swap:
                return None
            row = position_row(
                listing,
                event.position,
                self._position_id(login.account, listing.symbol),
                event.timestamp_ms,
            )
            arg = {"channel": "positions", "instType": login.channels["positions"], "uid": uid}
            return {"arg": arg, "data": [row]}
        return None
