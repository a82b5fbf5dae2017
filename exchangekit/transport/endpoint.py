"""Endpoints as data: an HTTP verb, a path, who may call it and what it costs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from exchangekit.ratelimit.spec import Cost, Priority

__all__ = ["CostFn", "Endpoint", "Security"]

CostFn = Callable[[Mapping[str, Any]], tuple[Cost, ...]]
"""Weights that depend on the request's parameters (Binance depth weight by ``limit``)."""


class Security(StrEnum):
    """Who may call an endpoint, and so what the signer must add."""

    PUBLIC = "public"
    """Anyone; the request is neither keyed nor signed."""
    API_KEY = "api_key"
    """The key is sent, the request is not signed (listen-key endpoints)."""
    SIGNED = "signed"
    """Key and signature (and a timestamp in server time) are added by the signer."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST endpoint, declared once, with its cost beside it."""

    method: str
    path: str
    security: Security = Security.PUBLIC
    cost: tuple[Cost, ...] | CostFn = ()
    priority: Priority = Priority.MARKET_DATA
    doc: str = ""
    retry_safe: bool | None = None
    """Whether resending after an unclear failure can never act twice. Default: GET only."""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def costs(self, params: Mapping[str, Any] | None = None) -> tuple[Cost, ...]:
        """The pools and weights one call with ``params`` charges."""
        if callable(self.cost):
            return self.cost(params or {})
        return self.cost

    @property
    def is_retry_safe(self) -> bool:
        """Whether the transport may resend after an unclear failure (see ``retry_safe``)."""
        if self.retry_safe is not None:
            return self.retry_safe
        return self.method.upper() in ("GET", "HEAD", "OPTIONS")
