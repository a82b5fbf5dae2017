"""Exact conversion between decimal strings and scaled integers.

The book keeps a price as an ``int`` count of ``10**-scale`` units (``"67012.34"`` at scale 2
is ``6701234``) and a quantity the same way with its own scale. These helpers are the slow,
general path: the book inlines a fast path for the common case (a string with exactly
``scale`` decimals) and falls back here for everything else. Nothing is ever rounded: a
string with more significant decimals than the scale is reported, so the caller can widen
the scale.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from exchangekit.errors import MappingError

__all__ = [
    "MAX_SCALE",
    "POW10",
    "checked_scale",
    "decimals_needed",
    "decimals_written",
    "format_scaled",
    "scale_of",
    "scale_to_hold",
    "to_scaled",
    "write_at",
]

POW10: tuple[int, ...] = tuple(10**i for i in range(40))
"""``POW10[i] == 10**i`` for the scales a market can have."""

MAX_SCALE = len(POW10) - 1
"""The most decimals a book keeps."""


def _parse(text: str) -> Decimal:
    """A finite, non-negative Decimal from an exchange's level string, or MappingError."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError, ValueError):
        raise MappingError(f"not a decimal number: {text!r}", raw=text) from None
    if not value.is_finite() or value.is_signed():
        raise MappingError(f"book level must be finite and not negative: {text!r}", raw=text)
    return value


def decimals_needed(text: str) -> int:
    """Significant decimal places of ``text`` (``"1.2500"`` needs 2, ``"100"`` needs 0)."""
    value = _parse(text)
    if not value:
        return 0
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    return max(0, -exponent)


def to_scaled(text: str, scale: int) -> int | None:
    """``text * 10**scale`` as an exact ``int``; ``None`` if that needs rounding.

    Raises :class:`MappingError` for anything that is not a finite, non-negative number.
    """
    dot = text.find(".")
    if dot >= 0:
        decimals = len(text) - dot - 1
        digits = text[:dot] + text[dot + 1 :]
        if digits.isascii() and digits.isdigit():  # the common shapes, without a Decimal
            if decimals <= scale:
                return int(digits) * POW10[scale - decimals]
            extra = decimals - scale
            if digits.endswith("0" * extra):
                return int(digits[:-extra] or "0")
            return None
    elif text.isascii() and text.isdigit():
        return int(text) * POW10[scale]
    value = _parse(text)  # exponent notation, signs, spaces: let Decimal decide
    if decimals_needed(text) > scale:
        return None
    return int(value.scaleb(scale))


def scale_of(step: Decimal) -> int:
    """The scale that represents every multiple of ``step`` exactly (``0.001`` gives 3)."""
    if not step.is_finite() or step <= 0:
        raise ValueError(f"step must be a positive finite Decimal, got {step}")
    exponent = step.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    scale = max(0, -exponent)
    if scale > MAX_SCALE:
        raise ValueError(f"step {step} needs more than {MAX_SCALE} decimal places")
    return scale


def format_scaled(value: int, scale: int) -> str:
    """``value * 10**-scale`` written with exactly ``scale`` decimals (``1230, 3`` -> ``"1.230"``)."""
    if scale == 0:
        return str(value)
    sign = "-" if value < 0 else ""
    digits = str(abs(value)).rjust(scale + 1, "0")
    return f"{sign}{digits[:-scale]}.{digits[-scale:]}"


def decimals_written(text: str) -> int:
    """Decimals as written (``"1.2500"`` -> 4); 0 for shapes such as exponent notation."""
    dot = text.find(".")
    if dot < 0 or not text[dot + 1 :].isdigit():
        return 0
    return len(text) - dot - 1


def scale_to_hold(text: str, current: int) -> int:
    """The smallest scale, at least ``current``, that holds ``text`` exactly.

    A plain decimal string gets at least as many decimals as it is written with, so the
    next string of the same shape needs no conversion work. Raises :class:`MappingError`
    for garbage and for values that need more than :data:`MAX_SCALE` decimals.
    """
    scale = max(current, decimals_written(text))
    if scale > MAX_SCALE or to_scaled(text, scale) is None:
        scale = max(current, decimals_needed(text))
        if scale > MAX_SCALE:
            raise MappingError(f"{text!r} has more than {MAX_SCALE} decimals", raw=text)
    return scale


def checked_scale(scale: int) -> int:
    """``scale`` if a book can keep it, else ``ValueError``."""
    if not 0 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between 0 and {MAX_SCALE}, got {scale}")
    return scale


def write_at(value: int, scale: int, decimals: int) -> str:
    """A value held at ``scale`` written with exactly ``decimals`` decimals.

    Raises ``ValueError`` instead of rounding when the value has more decimals than that.
    """
    if decimals >= scale:
        return format_scaled(value * POW10[decimals - scale], decimals)
    whole, rest = divmod(value, POW10[scale - decimals])
    if rest:
        raise ValueError(f"{format_scaled(value, scale)} has more than {decimals} decimals")
    return format_scaled(whole, decimals)
