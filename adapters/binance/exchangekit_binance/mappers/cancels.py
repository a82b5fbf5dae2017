"""Futures batch cancel (``DELETE /fapi/v1/batchOrders``) answers -> orders or refusals.

The answer is one item per requested id, in request order: the cancelled order (the same
shape as ``DELETE /fapi/v1/order``) or an error object such as
``{"code": -2011, "msg": "Unknown order sent."}`` (BFD trade/rest-api/Cancel-Multiple-Orders).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from exchangekit.mapping import decoder
from exchangekit.models import Order
from exchangekit_binance import schemas as s
from exchangekit_binance.mappers.common import EXCHANGE, SymbolMap, _fail
from exchangekit_binance.mappers.orders import usdm_order

__all__ = ["BATCH_CANCEL_MAX", "BatchRefusal", "batch_order_ids", "usdm_batch_cancel"]

BATCH_CANCEL_MAX = 10
"""``orderIdList``: "max length 10" (BFD Cancel-Multiple-Orders)."""


@dataclass(frozen=True, slots=True)
class BatchRefusal:
    """One id of a batch cancel that Binance did not cancel, with its verdict."""

    order_id: str
    code: int
    message: str


class _Probe(msgspec.Struct):
    code: int | None = None
    msg: str = ""
    orderId: int | None = None


_probe = decoder(_Probe, exchange=EXCHANGE)
_order = decoder(s.UsdmOrder, exchange=EXCHANGE)


def batch_order_ids(order_ids: Sequence[str]) -> str:
    """``orderIdList`` as Binance reads it: ``[1234567,2345678]`` (no spaces)."""
    if not 1 <= len(order_ids) <= BATCH_CANCEL_MAX:
        raise ValueError(f"a batch cancel takes 1..{BATCH_CANCEL_MAX} ids, not {len(order_ids)}")
    return "[" + ",".join(str(int(order_id)) for order_id in order_ids) + "]"


def usdm_batch_cancel(
    items: Sequence[msgspec.Raw], order_ids: Sequence[str], symbols: SymbolMap
) -> list[Order | BatchRefusal]:
    """Each requested id's outcome, in request order: the order as Binance reports it after
    the cancel, or a :class:`BatchRefusal`. An answer of another length is a mapping error
    (nothing can be attributed to an id then)."""
    if len(items) != len(order_ids):
        raise _fail(
            f"batch cancel answered {len(items)} items for {len(order_ids)} ids",
            "$",
            [bytes(item) for item in items],
        )
    out: list[Order | BatchRefusal] = []
    for index, (item, order_id) in enumerate(zip(items, order_ids, strict=True)):
        data = bytes(item)
        probe = _probe(data)
        if probe.orderId is None and probe.code is not None:
            out.append(BatchRefusal(order_id, probe.code, probe.msg))
            continue
        order = usdm_order(_order(data), symbols)
        if order.order_id != order_id:
            raise _fail(
                f"batch cancel item {index} is order {order.order_id}, not {order_id}",
                f"$[{index}].orderId",
                data,
            )
        out.append(order)
    return out
