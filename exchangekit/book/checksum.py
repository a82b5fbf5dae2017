"""CRC32 book checksums, each in its exchange's own level formatting.

A checksum hashes the exchange's text, so the exact strings matter: ``"0.5000"`` and
``"0.5"`` hash differently. Two ways to get them back from the book:

- **OKX** hashes the strings as sent, and its feeds do not pad every value to one width
  (its documented example mixes ``"3366"`` and ``"3366.1"``). The book keeps the original
  strings (``LocalBook(keep_text=True)``) and :class:`OkxChecksum` hashes those.
- **Kraken v2** removes the ``"."`` and the leading zeros, so only the digits at the
  instrument's precision matter, and its JSON numbers may lose trailing zeros on the way.
  :class:`KrakenChecksum` writes each scaled integer with exactly the instrument's
  ``price_precision``/``qty_precision`` decimals, whatever the JSON number looked like.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from exchangekit.book.local_book import LocalBook

__all__ = [
    "ChecksumRule",
    "KrakenChecksum",
    "OkxChecksum",
    "kraken_checksum",
    "okx_checksum",
]

StringLevels = Sequence[tuple[str, str]]


def okx_checksum(bids: StringLevels, asks: StringLevels) -> int:
    """OKX's book checksum of the top 25 levels per side, as a signed 32-bit int.

    Legacy definition from the OKX order book channel page (the field is deprecated and
    sent as 0 from 2026-06-23): interleave ``bid1px:bid1sz:ask1px:ask1sz:bid2px...`` over
    the first 25 levels of each side, continuing with the longer side when one runs out;
    join with ``":"``; CRC32 (zlib); compare as signed int32.
    """
    parts: list[str] = []
    for i in range(25):
        if i < len(bids):
            parts.extend(bids[i])
        if i < len(asks):
            parts.extend(asks[i])
    value = zlib.crc32(":".join(parts).encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def _kraken_token(text: str) -> str:
    # Kraken v2 book-checksum page: remove the decimal point, then the leading zeros.
    return text.replace(".", "").lstrip("0")


def kraken_checksum(bids: StringLevels, asks: StringLevels) -> int:
    """Kraken WebSocket v2 book checksum of the top 10 levels, as an unsigned 32-bit int.

    From Kraken's "Book checksum (v2)" guide: for the 10 best asks (lowest first) then the
    10 best bids (highest first), write price then quantity with the ``"."`` removed and
    leading zeros stripped, concatenate everything, CRC32 (zlib). The strings must carry
    the instrument's full precision (``"45281.0"``, not ``"45281"``).
    """
    text = "".join(
        _kraken_token(price) + _kraken_token(quantity)
        for price, quantity in (*asks[:10], *bids[:10])
    )
    return zlib.crc32(text.encode())


@runtime_checkable
class ChecksumRule(Protocol):
    """Verifies a book against the checksum an exchange sent with a message."""

    keep_text: bool
    """True when the book must keep the original level strings for this checksum."""

    def verify(self, book: LocalBook, expected: int) -> bool:
        """True when ``book`` matches ``expected`` (or there is nothing to check)."""
        ...


class OkxChecksum:
    """OKX ``books`` checksum over the original strings; a ``0`` checksum is not checked.

    OKX sends ``checksum: 0`` on every book channel from 2026-06-23 (demo 2026-06-02), so a
    zero means "no checksum" rather than a value to compare.
    """

    keep_text = True

    def verify(self, book: LocalBook, expected: int) -> bool:
        if expected == 0:
            return True
        bids, asks = book.level_strings(25, original=True)
        return okx_checksum(bids, asks) == expected


class KrakenChecksum:
    """Kraken v2 ``book`` checksum, written from the book's integers at the instrument's
    precision.

    Pass the ``price_precision`` and ``qty_precision`` of Kraken's ``instrument`` channel;
    left ``None``, the book's own scales are used (right when the book was built with the
    instrument's precision, since Kraken never writes more decimals than that).
    """

    keep_text = False

    def __init__(
        self, *, price_decimals: int | None = None, quantity_decimals: int | None = None
    ) -> None:
        self.price_decimals = price_decimals
        self.quantity_decimals = quantity_decimals

    def verify(self, book: LocalBook, expected: int) -> bool:
        try:
            bids, asks = book.level_strings(
                10, price_decimals=self.price_decimals, quantity_decimals=self.quantity_decimals
            )
        except ValueError:  # a level finer than the instrument's precision cannot match
            return False
        return kraken_checksum(bids, asks) == expected
