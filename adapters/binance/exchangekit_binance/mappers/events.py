"""Binance WebSocket events -> unified models: market streams and user-data updates."""

from __future__ import annotations

from exchangekit.mapping import accepts_json
from exchangekit.models import (
    Balance,
    Candle,
    Fill,
    Order,
    OrderBook,
    Position,
    Side,
    Ticker,
    Trade,
)
from exchangekit_binance import schemas as s
from exchangekit_binance.mappers.account import _MARGIN_TYPE, _position_side
from exchangekit_binance.mappers.common import (
    _ALGO_STATUS,
    _POSITION_SIDE,
    _SIDE,
    _SPOT_SHAPE,
    _STATUS,
    _USDM_SHAPE,
    EXCHANGE,
    TRAILING,
    ZERO,
    SymbolMap,
    _loose,
    _opt,
    _shape,
    _unmappable,
)
from exchangekit_binance.mappers.orders import _spot_average

__all__ = [
    "account_position_balances",
    "algo_update",
    "account_update_balances",
    "account_update_positions",
    "candle_from_event",
    "execution_report",
    "order_book_from_event",
    "order_trade_update",
    "ticker_from_event",
    "trade_from_event",
]


@accepts_json(s.Ticker24hEvent, exchange=EXCHANGE)
def ticker_from_event(ev: s.Ticker24hEvent, symbols: SymbolMap) -> Ticker:
    """``<symbol>@ticker`` event -> :class:`Ticker` (timestamp = event time)."""
    return Ticker(
        symbol=symbols.unified(ev.s, path="$.s", raw=ev),
        # Futures send no best bid/ask here; spot writes "0" for an empty side.
        bid=ev.b or None,
        bid_size=ev.B if ev.b else None,
        ask=ev.a or None,
        ask_size=ev.A if ev.a else None,
        last=ev.c,
        open=ev.o,
        high=ev.h,
        low=ev.l,
        volume=ev.v,
        quote_volume=ev.q,
        timestamp_ms=ev.E,
    )


@accepts_json(s.KlineEvent, exchange=EXCHANGE)
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


@accepts_json(s.DepthUpdateEvent, exchange=EXCHANGE)
def order_book_from_event(ev: s.DepthUpdateEvent, symbols: SymbolMap) -> OrderBook:
    """A diff-depth event as a partial book (levels to set; quantity 0 deletes)."""
    return OrderBook(
        symbol=symbols.unified(ev.s, path="$.s", raw=ev),
        bids=ev.b,
        asks=ev.a,
        sequence=ev.u,
        timestamp_ms=ev.E,
    )


@accepts_json(s.TradeEvent | s.AggTradeEvent, exchange=EXCHANGE)
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


@accepts_json(s.ExecutionReport, exchange=EXCHANGE)
def execution_report(ev: s.ExecutionReport, symbols: SymbolMap) -> tuple[Order, Fill | None]:
    """Spot ``executionReport`` -> the order's new state, and a fill when ``x == TRADE``."""
    try:
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
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, ev) from exc


@accepts_json(s.OrderTradeUpdateEvent, exchange=EXCHANGE)
def order_trade_update(
    ev: s.OrderTradeUpdateEvent, symbols: SymbolMap
) -> tuple[Order, Fill | None]:
    """Futures ``ORDER_TRADE_UPDATE`` -> the order, and a fill for executions.

    ``TRADE`` and ``CALCULATED`` (a liquidation execution) with a non-zero last quantity
    are fills.
    """
    try:
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
            stop_price=None if o.o == TRAILING else _opt(o.sp),
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
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, ev) from exc


@accepts_json(s.OutboundAccountPosition, exchange=EXCHANGE)
def account_position_balances(ev: s.OutboundAccountPosition) -> list[Balance]:
    """``outboundAccountPosition`` -> the balances that changed."""
    try:
        return [Balance(asset=b.a, free=b.f, locked=b.l) for b in ev.B]
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, ev) from exc


@accepts_json(s.UsdmAccountUpdateEvent, exchange=EXCHANGE)
def account_update_balances(ev: s.UsdmAccountUpdateEvent) -> list[Balance]:
    """``ACCOUNT_UPDATE`` balances. Binance pushes no available balance here, so free is the
    cross wallet balance, total the wallet balance and locked the isolated part between them."""
    try:
        return [
            Balance(asset=b.a, free=b.cw, locked=max(b.wb - b.cw, ZERO), total=b.wb) for b in ev.a.B
        ]
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, ev) from exc


@accepts_json(s.UsdmAccountUpdateEvent, exchange=EXCHANGE)
def account_update_positions(ev: s.UsdmAccountUpdateEvent, symbols: SymbolMap) -> list[Position]:
    """``ACCOUNT_UPDATE`` positions (flat ones included: they report a close)."""
    try:
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
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, ev) from exc


@accepts_json(s.AlgoUpdateEvent, exchange=EXCHANGE)
def algo_update(ev: s.AlgoUpdateEvent, symbols: SymbolMap) -> Order:
    """Futures ``ALGO_UPDATE`` -> the conditional order as it is now.

    The same :class:`Order` as the REST algo order (``order_id`` is the algo id, the client
    id is the client algo id, ``FINISHED`` is ``unknown``: Binance does not say whether the
    triggered order filled or was cancelled). Once triggered, the matching engine's executed
    quantity and average price (``aq``, ``ap``) are carried as the fill state.
    """
    try:
        o = ev.o
        otype, tif, post_only = _shape(_USDM_SHAPE, o.o, o.f, "$.o.o", ev)
        filled = _loose(o.aq, "$.o.aq", ev) or ZERO
        average = _loose(o.ap, "$.o.ap", ev)
        return Order(
            symbol=symbols.unified(o.s, path="$.o.s", raw=ev),
            order_id=str(o.aid),
            client_order_id=o.caid,
            side=_SIDE[o.S],
            type=otype,
            status=_ALGO_STATUS[o.X],
            quantity=_loose(o.q, "$.o.q", ev) or ZERO,
            filled_quantity=filled,
            price=_opt(_loose(o.p, "$.o.p", ev)),
            average_fill_price=_opt(average) if filled else None,
            stop_price=None if o.o == TRAILING else _opt(_loose(o.tp, "$.o.tp", ev)),
            time_in_force=tif,
            reduce_only=o.R,
            post_only=post_only,
            position_side=_POSITION_SIDE[o.ps],
            updated_ms=ev.T,
        )
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, ev) from exc
