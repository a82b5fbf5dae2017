"""Futures cancel-all that reports what really happened to each order.

Binance's ``DELETE /fapi/v1/allOpenOrders`` answers only ``{"code": 200}``, and an order
listed open a moment before may fill before any cancel lands. So the listed orders are
cancelled by id with ``DELETE /fapi/v1/batchOrders`` (at most ten a request), whose answer
is each order's own state after the cancel or a per-order error; an order Binance refused
to cancel is read back (``GET /fapi/v1/order``) and reported as it is, never as cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

import msgspec

from exchangekit.errors import ExchangeError, OrderNotFound
from exchangekit.models import Order, OrderStatus
from exchangekit.transport import Endpoint
from exchangekit_binance import mappers as m
from exchangekit_binance.rest import BinanceRest

__all__ = ["cancel_by_id", "cancel_conditional"]

log = logging.getLogger("exchangekit.binance")

ReadBack = Callable[[str], Awaitable[Order]]
"""Reads one order by id (``GET /fapi/v1/order``)."""


async def cancel_by_id(
    rest: BinanceRest,
    endpoint: Endpoint,
    symbol: str,
    listed: Sequence[Order],
    symbols: m.SymbolMap,
    read_back: ReadBack,
) -> list[Order]:
    """Cancel ``listed`` (orders of ``symbol``) ten a request; each one's state afterwards,
    in the listed order: Binance's answer, or the order read back where Binance refused."""
    size = m.BATCH_CANCEL_MAX
    chunks = [listed[i : i + size] for i in range(0, len(listed), size)]

    async def cancel(chunk: Sequence[Order]) -> list[Order]:
        ids = [order.order_id for order in chunk]
        params = {"symbol": symbols.exchange(symbol), "orderIdList": m.batch_order_ids(ids)}
        outcomes = await rest.call(
            endpoint, params, lambda items: m.usdm_batch_cancel(items, ids, symbols)
        )
        return list(await asyncio.gather(*map(settle, chunk, outcomes)))

    async def settle(order: Order, outcome: Order | m.BatchRefusal) -> Order:
        if isinstance(outcome, m.BatchRefusal):
            return await _not_cancelled(order, outcome, read_back)
        return outcome

    return [order for batch in await asyncio.gather(*map(cancel, chunks)) for order in batch]


async def _not_cancelled(listed: Order, refusal: m.BatchRefusal, read_back: ReadBack) -> Order:
    """An order the batch refused (-2011: it filled or ended in between): its real state,
    read back; ``unknown`` when that read fails too."""
    try:
        return await read_back(listed.order_id)
    except ExchangeError as exc:
        log.warning(
            "binance: order %s refused by the batch cancel (%s %s) and unreadable: %r",
            listed.order_id, refusal.code, refusal.message, exc,
        )  # fmt: skip
        return msgspec.structs.replace(listed, status=OrderStatus.UNKNOWN)


async def cancel_conditional(order: Order, cancel: Callable[[Order], Awaitable[Order]]) -> Order:
    """A listed conditional (algo) order, cancelled; ``unknown`` when Binance no longer knows
    it as open (-2011: it triggered or ended since the listing)."""
    try:
        return await cancel(order)
    except OrderNotFound:
        return msgspec.structs.replace(order, status=OrderStatus.UNKNOWN)
