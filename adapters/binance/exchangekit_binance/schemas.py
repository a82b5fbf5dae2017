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

from decimal import Decimal
from typing import Literal

import msgspec

__all__ = [
    "AggTradeEvent",
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

# -- enumerations (BSD enums.md; BFD common-definition) ------------------------------------

Side = Literal["BUY", "SELL"]
OrderStatus = Literal[
    "NEW",
    "PENDING_NEW",
    "PARTIALLY_FILLED",
    "FILLED",
    "CANCELED",
    "PENDING_CANCEL",
    "REJECTED",
    "EXPIRED",
    "EXPIRED_IN_MATCH",
]
SpotOrderType = Literal[
    "LIMIT",
    "MARKET",
    "STOP_LOSS",
    "STOP_LOSS_LIMIT",
    "TAKE_PROFIT",
    "TAKE_PROFIT_LIMIT",
    "LIMIT_MAKER",
]
UsdmOrderType = Literal[
    "LIMIT",
    "MARKET",
    "STOP",
    "STOP_MARKET",
    "TAKE_PROFIT",
    "TAKE_PROFIT_MARKET",
    "TRAILING_STOP_MARKET",
    "LIQUIDATION",
]
SpotTimeInForce = Literal["GTC", "IOC", "FOK"]
UsdmTimeInForce = Literal["GTC", "IOC", "FOK", "GTX", "GTD", "RPI"]
PositionSide = Literal["BOTH", "LONG", "SHORT"]
SpotExecutionType = Literal[
    "NEW", "CANCELED", "REPLACED", "REJECTED", "TRADE", "EXPIRED", "TRADE_PREVENTION", "AMENDMENT"
]
UsdmExecutionType = Literal["NEW", "CANCELED", "CALCULATED", "EXPIRED", "TRADE", "AMENDMENT"]
AlgoStatus = Literal[
    "NEW", "CANCELED", "TRIGGERING", "TRIGGERED", "FINISHED", "REJECTED", "EXPIRED"
]
MarginType = Literal["isolated", "cross", "ISOLATED", "CROSSED", "crossed"]


class _Wire(msgspec.Struct, gc=False):
    """Base of every wire struct: decoded from JSON, so never part of a reference cycle."""


# -- common --------------------------------------------------------------------------------


class ErrorBody(_Wire):
    """``{"code": -1121, "msg": "Invalid symbol."}`` (BSD rest-api.md §Error Codes)."""

    code: int
    msg: str = ""


class CodeMsg(_Wire):
    """Futures success acknowledgements, e.g. cancel-all: ``{"code": 200, "msg": "..."}``."""

    code: int | str
    msg: str = ""


class ServerTime(_Wire):
    """``GET /api/v3/time`` and ``/fapi/v1/time``."""

    serverTime: int


class RateLimit(_Wire):
    """One ``exchangeInfo.rateLimits`` entry."""

    rateLimitType: str
    interval: str
    intervalNum: int
    limit: int


class RateLimitUsage(RateLimit):
    """A WebSocket API ``rateLimits`` entry: the limit plus the current ``count``."""

    count: int = 0


class SymbolFilter(_Wire):
    """Any symbol filter (BSD filters.md; futures use ``notional`` in MIN_NOTIONAL).

    One generic struct rather than a tagged union, so that a filter type Binance adds later
    decodes instead of breaking ``exchangeInfo``.
    """

    filterType: str
    minPrice: Decimal | None = None
    maxPrice: Decimal | None = None
    tickSize: Decimal | None = None
    minQty: Decimal | None = None
    maxQty: Decimal | None = None
    stepSize: Decimal | None = None
    minNotional: Decimal | None = None
    maxNotional: Decimal | None = None
    notional: Decimal | None = None
    applyToMarket: bool | None = None
    applyMinToMarket: bool | None = None
    applyMaxToMarket: bool | None = None
    avgPriceMins: int | None = None
    limit: int | None = None


class DepthSnapshot(_Wire):
    """``GET /api/v3/depth`` and ``/fapi/v1/depth`` (futures adds ``E`` and ``T``)."""

    lastUpdateId: int
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]
    E: int | None = None
    T: int | None = None


class KlineRow(_Wire, array_like=True):
    """One 12-element kline row (BSD rest-api.md §Kline/Candlestick data)."""

    openTime: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    closeTime: int
    quoteVolume: Decimal
    trades: int
    takerBuyBaseVolume: Decimal
    takerBuyQuoteVolume: Decimal
    ignore: str | int = "0"


class BookTicker(_Wire):
    """``GET ticker/bookTicker`` (futures adds ``time`` and ``lastUpdateId``)."""

    symbol: str
    bidPrice: Decimal
    bidQty: Decimal
    askPrice: Decimal
    askQty: Decimal
    time: int | None = None
    lastUpdateId: int | None = None


