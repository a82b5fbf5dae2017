"""Bybit private stream: ONE authenticated connection per client, fanned out to consumers.

``<root>/v5/private`` (fact sheet §2.1, §2.7): every new connection first authenticates
with ``{"op": "auth", "args": [apiKey, expires, signature]}`` (signature = hex HMAC-SHA256
of ``"GET/realtime" + expires``, :func:`exchangekit_bybit.signing.ws_auth_message`) and
waits for ``{"success": true, "op": "auth"}``; then it subscribes the market's category
topics ``order.<category>``, ``execution.<category>``, ``position.linear`` (linear only)
and the account-wide ``wallet``. The session does both again after every reconnect. A
refused login (bad key or signature) stops the stream with ``AuthenticationError``.

Bybit replays nothing it sent while a connection was down: the session's
``disconnected`` / ``connected`` events (on the client's ``stream_events``) tell a trader
to reconcile over REST.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from exchangekit.errors import AuthenticationError, MappingError
from exchangekit.mapping import decoder
from exchangekit.models import Fill, Order
from exchangekit.ratelimit import Cost
from exchangekit.ws import (
    Control,
    ControlKind,
    EventKind,
    Frame,
    Handshake,
    Routed,
    SessionEvent,
    Subscription,
    SubscriptionStream,
    WsSession,
    WsVenue,
)
from exchangekit.ws.account import AccountFeed, AccountUpdate, unmappable_push
from exchangekit_bybit import mappers as m
from exchangekit_bybit import schemas as s
from exchangekit_bybit import stream_schemas as ws
from exchangekit_bybit.fanout import StreamContext
from exchangekit_bybit.signing import ws_auth_message
from exchangekit_bybit.streams import WS_CONNECTIONS, ping_message, route_control

__all__ = ["PRIVATE_KEY", "PrivateStream", "PrivateUpdate", "private_topics"]

log = logging.getLogger("exchangekit.bybit")

PRIVATE_KEY = "private"
T = TypeVar("T", Order, Fill)
_AUTH_TIMEOUT_S = 10.0
_EXPIRES_AHEAD_MS = 10_000
"""How far in the future the login's ``expires`` lies (Bybit refuses an expired one)."""

_decode_frame = msgspec.json.Decoder(ws.Frame).decode
_TOPIC_DATA: dict[str, tuple[type, Callable[[bytes], Any]]] = {
    "order": (ws.OrderRows, decoder(ws.OrderRows, exchange="bybit")),
    "execution": (ws.ExecutionRows, decoder(ws.ExecutionRows, exchange="bybit")),
    "position": (ws.PositionRows, decoder(ws.PositionRows, exchange="bybit")),
    "wallet": (ws.WalletRows, decoder(ws.WalletRows, exchange="bybit")),
}


def private_topics(category: str) -> list[str]:
    """The topics one client subscribes (per category, never mixed with all-in-one)."""
    topics = [f"order.{category}", f"execution.{category}"]
    if category == "linear":
        topics.append("position.linear")
    return [*topics, "wallet"]


PrivateUpdate = AccountUpdate
"""One private push, mapped once for every consumer (the core's :class:`AccountUpdate`)."""


