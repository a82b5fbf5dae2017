"""Decimal helpers used by the models (not public)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Literal

RoundingMode = Literal["nearest", "down", "up"]

_ROUNDING = {"nearest": ROUND_HALF_EVEN, "down": ROUND_FLOOR, "up": ROUND_CEILING}
ZERO = Decimal(0)
ONE = Decimal(1)


def to_multiple(value: Decimal, step: Decimal, mode: RoundingMode) -> Decimal:
    """Round ``value`` to a whole multiple of ``step``, keeping ``step``'s decimal places."""
    if step <= 0:
        return value
    units = (value / step).to_integral_value(rounding=_ROUNDING[mode])
    result = units * step
    exponent = step.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < 0:
        return result.quantize(Decimal(1).scaleb(exponent))
    return result.quantize(ONE)


def is_multiple(value: Decimal, step: Decimal) -> bool:
    if step <= 0:
        return True
    return (value % step) == 0


def as_decimal(value: object, field: str) -> Decimal:
    """Accept Decimal, int or a numeric string; refuse float (money is never float)."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise TypeError(f"{field} must be a Decimal, got bool")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value)
        except ArithmeticError as exc:
            raise ValueError(f"{field} is not a number: {value!r}") from exc
    elif isinstance(value, float):
        raise TypeError(
            f"{field} must be a Decimal, got float {value!r}; "
            f"pass Decimal({str(value)!r}) to say exactly what you mean"
        )
    else:
        raise TypeError(f"{field} must be a Decimal, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{field} must be finite, got {result}")
    return result
