"""DirectConnection: frames split by hand, bytes cut anywhere, against what was sent.

The connection is driven the way asyncio drives it (``connection_made``, then
``data_received`` with whatever chunks the socket returns), without a network, so every
way a frame can be cut across reads is reachable. The session-level tests run over real
sockets with plain frames (this path) and with compressed frames (the library's path).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from websockets.client import ClientProtocol
from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri
from websockets.utils import accept_key

from exchangekit.ws import Subscription, WsSession
from exchangekit.ws.direct import DirectConnection, split_frames
from tests.unit.ws.conftest import make_venue, take
from tests.unit.ws.server import VenueServer


class _Transport(asyncio.Transport):
    """Collects what the client writes (pongs, close frames)."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closed = False

    def write(self, data: Any) -> None:
        self.written += data

    def write_eof(self) -> None:
        pass

    def can_write_eof(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


def _open(max_size: int | None = 2**20) -> tuple[DirectConnection, _Transport, bytes]:
    """A connection that sent its handshake request, and the server's answer to it."""
    protocol = ClientProtocol(parse_uri("ws://venue.test/stream"), max_size=max_size)
    request = protocol.connect()
    protocol.send_request(request)
    conn = DirectConnection(protocol, ping_interval=None, ping_timeout=None)
    transport = _Transport()
    conn.connection_made(transport)
    key = request.headers["Sec-WebSocket-Key"]
    answer = (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
    ).encode()
    transport.written.clear()
    return conn, transport, answer


def _frame(opcode: Opcode, data: bytes, fin: bool = True) -> bytes:
    return Frame(opcode, data, fin).serialize(mask=False, extensions=[])


def _feed(conn: DirectConnection, data: bytes, cuts: list[int]) -> None:
    for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
        if end > start:
            conn.data_received(data[start:end])


def _written_frames(conn: DirectConnection, transport: _Transport) -> list[Frame]:
    """Decode what the client wrote (masked client frames) with a server-side parser."""
    from websockets.server import ServerProtocol

    server = ServerProtocol()
    server.state = State.OPEN
    server.receive_data(bytes(transport.written))
    return [event for event in server.events_received() if isinstance(event, Frame)]


# -- messages: (kind, payload) where kind is "text", "binary", "ping" -------------------------

_message = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=300)),
    st.tuples(st.just("binary"), st.binary(max_size=300)),
    st.tuples(st.just("ping"), st.binary(max_size=20)),
)


