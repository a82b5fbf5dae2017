"""Pure mappers: Binance wire structs -> unified models, unified requests -> Binance params.

No I/O, no clock, no globals: the symbol map and anything time-dependent (``now_ms``) are
passed in. Every function raises :class:`~exchangekit.errors.MappingError` (with the path of
the bad field) on data it cannot map; none leaks ``KeyError``, ``TypeError`` or
``IndexError``. Decoding bytes into the structs of :mod:`exchangekit_binance.schemas` is the
caller's first step (``exchangekit.mapping.decoder``); shape errors surface there.

Mapping choices (each also stated where it is made):

- ``PENDING_NEW`` -> ``open``: the order is accepted (it is a not-yet-working leg of an
  order list); the unified ``pending`` means "not yet acknowledged", which it is not.
- Average fill price is ``cummulativeQuoteQty / executedQty`` on spot (Binance's own advice,
  user-data-stream.md) and ``avgPrice`` on futures; ``None`` until something fills.
- ``LIMIT_MAKER`` -> ``limit`` + ``post_only``; ``GTX`` (and the maker-only ``RPI``) ->
  ``gtc`` + ``post_only``. Market-type orders report no time in force.
- A zero ``price`` or ``stopPrice`` (Binance's "not set") maps to ``None``.
- On cancel responses and cancel events the unified ``client_order_id`` is the *original*
  order's id (``origClientOrderId`` / ``C``), not the id Binance gave the cancel request.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import msgspec

from exchangekit.errors import MappingError, NotSupported
from exchangekit.mapping import mapping_error
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
    Trade,
)
from exchangekit.symbolmap import SymbolMap as CoreSymbolMap
from exchangekit_binance import schemas as s

__all__ = [
    "SPOT_INTERVALS",
    "USDM_INTERVALS",
    "SymbolMap",
    "account_position_balances",
    "account_update_balances",
    "account_update_positions",
    "algo_order_params",
    "cancel_params",
    "candle_from_event",
    "candles",
    "encode_client_order_id",
    "execution_report",
    "kline_params",
    "order_book",
    "order_book_from_event",
    "order_params",
    "order_trade_update",
    "position_from_risk",
    "positions_from_risk",
    "spot_balances",
    "spot_cancel_all",
    "spot_fills",
    "spot_instruments",
    "spot_order",
    "spot_placement",
    "spot_ticker",
    "spot_trade",
    "ticker_from_event",
    "trade_from_event",
    "usdm_account_balances",
    "usdm_algo_order",
    "usdm_balances",
    "usdm_instruments",
    "usdm_order",
    "usdm_ticker",
    "usdm_trade",
    "uses_algo_endpoint",
]

EXCHANGE = "binance"
ZERO = Decimal(0)
Market = Literal["spot", "usdm"]

SPOT_INTERVALS = (
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h",
    "1d", "3d", "1w", "1M",
)  # fmt: skip
"""Binance kline intervals; the unified names are the same strings (BSD enums.md)."""
USDM_INTERVALS = SPOT_INTERVALS[1:]
"""Futures have every spot interval except ``1s``."""


def _fail(message: str, path: str, raw: Any) -> MappingError:
    return MappingError(message, path=path, raw=raw, exchange=EXCHANGE)


# -- symbols -------------------------------------------------------------------------------


class SymbolMap(CoreSymbolMap):
    """Unified symbol <-> Binance id for one market (spot and futures each have their own).

    Built from the market's instruments and passed to every mapper that meets a symbol.
    """

    __slots__ = ()
    exchange_name = "Binance"


# -- enumerations --------------------------------------------------------------------------

_STATUS: dict[str, OrderStatus] = {
    "NEW": OrderStatus.OPEN,
    # Accepted but waiting as an order-list leg: acknowledged, so open (see module doc).
    "PENDING_NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELLED,
    "PENDING_CANCEL": OrderStatus.OPEN,  # documented as unused; still working until cancelled
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,  # expired by self-trade prevention
}
_TERMINAL_WIRE = frozenset(wire for wire, status in _STATUS.items() if status.is_terminal)
_ALGO_STATUS: dict[str, OrderStatus] = {
    "NEW": OrderStatus.OPEN,
    "TRIGGERING": OrderStatus.OPEN,
    # Triggered: now a regular order in the matching engine; follow it by its order id.
    "TRIGGERED": OrderStatus.OPEN,
    # Filled *or* cancelled in the matching engine: the algo record does not say which.
    "FINISHED": OrderStatus.UNKNOWN,
    "CANCELED": OrderStatus.CANCELLED,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
}
_SIDE = {"BUY": Side.BUY, "SELL": Side.SELL}
_SIDE_OUT = {Side.BUY: "BUY", Side.SELL: "SELL"}
_POSITION_SIDE = {"BOTH": PositionSide.BOTH, "LONG": PositionSide.LONG, "SHORT": PositionSide.SHORT}
_POSITION_SIDE_OUT = {v: k for k, v in _POSITION_SIDE.items()}

# Binance type -> (unified type, post_only)
_SPOT_TYPE = {
    "LIMIT": (OrderType.LIMIT, False),
    "LIMIT_MAKER": (OrderType.LIMIT, True),
    "MARKET": (OrderType.MARKET, False),
    "STOP_LOSS": (OrderType.STOP_MARKET, False),
    "STOP_LOSS_LIMIT": (OrderType.STOP_LIMIT, False),
    "TAKE_PROFIT": (OrderType.TAKE_PROFIT_MARKET, False),
    "TAKE_PROFIT_LIMIT": (OrderType.TAKE_PROFIT_LIMIT, False),
}
_USDM_TYPE = {
    "LIMIT": (OrderType.LIMIT, False),
    "MARKET": (OrderType.MARKET, False),
    "STOP": (OrderType.STOP_LIMIT, False),
    "STOP_MARKET": (OrderType.STOP_MARKET, False),
    "TAKE_PROFIT": (OrderType.TAKE_PROFIT_LIMIT, False),
    "TAKE_PROFIT_MARKET": (OrderType.TAKE_PROFIT_MARKET, False),
    # Forced liquidation orders (client id "autoclose-..."): market orders by the exchange.
    "LIQUIDATION": (OrderType.MARKET, False),
}
# Binance time in force -> (unified, post_only)
_TIF = {
    "GTC": (TimeInForce.GTC, False),
    "IOC": (TimeInForce.IOC, False),
    "FOK": (TimeInForce.FOK, False),
    "GTD": (TimeInForce.GTD, False),
    "GTX": (TimeInForce.GTC, True),  # "good till crossing" = post-only
    "RPI": (TimeInForce.GTC, True),  # retail-price-improvement orders are maker-only
}

_OrderShape = tuple[OrderType, TimeInForce | None, bool]


def _shapes(types: dict[str, tuple[OrderType, bool]]) -> dict[tuple[str, str], _OrderShape]:
    """(type, timeInForce) -> (unified type, tif, post_only), precomputed for speed."""
    table: dict[tuple[str, str], _OrderShape] = {}
    for wire_type, (otype, type_post) in types.items():
        for wire_tif, (tif, tif_post) in _TIF.items():
            shown = tif if otype.has_limit_price else None
            table[wire_type, wire_tif] = (otype, shown, type_post or tif_post)
    return table


_SPOT_SHAPE = {
    wire_type: {tif: shape for (t, tif), shape in _shapes(_SPOT_TYPE).items() if t == wire_type}
    for wire_type in _SPOT_TYPE
}
"""type -> timeInForce -> shape; every documented spot pair is present (Literal-checked)."""
_USDM_SHAPE = _shapes(_USDM_TYPE)


def _shape(
    table: dict[tuple[str, str], _OrderShape], wire_type: str, tif: str, path: str, raw: Any
) -> _OrderShape:
    shape = table.get((wire_type, tif))
    if shape is None:
        raise _fail(f"order type {wire_type} has no unified equivalent", path, raw)
    return shape


def _set_unusual(order: Order, **fields: object) -> None:
    """Set fields that are usually at their default on an Order no one has seen yet.

    msgspec's struct ``__init__`` leaves its fast path above 15 keyword arguments
    (measured: 0.2 µs -> 0.7 µs per Order), so the hot order mappers pass at most 15 and
    add the rarely-set ones here.
    """
    for name, value in fields.items():
        msgspec.structs.force_setattr(order, name, value)


def _opt(value: Decimal | None) -> Decimal | None:
    """Binance writes "0" for an unset price; that is ``None`` here."""
    return value if value else None


# -- instruments ---------------------------------------------------------------------------


def _filters(filters: Sequence[s.SymbolFilter]) -> dict[str, s.SymbolFilter]:
    return {f.filterType: f for f in filters}


def _required(
    found: dict[str, s.SymbolFilter], name: str, field: str, path: str, raw: Any
) -> Decimal:
    flt = found.get(name)
    value = None if flt is None else getattr(flt, field)
    if value is None:
        raise _fail(f"{name}.{field} is missing", f"{path}.filters", raw)
    return value  # type: ignore[no-any-return]


def _limits(found: dict[str, s.SymbolFilter], path: str, raw: Any) -> dict[str, Any]:
    price = found.get("PRICE_FILTER")
    lot = found.get("LOT_SIZE")
    market_lot = found.get("MARKET_LOT_SIZE")
    notional = found.get("NOTIONAL")
    min_notional = found.get("MIN_NOTIONAL")
    minimum = ZERO
    if notional is not None and notional.minNotional is not None:
        minimum = notional.minNotional
    elif min_notional is not None:
        # Spot writes minNotional; futures write notional (fact sheet §1.6).
        minimum = min_notional.minNotional or min_notional.notional or ZERO
    return {
        "tick_size": _required(found, "PRICE_FILTER", "tickSize", path, raw),
        "step_size": _required(found, "LOT_SIZE", "stepSize", path, raw),
        "min_quantity": (lot.minQty if lot and lot.minQty else ZERO),
        "max_quantity": _opt(lot.maxQty) if lot else None,
        "min_price": _opt(price.minPrice) if price else None,
        "max_price": _opt(price.maxPrice) if price else None,
        "min_notional": minimum,
        "max_notional": _opt(notional.maxNotional) if notional else None,
        "market_step_size": _opt(market_lot.stepSize) if market_lot else None,
        "market_max_quantity": _opt(market_lot.maxQty) if market_lot else None,
    }


def spot_instruments(info: s.SpotExchangeInfo) -> list[Instrument]:
    """Every spot symbol as an :class:`Instrument` (``active`` when status is TRADING)."""
    out = []
    for index, sym in enumerate(info.symbols):
        path = f"$.symbols[{index}]"
        out.append(
            Instrument(
                symbol=f"{sym.baseAsset}/{sym.quoteAsset}",
                exchange_symbol=sym.symbol,
                base=sym.baseAsset,
                quote=sym.quoteAsset,
                kind=MarketKind.SPOT,
                active=sym.status == "TRADING",
                **_limits(_filters(sym.filters), path, sym),
            )
        )
    return out


_PERPETUAL_FAR_FUTURE_MS = 4_000_000_000_000  # perpetuals carry deliveryDate 4133404800000


def usdm_instruments(info: s.UsdmExchangeInfo) -> list[Instrument]:
    """USDⓈ-M symbols: ``BTC/USDT:USDT`` perpetuals, ``BTC/USDT:USDT-261225`` futures.

    The kind comes from ``contractType``: any ``*PERPETUAL*`` is a perpetual, any
    ``*QUARTER*``/``*MONTH*`` a dated future. Symbols with another or an empty contract type
    (delisted, settling) are left out rather than guessed.
    """
    out = []
    for index, sym in enumerate(info.symbols):
        path = f"$.symbols[{index}]"
        contract = sym.contractType
        expiry_ms = None
        if "PERPETUAL" in contract:
            kind = MarketKind.PERPETUAL
            unified = f"{sym.baseAsset}/{sym.quoteAsset}:{sym.marginAsset}"
        elif "QUARTER" in contract or "MONTH" in contract:
            if not sym.deliveryDate or sym.deliveryDate >= _PERPETUAL_FAR_FUTURE_MS:
                raise _fail("dated future without a delivery date", f"{path}.deliveryDate", sym)
            kind = MarketKind.FUTURE
            expiry_ms = sym.deliveryDate
            day = datetime.fromtimestamp(expiry_ms / 1000, tz=UTC).strftime("%y%m%d")
            unified = f"{sym.baseAsset}/{sym.quoteAsset}:{sym.marginAsset}-{day}"
        else:
            continue
        out.append(
            Instrument(
                symbol=unified,
                exchange_symbol=sym.symbol,
                base=sym.baseAsset,
                quote=sym.quoteAsset,
                settle=sym.marginAsset,
                kind=kind,
                expiry_ms=expiry_ms,
                active=sym.status == "TRADING",
                **_limits(_filters(sym.filters), path, sym),
            )
        )
    return out


# -- market data ---------------------------------------------------------------------------


def spot_ticker(raw: s.SpotTicker24h, symbols: SymbolMap) -> Ticker:
    """``/api/v3/ticker/24hr`` -> :class:`Ticker` (timestamp = the window's close time)."""
    return Ticker(
        symbol=symbols.to_unified.get(raw.symbol) or symbols.unified(raw.symbol, raw=raw),
        bid=raw.bidPrice,
        bid_size=raw.bidQty,
        ask=raw.askPrice,
        ask_size=raw.askQty,
        last=raw.lastPrice,
        open=raw.openPrice,
        high=raw.highPrice,
        low=raw.lowPrice,
        volume=raw.volume,
        quote_volume=raw.quoteVolume,
        timestamp_ms=raw.closeTime,
    )


def usdm_ticker(
    raw: s.UsdmTicker24h, symbols: SymbolMap, book: s.BookTicker | None = None
) -> Ticker:
    """``/fapi/v1/ticker/24hr`` (plus an optional bookTicker for the best bid/ask)."""
    return Ticker(
        symbol=symbols.unified(raw.symbol, raw=raw),
        bid=book.bidPrice if book else None,
        bid_size=book.bidQty if book else None,
        ask=book.askPrice if book else None,
        ask_size=book.askQty if book else None,
        last=raw.lastPrice,
        open=raw.openPrice,
        high=raw.highPrice,
        low=raw.lowPrice,
        volume=raw.volume,
        quote_volume=raw.quoteVolume,
        timestamp_ms=raw.closeTime,
    )


def ticker_from_event(ev: s.Ticker24hEvent, symbols: SymbolMap) -> Ticker:
    """``<symbol>@ticker`` event -> :class:`Ticker` (timestamp = event time)."""
    return Ticker(
        symbol=symbols.unified(ev.s, path="$.s", raw=ev),
        bid=ev.b,
        bid_size=ev.B,
        ask=ev.a,
        ask_size=ev.A,
        last=ev.c,
        open=ev.o,
        high=ev.h,
        low=ev.l,
        volume=ev.v,
        quote_volume=ev.q,
        timestamp_ms=ev.E,
    )


def candles(rows: Sequence[s.KlineRow], symbol: str, interval: str, *, now_ms: int) -> list[Candle]:
    """Kline rows -> candles; a row whose close time is not before ``now_ms`` is open."""
    out = []
    for r in rows:  # a loop, not a comprehension: see spot_placement
        out.append(
            Candle(
                symbol=symbol,
                interval=interval,
                open_ms=r.openTime,
                open=r.open,
                high=r.high,
                low=r.low,
                close=r.close,
                volume=r.volume,
                quote_volume=r.quoteVolume,
                closed=r.closeTime < now_ms,
                close_ms=r.closeTime,
                trades=r.trades,
            )
        )
    return out


def candle_from_event(ev: s.KlineEvent, symbols: SymbolMap) -> Candle:
    """``<symbol>@kline_<interval>`` event -> :class:`Candle` (``closed`` = Binance's ``x``)."""
    k = ev.k
    return Candle(
        symbol=symbols.unified(ev.s, path="$.s", raw=ev),
        interval=k.i,
        open_ms=k.t,
        open=k.o,
        high=k.h,
        low=k.l,
        close=k.c,
        volume=k.v,
        quote_volume=k.q,
        closed=k.x,
        close_ms=k.T,
        trades=k.n,
    )


def order_book(raw: s.DepthSnapshot, symbol: str, *, received_ms: int | None = None) -> OrderBook:
    """Depth snapshot -> :class:`OrderBook` (``sequence`` = ``lastUpdateId``).

    Binance sends bids best-first (descending) and asks best-first (ascending); the lists
    are used as decoded, without copying.
    """
    return OrderBook(
        symbol=symbol,
        bids=raw.bids,
        asks=raw.asks,
        sequence=raw.lastUpdateId,
        timestamp_ms=raw.E,
        received_ms=received_ms,
    )


def order_book_from_event(ev: s.DepthUpdateEvent, symbols: SymbolMap) -> OrderBook:
    """A diff-depth event as a partial book (levels to set; quantity 0 deletes)."""
    return OrderBook(
        symbol=symbols.unified(ev.s, path="$.s", raw=ev),
        bids=ev.b,
        asks=ev.a,
        sequence=ev.u,
        timestamp_ms=ev.E,
    )


def trade_from_event(ev: s.TradeEvent | s.AggTradeEvent, symbols: SymbolMap) -> Trade:
    """Public trade: ``m`` (buyer is maker) means the taker sold."""
    trade_id = ev.t if isinstance(ev, s.TradeEvent) else ev.a
    return Trade(
        symbol=symbols.unified(ev.s, path="$.s", raw=ev),
        trade_id=str(trade_id),
        price=ev.p,
        quantity=ev.q,
        side=Side.SELL if ev.m else Side.BUY,
        timestamp_ms=ev.T,
    )


# -- orders --------------------------------------------------------------------------------


def _spot_average(quote: Decimal, filled: Decimal) -> Decimal | None:
    # cummulativeQuoteQty < 0 means "not available" for some historical orders (BSD).
    if filled and quote > 0:
        return quote / filled
    return None


def spot_order(raw: s.SpotOrder, symbols: SymbolMap) -> Order:
    """A spot order (place RESULT/FULL, cancel, query, openOrders) -> :class:`Order`."""
    # Hot path (every order response): lookups inlined, no helper calls on the way.
    otype, tif, post_only = _SPOT_SHAPE[raw.type][raw.timeInForce]
    cancel = raw.origClientOrderId is not None
    wire_status = raw.status
    quantity = raw.origQty
    filled = raw.executedQty
    quote = raw.cummulativeQuoteQty
    order = Order(
        symbol=symbols.to_unified.get(raw.symbol) or symbols.unified(raw.symbol, raw=raw),
        order_id=str(raw.orderId),
        client_order_id=raw.origClientOrderId if cancel else raw.clientOrderId,
        side=_SIDE[raw.side],
        type=otype,
        status=_STATUS[wire_status],
        quantity=quantity,
        filled_quantity=filled,
        # Binance never reports executedQty above origQty, so no clamp is needed.
        remaining_quantity=ZERO if wire_status in _TERMINAL_WIRE else quantity - filled,
        price=raw.price or None,
        # cummulativeQuoteQty < 0 means "not available" for some historical orders (BSD).
        average_fill_price=quote / filled if filled and quote > ZERO else None,
        stop_price=raw.stopPrice or None,
        time_in_force=tif,
        # `time` on queries; on a placement the transaction time is the creation time.
        created_ms=raw.time if raw.time is not None else None if cancel else raw.transactTime,
        updated_ms=raw.updateTime if raw.updateTime is not None else raw.transactTime,
    )
    if post_only:
        _set_unusual(order, post_only=True)
    return order


def spot_fills(raw: s.SpotOrder, symbols: SymbolMap) -> list[Fill]:
    """The executions in a FULL placement response (maker flag not reported: ``None``)."""
    if not raw.fills:
        return []
    symbol = symbols.to_unified.get(raw.symbol) or symbols.unified(raw.symbol, raw=raw)
    side = _SIDE[raw.side]
    order_id = str(raw.orderId)
    client_order_id = raw.clientOrderId
    timestamp = raw.transactTime
    if timestamp is None:
        raise _fail("a response with fills must carry transactTime", "$.transactTime", raw)
    return [
        Fill(
            symbol=symbol,
            trade_id=str(f.tradeId),
            order_id=order_id,
            client_order_id=client_order_id,
            side=side,
            price=f.price,
            quantity=f.qty,
            fee=f.commission,
            fee_asset=f.commissionAsset,
            timestamp_ms=timestamp,
        )
        for f in raw.fills
    ]


def spot_placement(raw: s.SpotOrder, symbols: SymbolMap) -> tuple[Order, list[Fill]]:
    """A FULL placement response -> the order and its fills, in one pass.

    Same results as :func:`spot_order` plus :func:`spot_fills`; the fills reuse the order's
    already-mapped symbol, id and side (this is the ``place_order`` hot path).
    """
    order = spot_order(raw, symbols)
    fills = raw.fills
    if not fills:
        return order, []
    timestamp = raw.transactTime
    if timestamp is None:
        raise _fail("a response with fills must carry transactTime", "$.transactTime", raw)
    symbol, order_id, side, client_order_id = (
        order.symbol,
        order.order_id,
        order.side,
        raw.clientOrderId,
    )
    # A plain loop: a comprehension would turn these locals into closure cells (slower).
    out = []
    for f in fills:
        out.append(
            Fill(
                symbol=symbol,
                trade_id=str(f.tradeId),
                order_id=order_id,
                client_order_id=client_order_id,
                side=side,
                price=f.price,
                quantity=f.qty,
                fee=f.commission,
                fee_asset=f.commissionAsset,
                timestamp_ms=timestamp,
            )
        )
    return order, out


def spot_cancel_all(items: Sequence[s.SpotCancelAllItem], symbols: SymbolMap) -> list[Order]:
    """``DELETE /api/v3/openOrders`` -> every cancelled order, order-list legs flattened."""
    out: list[Order] = []
    for index, item in enumerate(items):
        if item.orderReports is not None:
            out.extend(spot_order(report, symbols) for report in item.orderReports)
            continue
        fields = {k: v for k, v in msgspec.structs.asdict(item).items() if v is not None}
        fields.pop("orderReports", None)
        fields.pop("orders", None)
        try:
            order = msgspec.convert(fields, s.SpotOrder)
        except msgspec.ValidationError as exc:
            err = mapping_error(exc, item, exchange=EXCHANGE, what="SpotCancelAllItem")
            err.path = f"$[{index}]{err.path[1:]}"
            raise err from None
        out.append(spot_order(order, symbols))
    return out


def usdm_order(raw: s.UsdmOrder, symbols: SymbolMap) -> Order:
    """A futures order (place RESULT, cancel, query, openOrders) -> :class:`Order`."""
    otype, tif, post_only = _shape(_USDM_SHAPE, raw.type, raw.timeInForce, "$.type", raw)
    wire_status = raw.status
    quantity = raw.origQty
    filled = raw.executedQty
    order = Order(
        symbol=symbols.to_unified.get(raw.symbol) or symbols.unified(raw.symbol, raw=raw),
        order_id=str(raw.orderId),
        client_order_id=raw.clientOrderId,
        side=_SIDE[raw.side],
        type=otype,
        status=_STATUS[wire_status],
        quantity=quantity,
        filled_quantity=filled,
        remaining_quantity=ZERO if wire_status in _TERMINAL_WIRE else quantity - filled,
        price=raw.price or None,
        average_fill_price=raw.avgPrice if filled and raw.avgPrice else None,
        stop_price=raw.stopPrice or None,
        time_in_force=tif,
        position_side=_POSITION_SIDE[raw.positionSide],
        updated_ms=raw.updateTime,
    )
    # Place and cancel responses carry only updateTime; queries add the creation `time`.
    if raw.time is not None or raw.reduceOnly or post_only:
        _set_unusual(order, created_ms=raw.time, reduce_only=raw.reduceOnly, post_only=post_only)
    return order


def usdm_algo_order(raw: s.UsdmAlgoOrder, symbols: SymbolMap) -> Order:
    """A futures conditional (Algo Service) order -> :class:`Order`.

    ``order_id`` is the algo id; ``FINISHED`` maps to ``unknown`` because Binance does not
    say whether the triggered order filled or was cancelled (reconcile by client order id).
    """
    otype, tif, post_only = _shape(_USDM_SHAPE, raw.orderType, raw.timeInForce, "$.orderType", raw)
    return Order(
        symbol=symbols.unified(raw.symbol, raw=raw),
        order_id=str(raw.algoId),
        client_order_id=raw.clientAlgoId,
        side=_SIDE[raw.side],
        type=otype,
        status=_ALGO_STATUS[raw.algoStatus],
        quantity=raw.quantity,
        price=_opt(raw.price),
        stop_price=_opt(raw.triggerPrice),
        time_in_force=tif,
        reduce_only=raw.reduceOnly,
        post_only=post_only,
        position_side=_POSITION_SIDE[raw.positionSide],
        created_ms=raw.createTime,
        updated_ms=raw.updateTime,
    )


def execution_report(ev: s.ExecutionReport, symbols: SymbolMap) -> tuple[Order, Fill | None]:
    """Spot ``executionReport`` -> the order's new state, and a fill when ``x == TRADE``."""
    otype, tif, post_only = _SPOT_SHAPE[ev.o][ev.f]
    symbol = symbols.unified(ev.s, path="$.s", raw=ev)
    side = _SIDE[ev.S]
    order_id = str(ev.i)
    order = Order(
        symbol=symbol,
        order_id=order_id,
        # On cancels `c` is the cancel request's id and `C` the order's own.
        client_order_id=ev.C or ev.c,
        side=side,
        type=otype,
        status=_STATUS[ev.X],
        quantity=ev.q,
        filled_quantity=ev.z,
        price=_opt(ev.p),
        average_fill_price=_spot_average(ev.Z, ev.z),
        stop_price=_opt(ev.P),
        time_in_force=tif,
        post_only=post_only,
        created_ms=ev.O,
        updated_ms=ev.T,
    )
    if ev.x != "TRADE":
        return order, None
    fill = Fill(
        symbol=symbol,
        trade_id=str(ev.t),
        order_id=order_id,
        client_order_id=ev.c,
        side=side,
        price=ev.L,
        quantity=ev.l,
        fee=ev.n,
        fee_asset=ev.N,
        is_maker=ev.m,
        timestamp_ms=ev.T,
    )
    return order, fill


def order_trade_update(
    ev: s.OrderTradeUpdateEvent, symbols: SymbolMap
) -> tuple[Order, Fill | None]:
    """Futures ``ORDER_TRADE_UPDATE`` -> the order, and a fill for executions.

    ``TRADE`` and ``CALCULATED`` (a liquidation execution) with a non-zero last quantity
    are fills.
    """
    o = ev.o
    otype, tif, post_only = _shape(_USDM_SHAPE, o.o, o.f, "$.o.o", ev)
    symbol = symbols.unified(o.s, path="$.o.s", raw=ev)
    side = _SIDE[o.S]
    order_id = str(o.i)
    order = Order(
        symbol=symbol,
        order_id=order_id,
        client_order_id=o.c,
        side=side,
        type=otype,
        status=_STATUS[o.X],
        quantity=o.q,
        filled_quantity=o.z,
        price=_opt(o.p),
        average_fill_price=o.ap if o.z and o.ap else None,
        stop_price=_opt(o.sp),
        time_in_force=tif,
        reduce_only=o.R,
        post_only=post_only,
        position_side=_POSITION_SIDE[o.ps],
        updated_ms=o.T,
    )
    if o.x not in ("TRADE", "CALCULATED") or not o.l:
        return order, None
    fill = Fill(
        symbol=symbol,
        trade_id=str(o.t),
        order_id=order_id,
        client_order_id=o.c,
        side=side,
        price=o.L,
        quantity=o.l,
        fee=o.n if o.n is not None else ZERO,
        fee_asset=o.N,
        is_maker=o.m,
        timestamp_ms=o.T,
        realized_pnl=o.rp,
    )
    return order, fill


def spot_trade(raw: s.SpotMyTrade, symbols: SymbolMap) -> Fill:
    """``myTrades`` row -> :class:`Fill` (Binance omits the client order id here)."""
    return Fill(
        symbol=symbols.unified(raw.symbol, raw=raw),
        trade_id=str(raw.id),
        order_id=str(raw.orderId),
        client_order_id=None,
        side=Side.BUY if raw.isBuyer else Side.SELL,
        price=raw.price,
        quantity=raw.qty,
        fee=raw.commission,
        fee_asset=raw.commissionAsset,
        is_maker=raw.isMaker,
        timestamp_ms=raw.time,
    )


def usdm_trade(raw: s.UsdmUserTrade, symbols: SymbolMap) -> Fill:
    """``userTrades`` row -> :class:`Fill` with realized PnL."""
    return Fill(
        symbol=symbols.unified(raw.symbol, raw=raw),
        trade_id=str(raw.id),
        order_id=str(raw.orderId),
        client_order_id=None,
        side=_SIDE[raw.side],
        price=raw.price,
        quantity=raw.qty,
        fee=raw.commission,
        fee_asset=raw.commissionAsset,
        is_maker=raw.maker,
        timestamp_ms=raw.time,
        realized_pnl=raw.realizedPnl,
    )


# -- balances and positions ----------------------------------------------------------------


def spot_balances(raw: s.SpotAccount, *, include_zero: bool = False) -> list[Balance]:
    """``/api/v3/account`` balances (``total = free + locked``); zero rows skipped by default."""
    return [
        Balance(asset=b.asset, free=b.free, locked=b.locked)
        for b in raw.balances
        if include_zero or b.free or b.locked
    ]


def account_position_balances(ev: s.OutboundAccountPosition) -> list[Balance]:
    """``outboundAccountPosition`` -> the balances that changed."""
    return [Balance(asset=b.a, free=b.f, locked=b.l) for b in ev.B]


def usdm_account_balances(raw: s.UsdmAccount) -> list[Balance]:
    """``/fapi/v3/account`` assets: free = available, locked = initial margin,
    total = margin balance (wallet + unrealized PnL), as the account page shows them."""
    return [
        Balance(
            asset=a.asset,
            free=a.availableBalance,
            locked=a.initialMargin,
            total=a.marginBalance,
        )
        for a in raw.assets
    ]


def usdm_balances(rows: Sequence[s.UsdmBalance]) -> list[Balance]:
    """``/fapi/v3/balance``: free = available, total = wallet balance, locked = the rest."""
    return [
        Balance(
            asset=r.asset,
            free=r.availableBalance,
            locked=max(r.balance - r.availableBalance, ZERO),
            total=r.balance,
        )
        for r in rows
    ]


def account_update_balances(ev: s.UsdmAccountUpdateEvent) -> list[Balance]:
    """``ACCOUNT_UPDATE`` balances. Binance pushes no available balance here, so free is the
    cross wallet balance, total the wallet balance and locked the isolated part between them."""
    return [
        Balance(asset=b.a, free=b.cw, locked=max(b.wb - b.cw, ZERO), total=b.wb) for b in ev.a.B
    ]


def _position_side(wire: str, amount: Decimal) -> PositionSide:
    if wire != "BOTH":
        return _POSITION_SIDE[wire]  # hedge mode: the slot says the side
    if amount > 0:
        return PositionSide.LONG
    if amount < 0:
        return PositionSide.SHORT
    return PositionSide.BOTH  # one-way and flat


def position_from_risk(row: s.UsdmPositionRisk, symbols: SymbolMap) -> Position:
    """``/fapi/v3/positionRisk`` row -> :class:`Position` (quantity = |positionAmt|).

    v3 no longer reports leverage or margin type: ``leverage`` is ``None`` and the margin
    mode is inferred from the isolated wallet (non-zero means isolated).
    """
    amount = row.positionAmt
    wire_side = row.positionSide
    if wire_side != "BOTH":
        side = _POSITION_SIDE[wire_side]  # hedge mode: the slot says the side
    elif amount > 0:
        side = PositionSide.LONG
    else:
        side = PositionSide.SHORT if amount else PositionSide.BOTH
    return Position(
        symbol=symbols.to_unified.get(row.symbol) or symbols.unified(row.symbol, raw=row),
        side=side,
        quantity=abs(amount),
        entry_price=row.entryPrice or None,
        mark_price=row.markPrice or None,
        unrealized_pnl=row.unRealizedProfit,
        liquidation_price=row.liquidationPrice or None,
        margin_mode=MarginMode.ISOLATED if row.isolatedWallet else MarginMode.CROSS,
        timestamp_ms=row.updateTime or None,
    )


def positions_from_risk(
    rows: Sequence[s.UsdmPositionRisk], symbols: SymbolMap, *, include_flat: bool = False
) -> list[Position]:
    """Every row mapped; flat rows (symbols with only open orders) skipped by default."""
    out = []
    for row in rows:
        if include_flat or row.positionAmt:
            out.append(position_from_risk(row, symbols))
    return out


_MARGIN_TYPE = {
    "isolated": MarginMode.ISOLATED,
    "ISOLATED": MarginMode.ISOLATED,
    "cross": MarginMode.CROSS,
    "crossed": MarginMode.CROSS,
    "CROSSED": MarginMode.CROSS,
}


def account_update_positions(ev: s.UsdmAccountUpdateEvent, symbols: SymbolMap) -> list[Position]:
    """``ACCOUNT_UPDATE`` positions (flat ones included: they report a close)."""
    out = []
    for index, p in enumerate(ev.a.P):
        out.append(
            Position(
                symbol=symbols.unified(p.s, path=f"$.a.P[{index}].s", raw=ev),
                side=_position_side(p.ps, p.pa),
                quantity=abs(p.pa),
                entry_price=_opt(p.ep),
                unrealized_pnl=p.up,
                margin_mode=_MARGIN_TYPE[p.mt] if p.mt else None,
                timestamp_ms=ev.T,
            )
        )
    return out


# -- requests ------------------------------------------------------------------------------

_VALID_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")


def encode_client_order_id(client_order_id: str) -> str:
    """The Binance-side id for a unified client order id, deterministically.

    Ids already in ``[A-Za-z0-9_-]{1,36}`` (valid on spot and futures, and every id
    :func:`exchangekit.new_client_order_id` makes) pass unchanged. Any other id becomes
    ``ek-`` + the first 32 hex digits of its SHA-256, so the same request always carries the
    same exchange id, and orders read back from Binance carry this encoded form.
    """
    if _VALID_CLIENT_ID.match(client_order_id):
        return client_order_id
    return "ek-" + hashlib.sha256(client_order_id.encode()).hexdigest()[:32]


def _plain(value: Decimal) -> str:
    """A decimal as Binance accepts it: plain notation, never an exponent."""
    return format(value, "f")


_SPOT_OUT_TYPE = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP_MARKET: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
}
_USDM_OUT_TYPE = {
    OrderType.MARKET: "MARKET",
    OrderType.LIMIT: "LIMIT",
    OrderType.STOP_MARKET: "STOP_MARKET",
    OrderType.STOP_LIMIT: "STOP",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT_MARKET",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT",
}


