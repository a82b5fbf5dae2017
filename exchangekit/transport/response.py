"""What a request returns, and how long the transport may wait for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import msgspec

__all__ = ["Headers", "Response", "Timeouts"]

Headers = httpx.Headers
"""Case-insensitive response headers (``headers["x-mbx-used-weight-1m"]``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """A successful response, as the adapter's mapper needs it.

    ``sent_at``/``received_at`` are the injected clock's monotonic seconds around the send
    of the final attempt (after the rate limiter let it go); ``sent_ms``/``received_ms`` are
    the same instants in wall-clock epoch ms, which server-time sync uses.
    """

    status: int
    headers: Headers
    content: bytes
    sent_at: float
    received_at: float
    sent_ms: int
    received_ms: int
    attempts: int = 1
    """How many tries it took, the successful one included."""

    @property
    def elapsed_s(self) -> float:
        """Seconds from send to receipt of the full body."""
        return self.received_at - self.sent_at

    def json(self) -> Any:
        """The body decoded as JSON (untyped; adapters decode into their schemas instead)."""
        return msgspec.json.decode(self.content)


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeouts:
    """Seconds allowed for each phase of a request.

    ``connect``: opening the TCP/TLS connection (failure: not sent). ``write``: sending
    the request. ``read``: waiting between bytes of the response (failure after the
    request was written: outcome unknown for orders). ``pool``: waiting for a free pooled
    connection (failure: not sent).

    The read default is above the 10 s after which Binance itself answers -1007 "timeout,
    execution status unknown", so the exchange's own answer wins the race when there is one.
    """

    connect: float = 5.0
    read: float = 15.0
    write: float = 10.0
    pool: float = 10.0

    def to_httpx(self) -> httpx.Timeout:
        """The equivalent ``httpx.Timeout``."""
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)
