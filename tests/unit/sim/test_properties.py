"""Properties over arbitrary sessions: conservation, limits, reduce-only, priority, ids."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from exchangekit import (
    DuplicateClientOrderId,
    ExchangeError,
    MarketKind,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
)
from exchangekit.sim import FillEvent, SimExchange
from tests.unit.sim.conftest import PERP, SPOT, check_ground_truth, fed_sim, order, walk_sim

D = Decimal
TICK = D("0.1")
STEP = D("0.01")

order_types = st.sampled_from(list(OrderType))
tifs = st.sampled_from([TimeInForce.GTC, TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK])


class SimSession(RuleBasedStateMachine):
    """Two accounts trade spot and a perpetual on a lively random walk, with fees, funding,
    stops, reduce-only orders, leverage changes and reused client order ids."""

    client_ids = Bundle("client_ids")

    def __init__(self) -> None:
        super().__init__()
        self.sim: SimExchange = walk_sim(0)
        self.accounts: list[str] = []
        self.counter = 0

    @initialize(
        seed=st.integers(0, 2**16),
        maker=st.sampled_from(["0", "0.0002", "-0.0001"]),
        taker=st.sampled_from(["0", "0.0005", "0.001"]),
    )
    def setup(self, seed: int, maker: str, taker: str) -> None:
        self.sim = walk_sim(seed, funding_interval_ms=30_000)
        self.accounts = [
            self.sim.create_account(
                name,
                balances={"USDT": 5000, "BTC": 20},
                maker_fee=maker,
                taker_fee=taker,
                leverage=lev,
            )
            for name, lev in (("a", 5), ("b", 50))
        ]

    @rule(
        target=client_ids,
        who=st.integers(0, 1),
        symbol=st.sampled_from([SPOT, PERP]),
        side=st.sampled_from(list(Side)),
        otype=order_types,
        steps=st.integers(1, 400),
        offset=st.integers(-8, 8),
        stop_offset=st.integers(1, 20),
        tif=tifs,
        post_only=st.booleans(),
        reduce_only=st.booleans(),
    )
    def place(
        self,
        who: int,
        symbol: str,
        side: Side,
        otype: OrderType,
        steps: int,
        offset: int,
        stop_offset: int,
        tif: TimeInForce,
        post_only: bool,
        reduce_only: bool,
    ) -> str:
        self.counter += 1
        cid = f"c{self.counter}"
        request = self._request(
            symbol, side, otype, steps, offset, stop_offset, tif, post_only, reduce_only, cid
        )
        if request is not None:
            try:
                placed = self.sim.place_order(self.accounts[who], request)
                assert placed.client_order_id == cid
            except ExchangeError:
                pass
        return f"{who}:{cid}"

    def _request(
        self,
        symbol: str,
        side: Side,
        otype: OrderType,
        steps: int,
        offset: int,
        stop_offset: int,
        tif: TimeInForce,
        post_only: bool,
        reduce_only: bool,
        cid: str,
    ) -> OrderRequest | None:
        mark = self.sim.mark_price(symbol)
        assert mark is not None
        price = stop = None
        if otype.has_limit_price:
            price = max(mark + offset * TICK, TICK)
        else:
            post_only = False
        if otype.is_conditional:
            rising = (side is Side.BUY) == (otype in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT))
            stop = mark + stop_offset * TICK if rising else max(mark - stop_offset * TICK, TICK)
        if not otype.has_limit_price or post_only:
            tif = TimeInForce.GTC if post_only else TimeInForce.IOC
        spot = self.sim.instruments[symbol].kind is MarketKind.SPOT
        return OrderRequest(
            symbol=symbol,
            side=side,
            type=otype,
            quantity=steps * STEP,
            price=price,
            stop_price=stop,
            time_in_force=tif if otype.has_limit_price else None,
            post_only=post_only,
            reduce_only=reduce_only and not spot,
            client_order_id=cid,
        )

    @rule(used=client_ids, symbol=st.sampled_from([SPOT, PERP]))
    def reuse_client_order_id(self, used: str, symbol: str) -> None:
        who, cid = used.split(":")
        account = self.accounts[int(who)]
        known = cid in {e.order.client_order_id for e in self._orders(account)}
        before = len(self.sim.open_orders(account))
        error: ExchangeError | None = None
        try:
            self.sim.place_order(
                account, order("buy", "0.1", "1", symbol=symbol, client_order_id=cid)
            )
        except ExchangeError as exc:
            error = exc
        if known:
            assert isinstance(error, DuplicateClientOrderId), "a used id was accepted again"
            assert error.client_order_id == cid
        else:
            assert not isinstance(error, DuplicateClientOrderId)
        assert len(self.sim.open_orders(account)) <= before + (0 if known else 1)

    def _orders(self, account: str) -> list:  # type: ignore[type-arg]
        from exchangekit.sim import OrderEvent

        return self.sim.record.of(OrderEvent, account=account)

    @rule(
        target=client_ids,
        who=st.integers(0, 1),
        symbol=st.sampled_from([SPOT, PERP]),
        side=st.sampled_from(list(Side)),
        steps=st.integers(1, 200),
        offset=st.integers(-6, 2),
    )
    def quote(self, who: int, symbol: str, side: Side, steps: int, offset: int) -> str:
        """A plain resting limit order near the touch (the most common order there is)."""
        self.counter += 1
        cid = f"c{self.counter}"
        mark = self.sim.mark_price(symbol)
        assert mark is not None
        price = mark + side.sign * offset * TICK
        try:
            self.sim.place_order(
                self.accounts[who],
                order(
                    side.value, str(steps * STEP), str(price), symbol=symbol, client_order_id=cid
                ),
            )
        except ExchangeError:
            pass
        return f"{who}:{cid}"

    @rule(
        who=st.integers(0, 1),
        percent=st.integers(10, 300),
        resting=st.booleans(),
        wrong_side=st.booleans(),
    )
    def reduce(self, who: int, percent: int, resting: bool, wrong_side: bool) -> None:
        """A reduce-only order for part of, or more than, the position (or the wrong way)."""
        account = self.accounts[who]
        held = self.sim.position(account, PERP).signed_quantity
        if not held:
            return
        side = Side.SELL if held > 0 else Side.BUY
        if wrong_side:
            side = side.opposite
        quantity = max((abs(held) * percent / 100).quantize(STEP), STEP)
        mark = self.sim.mark_price(PERP)
        assert mark is not None
        price = str(mark - side.sign * 2 * TICK) if resting else None
        try:
            placed = self.sim.place_order(
                account, order(side.value, str(quantity), price, symbol=PERP, reduce_only=True)
            )
        except ExchangeError:
            assert wrong_side or not resting or quantity > 0
            return
        assert not wrong_side, "a reduce-only order that would increase was accepted"
        assert placed.filled_quantity <= abs(held)

    @rule(who=st.integers(0, 1), pick=st.integers(0, 50), everything=st.booleans())
    def cancel(self, who: int, pick: int, everything: bool) -> None:
        account = self.accounts[who]
        working = self.sim.open_orders(account)
        if everything:
            self.sim.cancel_all(account)
            assert self.sim.open_orders(account) == []
        elif working:
            chosen = working[pick % len(working)]
            cancelled = self.sim.cancel_order(account, order_id=chosen.order_id)
            assert cancelled.status.is_terminal

    @rule(ticks=st.integers(1, 120))
    def step(self, ticks: int) -> None:
        self.sim.step(self.sim.now_ms + ticks * self.sim.tick_ms)

    @rule(who=st.integers(0, 1), leverage=st.sampled_from([1, 3, 20, 100]))
    def set_leverage(self, who: int, leverage: int) -> None:
        try:
            self.sim.set_leverage(self.accounts[who], PERP, leverage)
        except ExchangeError:
            pass

    @invariant()
    def books_balance(self) -> None:
        if self.accounts:
            check_ground_truth(self.sim)
            for account in self.accounts:
                _locks_match(self.sim, account)

    @invariant()
    def book_is_not_crossed(self) -> None:
        for symbol in (SPOT, PERP):
            book = self.sim.book(symbol, 1)
            if book.bids and book.asks:
                assert book.bids[0][0] < book.asks[0][0]


def _locks_match(sim: SimExchange, account: str) -> None:
    """What is locked is exactly what working orders reserve plus position margin."""
    engine = sim._engine
    acct = engine.accounts[account]
    expected: dict[str, Decimal] = {}
    for working in acct.open_orders.values():
        expected[working.lock_asset] = expected.get(working.lock_asset, D(0)) + working.locked
    for pos in acct.positions.values():
        expected["USDT"] = expected.get("USDT", D(0)) + pos.margin
    for balance in sim.balances(account):
        assert balance.locked == expected.get(balance.asset, D(0)), (account, balance)


TestSimSession = SimSession.TestCase
TestSimSession.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@settings(max_examples=60, deadline=None)
@given(
    resting=st.lists(
        st.tuples(st.integers(0, 3), st.integers(1, 5), st.integers(0, 2)), min_size=1, max_size=12
    ),
    take=st.integers(1, 40),
)
def test_resting_orders_fill_in_price_then_time_priority(
    resting: list[tuple[int, int, int]], take: int
) -> None:
    """Asks from three makers at a few prices; a market buy fills better prices first and,
    at one price, earlier orders first; only the last order it reaches may be partial."""
    sim = fed_sim()
    from tests.unit.sim.conftest import set_book

    set_book(sim, SPOT, bid="99.0", ask="120.0", levels=1)
    makers = [sim.create_account(f"m{i}", balances={"BTC": 100}) for i in range(3)]
    taker = sim.create_account("t", balances={"USDT": 10_000})
    placed: list[tuple[Decimal, int, str, Decimal]] = []
    for ticks, units, who in resting:
        price = D("100.0") + ticks * TICK
        o = sim.place_order(makers[who], order("sell", str(units), str(price)))
        placed.append((price, int(o.order_id), o.order_id, D(units)))
    sim.place_order(taker, order("buy", str(take)))
    queue = sorted(placed)  # price, then arrival
    filled = {
        e.fill.order_id: e.fill.quantity for e in sim.record.of(FillEvent) if e.account != "t"
    }
    left: Decimal = D(take)
    for _, _, order_id, size in queue:
        expect = min(size, left)
        assert filled.get(order_id, D(0)) == expect, (order_id, queue)
        left -= expect
    taker_prices = [f.price for f in sim.fills(taker)]
    assert taker_prices == sorted(taker_prices)
    check_ground_truth(sim)


@settings(max_examples=40, deadline=None)
@given(ids=st.lists(st.sampled_from(["x", "y", "z", "w"]), min_size=1, max_size=12))
def test_each_client_order_id_is_accepted_once_per_account(ids: list[str]) -> None:
    sim = fed_sim()
    a = sim.create_account(balances={"USDT": 10_000})
    accepted: list[str] = []
    for cid in ids:
        refused: DuplicateClientOrderId | None = None
        try:
            sim.place_order(a, order("buy", "0.1", "90", client_order_id=cid))
            accepted.append(cid)
        except DuplicateClientOrderId as exc:
            refused = exc
        assert refused is None or refused.client_order_id == cid
    assert accepted == list(dict.fromkeys(ids))
    assert sorted(o.client_order_id or "" for o in sim.open_orders(a)) == sorted(accepted)
