"""Pure mappers: OKX V5 wire structs -> unified models, unified requests -> OKX params.

No I/O, no clock, no globals: the :class:`SymbolMap` (which also holds each instrument's
contract value) is passed in. Every function raises
:class:`~exchangekit.errors.MappingError` with the path of the bad field on data it cannot
map; none leaks ``KeyError``, ``ValueError`` or ``IndexError``. Decoding bytes into
``Envelope[...]`` structs (:mod:`exchangekit_okx.schemas`) with
``exchangekit.mapping.decoder`` is the caller's first step; shape errors surface there.
Paths name the field inside the envelope (``$.data[0].avgPx``).

Mapping choices (each also stated where it is made):

- Quantities are base units. Swaps trade in contracts: ``base = contracts * ctVal * ctMult``
  (linear), exactly in ``Decimal``; order sizes go the other way and must be whole
  multiples of ``lotSz`` (never rounded silently).
- Only spot and **linear** swaps are mapped; inverse swaps, futures and options rows are
  left out of :func:`instruments` (this adapter does not trade them yet).
- OKX folds time in force into ``ordType``: ``limit`` = gtc, ``ioc``, ``fok``,
  ``post_only`` = gtc + post-only; ``optimal_limit_ioc`` is a market order.
- ``mmp_canceled`` (market-maker protection) -> ``cancelled``.
- ``""`` in a price field (``px`` of a market order, ``avgPx`` before a fill) is ``None``.
- Spot orders sized in quote currency (``tgtCcy=quote_ccy``, OKX's default for market
  buys placed elsewhere) report the base quantity that filled, or an estimate while
  working (:func:`_quote_sized`).
- Fees: OKX writes a charge as a negative ``fee``; the unified ``fee`` is the cost, so its
  sign is flipped (a rebate is a negative fee).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Self

import msgspec

from exchangekit.errors import InvalidOrder, MappingError, NotSupported
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
    Ticker,
    TimeInForce,
)
from exchangekit.symbolmap import SymbolMap as CoreSymbolMap
from exchangekit_okx import schemas as s

__all__ = [
    "INTERVALS",
    "SymbolMap",
    "balances",
    "cancel_params",
    "candle_params",
    "candles",
    "decode_client_order_id",
    "encode_client_order_id",
    "fills",
    "instruments",
    "leverage_params",
    "order",
    "order_book",
    "order_from_ack",
    "order_params",
    "orders",
    "positions",
    "server_time_ms",
    "ticker",
]

EXCHANGE = "okx"
ZERO = Decimal(0)
TdMode = Literal["cash", "cross", "isolated"]

INTERVALS: dict[str, str] = {
    "1m": "1m",
    "3m": "3m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1H",
    "2h": "2H",
    "4h": "4H",
    # 6H and longer are aligned to UTC+8 unless the "utc" variant is asked for (fact sheet
    # §3.6): unified candles open on UTC boundaries.
    "6h": "6Hutc",
    "12h": "12Hutc",
    "1d": "1Dutc",
    "1w": "1Wutc",
    "1M": "1Mutc",
}
"""Unified interval -> OKX ``bar``."""


def _fail(message: str, path: str, raw: Any) -> MappingError:
    return MappingError(message, path=path, raw=raw, exchange=EXCHANGE)


def _dec(text: str, path: str, raw: Any) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise _fail(f"expected a decimal string, got {text!r}", path, raw) from None
    if not value.is_finite():
        raise _fail(f"expected a finite decimal, got {text!r}", path, raw)
    return value


def _opt_dec(text: str, path: str, raw: Any) -> Decimal | None:
    """``""`` (OKX's "not set") is ``None``; anything else must be a decimal."""
    return None if text == "" else _dec(text, path, raw)


def _opt_price(text: str, path: str, raw: Any) -> Decimal | None:
    """A price where ``""`` and ``"0"`` both mean "not set" (``avgPx`` before a fill)."""
    value = _opt_dec(text, path, raw)
    return value if value else None


def _ms(text: str, path: str, raw: Any) -> int:
    if not (text.isascii() and text.isdigit()):
        raise _fail(f"expected a millisecond timestamp string, got {text!r}", path, raw)
    return int(text)


def _opt_ms(text: str, path: str, raw: Any) -> int | None:
    return None if text == "" else _ms(text, path, raw)


# -- symbols -------------------------------------------------------------------------------


class SymbolMap(CoreSymbolMap):
    """Unified symbol <-> OKX ``instId``, and each instrument for contract conversion.

    Built from the instruments (spot and swaps can share one map: their ids never clash)
    and passed to every mapper that meets a symbol or a size.
    """

    __slots__ = ()
    exchange_name = "OKX"
    id_field = "$.instId"

    def __init__(self, items: Iterable[Instrument] = ()) -> None:
        super().__init__(instruments=items)

    @classmethod
    def from_instruments(cls, instruments: Iterable[Instrument]) -> Self:
        return cls(instruments)


def _base(instrument: Instrument, size: Decimal) -> Decimal:
    """Contracts -> base units for swaps; spot sizes are already base."""
    if instrument.kind is MarketKind.SPOT:
        return size
    return instrument.to_base(size)


def _opt_base(instrument: Instrument, size: Decimal | None) -> Decimal | None:
    return None if size is None else _base(instrument, size)


# -- public data ---------------------------------------------------------------------------


def server_time_ms(envelope: s.Envelope[s.ServerTime]) -> int:
    """``public/time`` -> epoch milliseconds."""
    if not envelope.data:
        raise _fail("no data", "$.data", envelope)
    return _ms(envelope.data[0].ts, "$.data[0].ts", envelope)


def _pair(text: str, path: str, raw: Any) -> tuple[str, str]:
    base, sep, quote = text.partition("-")
    if not sep or not base or not quote or "-" in quote:
        raise _fail(f"expected BASE-QUOTE, got {text!r}", path, raw)
    return base, quote


def _spot_instrument(row: s.Instrument, path: str) -> Instrument:
    base, quote = row.baseCcy, row.quoteCcy
    if not base or not quote:
        base, quote = _pair(row.instId, f"{path}.instId", row)
    return Instrument(
        symbol=f"{base}/{quote}",
        exchange_symbol=row.instId,
        base=base,
        quote=quote,
        kind=MarketKind.SPOT,
        tick_size=row.tickSz,
        step_size=row.lotSz,
        min_quantity=row.minSz,
        max_quantity=_opt_price(row.maxLmtSz, f"{path}.maxLmtSz", row),
        # A spot maxMktSz is an amount of quote currency (OKD #public-data-rest-api-get-
        # instruments: "SPOT/MARGIN: quantity in USDT"; ccxt reads it as a cost too), not a
        # base quantity: it would refuse a 2M SHIB market order as "above 1000000". The
        # unified model has no market-order notional cap, so it is left out.
        market_max_quantity=None,
        active=row.state == "live",
    )


def _swap_instrument(row: s.Instrument, path: str) -> Instrument:
    family = row.instFamily or row.uly
    base, quote = _pair(family, f"{path}.instFamily", row)
    settle = row.settleCcy
    if not settle:
        raise _fail("a swap needs settleCcy", f"{path}.settleCcy", row)
    ct_val = _dec(row.ctVal, f"{path}.ctVal", row)
    ct_mult = _dec(row.ctMult or "1", f"{path}.ctMult", row)
    contract = ct_val * ct_mult
    if contract <= 0:
        raise _fail("contract value must be positive", f"{path}.ctVal", row)
    max_limit = _opt_price(row.maxLmtSz, f"{path}.maxLmtSz", row)
    max_market = _opt_price(row.maxMktSz, f"{path}.maxMktSz", row)
    return Instrument(
        symbol=f"{base}/{quote}:{settle}",
        exchange_symbol=row.instId,
        base=base,
        quote=quote,
        settle=settle,
        kind=MarketKind.PERPETUAL,
        tick_size=row.tickSz,
        # OKX sizes are contracts; the unified filters are base units.
        step_size=row.lotSz * contract,
        min_quantity=row.minSz * contract,
        max_quantity=None if max_limit is None else max_limit * contract,
        market_max_quantity=None if max_market is None else max_market * contract,
        contract_size=contract,
        active=row.state == "live",
    )


def instruments(envelope: s.Envelope[s.Instrument]) -> list[Instrument]:
    """``public/instruments`` -> spot pairs and linear swaps (others are left out)."""
    out = []
    for index, row in enumerate(envelope.data):
        path = f"$.data[{index}]"
        if row.instType == "SPOT":
            out.append(_spot_instrument(row, path))
        elif row.instType == "SWAP" and row.ctType == "linear":
            out.append(_swap_instrument(row, path))
    return out


def ticker(envelope: s.Envelope[s.Ticker], symbols: SymbolMap) -> Ticker:
    """``market/ticker`` -> :class:`Ticker`, sizes and volume in base units.

    Spot: ``vol24h`` is base and ``volCcy24h`` quote. Swaps: ``vol24h`` is contracts and
    ``volCcy24h`` base, and OKX gives no quote volume (``None``).
    """
    if not envelope.data:
        raise _fail("no ticker in data", "$.data", envelope)
    row = envelope.data[0]
    p = "$.data[0]"
    inst = symbols.by_id(row.instId, path=f"{p}.instId", raw=envelope)
    spot = inst.kind is MarketKind.SPOT
    if spot:
        volume = _opt_dec(row.vol24h, f"{p}.vol24h", envelope)
        quote_volume = _opt_dec(row.volCcy24h, f"{p}.volCcy24h", envelope)
    else:
        volume = _opt_dec(row.volCcy24h, f"{p}.volCcy24h", envelope)
        quote_volume = None
    return Ticker(
        symbol=inst.symbol,
        bid=_opt_price(row.bidPx, f"{p}.bidPx", envelope),
        bid_size=_opt_base(inst, _opt_dec(row.bidSz, f"{p}.bidSz", envelope)),
        ask=_opt_price(row.askPx, f"{p}.askPx", envelope),
        ask_size=_opt_base(inst, _opt_dec(row.askSz, f"{p}.askSz", envelope)),
        last=_opt_price(row.last, f"{p}.last", envelope),
        open=_opt_price(row.open24h, f"{p}.open24h", envelope),
        high=_opt_price(row.high24h, f"{p}.high24h", envelope),
        low=_opt_price(row.low24h, f"{p}.low24h", envelope),
        volume=volume,
        quote_volume=quote_volume,
        timestamp_ms=_ms(row.ts, f"{p}.ts", envelope),
    )


def candles(
    envelope: s.Envelope[s.Candle], symbol: str, interval: str, symbols: SymbolMap
) -> list[Candle]:
    """``market/candles`` rows (newest first) -> candles oldest first, volume in base.

    ``closed`` is OKX's ``confirm`` flag. Spot ``vol`` is base; for swaps ``vol`` is
    contracts and ``volCcy`` is base. ``quote_volume`` is ``volCcyQuote`` for both.
    """
    inst = symbols.instrument(symbol)
    spot = inst.kind is MarketKind.SPOT
    out = []
    for index in range(len(envelope.data) - 1, -1, -1):
        row = envelope.data[index]
        out.append(
            Candle(
                symbol=symbol,
                interval=interval,
                open_ms=_ms(row.ts, f"$.data[{index}][0]", envelope),
                open=row.o,
                high=row.h,
                low=row.l,
                close=row.c,
                volume=row.vol if spot else row.volCcy,
                quote_volume=row.volCcyQuote,
                closed=row.confirm == "1",
            )
        )
    return out


def order_book(envelope: s.Envelope[s.OrderBook], symbol: str, symbols: SymbolMap) -> OrderBook:
    """``market/books`` -> :class:`OrderBook`, sizes in base units, best first.

    OKX sends asks ascending and bids descending already; ``sequence`` is ``seqId`` where
    the answer carries one.
    """
    if not envelope.data:
        raise _fail("no book in data", "$.data", envelope)
    row = envelope.data[0]
    inst = symbols.instrument(symbol)
    if inst.kind is MarketKind.SPOT:
        bids = [(lvl[0], lvl[1]) for lvl in row.bids]
        asks = [(lvl[0], lvl[1]) for lvl in row.asks]
    else:
        size = inst.contract_size
        bids = [(lvl[0], lvl[1] * size) for lvl in row.bids]
        asks = [(lvl[0], lvl[1] * size) for lvl in row.asks]
    return OrderBook(
        symbol=symbol,
        bids=bids,
        asks=asks,
        sequence=row.seqId,
        timestamp_ms=_ms(row.ts, "$.data[0].ts", envelope),
    )


# -- orders --------------------------------------------------------------------------------

_STATUS: dict[str, OrderStatus] = {
    "live": OrderStatus.OPEN,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELLED,
    "mmp_canceled": OrderStatus.CANCELLED,  # cancelled by market-maker protection
}
_SIDE = {"buy": Side.BUY, "sell": Side.SELL}
_SIDE_OUT = {Side.BUY: "buy", Side.SELL: "sell"}
# ordType -> (type, time in force, post_only)
_ORD_TYPE: dict[str, tuple[OrderType, TimeInForce | None, bool]] = {
    "market": (OrderType.MARKET, None, False),
    "optimal_limit_ioc": (OrderType.MARKET, None, False),  # market order, swaps only
    "limit": (OrderType.LIMIT, TimeInForce.GTC, False),
    "post_only": (OrderType.LIMIT, TimeInForce.GTC, True),
    "ioc": (OrderType.LIMIT, TimeInForce.IOC, False),
    "fok": (OrderType.LIMIT, TimeInForce.FOK, False),
    "op_fok": (OrderType.LIMIT, TimeInForce.FOK, False),  # options
    "mmp": (OrderType.LIMIT, TimeInForce.GTC, False),
    "mmp_and_post_only": (OrderType.LIMIT, TimeInForce.GTC, True),
    "elp": (OrderType.LIMIT, TimeInForce.GTC, False),  # enhanced liquidity program
}
_POS_SIDE = {"long": PositionSide.LONG, "short": PositionSide.SHORT, "net": PositionSide.BOTH}


def _quote_sized(
    row: s.Order, inst: Instrument, price: Decimal | None, average: Decimal | None
) -> Decimal:
    """Base quantity of a spot order whose ``sz`` is quote currency (``tgtCcy=quote_ccy``).

    OKX documents ``tgtCcy`` for spot market orders, defaulting to ``quote_ccy`` for market
    buys (OKD #order-book-trading-trade-post-place-order): ``sz`` is then an amount of quote
    currency, while ``accFillSz`` stays in base. Orders this adapter places always send
    ``base_ccy``; orders placed elsewhere (web, app) show up in queries and the orders
    channel with a quote ``sz``. A terminal order's quantity is what filled; a working
    one's is estimated as ``sz / (px or avgPx)`` rounded down to the lot, never below what
    has filled (with no price known yet, what has filled).
    """
    filled = row.accFillSz
    if _STATUS[row.state].is_terminal:
        return filled
    reference = price or average
    if not reference:
        return filled
    estimate = row.sz / reference
    step = inst.step_size
    if step > 0:
        estimate = (estimate // step) * step
    return max(estimate, filled)


def _order(row: s.Order, symbols: SymbolMap, p: str, raw: Any) -> Order:
    inst = symbols.by_id(row.instId, path=f"{p}.instId", raw=raw)
    otype, tif, post_only = _ORD_TYPE[row.ordType]
    spot = inst.kind is MarketKind.SPOT
    price = _opt_price(row.px, f"{p}.px", raw) if otype.has_limit_price else None
    average = _opt_price(row.avgPx, f"{p}.avgPx", raw)
    if not spot:
        quantity = inst.to_base(row.sz)
    elif row.tgtCcy == "quote_ccy":
        quantity = _quote_sized(row, inst, price, average)
    else:
        quantity = row.sz
    order = Order(
        symbol=inst.symbol,
        order_id=row.ordId,
        client_order_id=decode_client_order_id(row.clOrdId),
        side=_SIDE[row.side],
        type=otype,
        # remaining_quantity is left to Order: quantity - filled, 0 once terminal.
        status=_STATUS[row.state],
        quantity=quantity,
        filled_quantity=row.accFillSz if spot else inst.to_base(row.accFillSz),
        price=price,
        average_fill_price=average,
        time_in_force=tif,
        # OKX writes posSide "net" on spot rows too; spot has no position sides.
        position_side=None if spot else _POS_SIDE.get(row.posSide),
        created_ms=_opt_ms(row.cTime, f"{p}.cTime", raw),
        updated_ms=_opt_ms(row.uTime, f"{p}.uTime", raw),
    )
    # msgspec's struct __init__ leaves its fast path above 15 keyword arguments, so the
    # rarely-set flags are added only when set.
    if post_only:
        msgspec.structs.force_setattr(order, "post_only", True)
    if row.reduceOnly == "true":
        msgspec.structs.force_setattr(order, "reduce_only", True)
    return order


def orders(
    envelope: s.Envelope[s.Order], symbols: SymbolMap, *, skip_unknown: bool = False
) -> list[Order]:
    """``trade/order`` (one row) or ``orders-pending`` -> orders, sizes in base units.

    A row whose ``instId`` is not in ``symbols`` is a :class:`MappingError`, unless
    ``skip_unknown``: listings by ``instType`` also return instruments this adapter does not
    trade (a SWAP listing holds inverse swaps too), and those rows are then left out.
    """
    return [
        _order(row, symbols, f"$.data[{index}]", envelope)
        for index, row in enumerate(envelope.data)
        if not skip_unknown or symbols.knows_id(row.instId)
    ]


def order(envelope: s.Envelope[s.Order], symbols: SymbolMap) -> Order:
    """``GET trade/order`` -> the one order it returns."""
    if not envelope.data:
        raise _fail("no order in data", "$.data", envelope)
    return _order(envelope.data[0], symbols, "$.data[0]", envelope)


def order_from_ack(
    request: OrderRequest, ack: s.OrderAck, *, received_ms: int | None = None
) -> Order:
    """The order as known right after an accepted placement (``sCode`` "0").

    OKX acknowledges with ids only, so everything else comes from the request: status
    ``open``, nothing filled. Query it (or follow the orders channel) for fills. Check the
    ack with :func:`exchangekit_okx.errors.item_error` first.
    """
    if ack.sCode != "0":
        raise _fail(f"not an accepted placement (sCode {ack.sCode})", "$.sCode", ack)
    ts = _opt_ms(ack.ts, "$.ts", ack)
    return Order(
        symbol=request.symbol,
        order_id=ack.ordId,
        client_order_id=decode_client_order_id(
            ack.clOrdId or encode_client_order_id(request.client_order_id or "")
        ),
        side=request.side,
        type=request.type,
        status=OrderStatus.OPEN,
        quantity=request.quantity,
        price=request.price,
        time_in_force=request.time_in_force,
        reduce_only=request.reduce_only,
        post_only=request.post_only,
        position_side=request.position_side,
        created_ms=ts,
        updated_ms=ts,
        received_ms=received_ms,
    )


def fills(envelope: s.Envelope[s.Fill], symbols: SymbolMap) -> list[Fill]:
    """``trade/fills`` -> fills in base units; fee sign flipped to a cost (module doc)."""
    out = []
    for index, row in enumerate(envelope.data):
        p = f"$.data[{index}]"
        inst = symbols.by_id(row.instId, path=f"{p}.instId", raw=envelope)
        out.append(
            Fill(
                symbol=inst.symbol,
                trade_id=row.tradeId,
                order_id=row.ordId,
                client_order_id=decode_client_order_id(row.clOrdId),
                side=_SIDE[row.side],
                price=row.fillPx,
                quantity=_base(inst, row.fillSz),
                fee=-row.fee,
                fee_asset=row.feeCcy or None,
                is_maker={"M": True, "T": False}.get(row.execType),
                timestamp_ms=_ms(row.fillTime or row.ts, f"{p}.fillTime", envelope),
            )
        )
    return out


# -- account -------------------------------------------------------------------------------


def balances(envelope: s.Envelope[s.Balance], *, include_zero: bool = False) -> list[Balance]:
    """``account/balance`` details: free = ``availBal``, locked = ``frozenBal``,
    total = ``eq`` (equity: includes unrealized PnL in margin modes)."""
    out = []
    for a, account in enumerate(envelope.data):
        for d, row in enumerate(account.details):
            p = f"$.data[{a}].details[{d}]"
            free = _opt_dec(row.availBal, f"{p}.availBal", envelope)
            if free is None:
                free = _opt_dec(row.availEq, f"{p}.availEq", envelope) or ZERO
            locked = _opt_dec(row.frozenBal, f"{p}.frozenBal", envelope) or ZERO
            total = _opt_dec(row.eq, f"{p}.eq", envelope)
            if include_zero or free or locked or total:
                out.append(Balance(asset=row.ccy, free=free, locked=locked, total=total))
    return out


def positions(
    envelope: s.Envelope[s.Position], symbols: SymbolMap, *, include_flat: bool = False
) -> list[Position]:
    """``account/positions`` -> positions in base units.

    Net mode: ``pos`` is signed and the side is its sign. Long/short mode: ``posSide``
    says the side. Rows for instruments outside the map (options, inverse) are skipped.
    """
    out = []
    for index, row in enumerate(envelope.data):
        p = f"$.data[{index}]"
        if not symbols.knows_id(row.instId):
            continue
        inst = symbols.by_id(row.instId, path=f"{p}.instId", raw=envelope)
        contracts = _opt_dec(row.pos, f"{p}.pos", envelope) or ZERO
        if not contracts and not include_flat:
            continue
        if row.posSide in ("long", "short"):
            side = _POS_SIDE[row.posSide]
        elif contracts > 0:
            side = PositionSide.LONG
        else:
            side = PositionSide.SHORT if contracts else PositionSide.BOTH
        mode = {"cross": MarginMode.CROSS, "isolated": MarginMode.ISOLATED}.get(row.mgnMode)
        out.append(
            Position(
                symbol=inst.symbol,
                side=side,
                quantity=abs(_base(inst, contracts)),
                entry_price=_opt_price(row.avgPx, f"{p}.avgPx", envelope),
                mark_price=_opt_price(row.markPx, f"{p}.markPx", envelope),
                unrealized_pnl=_opt_dec(row.upl, f"{p}.upl", envelope),
                realized_pnl=_opt_dec(row.realizedPnl, f"{p}.realizedPnl", envelope),
                leverage=_opt_price(row.lever, f"{p}.lever", envelope),
                liquidation_price=_opt_price(row.liqPx, f"{p}.liqPx", envelope),
                margin_mode=mode,
                timestamp_ms=_opt_ms(row.uTime, f"{p}.uTime", envelope),
            )
        )
    return out


# -- requests ------------------------------------------------------------------------------

_VALID_CLIENT_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_UNIFIED_CLIENT_ID = re.compile(r"^[\x21-\x7e]{1,64}$")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_REVERSIBLE = "Z0"
"""Marks a ``clOrdId`` that carries another id reversibly, as base62 of its bytes."""


def _base62(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits)) or "0"


def _unbase62(text: str) -> bytes | None:
    number = 0
    for char in text:
        digit = _BASE62.find(char)
        if digit < 0:
            return None
        number = number * 62 + digit
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def encode_client_order_id(client_order_id: str) -> str:
    """The ``clOrdId`` for a unified client order id, deterministically.

    OKX allows 1-32 letters and digits only (fact sheet §3.4). Ids already in that
    alphabet and length (every id :func:`exchangekit.new_client_order_id` makes) pass
    unchanged, unless they start with the marker ``Z0``. Other ids up to 22 characters (``my-order_1``, a bot's ``xk...-1f``) are
    written reversibly as ``Z0`` + base62 of their bytes, so orders and fills read back
    carry the caller's own id (:func:`decode_client_order_id`). Longer ones become ``ek`` +
    the first 30 hex digits of their SHA-256 (one-way: only a query by the original id,
    which is encoded the same way, finds them).
    """
    if _VALID_CLIENT_ID.match(client_order_id) and not client_order_id.startswith(_REVERSIBLE):
        return client_order_id
    packed = _REVERSIBLE + _base62(client_order_id.encode())
    if len(packed) <= 32:
        return packed
    return "ek" + hashlib.sha256(client_order_id.encode()).hexdigest()[:30]


def decode_client_order_id(cl_ord_id: str) -> str | None:
    """OKX's ``clOrdId`` as the unified id: ``""`` is none; a reversible encoding is
    undone (only when it encodes back to exactly this text); anything else is itself.

    Unambiguous: ids passed through never start with ``Z0`` and hashed ones start ``ek``."""
    if not cl_ord_id:
        return None
    if cl_ord_id.startswith(_REVERSIBLE) and len(cl_ord_id) > len(_REVERSIBLE):
        raw = _unbase62(cl_ord_id[len(_REVERSIBLE) :])
        if raw is not None:
            try:
                text = raw.decode("ascii")
            except UnicodeDecodeError:
                return cl_ord_id
            if _UNIFIED_CLIENT_ID.match(text) and encode_client_order_id(text) == cl_ord_id:
                return text
    return cl_ord_id


def _plain(value: Decimal) -> str:
    """A decimal as OKX accepts it: plain notation, no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


def _refuse(request: OrderRequest, reason: str) -> NotSupported:
    return NotSupported(
        f"OKX cannot express this order: {reason}",
        exchange=EXCHANGE,
        client_order_id=request.client_order_id,
    )


def _ord_type(request: OrderRequest) -> str:
    if request.type.is_conditional:
        raise _refuse(request, "stop and take-profit orders need the algo endpoint")
    tif = request.time_in_force
    if request.type is OrderType.MARKET:
        if tif is TimeInForce.FOK:
            raise _refuse(request, "market orders cannot be fill-or-kill")
        return "market"
    if request.post_only:
        return "post_only"
    if tif is TimeInForce.GTD:
        raise _refuse(request, "OKX has no good-till-date orders")
    return {TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok"}.get(tif or TimeInForce.GTC, "limit")


def _size(request: OrderRequest, inst: Instrument) -> Decimal:
    """The order's ``sz``: base units on spot, whole lots of contracts on swaps."""
    if inst.kind is MarketKind.SPOT:
        return request.quantity
    contracts = inst.to_contracts(request.quantity)
    lot = inst.step_size / inst.contract_size
    if lot > 0 and contracts % lot != 0:
        raise InvalidOrder(
            f"{inst.symbol}: quantity {request.quantity} is {contracts} contracts of "
            f"{inst.contract_size}, not a multiple of the lot size {lot}",
            exchange=EXCHANGE,
            client_order_id=request.client_order_id,
        )
    return contracts


def order_params(
    request: OrderRequest,
    symbols: SymbolMap,
    *,
    td_mode: TdMode | None = None,
    hedge_mode: bool = False,
) -> dict[str, str | bool]:
    """An :class:`OrderRequest` as the JSON body of ``POST /api/v5/trade/order``.

    ``tdMode`` is ``cash`` on spot and ``td_mode`` (default ``cross``) on swaps. Spot
    market orders send ``tgtCcy=base_ccy``: OKX would otherwise read a market buy's ``sz``
    in quote currency. ``posSide`` is sent only in long/short (hedge) mode; ``reduceOnly``
    only in net mode on swaps. Anything OKX cannot express raises ``NotSupported``; a size
    that is not a whole number of lots raises ``InvalidOrder``.
    """
    inst = symbols.instrument(request.symbol)
    spot = inst.kind is MarketKind.SPOT
    params: dict[str, str | bool] = {"instId": inst.exchange_symbol}
    if spot:
        if td_mode not in (None, "cash"):
            raise _refuse(request, f"spot orders trade in cash mode, not {td_mode}")
        if request.reduce_only:
            raise _refuse(request, "spot has no reduce-only orders")
        if request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "spot has no position sides")
        params["tdMode"] = "cash"
    else:
        params["tdMode"] = td_mode or "cross"
    params["side"] = _SIDE_OUT[request.side]
    if not spot:
        if hedge_mode:
            if request.position_side not in (PositionSide.LONG, PositionSide.SHORT):
                raise _refuse(request, "long/short mode needs position_side long or short")
            if request.reduce_only:
                # OKX: closing orders in long/short mode are reduce-only by definition.
                raise _refuse(request, "reduce_only is implied by side and posSide here")
            params["posSide"] = request.position_side.value
        elif request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "long/short position sides need hedge mode")
    params["ordType"] = _ord_type(request)
    params["sz"] = _plain(_size(request, inst))
    if spot and request.type is OrderType.MARKET:
        params["tgtCcy"] = "base_ccy"
    if request.price is not None:
        params["px"] = _plain(request.price)
    params["clOrdId"] = encode_client_order_id(request.client_order_id or "")
    if request.reduce_only:
        params["reduceOnly"] = True
    return params


