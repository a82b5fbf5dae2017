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

from exchangekit_okx.mappers.account import (
    balances,
    positions,
)
from exchangekit_okx.mappers.client_ids import (
    decode_client_order_id,
    encode_client_order_id,
)
from exchangekit_okx.mappers.common import (
    INTERVALS,
    SymbolMap,
)
from exchangekit_okx.mappers.common import TdMode as TdMode  # the order mode type
from exchangekit_okx.mappers.market import (
    candles,
    instruments,
    order_book,
    server_time_ms,
    ticker,
)
from exchangekit_okx.mappers.requests import (
    cancel_params,
    candle_params,
    leverage_params,
    order_params,
)
from exchangekit_okx.mappers.trading import (
    fills,
    fills_with_bill_ids,
    order,
    order_from_ack,
    orders,
)

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
    "fills_with_bill_ids",
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
