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
- Futures ``TRAILING_STOP_MARKET`` -> ``stop_market`` with no ``stop_price`` (its trigger
  trails the price; Binance says to ignore ``stopPrice``): the unified model has no trailing
  type, and failing instead would let one such order break open-order lists and cancel-all.
- ``GTE_GTC`` (futures TP/SL tied to a position; undocumented in the enum page) -> ``gtc``;
  ``NEW_INSURANCE``/``NEW_ADL`` (liquidation statuses of older futures docs) -> ``open``.
- Algo Service numbers may be ``""`` (unused by the order type): ``None``, or zero for a
  close-position order's quantity.
- On cancel responses and cancel events the unified ``client_order_id`` is the *original*
  order's id (``origClientOrderId`` / ``C``), not the id Binance gave the cancel request.
"""

from __future__ import annotations

from exchangekit.errors import MappingError as MappingError
from exchangekit.errors import NotSupported as NotSupported
from exchangekit_binance.mappers.account import (
    position_from_risk,
    positions_from_risk,
    spot_balances,
    usdm_account_balances,
    usdm_balances,
)
from exchangekit_binance.mappers.cancels import (
    BATCH_CANCEL_MAX,
    BatchRefusal,
    batch_order_ids,
    usdm_batch_cancel,
)
from exchangekit_binance.mappers.common import _STATUS as _STATUS
from exchangekit_binance.mappers.common import EXCHANGE as EXCHANGE
from exchangekit_binance.mappers.common import (
    SPOT_INTERVALS,
    USDM_INTERVALS,
    SymbolMap,
)
from exchangekit_binance.mappers.common import ZERO as ZERO
from exchangekit_binance.mappers.common import Market as Market
from exchangekit_binance.mappers.events import (
    account_position_balances,
    account_update_balances,
    account_update_positions,
    algo_update,
    candle_from_event,
    execution_report,
    order_book_from_event,
    order_trade_update,
    ticker_from_event,
    trade_from_event,
)
from exchangekit_binance.mappers.market import (
    candles,
    order_book,
    spot_instruments,
    spot_ticker,
    usdm_instruments,
    usdm_ticker,
)
from exchangekit_binance.mappers.orders import (
    spot_cancel_all,
    spot_fills,
    spot_order,
    spot_placement,
    spot_trade,
    usdm_algo_order,
    usdm_order,
    usdm_trade,
)
from exchangekit_binance.mappers.requests import (
    algo_order_params,
    cancel_params,
    encode_client_order_id,
    kline_params,
    order_params,
    position_mode_problem,
    uses_algo_endpoint,
)
from exchangekit_binance.mappers.salvage import Salvaged, salvage_order_event

__all__ = [
    "BATCH_CANCEL_MAX",
    "BatchRefusal",
    "algo_update",
    "batch_order_ids",
    "SPOT_INTERVALS",
    "USDM_INTERVALS",
    "Salvaged",
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
    "position_mode_problem",
    "positions_from_risk",
    "salvage_order_event",
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
    "usdm_batch_cancel",
    "usdm_instruments",
    "usdm_order",
    "usdm_ticker",
    "usdm_trade",
    "uses_algo_endpoint",
]
