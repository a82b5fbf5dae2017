"""Bybit market data -> unified models: instruments, server time, tickers, candles, books."""

from __future__ import annotations

from decimal import Decimal

from exchangekit.mapping import accepts_json
from exchangekit.models import (
    Candle,
    Instrument,
    MarketKind,
    OrderBook,
    Ticker,
)
from exchangekit_bybit import schemas as s
from exchangekit_bybit.mappers.common import (
    _INTERVAL_MS,
    EXCHANGE,
    ZERO,
    SymbolMap,
    _fail,
    _limit,
    _ms,
    _opt,
    _price,
)

__all__ = ["instruments", "server_time_ms", "ticker", "candles", "order_book"]

# -- instruments ---------------------------------------------------------------------------


def _spot_instrument(raw: s.Instrument, path: str) -> Instrument:
    lot = raw.lotSizeFilter
    at = f"{path}.lotSizeFilter"
    step = _limit(lot.basePrecision, f"{at}.basePrecision", raw)
    if step is None:
        raise _fail("lotSizeFilter.basePrecision is missing", f"{at}.basePrecision", raw)
    # minOrderQty/maxOrderQty are deprecated on spot ("no longer checked"): the minimum is
    # the value minOrderAmt (BYD market/instrument.mdx).
    return Instrument(
        symbol=f"{raw.baseCoin}/{raw.quoteCoin}",
        exchange_symbol=raw.symbol,
        base=raw.baseCoin,
        quote=raw.quoteCoin,
        kind=MarketKind.SPOT,
        tick_size=raw.priceFilter.tickSize,
        step_size=step,
        min_notional=_limit(lot.minOrderAmt, f"{at}.minOrderAmt", raw) or ZERO,
        max_notional=_limit(lot.maxOrderAmt, f"{at}.maxOrderAmt", raw),
        max_quantity=_limit(lot.maxLimitOrderQty, f"{at}.maxLimitOrderQty", raw)
        or _limit(lot.maxOrderQty, f"{at}.maxOrderQty", raw),
        market_max_quantity=_limit(lot.maxMarketOrderQty, f"{at}.maxMarketOrderQty", raw),
        active=raw.status == "Trading",
    )


def _linear_instrument(raw: s.Instrument, path: str) -> Instrument | None:
    if raw.contractType != "LinearPerpetual":
        return None  # dated futures (LinearFutures) are out of this adapter's scope for now
    lot = raw.lotSizeFilter
    at = f"{path}.lotSizeFilter"
    step = _limit(lot.qtyStep, f"{at}.qtyStep", raw)
    if step is None:
        raise _fail("lotSizeFilter.qtyStep is missing", f"{at}.qtyStep", raw)
    if not raw.settleCoin:
        raise _fail("a linear contract needs its settleCoin", f"{path}.settleCoin", raw)
    prices = raw.priceFilter
    return Instrument(
        symbol=f"{raw.baseCoin}/{raw.quoteCoin}:{raw.settleCoin}",
        exchange_symbol=raw.symbol,
        base=raw.baseCoin,
        quote=raw.quoteCoin,
        settle=raw.settleCoin,
        kind=MarketKind.PERPETUAL,
        tick_size=prices.tickSize,
        step_size=step,
        min_quantity=_limit(lot.minOrderQty, f"{at}.minOrderQty", raw) or ZERO,
        max_quantity=_limit(lot.maxOrderQty, f"{at}.maxOrderQty", raw),
        min_notional=_limit(lot.minNotionalValue, f"{at}.minNotionalValue", raw) or ZERO,
        min_price=_limit(prices.minPrice, f"{path}.priceFilter.minPrice", raw),
        max_price=_limit(prices.maxPrice, f"{path}.priceFilter.maxPrice", raw),
        market_max_quantity=_limit(lot.maxMktOrderQty, f"{at}.maxMktOrderQty", raw),
        active=raw.status == "Trading",
    )


@accepts_json(s.InstrumentList, exchange=EXCHANGE)
def instruments(result: s.InstrumentList) -> list[Instrument]:
    """``/v5/market/instruments-info`` -> instruments (spot pairs or linear perpetuals).

    The kind follows ``result.category``; linear contracts other than ``LinearPerpetual``
    (dated ``LinearFutures``) are left out rather than guessed.
    """
    out: list[Instrument] = []
    if result.category == "spot":
        for index, raw in enumerate(result.list):
            out.append(_spot_instrument(raw, f"$.result.list[{index}]"))
        return out
    if result.category != "linear":
        raise _fail(f"category {result.category!r} is not supported", "$.result.category", result)
    for index, raw in enumerate(result.list):
        inst = _linear_instrument(raw, f"$.result.list[{index}]")
        if inst is not None:
            out.append(inst)
    return out


# -- market data ---------------------------------------------------------------------------


@accepts_json(s.Envelope[s.ServerTime], exchange=EXCHANGE)
def server_time_ms(envelope: s.Envelope[s.ServerTime]) -> int:
    """Server time in ms from ``/v5/market/time`` (``timeNano`` / 10**6)."""
    return _ms(envelope.result.timeNano, "$.result.timeNano", envelope) // 1_000_000


