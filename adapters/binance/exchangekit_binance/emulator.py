"""Binance's wire dialect for the emulator server: spot and USDⓈ-M futures over loopback.

A :class:`BinanceDialect` serves a :class:`~exchangekit.sim.SimExchange` in Binance's own
shapes, so the adapter talks to it exactly as to Binance (fact sheet §1, the endpoint table
in :mod:`exchangekit_binance.endpoints`):

============  ==================================================================================
spot REST     ``/api/v3/`` time, exchangeInfo, ticker/24hr, ticker/bookTicker, klines, depth,
              order (POST/GET/DELETE), openOrders (GET/DELETE), myTrades, account, ping
spot WS       ``/ws/<stream>[/<stream>]``, ``/stream?streams=a/b``, ``/ws-api/v3`` (user data)
futures REST  ``/fapi/v1/`` time, exchangeInfo, ticker/24hr, ticker/bookTicker, klines, depth,
              order, openOrders, allOpenOrders, batchOrders (DELETE), userTrades, leverage,
              positionSide/dual (GET/POST), listenKey (POST/PUT/DELETE), algoOrder
              (POST/DELETE), openAlgoOrders, ping;
              ``/fapi/v3/`` account, balance, positionRisk
futures WS    ``/public/ws|stream`` (depth, bookTicker), ``/market/ws|stream`` (trades, klines,
              tickers, markPrice), ``/private/ws?listenKey=..&events=A/B``, and the unrouted
              ``/ws``, ``/stream`` (public data only) and ``/ws/<listenKey>``
============  ==================================================================================

The pieces live by concern: :mod:`~exchangekit_binance.emulator_auth` (keys, signatures,
timing), :mod:`~exchangekit_binance.emulator_limits` (quotas and their refusals),
:mod:`~exchangekit_binance.emulator_market` (public REST),
:mod:`~exchangekit_binance.emulator_spot` / :mod:`~exchangekit_binance.emulator_usdm`
(orders and accounts), :mod:`~exchangekit_binance.emulator_streams` (market streams) and
:mod:`~exchangekit_binance.emulator_user_spot` / :mod:`~exchangekit_binance.emulator_user_usdm`
(user data). This module routes requests to them.

Time: the simulated exchange follows the dialect's :attr:`~BinanceDialect.clock` (the
system clock by default), stepped by :meth:`BinanceDialect.run`. ``speed=10`` runs the market
ten times faster than the wall clock: server time, the recvWindow check, quota windows,
listen-key lifetimes and stream push periods all follow it, and clients that share the same
clock (``exchangekit.connect(..., clock=dialect.clock)``) stay consistent with it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from exchangekit.clock import Clock, ScaledClock, SystemClock
from exchangekit.ratelimit.spec import Pool
from exchangekit.sim import (
    AccountEvent,
    BalanceEvent,
    BookDeltaEvent,
    DepositEvent,
    FundingEvent,
    OrderEvent,
    PositionEvent,
    SimEvent,
    SimExchange,
    TradeEvent,
)
from exchangekit.testing.registry import EmulatorSpec
from exchangekit.testing.wire import EmulatorRequest, EmulatorResponse, HttpRoute, WsRoute
from exchangekit.transport.endpoint import Endpoint, Security
from exchangekit_binance.emulator_auth import (
    TEST_API_KEY,
    TEST_API_SECRET,
    api_key,
    check_signed,
    credentials,
)
from exchangekit_binance.emulator_hedge import position_mode, set_position_mode
from exchangekit_binance.emulator_limits import Limits
from exchangekit_binance.emulator_market import MarketData
from exchangekit_binance.emulator_setup import (
    FUNDING_RATE,
    listings,
    new_sim,
    open_account,
)
from exchangekit_binance.emulator_spot import SpotTrading
from exchangekit_binance.emulator_streams import MarketStreams
from exchangekit_binance.emulator_usdm import UsdmTrading
from exchangekit_binance.emulator_user_spot import SpotUserData
from exchangekit_binance.emulator_user_usdm import UsdmUserData
from exchangekit_binance.emulator_wire import (
    ApiCredentials,
    Call,
    Market,
    Refusal,
    Route,
    Venue,
    json_response,
)
from exchangekit_binance.endpoints import SPOT, USDM, MarketSpec

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer
    from exchangekit.testing.ws import WsConnection

__all__ = [
    "SPOT_EMULATOR",
    "TEST_API_KEY",
    "TEST_API_SECRET",
    "USDM_EMULATOR",
    "ApiCredentials",
    "BinanceDialect",
    "create_spot_dialect",
    "create_usdm_dialect",
]

log = logging.getLogger("exchangekit.testing.binance")

_ACCOUNT_EVENTS = (OrderEvent, BalanceEvent, PositionEvent, DepositEvent, FundingEvent)
Handler = Callable[[Call], Any]


class BinanceDialect:
    """Binance spot (``market="spot"``) or USDⓈ-M futures (``"usdm"``) over a simulated exchange.

    ``sim`` is used as given (else a fresh one listing ``symbols``, by default BTC/USDT and
    ETH/USDT on spot, the BTCUSDT perpetual on futures (ETHUSDT too on request), seeded by
    ``seed``); ``accounts`` are the
    API keys accepted, each trading for a sim account (created when missing and funded with
    ``balances``, by default 10,000 USDT, 0.5 BTC and 5 ETH on spot; 10,000 USDT margin on
    futures). ``rate_limits`` overrides limits by name (see
    :mod:`~exchangekit_binance.emulator_limits`).

    ``clock`` is the exchange's time (default the system clock); ``speed`` runs it that many
    times faster (a :class:`~exchangekit.clock.ScaledClock` over ``clock``). ``tick_ms`` is
    the market generator's step; ``interval_scale`` multiplies every stream push period (0.05
    makes ``@depth@100ms`` push every 5 ms) so tests get many events quickly.
    """

    def __init__(
        self,
        market: Market = "spot",
        *,
        seed: int = 1,
        sim: SimExchange | None = None,
        accounts: Sequence[ApiCredentials] | None = None,
        max_connection_lifetime_s: float = 24 * 3600,
        listen_key_ttl_s: float = 3600,
        server_ping_interval_s: float | None = None,
        tick_ms: int = 100,
        interval_scale: float = 1.0,
        history_minutes: int = 1440,
        clock: Clock | None = None,
        speed: float = 1.0,
        balances: Mapping[str, Decimal | str | int] | None = None,
        rate_limits: Mapping[str, int] | None = None,
        symbols: Sequence[str] | None = None,
    ) -> None:
        if market not in ("spot", "usdm"):
            raise ValueError(f"market must be 'spot' or 'usdm', got {market!r}")
        if speed != 1.0:
            clock = ScaledClock(clock, speed=speed)
        self.clock: Clock = clock if clock is not None else SystemClock()
        """The exchange's time; the emulator server serves it (plus any injected skew)."""
        self.market: Market = market
        self.name = "binance" if market == "spot" else "binanceusdm"
        self.spec: MarketSpec = SPOT if market == "spot" else USDM
        self.max_connection_lifetime_s = max_connection_lifetime_s
        self.server_ping_interval_s = (
            server_ping_interval_s
            if server_ping_interval_s is not None
            else (20.0 if market == "spot" else 180.0)
        )
        self.interval_scale = interval_scale
        funding: dict[str, Decimal] = {}  # a given sim's rates are its own business
        if sim is None:
            sim = new_sim(
                market,
                seed=seed,
                tick_ms=tick_ms,
                history_minutes=history_minutes,
                start_ms=self.clock.now_ms(),
                symbols=symbols,
            )
            if market == "usdm":
                funding = {symbol: FUNDING_RATE for symbol in sim.instruments}
        credentials = list(accounts or [ApiCredentials(TEST_API_KEY, TEST_API_SECRET, self.name)])
        for creds in credentials:
            if creds.account not in sim.accounts:
                open_account(sim, market, creds.account, balances)
        self.venue = Venue(
            market=market,
            sim=sim,
            listings=listings(sim, market),
            credentials={c.api_key: c for c in credentials},
            rng=random.Random(f"binance-emulator:{seed}"),
            interval_scale=interval_scale,
            funding_rates=funding,
            clock=self.clock,
        )
        self.limits = Limits(self.venue, self.spec, rate_limits)
        self.market_data = MarketData(self.venue, self.limits)
        self.streams = MarketStreams(self.venue)
        self.spot_user = SpotUserData(self.venue)
        self.usdm_user = UsdmUserData(self.venue, ttl_s=listen_key_ttl_s)
        self.spot_trading = SpotTrading(self.venue)
        self.usdm_trading = UsdmTrading(self.venue, self.usdm_user)
        self._pending: list[AccountEvent] = []
        self._subscriptions = [
            sim.subscribe(self.streams.on_event, kinds=(BookDeltaEvent, TradeEvent))
        ]
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
        return self.limits.pools

    def http_routes(self) -> Sequence[HttpRoute]:
        e = self.spec.endpoints
        table: list[tuple[Endpoint | None, Handler]]
        if self.market == "spot":
            spot = self.spot_trading
            table = [
                (e.new_order, spot.new_order),
                (e.cancel_order, spot.cancel),
                (e.query_order, spot.query),
                (e.open_orders, spot.open_orders),
                (e.cancel_all_orders, spot.cancel_all),
                (e.my_trades, spot.trades),
                (e.account, spot.account),
            ]
        else:
            usdm = self.usdm_trading
            table = [
                (e.new_order, usdm.new_order),
                (e.cancel_order, usdm.cancel),
                (e.query_order, usdm.query),
                (e.open_orders, usdm.open_orders),
                (e.cancel_all_orders, usdm.cancel_all),
                (e.my_trades, usdm.trades),
                (e.account, usdm.account),
                (e.balance, usdm.balance),
                (e.position_risk, usdm.position_risk),
                (e.set_leverage, usdm.leverage),
                (e.position_mode, lambda call: position_mode(self.venue, call)),
                (e.set_position_mode, lambda call: set_position_mode(self.venue, call)),
                (e.cancel_batch_orders, usdm.cancel_batch),
                (e.listen_key_create, usdm.listen_key_create),
                (e.listen_key_keepalive, usdm.listen_key_keepalive),
                (e.listen_key_close, usdm.listen_key_close),
                (e.new_algo_order, usdm.algo_new),
                (e.cancel_algo_order, usdm.algo_cancel),
                (e.open_algo_orders, usdm.algo_open),
            ]
        data = self.market_data
        table += [
            (e.server_time, lambda call: {"serverTime": self.venue.now_ms()}),
            (e.exchange_info, data.exchange_info),
            (e.ticker_24h, data.ticker_24h),
            (e.book_ticker, data.book_ticker),
            (e.klines, data.klines),
            (e.depth, data.depth),
        ]
        routes = [self._route(endpoint, handler) for endpoint, handler in table if endpoint]
        prefix = "/api/v3" if self.market == "spot" else "/fapi/v1"
        routes.append(HttpRoute("GET", f"{prefix}/ping", self._ping))
        return routes

    def ws_routes(self) -> Sequence[WsRoute]:
        serve = self._serve_ws
        if self.market == "spot":
            return [
                WsRoute("/ws-api/v3", self._serve_ws_api),
                WsRoute("/ws", serve, prefix=True),
                WsRoute("/stream", serve),
            ]
        return [
            WsRoute(path, serve, prefix=prefix)
            for base in ("/public", "/market", "/private", "")
            for path, prefix in ((f"{base}/ws", True), (f"{base}/stream", False))
        ]

    def authenticate(self, request: EmulatorRequest, route: HttpRoute) -> EmulatorResponse | None:
        endpoint = route.endpoint
        if endpoint is None or endpoint.security is Security.PUBLIC:
            return None
        try:
            creds = credentials(self.venue, request)
            if endpoint.security is Security.SIGNED:
                check_signed(self.venue, request, creds)
        except Refusal as refusal:
            return refusal.response()
        return None

    def rate_limited(
        self, request: EmulatorRequest, pool: Pool, retry_after_s: float
    ) -> EmulatorResponse:
        return self.limits.rate_limited(request, pool, retry_after_s)

    def banned(self, request: EmulatorRequest, retry_after_s: float) -> EmulatorResponse:
        return self.limits.banned(request, retry_after_s)

    def server_error(self, request: EmulatorRequest, status: int) -> EmulatorResponse:
        """5xx as Binance answers them: gateway pages as HTML, the engine's as JSON codes."""
        return self.limits.server_error(status)

    def usage_headers(self, usage: Mapping[Pool, int]) -> dict[str, str]:
        return self.limits.usage_headers(usage)

    def expire_sessions(self) -> None:
        """SESSION_EXPIRY: futures listen keys lapse (``listenKeyExpired``); spot user-data
        subscriptions end (``eventStreamTerminated``). Clients must subscribe again."""
        if self.market == "spot":
            self.spot_user.terminate_all()
        else:
            self.usdm_user.expire_all()

    async def run(self, server: EmulatorServer) -> None:
        """Keep the market moving with the exchange clock and push periodic streams."""
        self.venue.server = server
        speed = getattr(self.clock, "speed", 1.0)
        # A faster market steps more often, so streams keep their periods in its time.
        period = max(0.002, 0.05 * self.interval_scale / max(speed, 1.0))
        while True:
            try:
                self._advance()
                self._flush_private()
                self.streams.tick()
                if self.market == "usdm":
                    self.usdm_user.expire_due()
            except Exception:
                log.exception("binance emulator: background step failed")
            await asyncio.sleep(period)

    # -- plumbing ---------------------------------------------------------------------------

    def _advance(self) -> None:
        now = self.venue.now_ms()
        if now > self.sim.now_ms:
            self.sim.step(now)

    def _pending_event(self, event: SimEvent) -> None:
        if isinstance(event, AccountEvent):
            self._pending.append(event)

    def _flush_private(self) -> None:
        """Send the account events of the operations just done, as one batch."""
        if not self._pending:
            return
        events, self._pending = self._pending, []
        try:
            if self.market == "spot":
                self.spot_user.publish(events)
            else:
                self.usdm_user.publish(events)
        except Exception:
            log.exception("binance emulator: publishing user data failed")

    def _route(self, endpoint: Endpoint, handler: Handler) -> HttpRoute:
        async def serve(request: EmulatorRequest) -> EmulatorResponse:
            account = ""
            if endpoint.security is not Security.PUBLIC:
                creds = self.venue.credentials.get(api_key(request) or "")
                account = creds.account if creds else ""
            call = Call(request.params, account)
            try:
                self._advance()
                return json_response(handler(call))
            except Refusal as refusal:
                return refusal.response()
            except Exception:
                log.exception("binance emulator: %s %s failed", endpoint.method, endpoint.path)
                msg = "An unknown error occurred while processing the request."
                return json_response({"code": -1000, "msg": msg}, 500)
            finally:
                self._flush_private()

        return HttpRoute(endpoint.method, endpoint.path, serve, endpoint)

    async def _ping(self, request: EmulatorRequest) -> EmulatorResponse:
        return json_response({})

    # -- WebSocket ----------------------------------------------------------------------------

    async def _serve_ws_api(self, conn: WsConnection, request: EmulatorRequest) -> None:
        await self.spot_user.serve(
            conn,
            lifetime_s=self.max_connection_lifetime_s,
            ping_interval_s=self.server_ping_interval_s,
        )

    async def _serve_ws(self, conn: WsConnection, request: EmulatorRequest) -> None:
        path = request.path
        route: Route = "spot" if self.market == "spot" else "unrouted"
        if self.market == "usdm":
            for base in ("public", "market", "private"):
                if path.startswith(f"/{base}/"):
                    route = base
                    path = path[len(base) + 1 :]
        query = dict(request.query)
        if path == "/ws" or path.startswith("/ws/"):
            combined, names = False, [n for n in path[4:].split("/") if n]
        elif path == "/stream":
            combined, names = True, [n for n in query.get("streams", "").split("/") if n]
        else:
            await conn.close()
            return
        lifetime, ping = self.max_connection_lifetime_s, self.server_ping_interval_s
        private_key = query.get("listenKey") if route == "private" else None
        if private_key is None and self.market == "usdm" and route in ("private", "unrouted"):
            private_key = next((n for n in names if self.usdm_user.is_key(n)), None)
            if private_key is None and route == "private" and names:
                private_key = names[0]
        if private_key is not None:
            wanted = query.get("events")
            events = frozenset(e for e in wanted.split("/") if e) if wanted else None
            await self.usdm_user.serve(
                conn,
                private_key,
                events=events,
                combined=combined,
                lifetime_s=lifetime,
                ping_interval_s=ping,
            )
            return
        await self.streams.serve(
            conn,
            route=route,
            combined=combined,
            streams=names,
            lifetime_s=lifetime,
            ping_interval_s=ping,
        )


