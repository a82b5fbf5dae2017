"""Market models: instruments and market data."""

from decimal import Decimal

import msgspec

from exchangekit.errors import InvalidOrder
from exchangekit.models._decimal import ONE, ZERO, RoundingMode, is_multiple, to_multiple
from exchangekit.models.enums import MarketKind, Side
from exchangekit.models.orders import OrderRequest

__all__ = ["Candle", "Instrument", "OrderBook", "PriceLevel", "Ticker", "Trade"]

PriceLevel = tuple[Decimal, Decimal]
"""One book level: ``(price, quantity)``."""


class Instrument(msgspec.Struct, frozen=True, kw_only=True):
    """A tradable market and the filters an order must pass on it.

    Quantities are in base-asset units everywhere in the unified API; ``contract_size``
    converts to the exchange's contracts where it trades in them (base per contract for
    linear contracts, quote per contract for inverse ones).
    """

    symbol: str
    exchange_symbol: str
    base: str
    quote: str
    settle: str | None = None
    kind: MarketKind = MarketKind.SPOT
    tick_size: Decimal
    step_size: Decimal
    min_quantity: Decimal = ZERO
    max_quantity: Decimal | None = None
    min_notional: Decimal = ZERO
    max_notional: Decimal | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    market_step_size: Decimal | None = None
    """Step for market orders where the exchange sets one apart (Binance MARKET_LOT_SIZE)."""
    market_max_quantity: Decimal | None = None
    contract_size: Decimal = ONE
    inverse: bool = False
    expiry_ms: int | None = None
    active: bool = True

    # -- precision ------------------------------------------------------------------------

    def round_price(self, price: Decimal, *, mode: RoundingMode = "nearest") -> Decimal:
        """Round a price to the tick size (``nearest``, ``down`` or ``up``)."""
        return to_multiple(price, self.tick_size, mode)

    def floor_quantity(self, quantity: Decimal, *, market: bool = False) -> Decimal:
        """Round a quantity down to the step size (the market-order step if ``market``)."""
        step = self.market_step_size if market and self.market_step_size else self.step_size
        return to_multiple(quantity, step, "down")

    def passive_price(self, price: Decimal, side: Side) -> Decimal:
        """Round a limit price to tick in the direction that never pays more than asked."""
        return self.round_price(price, mode="down" if side is Side.BUY else "up")

    # -- filters --------------------------------------------------------------------------

    def check(
        self,
        quantity: Decimal,
        price: Decimal | None = None,
        *,
        market: bool = False,
        reduce_only: bool = False,
    ) -> None:
        """Raise :class:`InvalidOrder` with the reason if an order of this size breaks a filter.

        ``price`` is the limit price, or a reference price for a market order's notional
        check (no notional check happens without a price). Reduce-only orders skip the
        minimum-notional rule, as derivatives venues do for closing orders.
        """
        if quantity <= 0:
            raise InvalidOrder(f"{self.symbol}: quantity must be positive, got {quantity}")
        step = self.market_step_size if market and self.market_step_size else self.step_size
        if not is_multiple(quantity, step):
            raise InvalidOrder(
                f"{self.symbol}: quantity {quantity} is not a multiple of step size {step}"
            )
        if quantity < self.min_quantity:
            raise InvalidOrder(
                f"{self.symbol}: quantity {quantity} is below the minimum {self.min_quantity}"
            )
        max_quantity = self.market_max_quantity if market else self.max_quantity
        if max_quantity and quantity > max_quantity:
            raise InvalidOrder(
                f"{self.symbol}: quantity {quantity} is above the maximum {max_quantity}"
            )
        if price is None:
            return
        if price <= 0:
            raise InvalidOrder(f"{self.symbol}: price must be positive, got {price}")
        if not market:
            if not is_multiple(price, self.tick_size):
                raise InvalidOrder(
                    f"{self.symbol}: price {price} is not a multiple of tick size {self.tick_size}"
                )
            if self.min_price and price < self.min_price:
                raise InvalidOrder(f"{self.symbol}: price {price} is below {self.min_price}")
            if self.max_price and price > self.max_price:
                raise InvalidOrder(f"{self.symbol}: price {price} is above {self.max_price}")
        notional = self.notional(quantity, price)
        if not reduce_only and notional < self.min_notional:
            raise InvalidOrder(
                f"{self.symbol}: notional {notional} is below the minimum {self.min_notional}"
            )
        if self.max_notional and notional > self.max_notional:
            raise InvalidOrder(
                f"{self.symbol}: notional {notional} is above the maximum {self.max_notional}"
            )

    def check_order(self, request: OrderRequest, *, reference_price: Decimal | None = None) -> None:
        """Check an order request against this instrument's filters before it is sent."""
        if request.symbol != self.symbol:
            raise InvalidOrder(
                f"order is for {request.symbol}, instrument is {self.symbol}",
                client_order_id=request.client_order_id,
            )
        if not self.active:
            raise InvalidOrder(
                f"{self.symbol} is not trading", client_order_id=request.client_order_id
            )
        market = not request.type.has_limit_price
        price = request.price if request.price is not None else reference_price
        if price is None and request.stop_price is not None:
            price = request.stop_price
        try:
            self.check(request.quantity, price, market=market, reduce_only=request.reduce_only)
            if request.stop_price is not None and not is_multiple(
                request.stop_price, self.tick_size
            ):
                raise InvalidOrder(
                    f"{self.symbol}: stop price {request.stop_price} is not a multiple of "
                    f"tick size {self.tick_size}"
                )
        except InvalidOrder as exc:
            exc.client_order_id = request.client_order_id
            raise

    def prepare_order(self, request: OrderRequest) -> OrderRequest:
        """Round price (passively) and stop price to tick, floor quantity to step.

        Returns a new request; run :meth:`check_order` on the result before sending.
        """
        changes: dict[str, Decimal] = {
            "quantity": self.floor_quantity(
                request.quantity, market=not request.type.has_limit_price
            )
        }
        if request.price is not None:
            changes["price"] = self.passive_price(request.price, request.side)
        if request.stop_price is not None:
            changes["stop_price"] = self.round_price(request.stop_price)
        return msgspec.structs.replace(request, **changes)

    # -- contracts ------------------------------------------------------------------------

    def notional(self, quantity: Decimal, price: Decimal) -> Decimal:
        """Value in quote currency of ``quantity`` base units at ``price``."""
        return quantity * price

    def to_contracts(self, quantity: Decimal, price: Decimal | None = None) -> Decimal:
        """Base-asset quantity to exchange contracts (``price`` is needed for inverse)."""
        if self.inverse:
            if price is None or price <= 0:
                raise ValueError(f"{self.symbol}: inverse contracts need a price to convert")
            return quantity * price / self.contract_size
        return quantity / self.contract_size

    def to_base(self, contracts: Decimal, price: Decimal | None = None) -> Decimal:
        """Exchange contracts to base-asset quantity (``price`` is needed for inverse)."""
        if self.inverse:
            if price is None or price <= 0:
                raise ValueError(f"{self.symbol}: inverse contracts need a price to convert")
            return contracts * self.contract_size / price
        return contracts * self.contract_size


