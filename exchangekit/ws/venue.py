"""A venue's WebSocket rules, as data the session reads.

An adapter describes its exchange once, in a :class:`WsVenue`: where to connect, how to
build subscribe messages, how to tell which subscription a frame belongs to, how to ping and
how long a connection may live. It never writes a read loop of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import msgspec

from exchangekit.ws.backoff import Backoff

__all__ = ["Control", "ControlKind", "Frame", "Handshake", "Routed", "Subscription", "WsVenue"]

Frame = str | bytes
"""One WebSocket message as sent or received: text or binary."""


@dataclass(frozen=True, slots=True)
class Subscription:
    """One stream the session keeps subscribed, across reconnects and rotations.

    ``key`` names the stream; it is what :attr:`WsVenue.route` returns for the stream's
    frames (Binance ``btcusdt@depth@100ms``, OKX ``books:BTC-USDT``). ``params`` is whatever
    the venue's ``subscribe_message`` needs to build the request; the session never reads it.
    With ``stale_after_s`` set, silence longer than that raises a ``stale`` event.
    """

    key: str
    params: object = field(default=None, kw_only=True)
    stale_after_s: float | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if self.stale_after_s is not None and self.stale_after_s <= 0:
            raise ValueError(f"subscription {self.key}: stale_after_s must be positive")


class Routed(msgspec.Struct, frozen=True, gc=False):
    """A data frame, decoded once, and the subscription it belongs to.

    ``dedupe_key`` identifies the message within its stream (Binance diff depth ``u``, a
    trade id, event time plus id). Frames whose key was seen recently are dropped, which is
    what removes replays after a reconnect and the overlap of a rotation. ``None`` turns
    suppression off for this frame.

    ``snapshot=True`` marks a frame that starts the stream over (the order-book snapshot
    Bybit and OKX send on every subscribe): the stream forgets its dedupe keys, so the
    deltas that follow are taken even if an earlier connection delivered the same ones,
    and during a rotation the stream moves to the new connection at that frame.
    """

    key: str
    payload: object
    dedupe_key: Hashable | None = None
    snapshot: bool = False


class ControlKind(StrEnum):
    """What a non-data frame means to the session."""

    ACK = "ack"
    """The venue confirmed a subscription (``key``) or everything sent so far (``None``)."""
    PONG = "pong"
    """The answer to :attr:`WsVenue.ping_message`."""
    REJECTED = "rejected"
    """The venue refused subscription ``key``; its consumer gets ``SubscriptionRejected``."""
    ERROR = "error"
    """The venue reported an error that belongs to no subscription; reported as an event."""
    RECONNECT = "reconnect"
    """The venue announced it will close this connection (Binance ``serverShutdown``, OKX
    notice 64008). The session rotates to a fresh connection before it does."""


class Control(msgspec.Struct, frozen=True, gc=False):
    """A control frame: an acknowledgement, a pong, an error or a reconnect notice."""

    kind: ControlKind
    key: str | None = None
    detail: str = ""


class Handshake(Protocol):
    """What :attr:`WsVenue.on_connect` may do on a fresh connection, before subscriptions."""

    async def send(self, frame: Frame) -> None:
        """Send one frame (charged to the session's rate limiter, if any)."""
        ...

    async def recv(self, timeout_s: float) -> Frame:
        """Receive the next frame, or raise ``TimeoutError`` after ``timeout_s`` seconds."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class WsVenue:
    """Everything the session needs to know about one exchange's WebSocket endpoint.

    Exactly one of ``url`` and ``url_factory`` is given; the factory is awaited before
    every connection, for URLs that change (listen keys, signed URLs). Every duration is
    in seconds and configurable, so tests can run the same rules in milliseconds.
    """

    name: str
    subscribe_message: Callable[[Sequence[Subscription]], Sequence[Frame]]
    """Frames that subscribe to these streams. Batch as the venue allows."""
    route: Callable[[Frame], Routed | Control | None]
    """Decode one incoming frame. ``None`` means ignore it. Called once per frame: keep it lean."""
    url: str | None = None
    url_factory: Callable[[], Awaitable[str]] | None = None
    unsubscribe_message: Callable[[Sequence[Subscription]], Sequence[Frame]] | None = None
    on_connect: Callable[[Handshake], Awaitable[None]] | None = None
    """Runs on every new connection before subscriptions are sent: log in here. Raising
    ``AuthenticationError`` stops the session; any other error counts as a failed attempt."""

    ping_message: Frame | None = None
    """An application-level ping (OKX ``"ping"``, Bybit ``{"op":"ping"}``)."""
    ping_interval_s: float | None = None
    pong_timeout_s: float | None = None
    """How long a ping may go unanswered before the connection counts as dead.
    Defaults to ``ping_interval_s``."""
    protocol_ping_interval_s: float | None = 20.0
    """WebSocket ping frames sent by the client; ``None`` turns them off."""
    protocol_ping_timeout_s: float | None = 20.0

    open_timeout_s: float = 10.0
    close_timeout_s: float = 5.0
    max_message_bytes: int | None = 16 * 1024 * 1024
    direct_frames: bool = True
    """Route whole data frames from the transport's callback, past the library's message
    queue (see :mod:`exchangekit.ws.direct`); the same frames, in the same order, several
    microseconds sooner each. ``False`` reads through ``websockets``' ``recv()``."""

    max_lifetime_s: float | None = None
    """The venue closes connections after this long (Binance: 24 h)."""
    rotate_before_s: float = 300.0
    """Open the replacement connection this long before ``max_lifetime_s`` runs out."""
    handover_timeout_s: float = 30.0
    """Longest overlap of old and new connection during a rotation."""

    backoff: Backoff = field(default_factory=Backoff)

    def __post_init__(self) -> None:
        if (self.url is None) == (self.url_factory is None):
            raise ValueError(f"venue {self.name}: give exactly one of url and url_factory")
        if (self.ping_message is None) != (self.ping_interval_s is None):
            raise ValueError(f"venue {self.name}: ping_message and ping_interval_s go together")
        if self.ping_interval_s is not None and self.ping_interval_s <= 0:
            raise ValueError(f"venue {self.name}: ping_interval_s must be positive")
        if self.max_lifetime_s is not None:
            if self.max_lifetime_s <= 0:
                raise ValueError(f"venue {self.name}: max_lifetime_s must be positive")
            if not 0 < self.rotate_before_s < self.max_lifetime_s:
                raise ValueError(
                    f"venue {self.name}: rotate_before_s must be in (0, max_lifetime_s)"
                )
        if self.handover_timeout_s <= 0:
            raise ValueError(f"venue {self.name}: handover_timeout_s must be positive")

    @property
    def effective_pong_timeout_s(self) -> float | None:
        """How long a text ping may wait for its pong, or ``None`` without text pings."""
        if self.ping_interval_s is None:
            return None
        return self.pong_timeout_s if self.pong_timeout_s is not None else self.ping_interval_s