# -- registration -------------------------------------------------------------------------------


def create_spot_dialect(**config: Any) -> BinanceDialect:
    """``create_dialect`` of the ``binance`` emulator (keywords of :class:`BinanceDialect`)."""
    return BinanceDialect("spot", **config)


def create_usdm_dialect(**config: Any) -> BinanceDialect:
    """``create_dialect`` of the ``binanceusdm`` emulator."""
    return BinanceDialect("usdm", **config)


def _spot_client_config(server: EmulatorServer) -> dict[str, Any]:
    config: dict[str, Any] = {
        "api_key": TEST_API_KEY,
        "api_secret": TEST_API_SECRET,
        "base_url": server.http_url,
        "stream_url": server.ws_url,
        "ws_api_url": server.ws_url + "/ws-api/v3",
    }
    # An accelerated market: the client keeps the exchange's time (signatures' timestamps,
    # its rate limiter's windows, keepalive periods).
    clock = getattr(server, "clock", None)
    if isinstance(clock, ScaledClock):
        config["clock"] = clock
    return config


def _usdm_client_config(server: EmulatorServer) -> dict[str, Any]:
    # Futures user data goes through listen keys; no WebSocket API is served for futures.
    return {**_spot_client_config(server), "ws_api_url": server.ws_url + "/ws-fapi/v1"}


_CREDENTIALS = {"api_key": TEST_API_KEY, "api_secret": TEST_API_SECRET}

SPOT_EMULATOR = EmulatorSpec(
    adapter="binance",
    create_dialect=create_spot_dialect,
    client_config=_spot_client_config,
    symbols=("BTC/USDT", "ETH/USDT"),
    credentials=_CREDENTIALS,
)
USDM_EMULATOR = EmulatorSpec(
    adapter="binanceusdm",
    create_dialect=create_usdm_dialect,
    client_config=_usdm_client_config,
    symbols=("BTC/USDT:USDT",),
    credentials=_CREDENTIALS,
)
