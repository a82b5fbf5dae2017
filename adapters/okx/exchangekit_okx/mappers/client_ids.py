"""Unified client order ids <-> OKX ``clOrdId`` (reversible where OKX's rule allows)."""

from __future__ import annotations

import hashlib
import re

__all__ = ["encode_client_order_id", "decode_client_order_id"]

# -- client order ids --------------------------------------------------------------------

_VALID_CLIENT_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_UNIFIED_CLIENT_ID = re.compile(r"^[\x21-\x7e]{1,64}$")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_REVERSIBLE = "Z0"
"""Marks a ``clOrdId`` that carries another id reversibly, as base62 of its bytes."""


def _base62(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits)) or "0"


def _unbase62(text: str) -> bytes | None:
    number = 0
    for char in text:
        digit = _BASE62.find(char)
        if digit < 0:
            return None
        number = number * 62 + digit
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def encode_client_order_id(client_order_id: str) -> str:
    """The ``clOrdId`` for a unified client order id, deterministically.

    OKX allows 1-32 letters and digits only (fact sheet §3.4). Ids already in that
    alphabet and length (every id :func:`exchangekit.new_client_order_id` makes) pass
    unchanged, unless they start with the marker ``Z0``. Other ids up to 22 characters (``my-order_1``, a bot's ``xk...-1f``) are
    written reversibly as ``Z0`` + base62 of their bytes, so orders and fills read back
    carry the caller's own id (:func:`decode_client_order_id`). Longer ones become ``ek`` +
    the first 30 hex digits of their SHA-256 (one-way: only a query by the original id,
    which is encoded the same way, finds them).
    """
    if _VALID_CLIENT_ID.match(client_order_id) and not client_order_id.startswith(_REVERSIBLE):
        return client_order_id
    packed = _REVERSIBLE + _base62(client_order_id.encode())
    if len(packed) <= 32:
        return packed
    return "ek" + hashlib.sha256(client_order_id.encode()).hexdigest()[:30]


def decode_client_order_id(cl_ord_id: str) -> str | None:
    """OKX's ``clOrdId`` as the unified id: ``""`` is none; a reversible encoding is
    undone (only when it encodes back to exactly this text); anything else is itself.

    Unambiguous: ids passed through never start with ``Z0`` and hashed ones start ``ek``."""
    if not cl_ord_id:
        return None
    if cl_ord_id.startswith(_REVERSIBLE) and len(cl_ord_id) > len(_REVERSIBLE):
        raw = _unbase62(cl_ord_id[len(_REVERSIBLE) :])
        if raw is not None:
            try:
                text = raw.decode("ascii")
            except UnicodeDecodeError:
                return cl_ord_id
            if _UNIFIED_CLIENT_ID.match(text) and encode_client_order_id(text) == cl_ord_id:
                return text
    return cl_ord_id
