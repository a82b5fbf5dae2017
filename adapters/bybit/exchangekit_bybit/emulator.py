"""Bybit V5's wire dialect for the emulator server: spot and linear over one simulated UTA.

A :class:`BybitDialect` serves a :class:`~exchangekit.sim.SimExchange` in Bybit's own
shapes (fact sheet §2; the endpoint table in :mod:`exchangekit_bybit.endpoints`). One
unified trading account trades both categories, as on Bybit: the ``category`` parameter
of every request picks the market.

============  ==================================================================================
REST          ``/v5/market/`` time, instruments-info, tickers, kline, orderbook;
              ``/v5/order/`` create, cancel, cancel-all (POST, JSON bodies), realtime, history;
              ``/v5/execution/list``; ``/v5/account/wallet-balance``; ``/v5/position/`` list,
              set-leverage. Envelope ``{retCode, retMsg, result, retExtInfo, time}``.
WebSocket     ``/v5/public/spot``, ``/v5/public/linear`` (orderbook, publicTrade, tickers,
              kline), ``/v5/private`` (auth; order, execution, position, wallet)
============  ==================================================================================

Signatures (``10004``) and the receive window (``10002``) are checked with
:mod:`exchangekit_bybit.signing`. Per-UID limits answer ``10006`` with ``X-Bapi-Limit*``
headers; the IP pool answers HTTP 429 (system protection) and, when it keeps being
breached, HTTP 403 "access too frequent" (the 10-minute IP ban).

The dialect (this module: routing, authentication, limits, the background loop) is split by
concern: :mod:`~exchangekit_bybit.emulator_rest` (market data and account handlers),
:mod:`~exchangekit_bybit.emulator_orders` (order handlers),
:mod:`~exchangekit_bybit.emulator_streams` (the WebSocket endpoints) and
:mod:`~exchangekit_bybit.emulator_wire` (listings and the rows they all share).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from exchangekit.clock import Clock, ScaledClock, SystemClock
from exchangekit.models import MarketKind
from exchangekit.ratelimit.spec import Cost, Pool, Scope
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
from exchangekit_bybit import endpoints as ep
from exchangekit_bybit.emulator_orders import OrderHandlers
from exchangekit_bybit.emulator_rest import (
    Call,
    MarketHandlers,
    Refusal,
    category_of,
    request_params,
)
from exchangekit_bybit.emulator_streams import PrivateTopics, PublicTopics
from exchangekit_bybit.emulator_wire import ApiCredentials, Category, Listing, Venue
from exchangekit_bybit.signing import rest_signature

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer
    from exchangekit.testing.ws import WsConnection

__all__ = [
    "LINEAR_EMULATOR",
    "SPOT_EMULATOR",
    "TEST_API_KEY",
    "TEST_API_SECRET",
    "BybitDialect",
    "create_dialect",
]

log = logging.getLogger("exchangekit.testing.bybit")

TEST_API_KEY = "ekEmulatorBybitKey01"
"""The API key the emulator accepts by default (Bybit keys are 18-20 alphanumerics)."""
TEST_API_SECRET = "ekEmulatorBybitTestSecret0123456789abc"

_ACCOUNT_EVENTS = (OrderEvent, BalanceEvent, PositionEvent)


class BybitDialect:
    """Bybit V5 spot and linear, over one simulated unified account per API key.

    ``sim`` is used as given (else a fresh one with BTC/USDT, ETH/USDT and BTC/USDT:USDT,
    seeded by ``seed``); ``accounts`` are the keys accepted, each trading for a sim account
    (created and funded when missing: 10,000 USDT, 0.5 BTC, 5 ETH). ``interval_scale``
    multiplies the push period (0.2 pushes every 10 ms); ``restart_every`` sends a
    ``u == 1`` book snapshot after that many deltas of a topic (0: never). ``clock`` is the
    exchange's time (default the system clock); ``speed`` runs it that many times faster
    (a :class:`~exchangekit.clock.ScaledClock`), and clients are given the same clock.
    """

    name = "bybit"

    def __init__(
        self,
        *,
        seed: int = 1,
        sim: SimExchange | None = None,
        accounts: Sequence[ApiCredentials] | None = None,
        tick_ms: int = 100,
        interval_scale: float = 1.0,
        restart_every: int = 400,
        history_minutes: int = 1440,
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
        credentials = list(accounts or [ApiCredentials(TEST_API_KEY, TEST_API_SECRET, "bybit-uta")])
        for creds in credentials:
            if creds.account not in sim.accounts:
                _open_account(sim, creds.account)
        self.venue = Venue(
            sim=sim,
            listings=_listings(sim),
            credentials={c.api_key: c for c in credentials},
            interval_scale=interval_scale,
            restart_every=restart_every,
        )
        self.public = PublicTopics(self.venue)
        self.private = PrivateTopics(self.venue)
        self.paused = False
        """While true the market stands still (tests compare a streamed book with REST)."""
        self.market = MarketHandlers(self.venue)
        self.orders = OrderHandlers(
            self.venue, random.Random(f"bybit-emulator:{seed}"), on_event=self._pending_event
        )
        self._pending: list[AccountEvent] = []
        self._expiries: set[asyncio.Task[None]] = set()
        self._category: Category = "spot"  # of the request being charged, see _cost
        self._subscriptions = [sim.subscribe(self._on_trade, kinds=(TradeEvent,))]
        for account in {c.account for c in credentials}:
            self._subscriptions.append(
                sim.subscribe(self._pending_event, kinds=_ACCOUNT_EVENTS, account=account)
            )

    @property
    def sim(self) -> SimExchange:
        """The simulated exchange behind the wire: the ground truth for tests."""
        return self.venue.sim

    # -- the Dialect protocol ---------------------------------------------------------------

    def pools(self) -> Sequence[Pool]:
        return tuple({p.name: p for p in (*ep.SPOT.pools, *ep.LINEAR.pools)}.values())

    def http_routes(self) -> Sequence[HttpRoute]:
        s, li = ep.SPOT.endpoints, ep.LINEAR.endpoints
        table: list[tuple[Endpoint, Endpoint, Callable[[Call], Any]]] = [
            (s.server_time, s.server_time, self.market.time),
            (s.instruments, s.instruments, self.market.instruments),
            (s.tickers, s.tickers, self.market.tickers),
            (s.kline, s.kline, self.market.kline),
            (s.orderbook, s.orderbook, self.market.orderbook),
            (s.order_create, li.order_create, self.orders.create),
            (s.order_cancel, li.order_cancel, self.orders.cancel),
            (s.order_cancel_all, li.order_cancel_all, self.orders.cancel_all),
            (s.open_orders, li.open_orders, self.orders.realtime),
            (s.order_history, li.order_history, self.orders.history),
            (s.executions, li.executions, self.orders.executions),
            (s.wallet_balance, li.wallet_balance, self.market.wallet),
        ]
        assert li.positions is not None and li.set_leverage is not None
        table += [
            (li.positions, li.positions, self.market.positions),
            (li.set_leverage, li.set_leverage, self.market.set_leverage),
        ]
        return [self._route(spot, linear, handler) for spot, linear, handler in table]

    def ws_routes(self) -> Sequence[WsRoute]:
        return [
            WsRoute("/v5/public/spot", self._serve_spot),
            WsRoute("/v5/public/linear", self._serve_linear),
            WsRoute("/v5/private", self._serve_private),
        ]

    def authenticate(self, request: EmulatorRequest, route: HttpRoute) -> EmulatorResponse | None:
        self._category = category_of(request)
        endpoint = route.endpoint
        if endpoint is None or endpoint.security is Security.PUBLIC:
            return None
        try:
            self._check_signed(request)
        except Refusal as refusal:
            return self._refusal(refusal)
        return None

    def rate_limited(
        self, request: EmulatorRequest, pool: Pool, retry_after_s: float
    ) -> EmulatorResponse:
        now = self.venue.now_ms()
        reset = str(now + int(retry_after_s * 1000))
        if pool.scope is Scope.ENDPOINT:
            # The per-UID limit: HTTP 200, retCode 10006, the headers say when it resets.
            headers = {
                ep.LIMIT_HEADER: str(pool.limit),
                ep.LIMIT_STATUS_HEADER: "0",
                ep.LIMIT_RESET_HEADER: reset,
            }
            return self._envelope(None, code=10006, msg="Too many visits!", headers=headers)
        # The IP pool: system-level protection first (HTTP 429); the ban comes from banned().
        body = {
            "retCode": 10429,
            "retMsg": "System level frequency protection",
            "result": {},
            "retExtInfo": {},
            "time": now,
        }
        # No Retry-After: Bybit documents none; the client reads the reset timestamp.
        headers = {ep.LIMIT_RESET_HEADER: reset}
        return EmulatorResponse(status=429, body=msgspec.json.encode(body), headers=headers)

    def banned(self, request: EmulatorRequest, retry_after_s: float) -> EmulatorResponse:
        # BYD rate-limit.mdx: HTTP 403 "access too frequent"; no JSON body.
        page = b"403 Forbidden: access too frequent. Please try again after 10 minutes."
        return EmulatorResponse(status=403, body=page, content_type="text/plain")

    def server_error(self, request: EmulatorRequest, status: int) -> EmulatorResponse:
        if status in (502, 504):
            page = f"<html><body><h1>{status} Gateway Error</h1></body></html>"
            return EmulatorResponse(status=status, body=page.encode(), content_type="text/html")
        body = {
            "retCode": 10016,
            "retMsg": "Server error.",
            "result": {},
            "retExtInfo": {},
            "time": self.venue.now_ms(),
        }
        return EmulatorResponse(status=status, body=msgspec.json.encode(body))

    def usage_headers(self, usage: Mapping[Pool, int]) -> dict[str, str]:
        """``X-Bapi-Limit`` (the limit), ``X-Bapi-Limit-Status`` (what remains) and
        ``X-Bapi-Limit-Reset-Timestamp`` for the endpoint's per-UID pool, if it has one."""
        for pool, used in usage.items():
            if pool.scope is Scope.ENDPOINT:
                return {
                    ep.LIMIT_HEADER: str(pool.limit),
                    ep.LIMIT_STATUS_HEADER: str(max(pool.limit - used, 0)),
                    ep.LIMIT_RESET_HEADER: str(self.venue.now_ms()),
                }
        return {}

    def expire_sessions(self) -> None:
        """SESSION_EXPIRY: every private connection is cut (``max_active_time``); clients
        log in again on a new one."""
        task = asyncio.get_running_loop().create_task(self.private.expire_all())
        self._expiries.add(task)  # keep a reference until it ran
        task.add_done_callback(self._expiries.discard)

    async def run(self, server: EmulatorServer) -> None:
        """Keep the market moving with the exchange clock and push the public topics."""
        self.venue.server = server
        speed = getattr(self.clock, "speed", 1.0)
        period = max(0.002, 0.05 * self.venue.interval_scale / max(speed, 1.0))
        while True:
            try:
                if not self.paused:
                    self._advance()
                self._flush_private()
                self.public.tick()
            except Exception:
                log.exception("bybit emulator: background step failed")
            await asyncio.sleep(period)

    # -- plumbing ---------------------------------------------------------------------------

    def _advance(self) -> None:
        now = self.venue.now_ms()
        if now > self.sim.now_ms:
            self.sim.step(now)

    def _on_trade(self, event: SimEvent) -> None:
        if isinstance(event, TradeEvent):
            self.public.on_trade(event)

    def _pending_event(self, event: SimEvent) -> None:
        if isinstance(event, AccountEvent):
            self._pending.append(event)

    def _flush_private(self) -> None:
        if not self._pending:
            return
        events, self._pending = self._pending, []
        try:
            self.private.publish(events)
        except Exception:
            log.exception("bybit emulator: publishing private events failed")

    def _envelope(
        self, result: Any, *, code: int = 0, msg: str = "OK", headers: dict[str, str] | None = None
    ) -> EmulatorResponse:
        body = {
            "retCode": code,
            "retMsg": msg,
            "result": result if result is not None else {},
            "retExtInfo": {},
            "time": self.venue.now_ms(),
        }
        return EmulatorResponse(status=200, body=msgspec.json.encode(body), headers=headers or {})

    def _refusal(self, refusal: Refusal) -> EmulatorResponse:
        response = self._envelope(None, code=refusal.code, msg=refusal.msg)
        response.status = refusal.status
        return response

    def _route(self, spot: Endpoint, linear: Endpoint, handler: Callable[[Call], Any]) -> HttpRoute:
        # One path serves both categories, whose per-UID pools differ: the route's endpoint
        # charges the pools of the category authenticate() just read from the request.
        def costs(params: Mapping[str, Any]) -> tuple[Cost, ...]:
            return (linear if self._category == "linear" else spot).costs(params)

        charged = Endpoint(
            spot.method,
            spot.path,
            spot.security,
            cost=costs,
            priority=spot.priority,
            doc=spot.doc,
        )

        async def serve(request: EmulatorRequest) -> EmulatorResponse:
            account = ""
            if spot.security is not Security.PUBLIC:
                creds = self.venue.credentials.get(request.headers.get("X-BAPI-API-KEY", ""))
                account = creds.account if creds else ""
            try:
                call = Call(request_params(request), account)
                if not self.paused:
                    self._advance()
                return self._envelope(handler(call))
            except Refusal as refusal:
                return self._refusal(refusal)
            except Exception:
                log.exception("bybit emulator: %s %s failed", spot.method, spot.path)
                return self.server_error(request, 500)
            finally:
                self._flush_private()

        return HttpRoute(spot.method, spot.path, serve, charged)

    def _check_signed(self, request: EmulatorRequest) -> None:
        """Headers, key, signature over ``timestamp + key + recvWindow + payload``, window."""
        headers = {k.upper(): v for k, v in request.headers.items()}
        key = headers.get("X-BAPI-API-KEY")
        creds = self.venue.credentials.get(key or "")
        if creds is None:
            raise Refusal(10003, "API key is invalid.")
        timestamp, sign = headers.get("X-BAPI-TIMESTAMP"), headers.get("X-BAPI-SIGN")
        window = headers.get("X-BAPI-RECV-WINDOW", "5000")
        if not timestamp or not sign or not timestamp.isdigit() or not window.isdigit():
            raise Refusal(10001, "params error: missing X-BAPI-TIMESTAMP or X-BAPI-SIGN")
        # The query string exactly as sent (still encoded) or the body: what the client signed.
        payload = (
            request.query_string
            if request.method == "GET"
            else request.body.decode("utf-8", "replace")
        )
        signed = rest_signature(
            creds.api_secret, int(timestamp), creds.api_key, int(window), payload
        )
        if not hmac.compare_digest(signed, sign.lower()):
            raise Refusal(10004, "error sign! origin_string[...]")
        now = self.venue.now_ms()
        ts = int(timestamp)
        if not now - int(window) <= ts < now + 1000:
            raise Refusal(
                10002,
                "invalid request, please check your server timestamp or recv_window param. "
                f"req_timestamp[{ts}],server_timestamp[{now}],recv_window[{window}]",
            )

    # -- WebSocket ----------------------------------------------------------------------------

    async def _serve_spot(self, conn: WsConnection, request: EmulatorRequest) -> None:
        await self.public.serve(conn, "spot")

    async def _serve_linear(self, conn: WsConnection, request: EmulatorRequest) -> None:
        await self.public.serve(conn, "linear")

    async def _serve_private(self, conn: WsConnection, request: EmulatorRequest) -> None:
        await self.private.serve(conn)


