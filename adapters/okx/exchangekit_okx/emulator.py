"""OKX V5's wire dialect for the emulator server: spot and linear USDT swaps over loopback.

An :class:`OkxDialect` serves one :class:`~exchangekit.sim.SimExchange` (``BTC-USDT``,
``ETH-USDT`` and ``BTC-USDT-SWAP``, one account trading both, as on OKX) in OKX's own
shapes, so the adapter talks to it exactly as to OKX (fact sheet §3; the endpoint table in
:mod:`exchangekit_okx.endpoints`):

==========  ====================================================================================
REST        ``/api/v5/`` public/time, public/instruments, market/ticker, market/candles,
            market/history-candles, market/books, trade/order (POST, GET), trade/cancel-order,
            trade/cancel-batch-orders, trade/orders-pending, trade/fills, account/balance,
            account/positions, account/set-leverage
WebSocket   ``/ws/v5/public`` (tickers, trades, books), ``/ws/v5/business`` (candle*),
            ``/ws/v5/private`` (login; orders, account, positions):
            :mod:`exchangekit_okx.emulator_streams`
==========  ====================================================================================

Every answer is the envelope ``{"code", "msg", "data"}``; order endpoints answer ``code``
"1" with the reason in ``data[0].sCode`` (HTTP 200). Signatures, passphrases and the 30 s
timestamp window are checked with :mod:`exchangekit_okx.signing` (501xx, HTTP 401). Each
endpoint's pool is enforced by the server (50011, HTTP 429); OKX reports no usage headers.
Swap sizes are contracts (``ctVal`` 0.01 BTC), refused with 51121 when not whole lots.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import msgspec

from exchangekit.clock import Clock, ScaledClock, SystemClock
from exchangekit.errors import (
    DuplicateClientOrderId,
    ExchangeError,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
)
from exchangekit.models import (
    Instrument,
    MarketKind,
    Order,
    OrderRequest,
    OrderType,
    Side,
    TimeInForce,
)
from exchangekit.ratelimit.spec import Pool
from exchangekit.sim import (
    AccountEvent,
    BalanceEvent,
    OrderEvent,
    PositionEvent,
    SimEvent,
    SimExchange,
    TradeEvent,
    default_markets,
)
from exchangekit.testing.registry import EmulatorSpec
from exchangekit.testing.wire import EmulatorRequest, EmulatorResponse, HttpRoute, WsRoute
from exchangekit.transport import encode_params
from exchangekit.transport.endpoint import Endpoint, Security
from exchangekit_okx.emulator_streams import PrivateFeeds, PublicFeeds, WsVenueState
from exchangekit_okx.emulator_wire import (
    Listing,
    OkxCredentials,
    Payload,
    balance_row,
    fill_row,
    order_row,
    plain,
    position_row,
)
from exchangekit_okx.endpoints import ENDPOINTS, POOLS
from exchangekit_okx.mappers import INTERVALS
from exchangekit_okx.signing import rest_signature

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer
    from exchangekit.testing.ws import WsConnection

__all__ = [
    "OKX_EMULATOR",
    "OKX_SWAP_EMULATOR",
    "TEST_API_KEY",
    "TEST_API_SECRET",
    "TEST_PASSPHRASE",
    "OkxDialect",
    "create_dialect",
]

log = logging.getLogger("exchangekit.testing.okx")

TEST_API_KEY = "0e6b1c2d-ek00-4e6d-9a1f-0emulat0r0kx"
"""The API key the emulator accepts by default (never a real one)."""
TEST_API_SECRET = "EK0EMULATOR0OKX0TEST0SECRET00001"
TEST_PASSPHRASE = "ekEmulatorPass1"

ZERO = Decimal(0)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_TIMESTAMP_WINDOW_MS = 30_000
_ACCOUNT_EVENTS = (OrderEvent, BalanceEvent, PositionEvent)
_FUNDING_RATE = Decimal("0.0001")
_BARS = {bar: unified for unified, bar in INTERVALS.items() if unified in
         ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")}  # fmt: skip
"""OKX ``bar`` -> the simulator's interval (the simulator keeps 1m..1d)."""
_ORD_TYPES: dict[str, tuple[OrderType, TimeInForce | None, bool]] = {
    "market": (OrderType.MARKET, None, False),
    "limit": (OrderType.LIMIT, TimeInForce.GTC, False),
    "post_only": (OrderType.LIMIT, TimeInForce.GTC, True),
    "ioc": (OrderType.LIMIT, TimeInForce.IOC, False),
    "fok": (OrderType.LIMIT, TimeInForce.FOK, False),
}


