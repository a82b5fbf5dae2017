"""One market's order book: synthetic maker levels plus resting user orders.

Price-time priority: better prices first; at one price, user orders in arrival order, then
the synthetic makers (they re-quote every tick, so any resting user order was there first).
The book also keeps the published (aggregated) view and turns every change into numbered
deltas: each changed level takes one update id, so a delta spans
``[prev_update_id + 1, last_update_id]`` like Binance's ``U``/``u``.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import NamedTuple

from exchangekit.models import PriceLevel, Side
from exchangekit.sim.orders import SimOrder

__all__ = ["BookDelta", "Piece", "SimBook"]

ZERO = Decimal(0)


class Piece(NamedTuple):
    """One planned execution against a maker: a user order, or synthetic (``None``)."""

    price: Decimal
    quantity: Decimal
    maker: SimOrder | None


class BookDelta(NamedTuple):
    """Changed levels since the previous delta, with their update ids."""

    first_update_id: int
    last_update_id: int
    prev_update_id: int
    bids: list[PriceLevel]
    asks: list[PriceLevel]


def _better(side: Side, a: Decimal, b: Decimal) -> bool:
    """True when price ``a`` is at least as good as ``b`` for a maker on ``side``."""
    return a >= b if side is Side.BUY else a <= b


class SimBook:
    """Resting liquidity of one symbol. Sides are maker sides: ``BUY`` holds the bids."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.update_id = 0
        self._synth_prices: dict[Side, deque[Decimal]] = {Side.BUY: deque(), Side.SELL: deque()}
        self._synth_qty: dict[Side, dict[Decimal, Decimal]] = {Side.BUY: {}, Side.SELL: {}}
        self._queues: dict[Side, dict[Decimal, deque[SimOrder]]] = {Side.BUY: {}, Side.SELL: {}}
        self._user_prices: dict[Side, list[Decimal]] = {Side.BUY: [], Side.SELL: []}
        self._user_qty: dict[Side, dict[Decimal, Decimal]] = {Side.BUY: {}, Side.SELL: {}}
        self._counted: dict[str, Decimal] = {}
        self._published: dict[Side, dict[Decimal, Decimal]] = {Side.BUY: {}, Side.SELL: {}}
        self._dirty: dict[Side, set[Decimal]] = {Side.BUY: set(), Side.SELL: set()}

    # -- synthetic makers -----------------------------------------------------------------

    def set_synthetic(self, bids: list[PriceLevel], asks: list[PriceLevel]) -> None:
        """Replace the synthetic levels (best first) with a fresh quote."""
        for side, levels in ((Side.BUY, bids), (Side.SELL, asks)):
            dirty = self._dirty[side]
            dirty.update(self._synth_qty[side])
            self._synth_prices[side] = deque(p for p, _ in levels)
            self._synth_qty[side] = dict(levels)
            dirty.update(self._synth_qty[side])

    def consume_synthetic(self, side: Side, price: Decimal, quantity: Decimal) -> None:
        """Take ``quantity`` from the synthetic level at ``price`` on maker ``side``."""
        levels = self._synth_qty[side]
        left = levels[price] - quantity
        if left > 0:
            levels[price] = left
        else:
            del levels[price]
            prices = self._synth_prices[side]
            if prices and prices[0] == price:
                prices.popleft()
            else:
                prices.remove(price)
        self._dirty[side].add(price)

    def best_synthetic(self, side: Side) -> PriceLevel | None:
        """Best synthetic level on maker ``side``."""
        prices = self._synth_prices[side]
        if not prices:
            return None
        return prices[0], self._synth_qty[side][prices[0]]

    # -- user orders ----------------------------------------------------------------------

    def add(self, order: SimOrder) -> None:
        """Queue a resting limit order behind those already at its price."""
        assert order.price is not None
        side, price = order.side, order.price
        queue = self._queues[side].get(price)
        if queue is None:
            queue = self._queues[side][price] = deque()
            bisect.insort(self._user_prices[side], price)
        queue.append(order)
        quantity = order.remaining
        self._counted[order.order_id] = quantity
        self._user_qty[side][price] = self._user_qty[side].get(price, ZERO) + quantity
        self._dirty[side].add(price)

    def filled(self, order: SimOrder, quantity: Decimal) -> None:
        """A resting order traded ``quantity``; it leaves the book when nothing is left."""
        assert order.price is not None
        self._counted[order.order_id] -= quantity
        self._user_qty[order.side][order.price] -= quantity
        self._dirty[order.side].add(order.price)
        if not self._counted[order.order_id]:
            self.remove(order)

    def remove(self, order: SimOrder) -> None:
        """Take an order off the book (cancelled, expired or fully filled)."""
        counted = self._counted.pop(order.order_id, None)
        if counted is None or order.price is None:
            return
        side, price = order.side, order.price
        queue = self._queues[side][price]
        queue.remove(order)
        left = self._user_qty[side][price] - counted
        if queue:
            self._user_qty[side][price] = left
        else:
            del self._queues[side][price]
            del self._user_qty[side][price]
            prices = self._user_prices[side]
            del prices[bisect.bisect_left(prices, price)]
        self._dirty[side].add(price)

    def contains(self, order: SimOrder) -> bool:
        return order.order_id in self._counted

    def user_orders(self, side: Side) -> Iterator[SimOrder]:
        """Resting user orders of maker ``side`` in priority order (a snapshot)."""
        prices = self._user_prices[side]
        ordered = reversed(prices) if side is Side.BUY else iter(prices)
        return iter([o for price in ordered for o in self._queues[side][price]])

    def best_user(self, side: Side) -> SimOrder | None:
        """First user order in the queue at the best price on maker ``side``."""
        prices = self._user_prices[side]
        if not prices:
            return None
        return self._queues[side][prices[-1] if side is Side.BUY else prices[0]][0]

    # -- reading --------------------------------------------------------------------------

    def best(self, side: Side) -> Decimal | None:
        """Best price on maker ``side``, user or synthetic."""
        prices = self._user_prices[side]
        user = (prices[-1] if side is Side.BUY else prices[0]) if prices else None
        synth = self._synth_prices[side][0] if self._synth_prices[side] else None
        if user is None or synth is None:
            return user if synth is None else synth
        return user if _better(side, user, synth) else synth

    def would_take(self, taker_side: Side, price: Decimal) -> bool:
        """True when a limit order at ``price`` would trade on arrival."""
        best = self.best(taker_side.opposite)
        return best is not None and _better(taker_side, price, best)

    def plan(
        self,
        taker_side: Side,
        quantity: Decimal,
        limit: Decimal | None,
        *,
        account: str | None,
        capacity: Callable[[SimOrder], Decimal],
        synthetic: bool = True,
    ) -> tuple[list[Piece], list[SimOrder]]:
        """Walk the opposite side best first for up to ``quantity`` within ``limit``.

        Returns the planned pieces, and the orders of ``account`` itself that the walk met
        (self-trade prevention expires them). ``capacity`` says how much a maker order can
        trade now (less than its remaining for a reduce-only order). Without ``synthetic``
        only user orders are met.
        """
        side = taker_side.opposite
        pieces: list[Piece] = []
        own: list[SimOrder] = []
        user_prices = self._user_prices[side]
        user_iter = reversed(user_prices) if side is Side.BUY else iter(user_prices)
        user_price = next(user_iter, None)
        synth_prices = self._synth_prices[side] if synthetic else deque()
        synth_qty = self._synth_qty[side]
        si = 0
        need = quantity
        while need > 0:
            synth_price = synth_prices[si] if si < len(synth_prices) else None
            if user_price is not None and (
                synth_price is None or _better(side, user_price, synth_price)
            ):
                price = user_price
                if limit is not None and not _better(taker_side, limit, price):
                    break
                for maker in self._queues[side][price]:
                    if maker.account == account:
                        own.append(maker)
                        continue
                    take = min(capacity(maker), need)
                    if take > 0:
                        pieces.append(Piece(price, take, maker))
                        need -= take
                        if not need:
                            break
                user_price = next(user_iter, None)
            elif synth_price is not None:
                if limit is not None and not _better(taker_side, limit, synth_price):
                    break
                take = min(synth_qty[synth_price], need)
                pieces.append(Piece(synth_price, take, None))
                need -= take
                si += 1
            else:
                break
        return pieces, own

    def snapshot(self, depth: int) -> tuple[list[PriceLevel], list[PriceLevel]]:
        """Published bids and asks, best first, ``depth`` levels each."""
        bids = self._published[Side.BUY]
        asks = self._published[Side.SELL]
        return (
            [(p, bids[p]) for p in sorted(bids, reverse=True)[:depth]],
            [(p, asks[p]) for p in sorted(asks)[:depth]],
        )

    def flush(self) -> BookDelta | None:
        """Publish what changed since the last flush as one numbered delta (or ``None``)."""
        changes: dict[Side, list[PriceLevel]] = {Side.BUY: [], Side.SELL: []}
        for side in (Side.BUY, Side.SELL):
            dirty = self._dirty[side]
            if not dirty:
                continue
            published = self._published[side]
            synth, user = self._synth_qty[side], self._user_qty[side]
            for price in dirty:
                quantity = synth.get(price, ZERO) + user.get(price, ZERO)
                if quantity > 0:
                    if published.get(price) != quantity:
                        published[price] = quantity
                        changes[side].append((price, quantity))
                elif published.pop(price, None) is not None:
                    changes[side].append((price, ZERO))
            dirty.clear()
            changes[side].sort(reverse=side is Side.BUY)
        count = len(changes[Side.BUY]) + len(changes[Side.SELL])
        if not count:
            return None
        prev = self.update_id
        self.update_id += count
        return BookDelta(prev + 1, self.update_id, prev, changes[Side.BUY], changes[Side.SELL])
