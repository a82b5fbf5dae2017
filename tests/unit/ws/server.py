"""A small, controllable WebSocket venue on 127.0.0.1 for session tests.

Dialect (JSON text frames unless noted):

- client ``{"op": "subscribe", "args": [topic, ...]}`` -> one ``{"event": "subscribed",
  "arg": topic}`` per topic (or ``{"event": "error", "arg": topic, "msg": ...}`` for a topic
  in :attr:`VenueServer.reject`), then the last :attr:`replay_on_subscribe` messages of the
  topic again, the way some venues replay after a reconnect; with
  :attr:`snapshot_on_subscribe`, first ``{"topic": t, "snapshot": n}``: the state after ``n``.
- client ``{"op": "unsubscribe", "args": [...]}``, ``{"op": "login"}`` -> ``{"event": "login"}``.
- client text ``ping`` -> text ``pong`` while :attr:`answer_pings`.
- server data: ``{"topic": t, "seq": n}``; ``seq`` counts up per topic, and every
  subscribed connection receives the same ``seq`` (like an exchange's broadcast).

Faults: :meth:`drop` (abrupt or clean), :attr:`stalled` (socket open, no data),
:attr:`refuse` (next handshakes answered with HTTP 503), :attr:`max_lifetime_s` (the server
closes connections older than this), :meth:`announce_shutdown`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response


@dataclass
class Peer:
    """One client connection as the server saw it."""

    number: int
    socket: ServerConnection
    opened_at: float = field(default_factory=time.monotonic)
    closed_at: float = float("inf")
    topics: set[str] = field(default_factory=set)
    received: list[str] = field(default_factory=list)
    subscribed_at: dict[str, float] = field(default_factory=dict)
    sent: dict[str, list[int]] = field(default_factory=dict)
    """Live data sent, by topic (replays not included)."""
    open: bool = True


class VenueServer:
    def __init__(self, *, compression: str | None = "deflate") -> None:
        self.compression = compression
        """``"deflate"`` negotiates permessage-deflate (every frame then takes the library's
        path in the client), ``None`` sends plain frames (the client's direct path)."""
        self.peers: list[Peer] = []
        self.history: dict[str, list[int]] = {}
        self.reject: set[str] = set()
        self.replay_on_subscribe = 0
        self.snapshot_on_subscribe = False
        self.stalled = False
        self.answer_pings = True
        self.refuse = 0
        self.refused = 0
        self.max_lifetime_s: float | None = None
        self.max_concurrent = 0
        self._server: Server | None = None
        self._changed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tasks: set[asyncio.Task[None]] = set()
        self._feed: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            ping_interval=None,
            process_request=self._process_request,
            compression=self.compression,
        )

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = next(iter(self._server.sockets)).getsockname()[:2]
        return f"ws://{host}:{port}/ws"

    # -- observation -------------------------------------------------------------------

    @property
    def tasks(self) -> set[asyncio.Task[None]]:
        """Tasks this helper started (feeds, lifetime timers)."""
        return set(self._tasks)

    @property
    def open_peers(self) -> list[Peer]:
        return [peer for peer in self.peers if peer.open]

    def messages(self, op: str) -> list[tuple[int, dict[str, Any]]]:
        """Every JSON request with ``op`` the server received, as (peer number, message)."""
        out = []
        for peer in self.peers:
            for raw in peer.received:
                if raw.startswith("{"):
                    msg = json.loads(raw)
                    if msg.get("op") == op:
                        out.append((peer.number, msg))
        return out

    def subscribes(self, topic: str) -> list[int]:
        """Peer numbers that subscribed to ``topic``, one entry per subscribe."""
        return [n for n, msg in self.messages("subscribe") if topic in msg["args"]]

    async def wait_for(self, predicate: Callable[[], bool], within_s: float = 3.0) -> None:
        """Wait until ``predicate()`` holds; it is checked whenever :meth:`pulse` is called."""
        async with asyncio.timeout(within_s):
            while not predicate():
                await asyncio.shield(self._changed)

    def pulse(self) -> None:
        """Something changed (server state, or a test's own consumer): re-check waiters."""
        changed, self._changed = self._changed, asyncio.get_running_loop().create_future()
        changed.set_result(None)

    # -- control -----------------------------------------------------------------------

    def publish(self, topic: str, count: int = 1) -> list[int]:
        """Send the next ``count`` messages of ``topic`` to every subscribed peer."""
        seqs = self.history.setdefault(topic, [])
        sent = []
        for _ in range(count):
            seq = len(seqs) + 1
            seqs.append(seq)
            sent.append(seq)
            if not self.stalled:
                frame = json.dumps({"topic": topic, "seq": seq})
                for peer in self.open_peers:
                    if topic in peer.topics:
                        peer.sent.setdefault(topic, []).append(seq)
                        broadcast([peer.socket], frame)
        self.pulse()
        return sent

    def start_feed(self, topic: str, interval_s: float) -> None:
        """Publish ``topic`` continuously, one message every ``interval_s``."""

        async def feed() -> None:
            while True:
                self.publish(topic)
                await asyncio.sleep(interval_s)

        self._feed = self._spawn(feed())

    async def stop_feed(self) -> None:
        if self._feed is not None:
            self._feed.cancel()
            await asyncio.wait([self._feed])
            self._feed = None

    async def drop(self, *, abrupt: bool = True) -> None:
        """Cut every open connection: a TCP abort, or a clean close frame."""
        for peer in self.open_peers:
            if abrupt:
                peer.socket.transport.abort()
            else:
                await peer.socket.close(1001, "going away")

    def reset_sequence(self, topic: str) -> None:
        """Start ``topic``'s sequence over at 1, as OKX may after maintenance."""
        self.history[topic] = []

    def send_raw(self, frame: str) -> None:
        """Send ``frame`` as is to every open connection."""
        broadcast([p.socket for p in self.open_peers], frame)

    def announce_shutdown(self) -> None:
        broadcast([p.socket for p in self.open_peers], json.dumps({"event": "shutdown"}))

    # -- internals ---------------------------------------------------------------------

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.refuse > 0:
            self.refuse -= 1
            self.refused += 1
            return connection.respond(503, "busy\n")
        return None

    async def _handle(self, socket: ServerConnection) -> None:
        peer = Peer(len(self.peers) + 1, socket)
        self.peers.append(peer)
        self.max_concurrent = max(self.max_concurrent, len(self.open_peers))
        self.pulse()
        if self.max_lifetime_s is not None:
            self._spawn(self._expire(peer, self.max_lifetime_s))
        try:
            async for raw in socket:
                assert isinstance(raw, str)
                peer.received.append(raw)
                self._answer(peer, raw)
                self.pulse()
        except ConnectionClosed:
            pass
        finally:
            peer.open = False
            peer.closed_at = time.monotonic()
            self.pulse()

    def _answer(self, peer: Peer, raw: str) -> None:
        # Everything is written synchronously, so replays and live data never interleave.
        def send(msg: dict[str, Any] | str) -> None:
            broadcast([peer.socket], msg if isinstance(msg, str) else json.dumps(msg))

        if raw == "ping":
            if self.answer_pings:
                send("pong")
            return
        msg = json.loads(raw)
        op = msg.get("op")
        if op == "login":
            send({"event": "login"})
        elif op == "subscribe":
            for topic in msg["args"]:
                if topic in self.reject:
                    send({"event": "error", "arg": topic, "msg": "unknown topic"})
                    continue
                peer.topics.add(topic)
                peer.subscribed_at.setdefault(topic, time.monotonic())
                send({"event": "subscribed", "arg": topic})
                if self.snapshot_on_subscribe:
                    send({"topic": topic, "snapshot": len(self.history.get(topic, []))})
                if self.replay_on_subscribe and not self.stalled:
                    for seq in self.history.get(topic, [])[-self.replay_on_subscribe :]:
                        send({"topic": topic, "seq": seq})
        elif op == "unsubscribe":
            peer.topics.difference_update(msg["args"])

    async def _expire(self, peer: Peer, after_s: float) -> None:
        await asyncio.sleep(after_s)
        if peer.open:
            await peer.socket.close(1000, "max lifetime")
