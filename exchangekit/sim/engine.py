"""The matching engine: orders meeting the book, fills, and what ends orders.

It assumes requests were validated (see :mod:`exchangekit.sim.validation`) and owns what
happens next: taking liquidity with price-time priority, resting, settling fills,
expiring what can no longer work, and publishing. What the market does by itself (ticks,
crossings, stop triggers) is in :mod:`exchangekit.sim.ticks`; liquidation and funding in
:mod:`exchangekit.sim.risk`. Nothing here reads a clock: time comes with each call.

Rules worth knowing:

- Self-trade prevention: a taker that meets its own account's resting order expires that
  resting order (Binance's ``EXPIRE_MAKER``) and trades on past it.
- A reduce-only order trades at most the position it reduces; when the position is gone
  or flips, its resting reduce-only orders expire.
- Stops trigger when the last trade or the mark price reaches the stop price.
"""

from __future__ import annotations

from decimal import Decimal

from exchangekit.errors import InsufficientFunds, OrderRejected
from exchangekit.models import Fill, OrderRequest, OrderStatus, Side, TimeInForce, Trade
from exchangekit.sim.accounts import AccountState, Ledger
from exchangekit.sim.book import Piece
from exchangekit.sim.bus import EventBus
from exchangekit.sim.events import (
    FillEvent,
    OrderEvent,
    OrderEventKind,
    TradeEvent,
)
from exchangekit.sim.markets import SimMarket
from exchangekit.sim.orders import SimOrder
from exchangekit.sim.publish import publish
from exchangekit.sim.settlement import Settlement, lock_asset

__all__ = ["Engine"]

ZERO = Decimal(0)


