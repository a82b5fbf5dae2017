"""The OKX emulator's algo endpoints: ``conditional`` stop and take-profit orders.

``POST trade/order-algo`` places a simulator stop order (``slTriggerPx`` -> ``stop_*``,
``tpTriggerPx`` -> ``take_profit_*``, order price ``-1`` = market); its id is the
``algoId``. Until it triggers it is listed by ``GET trade/order-algo`` and
``orders-algo-pending`` only (the regular endpoints and the ``orders`` channel do not see
it); once triggered its state is ``effective`` and the order it placed, under ``ordId``
(the same id here), is a regular order. ``POST trade/cancel-algos`` takes up to 10
``{algoId, instId}`` items (OKD #order-book-trading-algo-trading-*).
"""

from __future__ import annotations

from typing import Any

from exchangekit.errors import InvalidOrder, OrderNotFound
from exchangekit.models import Order, OrderRequest, OrderStatus, OrderType, Side
from exchangekit_okx.emulator_rest import Call, ItemRefusal, OkxRestApi, Refusal, ok
from exchangekit_okx.emulator_wire import Listing, Payload, plain

__all__ = ["AlgoApi"]

_MARKET_PRICE = "-1"
_MAX_CANCEL = 10


class AlgoApi:
    """The algo endpoints over the REST handlers' simulator and bookkeeping."""

    def __init__(self, api: OkxRestApi) -> None:
        self.api = api

    def place(self, call: Call) -> Payload:
        body = call.body if isinstance(call.body, dict) else {}
        client_id = str(body.get("algoClOrdId", ""))
        try:
            order = self._place(call)
        except ItemRefusal as refusal:
            item = {"algoId": "", "clOrdId": "", "algoClOrdId": client_id, "tag": ""}
            item.update(sCode=refusal.s_code, sMsg=refusal.s_msg)
            return {"code": "1", "msg": "All operations failed", "data": [item]}
        self.api.algo_ids.add(order.order_id)
        item = {
            "algoId": order.order_id,
            "clOrdId": "",
            "algoClOrdId": client_id,
            "tag": "",
            "sCode": "0",
            "sMsg": "Order placed",
        }
        return ok([item])

    def _place(self, call: Call) -> Order:
        api = self.api
        if not isinstance(call.body, dict):
            raise Refusal("50002", "JSON syntax error")
        listing = api._listing(call)
        if call.get("ordType", required=True) != "conditional":
            raise ItemRefusal("51000", "Parameter ordType error: only conditional is emulated")
        td_mode = call.get("tdMode", required=True)
        if (listing.swap and td_mode not in ("cross", "isolated")) or (
            not listing.swap and td_mode != "cash"
        ):
            raise ItemRefusal("51000", "Parameter tdMode error")
        side = {"buy": Side.BUY, "sell": Side.SELL}.get(call.get("side", required=True) or "")
        if side is None:
            raise ItemRefusal("51000", "Parameter side error")
        if call.get("posSide") not in (None, "net"):
            raise ItemRefusal("51000", "Parameter posSide error")
        size = call.decimal("sz", required=True)
        assert size is not None
        quantity = api._check_size(listing, size)
        stop_leg = call.get("slTriggerPx") is not None
        if stop_leg == (call.get("tpTriggerPx") is not None):
            raise ItemRefusal("51000", "Give exactly one of slTriggerPx and tpTriggerPx")
        leg = "sl" if stop_leg else "tp"
        trigger = call.decimal(f"{leg}TriggerPx", required=True)
        order_px = call.get(f"{leg}OrdPx", required=True)
        market = order_px == _MARKET_PRICE
        price = None if market else call.decimal(f"{leg}OrdPx")
        inst = listing.instrument
        for value in (trigger, price):
            if value is not None and (value <= 0 or value % inst.tick_size != 0):
                raise ItemRefusal("51000", f"Parameter {leg}TriggerPx error")
        if stop_leg:
            otype = OrderType.STOP_MARKET if market else OrderType.STOP_LIMIT
        else:
            otype = OrderType.TAKE_PROFIT_MARKET if market else OrderType.TAKE_PROFIT_LIMIT
        client_id = call.get("algoClOrdId")
        if client_id is not None and not client_id.isalnum():
            raise ItemRefusal("51000", "Parameter algoClOrdId error")
        reduce_only = str(call.body.get("reduceOnly", "false")).lower() == "true"
        if reduce_only and not listing.swap:
            raise ItemRefusal("51000", "Parameter reduceOnly error")
        try:
            request = OrderRequest(
                symbol=listing.symbol,
                side=side,
                type=otype,
                quantity=quantity,
                price=price,
                stop_price=trigger,
                reduce_only=reduce_only,
                client_order_id=client_id or f"okxalgo{next(api._ids)}",
            )
        except InvalidOrder as exc:
            raise ItemRefusal("51000", f"Parameter error: {exc.message}") from None
        try:
            return api._submit(call.account, request)
        except ItemRefusal as refusal:
            if "trigger immediately" in refusal.s_msg:
                raise ItemRefusal("51000", f"Parameter {leg}TriggerPx error") from None
            raise

    def _algo(self, account: str, listing: Listing | None, algo_id: str | None,
              client_id: str | None) -> Order | None:  # fmt: skip
        api = self.api
        try:
            order = api.sim.get_order(
                account,
                symbol=listing.symbol if listing else None,
                order_id=algo_id,
                client_order_id=None if algo_id else client_id,
            )
        except (OrderNotFound, InvalidOrder):
            return None
        return order if order.order_id in api.algo_ids else None

    def get(self, call: Call) -> Payload:
        algo_id, client_id = call.get("algoId"), call.get("algoClOrdId")
        if algo_id is None and client_id is None:
            raise Refusal("50015", "Either parameter algoId or algoClOrdId is required.")
        order = self._algo(call.account, None, algo_id, client_id)
        if order is None:
            raise Refusal("51603", "Order does not exist", 200)
        return ok([self.row(order)])

    def pending(self, call: Call) -> Payload:
        if call.get("ordType", required=True) != "conditional":
            return ok([])
        inst_type, inst_id = call.get("instType"), call.get("instId")
        api = self.api
        rows = []
        for order in reversed(api.sim.open_orders(call.account)):  # newest first
            listing = api.listing_of(order.symbol)
            if (
                listing is not None
                and api.is_pending_algo(order.order_id)
                and (inst_type is None or listing.inst_type == inst_type)
                and (inst_id is None or listing.inst_id == inst_id)
            ):
                rows.append(self.row(order))
        return ok(rows[: min(call.integer("limit") or 100, 100)])

    def cancel(self, call: Call) -> Payload:
        items = call.body if isinstance(call.body, list) else None
        if not items or len(items) > _MAX_CANCEL or not all(isinstance(i, dict) for i in items):
            raise Refusal("51000", f"Parameter error: 1 to {_MAX_CANCEL} algo orders")
        data = [self._cancel_one(call.account, item) for item in items]
        failed = sum(1 for d in data if d["sCode"] != "0")
        if failed == len(data):
            return {"code": "1", "msg": "All operations failed", "data": data}
        if failed:
            return {"code": "2", "msg": "Bulk operation partially succeeded", "data": data}
        return ok(data)

    def _cancel_one(self, account: str, item: dict[str, Any]) -> Payload:
        api = self.api
        algo_id = str(item.get("algoId", ""))
        listing = api.state.listings.get(str(item.get("instId", "")))
        out: Payload = {"algoId": algo_id, "sCode": "0", "sMsg": ""}
        order = self._algo(account, listing, algo_id or None, None) if listing else None
        if order is None or not api.is_pending_algo(order.order_id) or order.status.is_terminal:
            out.update(sCode="51400", sMsg="Cancellation failed as the order does not exist.")
            return out
        api.sim.cancel_order(account, order_id=order.order_id)
        return out

    def row(self, order: Order) -> Payload:
        """The algo row of a simulator stop order."""
        api = self.api
        listing = api.listing_of(order.symbol)
        assert listing is not None
        stop = order.type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)
        order_px = _MARKET_PRICE if order.price is None else plain(order.price)
        triggered = order.order_id in api.triggered
        if triggered:
            state = "effective"
        elif order.status is OrderStatus.CANCELLED:
            state = "canceled"
        elif order.status is OrderStatus.REJECTED:
            state = "order_failed"
        else:
            state = "live"
        leg: dict[str, str] = {"slTriggerPx": "", "slOrdPx": "", "tpTriggerPx": "", "tpOrdPx": ""}
        prefix = "sl" if stop else "tp"
        leg[f"{prefix}TriggerPx"] = plain(order.stop_price)
        leg[f"{prefix}OrdPx"] = order_px
        return {
            "instType": listing.inst_type,
            "instId": listing.inst_id,
            "algoId": order.order_id,
            "algoClOrdId": _own_client_id(order.client_order_id),
            "ordId": order.order_id if triggered else "",
            "sz": listing.sz(order.quantity),
            "ordType": "conditional",
            "side": "buy" if order.side is Side.BUY else "sell",
            "posSide": "net" if listing.swap else "",
            "tdMode": "cross" if listing.swap else "cash",
            "reduceOnly": "true" if order.reduce_only else "false",
            "state": state,
            **leg,
            "actualSz": listing.sz(order.filled_quantity) if triggered else "",
            "actualPx": plain(order.average_fill_price) if order.average_fill_price else "",
            "triggerTime": "",
            "cTime": str(order.created_ms or 0),
            "uTime": str(order.updated_ms or order.created_ms or 0),
        }


def _own_client_id(client_order_id: str | None) -> str:
    """The caller's ``algoClOrdId`` ("" when the emulator made one up)."""
    if client_order_id is None or client_order_id.startswith("okxalgo"):
        return ""
    return client_order_id
