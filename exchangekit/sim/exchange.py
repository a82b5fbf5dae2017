"""``SimExchange``: the deterministic simulated exchange, many accounts and markets.

Synchronous and clock-free: time moves only through :meth:`SimExchange.step` (or
:meth:`~SimExchange.set_market` for externally fed books), so the same seed and the same
calls give the same market data and the same :attr:`~SimExchange.record`. The paper
adapter and the wire emulators drive it; both see the same errors a real exchange gives.

::

    sim = SimExchange(seed=7, markets=default_markets())
    alice = sim.create_account("alice", balances={"USDT": 10_000})
    sim.place_order(alice, OrderRequest(symbol="BTC/USDT", side="buy", type="market",
                                        quantity=Decimal("0.01")))
    sim.step(sim.now_ms + 60_000)          # one simulated minute
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from exchangekit.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    ExchangeError,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    OrderRejected,
)
from exchangekit.models import (
    Balance,
    Fill,
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    Position,
)
from exchangekit.models._decimal import as_decimal
from exchangekit.sim.accounts import FEES, HOUSE, AccountState
from exchangekit.sim.bus import Subscription
from exchangekit.sim.engine import Engine
from exchangekit.sim.events import DepositEvent, LeverageEvent, Record, RejectionEvent, SimEvent
from exchangekit.sim.marketdata import MarketData
from exchangekit.sim.markets import MarketSpec, open_market
from exchangekit.sim.money import money
from exchangekit.sim.orders import SimOrder
from exchangekit.sim.settlement import settle_asset
from exchangekit.sim.validation import ClientOrderIdScope, check_request

__all__ = ["DEFAULT_START_MS", "SimExchange"]

DEFAULT_START_MS = 1_700_000_000_000
"""Where simulated time starts unless told otherwise (2023-11-14T22:13:20Z)."""

Amount = Decimal | int | str


class SimExchange(MarketData):
    """A simulated exchange. See the module docstring for a tour. Not thread-safe: drive
    it from one thread (one event loop).

    ``seed`` fixes every random draw; ``tick_ms`` is the generators' step;
    ``history_minutes`` of one-minute candles are pre-generated before ``start_ms``;
    ``client_order_id_scope`` picks the duplicate rule (see
    :data:`~exchangekit.sim.validation.ClientOrderIdScope`).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        markets: Iterable[MarketSpec] = (),
        start_ms: int = DEFAULT_START_MS,
        tick_ms: int = 250,
        history_minutes: int = 0,
        funding_interval_ms: int = 8 * 3_600_000,
        client_order_id_scope: ClientOrderIdScope = "account",
        name: str = "sim",
    ) -> None:
        if tick_ms <= 0:
            raise ValueError(f"tick_ms must be positive, got {tick_ms}")
        self.seed = seed
        self.tick_ms = tick_ms
        self.history_minutes = history_minutes
        self.client_order_id_scope = client_order_id_scope
        self.name = name
        self._engine = Engine(start_ms=start_ms, funding_interval_ms=funding_interval_ms)
        for spec in markets:
            self.add_market(spec)

    # -- setup ----------------------------------------------------------------------------

    def add_market(self, spec: MarketSpec) -> None:
        """List a market. Its data source is opened with a seed derived from ours."""
        engine = self._engine
        if spec.symbol in engine.markets:
            raise ValueError(f"{spec.symbol} is already listed")
        engine.markets[spec.symbol] = open_market(
            spec,
            seed=self.seed,
            start_ms=engine.now_ms,
            tick_ms=self.tick_ms,
            history_minutes=self.history_minutes,
            funding_interval_ms=engine.funding_interval_ms,
        )

    def create_account(
        self,
        account_id: str | None = None,
        *,
        balances: Mapping[str, Amount] | None = None,
        maker_fee: Amount = 0,
        taker_fee: Amount = 0,
        leverage: Amount = 10,
    ) -> str:
        """Open an account (fee rates as fractions: ``"0.001"`` is 0.1 %); returns its id."""
        accounts = self._engine.accounts
        account_id = account_id or f"account-{len(accounts) + 1}"
        if account_id in accounts or account_id in (HOUSE, FEES) or account_id.startswith("~"):
            raise ValueError(f"account id {account_id!r} is taken or reserved")
        accounts[account_id] = AccountState(
            account_id=account_id,
            maker_fee=as_decimal(maker_fee, "maker_fee"),
            taker_fee=as_decimal(taker_fee, "taker_fee"),
            default_leverage=as_decimal(leverage, "leverage"),
        )
        for asset, amount in (balances or {}).items():
            self.deposit(account_id, asset, amount)
        return account_id

    def deposit(self, account: str, asset: str, amount: Amount) -> None:
        """Credit ``amount`` of ``asset`` from outside the simulation."""
        self._account(account)
        value = as_decimal(amount, "amount")
        if value <= 0:
            raise ValueError(f"a deposit must be positive, got {value}")
        self._engine.ledger.deposit(account, asset.upper(), value)
        self._engine.bus.account_event(
            DepositEvent,
            timestamp_ms=self.now_ms,
            account=account,
            asset=asset.upper(),
            amount=value,
        )
        self._engine.flush()

    def set_fees(self, account: str, *, maker_fee: Amount, taker_fee: Amount) -> None:
        """Change an account's fee rates (working orders keep their reservations)."""
        acct = self._account(account)
        acct.maker_fee = as_decimal(maker_fee, "maker_fee")
        acct.taker_fee = as_decimal(taker_fee, "taker_fee")

    # -- what there is --------------------------------------------------------------------

    @property
    def now_ms(self) -> int:
        """Simulated time, epoch milliseconds."""
        return self._engine.now_ms

    @property
    def record(self) -> Record:
        """The append-only record of every account event."""
        return self._engine.bus.record

    @property
    def instruments(self) -> dict[str, Instrument]:
        """Listed instruments by unified symbol, in listing order."""
        return {s: m.instrument for s, m in self._engine.markets.items()}

    @property
    def accounts(self) -> list[str]:
        """Account ids, in creation order."""
        return list(self._engine.accounts)

    def subscribe(
        self,
        callback: Callable[[SimEvent], None],
        *,
        kinds: Iterable[type[SimEvent]] | None = None,
        account: str | None = None,
        symbol: str | None = None,
    ) -> Subscription:
        """Call ``callback`` with every matching event, after each operation completes.

        ``kinds`` filters by event class; ``account`` keeps one account's events;
        ``symbol`` keeps one market's public events.
        """
        return self._engine.bus.subscribe(callback, kinds=kinds, account=account, symbol=symbol)

    # -- trading --------------------------------------------------------------------------

    def place_order(self, account: str, request: OrderRequest) -> Order:
        """Place an order; returns it as acknowledged (already traded, if it could).

        Raises ``InvalidOrder``, ``InsufficientFunds``, ``OrderRejected``,
        ``DuplicateClientOrderId`` or ``NotSupported``; a refusal changes nothing but the
        record, which gets a :class:`~exchangekit.sim.events.RejectionEvent`.
        """
        acct = self._account(account)
        engine = self._engine
        try:
            market = engine.markets.get(request.symbol)
            if market is None:
                raise InvalidOrder(
                    f"unknown symbol {request.symbol!r}", client_order_id=request.client_order_id
                )
            check_request(acct, market, request, scope=self.client_order_id_scope)
            order = engine.new_order(acct, market, request)
            engine.submit(acct, market, order)
        except (OrderRejected, DuplicateClientOrderId, NotSupported) as exc:
            self._refused(account, request, exc)
            raise
        engine.flush()
        return order.snapshot()

    def cancel_order(
        self,
        account: str,
        *,
        symbol: str | None = None,
        order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Cancel a working order; ``OrderNotFound`` if unknown or already finished."""
        order = self._find(account, symbol, order_id, client_order_id)
        if order.status.is_terminal:
            raise self._stamp(
                OrderNotFound(
                    f"order {order.order_id} is already {order.status.value}",
                    client_order_id=order.client_order_id,
                )
            )
        self._engine.close_order(order, OrderStatus.CANCELLED, "cancelled by the user")
        self._engine.flush()
        return order.snapshot()

    def cancel_all(self, account: str, symbol: str | None = None) -> list[Order]:
        """Cancel every working order of the account (on ``symbol``); returns them."""
        acct = self._account(account)
        chosen = [o for o in acct.open_orders.values() if symbol is None or o.symbol == symbol]
        for order in chosen:
            self._engine.close_order(order, OrderStatus.CANCELLED, "cancelled by the user")
        self._engine.flush()
        return [o.snapshot() for o in chosen]

    def get_order(
        self,
        account: str,
        *,
        symbol: str | None = None,
        order_id: str | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """An order by exchange id or client order id (the latest with that client id)."""
        return self._find(account, symbol, order_id, client_order_id).snapshot()

    def open_orders(self, account: str, symbol: str | None = None) -> list[Order]:
        """Working orders (including untriggered stops), oldest first."""
        acct = self._account(account)
        return [
            o.snapshot() for o in acct.open_orders.values() if symbol is None or o.symbol == symbol
        ]

    def fills(
        self,
        account: str,
        symbol: str | None = None,
        *,
        since_ms: int | None = None,
        limit: int | None = None,
    ) -> list[Fill]:
        """Executions oldest first: from ``since_ms`` (the first ``limit``), else the latest."""
        found = [
            f
            for f in self._account(account).fills
            if (symbol is None or f.symbol == symbol)
            and (since_ms is None or f.timestamp_ms >= since_ms)
        ]
        if limit is None:
            return found
        return found[:limit] if since_ms is not None else found[-limit:] if limit > 0 else []

    # -- account --------------------------------------------------------------------------

    def balances(self, account: str) -> list[Balance]:
        """Every asset the account holds or held. ``total`` is the wallet balance
        (free + locked: reservations and position margin), without unrealized PnL."""
        self._account(account)
        return self._engine.ledger.balances(account)

    def balance(self, account: str, asset: str) -> Balance:
        """One asset of the account (zero if never held)."""
        self._account(account)
        return self._engine.ledger.balance(account, asset.upper())

    def positions(self, account: str, symbol: str | None = None) -> list[Position]:
        """Open derivative positions (marked to the current mark price)."""
        acct = self._account(account)
        return [
            self.position(account, s)
            for s, pos in acct.positions.items()
            if pos.quantity and (symbol is None or s == symbol)
        ]

    def position(self, account: str, symbol: str) -> Position:
        """The position on ``symbol``, flat or not."""
        acct = self._account(account)
        market = self._market(symbol)
        return acct.position(symbol).view(
            mark=market.mark or Decimal(0),
            leverage=acct.leverage_for(symbol),
            maintenance_rate=market.spec.maintenance_margin_rate,
            timestamp_ms=self.now_ms,
        )

    def set_leverage(self, account: str, symbol: str, leverage: Amount) -> Decimal:
        """Set the leverage for new margin on ``symbol`` (whole numbers up to the market's
        maximum). An open position's margin is re-sized to it: ``InsufficientFunds`` if
        the account cannot cover the difference."""
        acct = self._account(account)
        market = self._market(symbol)
        if not market.spec.is_derivative:
            raise self._stamp(NotSupported(f"{symbol} is a spot market: it has no leverage"))
        value = as_decimal(leverage, "leverage")
        if value != value.to_integral_value() or not 1 <= value <= market.spec.max_leverage:
            raise self._stamp(
                InvalidOrder(f"leverage must be a whole number in [1, {market.spec.max_leverage}]")
            )
        pos = acct.position(symbol)
        asset = settle_asset(market.instrument)
        if pos.quantity:
            extra = money(pos.size * pos.entry_price / value) - pos.margin
            if extra > self._engine.ledger.free(account, asset):
                raise self._stamp(InsufficientFunds(f"not enough {asset} for {value}x margin"))
            self._engine.ledger.lock(account, asset, extra)
            pos.margin += extra
            self._engine.touch_position(account, symbol)
        acct.leverage[symbol] = value
        self._engine.bus.account_event(
            LeverageEvent, timestamp_ms=self.now_ms, account=account, symbol=symbol, leverage=value
        )
        self._engine.flush()
        return value

    # -- books of the books ---------------------------------------------------------------

    def deposits(self) -> dict[str, Decimal]:
        """Everything ever deposited, by asset."""
        return self._engine.ledger.deposits()

    def house_balances(self) -> dict[str, Decimal]:
        """What the counterparty of all fills holds, by asset (negative: it paid out)."""
        return {b.asset: b.total or Decimal(0) for b in self._engine.ledger.balances(HOUSE)}

    def fees_collected(self) -> dict[str, Decimal]:
        """Every fee ever charged (net of rebates), by asset."""
        return {b.asset: b.total or Decimal(0) for b in self._engine.ledger.balances(FEES)}

    # -- helpers --------------------------------------------------------------------------

    def _account(self, account: str) -> AccountState:
        acct = self._engine.accounts.get(account)
        if acct is None:
            raise self._stamp(AuthenticationError(f"unknown account {account!r}"))
        return acct

    def _find(
        self, account: str, symbol: str | None, order_id: str | None, client_order_id: str | None
    ) -> SimOrder:
        acct = self._account(account)
        if order_id is None and client_order_id is None:
            raise self._stamp(InvalidOrder("give an order_id or a client_order_id"))
        if order_id is not None:
            order = acct.orders.get(order_id)
        else:
            assert client_order_id is not None
            order = acct.by_client_id.get(client_order_id)
        if order is None or (symbol is not None and order.symbol != symbol):
            raise self._stamp(
                OrderNotFound(
                    f"no order {order_id or client_order_id!r}"
                    + (f" on {symbol}" if symbol else ""),
                    client_order_id=client_order_id,
                )
            )
        return order

    def _refused(self, account: str, request: OrderRequest, exc: ExchangeError) -> None:
        self._stamp(exc)
        if exc.client_order_id is None:
            exc.client_order_id = request.client_order_id
        self._engine.bus.account_event(
            RejectionEvent,
            timestamp_ms=self.now_ms,
            account=account,
            request=request,
            error=type(exc).__name__,
            message=exc.message,
        )
        self._engine.flush()
