"""Errors the WebSocket session raises to its consumers."""

from __future__ import annotations

from exchangekit.errors import ExchangeError

__all__ = ["SessionClosed", "SubscriptionRejected"]


class SubscriptionRejected(ExchangeError):
    """The venue refused a subscription (unknown symbol, bad channel, too many streams).

    Raised from the subscription's ``async for``; the session no longer holds it.
    """

    def __init__(
        self, message: str, *, key: str, exchange: str | None = None, code: str | int | None = None
    ) -> None:
        super().__init__(message, exchange=exchange, code=code)
        self.key = key


class SessionClosed(ExchangeError):
    """The session is closed: nothing can be subscribed on it any more."""
