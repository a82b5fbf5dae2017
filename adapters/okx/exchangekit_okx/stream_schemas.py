"""msgspec Structs of OKX V5 WebSocket frames, and pure mappers of their rows.

Every push is ``{"arg": {"channel": ..., "instId": ...}, "action"?: ..., "data": [...]}``
(OKD #overview-websocket-subscribe); answers to requests are ``{"event": "subscribe" |
"unsubscribe" | "login" | "error", "code"?, "msg"?, "arg"?, "id"?, "connId"}``. Rows of
``tickers``, ``candle*``, ``orders``, ``account`` and ``positions`` have the REST rows'
fields, so they decode into the REST schemas and map with the REST mappers (wrapped in an
:class:`~exchangekit_okx.schemas.Envelope`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from exchangekit.book import BookDelta
from exchangekit.errors import MappingError
from exchangekit.models import Fill, MarketKind, Order, Side, Trade
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s

__all__ = [
    "Arg",
    "BookRow",
    "Frame",
    "OrderPush",
    "TradeRow",
    "book_delta",
    "fill_from_push",
    "order_from_push",
    "trade",
]


class Arg(msgspec.Struct, gc=False):
    """The ``arg`` of a push or an answer: which channel (and instrument) it is about."""

    channel: str = ""
    instId: str = ""
    instType: str = ""


class Frame(msgspec.Struct, gc=False):
    """Any frame from an OKX WebSocket, with ``data`` left raw for the channel's decoder."""

    arg: Arg | None = None
    data: msgspec.Raw = msgspec.Raw()
    action: str = ""
    event: str = ""
    code: str = ""
    msg: str = ""
    id: str = ""
    connId: str = ""


class BookRow(msgspec.Struct, gc=False):
    """One ``books`` row: levels ``[px, sz, "0", numOrders]`` as strings; sizes are
    contracts on swaps. ``checksum`` is 0 from 2026-06-23 (not checked then)."""

    asks: list[list[str]]
    bids: list[list[str]]
    ts: str
    seqId: int
    prevSeqId: int
    checksum: int = 0


class TradeRow(msgspec.Struct, gc=False):
    """One ``trades`` row (``sz`` contracts on swaps)."""

    instId: str
    tradeId: str
    px: Decimal
    sz: Decimal
    side: str
    ts: str
    count: str = ""


class OrderPush(s.Order):
    """One ``orders`` channel row: the REST order plus the execution that caused it."""

    fillFee: str = ""
    fillFeeCcy: str = ""
    execType: str = ""
    code: str = ""
    msg: str = ""


def book_delta(row: BookRow, received_ms: int | None) -> BookDelta:
    """A ``books`` row as the core book's delta (``prevSeqId`` chains; -1 = snapshot)."""
    return BookDelta(
        bids=row.bids,
        asks=row.asks,
        last_id=row.seqId,
        prev_id=row.prevSeqId,
        checksum=row.checksum,
        timestamp_ms=_ms(row.ts, "$.data[0].ts", row),
        received_ms=received_ms,
    )


def trade(row: TradeRow, symbols: m.SymbolMap) -> Trade:
    """A ``trades`` row as a :class:`Trade` in base units."""
    inst = symbols.by_id(row.instId, path="$.data[0].instId", raw=row)
    size = row.sz if inst.kind is MarketKind.SPOT else inst.to_base(row.sz)
    return Trade(
        symbol=inst.symbol,
        trade_id=row.tradeId,
        price=row.px,
        quantity=size,
        side={"buy": Side.BUY, "sell": Side.SELL}.get(row.side),
        timestamp_ms=_ms(row.ts, "$.data[0].ts", row),
    )


def order_from_push(row: OrderPush, symbols: m.SymbolMap) -> Order:
    """An ``orders`` row as the order's new state (sizes in base units)."""
    return m.order(s.Envelope(code="0", data=[row]), symbols)


def fill_from_push(row: OrderPush, symbols: m.SymbolMap) -> Fill | None:
    """The execution an ``orders`` row reports, if it reports one (``tradeId`` set and
    ``fillSz`` non-zero). ``fillFee`` is negative when charged: flipped to a cost."""
    # OKD's own example writes "0" (not "") in tradeId / fillSz / fillPx of an unfilled row.
    if row.tradeId in ("", "0") or row.fillSz == "":
        return None
    size = _dec(row.fillSz, "$.data[0].fillSz", row)
    if not size:
        return None
    inst = symbols.by_id(row.instId, path="$.data[0].instId", raw=row)
    fee = _dec(row.fillFee or "0", "$.data[0].fillFee", row)
    return Fill(
        symbol=inst.symbol,
        trade_id=row.tradeId,
        order_id=row.ordId,
        client_order_id=m.decode_client_order_id(row.clOrdId),
        side=Side.BUY if row.side == "buy" else Side.SELL,
        price=_dec(row.fillPx, "$.data[0].fillPx", row),
        quantity=size if inst.kind is MarketKind.SPOT else inst.to_base(size),
        fee=-fee,
        fee_asset=row.fillFeeCcy or row.feeCcy or None,
        is_maker={"M": True, "T": False}.get(row.execType),
        timestamp_ms=_ms(row.fillTime or row.uTime, "$.data[0].fillTime", row),
    )


def _ms(text: str, path: str, raw: Any) -> int:
    if not (text.isascii() and text.isdigit()):
        raise MappingError(
            f"expected a millisecond timestamp, got {text!r}", path=path, raw=raw, exchange="okx"
        )
    return int(text)


def _dec(text: str, path: str, raw: Any) -> Decimal:
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite():
        raise MappingError(
            f"expected a decimal string, got {text!r}", path=path, raw=raw, exchange="okx"
        )
    return value
