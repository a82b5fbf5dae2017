"""msgspec Structs mirroring Binance's JSON, with Binance's own field names.

Read beside the docs: BSD rest-api.md, user-data-stream.md, web-socket-streams.md,
web-socket-api.md (spot) and developers.binance.com USDⓈ-M futures pages. Money fields are
``Decimal`` (decoded from Binance's strings by msgspec, exactly); times are ``int`` ms.

Enumerated fields (status, side, type, time in force, execution type, position side) are
``Literal`` types, so a value Binance adds tomorrow fails at decode with a
:class:`~exchangekit.errors.MappingError` naming the field's path. Fields that only inform
(symbol status, order type lists, filter types) are plain ``str`` so that new values never
break instrument loading. Unknown JSON keys are ignored; unknown filters decode into the
generic :class:`SymbolFilter`.

Decode with :func:`exchangekit.mapping.decoder` (built once per type) so that every mismatch
becomes a ``MappingError`` with the path.
"""

from __future__ import annotations

from exchangekit_binance.schemas.account import (
    LeverageResponse,
    PositionMode,
    SpotAccount,
    SpotAssetBalance,
    UsdmAccount,
    UsdmAccountAsset,
    UsdmAccountPosition,
    UsdmBalance,
    UsdmPositionRisk,
)
from exchangekit_binance.schemas.common import AlgoStatus as AlgoStatus
from exchangekit_binance.schemas.common import (
    CodeMsg,
    ErrorBody,
    ListenKey,
    RateLimit,
    RateLimitUsage,
    ServerTime,
)
from exchangekit_binance.schemas.common import MarginType as MarginType
from exchangekit_binance.schemas.common import OrderStatus as OrderStatus
from exchangekit_binance.schemas.common import PositionSide as PositionSide
from exchangekit_binance.schemas.common import Side as Side
from exchangekit_binance.schemas.common import SpotExecutionType as SpotExecutionType
from exchangekit_binance.schemas.common import SpotOrderType as SpotOrderType
from exchangekit_binance.schemas.common import SpotTimeInForce as SpotTimeInForce
from exchangekit_binance.schemas.common import UsdmExecutionType as UsdmExecutionType
from exchangekit_binance.schemas.common import UsdmOrderType as UsdmOrderType
from exchangekit_binance.schemas.common import UsdmTimeInForce as UsdmTimeInForce
from exchangekit_binance.schemas.common import _Wire as _Wire
from exchangekit_binance.schemas.events import (
    AggTradeEvent,
    AlgoUpdate,
    AlgoUpdateEvent,
    BalanceUpdateEvent,
    BookTickerEvent,
    DepthUpdateEvent,
    EventHeader,
    ExecutionReport,
    KlineEvent,
    KlineEventData,
    ListenKeyExpiredEvent,
    OrderTradeUpdate,
    OrderTradeUpdateEvent,
    OutboundAccountPosition,
    StreamEnvelope,
    Ticker24hEvent,
    TradeEvent,
    UsdmAccountUpdate,
    UsdmAccountUpdateEvent,
    UsdmWsBalance,
    UsdmWsPosition,
    WsApiEvent,
    WsApiResponse,
)
from exchangekit_binance.schemas.market import (
    BookTicker,
    DepthSnapshot,
    KlineRow,
    SpotExchangeInfo,
    SpotSymbol,
    SpotTicker24h,
    SymbolFilter,
    UsdmExchangeInfo,
    UsdmSymbol,
    UsdmTicker24h,
)
from exchangekit_binance.schemas.orders import (
    AlgoCancel,
    SpotCancelAllItem,
    SpotFill,
    SpotMyTrade,
    SpotOrder,
    SpotOrderAck,
    UsdmAlgoOrder,
    UsdmOrder,
    UsdmUserTrade,
)

__all__ = [
    "AggTradeEvent",
    "AlgoUpdate",
    "AlgoUpdateEvent",
    "AlgoCancel",
    "BalanceUpdateEvent",
    "BookTicker",
    "BookTickerEvent",
    "CodeMsg",
    "DepthSnapshot",
    "DepthUpdateEvent",
    "ErrorBody",
    "EventHeader",
    "ExecutionReport",
    "KlineEvent",
    "KlineEventData",
    "KlineRow",
    "LeverageResponse",
    "ListenKey",
    "ListenKeyExpiredEvent",
    "OrderTradeUpdate",
    "OrderTradeUpdateEvent",
    "OutboundAccountPosition",
    "PositionMode",
    "RateLimit",
    "RateLimitUsage",
    "ServerTime",
    "SpotAccount",
    "SpotAssetBalance",
    "SpotCancelAllItem",
    "SpotExchangeInfo",
    "SpotFill",
    "SpotMyTrade",
    "SpotOrder",
    "SpotOrderAck",
    "SpotSymbol",
    "SpotTicker24h",
    "StreamEnvelope",
    "SymbolFilter",
    "Ticker24hEvent",
    "TradeEvent",
    "UsdmAccount",
    "UsdmAccountAsset",
    "UsdmAccountPosition",
    "UsdmAccountUpdate",
    "UsdmAccountUpdateEvent",
    "UsdmAlgoOrder",
    "UsdmBalance",
    "UsdmExchangeInfo",
    "UsdmOrder",
    "UsdmPositionRisk",
    "UsdmSymbol",
    "UsdmTicker24h",
    "UsdmUserTrade",
    "UsdmWsBalance",
    "UsdmWsPosition",
    "WsApiEvent",
    "WsApiResponse",
]
