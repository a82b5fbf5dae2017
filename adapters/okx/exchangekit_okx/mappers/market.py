"""OKX public data -> unified models: server time, instruments, tickers, candles, books."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchangekit.mapping import accepts_json
from exchangekit.models import (
    Candle,
    Instrument,
    MarketKind,
    OrderBook,
    Ticker,
)
from exchangekit_okx import schemas as s
from exchangekit_okx.mappers.common import (
    _SPOT,
    EXCHANGE,
    SymbolMap,
    _dec,
    _fail,
    _ms,
    _opt_base,
    _opt_dec,
    _opt_price,
)

__all__ = ["server_time_ms", "instruments", "ticker", "candles", "order_book"]

# -- public data ---------------------------------------------------------------------------


@accepts_json(s.Envelope[s.ServerTime], exchange=EXCHANGE)
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


@accepts_json(s.Envelope[s.Instrument], exchange=EXCHANGE)
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


@accepts_json(s.Envelope[s.Ticker], exchange=EXCHANGE)
def ticker(envelope: s.Envelope[s.Ticker], symbols: SymbolMap) -> Ticker:
    """``market/ticker`` -> :class:`Ticker`, sizes and volume in base units.

    Spot: ``vol24h`` is base and ``volCcy24h`` quote. Swaps: ``vol24h`` is contracts and
    ``volCcy24h`` base, and OKX gives no quote volume (``None``).
    """
    if not envelope.data:
        raise _fail("no ticker in data", "$.data", envelope)
    row = envelope.data[0]
    inst = symbols.instrument_of.get(row.instId)
    if inst is None or inst.inverse:
        return _ticker_checked(row, symbols, envelope)
    spot = inst.kind is _SPOT
    # Hot path written plainly; anything unusual (a value that is not a finite decimal, a
    # bad timestamp) goes to the checked mapper below, which raises with the field's path.
    try:
        v = row.bidPx
        bid = (Decimal(v) or None) if v else None
        v = row.bidSz
        bid_size = Decimal(v) if v else None
        v = row.askPx
        ask = (Decimal(v) or None) if v else None
        v = row.askSz
        ask_size = Decimal(v) if v else None
        v = row.last
        last = (Decimal(v) or None) if v else None
        v = row.open24h
        open_ = (Decimal(v) or None) if v else None
        v = row.high24h
        high = (Decimal(v) or None) if v else None
        v = row.low24h
        low = (Decimal(v) or None) if v else None
        v = row.volCcy24h
        if spot:
            quote_volume = Decimal(v) if v else None
            v = row.vol24h
            volume = Decimal(v) if v else None
        else:
            # Swaps: vol24h is contracts and volCcy24h base; no quote volume.
            volume = Decimal(v) if v else None
            quote_volume = None
        v = row.ts
        if not (v.isdigit() and v.isascii()):
            return _ticker_checked(row, symbols, envelope)
        timestamp = int(v)
    except (ArithmeticError, ValueError, TypeError):
        return _ticker_checked(row, symbols, envelope)
    for x in (bid, bid_size, ask, ask_size, last, open_, high, low, volume, quote_volume):
        if x is not None and not x.is_finite():
            return _ticker_checked(row, symbols, envelope)
    if not spot:
        size = inst.contract_size
        if bid_size is not None:
            bid_size = bid_size * size
        if ask_size is not None:
            ask_size = ask_size * size
    return Ticker(
        symbol=inst.symbol,
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
        timestamp_ms=timestamp,
    )


def _ticker_checked(row: s.Ticker, symbols: SymbolMap, envelope: s.Envelope[s.Ticker]) -> Ticker:
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


@accepts_json(s.Envelope[s.Candle], exchange=EXCHANGE)
def candles(
    envelope: s.Envelope[s.Candle], symbol: str, interval: str, symbols: SymbolMap
) -> list[Candle]:
    """``market/candles`` rows (newest first) -> candles oldest first, volume in base.

    ``closed`` is OKX's ``confirm`` flag. Spot ``vol`` is base; for swaps ``vol`` is
    contracts and ``volCcy`` is base. ``quote_volume`` is ``volCcyQuote`` for both.
    """
    inst = symbols.instrument(symbol)
    spot = inst.kind is MarketKind.SPOT
    data = envelope.data
    out: list[Candle] = []
    append = out.append
    for index in range(len(data) - 1, -1, -1):
        row = data[index]
        ts = row.ts
        if ts.isdigit() and ts.isascii():
            open_ms = int(ts)
        else:
            open_ms = _ms(ts, f"$.data[{index}][0]", envelope)
        append(
            Candle(
                symbol=symbol,
                interval=interval,
                open_ms=open_ms,
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


@accepts_json(s.Envelope[s.OrderBook], exchange=EXCHANGE)
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
        bids = [(price, contracts * size) for price, contracts, _, _ in row.bids]
        asks = [(price, contracts * size) for price, contracts, _, _ in row.asks]
    return OrderBook(
        symbol=symbol,
        bids=bids,
        asks=asks,
        sequence=row.seqId,
        timestamp_ms=_ms(row.ts, "$.data[0].ts", envelope),
    )
