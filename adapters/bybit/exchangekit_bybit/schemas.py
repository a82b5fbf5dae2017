"""msgspec Structs mirroring Bybit V5 JSON, with Bybit's own field names.

Read beside BYD docs/v5 (market/instrument.mdx, market/tickers.mdx, market/kline.mdx,
market/orderbook.mdx, order/open-order.mdx, order/create-order.mdx, order/execution.mdx,
account/wallet-balance.mdx, position/position.mdx, enum.mdx).

Every REST answer is the envelope ``{retCode, retMsg, result, retExtInfo, time}``; the
generic :class:`Envelope` wraps each result type (``Envelope[OrderList]``).

Bybit writes numbers as strings and leaves many of them empty (``"avgPrice": ""`` for an
order with no fill, ``"liqPrice": ""`` for a flat position, ``"triggerPrice": ""``) and writes
timestamps as strings of digits. Fields that are always numeric decode straight into
``Decimal``; fields that may be empty, and every string timestamp, stay ``str`` here and the
mappers convert them, raising :class:`~exchangekit.errors.MappingError` with the path when
one is not a number. Enumerations that decide a mapping (side, order status, order type, time
in force) are ``Literal`` types, so a value Bybit adds tomorrow fails at decode with a
``MappingError`` naming the field; informative enumerations are plain ``str``.

No ``from __future__ import annotations`` here: several results have a field named ``list``,
and msgspec would resolve a postponed ``list[Order]`` to that field instead of the builtin.
"""

from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

import msgspec

__all__ = [
    "CancelAllResult",
    "Envelope",
    "ErrorBody",
    "Execution",
    "ExecutionList",
    "Instrument",
    "InstrumentList",
    "KlineResult",
    "KlineRow",
    "LotSizeFilter",
    "Order",
    "OrderAck",
    "OrderBookResult",
    "OrderList",
    "Position",
    "PositionList",
    "PriceFilter",
    "ServerTime",
    "Ticker",
    "TickerList",
    "WalletAccount",
    "WalletBalance",
    "WalletCoin",
]

T = TypeVar("T")

# -- enumerations (BYD docs/v5/enum.mdx) ---------------------------------------------------

Category = Literal["spot", "linear", "inverse", "option"]
Side = Literal["Buy", "Sell"]
OrderType = Literal["Market", "Limit"]
TimeInForce = Literal["GTC", "IOC", "FOK", "PostOnly", "RPI"]
OrderStatus = Literal[
    "Created",  # accepted, not yet through the matching engine [? not in BYD enum.mdx we read]
    "New",
    "PartiallyFilled",
    "Untriggered",
    "Triggered",
    "Active",  # conditional order triggered and working [? as Created]
    "Filled",
    "Cancelled",
    "PartiallyFilledCanceled",
    "Rejected",
    "Deactivated",
]
Millis = str | int
"""Epoch milliseconds: documented as a string of digits; a bare integer is accepted too."""
PositionSide = Literal["Buy", "Sell", "None", ""]
"""``None`` (older docs) or ``""`` (current docs) for an empty one-way position."""


class _Wire(msgspec.Struct, gc=False):
    """Base of every wire struct: unknown keys ignored, no GC tracking."""


class ErrorBody(_Wire):
    """What :func:`~exchangekit_bybit.errors.classify` reads from any answer."""

    retCode: int | None = None
    retMsg: str = ""


class Envelope(_Wire, Generic[T]):
    """``{"retCode": 0, "retMsg": "OK", "result": {...}, "retExtInfo": {}, "time": ...}``."""

    retCode: int
    retMsg: str
    result: T
    retExtInfo: Any = None
    time: int | None = None


class ServerTime(_Wire):
    """``GET /v5/market/time`` result: seconds and nanoseconds, both as strings."""

    timeSecond: str
    timeNano: str


# -- instruments ---------------------------------------------------------------------------


class PriceFilter(_Wire):
    """``tickSize`` always; ``minPrice``/``maxPrice`` on linear only (``""`` = not given)."""

    tickSize: Decimal
    minPrice: str = ""
    maxPrice: str = ""


class LotSizeFilter(_Wire):
    """Spot: basePrecision, quotePrecision, minOrderAmt, maxLimitOrderQty...; linear:
    qtyStep, minOrderQty, maxOrderQty, maxMktOrderQty, minNotionalValue.

    All kept as strings: spot's deprecated ``minOrderQty``/``maxOrderQty`` ("no longer
    checked", BYD market/instrument.mdx) and any limit Bybit stops filling in may read
    ``""``, which the mappers take as "not given" rather than failing the whole list.
    """

    basePrecision: str = ""
    quotePrecision: str = ""
    minOrderQty: str = ""
    maxOrderQty: str = ""
    minOrderAmt: str = ""
    maxOrderAmt: str = ""
    maxLimitOrderQty: str = ""
    maxMarketOrderQty: str = ""
    qtyStep: str = ""
    maxMktOrderQty: str = ""
    minNotionalValue: str = ""


class Instrument(_Wire):
    symbol: str
    baseCoin: str
    quoteCoin: str
    status: str
    lotSizeFilter: LotSizeFilter
    priceFilter: PriceFilter
    settleCoin: str = ""  # linear only
    contractType: str = ""  # linear: LinearPerpetual, LinearFutures...
    deliveryTime: str = "0"


