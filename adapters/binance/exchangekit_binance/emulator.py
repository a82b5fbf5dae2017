"""Binance's wire dialect for the emulator server: spot and USDⓈ-M futures over loopback.

A :class:`BinanceDialect` serves a :class:`~exchangekit.sim.SimExchange` in Binance's own
shapes, so the adapter talks to it exactly as to Binance (fact sheet §1, the endpoint table
in :mod:`exchangekit_binance.endpoints`):

============  ==================================================================================
spot REST     ``/api/v3/`` time, exchangeInfo, ticker/24hr, ticker/bookTicker, klines, depth,
              order (POST/GET/DELETE), openOrders (GET/DELETE), myTrades, account, ping
spot WS       ``/ws/<stream>[/<stream>]``, ``/stream?streams=a/b``, ``/ws-api/v3`` (user data)
futures REST  ``/fapi/v1/`` time, exchangeInfo, ticker/24hr, ticker/bookTicker, klines, depth,
              order, openOrders, allOpenOrders, userTrades, leverage, positionSide/dual,
              listenKey (POST/PUT/DELETE), algoOrder (POST/DELETE), openAlgoOrders, ping;
              ``/fapi/v3/`` account, balance, positionRisk
futures WS    ``/public/ws|stream`` (depth, bookTicker), ``/market/ws|stream`` (trades, klines,
              tickers, markPrice), ``/private/ws?listenKey=..&events=A/B``, and the unrouted
              ``/ws``, ``/stream`` (public data only) and ``/ws/<listenKey>``
============  ==================================================================================

Authentication, timing (-1021) and signatures (-1022) are checked with
:mod:`exchangekit_binance.signing`; weights and usage headers come from the endpoint table.
The simulated exchange keeps wall-clock time, stepped by :meth:`BinanceDialect.run`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl

import msgspec

from exchangekit.errors import (
    DuplicateClientOrderId,
    ExchangeError,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
)
from exchangekit.models import (
    Fill,
    MarketKind,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
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
    default_markets,
)
from exchangekit.sim.candles import INTERVALS
from exchangekit.testing.registry import EmulatorSpec
from exchangekit.testing.wire import EmulatorRequest, EmulatorResponse, HttpRoute, WsRoute
from exchangekit.transport.endpoint import Endpoint, Security
from exchangekit_binance.emulator_streams import (
    ApiCredentials,
    Listing,
    MarketStreams,
    Payload,
    Route,
    SpotUserData,
    UsdmUserData,
    Venue,
    check_timestamp,
    cumulative_quote,
    day_stats,
    dec8,
    mandatory,
    position_margin,
    wire_side,
    wire_status,
    wire_tif,
    wire_type,
)
from exchangekit_binance.endpoints import SPOT, USDM, MarketSpec
from exchangekit_binance.mappers import SPOT_INTERVALS, USDM_INTERVALS
from exchangekit_binance.signing import encode_params, hmac_sha256_hex

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

Market = Literal["spot", "usdm"]

TEST_API_KEY = "ekEmulatorBinanceTestApiKey".ljust(64, "0")
"""The API key the emulator accepts by default (64 alphanumerics, like Binance's)."""
TEST_API_SECRET = "ekEmulatorBinanceTestApiSecret".ljust(64, "1")

ZERO = Decimal(0)
_API_KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{64}$")
_NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_SPOT_CLIENT_ID = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")
_USDM_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
_SPOT_TYPES = {
    "LIMIT": OrderType.LIMIT,
    "LIMIT_MAKER": OrderType.LIMIT,
    "MARKET": OrderType.MARKET,
    "STOP_LOSS": OrderType.STOP_MARKET,
    "STOP_LOSS_LIMIT": OrderType.STOP_LIMIT,
    "TAKE_PROFIT": OrderType.TAKE_PROFIT_MARKET,
    "TAKE_PROFIT_LIMIT": OrderType.TAKE_PROFIT_LIMIT,
}
_USDM_TYPES = {"LIMIT": OrderType.LIMIT, "MARKET": OrderType.MARKET}
_USDM_ALGO_TYPES = {
    "STOP": OrderType.STOP_LIMIT,
    "STOP_MARKET": OrderType.STOP_MARKET,
    "TAKE_PROFIT": OrderType.TAKE_PROFIT_LIMIT,
    "TAKE_PROFIT_MARKET": OrderType.TAKE_PROFIT_MARKET,
}
_TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK}
_RATE_LIMITS: dict[Market, list[tuple[str, str, int, int]]] = {
    "spot": [
        ("REQUEST_WEIGHT", "MINUTE", 1, 6000),
        ("ORDERS", "SECOND", 10, 100),
        ("ORDERS", "DAY", 1, 200_000),
        ("RAW_REQUESTS", "MINUTE", 5, 300_000),
    ],
    "usdm": [
        ("REQUEST_WEIGHT", "MINUTE", 1, 2400),
        ("ORDERS", "MINUTE", 1, 1200),
        ("ORDERS", "SECOND", 10, 300),
    ],
}
_FUNDING_RATE = Decimal("0.0001")  # Binance's default 0.01 % per 8 hours
_ACCOUNT_EVENTS = (OrderEvent, BalanceEvent, PositionEvent, DepositEvent, FundingEvent)


