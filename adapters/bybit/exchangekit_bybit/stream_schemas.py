"""msgspec Structs mirroring Bybit V5 WebSocket frames, with Bybit's own field names.

Read beside BYD docs/v5/websocket (public/orderbook.mdx, public/trade.mdx,
public/ticker.mdx, public/kline.mdx, private/order.mdx, private/execution.mdx,
private/position.mdx, private/wallet.mdx, wss-authentication.mdx).

Every frame is decoded once into :class:`Frame` (``data`` kept raw), then ``data`` into the
topic's struct. Operation answers (``subscribe``, ``auth``, ``ping``) share the frame shape:
``{"success": true, "ret_msg": "", "op": "subscribe", "req_id": "...", "conn_id": "..."}``;
the private channel answers a ping with ``{"op": "pong", "args": ["<ms>"], ...}``.

No ``from __future__ import annotations``: as in :mod:`exchangekit_bybit.schemas`.
"""

from decimal import Decimal

import msgspec

from exchangekit_bybit import schemas as wire

__all__ = [
    "BookData",
    "ExecutionRows",
    "Frame",
    "KlineData",
    "KlineRows",
    "OrderRows",
    "PositionRows",
    "TickerData",
    "TradeData",
    "TradeRows",
    "WalletRows",
    "WsExecution",
    "WsOrder",
    "WsPosition",
]


class Frame(msgspec.Struct, gc=False):
    """A data frame (``topic``) or an operation answer (``op``)."""

    topic: str | None = None
    type: str | None = None
    ts: int | None = None
    data: msgspec.Raw = msgspec.Raw()
    op: str | None = None
    success: bool | None = None
    ret_msg: str = ""
    req_id: str | None = None
    conn_id: str | None = None
    id: str | None = None
    creationTime: int | None = None


class BookData(msgspec.Struct, gc=False):
    """``orderbook.{depth}.{symbol}`` data: levels stay strings (the local book parses them).

    ``u`` is the update id (1 after a service restart), ``seq`` the cross sequence.
    """

    s: str
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]
    u: int
    seq: int | None = None


class TradeData(msgspec.Struct, gc=False):
    """One ``publicTrade.{symbol}`` row: ``S`` is the taker side, ``i`` the trade id."""

    T: int
    s: str
    S: wire.Side
    v: Decimal
    p: Decimal
    i: str
    BT: bool = False


class TickerData(msgspec.Struct, gc=False):
    """``tickers.{symbol}``. Spot sends full snapshots without the best bid/ask; linear a
    snapshot and then deltas carrying only changed fields, so every field is optional."""

    symbol: str
    lastPrice: str | None = None
    prevPrice24h: str | None = None
    highPrice24h: str | None = None
    lowPrice24h: str | None = None
    volume24h: str | None = None
    turnover24h: str | None = None
    bid1Price: str | None = None
    bid1Size: str | None = None
    ask1Price: str | None = None
    ask1Size: str | None = None
    markPrice: str | None = None
    price24hPcnt: str | None = None


class KlineData(msgspec.Struct, gc=False):
    """One ``kline.{interval}.{symbol}`` row; ``confirm`` is true once the candle closed."""

    start: int
    end: int
    interval: str
    open: Decimal
    close: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal
    turnover: Decimal
    confirm: bool
    timestamp: int


class WsOrder(wire.Order):
    """One ``order`` row: the REST order plus its ``category``."""

    category: str = ""


class WsExecution(wire.Execution):
    """One ``execution`` row: the REST execution plus its ``category``."""

    category: str = ""


class WsPosition(wire.Position):
    """One ``position`` row. The stream names the entry price ``entryPrice``."""

    category: str = ""
    entryPrice: str = ""


# The ``data`` of each topic: a list of rows (the book and tickers send one object).
WalletRows = list[wire.WalletAccount]
OrderRows = list[WsOrder]
ExecutionRows = list[WsExecution]
PositionRows = list[WsPosition]
TradeRows = list[TradeData]
KlineRows = list[KlineData]
