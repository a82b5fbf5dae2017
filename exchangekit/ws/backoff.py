"""Reconnect delays: capped exponential backoff with full jitter."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

__all__ = ["Backoff"]

# 2**62 times any sane base is far past any cap; larger exponents only risk float overflow.
_MAX_EXPONENT = 62


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """How long to wait before reconnect attempt ``n`` (0-based).

    The delay is drawn uniformly from ``[0, min(cap_s, base_s * 2**n)]`` ("full jitter"),
    so clients that lost the same server do not come back in lockstep. The session counts
    attempts and starts again from 0 once a connection has stayed up ``stable_after_s``.
    """

    base_s: float = 0.5
    cap_s: float = 30.0
    stable_after_s: float = 60.0

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.cap_s <= 0:
            raise ValueError("backoff base_s and cap_s must be positive")
        if self.stable_after_s < 0:
            raise ValueError("backoff stable_after_s must not be negative")

    def ceiling(self, attempt: int) -> float:
        """The largest delay attempt ``attempt`` may draw."""
        if attempt < 0:
            raise ValueError("attempt must not be negative")
        return min(self.cap_s, math.ldexp(self.base_s, min(attempt, _MAX_EXPONENT)))

    def delay(self, attempt: int, rng: random.Random) -> float:
        """A jittered delay for attempt ``attempt``, in seconds."""
        return rng.uniform(0.0, self.ceiling(attempt))
