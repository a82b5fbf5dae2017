"""The Bybit emulator's WebSocket endpoints.

- :class:`PublicTopics`: ``/v5/public/{spot,linear}`` with ``orderbook.{1,50,200,1000}``
  (a snapshot on subscribe, then deltas with ``u`` growing by one, and now and then a
  ``u == 1`` snapshot as after a service restart), ``publicTrade``, ``tickers`` and
  ``kline`` topics.
- :class:`PrivateTopics`: ``/v5/private`` with the ``auth`` login and the ``order``,
  ``execution``, ``position`` and ``wallet`` topics.
"""

from __future__ import annotations

import contextlib
import hmac
import itertools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from exchangekit.models import Side
from exchangekit.sim import (
    AccountEvent,
    BalanceEvent,
    OrderEvent,
    PositionEvent,
    TradeEvent,
)
from exchangekit.sim.events import OrderEventKind
from exchangekit_bybit.emulator_wire import (
    ApiCredentials,
    Category,
    Listing,
    Payload,
    Venue,
    execution_row,
    num,
    order_row,
    position_row,
    wallet_account,
)
from exchangekit_bybit.mappers import INTERVALS
from exchangekit_bybit.signing import ws_signature

if TYPE_CHECKING:
    from exchangekit.testing.ws import WsConnection

__all__ = ["PrivateTopics", "PublicTopics"]

_DEPTHS = (1, 50, 200, 1000)
_INTERVAL_NAMES = {wire: unified for unified, wire in INTERVALS.items()}
ZERO = Decimal(0)

log = logging.getLogger("exchangekit.testing.bybit")


def _send(conn: WsConnection, payload: Payload, label: str) -> None:
    conn.send_nowait(json.dumps(payload, separators=(",", ":")), stream=label)


def _answer(conn: WsConnection, op: str, req_id: Any, *, ok: bool, msg: str = "") -> None:
    answer: Payload = {"success": ok, "ret_msg": msg, "conn_id": conn.state["conn_id"], "op": op}
    if req_id is not None:
        answer["req_id"] = req_id
    _send(conn, answer, "control")


# -- public topics ------------------------------------------------------------------------------


@dataclass
class _BookTopic:
    """One ``orderbook.{depth}.{symbol}`` stream: its last published levels and ``u``."""

    listing: Listing
    depth: int
    u: int = 0
    bids: dict[str, str] = field(default_factory=dict)
    asks: dict[str, str] = field(default_factory=dict)
    deltas: int = 0


@dataclass
class _Topic:
    """Any other public topic: what it is and what it last sent."""

    family: str
    listing: Listing
    interval: str = ""
    last: Payload = field(default_factory=dict)
    candle_start: int | None = None


