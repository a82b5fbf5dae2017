"""What every adapter implements, and how it says what it supports."""

from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import msgspec

from exchangekit.models import (
    Balance,
    Candle,
    Fill,
    Instrument,
    MarketKind,
    Order,
    OrderBook,
    OrderRequest,
    OrderType,
    Position,
    Ticker,
    TimeInForce,
    Trade,
)

__all__ = ["Capabilities", "ExchangeClient"]


class Capabilities(msgspec.Struct, frozen=True, kw_only=True):
    """What an adapter supports. Anything outside it raises ``NotSupported``."""

    market_kinds: frozenset[MarketKind] = frozenset({MarketKind.SPOT})
    order_types: frozenset[OrderType] = frozenset({OrderType.MARKET, OrderType.LIMIT})
    time_in_force: frozenset[TimeInForce] = frozenset({TimeInForce.GTC})
    reduce_only: bool = False
    post_only: bool = False
    hedge_mode: bool = False
    stop_orders: bool = False
    set_leverage: bool = False
    positions: bool = False
    private_streams: bool = False
    candle_intervals: tuple[str, ...] = ()
    max_book_depth: int = 100
    max_candles_per_request: int = 500
    client_order_id_max_length: int = 36

    def supports_order(self, request: OrderRequest) -> str | None:
        """``None`` if the request is supported, else the reason it is not."""
        if request.type not in self.order_types:
            return f"order type {request.type.value} is not supported"
        if request.time_in_force is not None and request.time_in_force not in self.time_in_force:
            return f"time in force {request.time_in_force.value} is not supported"
        if request.reduce_only and not self.reduce_only:
            return "reduce_only is not supported"
        if request.post_only and not self.post_only:
            return "post_only is not supported"
        if (
            request.position_side is not None
            and request.position_side.value != "both"
            and (not self.hedge_mode)
        ):
            return "hedge-mode position sides are not supported"
        return None


@runtime_checkable
class ExchangeClient(Protocol):
    """One exchange account (or a public-only connection) behind the unified API.

    Use it as an async context manager so connections and streams are closed::

        async with exchangekit.connect("paper") as ex:
            order = await ex.place_order(OrderRequest(...))
    """

    name: str
    capabilities: Capabilities

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def close(self) -> None:
        """Close connections and stop streams. Safe to call twice."""
        ...

    # -- market data ------------------------------------------------------------------------

    async def load_instruments(self) -> dict[str, Instrument]:
        """All instruments by unified symbol (cached after the first call)."""
        ...

    async def get_ticker(self, symbol: str) -> Ticker: ...

    async def get_candles(
        self,
        symbol: str,
        interval: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first; ranges longer than one request are paged."""
        ...

    async def get_order_book(self, symbol: str, depth: int = 100) -> OrderBook: ...

    # -- trading ----------------------------------------------------------------------------

    async def place_order(self, request: OrderRequest) -> Order:
        """Submit an order. Raises ``OrderOutcomeUnknown`` when it may or may not exist."""
        ...

    async def cancel_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order: ...

    async def cancel_all_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def get_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order: ...

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def get_fills(
        self, symbol: str, *, since_ms: int | None = None, limit: int | None = None
    ) -> list[Fill]: ...

    # -- account ----------------------------------------------------------------------------

    async def get_positions(self, symbol: str | None = None) -> list[Position]: ...

    async def get_balances(self) -> list[Balance]: ...

    async def set_leverage(self, symbol: str, leverage: Decimal | int) -> None: ...

    # -- streams ----------------------------------------------------------------------------

    def stream_tickers(self, symbols: Sequence[str]) -> AsyncIterator[Ticker]: ...

    def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]: ...

    def stream_trades(self, symbol: str) -> AsyncIterator[Trade]: ...

    def stream_order_book(self, symbol: str, depth: int = 100) -> AsyncIterator[OrderBook]:
        """The local book, kept from snapshot plus deltas and checked for gaps."""
        ...

    def stream_orders(self) -> AsyncIterator[Order]: ...

    def stream_fills(self) -> AsyncIterator[Fill]: ...

    def stream_positions(self) -> AsyncIterator[Position]: ...

    def stream_balances(self) -> AsyncIterator[Balance]: ...
