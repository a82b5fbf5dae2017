"""Declarative, seedable fault plans for the emulators.

A plan is a list of :class:`FaultRule`. Each rule says what to inject (``kind``), where
(``target``: an HTTP path or stream-name pattern, optionally an HTTP method), and when
(every matching opportunity with ``probability``, or deterministically ``every`` N-th,
after skipping the first ``after``, at most ``times`` times). Each rule draws from its own
random stream derived from the plan's seed, so adding a rule never changes what the others
do, and the same seed always gives the same faults.

Every fault the emulator actually injects is appended to :attr:`FaultPlan.injected`, so a
test can assert on what happened rather than on what was planned::

    plan = FaultPlan([FaultRule(kind=FaultKind.TIMEOUT_AFTER_ACCEPT, target="/api/v3/order",
                                method="POST", times=1)], seed=7)
    ...
    assert plan.count(FaultKind.TIMEOUT_AFTER_ACCEPT) == 1
"""

from __future__ import annotations

import fnmatch
import json
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import msgspec

__all__ = ["FaultKind", "FaultPlan", "FaultRule", "InjectedFault"]


class FaultKind(StrEnum):
    """What can go wrong, on HTTP (``http_*``, timeouts, reset) or on streams (``ws_*``)."""

    LATENCY = "latency"
    """Delay the answer by ``latency_ms`` (+ uniform ``jitter_ms``)."""
    HTTP_429 = "http_429"
    """Refuse with the exchange's rate-limit answer and ``Retry-After: retry_after_s``."""
    HTTP_418 = "http_418"
    """Ban the IP for ``retry_after_s``: every request is refused until it lifts."""
    HTTP_5XX = "http_5xx"
    """Answer ``status`` (default 503) without acting on the request."""
    TIMEOUT_BEFORE_ACCEPT = "timeout_before_accept"
    """Hold the connection ``hang_s`` without acting, then drop it: nothing happened."""
    TIMEOUT_AFTER_ACCEPT = "timeout_after_accept"
    """Act on the request (the order exists), then hold ``hang_s`` and drop: the dangerous one."""
    RESET_MID_RESPONSE = "reset_mid_response"
    """Act on the request, send part of the answer, then reset the connection."""
    WS_DROP = "ws_drop"
    """Close the stream's connection abruptly."""
    WS_STALL = "ws_stall"
    """Stop sending for ``stall_s`` with the socket open (and pings unanswered if it can)."""
    WS_DUPLICATE = "ws_duplicate"
    """Send a message twice."""
    WS_REORDER = "ws_reorder"
    """Hold a message back and send it after the next one."""
    WS_SKIP = "ws_skip"
    """Never send a message (a sequence gap)."""
    SESSION_EXPIRY = "session_expiry"
    """Expire the private stream's session (listen key) now."""
    CLOCK_SKEW = "clock_skew"
    """The exchange's clock runs ``skew_ms`` ahead of (or behind, if negative) the machine's."""


HTTP_KINDS = frozenset(
    {
        FaultKind.LATENCY,
        FaultKind.HTTP_429,
        FaultKind.HTTP_418,
        FaultKind.HTTP_5XX,
        FaultKind.TIMEOUT_BEFORE_ACCEPT,
        FaultKind.TIMEOUT_AFTER_ACCEPT,
        FaultKind.RESET_MID_RESPONSE,
    }
)
WS_KINDS = frozenset(
    {
        FaultKind.WS_DROP,
        FaultKind.WS_STALL,
        FaultKind.WS_DUPLICATE,
        FaultKind.WS_REORDER,
        FaultKind.WS_SKIP,
        FaultKind.SESSION_EXPIRY,
    }
)


class FaultRule(msgspec.Struct, frozen=True, kw_only=True):
    """One kind of fault, where and how often to inject it."""

    kind: FaultKind
    target: str = "*"
    """fnmatch pattern on the HTTP path or the stream name."""
    method: str | None = None
    probability: float = 1.0
    every: int | None = None
    """Inject at every N-th matching opportunity instead of drawing ``probability``."""
    after: int = 0
    """Let the first N matching opportunities pass untouched."""
    times: int | None = None
    """Inject at most this many times."""
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    status: int = 503
    retry_after_s: float = 1.0
    hang_s: float = 15.0
    stall_s: float = 5.0
    skew_ms: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be in [0, 1], got {self.probability}")
        if self.every is not None and self.every < 1:
            raise ValueError("every must be >= 1")


