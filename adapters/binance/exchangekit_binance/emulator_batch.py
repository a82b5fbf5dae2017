"""The Binance emulator's futures batch cancel: ``DELETE /fapi/v1/batchOrders``."""

from __future__ import annotations

import json

from exchangekit.errors import InvalidOrder, OrderNotFound
from exchangekit.models import Order
from exchangekit_binance.emulator_orders import Trading
from exchangekit_binance.emulator_wire import Call, Listing, Payload, Refusal

__all__ = ["BatchCancels"]

_MAX = 10


class BatchCancels(Trading):
    """The batch cancel handler; the subclass says how an order looks on the wire."""

    def cancel_batch(self, call: Call) -> list[Payload]:
        """``DELETE /fapi/v1/batchOrders``: one item per id, in order: the cancelled order,
        or ``{"code": -2011, "msg": "Unknown order sent."}`` for an id that is not open
        (filled, cancelled, unknown). ``orderIdList`` or ``origClientOrderIdList``, exactly
        one, at most 10 (BFD trade/rest-api/Cancel-Multiple-Orders)."""
        listing = self.listing(call)
        ids, client_ids = call.text("orderIdList"), call.text("origClientOrderIdList")
        if ids is None and client_ids is None:
            raise Refusal(
                -1102,
                "Param 'origClientOrderIdList' or 'orderIdList' must be sent, but both were "
                "empty/null!",
            )
        name = "orderIdList" if ids is not None else "origClientOrderIdList"
        # Both lists, a malformed list or more than 10 ids: the docs name no code for these;
        # -1130 is Binance's code for an invalid parameter value.
        invalid = Refusal(-1130, f"Data sent for parameter '{name}' is not valid.")
        if ids is not None and client_ids is not None:
            raise invalid
        try:
            wanted = json.loads(ids if ids is not None else client_ids or "")
        except ValueError:
            raise invalid from None
        kind = int if ids is not None else str
        if not isinstance(wanted, list) or not 1 <= len(wanted) <= _MAX:
            raise invalid
        if not all(type(item) is kind for item in wanted):
            raise invalid
        return [self._cancel_one(call, listing, item, by_id=ids is not None) for item in wanted]

    def _cancel_one(self, call: Call, listing: Listing, item: int | str, *, by_id: bool) -> Payload:
        unknown = {"code": -2011, "msg": "Unknown order sent."}
        try:
            order = self.sim.get_order(
                call.account,
                symbol=listing.symbol,
                order_id=str(item) if by_id else None,
                client_order_id=None if by_id else str(item),
            )
        except (OrderNotFound, InvalidOrder):
            return unknown
        if order.order_id in self.venue.algo_orders or not order.status.is_working:
            return unknown
        try:
            done = self.sim.cancel_order(call.account, order_id=order.order_id)
        except OrderNotFound:
            return unknown
        return self._order(listing, done, query=False)

    def _order(self, listing: Listing, order: Order, *, query: bool) -> Payload:
        raise NotImplementedError