def uses_algo_endpoint(request: OrderRequest, market: Market) -> bool:
    """True when the order must go to ``POST /fapi/v1/algoOrder`` (futures conditionals)."""
    return market == "usdm" and request.type.is_conditional


def _refuse(request: OrderRequest, reason: str) -> NotSupported:
    return NotSupported(
        f"Binance cannot express this order: {reason}",
        exchange=EXCHANGE,
        client_order_id=request.client_order_id,
    )


def _common_params(
    request: OrderRequest, symbols: SymbolMap, market: Market, hedge_mode: bool
) -> Iterator[tuple[str, str]]:
    yield "symbol", symbols.exchange(request.symbol)
    yield "side", _SIDE_OUT[request.side]
    if market == "spot":
        if request.reduce_only:
            raise _refuse(request, "spot has no reduce-only orders")
        if request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "spot has no position sides")
        return
    if hedge_mode:
        if request.position_side not in (PositionSide.LONG, PositionSide.SHORT):
            raise _refuse(request, "hedge mode needs position_side long or short")
        if request.reduce_only:
            # Binance rejects reduceOnly in hedge mode; closing is expressed by side + slot.
            raise _refuse(request, "reduce_only is not allowed in hedge mode")
        yield "positionSide", _POSITION_SIDE_OUT[request.position_side]
        return
    if request.position_side not in (None, PositionSide.BOTH):
        raise _refuse(request, "long/short position sides need hedge mode")
    if request.reduce_only:
        yield "reduceOnly", "true"


