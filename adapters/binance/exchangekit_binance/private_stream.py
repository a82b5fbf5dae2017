"""Binance user data: ONE private connection per client, fanned out to every consumer.

Spot (listen keys were retired in 2026): the WebSocket API at ``<ws_api_url>``. Each
connection subscribes with ``userDataStream.subscribe.signature`` (params ``apiKey``,
``timestamp``, ``signature``, signed with the WebSocket-API rule), so a reconnect or a
rotation subscribes again by itself. Events arrive wrapped as
``{"subscriptionId": N, "event": {...}}``; ``eventStreamTerminated`` ends the subscription,
and the client subscribes again on the same connection (BSD web-socket-api.md).

USDⓈ-M futures: a listen key from ``POST /fapi/v1/listenKey`` (which returns the live key,
extended, or a new one), kept alive with ``PUT`` every ``keepalive_s`` (Binance: within
60 min), read at ``<root>/private/ws?listenKey=<key>&events=...``. Every connection asks
for the key afresh, so a reconnect after an expiry gets a new one; ``listenKeyExpired``, or
a keepalive answered "listen key does not exist", restarts the stream on a new key.

Binance replays nothing it sent while a connection was down: each such moment is reported
as a ``gap`` event on the client's :meth:`~exchangekit_binance.client.BinanceClient.
stream_events`, so a trader reconciles over REST.

An event that does not decode or map (Binance added an order type, a status...) is never
dropped silently either: it is reported as a ``gap`` naming the event and the field, and
what can be read without guessing is still delivered (an order event's fill, its order with
status ``unknown``; see :mod:`~exchangekit_binance.mappers.salvage`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Callable
from typing import Any

import msgspec

from exchangekit.errors import AuthenticationError, MappingError
from exchangekit.mapping import mapping_error
from exchangekit.ratelimit import Cost
from exchangekit.ws import (
    Control,
    ControlKind,
    EventKind,
    Frame,
    Routed,
    SessionEvent,
    Subscription,
    SubscriptionStream,
    WsSession,
    WsVenue,
)
from exchangekit.ws.account import AccountFeed, AccountUpdate
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s
from exchangekit_binance.fanout import StreamContext, close_session
from exchangekit_binance.signing import ws_signature
from exchangekit_binance.streams import WS_CONNECTIONS, message_pool

__all__ = ["USER_KEY", "UserStream", "UserUpdate"]

log = logging.getLogger("exchangekit.binance")

USER_KEY = "user-data"
# ALGO_UPDATE: conditional orders live in the Algo Service until triggered (BFD "Event:
# Algo Order Update"); without it stream_orders would never show them.
_FUTURES_EVENTS = "ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/ALGO_UPDATE"
# Refusals no resubscription can fix: bad key, signature or permissions.
_AUTH_CODES = frozenset({-1002, -1022, -2014, -2015})
_ALREADY_SUBSCRIBED = -2035
_RETRY_S = 2.0


UserUpdate = AccountUpdate
"""One private push, mapped once for every consumer (the core's :class:`AccountUpdate`)."""


class _ApiFrame(msgspec.Struct, gc=False):
    """A WebSocket API answer, or a user-data event pushed on the subscription."""

    subscriptionId: int | None = None
    event: msgspec.Raw = msgspec.Raw()
    id: int | str | None = None
    status: int | None = None
    error: s.ErrorBody | None = None


_decode_api = msgspec.json.Decoder(_ApiFrame).decode
_decode_header = msgspec.json.Decoder(s.EventHeader).decode
_SPOT_EVENTS: dict[str, type] = {
    "executionReport": s.ExecutionReport,
    "outboundAccountPosition": s.OutboundAccountPosition,
}
_USDM_EVENTS: dict[str, type] = {
    "ORDER_TRADE_UPDATE": s.OrderTradeUpdateEvent,
    "ACCOUNT_UPDATE": s.UsdmAccountUpdateEvent,
    "ALGO_UPDATE": s.AlgoUpdateEvent,
}


class _Unreadable(msgspec.Struct, frozen=True, gc=False):
    """A user event whose bytes did not decode into its schema, passed on to be reported
    (and salvaged) by the pump, once, after the rotation dedupe."""

    name: str
    data: bytes
    error: MappingError


class UserStream(AccountFeed):
    """The account's private events: started on first use, read by any number of consumers."""

    def __init__(self, ctx: StreamContext) -> None:
        self._ctx = ctx
        super().__init__(ctx.exchange, has_positions=ctx.market != "spot")
        self._spot = ctx.market == "spot"
        self._name = f"{ctx.exchange}-user"
        events = _SPOT_EVENTS if self._spot else _USDM_EVENTS
        self._decoders: dict[str, Callable[[bytes], Any]] = {
            name: msgspec.json.Decoder(t).decode for name, t in events.items()
        }
        self._schemas = events
        self._names = {schema: name for name, schema in events.items()}
        self._ids = itertools.count(1)
        self._ready = asyncio.Event()
        self._restart_requested = False
        self._stream: SubscriptionStream | None = None
        self._session: WsSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._start_lock = asyncio.Lock()
        self._symbols: m.SymbolMap | None = None
        self.restarts = 0
        """Times the stream was started over on a new listen key (futures)."""

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect and subscribe (once); return when events flow."""
        async with self._start_lock:
            if self._task is None:
                if self._ctx.credentials is None:
                    raise AuthenticationError(
                        "private streams need api_key and api_secret", exchange=self._ctx.exchange
                    )
                self._symbols = await self._ctx.symbol_map()  # events name symbols
                if self._ctx.sync_time is not None:
                    await self._ctx.sync_time()
                self._task = asyncio.get_running_loop().create_task(
                    self._run(), name=f"{self._name}-pump"
                )
                if not self._spot:
                    self._keepalive = asyncio.get_running_loop().create_task(
                        self._keep_alive(), name=f"{self._name}-keepalive"
                    )
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait((ready, self._task), return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self._task.done():
            self._task.result()  # raises what stopped the stream
            raise AuthenticationError("user data stream ended", exchange=self._ctx.exchange)

    async def close(self) -> None:
        for task in (self._keepalive, self._task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._end_consumers()

    async def _run(self) -> None:
        """Read the subscription into the consumers; start over when asked to."""
        error: BaseException | None = None
        try:
            while True:
                self._restart_requested = False
                session = self._session = self._new_session()
                session.start()
                try:
                    self._stream = session.subscribe(Subscription(USER_KEY))
                    await self._pump(self._stream)
                finally:
                    self._stream = None
                    self._ready.clear()
                    await close_session(session)
                if not self._restart_requested:
                    return
                self.restarts += 1
                self._ctx.events.publish(self._name, self._event(EventKind.GAP, "restarted"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
            raise
        finally:
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

    def _start_over(self) -> None:
        """End this session's subscription; the pump opens a new session (new listen key)."""
        self._restart_requested = True
        if self._stream is not None:
            self._stream.close()

    def _event(self, kind: EventKind, detail: str) -> SessionEvent:
        return SessionEvent(kind=kind, at_ms=self._ctx.clock.now_ms(), key=USER_KEY, detail=detail)

    def _new_session(self) -> WsSession:
        ctx = self._ctx
        lifetime = ctx.lifetime_s
        venue = WsVenue(
            name=self._name,
            url=ctx.ws_api_url if self._spot else None,
            url_factory=None if self._spot else self._private_url,
            subscribe_message=self._subscribe_frames,
            route=self._route_api if self._spot else self._route_private,
            protocol_ping_interval_s=None,
            protocol_ping_timeout_s=None,
            max_lifetime_s=lifetime,
            rotate_before_s=min(300.0, lifetime * 0.2),
        )
        return WsSession(
            venue,
            clock=ctx.clock,
            limiter=ctx.limiter,
            connect_cost=(Cost(WS_CONNECTIONS, 1),),
            message_cost=(Cost(message_pool(self._name, ctx.market), 1),),
            on_event=self._on_session_event,
        )

    def _on_session_event(self, event: SessionEvent) -> None:
        if event.kind is EventKind.CONNECTED and not self._spot:
            self._ready.set()  # the listen key in the URL is the subscription
        elif event.kind is EventKind.DISCONNECTED:
            self._ready.clear()
        self._ctx.events.publish(self._name, event)

    # -- spot: the WebSocket API -----------------------------------------------------------------

    def _subscribe_frames(self, subscriptions: object) -> list[Frame]:
        if not self._spot:
            return []  # futures: the listen key in the URL is the subscription
        ctx = self._ctx
        assert ctx.credentials is not None and ctx.server_now_ms is not None
        params: dict[str, object] = {
            "apiKey": ctx.credentials.api_key,
            "timestamp": ctx.server_now_ms(),
        }
        params["signature"] = ws_signature(ctx.credentials.api_secret, params)
        request = {"id": next(self._ids), "method": "userDataStream.subscribe.signature"}
        return [json.dumps({**request, "params": params})]

    def _route_api(self, raw: Frame) -> Routed | Control | None:
        frame = _decode_api(raw)
        if frame.subscriptionId is not None and frame.event:
            return self._route_event(frame.event)
        if frame.id is None:
            return None
        code = frame.error.code if frame.error is not None else None
        if frame.status == 200 or code == _ALREADY_SUBSCRIBED:
            self._ready.set()
            return Control(ControlKind.ACK, USER_KEY)
        detail = f"code {code}: {frame.error.msg if frame.error else frame.status}"
        if code in _AUTH_CODES:
            return Control(ControlKind.REJECTED, USER_KEY, detail)
        # -1021 (clock), a rate limit, a busy server: learn the time again, then retry.
        self._ctx.spawn(self._subscribe_again(_RETRY_S))
        return Control(ControlKind.ERROR, USER_KEY, f"subscribe failed, retrying: {detail}")

    async def _subscribe_again(self, delay_s: float) -> None:
        await self._ctx.clock.sleep(delay_s)
        if self._ctx.sync_time is not None:
            await self._ctx.sync_time()
        session = self._session
        if session is not None and USER_KEY in session.subscriptions:
            session.resubscribe(USER_KEY)

    # -- futures: the listen key -------------------------------------------------------------

    async def _private_url(self) -> str:
        assert self._ctx.listen_key is not None
        key = await self._ctx.listen_key()
        return f"{self._ctx.stream_root}/private/ws?listenKey={key}&events={_FUTURES_EVENTS}"

    def _route_private(self, raw: Frame) -> Routed | Control | None:
        return self._route_event(raw.encode() if isinstance(raw, str) else raw)

    async def _keep_alive(self) -> None:
        assert self._ctx.keep_alive is not None
        while True:
            await self._ctx.clock.sleep(self._ctx.keepalive_s)
            try:
                await self._ctx.keep_alive()
            except AuthenticationError as exc:  # -1125: the key is gone; start over
                log.warning("%s: listen key keepalive refused (%s): restarting", self._name, exc)
                self._start_over()
            except Exception as exc:
                log.warning("%s: listen key keepalive failed: %r", self._name, exc)

    # -- events --------------------------------------------------------------------------------

    def _route_event(self, raw: Any) -> Routed | None:
        name = _decode_header(raw).e
        if name == "eventStreamTerminated":  # spot: the subscription ended; take it up again
            self._ready.clear()
            self._ctx.events.publish(self._name, self._event(EventKind.GAP, name))
            if self._session is not None:
                self._session.resubscribe(USER_KEY)
            return None
        if name == "listenKeyExpired":  # futures: the key is dead; start over on a new one
            self._start_over()
            return None
        decode = self._decoders.get(name or "")
        if decode is None:
            return None  # events no unified stream carries (balanceUpdate, TRADE_LITE...)
        data = bytes(raw)
        if self._ctx.observe is not None:
            self._ctx.observe(f"ws {name}", self._schemas[name or ""], data)
        try:
            event: object = decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            event = _Unreadable(name or "", data, mapping_error(exc, data, exchange="binance"))
        # Around a rotation both connections deliver each event: same bytes, same key.
        return Routed(USER_KEY, event, hash(data))

    def _map(self, event: object) -> UserUpdate | None:
        symbols = self._symbols
        if symbols is None:
            return None
        if isinstance(event, _Unreadable):
            return self._salvage(event.name, event.data, event.error, symbols)
        try:
            if isinstance(event, s.ExecutionReport | s.OrderTradeUpdateEvent):
                if isinstance(event, s.ExecutionReport):
                    order, fill = m.execution_report(event, symbols)
                else:
                    order, fill = m.order_trade_update(event, symbols)
                return UserUpdate(orders=(order,), fills=(fill,) if fill else ())
            if isinstance(event, s.AlgoUpdateEvent):
                return UserUpdate(orders=(m.algo_update(event, symbols),))
            if isinstance(event, s.OutboundAccountPosition):
                return UserUpdate(balances=tuple(m.account_position_balances(event)))
            if isinstance(event, s.UsdmAccountUpdateEvent):
                return UserUpdate(
                    balances=tuple(m.account_update_balances(event)),
                    positions=tuple(m.account_update_positions(event, symbols)),
                )
        except Exception as exc:  # schema drift in one event must not end the stream
            error = exc if isinstance(exc, MappingError) else MappingError(repr(exc), raw=event)
            name = self._names.get(type(event), type(event).__name__)
            return self._salvage(name, msgspec.json.encode(event), error, symbols)
        return None

    def _salvage(
        self, name: str, data: bytes, error: MappingError, symbols: m.SymbolMap
    ) -> UserUpdate | None:
        """Deliver what an unreadable event still says, and report it as a ``gap`` (never
        silently): the consumer reconciles the rest over REST."""
        got = m.salvage_order_event(name, data, symbols)
        order = got.order if got is not None else None
        fill = got.fill if got is not None else None
        unknown = f" (unknown: {', '.join(got.unknown)})" if got is not None and got.unknown else ""
        kept = [what for what, item in (("fill", fill), ("order", order)) if item is not None]
        detail = (
            f"{name} not mapped at {error.path}{unknown}: {error.message}; "
            f"delivered: {' and '.join(kept) or 'nothing'}; reconcile over REST"
        )
        log.warning("%s: %s; raw %r", self._name, detail, data[:500])
        self._ctx.events.publish(self._name, self._event(EventKind.GAP, detail))
        if order is None and fill is None:
            return None
        return UserUpdate(orders=(order,) if order else (), fills=(fill,) if fill else ())
