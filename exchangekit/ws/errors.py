"""Errors the WebSocket session raises to its consumers (defined in :mod:`exchangekit.errors`)."""

from exchangekit.errors import SessionClosed, SubscriptionRejected

__all__ = ["SessionClosed", "SubscriptionRejected"]
