"""One symbol's local order book: integer ticks and lots inside, Decimal at the boundary.

A price is stored as an ``int`` number of ``10**-price_scale`` units and a quantity as an
``int`` number of ``10**-quantity_scale`` lots. Each side is a dict (key -> lots) plus a
sorted list of keys, ordered so that the best level is always the last element: bids keep
the price as the key, asks keep the negated price. Best bid/ask is therefore ``keys[-1]``
(O(1)), top-N is a reversed slice, and an insert near the top of the book moves only the
few keys above it. Most updates touch a level that already exists and cost one dict store.

Level strings are converted without Decimal on the hot path: a price string is looked up in
a per-side cache (price strings repeat all the time around the mid), a quantity string with
exactly ``quantity_scale`` decimals is read with ``int()``. Anything else (fewer decimals,
exponent notation, more decimals than the scale) goes through :mod:`exchangekit.book.scaled`,
which is exact: a string written with more decimals than the current scale widens the scale
of the whole book to its width (an exact multiplication, once), so nothing is ever rounded
and the next string of that shape takes the fast path again.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Sequence
from decimal import Decimal

from exchangekit.book.scaled import (
    MAX_SCALE,
    POW10,
    checked_scale,
    decimals_written,
    scale_of,
    scale_to_hold,
    to_scaled,
    write_at,
)
from exchangekit.errors import BookNotReady, MappingError
from exchangekit.models import Instrument, OrderBook, PriceLevel

__all__ = ["BookNotReady", "Levels", "LocalBook"]

Levels = Sequence[Sequence[str]]
"""Levels as the exchange sends them: ``[["0.0024", "10"], ...]``. Extra items (OKX sends
``[px, sz, "0", numOrders]``) are ignored; a quantity of zero deletes the level."""

_PRICE_CACHE_LIMIT = 8192
"""Price-string cache entries per side before the cache starts over (bounded memory)."""


class _Side:
    """One side of the book. ``keys`` is ascending with the best level last."""

    __slots__ = ("best", "cache", "keys", "levels", "prices", "sign", "text")

    def __init__(self, sign: int, keep_text: bool) -> None:
        self.sign = sign  # +1 for bids (key = price), -1 for asks (key = -price)
        self.levels: dict[int, int] = {}
        self.keys: list[int] = []
        self.cache: dict[str, int] = {}  # price string -> key, for the hot path
        self.prices: dict[int, Decimal] = {}  # key -> Decimal price, for reads
        self.text: dict[int, tuple[str, str]] | None = {} if keep_text else None
        # (key, lots, Decimal level) of the last best level read: repeated reads are cheap.
        self.best: tuple[int, int, PriceLevel] | None = None

    def clear(self) -> None:
        self.levels.clear()
        self.keys.clear()
        if self.text is not None:
            self.text.clear()
        self.best = None


class LocalBook:
    """The local order book of one symbol.

    Feed it with :meth:`apply_snapshot` then :meth:`apply_delta` (absolute quantities, zero
    deletes); read it with :meth:`best_bid`, :meth:`best_ask` and :meth:`top`. Until the first
    snapshot, and after :meth:`invalidate`, every read raises :class:`BookNotReady`.

    ``price_scale`` and ``quantity_scale`` are the number of decimals kept (from the
    instrument's tick and step, see :meth:`for_instrument`); left ``None``, they are taken
    from the longest decimal strings in the first snapshot. Either way a later string written
    with more decimals widens the scale exactly (scales only grow). ``max_depth`` keeps only that many
    levels per side after every update (the worst ones are dropped). ``keep_text`` also keeps
    each level's original strings, for checksums that hash them (OKX).
    """

    __slots__ = (
        "_asks",
        "_bids",
        "_pscale",
        "_qdot",
        "_qscale",
        "_valid",
        "max_depth",
        "received_ms",
        "sequence",
        "symbol",
        "timestamp_ms",
    )

    def __init__(
        self,
        symbol: str,
        *,
        price_scale: int | None = None,
        quantity_scale: int | None = None,
        max_depth: int | None = None,
        keep_text: bool = False,
    ) -> None:
        if max_depth is not None and max_depth < 1:
            raise ValueError(f"max_depth must be at least 1, got {max_depth}")
        self.symbol = symbol
        self.max_depth = max_depth
        self.sequence: int | None = None
        self.timestamp_ms: int | None = None
        self.received_ms: int | None = None
        self._bids = _Side(1, keep_text)
        self._asks = _Side(-1, keep_text)
        self._pscale = -1 if price_scale is None else checked_scale(price_scale)
        self._qscale = -1 if quantity_scale is None else checked_scale(quantity_scale)
        self._qdot = -self._qscale - 1
        self._valid = False

    @classmethod
    def for_instrument(
        cls, instrument: Instrument, *, max_depth: int | None = None, keep_text: bool = False
    ) -> LocalBook:
        """A book whose scales come from the instrument's tick size and step size."""
        return cls(
            instrument.symbol,
            price_scale=scale_of(instrument.tick_size),
            quantity_scale=scale_of(instrument.step_size),
            max_depth=max_depth,
            keep_text=keep_text,
        )

    # -- state ------------------------------------------------------------------------------

    @property
    def is_valid(self) -> bool:
        """True once a snapshot is applied and until the book is invalidated."""
        return self._valid

    @property
    def price_scale(self) -> int:
        """Decimals kept for prices (``-1`` until known)."""
        return self._pscale

    @property
    def quantity_scale(self) -> int:
        """Decimals kept for quantities (``-1`` until known)."""
        return self._qscale

    @property
    def keeps_text(self) -> bool:
        """True when the original level strings are kept (for checksums over them)."""
        return self._bids.text is not None

    def invalidate(self) -> None:
        """Drop every level and refuse reads until the next snapshot."""
        self._valid = False
        self._bids.clear()
        self._asks.clear()
        self.sequence = None

    def __len__(self) -> int:
        return len(self._bids.keys) + len(self._asks.keys)

    def depth(self) -> tuple[int, int]:
        """Number of ``(bid, ask)`` levels held."""
        return len(self._bids.keys), len(self._asks.keys)

    # -- writes -----------------------------------------------------------------------------

    def apply_snapshot(
        self,
        bids: Levels,
        asks: Levels,
        *,
        sequence: int | None = None,
        timestamp_ms: int | None = None,
        received_ms: int | None = None,
    ) -> None:
        """Replace the whole book with a snapshot; the book becomes readable."""
        self.invalidate()
        if self._pscale < 0 or self._qscale < 0:
            self._infer_scales(bids, asks)
        self._apply_side(self._bids, bids)
        self._apply_side(self._asks, asks)
        self._truncate()
        self.sequence = sequence
        self.timestamp_ms = timestamp_ms
        self.received_ms = received_ms
        self._valid = True

    def apply_delta(
        self,
        bids: Levels,
        asks: Levels,
        *,
        sequence: int | None = None,
        timestamp_ms: int | None = None,
        received_ms: int | None = None,
    ) -> None:
        """Apply absolute level updates (quantity zero deletes the level).

        A level that cannot be read raises :class:`MappingError` and invalidates the book.
        """
        if not self._valid:
            raise BookNotReady(f"{self.symbol}: no snapshot applied; cannot apply a delta")
        try:
            if bids:
                self._apply_side(self._bids, bids)
            if asks:
                self._apply_side(self._asks, asks)
        except MappingError:
            self.invalidate()  # half a message is applied: the book is no longer the truth
            raise
        if self.max_depth is not None:
            self._truncate()
        if sequence is not None:
            self.sequence = sequence
        if timestamp_ms is not None:
            self.timestamp_ms = timestamp_ms
        if received_ms is not None:
            self.received_ms = received_ms

    def _apply_side(self, side: _Side, raw: Levels) -> None:
        # The hot loop: keep every attribute in a local.
        levels = side.levels
        keys = side.keys
        cache = side.cache
        text = side.text
        qdot = self._qdot
        qscale = self._qscale
        for level in raw:
            ptext = level[0]
            try:
                key = cache[ptext]
            except KeyError:
                key = self._price_key(side, ptext)
            qtext = level[1]
            try:
                if qtext[qdot] == ".":
                    # Only the first dot goes: a second one makes int() refuse the text.
                    lots = int(qtext.replace(".", "", 1))
                elif not qscale:
                    lots = int(qtext)
                else:
                    raise ValueError
            except (ValueError, IndexError):
                lots = self._lots(qtext)
                qdot = self._qdot
                qscale = self._qscale
            if lots > 0:
                if key not in levels:
                    insort(keys, key)
                levels[key] = lots
                if text is not None:
                    text[key] = (ptext, qtext)
            elif lots == 0:
                if levels.pop(key, None) is not None:
                    del keys[bisect_left(keys, key)]
                    if text is not None:
                        del text[key]
            else:
                raise MappingError(f"{self.symbol}: negative quantity {qtext!r}", raw=level)

    def _price_key(self, side: _Side, ptext: str) -> int:
        scale = scale_to_hold(ptext, self._pscale)
        if scale != self._pscale:
            self._rescale(price_scale=scale)
        price = to_scaled(ptext, scale)
        assert price is not None
        if len(side.cache) >= _PRICE_CACHE_LIMIT:
            side.cache.clear()
        key = price * side.sign
        side.cache[ptext] = key
        return key

    def _lots(self, qtext: str) -> int:
        scale = scale_to_hold(qtext, self._qscale)
        if scale != self._qscale:
            self._rescale(quantity_scale=scale)
        lots = to_scaled(qtext, scale)
        assert lots is not None
        return lots

    def _rescale(
        self, *, price_scale: int | None = None, quantity_scale: int | None = None
    ) -> None:
        """Widen a scale: every stored value is multiplied exactly, in place."""
        factor_p = POW10[price_scale - self._pscale] if price_scale is not None else 1
        factor_q = POW10[quantity_scale - self._qscale] if quantity_scale is not None else 1
        for side in (self._bids, self._asks):
            levels = {k * factor_p: q * factor_q for k, q in side.levels.items()}
            side.levels.clear()
            side.levels.update(levels)
            side.keys[:] = [k * factor_p for k in side.keys]
            side.cache.clear()
            side.prices.clear()
            side.best = None
            if side.text is not None:
                text = {k * factor_p: t for k, t in side.text.items()}
                side.text.clear()
                side.text.update(text)
        if price_scale is not None:
            self._pscale = price_scale
        if quantity_scale is not None:
            self._qscale = quantity_scale
            self._qdot = -quantity_scale - 1

    def _infer_scales(self, bids: Levels, asks: Levels) -> None:
        pscale = qscale = 0
        for raw in (bids, asks):
            for level in raw:
                pscale = max(pscale, decimals_written(level[0]))
                qscale = max(qscale, decimals_written(level[1]))
        if self._pscale < 0:
            self._pscale = min(pscale, MAX_SCALE)
        if self._qscale < 0:
            self._qscale = min(qscale, MAX_SCALE)
            self._qdot = -self._qscale - 1

    def _truncate(self) -> None:
        depth = self.max_depth
        if depth is None:
            return
        for side in (self._bids, self._asks):
            excess = len(side.keys) - depth
            if excess > 0:
                for key in side.keys[:excess]:
                    del side.levels[key]
                    if side.text is not None:
                        del side.text[key]
                del side.keys[:excess]

    # -- reads ------------------------------------------------------------------------------

    def best_bid(self) -> PriceLevel | None:
        """The best bid ``(price, quantity)``, or ``None`` when the side is empty."""
        return self._best(self._bids)

    def best_ask(self) -> PriceLevel | None:
        """The best ask ``(price, quantity)``, or ``None`` when the side is empty."""
        return self._best(self._asks)

    def _best(self, side: _Side) -> PriceLevel | None:
        if not self._valid:
            raise BookNotReady(f"{self.symbol}: order book is not synced")
        keys = side.keys
        if not keys:
            return None
        key = keys[-1]
        lots = side.levels[key]
        cached = side.best
        if cached is not None and cached[0] == key and cached[1] == lots:
            return cached[2]
        level = self._level(side.sign, key, lots)
        side.best = (key, lots, level)
        return level

    def _level(self, sign: int, key: int, lots: int) -> PriceLevel:
        side = self._bids if sign > 0 else self._asks
        return (self._price(side, key), Decimal(lots).scaleb(-self._qscale))

    def _price(self, side: _Side, key: int) -> Decimal:
        # Prices repeat around the mid, so their Decimals are cached like their strings.
        price = side.prices.get(key)
        if price is None:
            if len(side.prices) >= _PRICE_CACHE_LIMIT:
                side.prices.clear()
            price = side.prices[key] = Decimal(key * side.sign).scaleb(-self._pscale)
        return price

    def bids(self, depth: int | None = None) -> list[PriceLevel]:
        """Bid levels, best (highest) first, at most ``depth`` of them."""
        return self._side_levels(self._bids, depth)

    def asks(self, depth: int | None = None) -> list[PriceLevel]:
        """Ask levels, best (lowest) first, at most ``depth`` of them."""
        return self._side_levels(self._asks, depth)

    def _side_levels(self, side: _Side, depth: int | None) -> list[PriceLevel]:
        if not self._valid:
            raise BookNotReady(f"{self.symbol}: order book is not synced")
        keys = side.keys
        chosen = keys[::-1] if depth is None else keys[: -depth - 1 : -1]
        levels = side.levels
        price = self._price
        qexp = -self._qscale
        return [(price(side, key), Decimal(levels[key]).scaleb(qexp)) for key in chosen]

    def top(self, depth: int | None = None) -> OrderBook:
        """The book as an :class:`~exchangekit.models.OrderBook`, ``depth`` levels per side."""
        return OrderBook(
            symbol=self.symbol,
            bids=self._side_levels(self._bids, depth),
            asks=self._side_levels(self._asks, depth),
            sequence=self.sequence,
            timestamp_ms=self.timestamp_ms,
            received_ms=self.received_ms,
        )

    @property
    def is_crossed(self) -> bool:
        """True when the best bid is at or above the best ask (a corrupt book)."""
        bid_keys = self._bids.keys
        ask_keys = self._asks.keys
        return bool(bid_keys and ask_keys and bid_keys[-1] >= -ask_keys[-1])

    def level_strings(
        self,
        depth: int,
        *,
        original: bool = False,
        price_decimals: int | None = None,
        quantity_decimals: int | None = None,
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """Top ``depth`` ``(price, quantity)`` strings per side, best first, for checksums.

        With ``original`` the strings are the ones the exchange sent (needs ``keep_text``).
        Otherwise each value is written with exactly ``price_decimals``/``quantity_decimals``
        decimals (default: the book's scales), which is what a checksum over the
        instrument's precision wants; a value with more decimals than asked for raises
        ``ValueError`` rather than being rounded.
        """
        if not self._valid:
            raise BookNotReady(f"{self.symbol}: order book is not synced")
        if original:
            return self._original(self._bids, depth), self._original(self._asks, depth)
        pdec = self._pscale if price_decimals is None else price_decimals
        qdec = self._qscale if quantity_decimals is None else quantity_decimals
        return self._written(self._bids, depth, pdec, qdec), self._written(
            self._asks, depth, pdec, qdec
        )

    def _original(self, side: _Side, depth: int) -> list[tuple[str, str]]:
        if side.text is None:
            raise ValueError(f"{self.symbol}: original strings need LocalBook(keep_text=True)")
        return [side.text[key] for key in side.keys[: -depth - 1 : -1]]

    def _written(self, side: _Side, depth: int, pdec: int, qdec: int) -> list[tuple[str, str]]:
        levels = side.levels
        return [
            (
                write_at(key * side.sign, self._pscale, pdec),
                write_at(levels[key], self._qscale, qdec),
            )
            for key in side.keys[: -depth - 1 : -1]
        ]

    def __repr__(self) -> str:
        state = "valid" if self._valid else "invalid"
        bids, asks = self.depth()
        return (
            f"LocalBook({self.symbol!r}, {state}, sequence={self.sequence}, "
            f"bids={bids}, asks={asks})"
        )
