"""Pure mappers: Bybit V5 wire structs -> unified models, unified requests -> Bybit params.

No I/O, no clock, no globals: the symbol map and anything time-dependent (``now_ms``) are
passed in. Every function raises :class:`~exchangekit.errors.MappingError` (with the path of
the bad field) on data it cannot map; none leaks ``KeyError``, ``TypeError``,
``IndexError`` or ``decimal.InvalidOperation``. Decoding bytes into the structs of
:mod:`exchangekit_bybit.schemas` is the caller's first step (``exchangekit.mapping.decoder``),
after :func:`exchangekit_bybit.errors.classify` has ruled out a non-zero ``retCode``.

Mapping choices (each also stated where it is made):

- ``New``, ``Created``, ``Untriggered``, ``Triggered``, ``Active`` -> ``open``;
  ``Cancelled``, ``PartiallyFilledCanceled`` and ``Deactivated`` (a conditional cancelled
  before it triggered) -> ``cancelled``; a cancelled order keeps its filled quantity.
- Bybit's ``orderType`` is only ``Market`` or ``Limit``; a trigger price makes it a stop or
  a take-profit, told apart by ``stopOrderType`` or else by side and ``triggerDirection``
  (spot leaves that 0: then the trigger against ``lastPriceOnCreated``; unknown -> stop).
- A spot market order sized in the quote coin (``marketUnit=quoteCoin``, or a market buy
  without ``marketUnit``) reports ``qty`` in quote units: its quantity is the base filled.
- ``positionIdx`` 1 / 2 (hedge mode) -> long / short, on orders and on positions, whose
  ``side`` reads ``""`` once flat.
- ``PostOnly`` -> ``gtc`` + ``post_only``; ``RPI`` (maker-only) likewise. Market orders
  report no time in force.
- Empty or zero prices (``""``, ``"0"``, ``"0.00"``: Bybit's "not set") map to ``None``.
- Spot symbols and linear symbols share ids (``BTCUSDT`` is both): one :class:`SymbolMap`
  per market, as the client keeps one per category.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from exchangekit.errors import MappingError, NotSupported
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
from exchangekit_bybit import schemas as s

__all__ = [
    "INTERVALS",
    "INTERVAL_MS",
    "TRADE_EXEC_TYPES",
    "SymbolMap",
    "balances",
    "cancel_all_params",
    "cancel_params",
    "candles",
    "encode_client_order_id",
    "fill",
    "fills",
    "instruments",
    "kline_params",
    "leverage_params",
    "order",
    "order_book",
    "order_params",
    "orders",
    "position",
    "positions",
    "query_params",
    "server_time_ms",
    "ticker",
]

EXCHANGE = "bybit"
ZERO = Decimal(0)
Category = Literal["spot", "linear"]

INTERVALS: dict[str, str] = {
    "1m": "1",
    "3m": "3",
    "5m": "5",
    "15m": "15",
    "30m": "30",
    "1h": "60",
    "2h": "120",
    "4h": "240",
    "6h": "360",
    "12h": "720",
    "1d": "D",
    "1w": "W",
    "1M": "M",
}
"""Unified interval -> Bybit kline interval (BYD market/kline.mdx)."""
INTERVAL_MS = {
    "1m": 60_000,
    "3m": 180_000,
    "5m": 300_000,
    "15m": 900_000,
    "30m": 1_800_000,
    "1h": 3_600_000,
    "2h": 7_200_000,
    "4h": 14_400_000,
    "6h": 21_600_000,
    "12h": 43_200_000,
    "1d": 86_400_000,
    "1w": 604_800_000,
}
"""Length of every fixed-length interval (``1M`` has none)."""
_INTERVAL_MS = INTERVAL_MS


def _fail(message: str, path: str, raw: Any) -> MappingError:
    return MappingError(message, path=path, raw=raw, exchange=EXCHANGE)


def _dec(value: str, path: str, raw: Any) -> Decimal:
    """A required decimal from a Bybit string."""
    try:
        result = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise _fail(f"expected a decimal string, got {value!r}", path, raw) from None
    if not result.is_finite():
        raise _fail(f"expected a finite decimal, got {value!r}", path, raw)
    return result


def _opt(value: str, path: str, raw: Any) -> Decimal | None:
    """An optional decimal: ``""`` is ``None``; other values must parse."""
    return _dec(value, path, raw) if value != "" else None


def _price(value: str, path: str, raw: Any) -> Decimal | None:
    """A price where ``""`` and zero both mean "not set"."""
    result = _opt(value, path, raw)
    return result if result else None


def _ms(value: str | int, path: str, raw: Any) -> int:
    """A timestamp written as a string of digits (``"1684738540559"``) or an integer."""
    if isinstance(value, int):
        if isinstance(value, bool) or value < 0:
            raise _fail(f"expected epoch milliseconds, got {value!r}", path, raw)
        return value
    if not (value.isascii() and value.isdigit()):
        raise _fail(f"expected epoch milliseconds, got {value!r}", path, raw)
    return int(value)


def _opt_ms(value: str | int, path: str, raw: Any) -> int | None:
    return _ms(value, path, raw) if value not in ("", "0", 0) else None


def _limit(value: str, path: str, raw: Any) -> Decimal | None:
    """An instrument limit: ``""`` and zero both mean "none given"."""
    return _opt(value, path, raw) or None


# -- symbols -------------------------------------------------------------------------------


class SymbolMap(CoreSymbolMap):
    """Unified symbol <-> Bybit id for one market (spot and linear each have their own).

    Built from the market's instruments and passed to every mapper that meets a symbol.
    It also knows each symbol's settle coin: linear executions leave ``feeCurrency``
    empty, and the fee is paid in the settle coin.
    """

    __slots__ = ()
    exchange_name = "Bybit"


# -- enumerations --------------------------------------------------------------------------

_STATUS: dict[str, OrderStatus] = {
    "Created": OrderStatus.OPEN,  # accepted, not yet in the engine: acknowledged, so open
    "New": OrderStatus.OPEN,
    "PartiallyFilled": OrderStatus.PARTIALLY_FILLED,
    "Untriggered": OrderStatus.OPEN,  # conditional order waiting for its trigger
    "Triggered": OrderStatus.OPEN,  # transient: Untriggered -> Triggered -> New
    "Active": OrderStatus.OPEN,
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELLED,  # derivatives: may carry an executed quantity
    "PartiallyFilledCanceled": OrderStatus.CANCELLED,  # spot: partly filled, rest cancelled
    "Rejected": OrderStatus.REJECTED,
    "Deactivated": OrderStatus.CANCELLED,  # conditional / TP-SL / OCO cancelled before trigger
}
_SIDE = {"Buy": Side.BUY, "Sell": Side.SELL}
_SIDE_OUT = {Side.BUY: "Buy", Side.SELL: "Sell"}
_TIF: dict[str, tuple[TimeInForce, bool]] = {
    "GTC": (TimeInForce.GTC, False),
    "IOC": (TimeInForce.IOC, False),
    "FOK": (TimeInForce.FOK, False),
    "PostOnly": (TimeInForce.GTC, True),
    "RPI": (TimeInForce.GTC, True),  # retail-price-improvement orders are maker-only
}
_TAKE_PROFIT_STOP_TYPES = frozenset({"TakeProfit", "PartialTakeProfit"})
_STOP_STOP_TYPES = frozenset({"StopLoss", "PartialStopLoss", "TrailingStop"})


def _is_take_profit(raw: s.Order, trigger: Decimal, path: str) -> bool:
    if raw.stopOrderType in _TAKE_PROFIT_STOP_TYPES:
        return True
    if raw.stopOrderType in _STOP_STOP_TYPES:
        return False
    # triggerDirection 1 = triggers when the price rises, 2 = when it falls (BYD enum.mdx).
    # Spot conditional orders carry none (0): the direction is then where the trigger sits
    # against lastPriceOnCreated ("last price when the order was placed").
    direction = raw.triggerDirection
    if direction not in (1, 2):
        last = _price(raw.lastPriceOnCreated, f"{path}.lastPriceOnCreated", raw)
        if last is None or last == trigger:
            return False  # no way to tell: a stop is the cautious reading
        direction = 1 if trigger > last else 2
    # A buy that triggers on a fall (or a sell on a rise) takes profit; the rest are stops.
    return (raw.side == "Buy") == (direction == 2)


def _order_type(raw: s.Order, trigger: Decimal | None, path: str) -> OrderType:
    limit = raw.orderType == "Limit"
    if trigger is None:
        return OrderType.LIMIT if limit else OrderType.MARKET
    if _is_take_profit(raw, trigger, path):
        return OrderType.TAKE_PROFIT_LIMIT if limit else OrderType.TAKE_PROFIT_MARKET
    return OrderType.STOP_LIMIT if limit else OrderType.STOP_MARKET


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


def server_time_ms(envelope: s.Envelope[s.ServerTime]) -> int:
    """Server time in ms from ``/v5/market/time`` (``timeNano`` / 10**6)."""
    return _ms(envelope.result.timeNano, "$.result.timeNano", envelope) // 1_000_000


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


# -- orders --------------------------------------------------------------------------------


_HEDGE_SLOT = {1: PositionSide.LONG, 2: PositionSide.SHORT}
"""``positionIdx`` of a hedge-mode order or position (0 is one-way: no slot)."""


def _qty_in_quote(raw: s.Order, symbols: SymbolMap) -> bool:
    # A spot market order's qty is in the quote coin unless marketUnit says baseCoin; with
    # no marketUnit a spot market buy is quote-sized (BYD create-order.mdx). Orders this
    # client sends carry marketUnit=baseCoin; these come from the web, the app or others.
    if raw.orderType != "Market" or symbols.settle(raw.symbol) is not None:
        return False
    if raw.marketUnit:
        return raw.marketUnit == "quoteCoin"
    return raw.side == "Buy"


def order(raw: s.Order, symbols: SymbolMap, *, path: str = "$") -> Order:
    """A ``/v5/order/realtime`` or ``/v5/order/history`` row -> :class:`Order`.

    A spot market order sized in the quote coin (``marketUnit=quoteCoin``, or a market buy
    with no ``marketUnit``) reports ``qty`` in quote units: its ``quantity`` is then the
    base quantity filled (plus ``leavesQty`` while it works). ``positionIdx`` 1 and 2 (hedge
    mode) give ``position_side`` long and short.
    """
    status = _STATUS[raw.orderStatus]
    filled = raw.cumExecQty
    leaves = _opt(raw.leavesQty, f"{path}.leavesQty", raw)
    quantity = raw.qty
    if _qty_in_quote(raw, symbols):
        # ``qty`` is a quote amount; the base quantity is what filled plus what is left.
        quantity = filled if status.is_terminal else filled + (leaves or ZERO)
    trigger = _price(raw.triggerPrice, f"{path}.triggerPrice", raw)
    otype = _order_type(raw, trigger, path)
    tif: TimeInForce | None
    tif, post_only = _TIF[raw.timeInForce]
    if not otype.has_limit_price:
        tif, post_only = None, False
    if status.is_terminal:
        remaining = ZERO
    elif leaves is not None:
        remaining = leaves
    else:
        remaining = max(quantity - filled, ZERO)
    average = _price(raw.avgPrice, f"{path}.avgPrice", raw)
    return Order(
        symbol=symbols.unified(raw.symbol, path=f"{path}.symbol", raw=raw),
        order_id=raw.orderId,
        client_order_id=raw.orderLinkId or None,
        side=_SIDE[raw.side],
        type=otype,
        status=status,
        quantity=quantity,
        filled_quantity=filled,
        remaining_quantity=remaining,
        price=_price(raw.price, f"{path}.price", raw) if otype.has_limit_price else None,
        average_fill_price=average if filled else None,
        stop_price=trigger,
        time_in_force=tif,
        reduce_only=raw.reduceOnly,
        post_only=post_only,
        position_side=_HEDGE_SLOT.get(raw.positionIdx),
        created_ms=_ms(raw.createdTime, f"{path}.createdTime", raw),
        updated_ms=_ms(raw.updatedTime, f"{path}.updatedTime", raw),
    )


def orders(result: s.OrderList, symbols: SymbolMap) -> list[Order]:
    """Every row of an order list, in Bybit's order (newest first)."""
    return [
        order(row, symbols, path=f"$.result.list[{index}]") for index, row in enumerate(result.list)
    ]


