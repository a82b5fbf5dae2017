"""Resilient WebSocket sessions: one loop for every venue, the venue's rules as data.

An adapter describes its venue once, as data, and hands it to a :class:`WsSession`::

    import json
    import msgspec
    from exchangekit.ws import Control, ControlKind, Routed, Subscription, WsSession, WsVenue

    class DepthUpdate(msgspec.Struct):         # the wire's own field names
        s: str
        U: int
        u: int
        b: list[tuple[str, str]]
        a: list[tuple[str, str]]

    decode_depth = msgspec.json.Decoder(DepthUpdate).decode    # built once

    def route(raw):                            # one call per frame: keep it lean
        if '"result"' in raw:                  # {"result":null,"id":1} answers a SUBSCRIBE
            return Control(ControlKind.ACK)
        update = decode_depth(raw)
        return Routed(f"{update.s.lower()}@depth@100ms", update, dedupe_key=update.u)

    def request(method):
        return lambda subs: [json.dumps({"method": method, "id": 1,
                                         "params": [s.key for s in subs]})]

    venue = WsVenue(
        name="binance-spot",
        url="wss://stream.binance.com:9443/ws",
        subscribe_message=request("SUBSCRIBE"),
        unsubscribe_message=request("UNSUBSCRIBE"),
        route=route,
        max_lifetime_s=24 * 3600,              # the venue cuts connections after 24 h
    )

    async with WsSession(venue) as session:
        depth = Subscription("btcusdt@depth@100ms", stale_after_s=5.0)
        async for update in session.subscribe(depth):
            ...

The session reconnects with capped, fully jittered backoff, re-sends subscriptions,
watches each subscription for silence, rotates connections before the venue's lifetime
ends without losing or doubling a message, drops replayed duplicates, and reports all of
it as :class:`SessionEvent` through :meth:`WsSession.events`.
"""

from __future__ import annotations

from exchangekit.ws.backoff import Backoff
from exchangekit.ws.errors import SessionClosed, SubscriptionRejected
from exchangekit.ws.events import EventKind, EventStream, SessionEvent
from exchangekit.ws.session import WsSession
from exchangekit.ws.stream import SubscriptionStream
from exchangekit.ws.venue import (
    Control,
    ControlKind,
    Frame,
    Handshake,
    Routed,
    Subscription,
    WsVenue,
)

__all__ = [
    "Backoff",
    "Control",
    "ControlKind",
    "EventKind",
    "EventStream",
    "Frame",
    "Handshake",
    "Routed",
    "SessionClosed",
    "SessionEvent",
    "Subscription",
    "SubscriptionRejected",
    "SubscriptionStream",
    "WsSession",
    "WsVenue",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        try:
            _obj.__module__ = __name__
        except (AttributeError, TypeError):  # pragma: no cover
            pass
del _name, _obj