def _time_in_force(request: OrderRequest, market: Market) -> str | None:
    tif = request.time_in_force
    if not request.type.has_limit_price:
        # Binance market orders take no timeInForce and behave as IOC; FOK has no equivalent.
        if tif is TimeInForce.FOK:
            raise _refuse(request, f"{request.type.value} orders cannot be fill-or-kill")
        return None
    if request.post_only:
        if market == "spot":
            return None  # LIMIT_MAKER carries no timeInForce
        if tif not in (None, TimeInForce.GTC):
            raise _refuse(request, f"post_only cannot be combined with {tif.value}")
        return "GTX"
    if tif is TimeInForce.GTD:
        raise _refuse(request, "gtd needs an expiry time the unified request does not carry")
    return (tif or TimeInForce.GTC).value.upper()


def order_params(
    request: OrderRequest, symbols: SymbolMap, *, market: Market, hedge_mode: bool = False
) -> dict[str, str]:
    """An :class:`OrderRequest` as ``POST /api/v3/order`` or ``/fapi/v1/order`` params.

    Insertion order is the send order. Spot asks for ``newOrderRespType=FULL`` (fills come
    back), futures for ``RESULT``. Futures conditional orders belong on the algo endpoint
    (:func:`algo_order_params`); anything Binance cannot express raises ``NotSupported``.
    """
    if uses_algo_endpoint(request, market):
        raise _refuse(request, "futures conditional orders go to the algo endpoint")
    params = dict(_common_params(request, symbols, market, hedge_mode))
    if market == "spot":
        wire_type = "LIMIT_MAKER" if request.post_only else _SPOT_OUT_TYPE[request.type]
        if request.post_only and request.type is not OrderType.LIMIT:
            raise _refuse(request, "spot post-only exists only for plain limit orders")
    else:
        wire_type = _USDM_OUT_TYPE[request.type]
    params["type"] = wire_type
    tif = _time_in_force(request, market)
    if tif is not None:
        params["timeInForce"] = tif
    params["quantity"] = _plain(request.quantity)
    if request.price is not None:
        params["price"] = _plain(request.price)
    if request.stop_price is not None:
        params["stopPrice"] = _plain(request.stop_price)
    params["newClientOrderId"] = encode_client_order_id(request.client_order_id or "")
    params["newOrderRespType"] = "FULL" if market == "spot" else "RESULT"
    return params