TRADE_EXEC_TYPES = frozenset({"Trade", "BustTrade", "AdlTrade", "BlockTrade", "MovePosition"})
"""Execution types that are fills; ``Funding``, ``Settle``, ``Delivery`` move money but are
not executions of an order."""


def fill(raw: s.Execution, symbols: SymbolMap, *, path: str = "$") -> Fill:
    """A ``/v5/execution/list`` row -> :class:`Fill`.

    The fee asset is ``feeCurrency`` when Bybit fills it in (spot), else the symbol's settle
    coin (linear, where the example leaves it empty).
    """
    fee_asset = raw.feeCurrency or symbols.settle(raw.symbol)
    return Fill(
        symbol=symbols.unified(raw.symbol, path=f"{path}.symbol", raw=raw),
        trade_id=raw.execId,
        order_id=raw.orderId,
        client_order_id=raw.orderLinkId or None,
        side=_SIDE[raw.side],
        price=raw.execPrice,
        quantity=raw.execQty,
        fee=_opt(raw.execFee, f"{path}.execFee", raw) or ZERO,
        fee_asset=fee_asset or None,
        is_maker=raw.isMaker,
        timestamp_ms=_ms(raw.execTime, f"{path}.execTime", raw),
    )


def fills(result: s.ExecutionList, symbols: SymbolMap) -> list[Fill]:
    """The trade executions of a list (funding and settlement rows are skipped)."""
    return [
        fill(row, symbols, path=f"$.result.list[{index}]")
        for index, row in enumerate(result.list)
        if row.execType in TRADE_EXEC_TYPES
    ]