def _encode(messages: list[tuple[str, Any]], fragments: list[int]) -> tuple[bytes, list[Any]]:
    """Wire bytes for ``messages`` (some split into fragments with pings between them)
    and the data messages a reader must deliver, in order."""
    wire = bytearray()
    expected: list[Any] = []
    for (kind, payload), pieces in zip(messages, fragments, strict=True):
        if kind == "ping":
            wire += _frame(Opcode.PING, payload)
            continue
        data = payload.encode() if kind == "text" else payload
        expected.append(payload)
        opcode = Opcode.TEXT if kind == "text" else Opcode.BINARY
        if pieces <= 1 or len(data) < 2:
            wire += _frame(opcode, data)
            continue
        step = max(1, len(data) // pieces)
        parts = [data[i : i + step] for i in range(0, len(data), step)]
        for index, part in enumerate(parts):
            first = opcode if index == 0 else Opcode.CONT
            wire += _frame(first, part, fin=index == len(parts) - 1)
            if index == 0:
                wire += _frame(Opcode.PING, b"mid")  # control frames may come between fragments
    return bytes(wire), expected


@settings(max_examples=150, deadline=None)
@given(
    messages=st.lists(_message, max_size=25),
    data=st.data(),
    early=st.booleans(),
)
def test_every_message_arrives_once_in_order_however_the_bytes_are_cut(
    messages: list[tuple[str, Any]], data: st.DataObject, early: bool
) -> None:
    fragments = data.draw(
        st.lists(st.integers(0, 3), min_size=len(messages), max_size=len(messages))
    )

    async def run() -> None:
        conn, transport, answer = _open()
        wire, expected = _encode(messages, fragments)
        stream = answer + wire
        cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
        got: list[Any] = []
        if not early:
            conn.set_receiver(got.append)
        _feed(conn, stream, cuts)
        if early:  # nothing was taken yet: the messages wait, in order, for a receiver
            if expected:
                async with asyncio.timeout(1):
                    got.append(await conn.next_message())
            conn.set_receiver(got.append)
        assert got == expected
        pings = [m for m in messages if m[0] == "ping"]
        mids = sum(1 for m, n in zip(messages, fragments, strict=True) if _fragmented(m, n))
        pongs = [f for f in _written_frames(conn, transport) if f.opcode is Opcode.PONG]
        assert [bytes(f.data) for f in pongs if f.data != b"mid"] == [p for _, p in pings]
        assert sum(1 for f in pongs if f.data == b"mid") == mids + sum(
            1 for _, p in pings if p == b"mid"
        )

    asyncio.run(run())


def _fragmented(message: tuple[str, Any], pieces: int) -> bool:
    kind, payload = message
    size = len(payload.encode() if kind == "text" else payload)
    return kind != "ping" and pieces > 1 and size >= 2


def test_all_three_length_encodings_are_read() -> None:
    async def run() -> None:
        conn, _, answer = _open(max_size=None)
        sizes = [0, 125, 126, 65535, 65536, 200_000]
        payloads = [bytes([i % 251]) * size for i, size in enumerate(sizes)]
        wire = b"".join(_frame(Opcode.BINARY, p) for p in payloads)
        got: list[Any] = []
        conn.set_receiver(got.append)
        rng = random.Random(5)
        stream = answer + wire
        _feed(conn, stream, sorted(rng.sample(range(len(stream)), 40)))
        assert got == payloads

    asyncio.run(run())


def test_split_frames_stops_at_a_masked_or_oversized_frame() -> None:
    plain = _frame(Opcode.TEXT, b"ok")
    masked = Frame(Opcode.TEXT, b"no").serialize(mask=True, extensions=[])
    frames, used, stop = split_frames(plain + masked + plain, limit=None)
    assert [(s, e) for _, s, e in frames] == [(2, 4)] and used == len(plain) and stop
    big = _frame(Opcode.TEXT, b"x" * 300)
    frames, used, stop = split_frames(plain + big, limit=200)
    assert len(frames) == 1 and used == len(plain) and stop
    frames, used, stop = split_frames(plain + big[:3], limit=None)
    assert len(frames) == 1 and used == len(plain) and not stop


def _close_code(conn: DirectConnection, transport: _Transport) -> int | None:
    closes = [f for f in _written_frames(conn, transport) if f.opcode is Opcode.CLOSE]
    return Close.parse(bytes(closes[0].data)).code if closes else None


def test_text_that_is_not_utf8_fails_the_connection_like_the_library_does() -> None:
    async def run() -> None:
        conn, transport, answer = _open()
        got: list[Any] = []
        conn.set_receiver(got.append)
        wire = (
            _frame(Opcode.TEXT, b"fine")
            + _frame(Opcode.TEXT, b"\xff\xfe")
            + _frame(Opcode.TEXT, b"after")
        )
        conn.data_received(answer + wire)
        assert got == ["fine"]
        assert conn.protocol.state is State.CLOSING
        assert _close_code(conn, transport) == CloseCode.INVALID_DATA

    asyncio.run(run())


@pytest.mark.parametrize("fault", ["masked", "too_big"])
def test_a_frame_the_client_must_refuse_fails_the_connection(fault: str) -> None:
    async def run() -> None:
        conn, transport, answer = _open(max_size=1000)
        got: list[Any] = []
        conn.set_receiver(got.append)
        if fault == "masked":
            bad = Frame(Opcode.TEXT, b"masked").serialize(mask=True, extensions=[])
        else:
            bad = _frame(Opcode.TEXT, b"x" * 1001)
        conn.data_received(
            answer + _frame(Opcode.TEXT, b"before") + bad + _frame(Opcode.TEXT, b"z")
        )
        assert got == ["before"]
        expected = CloseCode.PROTOCOL_ERROR if fault == "masked" else CloseCode.MESSAGE_TOO_BIG
        assert _close_code(conn, transport) == expected

    asyncio.run(run())


def test_a_close_from_the_server_is_answered_and_ends_the_short_way() -> None:
    async def run() -> None:
        conn, transport, answer = _open()
        got: list[Any] = []
        conn.set_receiver(got.append)
        close = _frame(Opcode.CLOSE, Close(CloseCode.GOING_AWAY, "bye").serialize())
        conn.data_received(answer + _frame(Opcode.TEXT, b"last") + close)
        assert got == ["last"]
        assert conn.protocol.state is State.CLOSING
        assert _close_code(conn, transport) == CloseCode.GOING_AWAY  # echoed

    asyncio.run(run())


def test_a_truncated_frame_at_eof_is_reported_by_the_library() -> None:
    async def run() -> None:
        conn, _, answer = _open()
        got: list[Any] = []
        conn.set_receiver(got.append)
        conn.data_received(answer + _frame(Opcode.TEXT, b"whole") + _frame(Opcode.TEXT, b"cut")[:3])
        conn.eof_received()
        conn.connection_lost(None)
        assert got == ["whole"]
        assert conn.protocol.state is State.CLOSED
        assert conn.protocol.close_code == CloseCode.ABNORMAL_CLOSURE

    asyncio.run(run())


def test_a_refused_handshake_is_left_to_the_library() -> None:
    async def run() -> None:
        conn, _, _ = _open()
        body = b"busy"
        conn.data_received(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\n" + body)
        assert conn.protocol.handshake_exc is not None
        assert conn.response_rcvd.done()

    asyncio.run(run())


# -- through the session: direct frames on and off, same behaviour ----------------------------


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "library"])
async def test_a_session_reads_and_recovers_the_same_with_or_without_direct_frames(
    direct: bool,
) -> None:
    server = VenueServer(compression=None)
    await server.start()
    try:
        venue = make_venue(server, direct_frames=direct)
        async with WsSession(venue) as session:
            stream = session.subscribe(Subscription("t"))
            await server.wait_for(lambda: len(server.subscribes("t")) >= 1)
            server.publish("t", 3)
            first = await take(stream.get, 3)
            await server.drop(abrupt=True)
            await server.wait_for(lambda: len(server.subscribes("t")) >= 2)
            server.publish("t", 2)
            second = await take(stream.get, 2)
        assert first + second == [1, 2, 3, 4, 5]
    finally:
        await server.stop()
