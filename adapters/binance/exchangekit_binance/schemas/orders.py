"""Binance order wire structs: placements, cancels, queries, algo orders and trades (spot and
USDⓈ-M futures)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit_binance.schemas.common import (
    AlgoStatus,
    LooseDecimal,
    OrderStatus,
    PositionSide,
    Side,
    SpotOrderType,
    SpotTimeInForce,
    UsdmOrderType,
    UsdmTimeInForce,
    _Wire,
)

__all__ = [
    "AlgoCancel",
    "SpotCancelAllItem",
    "SpotFill",
    "SpotMyTrade",
    "SpotOrder",
    "SpotOrderAck",
    "UsdmAlgoOrder",
    "UsdmOrder",
    "UsdmUserTrade",
]

# -- spot: orders and trades ---------------------------------------------------------------


class SpotFill(_Wire):
    """One ``fills[]`` entry of a FULL order response."""

    price: Decimal
    qty: Decimal
    commission: Decimal
    commissionAsset: str
    tradeId: int


class SpotOrderAck(_Wire):
    """``newOrderRespType=ACK``: no status, side or quantity (the adapter asks for RESULT)."""

    symbol: str
    orderId: int
    orderListId: int
    clientOrderId: str
    transactTime: int


class SpotOrder(_Wire):
    """Spot order as returned by place (RESULT/FULL), cancel, query and openOrders."""

    symbol: str
    orderId: int
    clientOrderId: str
    price: Decimal
    origQty: Decimal
    executedQty: Decimal
    cummulativeQuoteQty: Decimal
    status: OrderStatus
    timeInForce: SpotTimeInForce
    type: SpotOrderType
    side: Side
    orderListId: int = -1
    origClientOrderId: str | None = None
    """Present on cancel responses, where ``clientOrderId`` is the cancel's own id."""
    transactTime: int | None = None
    stopPrice: Decimal | None = None
    icebergQty: Decimal | None = None
    time: int | None = None
    updateTime: int | None = None
    isWorking: bool | None = None
    workingTime: int | None = None
    origQuoteOrderQty: Decimal | None = None
    selfTradePreventionMode: str | None = None
    fills: list[SpotFill] = msgspec.field(default_factory=list)


class _SpotOrderListRef(_Wire):
    symbol: str
    orderId: int
    clientOrderId: str


class SpotCancelAllItem(_Wire):
    """One entry of ``DELETE /api/v3/openOrders``: a cancelled order or an order list.

    Order lists carry ``orderReports``; plain orders carry the order fields. Both shapes
    share this struct so one decode handles the mixed array.
    """

    symbol: str
    orderListId: int = -1
    orderReports: list[SpotOrder] | None = None
    orders: list[_SpotOrderListRef] | None = None
    orderId: int | None = None
    clientOrderId: str | None = None
    origClientOrderId: str | None = None
    price: Decimal | None = None
    origQty: Decimal | None = None
    executedQty: Decimal | None = None
    cummulativeQuoteQty: Decimal | None = None
    status: OrderStatus | None = None
    timeInForce: SpotTimeInForce | None = None
    type: SpotOrderType | None = None
    side: Side | None = None
    stopPrice: Decimal | None = None
    transactTime: int | None = None


class SpotMyTrade(_Wire):
    """``GET /api/v3/myTrades`` row."""

    symbol: str
    id: int
    orderId: int
    price: Decimal
    qty: Decimal
    quoteQty: Decimal
    commission: Decimal
    commissionAsset: str
    time: int
    isBuyer: bool
    isMaker: bool
    isBestMatch: bool | None = None
    orderListId: int = -1


# -- USDⓈ-M futures: orders and trades ----------------------------------------------------


class UsdmOrder(_Wire):
    """Futures order: new (RESULT), cancel, query, openOrders."""

    orderId: int
    symbol: str
    status: OrderStatus
    clientOrderId: str
    price: Decimal
    origQty: Decimal
    executedQty: Decimal
    timeInForce: UsdmTimeInForce
    type: UsdmOrderType
    side: Side
    positionSide: PositionSide = "BOTH"
    reduceOnly: bool = False
    closePosition: bool = False
    avgPrice: Decimal | None = None
    cumQty: Decimal | None = None
    cumQuote: Decimal | None = None
    stopPrice: Decimal | None = None
    workingType: str | None = None
    priceProtect: bool | None = None
    origType: str | None = None
    priceMatch: str | None = None
    selfTradePreventionMode: str | None = None
    goodTillDate: int | None = None
    activatePrice: Decimal | None = None
    priceRate: Decimal | None = None
    time: int | None = None
    updateTime: int | None = None


class UsdmAlgoOrder(_Wire):
    """``POST /fapi/v1/algoOrder`` response and open algo orders (conditional orders)."""

    algoId: int
    clientAlgoId: str
    algoType: str
    orderType: UsdmOrderType
    symbol: str
    side: Side
    algoStatus: AlgoStatus
    quantity: LooseDecimal
    positionSide: PositionSide = "BOTH"
    timeInForce: UsdmTimeInForce = "GTC"
    triggerPrice: LooseDecimal = None
    price: LooseDecimal = None
    reduceOnly: bool = False
    closePosition: bool = False
    workingType: str | None = None
    createTime: int | None = None
    updateTime: int | None = None
    triggerTime: int | None = None
    goodTillDate: int | None = None


class AlgoCancel(_Wire):
    """``DELETE /fapi/v1/algoOrder`` acknowledgement."""

    algoId: int
    clientAlgoId: str
    code: str | int = "200"
    msg: str = ""


class UsdmUserTrade(_Wire):
    """``GET /fapi/v1/userTrades`` row."""

    symbol: str
    id: int
    orderId: int
    side: Side
    price: Decimal
    qty: Decimal
    quoteQty: Decimal
    realizedPnl: Decimal
    commission: Decimal
    commissionAsset: str
    time: int
    buyer: bool
    maker: bool
    positionSide: PositionSide = "BOTH"