@accepts_json(s.Ticker, exchange=EXCHANGE)
def ticker(raw: s.Ticker, symbols: SymbolMap, *, timestamp_ms: int, path: str = "$") -> Ticker:
    """A ``/v5/market/tickers`` row -> :class:`Ticker`.

    Rows carry no time of their own: ``timestamp_ms`` is the envelope's ``time``. ``open``
    is ``prevPrice24h`` (the price 24 h ago), ``quote_volume`` is ``turnover24h``.
    """
    # Hot path written plainly: on anything unusual (unknown symbol, a value that is not a
    # finite decimal) the checked mapper below runs and raises with the field's path.
    symbol = symbols.to_unified.get(raw.symbol)
    if symbol is not None:
        try:
            v = raw.bid1Price
            bid = (Decimal(v) or None) if v else None
            v = raw.bid1Size
            bid_size = Decimal(v) if v else None
            v = raw.ask1Price
            ask = (Decimal(v) or None) if v else None
            v = raw.ask1Size
            ask_size = Decimal(v) if v else None
            v = raw.lastPrice
            last = (Decimal(v) or None) if v else None
            v = raw.prevPrice24h
            open_ = (Decimal(v) or None) if v else None
            v = raw.highPrice24h
            high = (Decimal(v) or None) if v else None
            v = raw.lowPrice24h
            low = (Decimal(v) or None) if v else None
            v = raw.volume24h
            volume = Decimal(v) if v else None
            v = raw.turnover24h
            quote_volume = Decimal(v) if v else None
        except (ArithmeticError, ValueError, TypeError):
            return _ticker_checked(raw, symbols, timestamp_ms, path)
        for x in (bid, bid_size, ask, ask_size, last, open_, high, low, volume, quote_volume):
            if x is not None and not x.is_finite():
                return _ticker_checked(raw, symbols, timestamp_ms, path)
        return Ticker(
            symbol=symbol,
            bid=bid,
            bid_size=bid_size,
            ask=ask,
            ask_size=ask_size,
            last=last,
            open=open_,
            high=high,
            low=low,
            volume=volume,
            quote_volume=quote_volume,
            timestamp_ms=timestamp_ms,
        )
    return _ticker_checked(raw, symbols, timestamp_ms, path)


def _ticker_checked(raw: s.Ticker, symbols: SymbolMap, timestamp_ms: int, path: str) -> Ticker:
    return Ticker(
        symbol=symbols.unified(raw.symbol, path=f"{path}.symbol", raw=raw),
        bid=_price(raw.bid1Price, f"{path}.bid1Price", raw),
        bid_size=_opt(raw.bid1Size, f"{path}.bid1Size", raw),
        ask=_price(raw.ask1Price, f"{path}.ask1Price", raw),
        ask_size=_opt(raw.ask1Size, f"{path}.ask1Size", raw),
        last=_price(raw.lastPrice, f"{path}.lastPrice", raw),
        open=_price(raw.prevPrice24h, f"{path}.prevPrice24h", raw),
        high=_price(raw.highPrice24h, f"{path}.highPrice24h", raw),
        low=_price(raw.lowPrice24h, f"{path}.lowPrice24h", raw),
        volume=_opt(raw.volume24h, f"{path}.volume24h", raw),
        quote_volume=_opt(raw.turnover24h, f"{path}.turnover24h", raw),
        timestamp_ms=timestamp_ms,
    )


@accepts_json(s.KlineResult, exchange=EXCHANGE)
def candles(result: s.KlineResult, symbol: str, interval: str, *, now_ms: int) -> list[Candle]:
    """Kline rows -> candles, **oldest first** (Bybit sends newest first).

    A row is closed when its interval has ended by ``now_ms``; for ``1M`` (months differ in
    length) only the newest row is taken as open.
    """
    span = _INTERVAL_MS.get(interval)
    rows = result.list
    out: list[Candle] = []
    append = out.append
    for index in range(len(rows) - 1, -1, -1):
        r = rows[index]
        start = r.startTime
        if start.isdigit() and start.isascii():
            open_ms = int(start)
        else:
            open_ms = _ms(start, f"$.result.list[{index}][0]", result)
        if span is not None:
            close_ms: int | None = open_ms + span
            closed = open_ms + span <= now_ms
        else:
            close_ms = None
            closed = index != 0
        append(
            Candle(
                symbol=symbol,
                interval=interval,
                open_ms=open_ms,
                open=r.open,
                high=r.high,
                low=r.low,
                close=r.close,
                volume=r.volume,
                quote_volume=r.turnover,
                closed=closed,
                close_ms=close_ms,
            )
        )
    return out


@accepts_json(s.OrderBookResult, exchange=EXCHANGE)
def order_book(
    raw: s.OrderBookResult, symbols: SymbolMap, *, received_ms: int | None = None
) -> OrderBook:
    """``/v5/market/orderbook`` -> :class:`OrderBook` (``sequence`` = ``u``).

    Bybit sends bids best-first (descending) and asks best-first (ascending).
    """
    return OrderBook(
        symbol=symbols.unified(raw.s, path="$.result.s", raw=raw),
        bids=raw.b,
        asks=raw.a,
        sequence=raw.u,
        timestamp_ms=raw.ts,
        received_ms=received_ms,
    )
