"""Client order ids derived from the decision, so a restart re-derives the same ids.

An id is ``<prefix><stream hash>-<sequence>``::

    xk  k3v7q2m9x4ab  -  1fz3k9c
    |   |                 |
    |   |                 sequence in base 36 (exact: the decision's bar or round index)
    |   12 base-32 chars = 60 bits of BLAKE2b over (strategy, symbol, interval, side, leg)
    the bot's prefix (1-4 ASCII letters/digits), so reconciliation can tell its orders apart

It fits ``[A-Za-z0-9_-]{1,32}`` (every venue we target accepts that). Two decisions of the
same stream differ in their sequence, which is written exactly, so they never collide; two
different streams collide only if their 60-bit hashes do (about 1 in 10^18 per pair), and
:func:`check_streams_distinct` refuses a configuration where that happened.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

import msgspec

from exchangekit import Side

__all__ = [
    "CLIENT_ID_PATTERN",
    "OrderKey",
    "check_streams_distinct",
    "client_order_id",
    "is_own_client_order_id",
]

CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_HASH_CHARS = 12
_MAX_SEQUENCE = 36**13 - 1  # 13 base-36 digits keep the id within 32 characters
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class OrderKey(msgspec.Struct, frozen=True, kw_only=True):
    """Everything that identifies one order of one decision.

    ``leg`` tells apart the orders one decision may produce: ``"entry"``, ``"exit"``,
    ``"quote"``, a TWAP slice ``"entry.t3"``, a protective stop attempt ``"stop.2"``.
    """

    strategy: str
    symbol: str
    interval: str
    side: Side
    sequence: int
    leg: str = "entry"

    def stream(self) -> tuple[str, str, str, str, str]:
        return (self.strategy, self.symbol, self.interval, self.side.value, self.leg)


def _base36(value: int) -> str:
    if value == 0:
        return "0"
    out = []
    while value:
        value, digit = divmod(value, 36)
        out.append(_DIGITS[digit])
    return "".join(reversed(out))


def stream_hash(key: OrderKey) -> str:
    """The 12-character hash of the key's stream (everything but the sequence)."""
    # Unit separators keep ("ab", "c") and ("a", "bc") apart.
    material = "\x1f".join(key.stream()).encode()
    digest = hashlib.blake2b(material, digest_size=8, person=b"exchangekit-cid").digest()
    return base64.b32encode(digest).decode().lower()[:_HASH_CHARS]


def client_order_id(key: OrderKey, *, prefix: str = "xk") -> str:
    """The client order id of ``key``: deterministic, 32 characters at most."""
    if not 0 <= key.sequence <= _MAX_SEQUENCE:
        raise ValueError(f"sequence {key.sequence} outside 0..{_MAX_SEQUENCE}")
    if not (1 <= len(prefix) <= 4 and prefix.isascii() and prefix.isalnum()):
        raise ValueError(f"prefix must be 1-4 ASCII letters or digits, got {prefix!r}")
    return f"{prefix}{stream_hash(key)}-{_base36(key.sequence)}"


def is_own_client_order_id(client_order_id: str | None, *, prefix: str = "xk") -> bool:
    """True when ``client_order_id`` has the shape this bot gives its orders."""
    if not client_order_id or not client_order_id.startswith(prefix):
        return False
    rest = client_order_id[len(prefix) :]
    head, sep, tail = rest.partition("-")
    return bool(sep) and len(head) == _HASH_CHARS and bool(tail) and all(c in _DIGITS for c in tail)


def check_streams_distinct(keys: Iterable[OrderKey]) -> None:
    """Raise ``ValueError`` if two different streams share a hash (astronomically rare)."""
    seen: dict[str, tuple[str, ...]] = {}
    for key in keys:
        h, stream = stream_hash(key), key.stream()
        if seen.setdefault(h, stream) != stream:
            raise ValueError(f"client id hash collision between {seen[h]} and {stream}")