# -- balances and positions ----------------------------------------------------------------


def balances(result: s.WalletBalance, *, include_zero: bool = False) -> list[Balance]:
    """Unified-account coins -> balances.

    ``total`` is ``walletBalance``; ``locked`` is what open orders and positions hold
    (``locked`` for spot orders + ``totalOrderIM`` + ``totalPositionIM``, capped at the
    total); ``free`` is the rest. Empty strings count as zero. Zero rows are skipped unless
    ``include_zero``.
    """
    out: list[Balance] = []
    for a_index, account in enumerate(result.list):
        for c_index, coin in enumerate(account.coin):
            path = f"$.result.list[{a_index}].coin[{c_index}]"
            total = coin.walletBalance
            held = ZERO
            for name in ("locked", "totalOrderIM", "totalPositionIM"):
                held += _opt(getattr(coin, name), f"{path}.{name}", coin) or ZERO
            locked = min(max(held, ZERO), max(total, ZERO))
            if not include_zero and not total and not locked:
                continue
            out.append(Balance(asset=coin.coin, free=total - locked, locked=locked, total=total))
    return out


_POSITION_SIDE = {"Buy": PositionSide.LONG, "Sell": PositionSide.SHORT}


def position(raw: s.Position, symbols: SymbolMap, *, path: str = "$") -> Position:
    """A ``/v5/position/list`` row -> :class:`Position` (quantity = ``size``).

    ``side`` is Buy/Sell for an open position; an empty position reads ``""`` (or
    ``"None"``): a hedge slot (``positionIdx`` 1/2) still maps to long/short, an empty
    one-way position to ``both``. ``tradeMode`` 1 is isolated
    margin, 0 cross.
    """
    # Hedge mode reads "" for an empty slot too; its positionIdx still says which slot.
    side = _HEDGE_SLOT.get(raw.positionIdx) or _POSITION_SIDE.get(raw.side, PositionSide.BOTH)
    updated = _opt_ms(raw.updatedTime, f"{path}.updatedTime", raw)
    return Position(
        symbol=symbols.unified(raw.symbol, path=f"{path}.symbol", raw=raw),
        side=side,
        quantity=raw.size,
        entry_price=_price(raw.avgPrice, f"{path}.avgPrice", raw),
        mark_price=_price(raw.markPrice, f"{path}.markPrice", raw),
        unrealized_pnl=_opt(raw.unrealisedPnl, f"{path}.unrealisedPnl", raw),
        realized_pnl=_opt(raw.cumRealisedPnl, f"{path}.cumRealisedPnl", raw),
        leverage=_price(raw.leverage, f"{path}.leverage", raw),
        liquidation_price=_price(raw.liqPrice, f"{path}.liqPrice", raw),
        margin_mode=MarginMode.ISOLATED if raw.tradeMode == 1 else MarginMode.CROSS,
        timestamp_ms=updated,
    )