class Engine:
    """State and matching of a simulated exchange (the facade is ``SimExchange``)."""

    def __init__(self, *, start_ms: int, funding_interval_ms: int) -> None:
        self.now_ms = start_ms
        self.funding_interval_ms = funding_interval_ms
        self.markets: dict[str, SimMarket] = {}
        self.accounts: dict[str, AccountState] = {}
        self.ledger = Ledger()
        self.settlement = Settlement(self.ledger)
        self.bus = EventBus()
        self._order_ids = 0
        self._priority = 0
        self._touched_positions: dict[tuple[str, str], None] = {}
        self._touched_markets: dict[str, SimMarket] = {}

    # -- ids ------------------------------------------------------------------------------

    def next_order_id(self) -> str:
        self._order_ids += 1
        return str(self._order_ids)

    def next_priority(self) -> int:
        self._priority += 1
        return self._priority

    def touch_market(self, market: SimMarket) -> None:
        """Publish the market's book changes at the next flush."""
        self._touched_markets[market.symbol] = market

    def touch_position(self, account: str, symbol: str) -> None:
        """Publish the position at the next flush (it changed outside a fill)."""
        self._touched_positions[(account, symbol)] = None

    def new_order(self, acct: AccountState, market: SimMarket, request: OrderRequest) -> SimOrder:
        """A fresh order for ``request``, numbered, with its reservation terms fixed now."""
        return SimOrder(
            account=acct.account_id,
            order_id=self.next_order_id(),
            symbol=request.symbol,
            side=request.side,
            type=request.type,
            quantity=request.quantity,
            price=request.price,
            stop_price=request.stop_price,
            time_in_force=request.time_in_force,
            reduce_only=request.reduce_only,
            post_only=request.post_only,
            client_order_id=request.client_order_id,
            created_ms=self.now_ms,
            updated_ms=self.now_ms,
            priority=self.next_priority(),
            lock_asset=lock_asset(market.instrument, request.side),
            lock_rate=acct.lock_rate,
            leverage=acct.leverage_for(request.symbol),
        )

    # -- orders in ------------------------------------------------------------------------

    def submit(self, acct: AccountState, market: SimMarket, order: SimOrder) -> None:
        """Accept a validated order: park it until its trigger, or send it to the book.
        Raises ``InsufficientFunds`` / ``OrderRejected`` before changing anything."""
        if order.is_pending_trigger:
            if not self.settlement.can_hold(order, market.instrument):
                raise InsufficientFunds(
                    f"{order.symbol}: not enough {order.lock_asset} to reserve for the order",
                    client_order_id=order.client_order_id,
                )
            self._register(acct, order)
            self.settlement.hold(order, market.instrument)
            market.stops.append(order)
            self.order_event(order, OrderEventKind.NEW)
            return
        self.enter(acct, market, order, placing=True)

    def enter(
        self, acct: AccountState, market: SimMarket, order: SimOrder, *, placing: bool
    ) -> None:
        """Meet the book: take what is marketable, then rest, or expire the rest."""
        book, inst = market.book, market.instrument
        limit = order.price
        marketable = limit is None or book.would_take(order.side, limit)
        if order.post_only and marketable:
            self._refuse(order, placing, OrderRejected, "post-only order would take liquidity")
            return
        room = self._taker_room(acct, order)
        pieces: list[Piece] = []
        if marketable and room > 0:
            pieces, _ = book.plan(
                order.side, room, limit, account=acct.account_id, capacity=self._capacity
            )
        planned = sum((p.quantity for p in pieces), start=ZERO)
        fok_short = order.time_in_force is TimeInForce.FOK and planned < order.remaining
        rests = self._rests(order) and not fok_short
        rest = order.remaining - planned if rests else ZERO
        fills = [] if fok_short else [(p.price, p.quantity) for p in pieces]
        if not self.settlement.affordable(acct, order, inst, fills, rest=rest):
            self._refuse(order, placing, InsufficientFunds, f"not enough {order.lock_asset}")
            return
        if placing:
            self._register(acct, order)
            self.order_event(order, OrderEventKind.NEW)
        if fok_short:
            self.close_order(
                order, OrderStatus.EXPIRED, "fill-or-kill order could not fill entirely"
            )
            return
        if marketable:
            self.take(market, order.side, limit, order, order.remaining)
        if order.status.is_terminal:
            return
        if not self._rests(order):
            reason = "no more liquidity within the limit"
            if order.reduce_only and self._taker_room(acct, order) <= 0:
                reason = "reduce-only order has no position left to reduce"
            self.close_order(order, OrderStatus.EXPIRED, reason)
        elif order.reduce_only and self._taker_room(acct, order) <= 0:
            self.close_order(
                order, OrderStatus.EXPIRED, "reduce-only order has no position left to reduce"
            )
        elif not self.settlement.can_hold(order, inst):
            self.close_order(order, OrderStatus.EXPIRED, f"not enough {order.lock_asset} to rest")
        else:
            self.settlement.hold(order, inst)
            book.add(order)

    @staticmethod
    def _rests(order: SimOrder) -> bool:
        return order.price is not None and order.time_in_force is TimeInForce.GTC

    def _refuse(self, order: SimOrder, placing: bool, error: type[OrderRejected], why: str) -> None:
        if placing:
            raise error(f"{order.symbol}: {why}", client_order_id=order.client_order_id)
        self.close_order(order, OrderStatus.EXPIRED, why)

    def _register(self, acct: AccountState, order: SimOrder) -> None:
        acct.orders[order.order_id] = order
        acct.open_orders[order.order_id] = order
        if order.client_order_id is not None:
            acct.by_client_id[order.client_order_id] = order

    # -- matching -------------------------------------------------------------------------

    def _capacity(self, maker: SimOrder) -> Decimal:
        """How much a resting order can trade right now."""
        if maker.status.is_terminal:
            return ZERO
        return self._taker_room(self.accounts[maker.account], maker)

    def _taker_room(self, acct: AccountState, order: SimOrder) -> Decimal:
        remaining = order.remaining
        if not order.reduce_only:
            return remaining
        pos = acct.position(order.symbol)
        return min(remaining, pos.reducible_by(Decimal(order.side.sign)))

    def take(
        self,
        market: SimMarket,
        side: Side,
        limit: Decimal | None,
        taker: SimOrder | None,
        budget: Decimal,
        *,
        synthetic: bool = True,
    ) -> Decimal:
        """Trade up to ``budget`` as a taker on ``side`` (a user order, or synthetic flow
        when ``taker`` is None), best price first, re-planning when a maker drops out.
        Without ``synthetic`` it meets user orders only. Returns the quantity traded."""
        taker_acct = self.accounts[taker.account] if taker is not None else None
        traded = ZERO
        while True:
            want = budget - traded
            if taker is not None and taker_acct is not None:
                want = min(want, self._taker_room(taker_acct, taker))
            if want <= 0:
                return traded
            pieces, own = market.book.plan(
                side,
                want,
                limit,
                account=taker.account if taker is not None else None,
                capacity=self._capacity,
                synthetic=synthetic,
            )
            for mine in own:
                self.close_order(mine, OrderStatus.EXPIRED, "self-trade prevention (expire maker)")
            if not pieces:
                return traded
            for piece in pieces:
                got = self.trade(market, side, taker, piece)
                if got is None:
                    return traded
                traded += got
                if got < piece.quantity:
                    break  # a maker dropped out or was clipped: plan the rest again
            else:
                return traded

    def trade(
        self, market: SimMarket, side: Side, taker: SimOrder | None, piece: Piece
    ) -> Decimal | None:
        """Execute one piece; the quantity traded, or ``None`` when the taker cannot pay."""
        price, quantity, maker = piece
        inst = market.instrument
        if maker is not None:
            quantity = min(quantity, self._capacity(maker))
            if quantity <= 0:
                self.close_order(
                    maker, OrderStatus.EXPIRED, "reduce-only order has no position left"
                )
                return ZERO
            maker_acct = self.accounts[maker.account]
            if not self.settlement.can_fill(
                maker_acct, maker, inst, price, quantity, is_maker=True
            ):
                self.close_order(maker, OrderStatus.EXPIRED, "insufficient margin to fill")
                return ZERO
        if taker is not None:
            taker_acct = self.accounts[taker.account]
            quantity = min(quantity, self._taker_room(taker_acct, taker))
            if quantity <= 0:
                return ZERO
            if not self.settlement.affordable(taker_acct, taker, inst, [(price, quantity)]):
                return None
        trade_id = self.print_trade(market, price, quantity, side)
        if maker is not None:
            # Book first: the fill may expire the maker (a reduce-only order that closed
            # its position), which takes it off the book.
            market.book.filled(maker, quantity)
            self._fill(market, maker, price, quantity, trade_id, is_maker=True)
        else:
            market.book.consume_synthetic(side.opposite, price, quantity)
        if taker is not None:
            self._fill(market, taker, price, quantity, trade_id, is_maker=False)
        return quantity

    def print_trade(self, market: SimMarket, price: Decimal, quantity: Decimal, side: Side) -> str:
        """Publish a trade; returns its id."""
        market.trade_count += 1
        trade_id = str(market.trade_count)
        trade = Trade(
            symbol=market.symbol,
            trade_id=trade_id,
            price=price,
            quantity=quantity,
            side=side,
            timestamp_ms=self.now_ms,
        )
        market.trades.append(trade)
        market.last_price = price
        market.note_price(price)
        market.candles.on_trade(self.now_ms, price, quantity)
        if self.bus.wants(TradeEvent, market.symbol):
            self.bus.market_event(
                TradeEvent(timestamp_ms=self.now_ms, symbol=market.symbol, trade=trade)
            )
        return trade_id

    def _fill(
        self,
        market: SimMarket,
        order: SimOrder,
        price: Decimal,
        quantity: Decimal,
        trade_id: str,
        *,
        is_maker: bool,
    ) -> None:
        acct = self.accounts[order.account]
        settled = self.settlement.settle(
            acct, order, market.instrument, price, quantity, is_maker=is_maker
        )
        assert settled is not None, "fills are checked for funds before they are made"
        order.updated_ms = self.now_ms
        if order.filled >= order.quantity:
            order.status = OrderStatus.FILLED
            acct.open_orders.pop(order.order_id, None)
        else:
            order.status = OrderStatus.PARTIALLY_FILLED
        fill = Fill(
            symbol=order.symbol,
            trade_id=trade_id,
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            side=order.side,
            price=price,
            quantity=quantity,
            fee=settled.fee,
            fee_asset=settled.fee_asset,
            is_maker=is_maker,
            timestamp_ms=self.now_ms,
            realized_pnl=settled.realized_pnl,
        )
        acct.fills.append(fill)
        self.bus.account_event(
            FillEvent,
            timestamp_ms=self.now_ms,
            account=order.account,
            fill=fill,
            reduce_only=order.reduce_only,
            position_before=settled.position_before,
            position_after=settled.position_after,
        )
        self.order_event(order, OrderEventKind.TRADE, fill=fill)
        if settled.position_after is not None:
            self.position_changed(acct, market)

    def position_changed(self, acct: AccountState, market: SimMarket) -> None:
        """Publish the position; expire resting reduce-only orders it no longer allows."""
        pos = acct.position(market.symbol)
        self._touched_positions[(acct.account_id, market.symbol)] = None
        if pos.quantity:
            market.holders[acct.account_id] = None
        else:
            market.holders.pop(acct.account_id, None)
        for order in list(acct.open_orders.values()):
            if (
                order.reduce_only
                and order.symbol == market.symbol
                and market.book.contains(order)
                and pos.reducible_by(Decimal(order.side.sign)) <= 0
            ):
                self.close_order(
                    order, OrderStatus.EXPIRED, "reduce-only order has no position left"
                )

    # -- order endings ----------------------------------------------------------------------

    def close_order(self, order: SimOrder, status: OrderStatus, reason: str | None) -> None:
        """Cancel or expire a working order, releasing what it holds (no-op if finished)."""
        if order.status.is_terminal:
            return
        market = self.markets[order.symbol]
        market.book.remove(order)
        if order in market.stops:
            market.stops.remove(order)
        self.settlement.release(order)
        order.status = status
        order.updated_ms = self.now_ms
        self.accounts[order.account].open_orders.pop(order.order_id, None)
        kind = (
            OrderEventKind.CANCELLED if status is OrderStatus.CANCELLED else OrderEventKind.EXPIRED
        )
        self.order_event(order, kind, reason=reason)

    def order_event(
        self,
        order: SimOrder,
        kind: OrderEventKind,
        *,
        fill: Fill | None = None,
        reason: str | None = None,
    ) -> None:
        """Record and queue an order event with the order as it is now."""
        self.touch_market(self.markets[order.symbol])
        self.bus.account_event(
            OrderEvent,
            timestamp_ms=self.now_ms,
            account=order.account,
            kind=kind,
            order=order.snapshot(),
            fill=fill,
            reason=reason,
        )

    # -- publishing -----------------------------------------------------------------------

    def flush(self) -> None:
        """Publish book deltas, balance and position changes, then deliver events."""
        publish(self, list(self._touched_markets.values()), list(self._touched_positions))
        self._touched_markets.clear()
        self._touched_positions.clear()
        self.bus.dispatch()