# -- construction -------------------------------------------------------------------------------


def _new_sim(*, seed: int, tick_ms: int, history_minutes: int, start_ms: int) -> SimExchange:
    specs = default_markets(("BTC/USDT", "ETH/USDT", "BTC/USDT:USDT"))
    return SimExchange(
        seed=seed,
        markets=specs,
        start_ms=start_ms,
        tick_ms=tick_ms,
        history_minutes=history_minutes,
        client_order_id_scope="account",  # Bybit: orderLinkId is always unique
        name="bybit",
    )


def _open_account(sim: SimExchange, account: str) -> None:
    sim.create_account(
        account,
        balances={"USDT": 10_000, "BTC": "0.5", "ETH": 5},
        maker_fee="0.001",
        taker_fee="0.001",
        leverage=10,
    )


def _listings(sim: SimExchange) -> dict[tuple[Category, str], Listing]:
    """The sim's spot pairs and linear perpetuals under Bybit ids (BTCUSDT for both)."""
    out: dict[tuple[Category, str], Listing] = {}
    for symbol, inst in sim.instruments.items():
        wire = f"{inst.base}{inst.quote}"
        if inst.kind is MarketKind.SPOT:
            out[("spot", wire)] = Listing(symbol, wire, "spot", inst)
        elif inst.kind is MarketKind.PERPETUAL and not inst.inverse:
            out[("linear", wire)] = Listing(symbol, wire, "linear", inst)
    return out