def cancel_params(
    symbol: str,
    symbols: SymbolMap,
    *,
    order_id: str | None = None,
    client_order_id: str | None = None,
) -> dict[str, str]:
    """Body of ``cancel-order`` or query of ``GET trade/order`` (``ordId`` wins if both)."""
    params = {"instId": symbols.exchange(symbol)}
    if order_id is not None:
        params["ordId"] = order_id
    if client_order_id is not None:
        params["clOrdId"] = encode_client_order_id(client_order_id)
    if len(params) == 1:
        raise NotSupported("give order_id or client_order_id", exchange=EXCHANGE)
    return params


def candle_params(
    symbol: str,
    interval: str,
    symbols: SymbolMap,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    limit: int | None = None,
) -> dict[str, str]:
    """Query of ``market/candles`` / ``history-candles``.

    OKX pages backwards: ``after`` returns rows older than a ts and ``before`` rows newer
    than a ts, both exclusive [? read as exclusive]; so the bounds are widened by 1 ms to
    keep ``start_ms`` and ``end_ms`` inclusive. ``limit`` is at most 300 (candles) / 100
    (history-candles).
    """
    bar = INTERVALS.get(interval)
    if bar is None:
        raise NotSupported(
            f"interval {interval!r} is not one of {tuple(INTERVALS)}", exchange=EXCHANGE
        )
    params = {"instId": symbols.exchange(symbol), "bar": bar}
    if end_ms is not None:
        params["after"] = str(end_ms + 1)
    if start_ms is not None:
        params["before"] = str(start_ms - 1)
    if limit is not None:
        params["limit"] = str(limit)
    return params


def leverage_params(
    symbol: str,
    leverage: Decimal | int,
    symbols: SymbolMap,
    *,
    mgn_mode: Literal["cross", "isolated"] = "cross",
    pos_side: Literal["long", "short"] | None = None,
) -> dict[str, str]:
    """Body of ``POST account/set-leverage`` for one swap (posSide only for isolated
    long/short mode)."""
    inst = symbols.instrument(symbol)
    if inst.kind is MarketKind.SPOT:
        raise NotSupported("leverage applies to swaps here, not spot", exchange=EXCHANGE)
    params = {
        "instId": inst.exchange_symbol,
        "lever": _plain(Decimal(leverage)),
        "mgnMode": mgn_mode,
    }
    if pos_side is not None:
        params["posSide"] = pos_side
    return params