def positions(
    result: s.PositionList, symbols: SymbolMap, *, include_flat: bool = False
) -> list[Position]:
    """Every row mapped; flat rows skipped by default."""
    out = []
    for index, row in enumerate(result.list):
        if include_flat or row.size:
            out.append(position(row, symbols, path=f"$.result.list[{index}]"))
    return out


# -- requests ------------------------------------------------------------------------------

_VALID_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")


def encode_client_order_id(client_order_id: str) -> str:
    """The ``orderLinkId`` for a unified client order id, deterministically.

    Ids already in ``[A-Za-z0-9_-]{1,36}`` (Bybit's rule, and every id
    :func:`exchangekit.new_client_order_id` makes) pass unchanged. Any other id becomes
    ``ek-`` + the first 32 hex digits of its SHA-256 (35 characters), so the same request
    always carries the same exchange id, and orders read back carry this encoded form.
    """
    if _VALID_CLIENT_ID.match(client_order_id):
        return client_order_id
    return "ek-" + hashlib.sha256(client_order_id.encode()).hexdigest()[:32]


def _plain(value: Decimal) -> str:
    """A decimal as Bybit accepts it: a string in plain notation, never an exponent."""
    return format(value, "f")


def _refuse(request: OrderRequest, reason: str) -> NotSupported:
    return NotSupported(
        f"Bybit cannot express this order: {reason}",
        exchange=EXCHANGE,
        client_order_id=request.client_order_id,
    )