def create_dialect(**config: Any) -> BybitDialect:
    """A :class:`BybitDialect` (``seed``, ``sim``, ``accounts``, ``interval_scale``...)."""
    return BybitDialect(**config)


def _spot_client_config(server: EmulatorServer) -> dict[str, Any]:
    config: dict[str, Any] = {
        "api_key": TEST_API_KEY,
        "api_secret": TEST_API_SECRET,
        "base_url": server.http_url,
        "stream_url": server.ws_url,
    }
    # An accelerated market: the client keeps the exchange's time (signature timestamps,
    # the limiter's windows, ping periods).
    clock = getattr(server, "clock", None)
    if isinstance(clock, ScaledClock):
        config["clock"] = clock
    return config


def _linear_client_config(server: EmulatorServer) -> dict[str, Any]:
    return {**_spot_client_config(server), "market": "linear"}


_CREDENTIALS = {"api_key": TEST_API_KEY, "api_secret": TEST_API_SECRET}

SPOT_EMULATOR = EmulatorSpec(
    adapter="bybit",
    create_dialect=create_dialect,
    client_config=_spot_client_config,
    symbols=("BTC/USDT", "ETH/USDT"),
    credentials=_CREDENTIALS,
)
"""``bybit``: the spot category of the emulated unified account."""

LINEAR_EMULATOR = EmulatorSpec(
    adapter="bybitlinear",
    create_dialect=create_dialect,
    client_config=_linear_client_config,
    symbols=("BTC/USDT:USDT",),
    credentials=_CREDENTIALS,
)
"""``bybitlinear``: the linear category (USDT perpetuals) of the same kind of account."""