class Refusal(Exception):
    """Binance's ``{"code", "msg"}`` answer to a request it will not act on."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status

    def response(self) -> EmulatorResponse:
        return _json({"code": self.code, "msg": self.msg}, self.status)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> EmulatorResponse:
    return EmulatorResponse(status=status, body=msgspec.json.encode(data), headers=headers or {})


@dataclass(frozen=True, slots=True)
class _Call:
    """One authenticated REST call: its parameters and the account it acts for."""

    params: Mapping[str, str]
    account: str

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.params.get(name)
        if value in (None, ""):
            if required:
                raise Refusal(-1102, mandatory(name))
            return None
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not _NUMBER.match(value):
            raise Refusal(
                -1100,
                f"Illegal characters found in parameter '{name}'; legal range is "
                "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
            )
        return Decimal(value)

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise Refusal(-1100, f"Illegal characters found in parameter '{name}'.") from None

    def flag(self, name: str) -> bool:
        value = (self.text(name) or "false").lower()
        if value not in ("true", "false"):
            raise Refusal(-1130, f"Data sent for parameter '{name}' is not valid.")
        return value == "true"


class BinanceDialect:
    """Binance spot (``market="spot"``) or USDⓈ-M futures (``"usdm"``) over a simulated exchange.

    ``sim`` is used as given (else a fresh one with Binance-like markets, seeded by ``seed``);
    ``accounts`` are the API keys accepted, each trading for a sim account (created and funded
    when missing: 10,000 USDT, 0.5 BTC and 5 ETH on spot; 10,000 USDT margin on futures).
    ``tick_ms`` is the market generator's step; ``interval_scale`` multiplies every stream push
    period (0.05 makes ``@depth@100ms`` push every 5 ms) so tests get many events quickly.
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
    ) -> None:
        if market not in ("spot", "usdm"):
            raise ValueError(f"market must be 'spot' or 'usdm', got {market!r}")
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
            sim = _new_sim(market, seed=seed, tick_ms=tick_ms, history_minutes=history_minutes)
            funding = {"BTC/USDT:USDT": _FUNDING_RATE}
        credentials = list(accounts or [ApiCredentials(TEST_API_KEY, TEST_API_SECRET, self.name)])
        for creds in credentials:
            if creds.account not in sim.accounts:
                _open_account(sim, market, creds.account)
        self.venue = Venue(
            market=market,
            sim=sim,
            listings=_listings(sim, market),
            credentials={c.api_key: c for c in credentials},
            rng=random.Random(f"binance-emulator:{seed}"),
            interval_scale=interval_scale,
            funding_rates=funding,
        )
        self.streams = MarketStreams(self.venue)
        self.spot_user = SpotUserData(self.venue)
        self.usdm_user = UsdmUserData(self.venue, ttl_s=listen_key_ttl_s)
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
        return self.spec.pools

    def http_routes(self) -> Sequence[HttpRoute]:
        e = self.spec.endpoints
        if self.market == "spot":
            table: list[tuple[Endpoint | None, Callable[[_Call], Any]]] = [
                (e.new_order, self._spot_new_order),
                (e.cancel_order, self._spot_cancel),
                (e.query_order, self._spot_query),
                (e.open_orders, self._spot_open_orders),
                (e.cancel_all_orders, self._spot_cancel_all),
                (e.my_trades, self._spot_trades),
                (e.account, self._spot_account),
            ]
        else:
            table = [
                (e.new_order, self._usdm_new_order),
                (e.cancel_order, self._usdm_cancel),
                (e.query_order, self._usdm_query),
                (e.open_orders, self._usdm_open_orders),
                (e.cancel_all_orders, self._usdm_cancel_all),
                (e.my_trades, self._usdm_trades),
                (e.account, self._usdm_account),
                (e.balance, self._usdm_balance),
                (e.position_risk, self._usdm_position_risk),
                (e.set_leverage, self._usdm_leverage),
                (e.position_mode, lambda call: {"dualSidePosition": False}),
                (e.listen_key_create, self._listen_key_create),
                (e.listen_key_keepalive, self._listen_key_keepalive),
                (e.listen_key_close, self._listen_key_close),
                (e.new_algo_order, self._algo_new),
                (e.cancel_algo_order, self._algo_cancel),
                (e.open_algo_orders, self._algo_open),
            ]
        table += [
            (e.server_time, lambda call: {"serverTime": self.venue.now_ms()}),
            (e.exchange_info, self._exchange_info),
            (e.ticker_24h, self._ticker_24h),
            (e.book_ticker, self._book_ticker),
            (e.klines, self._klines),
            (e.depth, self._depth),
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
            creds = self._credentials(request)
            if endpoint.security is Security.SIGNED:
                self._check_signed(request, creds)
        except Refusal as refusal:
            return refusal.response()
        return None

    def rate_limited(
        self, request: EmulatorRequest, pool: Pool, retry_after_s: float
    ) -> EmulatorResponse:
        ip = request.remote
        rate_limit = next(
            (r for r in _RATE_LIMITS[self.market] if _pool_matches(pool, r)),
            ("REQUEST_WEIGHT", "MINUTE", 1, pool.limit),
        )
        kind, interval, num, _ = rate_limit
        if kind == "ORDERS":
            code = -1015
            msg = f"Too many new orders; current limit is {pool.limit} orders per {num} {interval}."
        elif kind == "RAW_REQUESTS":
            code = -1003
            msg = (
                f"Too many requests; current limit of IP({ip}) raw requests per {num} {interval} "
                f"is {pool.limit}."
            )
        else:
            code = -1003
            msg = (
                f"Too many requests; current limit of IP({ip}) request weight per {num} "
                f"{interval} is {pool.limit}. Please use WebSocket Streams for live updates "
                "to avoid polling the API."
            )
        headers = {"Retry-After": str(max(1, math.ceil(retry_after_s)))}
        server = self.venue.server
        if server is not None:
            headers.update(self.usage_headers({pool: int(server.quota.usage(pool))}))
        return _json({"code": code, "msg": msg}, 429, headers)

    def banned(self, request: EmulatorRequest, retry_after_s: float) -> EmulatorResponse:
        until = self.venue.now_ms() + int(retry_after_s * 1000)
        msg = (
            f"Way too many requests; IP({request.remote}) banned until {until}. Please use the "
            "websocket for live updates to avoid bans."
        )
        headers = {"Retry-After": str(max(1, math.ceil(retry_after_s)))}
        return _json({"code": -1003, "msg": msg}, 418, headers)

    def server_error(self, request: EmulatorRequest, status: int) -> EmulatorResponse:
        """5xx as Binance answers them: gateway pages as HTML, the engine's as JSON codes."""
        if status in (502, 504):
            page = f"<html><body><h1>{status} Gateway Error</h1></body></html>"
            return EmulatorResponse(status=status, body=page.encode(), content_type="text/html")
        if self.market == "usdm" and status == 503:
            # BFD general-info variant (a): the outcome is unknown.
            msg = "Unknown error, please check your request or try again later."
            return _json({"code": -1000, "msg": msg}, status)
        if status == 503:
            msg = "Internal error; unable to process your request. Please try again."
            return _json({"code": -1001, "msg": msg}, status)
        msg = "An unknown error occurred while processing the request."
        return _json({"code": -1000, "msg": msg}, status)

    def usage_headers(self, usage: Mapping[Pool, int]) -> dict[str, str]:
        """``X-MBX-USED-WEIGHT-1M`` on every answer (weightless orders too), and the order
        counters on order endpoints."""
        headers = {pool.header: str(used) for pool, used in usage.items() if pool.header}
        weight = self.spec.pools[0]
        server = self.venue.server
        if weight.header and weight.header not in headers and server is not None:
            headers[weight.header] = str(int(server.quota.usage(weight)))
        return headers

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
        period = max(0.002, 0.05 * self.interval_scale)
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

    def _route(self, endpoint: Endpoint, handler: Callable[[_Call], Any]) -> HttpRoute:
        async def serve(request: EmulatorRequest) -> EmulatorResponse:
            account = ""
            if endpoint.security is not Security.PUBLIC:
                creds = self.venue.credentials.get(_api_key(request) or "")
                account = creds.account if creds else ""
            call = _Call(request.params, account)
            try:
                self._advance()
                return _json(handler(call))
            except Refusal as refusal:
                return refusal.response()
            except Exception:
                log.exception("binance emulator: %s %s failed", endpoint.method, endpoint.path)
                msg = "An unknown error occurred while processing the request."
                return _json({"code": -1000, "msg": msg}, 500)
            finally:
                self._flush_private()

        return HttpRoute(endpoint.method, endpoint.path, serve, endpoint)

    async def _ping(self, request: EmulatorRequest) -> EmulatorResponse:
        return _json({})

    def _credentials(self, request: EmulatorRequest) -> ApiCredentials:
        key = _api_key(request)
        if key is None or not _API_KEY_FORMAT.match(key):
            raise Refusal(-2014, "API-key format invalid.", 401)
        creds = self.venue.credentials.get(key)
        if creds is None:
            raise Refusal(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        return creds

    def _check_signed(self, request: EmulatorRequest, creds: ApiCredentials) -> None:
        """Signature over query string + body as sent (fact sheet §1.2), then the timing rule."""
        params = request.params
        for name in ("timestamp", "signature"):
            if not params.get(name):
                raise Refusal(-1102, mandatory(name))
        query, query_sig = _without_signature(request.query_string)
        form = _is_form(request)
        body, body_sig = _without_signature(request.body.decode("utf-8", "replace") if form else "")
        signature = (query_sig or body_sig or "").lower()
        # The server hands over the query string decoded; accept the client's percent-encoding
        # of it too (what it signed), as Binance sees the raw bytes.
        candidates = {
            query + body,
            encode_params(parse_qsl(query, keep_blank_values=True))
            + encode_params(parse_qsl(body, keep_blank_values=True)),
        }
        if not any(
            hmac.compare_digest(hmac_sha256_hex(creds.api_secret, c), signature) for c in candidates
        ):
            raise Refusal(-1022, "Signature for this request is not valid.")
        verdict = check_timestamp(
            self.venue.now_ms(), params["timestamp"], params.get("recvWindow")
        )
        if verdict is not None:
            raise Refusal(*verdict)

    def _listing(self, call: _Call) -> Listing:
        wire = call.text("symbol", required=True)
        listing = self.venue.by_wire.get(wire or "")
        if listing is None:
            raise Refusal(-1121, "Invalid symbol.")
        return listing

    def _maybe_listing(self, call: _Call) -> Listing | None:
        return self._listing(call) if call.text("symbol") else None

    def _find(self, call: _Call, listing: Listing, *, cancel: bool) -> Order:
        order_id = call.text("orderId")
        client_id = call.text("origClientOrderId")
        if order_id is None and client_id is None:
            raise Refusal(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        try:
            order = self.sim.get_order(
                call.account, symbol=listing.symbol, order_id=order_id, client_order_id=client_id
            )
        except (OrderNotFound, InvalidOrder):
            order = None
        if order is None or (client_id is not None and order.client_order_id != client_id):
            if cancel:
                raise Refusal(-2011, "Unknown order sent.")
            raise Refusal(-2013, "Order does not exist.")
        return order

    # -- market data ------------------------------------------------------------------------

    def _symbols_param(self, call: _Call) -> list[Listing]:
        if call.text("symbol"):
            return [self._listing(call)]
        raw = call.text("symbols")
        if raw is None:
            return list(self.venue.listings.values())
        try:
            names = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            raise Refusal(-1100, "Illegal characters found in parameter 'symbols'.") from None
        if not isinstance(names, list):
            raise Refusal(-1100, "Illegal characters found in parameter 'symbols'.")
        found = [self.venue.by_wire.get(str(n)) for n in names]
        if any(x is None for x in found):
            raise Refusal(-1121, "Invalid symbol.")
        return [x for x in found if x is not None]

    def _exchange_info(self, call: _Call) -> Payload:
        listings = self._symbols_param(call)
        rate_limits = [
            {"rateLimitType": kind, "interval": interval, "intervalNum": num, "limit": limit}
            for kind, interval, num, limit in _RATE_LIMITS[self.market]
        ]
        info: Payload = {"timezone": "UTC", "serverTime": self.venue.now_ms()}
        if self.market == "usdm":
            info["futuresType"] = "U_MARGINED"
        info.update(rateLimits=rate_limits, exchangeFilters=[])
        if self.market == "usdm":
            info["assets"] = [
                {"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}
            ]
        symbol = _spot_symbol if self.market == "spot" else _usdm_symbol
        info["symbols"] = [symbol(x) for x in listings]
        return info

    def _ticker_24h(self, call: _Call) -> Payload | list[Payload]:
        single = call.text("symbol") is not None
        rows = []
        for listing in self._symbols_param(call):
            stats = day_stats(self.venue, listing)
            if self.market == "usdm":
                for name in ("prevClosePrice", "bidPrice", "bidQty", "askPrice", "askQty"):
                    stats.pop(name)
            rows.append(stats)
        return rows[0] if single else rows

    def _book_ticker(self, call: _Call) -> Payload | list[Payload]:
        single = call.text("symbol") is not None
        rows = []
        for listing in self._symbols_param(call):
            book = self.sim.book(listing.symbol, 1)
            bid = book.bids[0] if book.bids else (ZERO, ZERO)
            ask = book.asks[0] if book.asks else (ZERO, ZERO)
            row: Payload = {
                "symbol": listing.wire,
                "bidPrice": listing.price(bid[0]),
                "bidQty": listing.qty(bid[1]),
                "askPrice": listing.price(ask[0]),
                "askQty": listing.qty(ask[1]),
            }
            if self.market == "usdm":
                row.update(time=self.venue.now_ms(), lastUpdateId=book.sequence)
            rows.append(row)
        return rows[0] if single else rows

    def _klines(self, call: _Call) -> list[list[Any]]:
        listing = self._listing(call)
        interval = call.text("interval", required=True) or ""
        allowed = SPOT_INTERVALS if self.market == "spot" else USDM_INTERVALS
        # The simulator keeps 1m..1d; 1s, 3d, 1w and 1M are refused here (a simplification).
        if interval not in allowed or interval not in INTERVALS:
            raise Refusal(-1120, "Invalid interval.")
        limit = call.integer("limit") or 500
        cap = 1000 if self.market == "spot" else 1500
        if not 1 <= limit <= cap:
            raise Refusal(-1130, "Data sent for parameter 'limit' is not valid.")
        candles = self.sim.candles(
            listing.symbol,
            interval,
            start_ms=call.integer("startTime"),
            end_ms=call.integer("endTime"),
            limit=limit,
        )
        return [
            [
                c.open_ms,
                listing.price(c.open),
                listing.price(c.high),
                listing.price(c.low),
                listing.price(c.close),
                listing.qty(c.volume),
                c.close_ms if c.close_ms is not None else c.open_ms + INTERVALS[interval] - 1,
                dec8(c.quote_volume),
                c.trades or 0,
                "0",
                "0",
                "0",
            ]
            for c in candles
        ]

    def _depth(self, call: _Call) -> Payload:
        listing = self._listing(call)
        default, cap = (100, 5000) if self.market == "spot" else (500, 1000)
        limit = call.integer("limit") or default
        if not 1 <= limit <= cap:
            raise Refusal(-1130, "Data sent for parameter 'limit' is not valid.")
        book = self.sim.book(listing.symbol, limit)
        snapshot: Payload = {"lastUpdateId": book.sequence}
        if self.market == "usdm":
            snapshot.update(E=self.venue.now_ms(), T=book.timestamp_ms)
        snapshot["bids"] = [[listing.price(p), listing.qty(q)] for p, q in book.bids]
        snapshot["asks"] = [[listing.price(p), listing.qty(q)] for p, q in book.asks]
        return snapshot

    # -- spot orders ------------------------------------------------------------------------

    def _spot_new_order(self, call: _Call) -> Payload:
        listing = self._listing(call)
        side = _side(call)
        wire = call.text("type", required=True) or ""
        otype = _SPOT_TYPES.get(wire)
        if otype is None:
            raise Refusal(-1116, "Invalid orderType.")
        tif = _spot_tif(call, wire)
        quantity = call.decimal("quantity")
        quote_qty = call.decimal("quoteOrderQty")
        price = call.decimal("price")
        stop = call.decimal("stopPrice")
        if otype is OrderType.MARKET:
            if quantity is None and quote_qty is None:
                raise Refusal(
                    -1102,
                    "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
                )
        elif quantity is None:
            raise Refusal(-1102, mandatory("quantity"))
        if otype.has_limit_price and price is None:
            raise Refusal(-1102, mandatory("price"))
        if not otype.has_limit_price and price is not None:
            raise Refusal(-1106, "Parameter 'price' sent when not required.")
        if otype.is_conditional and stop is None:
            raise Refusal(-1102, mandatory("stopPrice"))
        for name, value in (("quantity", quantity), ("price", price), ("stopPrice", stop)):
            if value is not None and -value.as_tuple().exponent > 8:  # type: ignore[operator]
                raise Refusal(-1111, f"Parameter '{name}' has too much precision.")
        client_id = self._client_id(call, "newClientOrderId", _SPOT_CLIENT_ID)
        resp_type = call.text("newOrderRespType") or (
            "FULL" if otype in (OrderType.MARKET, OrderType.LIMIT) else "ACK"
        )
        if resp_type not in ("ACK", "RESULT", "FULL"):
            raise Refusal(-1130, "Data sent for parameter 'newOrderRespType' is not valid.")
        if quantity is None:
            assert quote_qty is not None
            quantity = self._quantity_for_quote(listing, side, quote_qty)
        _spot_filters(self.sim, listing, otype, quantity, price, stop)
        if len(self.sim.open_orders(call.account, listing.symbol)) >= _MAX_NUM_ORDERS:
            raise Refusal(-1013, "Filter failure: MAX_NUM_ORDERS")
        request = _request(listing, side, otype, quantity, price, stop, tif, client_id)
        if wire == "LIMIT_MAKER":
            request = msgspec.structs.replace(request, post_only=True, time_in_force=None)
        order = self._place(call, request)
        if resp_type == "ACK":
            return _spot_ack(listing, order)
        payload = _spot_order(listing, order, result=True)
        if resp_type == "FULL":
            payload["fills"] = [_spot_fill(listing, f) for f in self._fills_of(call, order)]
        return payload

    def _quantity_for_quote(self, listing: Listing, side: Side, quote_qty: Decimal) -> Decimal:
        """``quoteOrderQty`` as a base quantity at the best opposite price (an approximation:
        Binance walks the book spending exactly the quote amount)."""
        ticker = self.sim.ticker(listing.symbol)
        price = (ticker.ask if side is Side.BUY else ticker.bid) or ticker.last
        if not price:
            raise Refusal(-1013, "Filter failure: NOTIONAL")
        return listing.instrument.floor_quantity(quote_qty / price, market=True)

    def _client_id(self, call: _Call, name: str, pattern: re.Pattern[str]) -> str:
        client_id = call.text(name)
        if client_id is None:
            return self.venue.new_client_id()
        if len(client_id) > 36 and self.market == "usdm":
            raise Refusal(-4015, "Client order id length should not be more than 36 chars")
        if not pattern.match(client_id):
            raise Refusal(
                -1100,
                f"Illegal characters found in parameter '{name}'; legal range is "
                f"'{pattern.pattern}'.",
            )
        return client_id

    def _place(self, call: _Call, request: OrderRequest) -> Order:
        """Place in the sim, translating its refusals into Binance's codes (fact sheet §1.5)."""
        spot = self.market == "spot"
        try:
            return self.sim.place_order(call.account, request)
        except DuplicateClientOrderId:
            if spot:
                raise Refusal(-2010, "Duplicate order sent.") from None
            raise Refusal(-4116, "ClientOrderId is duplicated.") from None
        except InsufficientFunds:
            if spot:
                raise Refusal(
                    -2010, "Account has insufficient balance for requested action."
                ) from None
            raise Refusal(-2019, "Margin is insufficient.") from None
        except NotSupported as exc:
            msg = f"Data sent for parameter 'timeInForce' is not valid. ({exc.message})"
            raise Refusal(-1130, msg) from None
        except InvalidOrder as exc:
            raise _filter_refusal(exc, spot) from None
        except ExchangeError as exc:
            text = exc.message.lower()
            if "post-only" in text:
                if spot:
                    raise Refusal(-2010, "Order would immediately match and take.") from None
                raise Refusal(
                    -5022,
                    "Due to the order could not be executed as maker, the Post Only order "
                    "will be rejected. The order will not be recorded in the order history",
                ) from None
            if "trigger immediately" in text:
                if spot:
                    raise Refusal(-2010, "Stop price would trigger immediately.") from None
                raise Refusal(-2021, "Order would immediately trigger.") from None
            if "reduce-only" in text:
                raise Refusal(-2022, "ReduceOnly Order is rejected.") from None
            raise Refusal(-2010, exc.message) from None

    def _fills_of(self, call: _Call, order: Order) -> list[Fill]:
        since = order.created_ms
        return [
            f
            for f in self.sim.fills(call.account, order.symbol, since_ms=since)
            if f.order_id == order.order_id
        ]

    def _spot_cancel(self, call: _Call) -> Payload:
        listing = self._listing(call)
        order = self._find(call, listing, cancel=True)
        cancel_id = self._client_id(call, "newClientOrderId", _SPOT_CLIENT_ID)
        self.venue.cancel_ids[order.order_id] = cancel_id
        try:
            done = self.sim.cancel_order(call.account, order_id=order.order_id)
        except OrderNotFound:
            self.venue.cancel_ids.pop(order.order_id, None)
            raise Refusal(-2011, "Unknown order sent.") from None
        return _spot_cancelled(listing, done, cancel_id, self.venue.now_ms())

    def _spot_query(self, call: _Call) -> Payload:
        listing = self._listing(call)
        return _spot_order(listing, self._find(call, listing, cancel=False), result=False)

    def _spot_open_orders(self, call: _Call) -> list[Payload]:
        listing = self._maybe_listing(call)
        orders = self.sim.open_orders(call.account, listing.symbol if listing else None)
        return [_spot_order(self.venue.listings[o.symbol], o, result=False) for o in orders]

    def _spot_cancel_all(self, call: _Call) -> list[Payload]:
        listing = self._listing(call)
        open_orders = self.sim.open_orders(call.account, listing.symbol)
        if not open_orders:
            raise Refusal(-2011, "Unknown order sent.")
        ids = {o.order_id: self.venue.new_client_id() for o in open_orders}
        self.venue.cancel_ids.update(ids)
        done = self.sim.cancel_all(call.account, listing.symbol)
        now = self.venue.now_ms()
        return [_spot_cancelled(listing, o, ids[o.order_id], now) for o in done]

    def _spot_trades(self, call: _Call) -> list[Payload]:
        listing = self._listing(call)
        return [
            {
                "symbol": listing.wire,
                "id": int(f.trade_id),
                "orderId": int(f.order_id),
                "orderListId": -1,
                "price": listing.price(f.price),
                "qty": listing.qty(f.quantity),
                "quoteQty": dec8(f.price * f.quantity),
                "commission": dec8(f.fee),
                "commissionAsset": f.fee_asset or listing.instrument.quote,
                "time": f.timestamp_ms,
                "isBuyer": f.side is Side.BUY,
                "isMaker": bool(f.is_maker),
                "isBestMatch": True,
            }
            for f in self._trade_history(call, listing)
        ]

    def _trade_history(self, call: _Call, listing: Listing) -> list[Fill]:
        fills = self.sim.fills(call.account, listing.symbol)
        order_id, from_id = call.text("orderId"), call.integer("fromId")
        start, end = call.integer("startTime"), call.integer("endTime")
        limit = min(call.integer("limit") or 500, 1000)
        chosen = [
            f
            for f in fills
            if (order_id is None or f.order_id == order_id)
            and (from_id is None or int(f.trade_id) >= from_id)
            and (start is None or f.timestamp_ms >= start)
            and (end is None or f.timestamp_ms <= end)
        ]
        oldest_first = from_id is not None or start is not None
        return chosen[:limit] if oldest_first else chosen[-limit:]

    def _spot_account(self, call: _Call) -> Payload:
        omit_zero = call.flag("omitZeroBalances")
        balances = [
            {"asset": b.asset, "free": dec8(b.free), "locked": dec8(b.locked)}
            for b in self.sim.balances(call.account)
            if not omit_zero or b.free or b.locked
        ]
        rates = {"maker": "0.00100000", "taker": "0.00100000", "buyer": "0.00000000"}
        return {
            "makerCommission": 10,
            "takerCommission": 10,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {**rates, "seller": "0.00000000"},
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": self.sim.now_ms,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": 1000 + sorted(self.sim.accounts).index(call.account),
        }

    # -- futures orders ---------------------------------------------------------------------

    def _usdm_new_order(self, call: _Call) -> Payload:
        listing = self._listing(call)
        side = _side(call)
        wire = call.text("type", required=True) or ""
        if wire in _USDM_ALGO_TYPES or wire == "TRAILING_STOP_MARKET":
            raise Refusal(
                -4120,
                "Order type not supported for this endpoint. Please use the Algo Order API "
                "endpoints instead.",
            )
        otype = _USDM_TYPES.get(wire)
        if otype is None:
            raise Refusal(-1116, "Invalid orderType.")
        _one_way(call)
        reduce_only = call.flag("reduceOnly")
        tif_text = call.text("timeInForce")
        if otype is OrderType.LIMIT and tif_text is None:
            raise Refusal(-1102, mandatory("timeInForce"))
        post_only = tif_text == "GTX"
        tif = None
        if otype is OrderType.LIMIT:
            if tif_text not in ("GTC", "IOC", "FOK", "GTX", "GTD"):
                raise Refusal(-1115, "Invalid timeInForce.")
            if tif_text == "GTD":
                raise Refusal(-1130, "Data sent for parameter 'timeInForce' is not valid.")
            tif = TimeInForce.GTC if post_only else _TIF[tif_text or "GTC"]
        quantity = call.decimal("quantity", required=True)
        assert quantity is not None
        price = call.decimal("price", required=otype is OrderType.LIMIT)
        if otype is OrderType.MARKET and price is not None:
            raise Refusal(-1106, "Parameter 'price' sent when not required.")
        client_id = self._client_id(call, "newClientOrderId", _USDM_CLIENT_ID)
        resp_type = call.text("newOrderRespType") or "ACK"
        if resp_type not in ("ACK", "RESULT"):
            raise Refusal(-1136, "Invalid newOrderRespType.")
        _usdm_filters(self.sim, listing, otype, side, quantity, price, None, reduce_only)
        request = _request(listing, side, otype, quantity, price, None, tif, client_id)
        request = msgspec.structs.replace(request, reduce_only=reduce_only, post_only=post_only)
        order = self._place(call, request)
        if resp_type == "ACK":
            order = msgspec.structs.replace(
                order,
                status=OrderStatus.OPEN,
                filled_quantity=ZERO,
                average_fill_price=None,
                updated_ms=order.created_ms,
            )
        return _usdm_order(listing, order, query=False)

    def _usdm_cancel(self, call: _Call) -> Payload:
        listing = self._listing(call)
        order = self._find(call, listing, cancel=True)
        if order.order_id in self.venue.algo_orders:
            raise Refusal(-2011, "Unknown order sent.")
        try:
            done = self.sim.cancel_order(call.account, order_id=order.order_id)
        except OrderNotFound:
            raise Refusal(-2011, "Unknown order sent.") from None
        return _usdm_order(listing, done, query=False)

    def _usdm_query(self, call: _Call) -> Payload:
        listing = self._listing(call)
        order = self._find(call, listing, cancel=False)
        if order.order_id in self.venue.algo_orders:
            raise Refusal(-2013, "Order does not exist.")
        return _usdm_order(listing, order, query=True)

    def _usdm_regular_open(self, account: str, listing: Listing | None) -> list[Order]:
        orders = self.sim.open_orders(account, listing.symbol if listing else None)
        return [o for o in orders if o.order_id not in self.venue.algo_orders]

    def _usdm_open_orders(self, call: _Call) -> list[Payload]:
        orders = self._usdm_regular_open(call.account, self._maybe_listing(call))
        return [_usdm_order(self.venue.listings[o.symbol], o, query=True) for o in orders]

    def _usdm_cancel_all(self, call: _Call) -> Payload:
        listing = self._listing(call)
        for order in self._usdm_regular_open(call.account, listing):
            try:
                self.sim.cancel_order(call.account, order_id=order.order_id)
            except OrderNotFound:
                continue
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def _usdm_trades(self, call: _Call) -> list[Payload]:
        listing = self._listing(call)
        return [
            {
                "buyer": f.side is Side.BUY,
                "commission": dec8(f.fee),
                "commissionAsset": f.fee_asset or "USDT",
                "id": int(f.trade_id),
                "maker": bool(f.is_maker),
                "orderId": int(f.order_id),
                "price": listing.price(f.price),
                "qty": listing.qty(f.quantity),
                "quoteQty": dec8(f.price * f.quantity),
                "realizedPnl": dec8(f.realized_pnl),
                "side": wire_side(f.side),
                "positionSide": "BOTH",
                "symbol": listing.wire,
                "time": f.timestamp_ms,
            }
            for f in self._trade_history(call, listing)
        ]

    def _usdm_totals(self, account: str) -> dict[str, Decimal]:
        balance = self.sim.balance(account, "USDT")
        positions = self.sim.positions(account)
        margin = sum((position_margin(p) for p in positions), start=ZERO)
        unrealized = sum((p.unrealized_pnl or ZERO for p in positions), start=ZERO)
        wallet = balance.total or ZERO
        return {
            "wallet": wallet,
            "unrealized": unrealized,
            "position_margin": margin,
            "order_margin": max(balance.locked - margin, ZERO),
            "initial": balance.locked,
            "available": balance.free,
            "cross_wallet": wallet - margin,
        }

    def _usdm_account(self, call: _Call) -> Payload:
        t = self._usdm_totals(call.account)
        maint = self._maintenance(call.account)
        now = self.sim.now_ms
        positions = []
        for p in self.sim.positions(call.account):
            listing = self.venue.listings[p.symbol]
            margin = position_margin(p)
            positions.append(
                {
                    "symbol": listing.wire,
                    "positionSide": "BOTH",
                    "positionAmt": listing.qty(p.signed_quantity),
                    "unrealizedProfit": dec8(p.unrealized_pnl),
                    "isolatedMargin": dec8(margin + (p.unrealized_pnl or ZERO)),
                    "notional": dec8(p.signed_quantity * (p.mark_price or ZERO)),
                    "isolatedWallet": dec8(margin),
                    "initialMargin": dec8(margin),
                    "maintMargin": dec8(maint.get(p.symbol, ZERO)),
                    "updateTime": p.timestamp_ms or now,
                }
            )
        margin_balance = t["wallet"] + t["unrealized"]
        asset = {
            "asset": "USDT",
            "walletBalance": dec8(t["wallet"]),
            "unrealizedProfit": dec8(t["unrealized"]),
            "marginBalance": dec8(margin_balance),
            "maintMargin": dec8(sum(maint.values(), start=ZERO)),
            "initialMargin": dec8(t["initial"]),
            "positionInitialMargin": dec8(t["position_margin"]),
            "openOrderInitialMargin": dec8(t["order_margin"]),
            "crossWalletBalance": dec8(t["cross_wallet"]),
            "crossUnPnl": dec8(ZERO),
            "availableBalance": dec8(t["available"]),
            "maxWithdrawAmount": dec8(t["available"]),
            "updateTime": now,
        }
        return {
            "totalInitialMargin": asset["initialMargin"],
            "totalMaintMargin": asset["maintMargin"],
            "totalWalletBalance": asset["walletBalance"],
            "totalUnrealizedProfit": asset["unrealizedProfit"],
            "totalMarginBalance": asset["marginBalance"],
            "totalPositionInitialMargin": asset["positionInitialMargin"],
            "totalOpenOrderInitialMargin": asset["openOrderInitialMargin"],
            "totalCrossWalletBalance": asset["crossWalletBalance"],
            "totalCrossUnPnl": asset["crossUnPnl"],
            "availableBalance": asset["availableBalance"],
            "maxWithdrawAmount": asset["maxWithdrawAmount"],
            "assets": [asset],
            "positions": positions,
        }

    def _maintenance(self, account: str) -> dict[str, Decimal]:
        # The sim's maintenance rate is not public; Binance's first bracket is 0.4 %.
        rate = Decimal("0.004")
        return {
            p.symbol: abs(p.signed_quantity * (p.mark_price or ZERO)) * rate
            for p in self.sim.positions(account)
        }

    def _usdm_balance(self, call: _Call) -> list[Payload]:
        t = self._usdm_totals(call.account)
        return [
            {
                "accountAlias": "SgsR",
                "asset": "USDT",
                "balance": dec8(t["wallet"]),
                "crossWalletBalance": dec8(t["cross_wallet"]),
                "crossUnPnl": dec8(ZERO),
                "availableBalance": dec8(t["available"]),
                "maxWithdrawAmount": dec8(t["available"]),
                "marginAvailable": True,
                "updateTime": self.sim.now_ms,
            }
        ]

    def _usdm_position_risk(self, call: _Call) -> list[Payload]:
        only = self._maybe_listing(call)
        with_orders = {o.symbol for o in self.sim.open_orders(call.account)}
        maint = self._maintenance(call.account)
        rows = []
        for listing in self.venue.listings.values():
            if only is not None and listing is not only:
                continue
            position = self.sim.position(call.account, listing.symbol)
            if not position.quantity and listing.symbol not in with_orders:
                continue
            amount, mark = position.signed_quantity, position.mark_price or ZERO
            margin = position_margin(position)
            notional = amount * mark
            rows.append(
                {
                    "symbol": listing.wire,
                    "positionSide": "BOTH",
                    "positionAmt": listing.qty(amount),
                    "entryPrice": dec8(position.entry_price),
                    "breakEvenPrice": dec8(position.entry_price),
                    "markPrice": dec8(mark),
                    "unRealizedProfit": dec8(position.unrealized_pnl),
                    "liquidationPrice": dec8(position.liquidation_price),
                    "isolatedMargin": dec8(margin + (position.unrealized_pnl or ZERO)),
                    "notional": dec8(notional),
                    "marginAsset": "USDT",
                    "isolatedWallet": dec8(margin),
                    "initialMargin": dec8(margin),
                    "maintMargin": dec8(maint.get(listing.symbol, ZERO)),
                    "positionInitialMargin": dec8(margin),
                    "openOrderInitialMargin": "0",
                    "adl": 0,
                    "bidNotional": "0",
                    "askNotional": "0",
                    "updateTime": position.timestamp_ms or self.sim.now_ms,
                }
            )
        return rows

    def _usdm_leverage(self, call: _Call) -> Payload:
        listing = self._listing(call)
        value = call.integer("leverage")
        if value is None:
            raise Refusal(-1102, mandatory("leverage"))
        try:
            self.sim.set_leverage(call.account, listing.symbol, value)
        except InvalidOrder:
            raise Refusal(-4028, f"Leverage {value} is not valid") from None
        except InsufficientFunds:
            msg = "Exceeded the maximum allowable position at current leverage."
            raise Refusal(-2027, msg) from None
        return {"leverage": value, "maxNotionalValue": "1000000", "symbol": listing.wire}

    def _listen_key_create(self, call: _Call) -> Payload:
        return {"listenKey": self.usdm_user.create(call.account)}

    def _listen_key_keepalive(self, call: _Call) -> Payload:
        key = self.usdm_user.keepalive(call.account)
        if key is None:
            raise Refusal(-1125, "This listenKey does not exist.")
        return {"listenKey": key}

    def _listen_key_close(self, call: _Call) -> Payload:
        self.usdm_user.close(call.account)
        return {}

    # -- futures conditional orders (Algo Service) ---------------------------------------------

    def _algo_new(self, call: _Call) -> Payload:
        if (call.text("algoType", required=True) or "") != "CONDITIONAL":
            raise Refusal(-1130, "Data sent for parameter 'algoType' is not valid.")
        listing = self._listing(call)
        side = _side(call)
        otype = _USDM_ALGO_TYPES.get(call.text("type", required=True) or "")
        if otype is None:
            raise Refusal(-1116, "Invalid orderType.")
        _one_way(call)
        reduce_only = call.flag("reduceOnly")
        trigger = call.decimal("triggerPrice", required=True)
        quantity = call.decimal("quantity", required=True)
        assert quantity is not None
        price = call.decimal("price", required=otype.has_limit_price)
        tif = _TIF.get(call.text("timeInForce") or "GTC") if otype.has_limit_price else None
        client_id = self._client_id(call, "clientAlgoId", _USDM_CLIENT_ID)
        _usdm_filters(self.sim, listing, otype, side, quantity, price, trigger, reduce_only)
        request = _request(listing, side, otype, quantity, price, trigger, tif, client_id)
        request = msgspec.structs.replace(request, reduce_only=reduce_only)
        order = self._place(call, request)
        self.venue.algo_orders.add(order.order_id)
        return _algo_order(listing, order, "NEW")

    def _algo_cancel(self, call: _Call) -> Payload:
        algo_id, client_id = call.text("algoId"), call.text("clientAlgoId")
        if algo_id is None and client_id is None:
            raise Refusal(
                -1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!"
            )
        try:
            order = self.sim.get_order(call.account, order_id=algo_id, client_order_id=client_id)
        except (OrderNotFound, InvalidOrder):
            raise Refusal(-2011, "Unknown order sent.") from None
        if order.order_id not in self.venue.algo_orders:
            raise Refusal(-2011, "Unknown order sent.")
        try:
            self.sim.cancel_order(call.account, order_id=order.order_id)
        except OrderNotFound:
            raise Refusal(-2011, "Unknown order sent.") from None
        return {
            "algoId": int(order.order_id),
            "clientAlgoId": order.client_order_id or "",
            "code": "200",
            "msg": "success",
        }

    def _algo_open(self, call: _Call) -> list[Payload]:
        listing = self._maybe_listing(call)
        orders = self.sim.open_orders(call.account, listing.symbol if listing else None)
        return [
            _algo_order(self.venue.listings[o.symbol], o, "NEW")
            for o in orders
            if o.order_id in self.venue.algo_orders
        ]

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


# -- construction -------------------------------------------------------------------------------


def _new_sim(market: Market, *, seed: int, tick_ms: int, history_minutes: int) -> SimExchange:
    now = time.time_ns() // 1_000_000
    if market == "spot":
        specs = default_markets(("BTC/USDT", "ETH/USDT"))
    else:
        specs = [
            _rename(spec, "BTCUSDT")
            for spec in default_markets(("BTC/USDT:USDT",), funding_rate=_FUNDING_RATE)
        ]
    return SimExchange(
        seed=seed,
        markets=specs,
        start_ms=now,
        tick_ms=tick_ms,
        history_minutes=history_minutes,
        client_order_id_scope="open",  # Binance: unique among open orders only
        name="binance" if market == "spot" else "binanceusdm",
    )


def _rename(spec: Any, wire: str) -> Any:
    from dataclasses import replace

    return replace(spec, instrument=msgspec.structs.replace(spec.instrument, exchange_symbol=wire))


def _open_account(sim: SimExchange, market: Market, account: str) -> None:
    if market == "spot":
        sim.create_account(
            account,
            balances={"USDT": 10_000, "BTC": "0.5", "ETH": 5},
            maker_fee="0.001",
            taker_fee="0.001",
        )
    else:
        sim.create_account(
            account, balances={"USDT": 10_000}, maker_fee="0.0002", taker_fee="0.0005", leverage=20
        )


def _listings(sim: SimExchange, market: Market) -> dict[str, Listing]:
    """The sim's instruments this market lists, under Binance ids (BTCUSDT for both)."""
    out = {}
    for symbol, inst in sim.instruments.items():
        spot = inst.kind is MarketKind.SPOT
        perpetual = inst.kind is MarketKind.PERPETUAL and not inst.inverse
        if (market == "spot" and spot) or (market == "usdm" and perpetual):
            out[symbol] = Listing(symbol, f"{inst.base}{inst.quote}", inst, market)
    return out


# -- request checks -----------------------------------------------------------------------------


def _api_key(request: EmulatorRequest) -> str | None:
    for name, value in request.headers.items():
        if name.lower() == "x-mbx-apikey":
            return value.strip()
    return None


def _is_form(request: EmulatorRequest) -> bool:
    ctype = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
    return "json" not in ctype


def _without_signature(raw: str) -> tuple[str, str | None]:
    kept, signature = [], None
    for part in raw.split("&") if raw else []:
        if part.startswith("signature="):
            signature = part[len("signature=") :]
        else:
            kept.append(part)
    return "&".join(kept), signature


def _pool_matches(pool: Pool, rate_limit: tuple[str, str, int, int]) -> bool:
    kind, interval, num, _ = rate_limit
    suffix = f"-{kind.lower().replace('_', '-')}-{num}{interval[0].lower()}"
    return pool.name.endswith(suffix)


def _side(call: _Call) -> Side:
    value = call.text("side", required=True)
    if value == "BUY":
        return Side.BUY
    if value == "SELL":
        return Side.SELL
    raise Refusal(-1117, "Invalid side.")


def _spot_tif(call: _Call, wire: str) -> TimeInForce | None:
    text = call.text("timeInForce")
    needs = wire in ("LIMIT", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
    if needs and text is None:
        raise Refusal(-1102, mandatory("timeInForce"))
    if not needs and text is not None:
        raise Refusal(-1106, "Parameter 'timeInForce' sent when not required.")
    if text is None:
        return None
    tif = _TIF.get(text)
    if tif is None:
        raise Refusal(-1115, "Invalid timeInForce.")
    return tif


def _one_way(call: _Call) -> None:
    side = call.text("positionSide") or "BOTH"
    if side != "BOTH":
        raise Refusal(-4061, "Order's position side does not match user's setting.")


def _request(
    listing: Listing,
    side: Side,
    otype: OrderType,
    quantity: Decimal,
    price: Decimal | None,
    stop: Decimal | None,
    tif: TimeInForce | None,
    client_id: str,
) -> OrderRequest:
    try:
        return OrderRequest(
            symbol=listing.symbol,
            side=side,
            type=otype,
            quantity=quantity,
            price=price,
            stop_price=stop,
            time_in_force=tif,
            client_order_id=client_id,
        )
    except InvalidOrder as exc:
        raise Refusal(-1013, f"Invalid quantity or price ({exc.message}).") from None


def _reference_price(sim: SimExchange, listing: Listing) -> Decimal | None:
    ticker = sim.ticker(listing.symbol)
    return ticker.last or sim.mark_price(listing.symbol)


def _is_multiple(value: Decimal, unit: Decimal) -> bool:
    return unit == 0 or value % unit == 0


def _spot_filters(
    sim: SimExchange,
    listing: Listing,
    otype: OrderType,
    quantity: Decimal,
    price: Decimal | None,
    stop: Decimal | None,
) -> None:
    """The spot filters (BSD filters.md), in the order Binance reports their failures."""
    inst = listing.instrument
    for value in (price, stop):
        if value is not None and (
            not _is_multiple(value, inst.tick_size) or not _MIN_PRICE <= value <= _MAX_PRICE
        ):
            raise Refusal(-1013, "Filter failure: PRICE_FILTER")
    reference = _reference_price(sim, listing)
    if price is not None and reference and not reference / 5 <= price <= reference * 5:
        raise Refusal(-1013, "Filter failure: PERCENT_PRICE_BY_SIDE")
    market = otype is OrderType.MARKET
    if (
        not _is_multiple(quantity - inst.min_quantity, inst.step_size)
        or quantity < inst.min_quantity
        or (inst.max_quantity is not None and quantity > inst.max_quantity)
    ):
        raise Refusal(-1013, f"Filter failure: {'MARKET_LOT_SIZE' if market else 'LOT_SIZE'}")
    at = price if price is not None else stop if stop is not None else reference
    if at is not None and quantity * at < inst.min_notional:
        raise Refusal(-1013, "Filter failure: NOTIONAL")


_MIN_PRICE = Decimal("0.01")
_MAX_NUM_ORDERS = 200
_MAX_PRICE = Decimal(1_000_000)


def _usdm_filters(
    sim: SimExchange,
    listing: Listing,
    otype: OrderType,
    side: Side,
    quantity: Decimal,
    price: Decimal | None,
    stop: Decimal | None,
    reduce_only: bool,
) -> None:
    """Futures filters with futures' own codes (BFD error-code page)."""
    inst = listing.instrument
    for value in (price, stop):
        if value is None:
            continue
        if not _is_multiple(value, inst.tick_size):
            raise Refusal(-4014, "Price not increased by tick size.")
        if value < inst.tick_size:
            raise Refusal(-4013, "Price less than min price.")
        if value > _MAX_PRICE:
            raise Refusal(-4002, "Price greater than max price.")
    if quantity <= 0:
        raise Refusal(-4003, "Quantity less than or equal to zero.")
    if not _is_multiple(quantity, inst.step_size):
        raise Refusal(-1111, "Precision is over the maximum defined for this asset.")
    if quantity < inst.min_quantity:
        raise Refusal(-4004, "Quantity less than min quantity.")
    if inst.max_quantity is not None and quantity > inst.max_quantity:
        raise Refusal(-4005, "Quantity greater than max quantity.")
    mark = sim.mark_price(listing.symbol)
    if mark and price is not None and otype is OrderType.LIMIT:
        # PERCENT_PRICE: a buy at most 5 % above the mark, a sell at most 5 % below.
        if side is Side.BUY and price > mark * Decimal("1.05"):
            cap = listing.price(mark * Decimal("1.05"))
            raise Refusal(-4016, f"Limit price can't be higher than {cap}.")
        if side is Side.SELL and price < mark * Decimal("0.95"):
            floor = listing.price(mark * Decimal("0.95"))
            raise Refusal(-4024, f"Limit price can't be lower than {floor}.")
    at = price if price is not None else stop if stop is not None else mark
    if not reduce_only and at is not None and quantity * at < inst.min_notional:
        minimum = format(inst.min_notional.normalize(), "f")
        raise Refusal(
            -4164,
            f"Order's notional must be no smaller than {minimum} (unless you choose reduce only).",
        )


def _filter_refusal(exc: InvalidOrder, spot: bool) -> Refusal:
    """A filter failure the sim found that the checks above let through."""
    text = exc.message.lower()
    if "tick" in text or "price" in text:
        name, code, msg = "PRICE_FILTER", -4014, "Price not increased by tick size."
    elif "notional" in text:
        name, code, msg = "NOTIONAL", -4164, "Order's notional must be no smaller than minimum."
    else:
        name, code, msg = "LOT_SIZE", -1111, "Precision is over the maximum defined for this asset."
    if spot:
        return Refusal(-1013, f"Filter failure: {name}")
    return Refusal(code, msg)


# -- response shapes ----------------------------------------------------------------------------


def _spot_symbol(listing: Listing) -> Payload:
    inst = listing.instrument
    text = dec8
    return {
        "symbol": listing.wire,
        "status": "TRADING" if inst.active else "BREAK",
        "baseAsset": inst.base,
        "baseAssetPrecision": 8,
        "quoteAsset": inst.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": list(_SPOT_TYPES),
        "icebergAllowed": True,
        "ocoAllowed": True,
        "otoAllowed": True,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": True,
        "cancelReplaceAllowed": True,
        "amendAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": text(_MIN_PRICE),
                "maxPrice": text(_MAX_PRICE),
                "tickSize": text(inst.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": text(inst.min_quantity),
                "maxQty": text(inst.max_quantity),
                "stepSize": text(inst.step_size),
            },
            {"filterType": "ICEBERG_PARTS", "limit": 10},
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": text(ZERO),
                "maxQty": text(inst.max_quantity),
                "stepSize": text(ZERO),
            },
            {
                "filterType": "TRAILING_DELTA",
                "minTrailingAboveDelta": 10,
                "maxTrailingAboveDelta": 2000,
                "minTrailingBelowDelta": 10,
                "maxTrailingBelowDelta": 2000,
            },
            {
                "filterType": "PERCENT_PRICE_BY_SIDE",
                "bidMultiplierUp": "5",
                "bidMultiplierDown": "0.2",
                "askMultiplierUp": "5",
                "askMultiplierDown": "0.2",
                "avgPriceMins": 5,
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": text(inst.min_notional),
                "applyMinToMarket": True,
                "maxNotional": text(Decimal(9_000_000)),
                "applyMaxToMarket": False,
                "avgPriceMins": 5,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": _MAX_NUM_ORDERS},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
        "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
    }


def _usdm_symbol(listing: Listing) -> Payload:
    inst = listing.instrument
    price_places = len(listing.price(ZERO).partition(".")[2])
    qty_places = len(listing.qty(ZERO).partition(".")[2])
    return {
        "symbol": listing.wire,
        "pair": listing.wire,
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": 1569398400000,
        "status": "TRADING" if inst.active else "SETTLING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": inst.base,
        "quoteAsset": inst.quote,
        "marginAsset": inst.settle or inst.quote,
        "pricePrecision": price_places,
        "quantityPrecision": qty_places,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": listing.price(inst.tick_size),
                "maxPrice": listing.price(_MAX_PRICE),
                "tickSize": listing.price(inst.tick_size),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": listing.qty(inst.min_quantity),
                "maxQty": listing.qty(inst.max_quantity),
                "stepSize": listing.qty(inst.step_size),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": listing.qty(inst.min_quantity),
                "maxQty": listing.qty(inst.max_quantity),
                "stepSize": listing.qty(inst.step_size),
            },
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": format(inst.min_notional.normalize(), "f")},
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": "1.0500",
                "multiplierDown": "0.9500",
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": [
            "LIMIT",
            "MARKET",
            "STOP",
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT_MARKET",
            "TRAILING_STOP_MARKET",
        ],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
    }


def _spot_ack(listing: Listing, order: Order) -> Payload:
    return {
        "symbol": listing.wire,
        "orderId": int(order.order_id),
        "orderListId": -1,
        "clientOrderId": order.client_order_id or "",
        "transactTime": order.created_ms or 0,
    }


def _spot_order(listing: Listing, order: Order, *, result: bool) -> Payload:
    """RESULT/FULL placement (``result``) or query/openOrders (else) shape."""
    created = order.created_ms or 0
    working = order.status.is_working and not order.type.is_conditional
    payload: Payload = {"symbol": listing.wire, "orderId": int(order.order_id), "orderListId": -1}
    payload["clientOrderId"] = order.client_order_id or ""
    if result:
        payload["transactTime"] = created
    payload.update(
        price=dec8(order.price),
        origQty=dec8(order.quantity),
        executedQty=dec8(order.filled_quantity),
        cummulativeQuoteQty=dec8(cumulative_quote(order)),
        status=wire_status(order),
        timeInForce=wire_tif(order, "spot"),
        type=wire_type(order, "spot"),
        side=wire_side(order.side),
    )
    if order.stop_price is not None:
        payload["stopPrice"] = dec8(order.stop_price)
    if not result:
        payload.update(
            stopPrice=dec8(order.stop_price),
            icebergQty=dec8(ZERO),
            time=created,
            updateTime=order.updated_ms or created,
            isWorking=working,
        )
    payload.update(
        workingTime=-1 if order.type.is_conditional and working else created,
        origQuoteOrderQty=dec8(ZERO),
        selfTradePreventionMode="EXPIRE_MAKER",
    )
    return payload


def _spot_fill(listing: Listing, fill: Fill) -> Payload:
    return {
        "price": listing.price(fill.price),
        "qty": listing.qty(fill.quantity),
        "commission": dec8(fill.fee),
        "commissionAsset": fill.fee_asset or listing.instrument.quote,
        "tradeId": int(fill.trade_id),
    }


def _spot_cancelled(listing: Listing, order: Order, cancel_id: str, now: int) -> Payload:
    return {
        "symbol": listing.wire,
        "origClientOrderId": order.client_order_id or "",
        "orderId": int(order.order_id),
        "orderListId": -1,
        "clientOrderId": cancel_id,
        "transactTime": now,
        "price": dec8(order.price),
        "origQty": dec8(order.quantity),
        "executedQty": dec8(order.filled_quantity),
        "cummulativeQuoteQty": dec8(cumulative_quote(order)),
        "status": wire_status(order),
        "timeInForce": wire_tif(order, "spot"),
        "type": wire_type(order, "spot"),
        "side": wire_side(order.side),
        "selfTradePreventionMode": "EXPIRE_MAKER",
    }


def _usdm_order(listing: Listing, order: Order, *, query: bool) -> Payload:
    otype = wire_type(order, "usdm")
    payload: Payload = {
        "orderId": int(order.order_id),
        "symbol": listing.wire,
        "status": wire_status(order),
        "clientOrderId": order.client_order_id or "",
        "price": listing.price(order.price),
        "avgPrice": dec8(order.average_fill_price),
        "origQty": listing.qty(order.quantity),
        "executedQty": listing.qty(order.filled_quantity),
        "cumQty": listing.qty(order.filled_quantity),
        "cumQuote": dec8(cumulative_quote(order)),
        "timeInForce": wire_tif(order, "usdm"),
        "type": otype,
        "reduceOnly": order.reduce_only,
        "closePosition": False,
        "side": wire_side(order.side),
        "positionSide": "BOTH",
        "stopPrice": listing.price(order.stop_price),
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": otype,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
    }
    if query:
        payload["time"] = order.created_ms or 0
    payload["updateTime"] = order.updated_ms or order.created_ms or 0
    return payload


def _algo_order(listing: Listing, order: Order, status: str) -> Payload:
    return {
        "algoId": int(order.order_id),
        "clientAlgoId": order.client_order_id or "",
        "algoType": "CONDITIONAL",
        "orderType": wire_type(order, "usdm"),
        "symbol": listing.wire,
        "side": wire_side(order.side),
        "positionSide": "BOTH",
        "timeInForce": wire_tif(order, "usdm"),
        "quantity": listing.qty(order.quantity),
        "algoStatus": status,
        "triggerPrice": listing.price(order.stop_price),
        "price": listing.price(order.price),
        "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "workingType": "CONTRACT_PRICE",
        "priceMatch": "NONE",
        "closePosition": False,
        "priceProtect": False,
        "reduceOnly": order.reduce_only,
        "createTime": order.created_ms or 0,
        "updateTime": order.updated_ms or 0,
        "triggerTime": 0,
        "goodTillDate": 0,
    }


# -- registration -------------------------------------------------------------------------------


def create_spot_dialect(**config: Any) -> BinanceDialect:
    """``create_dialect`` of the ``binance`` emulator (keywords of :class:`BinanceDialect`)."""
    return BinanceDialect("spot", **config)


def create_usdm_dialect(**config: Any) -> BinanceDialect:
    """``create_dialect`` of the ``binanceusdm`` emulator."""
    return BinanceDialect("usdm", **config)


def _spot_client_config(server: EmulatorServer) -> dict[str, Any]:
    return {
        "api_key": TEST_API_KEY,
        "api_secret": TEST_API_SECRET,
        "base_url": server.http_url,
        "stream_url": server.ws_url,
        "ws_api_url": server.ws_url + "/ws-api/v3",
    }


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
