"""The Binance emulator's spot user data over the WebSocket API (``/ws-api/v3``).

Clients subscribe with ``userDataStream.subscribe.signature``; events arrive wrapped as
``{"subscriptionId": N, "event": {...}}`` (BSD web-socket-api.md, user-data-stream.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from exchangekit.ratelimit.spec import Cost, Pool
from exchangekit.sim import AccountEvent, BalanceEvent, DepositEvent, OrderEvent, OrderEventKind
from exchangekit_binance.emulator_auth import verify_ws_params
from exchangekit_binance.emulator_streams import send, serve_connection
from exchangekit_binance.emulator_wire import (
    EXEC_TYPE,
    ZERO,
    Listing,
    Payload,
    Venue,
    cumulative_quote,
    dec8,
    mandatory,
    wire_side,
    wire_status,
    wire_tif,
    wire_type,
)
from exchangekit_binance.endpoints import SPOT_REQUEST_WEIGHT

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer
    from exchangekit.testing.ws import WsConnection

__all__ = ["SpotUserData", "execution_report"]


# -- user data: payloads -----------------------------------------------------------------------


def execution_report(venue: Venue, ev: OrderEvent, listing: Listing) -> Payload | None:
    """Spot ``executionReport`` (BSD user-data-stream.md §Order Update); ``None`` for a
    stop's trigger, which Binance does not report as such."""
    if ev.kind is OrderEventKind.TRIGGERED:
        return None
    order, fill = ev.order, ev.fill
    status = wire_status(order, ev.reason)
    exec_type = "TRADE_PREVENTION" if status == "EXPIRED_IN_MATCH" else EXEC_TYPE[ev.kind]
    own_id = order.client_order_id or ""
    if ev.kind is OrderEventKind.CANCELLED:
        client_id = venue.cancel_ids.pop(order.order_id, None) or venue.new_client_id()
        original = own_id
    else:
        client_id, original = own_id, ""
    working = order.status.is_working and not order.type.is_conditional
    payload: Payload = {
        "e": "executionReport",
        "E": venue.now_ms(),
        "s": listing.wire,
        "c": client_id,
        "S": wire_side(order.side),
        "o": wire_type(order, "spot"),
        "f": wire_tif(order, "spot"),
        "q": dec8(order.quantity),
        "p": dec8(order.price),
        "P": dec8(order.stop_price),
        "F": dec8(ZERO),
        "g": -1,
        "C": original,
        "x": exec_type,
        "X": status,
        "r": "NONE",
        "i": int(order.order_id),
        "l": dec8(fill.quantity if fill else ZERO),
        "z": dec8(order.filled_quantity),
        "L": dec8(fill.price if fill else ZERO),
        "n": dec8(fill.fee) if fill else "0",
        "N": fill.fee_asset if fill else None,
        "T": ev.timestamp_ms,
        "t": int(fill.trade_id) if fill else -1,
        "I": ev.seq,
        "w": working,
        "m": bool(fill.is_maker) if fill else False,
        "M": False,
        "O": order.created_ms or ev.timestamp_ms,
        "Z": dec8(cumulative_quote(order)),
        "Y": dec8(fill.price * fill.quantity if fill else ZERO),
        "Q": dec8(ZERO),
    }
    if working:
        payload["W"] = order.created_ms or ev.timestamp_ms
    payload["V"] = "EXPIRE_MAKER"
    return payload


# -- user data: spot over the WebSocket API ------------------------------------------------------


