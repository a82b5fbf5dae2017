"""exchangekit: typed, fast and failure-honest crypto exchange connectivity.

Everything a user needs is importable from here::

    import exchangekit
    from exchangekit import OrderRequest, Side, OrderType, OrderOutcomeUnknown

Heavy modules (the simulator, the emulator server, adapters) load only when asked for.
"""

from __future__ import annotations

from exchangekit.connect import available_adapters, connect
from exchangekit.errors import (
    AuthenticationError,
    BookNotReady,
    DuplicateClientOrderId,
    ExchangeError,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    IPBanned,
    MappingError,
    NetworkError,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRejected,
    PermissionDenied,
    RateLimited,
    SessionClosed,
    SubscriptionRejected,
    TimestampOutsideRecvWindow,
    TransientError,
)
from exchangekit.models import (
    Balance,
    Candle,
    Fill,
    Instrument,
    MarginMode,
    MarketKind,
    Order,
    OrderBook,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
    Symbol,
    Ticker,
    TimeInForce,
    Trade,
    format_symbol,
    new_client_order_id,
    parse_symbol,
)
from exchangekit.protocols import Capabilities, ExchangeClient

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "Balance",
    "BookNotReady",
    "Candle",
    "Capabilities",
    "DuplicateClientOrderId",
    "ExchangeClient",
    "ExchangeError",
    "ExchangeUnavailable",
    "Fill",
    "IPBanned",
    "InsufficientFunds",
    "Instrument",
    "InvalidOrder",
    "MappingError",
    "MarginMode",
    "MarketKind",
    "NetworkError",
    "NotSupported",
    "Order",
    "OrderBook",
    "OrderNotFound",
    "OrderOutcomeUnknown",
    "OrderRejected",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "PermissionDenied",
    "Position",
    "PositionSide",
    "RateLimited",
    "SessionClosed",
    "Side",
    "SubscriptionRejected",
    "Symbol",
    "Ticker",
    "TimestampOutsideRecvWindow",
    "TimeInForce",
    "Trade",
    "TransientError",
    "__version__",
    "available_adapters",
    "connect",
    "format_symbol",
    "new_client_order_id",
    "parse_symbol",
]

# Public classes report themselves as exchangekit.X, not as a private module path.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type):
        try:
            _obj.__module__ = __name__
        except (AttributeError, TypeError):  # pragma: no cover - builtins refuse it
            pass
del _name, _obj