def _trigger_direction(request: OrderRequest) -> int:
    # 1 = trigger when the price rises to triggerPrice, 2 = when it falls (BYD enum.mdx).
    # A buy stop and a sell take-profit wait for a rise; the other two for a fall.
    take_profit = request.type in (OrderType.TAKE_PROFIT_MARKET, OrderType.TAKE_PROFIT_LIMIT)
    rises = (request.side is Side.BUY) != take_profit
    return 1 if rises else 2


def _position_idx(request: OrderRequest, hedge_mode: bool) -> int:
    if not hedge_mode:
        if request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "long/short position sides need hedge mode")
        return 0
    # Hedge mode: 1 = the Buy (long) slot, 2 = the Sell (short) slot (BYD enum.mdx).
    if request.position_side is PositionSide.LONG:
        return 1
    if request.position_side is PositionSide.SHORT:
        return 2
    raise _refuse(request, "hedge mode needs position_side long or short")


def _time_in_force(request: OrderRequest) -> str | None:
    tif = request.time_in_force
    if not request.type.has_limit_price:
        # Bybit turns market orders into IOC limit orders itself; FOK has no equivalent.
        if tif is TimeInForce.FOK:
            raise _refuse(request, f"{request.type.value} orders cannot be fill-or-kill")
        return None
    if request.post_only:
        return "PostOnly"
    if tif is TimeInForce.GTD:
        raise _refuse(request, "gtd is not a Bybit time in force")
    return (tif or TimeInForce.GTC).value.upper()


def order_params(
    request: OrderRequest, symbols: SymbolMap, *, category: Category, hedge_mode: bool = False
) -> dict[str, Any]:
    """An :class:`OrderRequest` as the JSON body of ``POST /v5/order/create``.

    Values are strings and booleans as Bybit takes them; send with
    :func:`exchangekit_bybit.signing.json_body`. Quantities are in base units everywhere:
    spot market orders carry ``marketUnit=baseCoin`` because a spot market *buy* otherwise
    reads ``qty`` in the quote coin (BYD create-order.mdx). Conditional orders carry
    ``triggerPrice`` and, on linear, ``triggerDirection``; on spot, ``orderFilter=StopOrder``.
    """
    params: dict[str, Any] = {
        "category": category,
        "symbol": symbols.exchange(request.symbol),
        "side": _SIDE_OUT[request.side],
        "orderType": "Limit" if request.type.has_limit_price else "Market",
        "qty": _plain(request.quantity),
    }
    if request.price is not None:
        params["price"] = _plain(request.price)
    tif = _time_in_force(request)
    if tif is not None:
        params["timeInForce"] = tif
    if category == "spot":
        if request.reduce_only:
            raise _refuse(request, "spot has no reduce-only orders")
        if request.position_side not in (None, PositionSide.BOTH):
            raise _refuse(request, "spot has no position sides")
        if not request.type.has_limit_price:
            params["marketUnit"] = "baseCoin"
        if request.type.is_conditional:
            params["triggerPrice"] = _plain(request.stop_price or ZERO)
            params["orderFilter"] = "StopOrder"
    else:
        params["positionIdx"] = _position_idx(request, hedge_mode)
        if request.reduce_only:
            params["reduceOnly"] = True
        if request.type.is_conditional:
            params["triggerPrice"] = _plain(request.stop_price or ZERO)
            params["triggerDirection"] = _trigger_direction(request)
    params["orderLinkId"] = encode_client_order_id(request.client_order_id or "")
    return params