class InjectedFault(msgspec.Struct, frozen=True, kw_only=True):
    """A fault that was actually injected."""

    seq: int
    kind: FaultKind
    target: str
    at_ms: int
    detail: str = ""


class _RuleState:
    __slots__ = ("fired", "rng", "seen")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen = 0
        self.fired = 0


class FaultPlan:
    """A seeded list of fault rules plus the record of what was injected."""

    def __init__(self, rules: Iterable[FaultRule] = (), *, seed: int = 0) -> None:
        self.rules: tuple[FaultRule, ...] = tuple(rules)
        self.seed = seed
        self._state = [
            _RuleState(random.Random(f"{seed}:{i}:{rule.kind.value}"))
            for i, rule in enumerate(self.rules)
        ]
        self.injected: list[InjectedFault] = []

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_dicts(cls, rules: Sequence[Mapping[str, Any]], *, seed: int = 0) -> FaultPlan:
        """Build a plan from plain data (the declarative form used in JSON files)."""
        return cls(msgspec.convert(list(rules), list[FaultRule]), seed=seed)

    @classmethod
    def from_file(cls, path: str | Path) -> FaultPlan:
        """Load ``{"seed": N, "rules": [...]}`` from a JSON file."""
        data = json.loads(Path(path).read_text())
        return cls.from_dicts(data.get("rules", []), seed=int(data.get("seed", 0)))

    @classmethod
    def none(cls) -> FaultPlan:
        return cls(())

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "rules": msgspec.to_builtins(list(self.rules))}

    # -- decisions ------------------------------------------------------------------------

    def http_faults(self, method: str, path: str) -> list[FaultRule]:
        """Rules that fire for this HTTP request (each counts it as an opportunity)."""
        return self._decide(HTTP_KINDS | {FaultKind.CLOCK_SKEW}, path, method)

    def ws_faults(self, stream: str) -> list[FaultRule]:
        """Rules that fire for this outgoing stream message."""
        return self._decide(WS_KINDS, stream, None)

    def clock_skew_ms(self) -> int:
        """The standing clock skew of the emulated exchange (sum of CLOCK_SKEW rules)."""
        return sum(r.skew_ms for r in self.rules if r.kind is FaultKind.CLOCK_SKEW)

    def latency_s(self, rule: FaultRule) -> float:
        """The delay a LATENCY rule imposes this time (drawn from the rule's own stream)."""
        index = self.rules.index(rule)
        jitter = self._state[index].rng.uniform(0, rule.jitter_ms) if rule.jitter_ms else 0.0
        return (rule.latency_ms + jitter) / 1000.0

    def _decide(
        self, kinds: frozenset[FaultKind], target: str, method: str | None
    ) -> list[FaultRule]:
        fired: list[FaultRule] = []
        for rule, state in zip(self.rules, self._state, strict=True):
            if rule.kind not in kinds or rule.kind is FaultKind.CLOCK_SKEW:
                continue
            if (
                rule.method is not None
                and method is not None
                and rule.method.upper() != method.upper()
            ):
                continue
            if not fnmatch.fnmatchcase(target, rule.target):
                continue
            state.seen += 1
            if state.seen <= rule.after:
                continue
            if rule.times is not None and state.fired >= rule.times:
                continue
            if rule.every is not None:
                hit = (state.seen - rule.after) % rule.every == 0
            else:
                hit = rule.probability >= 1.0 or state.rng.random() < rule.probability
            if hit:
                state.fired += 1
                fired.append(rule)
        return fired

    # -- the record -----------------------------------------------------------------------

    def record(
        self, kind: FaultKind, target: str, detail: str = "", *, at_ms: int | None = None
    ) -> None:
        """Note that ``kind`` was injected on ``target`` (called by the emulator)."""
        self.injected.append(
            InjectedFault(
                seq=len(self.injected) + 1,
                kind=kind,
                target=target,
                at_ms=at_ms if at_ms is not None else time.time_ns() // 1_000_000,
                detail=detail,
            )
        )

    def count(self, kind: FaultKind | None = None) -> int:
        """How many faults (of ``kind``) were injected so far."""
        if kind is None:
            return len(self.injected)
        return sum(1 for f in self.injected if f.kind is kind)