class ListenKey(_Wire):
    """Futures ``listenKey`` create/keepalive response."""

    listenKey: str = ""


# -- spot: market data ---------------------------------------------------------------------


class SpotSymbol(_Wire):
    """One ``exchangeInfo.symbols`` entry (spot)."""

    symbol: str
    status: str
    baseAsset: str
    quoteAsset: str
    filters: list[SymbolFilter]
    baseAssetPrecision: int | None = None
    quoteAssetPrecision: int | None = None
    orderTypes: list[str] = []
    isSpotTradingAllowed: bool = True
    permissions: list[str] = []


class SpotExchangeInfo(_Wire):
    """``GET /api/v3/exchangeInfo``."""

    symbols: list[SpotSymbol]
    rateLimits: list[RateLimit] = []
    serverTime: int | None = None
    timezone: str = "UTC"


class SpotTicker24h(_Wire):
    """``GET /api/v3/ticker/24hr`` (type FULL)."""

    symbol: str
    priceChange: Decimal
    priceChangePercent: Decimal
    weightedAvgPrice: Decimal
    prevClosePrice: Decimal
    lastPrice: Decimal
    lastQty: Decimal
    bidPrice: Decimal
    bidQty: Decimal
    askPrice: Decimal
    askQty: Decimal
    openPrice: Decimal
    highPrice: Decimal
    lowPrice: Decimal
    volume: Decimal
    quoteVolume: Decimal
    openTime: int
    closeTime: int
    firstId: int
    lastId: int
    count: int


# -- spot: orders and account --------------------------------------------------------------


class SpotFill(_Wire):
    """One ``fills[]`` entry of a FULL order response."""

    price: Decimal
    qty: Decimal
    commission: Decimal
    commissionAsset: str
    tradeId: int


class SpotOrderAck(_Wire):
    """``newOrderRespType=ACK``: no status, side or quantity (the adapter asks for FULL)."""

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
    fills: list[SpotFill] = []


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


class SpotAssetBalance(_Wire):
    """One ``balances[]`` row of the spot account."""

    asset: str
    free: Decimal
    locked: Decimal


class SpotAccount(_Wire):
    """``GET /api/v3/account``."""

    balances: list[SpotAssetBalance]
    updateTime: int | None = None
    accountType: str = "SPOT"
    canTrade: bool = True


# -- USDⓈ-M futures: market data -----------------------------------------------------------


class UsdmSymbol(_Wire):
    """One ``/fapi/v1/exchangeInfo`` symbol."""

    symbol: str
    pair: str
    contractType: str
    status: str
    baseAsset: str
    quoteAsset: str
    marginAsset: str
    filters: list[SymbolFilter]
    deliveryDate: int | None = None
    onboardDate: int | None = None
    pricePrecision: int | None = None
    quantityPrecision: int | None = None
    underlyingType: str | None = None
    timeInForce: list[str] = []


class UsdmExchangeInfo(_Wire):
    """``GET /fapi/v1/exchangeInfo``."""

    symbols: list[UsdmSymbol]
    rateLimits: list[RateLimit] = []
    serverTime: int | None = None
    timezone: str = "UTC"


class UsdmTicker24h(_Wire):
    """``GET /fapi/v1/ticker/24hr``: no best bid/ask, unlike spot."""

    symbol: str
    priceChange: Decimal
    priceChangePercent: Decimal
    weightedAvgPrice: Decimal
    lastPrice: Decimal
    lastQty: Decimal
    openPrice: Decimal
    highPrice: Decimal
    lowPrice: Decimal
    volume: Decimal
    quoteVolume: Decimal
    openTime: int
    closeTime: int
    firstId: int
    lastId: int
    count: int


# -- USDⓈ-M futures: orders, trades, account -----------------------------------------------


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
    quantity: Decimal
    positionSide: PositionSide = "BOTH"
    timeInForce: UsdmTimeInForce = "GTC"
    triggerPrice: Decimal | None = None
    price: Decimal | None = None
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


class UsdmPositionRisk(_Wire):
    """``GET /fapi/v3/positionRisk`` row (v3 dropped ``leverage`` and ``marginType``)."""

    symbol: str
    positionSide: PositionSide
    positionAmt: Decimal
    entryPrice: Decimal
    markPrice: Decimal
    unRealizedProfit: Decimal
    liquidationPrice: Decimal
    updateTime: int
    breakEvenPrice: Decimal | None = None
    isolatedMargin: Decimal | None = None
    notional: Decimal | None = None
    marginAsset: str | None = None
    isolatedWallet: Decimal | None = None
    initialMargin: Decimal | None = None
    maintMargin: Decimal | None = None
    positionInitialMargin: Decimal | None = None
    openOrderInitialMargin: Decimal | None = None
    adl: int | None = None
    bidNotional: Decimal | None = None
    askNotional: Decimal | None = None


