"""Binance market-data wire structs: exchange info and filters, tickers, depth, klines (spot and
USDⓈ-M futures)."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit_binance.schemas.common import RateLimit, _Wire

__all__ = [
    "BookTicker",
    "DepthSnapshot",
    "KlineRow",
    "SpotExchangeInfo",
    "SpotSymbol",
    "SpotTicker24h",
    "SymbolFilter",
    "UsdmExchangeInfo",
    "UsdmSymbol",
    "UsdmTicker24h",
]


class SymbolFilter(_Wire):
    """Any symbol filter (BSD filters.md; futures use ``notional`` in MIN_NOTIONAL).

    One generic struct rather than a tagged union, so that a filter type Binance adds later
    decodes instead of breaking ``exchangeInfo``.
    """

    filterType: str
    minPrice: Decimal | None = None
    maxPrice: Decimal | None = None
    tickSize: Decimal | None = None
    minQty: Decimal | None = None
    maxQty: Decimal | None = None
    stepSize: Decimal | None = None
    minNotional: Decimal | None = None
    maxNotional: Decimal | None = None
    notional: Decimal | None = None
    applyToMarket: bool | None = None
    applyMinToMarket: bool | None = None
    applyMaxToMarket: bool | None = None
    avgPriceMins: int | None = None
    limit: int | None = None


class DepthSnapshot(_Wire):
    """``GET /api/v3/depth`` and ``/fapi/v1/depth`` (futures adds ``E`` and ``T``)."""

    lastUpdateId: int
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]
    E: int | None = None
    T: int | None = None


class KlineRow(_Wire, array_like=True):
    """One 12-element kline row (BSD rest-api.md §Kline/Candlestick data)."""

    openTime: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    closeTime: int
    quoteVolume: Decimal
    trades: int
    takerBuyBaseVolume: Decimal
    takerBuyQuoteVolume: Decimal
    ignore: str | int = "0"


class BookTicker(_Wire):
    """``GET ticker/bookTicker`` (futures adds ``time`` and ``lastUpdateId``)."""

    symbol: str
    bidPrice: Decimal
    bidQty: Decimal
    askPrice: Decimal
    askQty: Decimal
    time: int | None = None
    lastUpdateId: int | None = None


# -- spot: market data ---------------------------------------------------------------------


class SpotSymbol(_Wire):
    """One ``exchangeInfo.symbols`` entry (spot)."""

    symbol: str
    status: str
    baseAsset: str
    quoteAsset: str
    filters: list[SymbolFilter]
    baseAssetPrecision: int | None = None
    quoteAssetPrecision: int | None = None
    orderTypes: list[str] = msgspec.field(default_factory=list)
    isSpotTradingAllowed: bool = True
    permissions: list[str] = msgspec.field(default_factory=list)


class SpotExchangeInfo(_Wire):
    """``GET /api/v3/exchangeInfo``."""

    symbols: list[SpotSymbol]
    rateLimits: list[RateLimit] = msgspec.field(default_factory=list)
    serverTime: int | None = None
    timezone: str = "UTC"


class SpotTicker24h(_Wire):
    """``GET /api/v3/ticker/24hr`` (type FULL)."""

    symbol: str
    priceChange: Decimal
    priceChangePercent: Decimal
    weightedAvgPrice: Decimal
    prevClosePrice: Decimal
    lastPrice: Decimal
    lastQty: Decimal
    bidPrice: Decimal
    bidQty: Decimal
    askPrice: Decimal
    askQty: Decimal
    openPrice: Decimal
    highPrice: Decimal
    lowPrice: Decimal
    volume: Decimal
    quoteVolume: Decimal
    openTime: int
    closeTime: int
    firstId: int
    lastId: int
    count: int


# -- USDⓈ-M futures: market data -----------------------------------------------------------


class UsdmSymbol(_Wire):
    """One ``/fapi/v1/exchangeInfo`` symbol."""

    symbol: str
    pair: str
    contractType: str
    status: str
    baseAsset: str
    quoteAsset: str
    marginAsset: str
    filters: list[SymbolFilter]
    deliveryDate: int | None = None
    onboardDate: int | None = None
    pricePrecision: int | None = None
    quantityPrecision: int | None = None
    underlyingType: str | None = None
    timeInForce: list[str] = msgspec.field(default_factory=list)


class UsdmExchangeInfo(_Wire):
    """``GET /fapi/v1/exchangeInfo``."""

    symbols: list[UsdmSymbol]
    rateLimits: list[RateLimit] = msgspec.field(default_factory=list)
    serverTime: int | None = None
    timezone: str = "UTC"


class UsdmTicker24h(_Wire):
    """``GET /fapi/v1/ticker/24hr``: no best bid/ask, unlike spot."""

    symbol: str
    priceChange: Decimal
    priceChangePercent: Decimal
    weightedAvgPrice: Decimal
    lastPrice: Decimal
    lastQty: Decimal
    openPrice: Decimal
    highPrice: Decimal
    lowPrice: Decimal
    volume: Decimal
    quoteVolume: Decimal
    openTime: int
    closeTime: int
    firstId: int
    lastId: int
    count: int