class Refusal(Exception):
    """OKX's ``{"code", "msg", "data": []}`` answer to a request it will not act on."""

    def __init__(self, code: str, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status

    def response(self) -> EmulatorResponse:
        return _json({"code": self.code, "msg": self.msg, "data": []}, self.status)


class ItemRefusal(Exception):
    """An order item OKX refuses: ``code`` "1" with the reason in ``data[0].sCode``."""

    def __init__(self, s_code: str, s_msg: str) -> None:
        super().__init__(s_msg)
        self.s_code, self.s_msg = s_code, s_msg


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> EmulatorResponse:
    return EmulatorResponse(status=status, body=msgspec.json.encode(data), headers=headers or {})


def _ok(data: list[Any]) -> Payload:
    return {"code": "0", "msg": "", "data": data}


@dataclass(frozen=True, slots=True)
class _Call:
    """One REST call: query, JSON body and the account it acts for."""

    query: Mapping[str, str]
    body: Any
    account: str

    def get(self, name: str, *, required: bool = False) -> str | None:
        source = self.body if isinstance(self.body, dict) else self.query
        value = source.get(name)
        if value in (None, ""):
            if required:
                raise Refusal("50014", f"Parameter {name} can not be empty.")
            return None
        return str(value)

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        text = self.get(name, required=required)
        if text is None:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise Refusal("51000", f"Parameter {name} error") from None
        if not value.is_finite() or value < 0:
            raise Refusal("51000", f"Parameter {name} error")
        return value

    def integer(self, name: str) -> int | None:
        text = self.get(name)
        if text is None:
            return None
        if not text.lstrip("-").isdigit():
            raise Refusal("51000", f"Parameter {name} error")
        return int(text)


class OkxDialect:
    """OKX V5 over a simulated exchange: spot and USDT swaps, one account trading both.

    ``sim`` is used as given (else a fresh one, seeded by ``seed``); ``accounts`` are the
    keys accepted (their accounts created and funded when missing: 10,000 USDT, 0.5 BTC,
    5 ETH). ``interval_scale`` multiplies every push period (0.05 pushes books every 5 ms);
    ``book_checksum`` sends the legacy CRC32 instead of OKX's current 0. ``clock`` is the
    exchange's time (default the system clock); ``speed`` runs it that many times faster.
    """

    name = "okx"

    def __init__(
        self,
        *,
        seed: int = 1,
        sim: SimExchange | None = None,
        accounts: Sequence[OkxCredentials] | None = None,
        tick_ms: int = 100,
        interval_scale: float = 1.0,
        history_minutes: int = 1440,
        book_checksum: bool = False,
        clock: Clock | None = None,
        speed: float = 1.0,
    ) -> None:
        if speed != 1.0:
            clock = ScaledClock(clock, speed=speed)
        self.clock: Clock = clock if clock is not None else SystemClock()
        """The exchange's time; the emulator server serves it (plus any injected skew)."""
        if sim is None:
            sim = _new_sim(
                seed=seed,
                tick_ms=tick_ms,
                history_minutes=history_minutes,
                start_ms=self.clock.now_ms(),
            )
        credentials = list(
            accounts or [OkxCredentials(TEST_API_KEY, TEST_API_SECRET, TEST_PASSPHRASE, "okx")]
        )
        for creds in credentials:
            if creds.account not in sim.accounts:
                _open_account(sim, creds.account)
        listings = {
            inst.exchange_symbol: Listing(symbol, inst.exchange_symbol, inst)
            for symbol, inst in sim.instruments.items()
            if inst.kind is MarketKind.SPOT
            or (inst.kind is MarketKind.PERPETUAL and not inst.inverse)
        }
        self.state = WsVenueState(
            sim=sim,
            listings=listings,
            credentials={c.api_key: c for c in credentials},
            now_ms=self.now_ms,
            clock=self.clock,
            interval_scale=interval_scale,
            book_checksum=book_checksum,
            bars=_BARS,
        )
        self.public = PublicFeeds(self.state)
        self.private = PrivateFeeds(self.state, self._position_id)
        self.server: EmulatorServer | None = None
        self._by_symbol = {x.symbol: x for x in listings.values()}
        self._pending: list[AccountEvent] = []
        self._bill_ids: dict[str, str] = {}
        self._position_ids: dict[tuple[str, str], str] = {}
        self._ids = itertools.count(1)
        self._subscriptions = [sim.subscribe(self.public.on_trade, kinds=(TradeEvent,))]
        for account in {c.account for c in credentials}:
            self._subscriptions.append(
                sim.subscribe(self._pending_event, kinds=_ACCOUNT_EVENTS, account=account)
            )

    @property
    def sim(self) -> SimExchange:
        """The simulated exchange behind the wire: the ground truth for tests."""
        return self.state.sim

    def now_ms(self) -> int:
        if self.server is not None:
            return self.server.now_ms()
        return self.clock.now_ms()

    # -- the Dialect protocol ---------------------------------------------------------------

    def pools(self) -> Sequence[Pool]:
        return POOLS

    def http_routes(self) -> Sequence[HttpRoute]:
        e = ENDPOINTS
        table: list[tuple[Endpoint, Callable[[_Call], Any]]] = [
            (e.server_time, lambda call: _ok([{"ts": str(self.now_ms())}])),
            (e.instruments, self._instruments),
            (e.ticker, self._ticker),
            (e.candles, lambda call: self._candles(call, 300)),
            (e.history_candles, lambda call: self._candles(call, 100)),
            (e.books, self._books),
            (e.place_order, self._place_order),
            (e.cancel_order, self._cancel_order),
            (e.cancel_batch_orders, self._cancel_batch),
            (e.get_order, self._get_order),
            (e.pending_orders, self._pending_orders),
            (e.fills, self._fills),
            (e.balance, self._balance),
            (e.positions, self._positions),
            (e.set_leverage, self._set_leverage),
        ]
        return [self._route(endpoint, handler) for endpoint, handler in table]

    def ws_routes(self) -> Sequence[WsRoute]:
        return [
            WsRoute("/ws/v5/public", self._serve_public),
            WsRoute("/ws/v5/business", self._serve_business),
            WsRoute("/ws/v5/private", self._serve_private),
        ]

    def authenticate(self, request: EmulatorRequest, route: HttpRoute) -> EmulatorResponse | None:
        endpoint = route.endpoint
        if endpoint is None or endpoint.security is Security.PUBLIC:
            return None
        try:
            self._check_signed(request)
        except Refusal as refusal:
            return refusal.response()
        return None

    def rate_limited(
        self, request: EmulatorRequest, pool: Pool, retry_after_s: float
    ) -> EmulatorResponse:
        # OKX: 50011 with HTTP 429, no Retry-After header (fact sheet §3.3).
        return _json({"code": "50011", "msg": "Too Many Requests", "data": []}, 429)

    def banned(self, request: EmulatorRequest, retry_after_s: float) -> EmulatorResponse:
        # OKX documents no IP-ban status of its own: its gateway answers 429 / 50011.
        return _json({"code": "50011", "msg": "Too Many Requests", "data": []}, 429)

    def server_error(self, request: EmulatorRequest, status: int) -> EmulatorResponse:
        """5xx as OKX answers them: gateway pages as HTML, the engine's as JSON codes."""
        if status in (502, 504):
            page = f"<html><body><h1>{status} Gateway Error</h1></body></html>"
            return EmulatorResponse(status=status, body=page.encode(), content_type="text/html")
        if status == 503:
            msg = "Service temporarily unavailable. Please try again later."
            return _json({"code": "50001", "msg": msg, "data": []}, status)
        return _json({"code": "50026", "msg": "System error. Try again later.", "data": []}, status)

    def usage_headers(self, usage: Mapping[Pool, int]) -> dict[str, str]:
        return {}  # OKX reports no usage in headers

    def expire_sessions(self) -> None:
        """SESSION_EXPIRY: OKX has no listen keys; private connections are dropped and the
        client must log in again."""
        asyncio.get_running_loop().create_task(self.private.drop_all())

    async def run(self, server: EmulatorServer) -> None:
        """Keep the market moving with the exchange clock and push the streams."""
        self.server = server
        speed = getattr(self.clock, "speed", 1.0)
        # A faster market steps more often, so streams keep their periods in its time.
        period = max(0.002, 0.02 * self.state.interval_scale / max(speed, 1.0))
        while True:
            try:
                self._advance()
                self._flush_private()
                self.public.tick()
            except Exception:
                log.exception("okx emulator: background step failed")
            await asyncio.sleep(period)

    # -- plumbing ---------------------------------------------------------------------------

    def _advance(self) -> None:
        now = self.now_ms()
        if now > self.sim.now_ms:
            self.sim.step(now)

    def _pending_event(self, event: SimEvent) -> None:
        if isinstance(event, AccountEvent):
            self._pending.append(event)

    def _flush_private(self) -> None:
        if not self._pending:
            return
        events, self._pending = self._pending, []
        try:
            self.private.publish(events, self._by_symbol.get)
        except Exception:
            log.exception("okx emulator: publishing private pushes failed")

    def _route(self, endpoint: Endpoint, handler: Callable[[_Call], Any]) -> HttpRoute:
        async def serve(request: EmulatorRequest) -> EmulatorResponse:
            account = ""
            if endpoint.security is not Security.PUBLIC:
                creds = self.state.credentials.get(_header(request, "OK-ACCESS-KEY") or "")
                account = creds.account if creds else ""
            try:
                body = None  # GET parameters are in the query
                if endpoint.method == "POST":
                    body = msgspec.json.decode(request.body) if request.body else {}
            except msgspec.DecodeError:
                return Refusal("50002", "JSON syntax error").response()
            call = _Call(dict(request.query), body, account)
            try:
                self._advance()
                payload = handler(call)
                return _json(payload)
            except Refusal as refusal:
                return refusal.response()
            except Exception:
                log.exception("okx emulator: %s %s failed", endpoint.method, endpoint.path)
                return _json({"code": "50026", "msg": "System error", "data": []}, 500)
            finally:
                self._flush_private()

        return HttpRoute(endpoint.method, endpoint.path, serve, endpoint)

    def _check_signed(self, request: EmulatorRequest) -> None:
        """OKD #overview-rest-authentication: key, passphrase, timestamp (±30 s), sign."""
        key = _header(request, "OK-ACCESS-KEY")
        sign = _header(request, "OK-ACCESS-SIGN")
        stamp = _header(request, "OK-ACCESS-TIMESTAMP")
        passphrase = _header(request, "OK-ACCESS-PASSPHRASE")
        if not key:
            raise Refusal("50103", "Request header OK-ACCESS-KEY can not be empty.", 401)
        if not passphrase:
            raise Refusal("50104", "Request header OK-ACCESS-PASSPHRASE can not be empty.", 401)
        if not sign:
            raise Refusal("50106", "Request header OK-ACCESS-SIGN can not be empty.", 401)
        if not stamp:
            raise Refusal("50107", "Request header OK-ACCESS-TIMESTAMP can not be empty.", 401)
        creds = self.state.credentials.get(key)
        if creds is None:
            raise Refusal("50111", "Invalid OK-ACCESS-KEY.", 401)
        if not hmac.compare_digest(passphrase, creds.passphrase):
            raise Refusal("50105", "Request header OK-ACCESS-PASSPHRASE incorrect.", 401)
        moment = _parse_iso(stamp)
        if moment is None:
            raise Refusal("50112", "Invalid OK-ACCESS-TIMESTAMP.", 401)
        if abs(moment - self.now_ms()) > _TIMESTAMP_WINDOW_MS:
            raise Refusal("50102", "Timestamp request expired.", 401)
        body = request.body.decode("utf-8", "replace")
        # The server hands the query over decoded; the client signed its own encoding.
        queries = {request.query_string, encode_params(request.query)}
        paths = {f"{request.path}?{q}" if q else request.path for q in queries}
        if not any(
            hmac.compare_digest(
                rest_signature(creds.api_secret, stamp, request.method, p, body), sign
            )
            for p in paths
        ):
            raise Refusal("50113", "Invalid Sign.", 401)

    def _listing(self, call: _Call, *, inst_type: str | None = None) -> Listing:
        inst_id = call.get("instId", required=True) or ""
        listing = self.state.listings.get(inst_id)
        if listing is None or (inst_type is not None and listing.inst_type != inst_type):
            raise Refusal("51001", "Instrument ID does not exist.")
        return listing

    def _position_id(self, account: str, symbol: str) -> str:
        key = (account, symbol)
        if key not in self._position_ids:
            self._position_ids[key] = str(600_000_000 + len(self._position_ids))
        return self._position_ids[key]

    def _fee_of(self, account: str, order: Order) -> tuple[Decimal, str]:
        fills = [f for f in self.sim.fills(account, order.symbol) if f.order_id == order.order_id]
        total = sum((f.fee for f in fills), start=ZERO)
        return total, (fills[0].fee_asset or "") if fills else ""

    def _order_row(self, account: str, order: Order) -> Payload:
        listing = self._by_symbol[order.symbol]
        fee, ccy = self._fee_of(account, order)
        lever = ""
        if listing.swap:
            lever = plain(self.sim.position(account, order.symbol).leverage)
        return order_row(listing, order, fee=fee, fee_ccy=ccy, lever=lever)

    # -- market data ------------------------------------------------------------------------

    def _instruments(self, call: _Call) -> Payload:
        inst_type = call.get("instType", required=True)
        if inst_type not in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"):
            raise Refusal("51000", "Parameter instType error")
        inst_id = call.get("instId")
        rows = [
            x.row()
            for x in self.state.listings.values()
            if x.inst_type == inst_type and (inst_id is None or x.inst_id == inst_id)
        ]
        return _ok(rows)

    def _ticker(self, call: _Call) -> Payload:
        return _ok([self.public.ticker_row(self._listing(call))])

    def _candles(self, call: _Call, cap: int) -> Payload:
        listing = self._listing(call)
        bar = call.get("bar") or "1m"
        interval = _BARS.get(bar)
        if interval is None:
            raise Refusal("51000", "Parameter bar error")
        limit = call.integer("limit") or 100
        if not 1 <= limit <= cap:
            raise Refusal("51000", "Parameter limit error")
        after, before = call.integer("after"), call.integer("before")
        # after: records older than this ts; before: newer than this ts (both exclusive).
        rows = self.public.candle_rows(
            listing,
            interval,
            start_ms=None if before is None else before + 1,
            end_ms=None if after is None else after - 1,
        )
        return _ok(rows[:limit])

    def _books(self, call: _Call) -> Payload:
        listing = self._listing(call)
        size = call.integer("sz") or 1
        if not 1 <= size <= 400:
            raise Refusal("51000", "Parameter sz error")
        book = self.sim.book(listing.symbol, size)
        row = {
            "asks": [[plain(p), listing.sz(q), "0", "1"] for p, q in book.asks],
            "bids": [[plain(p), listing.sz(q), "0", "1"] for p, q in book.bids],
            "ts": str(self.now_ms()),
        }
        return _ok([row])

    # -- trading ----------------------------------------------------------------------------

    def _place_order(self, call: _Call) -> Payload:
        cl_ord_id = str(call.body.get("clOrdId", "")) if isinstance(call.body, dict) else ""
        try:
            order = self._place(call)
        except ItemRefusal as refusal:
            item = {"ordId": "", "clOrdId": cl_ord_id, "tag": "", "ts": str(self.now_ms())}
            item.update(sCode=refusal.s_code, sMsg=refusal.s_msg, subCode="")
            return {"code": "1", "msg": "All operations failed", "data": [item]}
        item = {
            "ordId": order.order_id,
            "clOrdId": order.client_order_id or "",
            "tag": "",
            "ts": str(order.created_ms or self.now_ms()),
            "sCode": "0",
            "sMsg": "Order placed",
            "subCode": "",
        }
        return _ok([item])

    def _place(self, call: _Call) -> Order:
        if not isinstance(call.body, dict):
            raise Refusal("50002", "JSON syntax error")
        listing = self._listing(call)
        td_mode = call.get("tdMode", required=True)
        if (listing.swap and td_mode not in ("cross", "isolated")) or (
            not listing.swap and td_mode != "cash"
        ):
            raise ItemRefusal("51000", "Parameter tdMode error")
        side = {"buy": Side.BUY, "sell": Side.SELL}.get(call.get("side", required=True) or "")
        if side is None:
            raise ItemRefusal("51000", "Parameter side error")
        kind = _ORD_TYPES.get(call.get("ordType", required=True) or "")
        if kind is None:
            raise ItemRefusal("51000", "Parameter ordType error")
        otype, tif, post_only = kind
        pos_side = call.get("posSide")
        if pos_side not in (None, "net"):
            # The emulated account is in net (one-way) mode.
            raise ItemRefusal("51000", "Parameter posSide error")
        size = call.decimal("sz", required=True)
        assert size is not None
        price = call.decimal("px")
        if otype.has_limit_price and price is None:
            raise ItemRefusal("51000", "Parameter px error")
        if otype is OrderType.MARKET and not listing.swap and call.get("tgtCcy") == "quote_ccy":
            raise ItemRefusal("51000", "Parameter tgtCcy error: quote_ccy is not emulated")
        quantity = self._check_size(listing, size)
        inst = listing.instrument
        if price is not None and (price <= 0 or price % inst.tick_size != 0):
            raise ItemRefusal("51000", "Parameter px error")
        cl_ord_id = call.get("clOrdId")
        if cl_ord_id is not None and not _CLIENT_ID.match(cl_ord_id):
            raise ItemRefusal("51000", "Parameter clOrdId error")
        reduce_only = str(call.body.get("reduceOnly", "false")).lower() == "true"
        if reduce_only and not listing.swap:
            raise ItemRefusal("51000", "Parameter reduceOnly error")
        try:
            request = OrderRequest(
                symbol=listing.symbol,
                side=side,
                type=otype,
                quantity=quantity,
                price=price if otype.has_limit_price else None,
                time_in_force=tif,
                post_only=post_only,
                reduce_only=reduce_only,
                client_order_id=cl_ord_id or f"okxemu{next(self._ids)}",
            )
        except InvalidOrder as exc:
            raise ItemRefusal("51000", f"Parameter error: {exc.message}") from None
        return self._submit(call.account, request)

    def _check_size(self, listing: Listing, size: Decimal) -> Decimal:
        """``sz`` in OKX's unit (contracts on swaps) -> base units, with OKX's refusals."""
        inst = listing.instrument
        unit = listing.ct_val
        lot, minimum = inst.step_size / unit, inst.min_quantity / unit
        if size <= 0:
            raise ItemRefusal("51000", "Parameter sz error")
        if lot > 0 and size % lot != 0:
            raise ItemRefusal(
                "51121", f"Order quantity must be a multiple of the lot size {plain(lot)}."
            )
        if size < minimum:
            raise ItemRefusal(
                "51020",
                f"Order amount should be greater than the min available amount {plain(minimum)}.",
            )
        return listing.to_base(size)

    def _submit(self, account: str, request: OrderRequest) -> Order:
        """Place in the sim, translating its refusals into OKX's sCodes (fact sheet §3.5)."""
        try:
            return self.sim.place_order(account, request)
        except DuplicateClientOrderId:
            raise ItemRefusal("51016", "Duplicated clOrdId") from None
        except InsufficientFunds:
            raise ItemRefusal(
                "51008", "Order failed. Insufficient USDT balance in account."
            ) from None
        except NotSupported as exc:
            raise ItemRefusal("51010", f"Not supported: {exc.message}") from None
        except InvalidOrder as exc:
            raise ItemRefusal("51000", f"Parameter error: {exc.message}") from None
        except ExchangeError as exc:
            text = exc.message.lower()
            if "post-only" in text or "post only" in text:
                raise ItemRefusal("51019", "Post only order would take liquidity.") from None
            if "reduce-only" in text or "reduce only" in text:
                raise ItemRefusal("51169", "Order failed: no position to reduce.") from None
            raise ItemRefusal("51000", exc.message) from None

    def _find(self, call: _Call, listing: Listing) -> Order | None:
        order_id, client_id = call.get("ordId"), call.get("clOrdId")
        if order_id is None and client_id is None:
            raise Refusal("50015", "Either parameter ordId or clOrdId is required.")
        try:
            return self.sim.get_order(
                call.account,
                symbol=listing.symbol,
                order_id=order_id,
                client_order_id=None if order_id else client_id,
            )
        except (OrderNotFound, InvalidOrder):
            return None

    def _cancel_one(self, account: str, item: Mapping[str, Any]) -> Payload:
        call = _Call({}, dict(item), account)
        out: Payload = {
            "ordId": str(item.get("ordId", "")),
            "clOrdId": str(item.get("clOrdId", "")),
        }
        out["ts"] = str(self.now_ms())
        try:
            listing = self._listing(call)
            order = self._find(call, listing)
            if order is None or order.status.is_terminal:
                raise OrderNotFound("gone")
            done = self.sim.cancel_order(account, order_id=order.order_id)
        except (OrderNotFound, Refusal):
            msg = "Cancellation failed as the order has been filled, canceled or does not exist."
            out.update(sCode="51400", sMsg=msg)
            return out
        out.update(ordId=done.order_id, clOrdId=done.client_order_id or "", sCode="0", sMsg="")
        return out

    def _cancel_order(self, call: _Call) -> Payload:
        if not isinstance(call.body, dict):
            raise Refusal("50002", "JSON syntax error")
        self._listing(call)
        if call.get("ordId") is None and call.get("clOrdId") is None:
            raise Refusal("50015", "Either parameter ordId or clOrdId is required.")
        item = self._cancel_one(call.account, call.body)
        if item["sCode"] != "0":
            return {"code": "1", "msg": "All operations failed", "data": [item]}
        return _ok([item])

    def _cancel_batch(self, call: _Call) -> Payload:
        items = call.body if isinstance(call.body, list) else None
        if not items or len(items) > 20 or not all(isinstance(i, dict) for i in items):
            raise Refusal("51000", "Parameter error: 1 to 20 orders per request")
        data = [self._cancel_one(call.account, item) for item in items]
        failed = sum(1 for d in data if d["sCode"] != "0")
        if failed == len(data):
            return {"code": "1", "msg": "All operations failed", "data": data}
        if failed:
            return {"code": "2", "msg": "Bulk operation partially succeeded", "data": data}
        return _ok(data)

    def _get_order(self, call: _Call) -> Payload:
        listing = self._listing(call)
        order = self._find(call, listing)
        if order is None:
            raise Refusal("51603", "Order does not exist", 200)
        return _ok([self._order_row(call.account, order)])

    def _pending_orders(self, call: _Call) -> Payload:
        inst_type, inst_id = call.get("instType"), call.get("instId")
        after = call.integer("after")
        limit = min(call.integer("limit") or 100, 100)
        orders = [
            o
            for o in reversed(self.sim.open_orders(call.account))  # newest first, as OKX
            if (inst_type is None or self._by_symbol[o.symbol].inst_type == inst_type)
            and (inst_id is None or self._by_symbol[o.symbol].inst_id == inst_id)
            and (after is None or int(o.order_id) < after)
        ]
        return _ok([self._order_row(call.account, o) for o in orders[:limit]])

    def _fills(self, call: _Call) -> Payload:
        inst_type, inst_id, ord_id = call.get("instType"), call.get("instId"), call.get("ordId")
        begin, end = call.integer("begin"), call.integer("end")
        limit = min(call.integer("limit") or 100, 100)
        rows = []
        for fill in reversed(self.sim.fills(call.account)):  # newest first, as OKX
            listing = self._by_symbol[fill.symbol]
            if (
                (inst_type is None or listing.inst_type == inst_type)
                and (inst_id is None or listing.inst_id == inst_id)
                and (ord_id is None or fill.order_id == ord_id)
                and (begin is None or fill.timestamp_ms > begin)
                and (end is None or fill.timestamp_ms < end)
            ):
                bill = self._bill_ids.setdefault(
                    fill.trade_id, str(700_000_000 + len(self._bill_ids))
                )
                rows.append(fill_row(listing, fill, bill))
        return _ok(rows[:limit])

    # -- account ----------------------------------------------------------------------------

    def _balance(self, call: _Call) -> Payload:
        upl: dict[str, Decimal] = {}
        for p in self.sim.positions(call.account):
            asset = self._by_symbol[p.symbol].instrument.settle or "USDT"
            upl[asset] = upl.get(asset, ZERO) + (p.unrealized_pnl or ZERO)
        balances = self.sim.balances(call.account)
        wanted = call.get("ccy")
        if wanted is not None:
            names = set(wanted.split(","))
            balances = [b for b in balances if b.asset in names]
        return _ok([balance_row(balances, upl, self.now_ms())])

    def _positions(self, call: _Call) -> Payload:
        inst_type, inst_ids = call.get("instType"), call.get("instId")
        wanted = set(inst_ids.split(",")) if inst_ids else None
        rows = []
        for p in self.sim.positions(call.account):
            listing = self._by_symbol[p.symbol]
            if (inst_type is None or listing.inst_type == inst_type) and (
                wanted is None or listing.inst_id in wanted
            ):
                pos_id = self._position_id(call.account, p.symbol)
                rows.append(position_row(listing, p, pos_id, self.now_ms()))
        return _ok(rows)

    def _set_leverage(self, call: _Call) -> Payload:
        listing = self._listing(call, inst_type="SWAP")
        lever = call.decimal("lever", required=True)
        mode = call.get("mgnMode", required=True)
        if mode not in ("cross", "isolated"):
            raise Refusal("51000", "Parameter mgnMode error")
        try:
            self.sim.set_leverage(call.account, listing.symbol, lever or ZERO)
        except InvalidOrder:
            raise Refusal("51000", "Parameter lever error") from None
        except InsufficientFunds:
            raise Refusal("51008", "Order failed. Insufficient USDT margin in account") from None
        row = {"lever": plain(lever), "mgnMode": mode, "instId": listing.inst_id, "posSide": "net"}
        return _ok([row])

    # -- WebSockets -------------------------------------------------------------------------

    async def _serve_public(self, conn: WsConnection, request: EmulatorRequest) -> None:
        await self.public.serve(conn, business=False)

    async def _serve_business(self, conn: WsConnection, request: EmulatorRequest) -> None:
        await self.public.serve(conn, business=True)

    async def _serve_private(self, conn: WsConnection, request: EmulatorRequest) -> None:
        await self.private.serve(conn)


# -- construction -------------------------------------------------------------------------------

_OKX_IDS = {"BTC/USDT": "BTC-USDT", "ETH/USDT": "ETH-USDT", "BTC/USDT:USDT": "BTC-USDT-SWAP"}


def _okx_instrument(inst: Instrument) -> Instrument:
    """The simulator's default instrument under OKX's id; the swap trades 0.01 BTC
    contracts in lots of 0.01 contract (OKX's BTC-USDT-SWAP: ctVal 0.01, lotSz 0.01,
    minSz 0.01 [? per the instruments endpoint as remembered]) and has no minimum notional."""
    wire = _OKX_IDS[inst.symbol]
    if inst.kind is MarketKind.SPOT:
        # OKX states no minimum notional: minSz is the only floor.
        return msgspec.structs.replace(inst, exchange_symbol=wire, min_notional=ZERO)
    contract = Decimal("0.01")
    return msgspec.structs.replace(
        inst,
        exchange_symbol=wire,
        contract_size=contract,
        step_size=contract * Decimal("0.01"),
        min_quantity=contract * Decimal("0.01"),
        max_quantity=Decimal(1000),
        min_notional=ZERO,
    )


def _new_sim(*, seed: int, tick_ms: int, history_minutes: int, start_ms: int) -> SimExchange:
    from dataclasses import replace

    specs = [
        replace(spec, instrument=_okx_instrument(spec.instrument))
        for spec in default_markets(tuple(_OKX_IDS), funding_rate=_FUNDING_RATE)
    ]
    return SimExchange(
        seed=seed,
        markets=specs,
        start_ms=start_ms,
        tick_ms=tick_ms,
        history_minutes=history_minutes,
        client_order_id_scope="open",  # OKX: unique among live orders only
        name="okx",
    )


def _open_account(sim: SimExchange, account: str) -> None:
    # OKX regular tier: spot maker 0.08 %, taker 0.10 % (swaps 0.02 / 0.05 %: one rate here).
    sim.create_account(
        account,
        balances={"USDT": 10_000, "BTC": "0.5", "ETH": 5},
        maker_fee="0.0008",
        taker_fee="0.001",
        leverage=10,
    )


def _header(request: EmulatorRequest, name: str) -> str | None:
    wanted = name.lower()
    for key, value in request.headers.items():
        if key.lower() == wanted:
            return value.strip()
    return None


def _parse_iso(text: str) -> int | None:
    """``2020-12-08T09:08:57.715Z`` -> epoch ms, or ``None`` if it is not that shape."""
    if len(text) != 24 or not text.endswith("Z") or text[19] != ".":
        return None
    try:
        moment = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        millis = int(text[20:23])
    except ValueError:
        return None
    return int(moment.timestamp()) * 1000 + millis


# -- registration -------------------------------------------------------------------------------


def create_dialect(**config: Any) -> OkxDialect:
    """``create_dialect`` of the ``okx`` and ``okxswap`` emulators (keywords of
    :class:`OkxDialect`)."""
    return OkxDialect(**config)


def _client_config(server: EmulatorServer) -> dict[str, Any]:
    return {
        "api_key": TEST_API_KEY,
        "api_secret": TEST_API_SECRET,
        "passphrase": TEST_PASSPHRASE,
        "base_url": server.http_url,
        "ws_url": server.ws_url,
    }


def _swap_client_config(server: EmulatorServer) -> dict[str, Any]:
    return {**_client_config(server), "market": "swap"}


_CREDENTIALS = {
    "api_key": TEST_API_KEY,
    "api_secret": TEST_API_SECRET,
    "passphrase": TEST_PASSPHRASE,
}

OKX_EMULATOR = EmulatorSpec(
    adapter="okx",
    create_dialect=create_dialect,
    client_config=_client_config,
    symbols=("BTC/USDT", "ETH/USDT"),
    credentials=_CREDENTIALS,
)
OKX_SWAP_EMULATOR = EmulatorSpec(
    adapter="okxswap",
    create_dialect=create_dialect,
    client_config=_swap_client_config,
    symbols=("BTC/USDT:USDT",),
    credentials=_CREDENTIALS,
)
