"""Unified, typed models: Decimal money, UTC millisecond times, frozen msgspec Structs."""

from exchangekit.models.account import Balance, Position
from exchangekit.models.enums import (
    MarginMode,
    MarketKind,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from exchangekit.models.market import Candle, Instrument, OrderBook, PriceLevel, Ticker, Trade
from exchangekit.models.orders import Fill, Order, OrderRequest, new_client_order_id
from exchangekit.models.symbols import Symbol, format_symbol, parse_symbol

__all__ = [
    "Balance",
    "Candle",
    "Fill",
    "Instrument",
    "MarginMode",
    "MarketKind",
    "Order",
    "OrderBook",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "Position",
    "PositionSide",
    "PriceLevel",
    "Side",
    "Symbol",
    "Ticker",
    "TimeInForce",
    "Trade",
    "format_symbol",
    "new_client_order_id",
    "parse_symbol",
]