class UsdmBalance(_Wire):
    """``GET /fapi/v3/balance`` row."""

    asset: str
    balance: Decimal
    crossWalletBalance: Decimal
    crossUnPnl: Decimal
    availableBalance: Decimal
    maxWithdrawAmount: Decimal
    accountAlias: str | None = None
    marginAvailable: bool | None = None
    updateTime: int | None = None


class UsdmAccountAsset(_Wire):
    """One ``assets[]`` row of ``/fapi/v3/account``."""

    asset: str
    walletBalance: Decimal
    unrealizedProfit: Decimal
    marginBalance: Decimal
    availableBalance: Decimal
    initialMargin: Decimal = Decimal(0)
    maintMargin: Decimal = Decimal(0)
    crossWalletBalance: Decimal | None = None
    crossUnPnl: Decimal | None = None
    maxWithdrawAmount: Decimal | None = None
    updateTime: int | None = None


class UsdmAccountPosition(_Wire):
    """One ``positions[]`` row of ``/fapi/v3/account``."""

    symbol: str
    positionSide: PositionSide
    positionAmt: Decimal
    unrealizedProfit: Decimal
    isolatedMargin: Decimal | None = None
    notional: Decimal | None = None
    isolatedWallet: Decimal | None = None
    initialMargin: Decimal | None = None
    maintMargin: Decimal | None = None
    updateTime: int | None = None


class UsdmAccount(_Wire):
    """``GET /fapi/v3/account``."""

    assets: list[UsdmAccountAsset]
    positions: list[UsdmAccountPosition] = []
    totalWalletBalance: Decimal | None = None
    totalUnrealizedProfit: Decimal | None = None
    totalMarginBalance: Decimal | None = None
    availableBalance: Decimal | None = None


class LeverageResponse(_Wire):
    """``POST /fapi/v1/leverage``."""

    symbol: str
    leverage: int
    maxNotionalValue: str | None = None


class PositionMode(_Wire):
    """``GET /fapi/v1/positionSide/dual``: true means hedge mode."""

    dualSidePosition: bool


# -- WebSocket: envelopes -----------------------------------------------------------------


class EventHeader(_Wire):
    """Just the event type, to route a frame before decoding it fully."""

    e: str | None = None


class StreamEnvelope(_Wire):
    """Combined-stream wrapper ``{"stream": ..., "data": ...}``."""

    stream: str
    data: msgspec.Raw


class WsApiResponse(_Wire):
    """WebSocket API response: ``result`` on success, ``error`` on failure."""

    id: int | str | None
    status: int
    result: msgspec.Raw = msgspec.Raw()
    """Empty when the request failed."""
    error: ErrorBody | None = None
    rateLimits: list[RateLimitUsage] = []


class WsApiEvent(_Wire):
    """A user-data event delivered over the WebSocket API subscription."""

    subscriptionId: int
    event: msgspec.Raw


# -- WebSocket: market streams --------------------------------------------------------------


class DepthUpdateEvent(_Wire, tag_field="e", tag="depthUpdate"):
    """Diff depth: spot has ``U``/``u``; futures add ``pu`` (and ``T``)."""

    E: int
    s: str
    U: int
    u: int
    b: list[tuple[Decimal, Decimal]]
    a: list[tuple[Decimal, Decimal]]
    pu: int | None = None
    T: int | None = None


class KlineEventData(_Wire):
    """The ``k`` object of a kline event (``x`` says whether the bar is closed)."""

    t: int
    T: int
    s: str
    i: str
    o: Decimal
    c: Decimal
    h: Decimal
    l: Decimal  # noqa: E741 - Binance's field name
    v: Decimal
    n: int
    x: bool
    q: Decimal
    f: int | None = None
    L: int | None = None
    V: Decimal | None = None
    Q: Decimal | None = None


class KlineEvent(_Wire, tag_field="e", tag="kline"):
    """``<symbol>@kline_<interval>`` event."""

    E: int
    s: str
    k: KlineEventData


class TradeEvent(_Wire, tag_field="e", tag="trade"):
    """``<symbol>@trade``: one trade (``m``: the buyer was the maker)."""

    E: int
    s: str
    t: int
    p: Decimal
    q: Decimal
    T: int
    m: bool


class AggTradeEvent(_Wire, tag_field="e", tag="aggTrade"):
    """``<symbol>@aggTrade``: trades of one taker order at one price, aggregated."""

    E: int
    s: str
    a: int
    p: Decimal
    q: Decimal
    f: int
    l: int  # noqa: E741 - Binance's field name
    T: int
    m: bool