class InstrumentList(_Wire):
    category: str
    list: list[Instrument]
    nextPageCursor: str = ""


# -- market data ---------------------------------------------------------------------------


class Ticker(_Wire):
    """One row of ``GET /v5/market/tickers`` (spot and linear share these fields).

    Every number stays ``str``: the best bid and ask are ``""`` on an empty book, and a
    pair just listed (or a pre-launch contract) has no 24 h statistics yet.
    """

    symbol: str
    lastPrice: str = ""
    prevPrice24h: str = ""
    highPrice24h: str = ""
    lowPrice24h: str = ""
    volume24h: str = ""
    turnover24h: str = ""
    bid1Price: str = ""
    bid1Size: str = ""
    ask1Price: str = ""
    ask1Size: str = ""
    price24hPcnt: str = ""
    markPrice: str = ""  # linear
    indexPrice: str = ""  # linear
    fundingRate: str = ""  # linear
    nextFundingTime: str = ""  # linear


class TickerList(_Wire):
    category: str
    list: list[Ticker]


class KlineRow(_Wire, array_like=True):
    """``[startTime, open, high, low, close, volume, turnover]``, all strings."""

    startTime: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    turnover: Decimal


class KlineResult(_Wire):
    """Rows are sorted **newest first** (BYD market/kline.mdx)."""

    symbol: str
    category: str
    list: list[KlineRow]


class OrderBookResult(_Wire):
    """``GET /v5/market/orderbook``: ``u`` is the update id, ``seq`` the cross sequence."""

    s: str
    b: list[tuple[Decimal, Decimal]]
    a: list[tuple[Decimal, Decimal]]
    ts: int
    u: int
    seq: int | None = None
    cts: int | None = None


# -- orders and executions -----------------------------------------------------------------


class OrderAck(_Wire):
    """Create and cancel answer only the ids: creation is asynchronous (BYD create-order)."""

    orderId: str
    orderLinkId: str


class CancelAllResult(_Wire):
    list: list[OrderAck]
    success: str = ""


class Order(_Wire):
    """One row of ``/v5/order/realtime`` and ``/v5/order/history`` (and the WS ``order``)."""

    orderId: str
    orderLinkId: str
    symbol: str
    side: Side
    orderType: OrderType
    orderStatus: OrderStatus
    qty: Decimal
    cumExecQty: Decimal
    createdTime: Millis
    updatedTime: Millis
    price: str = ""
    timeInForce: TimeInForce = "GTC"
    avgPrice: str = ""
    leavesQty: str = ""
    cumExecValue: str = ""
    cumExecFee: str = ""
    triggerPrice: str = ""
    triggerDirection: int = 0
    lastPriceOnCreated: str = ""
    stopOrderType: str = ""
    reduceOnly: bool = False
    closeOnTrigger: bool = False
    positionIdx: int = 0
    cancelType: str = ""
    rejectReason: str = ""
    marketUnit: str = ""
    orderFilter: str = ""


class OrderList(_Wire):
    list: list[Order]
    nextPageCursor: str = ""
    category: str = ""


class Execution(_Wire):
    """One row of ``GET /v5/execution/list``."""

    symbol: str
    side: Side
    execId: str
    execPrice: Decimal
    execQty: Decimal
    execTime: Millis
    execType: str
    orderId: str = ""  # "" or absent on Funding / Settle rows, which are not fills
    orderLinkId: str = ""
    execFee: str = "0"
    feeCurrency: str = ""
    isMaker: bool | None = None
    orderType: str = ""
    orderQty: str = ""
    orderPrice: str = ""
    execValue: str = ""
    feeRate: str = ""
    closedSize: str = ""
    seq: int | str | None = None  # informative; "-1" (a string in the docs) if never traded


class ExecutionList(_Wire):
    list: list[Execution]
    nextPageCursor: str = ""
    category: str = ""


# -- account -------------------------------------------------------------------------------


class WalletCoin(_Wire):
    """One coin of a unified account. Several fields are ``""`` where they do not apply."""

    coin: str
    walletBalance: Decimal
    equity: str = ""
    locked: str = ""
    totalOrderIM: str = ""
    totalPositionIM: str = ""
    unrealisedPnl: str = ""
    cumRealisedPnl: str = ""
    availableToWithdraw: str = ""
    borrowAmount: str = ""
    usdValue: str = ""


class WalletAccount(_Wire):
    accountType: str
    coin: list[WalletCoin]
    totalEquity: str = ""
    totalWalletBalance: str = ""
    totalAvailableBalance: str = ""
    totalInitialMargin: str = ""
    totalMaintenanceMargin: str = ""


class WalletBalance(_Wire):
    list: list[WalletAccount]


class Position(_Wire):
    """One row of ``GET /v5/position/list``."""

    symbol: str
    side: PositionSide
    size: Decimal
    positionIdx: int = 0
    avgPrice: str = ""
    markPrice: str = ""
    leverage: str = ""
    liqPrice: str = ""
    unrealisedPnl: str = ""
    cumRealisedPnl: str = ""
    positionValue: str = ""
    tradeMode: int = 0
    positionStatus: str = ""
    createdTime: Millis = ""
    updatedTime: Millis = ""
    seq: int | str | None = None  # informative; "-1" (a string in the docs) if never traded


class PositionList(_Wire):
    list: list[Position]
    nextPageCursor: str = ""
    category: str = ""
