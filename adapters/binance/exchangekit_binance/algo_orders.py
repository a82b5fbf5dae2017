"""USDⓈ-M conditional (Algo Service) orders seen from the regular order calls.

Since Binance moved futures stops and take-profits to the Algo Service, such an order has an
``algoId`` instead of an ``orderId`` and lives behind its own endpoints: ``get_order``,
``cancel_order``, ``get_open_orders`` and ``cancel_all_orders`` fall back to these when the
regular endpoints do not know the order. Spot has no algo endpoints: everything here is then
empty or ``None``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import msgspec

from exchangekit.errors import NotSupported
from exchangekit.models import Order, OrderStatus
from exchangekit.transport import Params
from exchangekit_binance import mappers as m
from exchangekit_binance.endpoints import Endpoints
from exchangekit_binance.rest import BinanceRest, same

__all__ = ["AlgoOrders", "as_cancelled"]

_ZERO = Decimal(0)


class AlgoOrders:
    """List, find and cancel a futures account's conditional orders."""

    def __init__(
        self,
        rest: BinanceRest,
        api: Endpoints,
        symbol_map: Callable[[], Awaitable[m.SymbolMap]],
        *,
        exchange: str,
    ) -> None:
        self._rest = rest
        self._api = api
        self._symbol_map = symbol_map
        self._exchange = exchange

    async def open(self, params: Params | None, symbols: m.SymbolMap) -> list[Order]:
        """Conditional orders not yet triggered (of ``params["symbol"]``, or all)."""
        endpoint = self._api.open_algo_orders
        if endpoint is None:
            return []
        return await self._rest.call(
            endpoint, params, lambda rows: [m.usdm_algo_order(row, symbols) for row in rows]
        )

    async def find(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order | None:
        """The open conditional order with this algo id or client id, if any."""
        if self._api.open_algo_orders is None:
            return None
        symbols = await self._symbol_map()
        encoded = None if client_order_id is None else m.encode_client_order_id(client_order_id)
        for order in await self.open({"symbol": symbols.exchange(symbol)}, symbols):
            if order.order_id == order_id or (encoded and order.client_order_id == encoded):
                return order
        return None

    async def cancel(self, order: Order) -> Order:
        """Cancel one conditional order; it comes back cancelled once Binance confirmed."""
        endpoint = self._api.cancel_algo_order
        if endpoint is None:
            raise NotSupported(f"{self._exchange} has no algo orders", exchange=self._exchange)
        cid = order.client_order_id
        await self._rest.call(endpoint, {"algoId": order.order_id}, same, client_order_id=cid)
        return as_cancelled(order)


def as_cancelled(order: Order) -> Order:
    """``order`` after a confirmed cancel whose answer carries no order."""
    return msgspec.structs.replace(order, status=OrderStatus.CANCELLED, remaining_quantity=_ZERO)
