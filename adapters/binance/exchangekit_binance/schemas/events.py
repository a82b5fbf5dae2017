"""Binance WebSocket wire structs: envelopes, market streams and user-data events (spot and
USDⓈ-M futures)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit_binance.schemas.common import (
    AlgoStatus,
    ErrorBody,
    LooseDecimal,
    MarginType,
    OrderStatus,
    PositionSide,
    RateLimitUsage,
    Side,
    SpotExecutionType,
    SpotOrderType,
    SpotTimeInForce,
    UsdmExecutionType,
    UsdmOrderType,
    UsdmTimeInForce,
    _Wire,
)

__all__ = [
    "AggTradeEvent",
    "AlgoUpdate",
    "AlgoUpdateEvent",
    "BalanceUpdateEvent",
    "BookTickerEvent",
    "DepthUpdateEvent",
    "EventHeader",
    "ExecutionReport",
    "KlineEvent",
    "KlineEventData",
    "ListenKeyExpiredEvent",
    "OrderTradeUpdate",
    "OrderTradeUpdateEvent",
    "OutboundAccountPosition",
    "StreamEnvelope",
    "Ticker24hEvent",
    "TradeEvent",
    "UsdmAccountUpdate",
    "UsdmAccountUpdateEvent",
    "UsdmWsBalance",
    "UsdmWsPosition",
    "WsApiEvent",
    "WsApiResponse",
]

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
    rateLimits: list[RateLimitUsage] = msgspec.field(default_factory=list)


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
    T: int
    t: int
    m: bool
    O: int  # noqa: E741 - Binance's field name
    Z: Decimal
    N: str | None = None
    """Commission asset: ``null`` while nothing was charged."""
    C: str | None = ""
    """The cancelled order's own id on cancels; ``""`` otherwise (``null`` is taken too)."""
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


class AlgoUpdate(_Wire):
    """``ALGO_UPDATE.o``: one conditional order of the Algo Service, as it changed.

    BFD user-data-streams "Event: Algo Order Update". The keys up to ``act`` are read from
    the page's example; ``tp`` (trigger price), ``p`` (limit price) and ``R`` (reduce only)
    follow the REST algo order's fields under the stream's short names and are optional
    here, so an event without them still maps.
    """

    caid: str
    """Client algo id."""
    aid: int
    """Algo id (the unified ``order_id`` of a conditional order)."""
    at: str
    """Algo type: ``CONDITIONAL``."""
    o: UsdmOrderType
    s: str
    S: Side
    X: AlgoStatus
    q: LooseDecimal
    ps: PositionSide = "BOTH"
    f: UsdmTimeInForce = "GTC"
    ai: str | int = ""
    """The matching-engine order id once triggered; ``""`` before (a string in the page's
    example; a number is taken too)."""
    ap: LooseDecimal = None
    """Average fill price in the matching engine (only once triggered)."""
    aq: LooseDecimal = None
    """Executed quantity in the matching engine (only once triggered)."""
    act: str | None = None
    """The order type in the matching engine (only once triggered)."""
    tp: LooseDecimal = None
    p: LooseDecimal = None
    R: bool = False


class AlgoUpdateEvent(_Wire, tag_field="e", tag="ALGO_UPDATE"):
    """Futures ``ALGO_UPDATE`` user event: a conditional order was placed or changed state."""

    E: int
    T: int
    o: AlgoUpdate


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
    B: list[UsdmWsBalance] = msgspec.field(default_factory=list)
    P: list[UsdmWsPosition] = msgspec.field(default_factory=list)
    """Empty when only a balance changed (funding fee, transfer)."""


class UsdmAccountUpdateEvent(_Wire, tag_field="e", tag="ACCOUNT_UPDATE"):
    """Futures ``ACCOUNT_UPDATE`` user event."""

    E: int
    T: int
    a: UsdmAccountUpdate


class ListenKeyExpiredEvent(_Wire, tag_field="e", tag="listenKeyExpired"):
    """The docs show ``E`` as a string in newer examples and an int in older ones."""

    E: int | str
    listenKey: str = ""
