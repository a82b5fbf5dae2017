"""msgspec Structs mirroring OKX V5 JSON, with OKX's own field names.

Read beside the docs (OKD = https://www.okx.com/docs-v5/en/, fact sheet §3). Every REST
answer is the envelope ``{"code": "0", "msg": "", "data": [...]}``: decode it as
``Envelope[Row]``. OKX writes numbers as strings, and writes ``""`` where a value is not
set (``px`` of a market order, ``avgPx`` before a fill, ``ctVal`` of a spot pair, ``askPx``
of an empty book). Fields that are always numeric are ``Decimal`` here (msgspec decodes the
string exactly); fields that may be ``""`` and all timestamps stay ``str`` and the mappers
convert them, raising :class:`~exchangekit.errors.MappingError` with the path.

Enumerated fields that decide the unified state (order ``state``, ``side``, ``ordType``)
are ``Literal`` types, so a value OKX adds tomorrow fails at decode with the field's path
instead of being guessed. Informational enums (``instType``, ``state`` of an instrument)
are plain ``str``. Unknown JSON keys are ignored.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Generic, Literal, TypeVar

import msgspec

__all__ = [
    "AlgoAck",
    "AlgoOrder",
    "Balance",
    "BalanceDetail",
    "BookLevel",
    "CancelAck",
    "Candle",
    "Envelope",
    "Fill",
    "Instrument",
    "Order",
    "OrderAck",
    "OrderBook",
    "Position",
    "ServerTime",
    "SetLeverage",
    "Ticker",
]

T = TypeVar("T")

Side = Literal["buy", "sell"]
OrderState = Literal["live", "partially_filled", "filled", "canceled", "mmp_canceled"]
OrdType = Literal[
    "market",
    "limit",
    "post_only",
    "fok",
    "ioc",
    "optimal_limit_ioc",
    "mmp",
    "mmp_and_post_only",
    "op_fok",
    "elp",
]
PosSide = Literal["net", "long", "short", ""]


class _Wire(msgspec.Struct, gc=False):
    """Base of every wire struct: decoded from JSON, so never part of a reference cycle."""


class Envelope(msgspec.Struct, Generic[T], gc=False):
    """Every REST answer: ``code`` "0" is success; ``data`` is always a list.

    Order endpoints answer ``code`` "0", "1" (all failed) or "2" (some failed) and put each
    order's own verdict in ``data[i].sCode`` / ``sMsg`` (OKD #error-code-rest-api-public).
    """

    code: str
    msg: str = ""
    data: list[T] = []
    inTime: str = ""
    outTime: str = ""


# -- public data ---------------------------------------------------------------------------


class ServerTime(_Wire):
    """``GET /api/v5/public/time``: ``{"ts": "1597026383085"}``."""

    ts: str


class Instrument(_Wire):
    """``GET /api/v5/public/instruments`` row (OKD #public-data-rest-api-get-instruments).

    ``tickSz`` is the price step; ``lotSz`` the size step and ``minSz`` the minimum size,
    both in contracts for derivatives and in base currency for spot. ``ctVal`` is the
    contract value (base currency for linear contracts; ``""`` on spot).
    """

    instType: str
    instId: str
    tickSz: Decimal
    lotSz: Decimal
    minSz: Decimal
    state: str
    baseCcy: str = ""
    quoteCcy: str = ""
    settleCcy: str = ""
    ctVal: str = ""
    ctMult: str = ""
    ctValCcy: str = ""
    ctType: str = ""
    uly: str = ""
    instFamily: str = ""
    lever: str = ""
    maxLmtSz: str = ""
    maxMktSz: str = ""
    listTime: str = ""
    expTime: str = ""


class Ticker(_Wire):
    """``GET /api/v5/market/ticker`` row. Sizes are contracts for swaps; ``vol24h`` is
    contracts (swap) or base (spot) and ``volCcy24h`` base (swap) or quote (spot)."""

    instType: str
    instId: str
    last: str
    ts: str
    lastSz: str = ""
    askPx: str = ""
    askSz: str = ""
    bidPx: str = ""
    bidSz: str = ""
    open24h: str = ""
    high24h: str = ""
    low24h: str = ""
    volCcy24h: str = ""
    vol24h: str = ""
    sodUtc0: str = ""
    sodUtc8: str = ""


class Candle(_Wire, array_like=True):
    """One ``market/candles`` row: nine strings, newest row first.

    ``vol`` is contracts for derivatives and base for spot; ``volCcy`` is base for
    derivatives and quote for spot; ``volCcyQuote`` is quote; ``confirm`` is "0" while the
    candle is open and "1" once closed.
    """

    ts: str
    o: Decimal
    h: Decimal
    l: Decimal  # noqa: E741  (OKX's name)
    c: Decimal
    vol: Decimal
    volCcy: Decimal
    volCcyQuote: Decimal
    confirm: Literal["0", "1"]


BookLevel = tuple[Decimal, Decimal, str, str]
"""``[px, sz, "0" (deprecated liquidated orders), numOrders]``; sz in contracts for swaps."""


class OrderBook(_Wire):
    """``GET /api/v5/market/books`` row (``seqId`` where OKX sends it)."""

    asks: list[BookLevel]
    bids: list[BookLevel]
    ts: str
    seqId: int | None = None
    prevSeqId: int | None = None
    checksum: int | None = None


# -- trade ---------------------------------------------------------------------------------


class OrderAck(_Wire):
    """One ``data[]`` item of ``POST /api/v5/trade/order``: only ids and the verdict."""

    ordId: str
    clOrdId: str
    sCode: str
    sMsg: str = ""
    tag: str = ""
    ts: str = ""
    subCode: str = ""


class CancelAck(_Wire):
    """One ``data[]`` item of ``cancel-order`` / ``cancel-batch-orders``.

    ``sCode`` "0" means the cancel request was accepted, not that the order is cancelled
    yet: confirm with a query or the orders channel (fact sheet §3.4).
    """

    ordId: str
    clOrdId: str
    sCode: str
    sMsg: str = ""
    ts: str = ""


class Order(_Wire):
    """``GET /api/v5/trade/order`` and ``orders-pending`` rows (same fields as the orders
    channel). ``sz``/``accFillSz``/``fillSz`` are contracts for swaps."""

    instType: str
    instId: str
    ordId: str
    clOrdId: str
    px: str
    sz: Decimal
    ordType: OrdType
    side: Side
    state: OrderState
    accFillSz: Decimal
    avgPx: str
    cTime: str
    uTime: str
    tdMode: str = ""
    posSide: PosSide = ""
    reduceOnly: str = "false"
    fillPx: str = ""
    fillSz: str = ""
    fillTime: str = ""
    tradeId: str = ""
    fee: str = ""
    feeCcy: str = ""
    lever: str = ""
    tgtCcy: str = ""
    tag: str = ""
    cancelSource: str = ""


class Fill(_Wire):
    """``GET /api/v5/trade/fills`` row. ``fee`` is negative when charged, positive for a
    rebate; ``execType`` T = taker, M = maker."""

    instType: str
    instId: str
    tradeId: str
    ordId: str
    fillPx: Decimal
    fillSz: Decimal
    side: Side
    fee: Decimal
    feeCcy: str
    ts: str
    clOrdId: str = ""
    billId: str = ""
    posSide: PosSide = ""
    execType: Literal["T", "M", ""] = ""
    fillTime: str = ""
    tag: str = ""


# -- account -------------------------------------------------------------------------------


class BalanceDetail(_Wire):
    """One ``details[]`` row of ``GET /api/v5/account/balance``."""

    ccy: str
    eq: str = ""
    cashBal: str = ""
    availBal: str = ""
    availEq: str = ""
    frozenBal: str = ""
    ordFrozen: str = ""
    upl: str = ""
    eqUsd: str = ""
    uTime: str = ""


class Balance(_Wire):
    """``GET /api/v5/account/balance`` row (one per account)."""

    details: list[BalanceDetail] = []  # absent from summary-only account pushes
    totalEq: str = ""
    uTime: str = ""


class Position(_Wire):
    """``GET /api/v5/account/positions`` row. ``pos`` is contracts for swaps, signed in net
    mode (negative = short)."""

    instType: str
    instId: str
    mgnMode: str
    posSide: PosSide
    pos: str
    avgPx: str = ""
    markPx: str = ""
    upl: str = ""
    lever: str = ""
    liqPx: str = ""
    realizedPnl: str = ""
    posId: str = ""
    ccy: str = ""
    cTime: str = ""
    uTime: str = ""


class SetLeverage(_Wire):
    """``POST /api/v5/account/set-leverage`` answer row."""

    lever: str
    mgnMode: str
    instId: str = ""
    posSide: str = ""


# -- algo orders (stop and take-profit) ---------------------------------------------------

AlgoState = Literal[
    "live",
    "pause",
    "partially_effective",
    "effective",
    "canceled",
    "order_failed",
    "partially_failed",
]


class AlgoAck(_Wire):
    """One ``data[]`` item of ``POST trade/order-algo`` or ``trade/cancel-algos``."""

    algoId: str
    sCode: str
    sMsg: str = ""
    clOrdId: str = ""
    algoClOrdId: str = ""
    tag: str = ""


class AlgoOrder(_Wire):
    """``GET trade/order-algo`` and ``orders-algo-pending`` row of a ``conditional`` order:
    ``slTriggerPx``/``slOrdPx`` (stop) or ``tpTriggerPx``/``tpOrdPx`` (take-profit); an
    order price of ``"-1"`` means market. ``ordId`` names the order placed once triggered.
    ``sz`` is ``""`` when ``closeFraction`` is "1" (close the whole position at trigger:
    how a stop set on a position in OKX's app arrives)."""

    instType: str
    instId: str
    algoId: str
    sz: str
    ordType: str
    side: Side
    state: AlgoState
    cTime: str
    algoClOrdId: str = ""
    ordId: str = ""
    posSide: PosSide = ""
    tdMode: str = ""
    reduceOnly: str = "false"
    slTriggerPx: str = ""
    slOrdPx: str = ""
    tpTriggerPx: str = ""
    tpOrdPx: str = ""
    closeFraction: str = ""
    actualSz: str = ""
    actualPx: str = ""
    triggerTime: str = ""
    uTime: str = ""