def algo_order_params(
    request: OrderRequest, symbols: SymbolMap, *, hedge_mode: bool = False
) -> dict[str, str]:
    """A futures conditional order as ``POST /fapi/v1/algoOrder`` params (CONDITIONAL)."""
    if not request.type.is_conditional:
        raise _refuse(request, "only conditional orders go to the algo endpoint")
    params = {"algoType": "CONDITIONAL"}
    params.update(_common_params(request, symbols, "usdm", hedge_mode))
    params["type"] = _USDM_OUT_TYPE[request.type]
    tif = _time_in_force(request, "usdm")
    if tif is not None:
        params["timeInForce"] = tif
    params["quantity"] = _plain(request.quantity)
    if request.price is not None:
        params["price"] = _plain(request.price)
    params["triggerPrice"] = _plain(request.stop_price or ZERO)
    params["clientAlgoId"] = encode_client_order_id(request.client_order_id or "")
    params["newOrderRespType"] = "RESULT"
    return params


def cancel_params(
    symbol: str,
    symbols: SymbolMap,
    *,
    order_id: str | None = None,
    client_order_id: str | None = None,
) -> dict[str, str]:
    """Params to cancel or query one order by exchange id or (unified) client order id."""
    params = {"symbol": symbols.exchange(symbol)}
    if order_id is not None:
        params["orderId"] = order_id
    if client_order_id is not None:
        params["origClientOrderId"] = encode_client_order_id(client_order_id)
    if len(params) == 1:
        raise NotSupported("give order_id or client_order_id", exchange=EXCHANGE)
    return params


def kline_params(
    symbol: str,
    interval: str,
    symbols: SymbolMap,
    *,
    market: Market,
    start_ms: int | None = None,
    end_ms: int | None = None,
    limit: int | None = None,
) -> dict[str, str]:
    """Params for ``klines``; the unified interval names are Binance's own."""
    allowed = SPOT_INTERVALS if market == "spot" else USDM_INTERVALS
    if interval not in allowed:
        raise NotSupported(f"interval {interval!r} is not one of {allowed}", exchange=EXCHANGE)
    params = {"symbol": symbols.exchange(symbol), "interval": interval}
    if start_ms is not None:
        params["startTime"] = str(start_ms)
    if end_ms is not None:
        params["endTime"] = str(end_ms)
    if limit is not None:
        params["limit"] = str(limit)
    return params