class PrivateStream(AccountFeed):
    """The account's private events: started on first use, read by any number of consumers."""

    def __init__(self, ctx: StreamContext) -> None:
        self._ctx = ctx
        super().__init__(ctx.exchange, has_positions=ctx.market != "spot")
        self._name = f"{ctx.exchange}-private"
        self._category = ctx.market
        self._ready = asyncio.Event()
        self._session: WsSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._start_lock = asyncio.Lock()
        self._symbols: m.SymbolMap | None = None
        self._requests: dict[str, tuple[str, ...]] = {}
        self._sub_ids = 0

    @property
    def session(self) -> WsSession | None:
        return self._session

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, log in and subscribe (once); return when events flow."""
        async with self._start_lock:
            if self._task is None:
                if self._ctx.credentials is None:
                    raise AuthenticationError(
                        "private streams need api_key and api_secret", exchange=self._ctx.exchange
                    )
                self._symbols = await self._ctx.symbol_map()
                if self._ctx.sync_time is not None:
                    await self._ctx.sync_time()  # the login's expiry is in server time
                self._task = asyncio.get_running_loop().create_task(
                    self._run(), name=f"{self._name}-pump"
                )
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait((ready, self._task), return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self._task.done():
            self._task.result()  # raises what stopped the stream
            raise AuthenticationError("private stream ended", exchange=self._ctx.exchange)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._end_consumers()

    async def _run(self) -> None:
        error: BaseException | None = None
        session = self._session = self._new_session()
        session.start()
        try:
            stream = session.subscribe(Subscription(PRIVATE_KEY))
            await self._pump(stream)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
            raise
        finally:
            self._ready.clear()
            await session.close()
            self._end_consumers(error)

    async def _pump(self, stream: SubscriptionStream) -> None:
        while True:
            try:
                payload = await stream.get()
            except StopAsyncIteration:
                return
            update = self._map(payload)
            if update is not None:
                self._publish(update)

    def _new_session(self) -> WsSession:
        ctx = self._ctx
        venue = WsVenue(
            name=self._name,
            url=ctx.private_url,
            subscribe_message=self._subscribe_frames,
            route=self._route,
            on_connect=self._login,
            ping_message=ping_message(),
            ping_interval_s=ctx.ping_interval_s,
            pong_timeout_s=max(ctx.ping_interval_s / 2, 1.0),
            protocol_ping_interval_s=None,
            protocol_ping_timeout_s=None,
        )
        return WsSession(
            venue,
            clock=ctx.clock,
            limiter=ctx.limiter,
            connect_cost=(Cost(WS_CONNECTIONS, 1),),
            on_event=self._on_session_event,
        )

    def _on_session_event(self, event: SessionEvent) -> None:
        if event.kind is EventKind.DISCONNECTED:
            self._ready.clear()
        self._ctx.events.publish(self._name, event)

    # -- the wire --------------------------------------------------------------------------------

    async def _login(self, handshake: Handshake) -> None:
        ctx = self._ctx
        assert ctx.credentials is not None
        now = ctx.server_now_ms() if ctx.server_now_ms is not None else ctx.clock.now_ms()
        message = ws_auth_message(
            ctx.credentials.api_key,
            ctx.credentials.api_secret,
            now + _EXPIRES_AHEAD_MS,
            req_id="auth",
        )
        await handshake.send(json.dumps(message))
        while True:
            answer = _decode_frame(await handshake.recv(_AUTH_TIMEOUT_S))
            if answer.op != "auth":
                continue  # a pong or a stray frame before the verdict
            if answer.success:
                return
            # Never echo the request: it carries the key and the signature.
            raise AuthenticationError(
                f"private stream login refused: {answer.ret_msg}", exchange=ctx.exchange
            )

    def _subscribe_frames(self, subscriptions: object) -> list[Frame]:
        self._sub_ids += 1
        req_id = f"private{self._sub_ids}"
        self._requests[req_id] = (PRIVATE_KEY,)
        topics = private_topics(self._category)
        return [json.dumps({"req_id": req_id, "op": "subscribe", "args": topics})]

    def _route(self, raw: Frame) -> Routed | Control | None:
        frame = _decode_frame(raw)
        topic = frame.topic
        if topic is None:
            control = route_control(frame, self._requests)
            if control is not None and control.kind is ControlKind.ACK:
                self._ready.set()
            return control
        family = topic.split(".", 1)[0]
        found = _TOPIC_DATA.get(family)
        if found is None:
            return None
        schema, decode = found
        data = bytes(frame.data)
        if self._ctx.observe is not None:
            self._ctx.observe(f"ws {family}", schema, data)
        try:
            rows = decode(data)
        except MappingError as exc:
            self._lost(f"{family} message", exc)
            return None
        # Each private message has its own id; a replay (rotation, duplicate) repeats it.
        dedupe = frame.id if frame.id else hash(data)
        return Routed(PRIVATE_KEY, (family, rows), (family, dedupe))

    def _map(self, payload: object) -> PrivateUpdate | None:
        symbols = self._symbols
        if symbols is None or not isinstance(payload, tuple):
            return None
        family, rows = payload
        try:
            return self._map_rows(family, rows, symbols)
        except Exception as exc:  # schema drift in one message must not end the stream
            self._lost(f"{family} message", exc)
        return None

    def _lost(self, what: str, exc: Exception) -> None:
        """A push that could not be mapped: logged, and a ``gap`` for the consumers."""
        log.warning("%s: %s could not be mapped: %r", self._name, what, exc)
        event = unmappable_push(what, exc, at_ms=self._ctx.clock.now_ms(), key=PRIVATE_KEY)
        self._ctx.events.publish(self._name, event)

    def _restore(self, item: T) -> T:
        """The caller's own client order id where this client sent it encoded."""
        encoded = getattr(item, "client_order_id", None)
        original = self._ctx.original_ids.get(encoded) if encoded else None
        return msgspec.structs.replace(item, client_order_id=original) if original else item

    def _mine(self, row: Any) -> bool:
        return not row.category or row.category == self._category

    def _map_rows(self, family: str, rows: Any, symbols: m.SymbolMap) -> PrivateUpdate:
        if family == "order":
            orders = (self._restore(m.order(r, symbols)) for r in rows if self._mine(r))
            return PrivateUpdate(orders=tuple(orders))
        if family == "execution":
            chosen = [r for r in rows if self._mine(r) and r.execType in m.TRADE_EXEC_TYPES]
            return PrivateUpdate(fills=tuple(self._restore(m.fill(r, symbols)) for r in chosen))
        if family == "position":
            positions = []
            for row in rows:
                if not self._mine(row):
                    continue
                if not row.avgPrice and row.entryPrice:
                    row = msgspec.structs.replace(row, avgPrice=row.entryPrice)
                positions.append(m.position(row, symbols))
            return PrivateUpdate(positions=tuple(positions))
        wallet = s.WalletBalance(list=list(rows))
        return PrivateUpdate(balances=tuple(m.balances(wallet, include_zero=True)))
