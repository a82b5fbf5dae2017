"""OKX algo orders over REST: stops and take-profits placed, found, cancelled and listed.

The pure half (bodies and rows) is :mod:`exchangekit_okx.algo`; this module sends them with
the client's :class:`~exchangekit_okx.rest.OkxRest`. The client routes conditional orders
here and falls back to :meth:`AlgoOrders.find` when a regular query or cancel does not
know an id (an algo lives on its own endpoints until it triggers).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import msgspec

from exchangekit.clock import Clock
from exchangekit.errors import OrderNotFound
from exchangekit.models import Order, OrderRequest, OrderStatus
from exchangekit.ratelimit import Priority
from exchangekit_okx import algo
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s
from exchangekit_okx.endpoints import ENDPOINTS
from exchangekit_okx.rest import OkxRest, as_cancelled, one_order, single_item

__all__ = ["AlgoOrders"]


class AlgoOrders:
    """The algo-order half of one client."""

    def __init__(
        self,
        rest: OkxRest,
        *,
        inst_type: str,
        td_mode: m.TdMode | None,
        clock: Clock,
        symbol_map: Callable[[], Awaitable[m.SymbolMap]],
        lane: Callable[[Priority | None], contextlib.AbstractContextManager[None]],
    ) -> None:
        self._rest = rest
        self._api = ENDPOINTS
        self._inst_type = inst_type
        self._td_mode = td_mode
        self._clock = clock
        self._symbol_map = symbol_map
        self._lane = lane

    async def place(
        self,
        request: OrderRequest,
        symbols: m.SymbolMap,
        *,
        hedge_mode: bool,
        priority: Priority | None,
    ) -> Order:
        """Send a stop or take-profit to ``order-algo``; the order as acknowledged."""
        cid = request.client_order_id
        params = algo.algo_params(request, symbols, td_mode=self._td_mode, hedge_mode=hedge_mode)
        with self._lane(priority):
            ack = await self._rest.call(
                self._api.place_algo_order,
                params,
                lambda e: single_item(e, cid),
                client_order_id=cid,
            )
        now = self._clock.now_ms()
        return Order(
            symbol=request.symbol,
            order_id=ack.algoId,
            client_order_id=cid,
            side=request.side,
            type=request.type,
            status=OrderStatus.OPEN,
            quantity=request.quantity,
            price=request.price,
            stop_price=request.stop_price,
            reduce_only=request.reduce_only,
            position_side=request.position_side,
            created_ms=now,
            updated_ms=now,
            received_ms=now,
        )

    async def find(
        self, symbol: str, order_id: str | None, client_order_id: str | None
    ) -> Order | None:
        """The algo order by id or client id; once triggered, the order it placed (under
        the algo's id, type and client id)."""
        symbols = await self._symbol_map()
        params: dict[str, str] = (
            {"algoId": order_id}
            if order_id is not None
            else {"algoClOrdId": m.encode_client_order_id(client_order_id or "")}
        )
        try:
            rows: list[s.AlgoOrder] = await self._rest.call(
                self._api.get_algo_order, params, lambda e: list(e.data)
            )
        except OrderNotFound:
            return None
        if not rows or symbols.instrument(symbol).exchange_symbol != rows[0].instId:
            return None
        order = algo.algo_order(rows[0], symbols)
        if rows[0].state == "effective" and rows[0].ordId:
            placed = await self._rest.call(
                self._api.get_order,
                {"instId": rows[0].instId, "ordId": rows[0].ordId},
                lambda e: one_order(e, symbols),
            )
            order = msgspec.structs.replace(
                placed,
                order_id=order.order_id,
                client_order_id=order.client_order_id,
                type=order.type,
                stop_price=order.stop_price,
            )
        return order

    async def cancel(self, symbol: str, order: Order) -> Order:
        """Cancel an algo order, then read it back."""
        symbols = await self._symbol_map()
        body = [{"algoId": order.order_id, "instId": symbols.exchange(symbol)}]
        await self._rest.call(
            self._api.cancel_algos,
            body,
            lambda e: single_item(e, order.client_order_id),
            client_order_id=order.client_order_id,
        )
        found = await self.find(symbol, order.order_id, None)
        return found if found is not None else as_cancelled(order)

    async def pending(self, symbol: str | None) -> list[Order]:
        """Untriggered conditional orders of the market (or of ``symbol``)."""
        symbols = await self._symbol_map()
        params: dict[str, str] = {"ordType": "conditional", "instType": self._inst_type}
        if symbol is not None:
            params["instId"] = symbols.exchange(symbol)
        rows: list[s.AlgoOrder] = await self._rest.call(
            self._api.pending_algo_orders, params, lambda e: list(e.data)
        )
        # instType listings include instruments this adapter does not trade (inverse swaps)
        return [
            algo.algo_order(row, symbols, f"$.data[{i}]")
            for i, row in enumerate(rows)
            if symbols.knows_id(row.instId)
        ]
