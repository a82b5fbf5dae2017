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

from exchangekit_bybit.mappers.account import (
    balances,
    position,
    positions,
)
from exchangekit_bybit.mappers.common import INTERVAL_MS, INTERVALS, SymbolMap
from exchangekit_bybit.mappers.common import Category as Category  # the client's market type
from exchangekit_bybit.mappers.market import (
    candles,
    instruments,
    order_book,
    server_time_ms,
    ticker,
)
from exchangekit_bybit.mappers.requests import (
    cancel_all_params,
    cancel_params,
    encode_client_order_id,
    kline_params,
    leverage_params,
    order_params,
    query_params,
)
from exchangekit_bybit.mappers.trading import (
    TRADE_EXEC_TYPES,
    fill,
    fills,
    order,
    orders,
)

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
