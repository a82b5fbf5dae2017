"""Binance market data -> unified models: instruments, tickers, candles, order books."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from exchangekit.mapping import accepts_json, wire_or_reraise
from exchangekit.models import (
    Candle,
    Instrument,
    MarketKind,
    OrderBook,
    Ticker,
)
from exchangekit_binance import schemas as s
from exchangekit_binance.mappers.common import EXCHANGE, ZERO, SymbolMap, _fail, _opt, _unmappable

__all__ = [
    "candles",
    "order_book",
    "spot_instruments",
    "spot_ticker",
    "usdm_instruments",
    "usdm_ticker",
]

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


def _untradable(status: str, found: dict[str, s.SymbolFilter]) -> bool:
    """A symbol that is not trading and has lost its price or lot rules (a delisted or
    settled one): left out, as there is nothing to trade. A *trading* symbol without them
    is a malformed payload and still fails."""
    if status == "TRADING":
        return False
    price, lot = found.get("PRICE_FILTER"), found.get("LOT_SIZE")
    return price is None or price.tickSize is None or lot is None or lot.stepSize is None


@accepts_json(s.SpotExchangeInfo, exchange=EXCHANGE)
def spot_instruments(info: s.SpotExchangeInfo) -> list[Instrument]:
    """Every spot symbol as an :class:`Instrument` (``active`` when status is TRADING)."""
    try:
        out = []
        for index, sym in enumerate(info.symbols):
            path = f"$.symbols[{index}]"
            found = _filters(sym.filters)
            if _untradable(sym.status, found):
                continue
            out.append(
                Instrument(
                    symbol=f"{sym.baseAsset}/{sym.quoteAsset}",
                    exchange_symbol=sym.symbol,
                    base=sym.baseAsset,
                    quote=sym.quoteAsset,
                    kind=MarketKind.SPOT,
                    active=sym.status == "TRADING",
                    **_limits(found, path, sym),
                )
            )
        return out
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, info) from exc


_PERPETUAL_FAR_FUTURE_MS = 4_000_000_000_000  # perpetuals carry deliveryDate 4133404800000


@accepts_json(s.UsdmExchangeInfo, exchange=EXCHANGE)
def usdm_instruments(info: s.UsdmExchangeInfo) -> list[Instrument]:
    """USDⓈ-M symbols: ``BTC/USDT:USDT`` perpetuals, ``BTC/USDT:USDT-261225`` futures.

    The kind comes from ``contractType``: any ``*PERPETUAL*`` is a perpetual, any
    ``*QUARTER*``/``*MONTH*`` a dated future. Symbols with another or an empty contract type
    (delisted, settling) are left out rather than guessed.
    """
    try:
        out = []
        for index, sym in enumerate(info.symbols):
            path = f"$.symbols[{index}]"
            found = _filters(sym.filters)
            if _untradable(sym.status, found):
                continue
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
                    **_limits(found, path, sym),
                )
            )
        return out
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, info) from exc


# -- market data ---------------------------------------------------------------------------


def spot_ticker(raw: s.SpotTicker24h, symbols: SymbolMap) -> Ticker:
    """``/api/v3/ticker/24hr`` -> :class:`Ticker` (timestamp = the window's close time)."""
    try:
        # An empty book side reads "0.00000000" (a halted or new symbol): no quote, not zero.
        bid, ask = raw.bidPrice or None, raw.askPrice or None
        return Ticker(
            symbol=symbols.to_unified.get(raw.symbol) or symbols.unified(raw.symbol, raw=raw),
            bid=bid,
            bid_size=raw.bidQty if bid else None,
            ask=ask,
            ask_size=raw.askQty if ask else None,
            last=raw.lastPrice,
            open=raw.openPrice,
            high=raw.highPrice,
            low=raw.lowPrice,
            volume=raw.volume,
            quote_volume=raw.quoteVolume,
            timestamp_ms=raw.closeTime,
        )
    except AttributeError as exc:  # parsed JSON, not the struct: convert, map again
        return spot_ticker(wire_or_reraise(raw, s.SpotTicker24h, exc, exchange=EXCHANGE), symbols)
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc


@accepts_json(s.UsdmTicker24h, exchange=EXCHANGE)
def usdm_ticker(
    raw: s.UsdmTicker24h, symbols: SymbolMap, book: s.BookTicker | None = None
) -> Ticker:
    """``/fapi/v1/ticker/24hr`` (plus an optional bookTicker for the best bid/ask)."""
    try:
        return Ticker(
            symbol=symbols.unified(raw.symbol, raw=raw),
            bid=book.bidPrice if book and book.bidPrice else None,
            bid_size=book.bidQty if book and book.bidPrice else None,
            ask=book.askPrice if book and book.askPrice else None,
            ask_size=book.askQty if book and book.askPrice else None,
            last=raw.lastPrice,
            open=raw.openPrice,
            high=raw.highPrice,
            low=raw.lowPrice,
            volume=raw.volume,
            quote_volume=raw.quoteVolume,
            timestamp_ms=raw.closeTime,
        )
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc


@accepts_json(list[s.KlineRow], exchange=EXCHANGE)
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


@accepts_json(s.DepthSnapshot, exchange=EXCHANGE)
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