def _by_id(
    params: dict[str, Any], order_id: str | None, client_order_id: str | None
) -> dict[str, Any]:
    if order_id is None and client_order_id is None:
        raise NotSupported("give order_id or client_order_id", exchange=EXCHANGE)
    # orderId wins when both are sent (BYD cancel-order.mdx); send only what was given.
    if order_id is not None:
        params["orderId"] = order_id
    if client_order_id is not None:
        params["orderLinkId"] = encode_client_order_id(client_order_id)
    return params


def cancel_params(
    symbol: str,
    symbols: SymbolMap,
    *,
    category: Category,
    order_id: str | None = None,
    client_order_id: str | None = None,
) -> dict[str, Any]:
    """JSON body of ``POST /v5/order/cancel`` for one order."""
    params: dict[str, Any] = {"category": category, "symbol": symbols.exchange(symbol)}
    return _by_id(params, order_id, client_order_id)


def query_params(
    symbols: SymbolMap,
    *,
    category: Category,
    symbol: str | None = None,
    order_id: str | None = None,
    client_order_id: str | None = None,
    settle_coin: str | None = None,
) -> dict[str, str]:
    """Query params of ``GET /v5/order/realtime`` or ``/v5/order/history``.

    Linear needs ``symbol``, ``baseCoin`` or ``settleCoin``: without a symbol, pass
    ``settle_coin`` (``USDT``) to list every open linear order.
    """
    params: dict[str, str] = {"category": category}
    if symbol is not None:
        params["symbol"] = symbols.exchange(symbol)
    elif category == "linear":
        if settle_coin is None:
            raise NotSupported(
                "linear order queries need a symbol or a settle coin", exchange=EXCHANGE
            )
        params["settleCoin"] = settle_coin
    if order_id is not None:
        params["orderId"] = order_id
    if client_order_id is not None:
        params["orderLinkId"] = encode_client_order_id(client_order_id)
    return params


def cancel_all_params(
    symbols: SymbolMap,
    *,
    category: Category,
    symbol: str | None = None,
    settle_coin: str | None = None,
) -> dict[str, Any]:
    """JSON body of ``POST /v5/order/cancel-all`` (linear needs a symbol or settle coin)."""
    params: dict[str, Any] = {"category": category}
    if symbol is not None:
        params["symbol"] = symbols.exchange(symbol)
    elif category == "linear":
        if settle_coin is None:
            raise NotSupported(
                "linear cancel-all needs a symbol or a settle coin", exchange=EXCHANGE
            )
        params["settleCoin"] = settle_coin
    return params


def kline_params(
    symbol: str,
    interval: str,
    symbols: SymbolMap,
    *,
    category: Category,
    start_ms: int | None = None,
    end_ms: int | None = None,
    limit: int | None = None,
) -> dict[str, str]:
    """Query params of ``GET /v5/market/kline`` (limit 1-1000, Bybit's default 200)."""
    wire = INTERVALS.get(interval)
    if wire is None:
        raise NotSupported(
            f"interval {interval!r} is not one of {sorted(INTERVALS)}", exchange=EXCHANGE
        )
    params: dict[str, str] = {
        "category": category,
        "symbol": symbols.exchange(symbol),
        "interval": wire,
    }
    if start_ms is not None:
        params["start"] = str(start_ms)
    if end_ms is not None:
        params["end"] = str(end_ms)
    if limit is not None:
        params["limit"] = str(limit)
    return params


def leverage_params(symbol: str, leverage: Decimal | int, symbols: SymbolMap) -> dict[str, Any]:
    """JSON body of ``POST /v5/position/set-leverage`` (same leverage both ways)."""
    value = _plain(Decimal(leverage))
    return {
        "category": "linear",
        "symbol": symbols.exchange(symbol),
        "buyLeverage": value,
        "sellLeverage": value,
    }
