"""OKX V5's wire dialect for the emulator server: spot and linear USDT swaps over loopback.

An :class:`OkxDialect` serves one :class:`~exchangekit.sim.SimExchange` (``BTC-USDT``,
``ETH-USDT`` and ``BTC-USDT-SWAP``, one account trading both, as on OKX) in OKX's own
shapes, so the adapter talks to it exactly as to OKX (fact sheet §3; the endpoint table in
:mod:`exchangekit_okx.endpoints`):

==========  ====================================================================================
REST        ``/api/v5/`` public/time, public/instruments, market/ticker, market/candles,
            market/history-candles, market/books, trade/order (POST, GET), trade/cancel-order,
            trade/cancel-batch-orders, trade/orders-pending, trade/fills, trade/fills-history,
            account/balance, account/positions, account/set-leverage:
            :mod:`exchangekit_okx.emulator_rest`;
            trade/order-algo (POST, GET), trade/cancel-algos, trade/orders-algo-pending:
            :mod:`exchangekit_okx.emulator_algo`
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
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from exchangekit.clock import Clock, ScaledClock, SystemClock
from exchangekit.models import (
    Instrument,
    MarketKind,
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
from exchangekit.transport.endpoint import Endpoint, Security
from exchangekit_okx.emulator_algo import AlgoApi
from exchangekit_okx.emulator_rest import BARS, Call, OkxRestApi, Refusal, json_response, ok
from exchangekit_okx.emulator_streams import PrivateFeeds, PublicFeeds, WsVenueState
from exchangekit_okx.emulator_wire import (
    Listing,
    OkxCredentials,
)
from exchangekit_okx.endpoints import ENDPOINTS, POOLS
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
_TIMESTAMP_WINDOW_MS = 30_000  # OK-ACCESS-TIMESTAMP must be within 30 s of server time
_ACCOUNT_EVENTS = (OrderEvent, BalanceEvent, PositionEvent)
_FUNDING_RATE = Decimal("0.0001")


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
            bars=BARS,
        )
        self.public = PublicFeeds(self.state)
        self.api = OkxRestApi(self.state, self.public, self.now_ms)
        self.algo = AlgoApi(self.api)
        self.private = PrivateFeeds(
            self.state, self.api.position_id, hidden=self.api.is_pending_algo
        )
        self.server: EmulatorServer | None = None
        self._pending: list[AccountEvent] = []
        self._tasks: set[asyncio.Task[None]] = set()
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
        api = self.api
        table: list[tuple[Endpoint, Callable[[Call], Any]]] = [
            (e.server_time, lambda call: ok([{"ts": str(self.now_ms())}])),
            (e.instruments, api.instruments),
            (e.ticker, api.ticker),
            (e.candles, lambda call: api.candles(call, 300)),
            (e.history_candles, lambda call: api.candles(call, 100)),
            (e.books, api.books),
            (e.place_order, api.place_order),
            (e.cancel_order, api.cancel_order),
            (e.cancel_batch_orders, api.cancel_batch),
            (e.get_order, api.get_order),
            (e.pending_orders, api.pending_orders),
            (e.fills, api.fills),
            (e.fills_history, api.fills_history),
            (e.balance, api.balance),
            (e.positions, api.positions),
            (e.set_leverage, api.set_leverage),
            (e.place_algo_order, self.algo.place),
            (e.cancel_algos, self.algo.cancel),
            (e.get_algo_order, self.algo.get),
            (e.pending_algo_orders, self.algo.pending),
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
        return json_response({"code": "50011", "msg": "Too Many Requests", "data": []}, 429)

    def banned(self, request: EmulatorRequest, retry_after_s: float) -> EmulatorResponse:
        # OKX documents no IP-ban status of its own: its gateway answers 429 / 50011.
        return json_response({"code": "50011", "msg": "Too Many Requests", "data": []}, 429)

    def server_error(self, request: EmulatorRequest, status: int) -> EmulatorResponse:
        """5xx as OKX answers them: gateway pages as HTML, the engine's as JSON codes."""
        if status in (502, 504):
            page = f"<html><body><h1>{status} Gateway Error</h1></body></html>"
            return EmulatorResponse(status=status, body=page.encode(), content_type="text/html")
        if status == 503:
            msg = "Service temporarily unavailable. Please try again later."
            return json_response({"code": "50001", "msg": msg, "data": []}, status)
        return json_response(
            {"code": "50026", "msg": "System error. Try again later.", "data": []}, status
        )

    def usage_headers(self, usage: Mapping[Pool, int]) -> dict[str, str]:
        return {}  # OKX reports no usage in headers

    def expire_sessions(self) -> None:
        """SESSION_EXPIRY: OKX has no listen keys; private connections are dropped and the
        client must log in again."""
        task = asyncio.get_running_loop().create_task(self.private.drop_all())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
            self.private.publish(events, self.api.listing_of)
        except Exception:
            log.exception("okx emulator: publishing private pushes failed")

    def _route(self, endpoint: Endpoint, handler: Callable[[Call], Any]) -> HttpRoute:
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
            call = Call(dict(request.query), body, account)
            try:
                self._advance()
                payload = handler(call)
                return json_response(payload)
            except Refusal as refusal:
                return refusal.response()
            except Exception:
                log.exception("okx emulator: %s %s failed", endpoint.method, endpoint.path)
                return json_response({"code": "50026", "msg": "System error", "data": []}, 500)
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
        # requestPath with the query exactly as sent (still encoded): what the client signed.
        query = request.query_string
        path = f"{request.path}?{query}" if query else request.path
        if not hmac.compare_digest(
            rest_signature(creds.api_secret, stamp, request.method, path, body), sign
        ):
            raise Refusal("50113", "Invalid Sign.", 401)

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
