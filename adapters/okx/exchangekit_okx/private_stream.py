"""OKX private streams: ONE logged-in connection per client, fanned out to every consumer.

On ``/ws/v5/private`` every connection logs in first (``{"op": "login", "args": [{apiKey,
passphrase, timestamp (seconds), sign}]}``, signed ``<ts>GET/users/self/verify``; fact
sheet §3.2) and is answered ``{"event": "login", "code": "0"}`` or an ``error`` event
(60009 login failed, 60005 bad key, 60007 bad sign, 60024 bad passphrase...). Then the
channels ``orders`` (instType SPOT or SWAP), ``account`` and, on swaps, ``positions`` are
subscribed as one subscription. The session logs in and subscribes again after every
reconnect. OKX sends no snapshot on these channels and replays nothing missed while a
connection was down: each reconnect is a ``gap`` to reconcile over REST.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from typing import Any

import msgspec

from exchangekit.errors import AuthenticationError
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
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s
from exchangekit_okx import stream_schemas as w
from exchangekit_okx.fanout import StreamContext, close_session
from exchangekit_okx.signing import ws_login_args
from exchangekit_okx.streams import WS_CONNECTIONS

__all__ = ["USER_KEY", "PrivateStream", "UserUpdate"]

log = logging.getLogger("exchangekit.okx")

USER_KEY = "private"
_LOGIN_TIMEOUT_S = 10.0
# Login refusals no retry can fix: bad key, sign, passphrase, permissions (OKD WS errors).
_AUTH_CODES = frozenset({"60005", "60007", "60009", "60022", "60024", "60032"})
_TIMESTAMP_CODES = frozenset({"60006", "60004"})


UserUpdate = AccountUpdate
"""One private push, mapped once for every consumer (the core's :class:`AccountUpdate`)."""


_decode_frame = msgspec.json.Decoder(w.Frame).decode
_decode_orders = msgspec.json.Decoder(list[w.OrderPush]).decode
_decode_balances = msgspec.json.Decoder(list[s.Balance]).decode
_decode_positions = msgspec.json.Decoder(list[s.Position]).decode
_SCHEMAS: dict[str, Any] = {
    "orders": list[w.OrderPush],
    "account": list[s.Balance],
    "positions": list[s.Position],
}


class PrivateStream(AccountFeed):
    """The account's private events: started on first use, read by any number of consumers."""

    def __init__(self, ctx: StreamContext, *, swap: bool) -> None:
        self._ctx = ctx
        super().__init__(ctx.exchange, has_positions=swap)
        self._swap = swap
        self._name = f"{ctx.exchange}-private"
        self._ids = itertools.count(1)
        self._ready = asyncio.Event()
        self._session: WsSession | None = None
        self._stream: SubscriptionStream | None = None
        self._task: asyncio.Task[None] | None = None
        self._start_lock = asyncio.Lock()
        self._symbols: m.SymbolMap | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, log in and subscribe (once); return when the channels are subscribed."""
        async with self._start_lock:
            if self._task is None:
                if self._ctx.credentials is None:
                    raise AuthenticationError(
                        "private streams need api_key, api_secret and passphrase",
                        exchange=self._ctx.exchange,
                    )
                self._symbols = await self._ctx.symbol_map()
                if self._ctx.sync_time is not None:
                    await self._ctx.sync_time()
                self._task = asyncio.get_running_loop().create_task(
                    self._run(), name=f"{self._name}-pump"
                )
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait((ready, self._task), return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self._task.done():
            self._task.result()
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
            self._stream = session.subscribe(Subscription(USER_KEY))
            while True:
                try:
                    payload = await self._stream.get()
                except StopAsyncIteration:
                    return
                update = self._map(payload)
                if update is not None:
                    self._publish(update)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
            raise
        finally:
            self._ready.clear()
            await close_session(session)
            self._end_consumers(error)

    def _new_session(self) -> WsSession:
        ctx = self._ctx
        venue = WsVenue(
            name=self._name,
            url=ctx.private_url,
            subscribe_message=self._subscribe_frames,
            route=self._route,
            on_connect=self._login,
            ping_message="ping",
            ping_interval_s=ctx.ping_interval_s,
            pong_timeout_s=min(10.0, ctx.ping_interval_s),
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

    # -- the wire ------------------------------------------------------------------------------

    async def _login(self, handshake: Handshake) -> None:
        ctx = self._ctx
        assert ctx.credentials is not None
        now_ms = ctx.server_now_ms() if ctx.server_now_ms is not None else ctx.clock.now_ms()
        args = ws_login_args(ctx.credentials, now_ms // 1000)
        await handshake.send(json.dumps({"op": "login", "args": [args]}))
        while True:
            raw = await handshake.recv(_LOGIN_TIMEOUT_S)
            if raw in ("pong", b"pong"):
                continue
            frame = _decode_frame(raw)
            if frame.event == "login" and frame.code in ("", "0"):
                return
            if frame.event == "error":
                detail = f"OKX login refused: code {frame.code}: {frame.msg}"
                if frame.code in _TIMESTAMP_CODES and ctx.resync_time is not None:
                    await ctx.resync_time()
                    raise ConnectionError(detail)  # a failed attempt: retried with backoff
                if frame.code in _AUTH_CODES:
                    raise AuthenticationError(detail, exchange=ctx.exchange, code=frame.code)
                raise ConnectionError(detail)

    def _subscribe_frames(self, subscriptions: object) -> list[Frame]:
        inst_type = self._ctx.inst_type
        args: list[dict[str, str]] = [
            {"channel": "orders", "instType": inst_type},
            {"channel": "account"},
        ]
        if self._swap:
            args.append({"channel": "positions", "instType": inst_type})
        request = {"id": str(next(self._ids)), "op": "subscribe", "args": args}
        return [json.dumps(request, separators=(",", ":"))]

    def _route(self, raw: Frame) -> Routed | Control | None:
        if raw == "pong":
            return Control(ControlKind.PONG)
        frame = _decode_frame(raw)
        channel = frame.arg.channel if frame.arg is not None else ""
        if frame.event:
            if frame.event == "subscribe":
                if channel == "orders":
                    self._ready.set()
                    return Control(ControlKind.ACK, USER_KEY)
                return None
            if frame.event == "error":
                detail = f"code {frame.code}: {frame.msg}"
                if frame.code in _AUTH_CODES:
                    return Control(ControlKind.REJECTED, USER_KEY, detail)
                return Control(ControlKind.ERROR, USER_KEY, detail)
            if frame.event == "notice" and frame.code == "64008":
                return Control(ControlKind.RECONNECT, None, frame.msg)
            return None
        schema = _SCHEMAS.get(channel)
        if schema is None or not frame.data:
            return None
        data = bytes(frame.data)
        if self._ctx.observe is not None:
            self._ctx.observe(f"ws {channel}", schema, data)
        # Around a rotation both connections deliver each push: same bytes, same key.
        return Routed(USER_KEY, (channel, data), hash((channel, data)))

    def _map(self, payload: Any) -> UserUpdate | None:
        symbols = self._symbols
        if symbols is None:
            return None
        channel, data = payload
        try:
            if channel == "orders":
                # The channel is per instType: a SWAP subscription also carries inverse
                # swaps, which this adapter does not map; their rows are left out.
                rows = [r for r in _decode_orders(data) if symbols.knows_id(r.instId)]
                orders = tuple(w.order_from_push(row, symbols) for row in rows)
                fills = tuple(f for f in (w.fill_from_push(r, symbols) for r in rows) if f)
                return UserUpdate(orders=orders, fills=fills)
            if channel == "account":
                envelope: s.Envelope[s.Balance] = s.Envelope(code="0", data=_decode_balances(data))
                return UserUpdate(balances=tuple(m.balances(envelope, include_zero=True)))
            if channel == "positions":
                rows_p: s.Envelope[s.Position] = s.Envelope(code="0", data=_decode_positions(data))
                positions = m.positions(rows_p, symbols, include_flat=True)
                return UserUpdate(positions=tuple(positions))
        except Exception as exc:  # schema drift in one push must not end the stream
            log.warning("%s: %s push could not be mapped: %r", self._name, channel, exc)
            event = unmappable_push(
                f"{channel} push", exc, at_ms=self._ctx.clock.now_ms(), key=USER_KEY
            )
            self._ctx.events.publish(self._name, event)
        return None