class PublicTopics:
    """``/v5/public/spot`` and ``/v5/public/linear``: subscriptions, pushes, pongs."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self._subscribers: dict[tuple[Category, str], set[WsConnection]] = {}
        self._books: dict[tuple[Category, str], _BookTopic] = {}
        self._topics: dict[tuple[Category, str], _Topic] = {}
        self._ids = itertools.count(1)

    async def serve(self, conn: WsConnection, category: Category) -> None:
        conn.state.update(conn_id=f"pub-{next(self._ids)}", category=category, topics=set())
        try:
            async for text in conn:
                self._control(conn, category, text)
        finally:
            for topic in conn.state["topics"]:
                self._subscribers.get((category, topic), set()).discard(conn)

    def _control(self, conn: WsConnection, category: Category, text: str) -> None:
        try:
            request = json.loads(text)
            op, req_id = request.get("op"), request.get("req_id")
        except (ValueError, AttributeError):
            return
        if op == "ping":
            _answer(conn, "ping", req_id, ok=True, msg="pong")
            return
        if op not in ("subscribe", "unsubscribe"):
            _answer(conn, str(op), req_id, ok=False, msg=f"error:unknown op {op}")
            return
        topics = [str(t) for t in request.get("args") or []]
        if category == "spot" and len(topics) > 10:
            _answer(conn, op, req_id, ok=False, msg="args size >10")
            return
        bad = next((t for t in topics if not self._known(category, t)), None)
        if bad is not None:
            _answer(conn, op, req_id, ok=False, msg=f"error:handler not found,topic:{bad}")
            return
        mine: set[str] = conn.state["topics"]
        if op == "unsubscribe":
            for topic in topics:
                mine.discard(topic)
                self._subscribers.get((category, topic), set()).discard(conn)
            _answer(conn, op, req_id, ok=True, msg="unsubscribe" if category == "spot" else "")
            return
        already = [t for t in topics if t in mine]
        if already:
            _answer(conn, op, req_id, ok=False, msg=f"error:already subscribed,topic:{already[0]}")
            return
        _answer(conn, op, req_id, ok=True, msg="subscribe" if category == "spot" else "")
        for topic in topics:
            mine.add(topic)
            self._subscribers.setdefault((category, topic), set()).add(conn)
            if topic.startswith("orderbook."):
                self._send_snapshot(conn, self._book(category, topic))
            elif topic.startswith("tickers."):
                state = self._topics[(category, topic)]
                _send(conn, self._ticker_message(state, full=True), topic)

    def _known(self, category: Category, topic: str) -> bool:
        parts = topic.split(".")
        listing = self.venue.listings.get((category, parts[-1]))
        if listing is None:
            return False
        family = parts[0]
        key = (category, topic)
        if family == "orderbook" and len(parts) == 3 and parts[1].isdigit():
            if int(parts[1]) not in _DEPTHS:
                return False
            self._books.setdefault(key, _BookTopic(listing, int(parts[1])))
            return True
        if family in ("publicTrade", "tickers") and len(parts) == 2:
            self._topics.setdefault(key, _Topic(family, listing))
            return True
        if family == "kline" and len(parts) == 3 and parts[1] in _INTERVAL_NAMES:
            self._topics.setdefault(key, _Topic(family, listing, interval=parts[1]))
            return True
        return False

    # -- the book ------------------------------------------------------------------------------

    def _book(self, category: Category, topic: str) -> _BookTopic:
        book = self._books[(category, topic)]
        if book.u == 0:
            self._refresh(book)
            book.u = 1000 + next(self.venue.seq) % 1000
        return book

    def _levels(self, book: _BookTopic) -> tuple[dict[str, str], dict[str, str]]:
        listing = book.listing
        snapshot = self.venue.sim.book(listing.symbol, book.depth)
        bids = {listing.price(p): listing.qty(q) for p, q in snapshot.bids}
        asks = {listing.price(p): listing.qty(q) for p, q in snapshot.asks}
        return bids, asks

    def _refresh(self, book: _BookTopic) -> tuple[list[list[str]], list[list[str]]]:
        """Move the topic to the sim's book now; return the changed levels (0 = removed)."""
        bids, asks = self._levels(book)
        changed_bids = _diff(book.bids, bids)
        changed_asks = _diff(book.asks, asks)
        book.bids, book.asks = bids, asks
        return changed_bids, changed_asks

    def _book_message(self, book: _BookTopic, kind: str, bids: Any, asks: Any) -> Payload:
        now = self.venue.now_ms()
        return {
            "topic": f"orderbook.{book.depth}.{book.listing.wire}",
            "type": kind,
            "ts": now,
            "data": {
                "s": book.listing.wire,
                "b": bids,
                "a": asks,
                "u": book.u,
                "seq": next(self.venue.seq),
            },
            "cts": now,
        }

    def _send_snapshot(self, conn: WsConnection, book: _BookTopic) -> None:
        message = self._book_message(
            book, "snapshot", _sorted(book.bids, True), _sorted(book.asks, False)
        )
        _send(conn, message, _book_label(book))

    def _push_book(self, key: tuple[Category, str], book: _BookTopic) -> None:
        subscribers = self._subscribers.get(key)
        if not subscribers:
            book.u = 0  # nobody listens: the next subscriber starts a fresh stream
            return
        bids, asks = self._refresh(book)
        restart = self.venue.restart_every and book.deltas >= self.venue.restart_every
        if book.depth == 1 or restart:
            # Level 1 is snapshot-only; a restart overwrites every book with u == 1.
            if not (bids or asks or restart):
                return
            if restart:
                book.u, book.deltas = 1, 0
            else:
                book.u += 1
            for conn in list(subscribers):
                self._send_snapshot(conn, book)
            return
        if not bids and not asks:
            return
        book.u += 1
        book.deltas += 1
        message = self._book_message(book, "delta", bids, asks)
        text = json.dumps(message, separators=(",", ":"))
        for conn in list(subscribers):
            conn.send_nowait(text, stream=_book_label(book))

    # -- the other topics ----------------------------------------------------------------------

    def on_trade(self, event: TradeEvent) -> None:
        listing = self.venue.by_symbol(event.symbol)
        if listing is None:
            return
        topic = f"publicTrade.{listing.wire}"
        subscribers = self._subscribers.get((listing.category, topic))
        if not subscribers:
            return
        trade = event.trade
        payload = {
            "topic": topic,
            "type": "snapshot",
            "ts": self.venue.now_ms(),
            "data": [
                {
                    "T": trade.timestamp_ms,
                    "s": listing.wire,
                    "S": "Buy" if trade.side is Side.BUY else "Sell",
                    "v": listing.qty(trade.quantity),
                    "p": listing.price(trade.price),
                    "L": "PlusTick",
                    "i": trade.trade_id,
                    "BT": False,
                }
            ],
        }
        for conn in list(subscribers):
            _send(conn, payload, topic)

    def _ticker_fields(self, listing: Listing) -> Payload:
        t = self.venue.sim.ticker(listing.symbol)
        change = (t.last / t.open - 1) if t.last and t.open else ZERO
        fields: Payload = {
            "symbol": listing.wire,
            "lastPrice": listing.price(t.last),
            "highPrice24h": listing.price(t.high),
            "lowPrice24h": listing.price(t.low),
            "prevPrice24h": listing.price(t.open),
            "volume24h": num(t.volume),
            "turnover24h": num(t.quote_volume),
            "price24hPcnt": num(change.quantize(Decimal("0.0001"))),
        }
        if listing.category == "linear":
            mark = self.venue.sim.mark_price(listing.symbol)
            fields.update(
                bid1Price=listing.price(t.bid),
                bid1Size=listing.qty(t.bid_size),
                ask1Price=listing.price(t.ask),
                ask1Size=listing.qty(t.ask_size),
                markPrice=listing.price(mark),
                indexPrice=listing.price(mark),
                fundingRate="0.0001",
                openInterest="1000",
            )
        return fields

    def _ticker_message(self, state: _Topic, *, full: bool) -> Payload:
        fields = self._ticker_fields(state.listing)
        kind = "snapshot"
        data = fields
        if state.listing.category == "linear" and not full:
            # Linear sends only what changed since the last message.
            data = {k: v for k, v in fields.items() if state.last.get(k) != v or k == "symbol"}
            kind = "delta"
        state.last = fields
        return {
            "topic": f"tickers.{state.listing.wire}",
            "type": kind,
            "ts": self.venue.now_ms(),
            "cs": next(self.venue.seq),
            "data": data,
        }

    def _kline_rows(self, state: _Topic) -> list[Payload]:
        listing = state.listing
        interval = _INTERVAL_NAMES[state.interval]
        candles = self.venue.sim.candles(listing.symbol, interval, limit=2)
        rows = []
        for c in candles:
            if state.candle_start is not None and c.open_ms < state.candle_start:
                continue
            closed = c is not candles[-1]
            span = (c.close_ms or c.open_ms + 60_000) - c.open_ms
            rows.append(
                {
                    "start": c.open_ms,
                    "end": c.open_ms + span - 1,
                    "interval": state.interval,
                    "open": listing.price(c.open),
                    "close": listing.price(c.close),
                    "high": listing.price(c.high),
                    "low": listing.price(c.low),
                    "volume": num(c.volume),
                    "turnover": num(c.quote_volume or ZERO),
                    "confirm": closed,
                    "timestamp": self.venue.now_ms(),
                }
            )
        if candles:
            state.candle_start = candles[-1].open_ms
        return rows

    def tick(self) -> None:
        """Push every subscribed topic's change since the last tick."""
        for key, book in list(self._books.items()):
            if book.u:
                self._push_book(key, book)
        for key, state in list(self._topics.items()):
            subscribers = self._subscribers.get(key)
            if not subscribers or state.family == "publicTrade":
                continue
            topic = key[1]
            if state.family == "tickers":
                message = self._ticker_message(state, full=False)
            else:
                rows = self._kline_rows(state)
                if not rows:
                    continue
                message = {
                    "topic": topic,
                    "type": "snapshot",
                    "ts": self.venue.now_ms(),
                    "data": rows,
                }
            for conn in list(subscribers):
                _send(conn, message, topic)


