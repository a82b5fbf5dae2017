"""The Binance emulator's futures user data: listen keys and the private streams reading
them (``/private/ws?listenKey=..&events=..`` and the legacy ``/ws/<listenKey>``), with
``listenKeyExpired`` when a key lapses; ``ORDER_TRADE_UPDATE``, ``ALGO_UPDATE`` and
``ACCOUNT_UPDATE`` events (fact sheet §1.7).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec

from exchangekit.models import Position
from exchangekit.sim import (
    AccountEvent,
    BalanceEvent,
    DepositEvent,
    FundingEvent,
    OrderEvent,
    OrderEventKind,
    PositionEvent,
)
from exchangekit_binance.emulator_streams import send, serve_connection
from exchangekit_binance.emulator_wire import (
    EXEC_TYPE,
    LIQUIDATION_REASON,
    ZERO,
    Listing,
    Payload,
    Venue,
    dec8,
    position_margin,
    wire_side,
    wire_status,
    wire_tif,
    wire_type,
)

if TYPE_CHECKING:
    from exchangekit.testing.ws import WsConnection

__all__ = ["ListenKey", "UsdmUserData", "algo_update", "order_trade_update"]


def order_trade_update(venue: Venue, ev: OrderEvent, listing: Listing) -> Payload:
    """Futures ``ORDER_TRADE_UPDATE`` (BCP websocket_streams models; fact sheet §1.7)."""
    # A triggered conditional order enters the book as a new regular order.
    exec_type = "NEW" if ev.kind is OrderEventKind.TRIGGERED else EXEC_TYPE[ev.kind]
    order, fill = ev.order, ev.fill
    liquidation = ev.reason == LIQUIDATION_REASON
    if liquidation:
        exec_type = "CALCULATED"
    otype = "LIQUIDATION" if liquidation else wire_type(order, "usdm")
    client_id = order.client_order_id or ""
    if liquidation:
        client_id = f"autoclose-{ev.timestamp_ms}"
    average = order.average_fill_price
    return {
        "e": "ORDER_TRADE_UPDATE",
        "E": venue.now_ms(),
        "T": ev.timestamp_ms,
        "o": {
            "s": listing.wire,
            "c": client_id,
            "S": wire_side(order.side),
            "o": otype,
            "f": wire_tif(order, "usdm"),
            "q": listing.qty(order.quantity),
            "p": listing.price(order.price),
            "ap": dec8(average),
            "sp": listing.price(order.stop_price),
            "x": exec_type,
            "X": wire_status(order, ev.reason),
            "i": int(order.order_id),
            "l": listing.qty(fill.quantity if fill else ZERO),
            "z": listing.qty(order.filled_quantity),
            "L": listing.price(fill.price if fill else ZERO),
            "N": (fill.fee_asset or "USDT") if fill else "USDT",
            "n": dec8(fill.fee if fill else ZERO),
            "T": ev.timestamp_ms,
            "t": int(fill.trade_id) if fill else 0,
            "b": "0",
            "a": "0",
            "m": bool(fill.is_maker) if fill else False,
            "R": order.reduce_only,
            "wt": "CONTRACT_PRICE",
            "ot": otype,
            "ps": "BOTH",
            "cp": False,
            "rp": dec8(fill.realized_pnl if fill and fill.realized_pnl is not None else ZERO),
            "pP": False,
            "si": 0,
            "ss": 0,
            "V": "EXPIRE_MAKER",
            "pm": "NONE",
            "gtd": 0,
        },
    }


def algo_update(
    venue: Venue, ev: OrderEvent, listing: Listing, status: str, *, triggered_ms: int = 0
) -> Payload:
    """Futures ``ALGO_UPDATE`` for a conditional order of the Algo Service (BFD "Event: Algo
    Order Update"): NEW, CANCELED, EXPIRED before it fires; TRIGGERED when it enters the
    matching engine, FINISHED once that order is filled or cancelled there, both with the
    engine order's id (``ai``), average price (``ap``), executed quantity (``aq``) and type
    (``act``)."""
    order = ev.order
    engine = status in ("TRIGGERED", "FINISHED")
    payload: Payload = {
        "e": "ALGO_UPDATE",
        "T": ev.timestamp_ms,
        "E": venue.now_ms(),
        "o": {
            "caid": order.client_order_id or "",
            "aid": int(order.order_id),
            "at": "CONDITIONAL",
            "o": wire_type(order, "usdm"),
            "s": listing.wire,
            "S": wire_side(order.side),
            "ps": "BOTH",
            "f": wire_tif(order, "usdm"),
            "q": listing.qty(order.quantity),
            "X": status,
            "ai": int(order.order_id) if engine else "",
            "tp": listing.price(order.stop_price),
            "p": listing.price(order.price),
            "V": "EXPIRE_MAKER",
            "wt": "CONTRACT_PRICE",
            "pm": "NONE",
            "cp": False,
            "pP": False,
            "R": order.reduce_only,
            "tt": triggered_ms if engine else 0,
            "gtd": 0,
        },
    }
    if engine:
        # The order the trigger placed: a market order for *_MARKET types, else a limit.
        payload["o"].update(
            ap=dec8(order.average_fill_price),
            aq=listing.qty(order.filled_quantity),
            act="LIMIT" if order.type.has_limit_price else "MARKET",
        )
    return payload


# -- user data: futures listen keys ------------------------------------------------------------


@dataclass(eq=False)
class ListenKey:
    key: str
    account: str
    expires_ms: int
    alive: bool = True


@dataclass(eq=False)
class _PrivateConn:
    conn: WsConnection
    key: str
    events: frozenset[str] | None
    combined: bool


class UsdmUserData:
    """Futures listen keys and the private streams that read them."""

    def __init__(self, venue: Venue, *, ttl_s: float) -> None:
        self.venue = venue
        self.ttl_ms = int(ttl_s * 1000)
        self._by_account: dict[str, ListenKey] = {}
        self._by_key: dict[str, ListenKey] = {}
        self._conns: dict[str, list[_PrivateConn]] = {}
        self._wallet: dict[tuple[str, str], Decimal] = {}
        self._closing: set[asyncio.Task[None]] = set()
        for creds in venue.credentials.values():
            for b in venue.sim.balances(creds.account):
                self._wallet[(creds.account, b.asset)] = b.total or ZERO

    # -- lifecycle (REST) -----------------------------------------------------------------

    def create(self, account: str) -> str:
        """POST: the account's live key (extended 60 min), or a new one."""
        now = self.venue.now_ms()
        current = self._by_account.get(account)
        if current is not None and current.alive:
            current.expires_ms = now + self.ttl_ms
            return current.key
        key = ListenKey(self.venue.new_listen_key(), account, now + self.ttl_ms)
        self._by_account[account] = key
        self._by_key[key.key] = key
        return key.key

    def keepalive(self, account: str) -> str | None:
        """PUT: extend the live key; ``None`` when there is none (-1125)."""
        current = self._by_account.get(account)
        if current is None or not current.alive:
            return None
        current.expires_ms = self.venue.now_ms() + self.ttl_ms
        return current.key

    def close(self, account: str) -> None:
        """DELETE: the key dies now and its streams are closed."""
        current = self._by_account.pop(account, None)
        if current is None:
            return
        current.alive = False
        for private in self._conns.pop(current.key, []):
            task = asyncio.get_running_loop().create_task(private.conn.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def is_key(self, name: str) -> bool:
        return name in self._by_key

    def expire_due(self) -> None:
        now = self.venue.now_ms()
        for key in list(self._by_account.values()):
            if key.alive and key.expires_ms <= now:
                self._expire(key)

    def expire_all(self) -> None:
        """Session expiry: every live key lapses now."""
        for key in list(self._by_account.values()):
            if key.alive:
                self._expire(key)

    def _expire(self, key: ListenKey) -> None:
        key.alive = False
        self._by_account.pop(key.account, None)
        for private in self._conns.pop(key.key, []):
            self._expired_notice(private)

    def _expired_notice(self, private: _PrivateConn) -> None:
        # Newer docs show E as a string in this one event.
        payload = {
            "e": "listenKeyExpired",
            "E": str(self.venue.now_ms()),
            "listenKey": private.key,
        }
        self._write(private, payload)

    # -- streams --------------------------------------------------------------------------

    async def serve(
        self,
        conn: WsConnection,
        key: str,
        *,
        events: frozenset[str] | None,
        combined: bool,
        lifetime_s: float,
        ping_interval_s: float | None,
    ) -> None:
        private = _PrivateConn(conn, key, events, combined)
        listen_key = self._by_key.get(key)
        if listen_key is not None and listen_key.alive:
            self._conns.setdefault(key, []).append(private)
        else:
            self._expired_notice(private)  # a dead or unknown key: told once, then silence

        async def on_text(text: str) -> None:
            # The user-data stream is served by the stream servers, which answer the same
            # control messages; the listen key is the one subscription.
            try:
                request = msgspec.json.decode(text)
            except msgspec.DecodeError:
                return
            if not isinstance(request, dict):
                return
            method, req_id = request.get("method"), request.get("id")
            alive = private in self._conns.get(key, [])
            if method == "LIST_SUBSCRIPTIONS":
                answer = {"result": [key] if alive else [], "id": req_id}
                send(conn, answer, "control:LIST_SUBSCRIPTIONS")
            elif method in ("SUBSCRIBE", "UNSUBSCRIBE"):
                send(conn, {"result": None, "id": req_id}, f"control:{method}")

        try:
            await serve_connection(
                conn, on_text, lifetime_s=lifetime_s, ping_interval_s=ping_interval_s
            )
        finally:
            conns = self._conns.get(key)
            if conns is not None and private in conns:
                conns.remove(private)

    def _write(self, private: _PrivateConn, payload: Payload) -> None:
        name = str(payload["e"])
        if private.events is not None and name not in private.events and name != "listenKeyExpired":
            return
        if private.combined:
            send(private.conn, {"stream": private.key, "data": payload}, name)
        else:
            send(private.conn, payload, name)

    def publish(self, events: Sequence[AccountEvent]) -> None:
        """One operation's events: order updates in order, then one ACCOUNT_UPDATE per account."""
        by_account: dict[str, list[AccountEvent]] = {}
        for ev in events:
            by_account.setdefault(ev.account, []).append(ev)
        for account, evs in by_account.items():
            payloads = self._payloads(account, evs)
            key = self._by_account.get(account)
            if key is None or not key.alive:
                continue
            for private in list(self._conns.get(key.key, [])):
                for payload in payloads:
                    self._write(private, payload)

    def _payloads(self, account: str, events: Sequence[AccountEvent]) -> list[Payload]:
        venue = self.venue
        out: list[Payload] = []
        positions: dict[str, Position] = {}
        assets: set[str] = set()
        reason = "ORDER"
        stamp = events[-1].timestamp_ms
        for ev in events:
            if isinstance(ev, OrderEvent):
                listing = venue.listings.get(ev.order.symbol)
                if listing is not None:
                    out.extend(self._order_payloads(ev, listing))
            elif isinstance(ev, BalanceEvent):
                assets.update(b.asset for b in ev.balances)
            elif isinstance(ev, PositionEvent):
                positions[ev.position.symbol] = ev.position
            elif isinstance(ev, FundingEvent):
                reason = "FUNDING_FEE"
            elif isinstance(ev, DepositEvent):
                reason = "DEPOSIT"
        update = self._account_update(account, assets, positions, reason, stamp)
        if update is not None:
            out.append(update)
        return out

    def _order_payloads(self, ev: OrderEvent, listing: Listing) -> list[Payload]:
        venue, order_id = self.venue, ev.order.order_id
        if order_id in venue.algo_orders:
            if ev.kind is OrderEventKind.NEW:
                return [algo_update(venue, ev, listing, "NEW")]
            if ev.kind is OrderEventKind.TRIGGERED:
                venue.algo_orders.discard(order_id)
                venue.triggered_algos[order_id] = ev.timestamp_ms
                stamp = ev.timestamp_ms
                triggered = algo_update(venue, ev, listing, "TRIGGERED", triggered_ms=stamp)
                return [triggered, order_trade_update(venue, ev, listing)]
            venue.algo_orders.discard(order_id)
            status = "CANCELED" if ev.kind is OrderEventKind.CANCELLED else "EXPIRED"
            return [algo_update(venue, ev, listing, status)]
        venue.cancel_ids.pop(order_id, None)
        out = [order_trade_update(venue, ev, listing)]
        if order_id in venue.triggered_algos and ev.order.status.is_terminal:
            stamp = venue.triggered_algos.pop(order_id)
            out.append(algo_update(venue, ev, listing, "FINISHED", triggered_ms=stamp))
        return out

    def _account_update(
        self,
        account: str,
        assets: Iterable[str],
        positions: Mapping[str, Position],
        reason: str,
        stamp: int,
    ) -> Payload | None:
        """ACCOUNT_UPDATE when a wallet balance or a position changed (margin reserved for
        an open order changes neither, so it sends none, as on Binance)."""
        venue = self.venue
        margins = sum((position_margin(p) for p in venue.sim.positions(account)), start=ZERO)
        balances = []
        for asset in sorted(assets):
            wallet = venue.sim.balance(account, asset).total or ZERO
            if self._wallet.get((account, asset)) == wallet and not positions:
                continue
            self._wallet[(account, asset)] = wallet
            balances.append(
                {"a": asset, "wb": dec8(wallet), "cw": dec8(wallet - margins), "bc": "0"}
            )
        rows = []
        for symbol, position in positions.items():
            listing = venue.listings.get(symbol)
            if listing is None:
                continue
            rows.append(
                {
                    "s": listing.wire,
                    "pa": listing.qty(position.signed_quantity),
                    "ep": dec8(position.entry_price),
                    "bep": dec8(position.entry_price),
                    "cr": dec8(position.realized_pnl),
                    "up": dec8(position.unrealized_pnl),
                    "mt": "isolated",
                    "iw": dec8(position_margin(position)),
                    "ps": "BOTH",
                }
            )
        if not balances and not rows:
            return None
        return {
            "e": "ACCOUNT_UPDATE",
            "E": venue.now_ms(),
            "T": stamp,
            "a": {"m": reason, "B": balances, "P": rows},
        }