class SpotUserData:
    """Spot WebSocket API sessions (``/ws-api/v3``) and their user-data subscriptions."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self._subs: dict[str, dict[WsConnection, int]] = {}
        """account -> connection -> subscription id."""

    async def serve(
        self, conn: WsConnection, *, lifetime_s: float, ping_interval_s: float | None
    ) -> None:
        conn.state.update(next_id=0, subs={}, connected=self.venue.now_ms())

        async def on_text(text: str) -> None:
            self._request(conn, text)

        try:
            await serve_connection(
                conn, on_text, lifetime_s=lifetime_s, ping_interval_s=ping_interval_s
            )
        finally:
            for subscribers in self._subs.values():
                subscribers.pop(conn, None)

    def _request(self, conn: WsConnection, text: str) -> None:
        try:
            request = msgspec.json.decode(text)
        except msgspec.DecodeError:
            request = None
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            self._answer(conn, None, "invalid", error=(-1102, mandatory("method")), weight=1)
            return
        req_id = request.get("id")
        method = str(request["method"]).removeprefix("v3/")
        params = request.get("params") or {}
        if not isinstance(params, dict):
            self._answer(conn, req_id, method, error=(-1102, mandatory("params")), weight=1)
            return
        if method == "userDataStream.subscribe.signature":
            self._subscribe(conn, req_id, params)
        elif method == "userDataStream.unsubscribe":
            self._unsubscribe(conn, req_id, params)
        elif method == "session.subscriptions":
            subs = [{"subscriptionId": s} for s in sorted(conn.state["subs"])]
            self._answer(conn, req_id, method, result=subs, weight=2)
        elif method == "session.status":
            result = {
                "apiKey": None,
                "authorizedSince": None,
                "connectedSince": conn.state["connected"],
                "returnRateLimits": True,
                "serverTime": self.venue.now_ms(),
                "userDataStream": bool(conn.state["subs"]),
            }
            self._answer(conn, req_id, method, result=result, weight=2)
        elif method == "ping":
            self._answer(conn, req_id, method, result={}, weight=1)
        elif method == "time":
            self._answer(conn, req_id, method, result={"serverTime": self.venue.now_ms()})
        elif method in ("session.logon", "userDataStream.subscribe"):
            # Session logon (Ed25519 keys only) is not emulated; subscribe.signature is.
            msg = "You are not authorized to execute this request."
            self._answer(conn, req_id, method, error=(-1002, msg), status=401, weight=2)
        else:
            msg = "This operation is not supported by the emulator."
            self._answer(conn, req_id, method, error=(-1020, msg), weight=1)

    def _subscribe(self, conn: WsConnection, req_id: Any, params: Mapping[str, Any]) -> None:
        method = "userDataStream.subscribe.signature"
        refusal = verify_ws_params(self.venue, params)
        if refusal is not None:
            code, msg, status = refusal
            self._answer(conn, req_id, method, error=(code, msg), status=status, weight=2)
            return
        account = self.venue.credentials[str(params["apiKey"])].account
        subs: dict[int, str] = conn.state["subs"]
        if account in subs.values():
            msg = "User Data Stream subscription already active."
            self._answer(conn, req_id, method, error=(-2035, msg), weight=2)
            return
        sub_id = conn.state["next_id"]
        conn.state["next_id"] = sub_id + 1
        subs[sub_id] = account
        self._subs.setdefault(account, {})[conn] = sub_id
        self._answer(conn, req_id, method, result={"subscriptionId": sub_id}, weight=2)

    def _unsubscribe(self, conn: WsConnection, req_id: Any, params: Mapping[str, Any]) -> None:
        subs: dict[int, str] = conn.state["subs"]
        wanted = params.get("subscriptionId")
        chosen = list(subs) if wanted is None else [s for s in subs if s == wanted]
        if wanted is not None and not chosen:
            msg = "User Data Stream subscription not active."
            self._answer(conn, req_id, "userDataStream.unsubscribe", error=(-2036, msg), weight=2)
            return
        for sub_id in chosen:
            self._terminate(conn, sub_id)
        self._answer(conn, req_id, "userDataStream.unsubscribe", result={}, weight=2)

    def _terminate(self, conn: WsConnection, sub_id: int) -> None:
        account = conn.state["subs"].pop(sub_id, None)
        if account is None:
            return
        self._subs.get(account, {}).pop(conn, None)
        event = {"e": "eventStreamTerminated", "E": self.venue.now_ms()}
        send(conn, {"subscriptionId": sub_id, "event": event}, "eventStreamTerminated")

    def terminate_all(self) -> None:
        """Session expiry: every subscription ends with ``eventStreamTerminated``."""
        for subscribers in list(self._subs.values()):
            for conn, sub_id in list(subscribers.items()):
                self._terminate(conn, sub_id)

    def _answer(
        self,
        conn: WsConnection,
        req_id: Any,
        method: str,
        *,
        result: Any = None,
        error: tuple[int, str] | None = None,
        status: int = 400,
        weight: int = 2,
    ) -> None:
        server = self.venue.server
        answer: Payload = {"id": req_id}
        if server is not None and server.enforce_limits:
            over = server.quota.charge([Cost(SPOT_REQUEST_WEIGHT, weight)])
            if over is not None:
                limit = _weight_pool(server).limit
                msg = (
                    f"Too much request weight used; current limit is {limit} request weight "
                    "per 1 MINUTE. Please use WebSocket Streams for live updates to avoid "
                    "polling the API."
                )
                error, status = (-1003, msg), 429
        if error is None:
            answer.update(status=200, result=result)
        else:
            answer.update(status=status, error={"code": error[0], "msg": error[1]})
        if server is not None:
            used = int(server.quota.usage(SPOT_REQUEST_WEIGHT))
            answer["rateLimits"] = [
                {
                    "rateLimitType": "REQUEST_WEIGHT",
                    "interval": "MINUTE",
                    "intervalNum": 1,
                    "limit": _weight_pool(server).limit,
                    "count": used,
                }
            ]
        send(conn, answer, f"ws-api:{method}")

    def publish(self, events: Sequence[AccountEvent]) -> None:
        """Deliver one operation's account events to the account's subscriptions, in order."""
        for ev in events:
            payload = self._payload(ev)
            if payload is None:
                continue
            subscribers = self._subs.get(ev.account)
            if not subscribers:
                continue
            for conn, sub_id in list(subscribers.items()):
                send(conn, {"subscriptionId": sub_id, "event": payload}, str(payload["e"]))

    def _payload(self, ev: AccountEvent) -> Payload | None:
        venue = self.venue
        if isinstance(ev, OrderEvent):
            listing = venue.listings.get(ev.order.symbol)
            return None if listing is None else execution_report(venue, ev, listing)
        if isinstance(ev, BalanceEvent):
            balances = [{"a": b.asset, "f": dec8(b.free), "l": dec8(b.locked)} for b in ev.balances]
            return {
                "e": "outboundAccountPosition",
                "E": venue.now_ms(),
                "u": ev.timestamp_ms,
                "B": balances,
            }
        if isinstance(ev, DepositEvent):
            return {
                "e": "balanceUpdate",
                "E": venue.now_ms(),
                "a": ev.asset,
                "d": dec8(ev.amount),
                "T": ev.timestamp_ms,
            }
        return None


def _weight_pool(server: EmulatorServer) -> Pool:
    """The REQUEST_WEIGHT pool the server enforces (the dialect's, overrides included)."""
    pools = server.dialect.pools()
    return next((p for p in pools if p.name == SPOT_REQUEST_WEIGHT.name), SPOT_REQUEST_WEIGHT)