def _book_label(book: _BookTopic) -> str:
    # Fault rules target streams by name; "depth" in it lets `*depth*` rules hit book topics.
    return f"orderbook.{book.depth}.{book.listing.wire}/depth"


def _diff(old: dict[str, str], new: dict[str, str]) -> list[list[str]]:
    changed = [[p, q] for p, q in new.items() if old.get(p) != q]
    changed += [[p, "0"] for p in old if p not in new]
    return changed


def _sorted(levels: dict[str, str], descending: bool) -> list[list[str]]:
    return [[p, levels[p]] for p in sorted(levels, key=Decimal, reverse=descending)]


# -- private topics -----------------------------------------------------------------------------

_PRIVATE_FAMILIES = ("order", "execution", "position", "wallet")


class PrivateTopics:
    """``/v5/private``: log in with ``auth``, subscribe, receive the account's events."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self._connections: set[WsConnection] = set()
        self._ids = itertools.count(1)
        self._messages = itertools.count(1)

    async def serve(self, conn: WsConnection) -> None:
        conn.state.update(conn_id=f"priv-{next(self._ids)}", account=None, topics=set())
        self._connections.add(conn)
        try:
            async for text in conn:
                self._control(conn, text)
        finally:
            self._connections.discard(conn)

    async def expire_all(self) -> None:
        """Cut every private connection (Bybit's ``max_active_time`` running out)."""
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await conn.drop()

    def _control(self, conn: WsConnection, text: str) -> None:
        try:
            request = json.loads(text)
            op, req_id = request.get("op"), request.get("req_id")
            args = list(request.get("args") or [])
        except (ValueError, AttributeError, TypeError):
            return
        if op == "ping":
            answer = {
                "req_id": req_id,
                "op": "pong",
                "args": [str(self.venue.now_ms())],
                "conn_id": conn.state["conn_id"],
            }
            _send(conn, answer, "control")
        elif op == "auth":
            verdict = self._verify(args)
            if isinstance(verdict, ApiCredentials):
                conn.state["account"] = verdict.account
                _answer(conn, "auth", req_id, ok=True)
            else:
                _answer(conn, "auth", req_id, ok=False, msg=verdict)
        elif op == "subscribe":
            if conn.state["account"] is None:
                _answer(conn, op, req_id, ok=False, msg="Request not authorized")
                return
            bad = next((t for t in args if not _private_topic(str(t))), None)
            if bad is not None:
                _answer(conn, op, req_id, ok=False, msg=f"error:handler not found,topic:{bad}")
                return
            conn.state["topics"].update(str(t) for t in args)
            _answer(conn, op, req_id, ok=True)
        elif op == "unsubscribe":
            conn.state["topics"].difference_update(str(t) for t in args)
            _answer(conn, op, req_id, ok=True)
        else:
            _answer(conn, str(op), req_id, ok=False, msg=f"error:unknown op {op}")

    def _verify(self, args: Sequence[Any]) -> ApiCredentials | str:
        if len(args) != 3:
            return "Params Error"
        key, expires, signature = str(args[0]), args[1], str(args[2])
        creds = self.venue.credentials.get(key)
        if creds is None:
            return "Invalid apikey"
        try:
            expires_ms = int(expires)
        except (TypeError, ValueError):
            return "Params Error"
        if expires_ms <= self.venue.now_ms():
            return "Request expired"
        expected = ws_signature(creds.api_secret, expires_ms)
        if not hmac.compare_digest(expected, signature.lower()):
            return "Invalid sign"
        return creds

    def publish(self, events: Sequence[AccountEvent]) -> None:
        """Send the account events of one operation to every subscriber of the account."""
        messages: dict[str, list[tuple[Category | None, Payload]]] = {
            f: [] for f in _PRIVATE_FAMILIES
        }
        account = ""
        now = self.venue.now_ms()
        for ev in events:
            account = ev.account
            if isinstance(ev, OrderEvent):
                listing = self.venue.by_symbol(ev.order.symbol)
                if listing is None:
                    continue
                if ev.kind is OrderEventKind.TRIGGERED:
                    self.venue.triggered.add(ev.order.order_id)
                reason = ev.reason if ev.reason and ev.reason.startswith("EC_") else "EC_NoError"
                row = order_row(listing, ev.order, self.venue, reject_reason=reason)
                row = {"category": listing.category, **row}
                messages["order"].append((listing.category, row))
                if ev.fill is not None:
                    fill = execution_row(listing, ev.fill, ev.order, next(self.venue.seq))
                    messages["execution"].append(
                        (listing.category, {"category": listing.category, **fill})
                    )
            elif isinstance(ev, PositionEvent):
                listing = self.venue.by_symbol(ev.position.symbol)
                if listing is None:
                    continue
                row = position_row(listing, ev.position, next(self.venue.seq), now)
                row.update(category=listing.category, entryPrice=row["avgPrice"])
                messages["position"].append((listing.category, row))
            elif isinstance(ev, BalanceEvent):
                messages["wallet"] = [(None, wallet_account(ev.balances))]
        for conn in list(self._connections):
            if conn.state["account"] != account or conn.closed:
                continue
            for family in _PRIVATE_FAMILIES:
                rows = messages[family]
                if rows:
                    self._deliver(conn, family, rows, now)

    def _deliver(
        self, conn: WsConnection, family: str, rows: list[tuple[Category | None, Payload]], now: int
    ) -> None:
        topics: set[str] = conn.state["topics"]
        for topic in sorted(topics):
            name, _, only = topic.partition(".")
            if name != family:
                continue
            chosen = [row for category, row in rows if not only or category == only]
            if chosen:
                payload = {
                    "id": f"{conn.state['conn_id']}-{next(self._messages)}",
                    "topic": topic,
                    "creationTime": now,
                    "data": chosen,
                }
                _send(conn, payload, topic)


def _private_topic(topic: str) -> bool:
    name, _, category = topic.partition(".")
    return name in _PRIVATE_FAMILIES and category in ("", "spot", "linear", "inverse", "option")
