"""A bounded memory of recently seen message keys."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

__all__ = ["RecentKeys"]


class RecentKeys:
    """Remembers the last ``capacity`` distinct keys; older ones are forgotten in order.

    ``add`` is O(1) and returns whether the key is new, so the caller can drop repeats.
    """

    __slots__ = ("_capacity", "_order", "_seen")

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self._capacity = capacity
        self._seen: set[Hashable] = set()
        self._order: deque[Hashable] = deque()

    def add(self, key: Hashable) -> bool:
        """Remember ``key``; ``False`` when it was already remembered (a duplicate)."""
        seen = self._seen
        if key in seen:
            return False
        seen.add(key)
        order = self._order
        order.append(key)
        if len(order) > self._capacity:
            seen.discard(order.popleft())
        return True

    def clear(self) -> None:
        """Forget every key."""
        self._seen.clear()
        self._order.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._seen

    def __len__(self) -> int:
        return len(self._order)