class Ticker(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Best bid/ask and 24 h statistics. Fields an exchange does not give are ``None``."""

    symbol: str
    bid: Decimal | None = None
    bid_size: Decimal | None = None
    ask: Decimal | None = None
    ask_size: Decimal | None = None
    last: Decimal | None = None
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    volume: Decimal | None = None
    quote_volume: Decimal | None = None
    timestamp_ms: int
    received_ms: int | None = None


class Candle(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One OHLCV bar. ``interval`` uses the unified names (``1m``, ``1h``, ``1d``, ``1M``)."""

    symbol: str
    interval: str
    open_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal | None = None
    closed: bool = True
    close_ms: int | None = None
    trades: int | None = None


class OrderBook(msgspec.Struct, frozen=True, kw_only=True):
    """A book snapshot: levels sorted best first (bids descending, asks ascending)."""

    symbol: str
    bids: list[PriceLevel]
    asks: list[PriceLevel]
    sequence: int | None = None
    timestamp_ms: int | None = None
    received_ms: int | None = None

    @property
    def best_bid(self) -> PriceLevel | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> PriceLevel | None:
        return self.asks[0] if self.asks else None

    @property
    def mid(self) -> Decimal | None:
        if not self.bids or not self.asks:
            return None
        return (self.bids[0][0] + self.asks[0][0]) / 2


class Trade(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A public trade. ``side`` is the taker's side where the exchange says it."""

    symbol: str
    trade_id: str
    price: Decimal
    quantity: Decimal
    side: Side | None
    timestamp_ms: int