class Ticker24hEvent(_Wire, tag_field="e", tag="24hrTicker"):
    """``<symbol>@ticker``; futures omit best bid/ask (``b``/``B``/``a``/``A``)."""

    E: int
    s: str
    c: Decimal
    o: Decimal
    h: Decimal
    l: Decimal  # noqa: E741 - Binance's field name
    v: Decimal
    q: Decimal
    C: int
    b: Decimal | None = None
    B: Decimal | None = None
    a: Decimal | None = None
    A: Decimal | None = None
    Q: Decimal | None = None


class BookTickerEvent(_Wire):
    """``<symbol>@bookTicker``: spot sends no ``e``/``E``; futures add ``e``, ``E``, ``T``."""

    u: int
    s: str
    b: Decimal
    B: Decimal
    a: Decimal
    A: Decimal
    e: str | None = None
    E: int | None = None
    T: int | None = None


# -- WebSocket: spot user data --------------------------------------------------------------


class ExecutionReport(_Wire, tag_field="e", tag="executionReport"):
    """Spot order update (BSD user-data-stream.md §Order Update)."""

    E: int
    s: str
    c: str
    S: Side
    o: SpotOrderType
    f: SpotTimeInForce
    q: Decimal
    p: Decimal
    P: Decimal
    x: SpotExecutionType
    X: OrderStatus
    i: int
    l: Decimal  # noqa: E741 - Binance's field name
    z: Decimal
    L: Decimal
    n: Decimal
    N: str | None
    T: int
    t: int
    m: bool
    O: int  # noqa: E741 - Binance's field name
    Z: Decimal
    C: str = ""
    r: str = "NONE"
    w: bool | None = None
    W: int | None = None
    Y: Decimal | None = None
    Q: Decimal | None = None
    g: int = -1


class _SpotWsBalance(_Wire):
    a: str
    f: Decimal
    l: Decimal  # noqa: E741 - Binance's field name


class OutboundAccountPosition(_Wire, tag_field="e", tag="outboundAccountPosition"):
    """Spot ``outboundAccountPosition``: balances that changed."""

    E: int
    u: int
    B: list[_SpotWsBalance]


class BalanceUpdateEvent(_Wire, tag_field="e", tag="balanceUpdate"):
    """Spot ``balanceUpdate``: a deposit, withdrawal or transfer delta ``d``."""

    E: int
    a: str
    d: Decimal
    T: int


# -- WebSocket: USDⓈ-M user data ------------------------------------------------------------


class OrderTradeUpdate(_Wire):
    """The ``o`` object of ORDER_TRADE_UPDATE."""

    s: str
    c: str
    S: Side
    o: UsdmOrderType
    f: UsdmTimeInForce
    q: Decimal
    p: Decimal
    ap: Decimal
    x: UsdmExecutionType
    X: OrderStatus
    i: int
    l: Decimal  # noqa: E741 - Binance's field name
    z: Decimal
    L: Decimal
    T: int
    t: int
    m: bool
    R: bool
    ps: PositionSide
    sp: Decimal | None = None
    N: str | None = None
    n: Decimal | None = None
    rp: Decimal | None = None
    ot: str | None = None
    cp: bool = False
    wt: str | None = None
    b: Decimal | None = None
    a: Decimal | None = None


class OrderTradeUpdateEvent(_Wire, tag_field="e", tag="ORDER_TRADE_UPDATE"):
    """Futures ``ORDER_TRADE_UPDATE`` user event."""

    E: int
    T: int
    o: OrderTradeUpdate


class UsdmWsBalance(_Wire):
    """ACCOUNT_UPDATE balance: wallet ``wb``, cross wallet ``cw``, change ``bc``."""

    a: str
    wb: Decimal
    cw: Decimal
    bc: Decimal | None = None


class UsdmWsPosition(_Wire):
    """ACCOUNT_UPDATE position: signed amount ``pa``, entry ``ep``, margin type ``mt``."""

    s: str
    pa: Decimal
    ep: Decimal
    up: Decimal
    ps: PositionSide
    mt: MarginType | None = None
    iw: Decimal | None = None
    bep: Decimal | None = None
    cr: Decimal | None = None


class UsdmAccountUpdate(_Wire):
    """The ``a`` object of ACCOUNT_UPDATE (``m`` is the reason)."""

    m: str
    B: list[UsdmWsBalance]
    P: list[UsdmWsPosition]


class UsdmAccountUpdateEvent(_Wire, tag_field="e", tag="ACCOUNT_UPDATE"):
    """Futures ``ACCOUNT_UPDATE`` user event."""

    E: int
    T: int
    a: UsdmAccountUpdate


class ListenKeyExpiredEvent(_Wire, tag_field="e", tag="listenKeyExpired"):
    """The docs show ``E`` as a string in newer examples and an int in older ones."""

    E: int | str
    listenKey: str = ""
