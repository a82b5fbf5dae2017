"""The Bybit V5 client: spot (``bybit``) and linear USDT perpetuals (``bybitlinear``).

Every REST method has one shape: build params with a mapper, send them with the market's
:class:`~exchangekit.transport.Endpoint` through one :class:`~exchangekit.transport.
RestTransport`, map the answer. Spot and linear differ in data (``endpoints.SPOT`` vs
``LINEAR``: the ``category`` every request carries, per-UID limits), never in a second copy
of the code. Streams live in :mod:`~exchangekit_bybit.streams` (public) and
:mod:`~exchangekit_bybit.private_stream`.

Money safety, in the order a request meets it: capabilities (``NotSupported``) and the
instrument's filters (``InvalidOrder``) are checked before anything is sent; the transport
never resends an order; a timeout, a 5xx or Bybit's "server timeout" codes on a write are
``OrderOutcomeUnknown`` carrying the client order id; ``10002`` (clock drift) re-syncs
server time once and is reported.

Bybit acknowledges an order (and a cancel) with its ids only: creation is asynchronous
(BYD create-order.mdx). The client then reads the order back from ``/v5/order/realtime``
(one more request on a 50/s pool) so the caller gets its real state; if that read fails,
the order built from the request, ``open`` with nothing filled, is returned instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import msgspec

from exchangekit.clientbase import ClientLifecycle
from exchangekit.clock import Clock, SystemClock
from exchangekit.errors import ExchangeError, InvalidOrder, NotSupported, OrderNotFound
from exchangekit.models import (
    Balance,
    Candle,
    Fill,
    Instrument,
    Order,
    OrderBook,
    OrderRequest,
    OrderStatus,
    Position,
    PositionSide,
    Ticker,
    Trade,
)
from exchangekit.ratelimit import Limiter, Priority
from exchangekit.ratelimit.lane import priority_lane
from exchangekit.transport import Credentials, Endpoint
from exchangekit.ws import SessionEvent
from exchangekit_bybit import mappers as m
from exchangekit_bybit.config import BybitConfig
from exchangekit_bybit.fanout import EventBus, StreamContext
from exchangekit_bybit.history import Page, executions_since
from exchangekit_bybit.private_stream import PrivateStream
from exchangekit_bybit.rest import BybitRest
from exchangekit_bybit.streams import PublicStreams

__all__ = ["BybitClient"]

ZERO = Decimal(0)
_OPEN_ORDERS_PAGE = 50  # /v5/order/realtime: limit 1-50
_EXECUTIONS_PAGE = 100  # /v5/execution/list: limit 1-100
_INSTRUMENTS_PAGE = 1000  # /v5/market/instruments-info: limit 1-1000 (linear pages by cursor)
_MAX_PAGES = 50


class BybitClient(ClientLifecycle):
    """One Bybit unified-trading account (or public access) on one category."""

    def __init__(self, config: BybitConfig) -> None:
        self.config = config
        self.name = "bybit" if config.market == "spot" else "bybitlinear"
        self.capabilities = config.capabilities
        self._category: m.Category = config.market
        self._spot = config.market == "spot"
        self._api = config.spec.endpoints
        self._clock = config.clock or SystemClock()
        super().__init__(
            config.limiter or Limiter(config.spec.pools, clock=self._clock), EventBus()
        )
        credentials = None
        if config.api_key and config.api_secret:
            credentials = Credentials(config.api_key, config.api_secret)
        self._rest = BybitRest(
            config, name=self.name, clock=self._clock, limiter=self._limiter,
            credentials=credentials,
        )  # fmt: skip
        self._instruments: dict[str, Instrument] | None = None
        self._symbols = m.SymbolMap()
        self._load_lock = asyncio.Lock()
        self._original_ids: dict[str, str] = {}
        ctx = StreamContext(
            exchange=self.name,
            market=config.market,
            public_url=config.public_ws_url,
            private_url=config.private_ws_url,
            clock=self._clock,
            limiter=self._limiter,
            ping_interval_s=config.ping_interval_s,
            stale_after_s=config.stale_after_s,
            observe=self._rest.observe if config.payload_observer else None,
            events=self._events,
            spawn=self._spawn,
            symbol_map=self._symbol_map,
            credentials=credentials,
            server_now_ms=self._rest.server_now_ms,
            sync_time=self._rest.sync_time,
            original_ids=self._original_ids,
        )
        self._public = PublicStreams(ctx)
        self._private = PrivateStream(ctx)

    def __repr__(self) -> str:
        return f"BybitClient({self.name!r}, {self._rest.transport.base_url!r})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def _close_streams(self) -> None:
        await self._private.close()
        await self._public.close()

    async def _close_transport(self) -> None:
        await self._rest.aclose()

    # -- market data ---------------------------------------------------------------------------

    async def load_instruments(self) -> dict[str, Instrument]:
        """Every instrument by unified symbol; loaded once, then cached."""
        async with self._load_lock:
            if self._instruments is None:
                found: list[Instrument] = []
                cursor = ""
                for _ in range(_MAX_PAGES):
                    params: dict[str, Any] = {"category": self._category}
                    if not self._spot:  # spot has no pagination (BYD market/instrument.mdx)
                        params["limit"] = _INSTRUMENTS_PAGE
                        if cursor:
                            params["cursor"] = cursor
                    page = await self._rest.call(self._api.instruments, params, _result)
                    found += m.instruments(page)
                    cursor = page.nextPageCursor
                    if self._spot or not cursor:
                        break
                self._symbols = m.SymbolMap.from_instruments(found)
                self._instruments = {i.symbol: i for i in found}
        return dict(self._instruments)

    async def get_ticker(self, symbol: str) -> Ticker:
        symbols = await self._symbol_map()
        params = {"category": self._category, "symbol": symbols.exchange(symbol)}

        def read(envelope: Any) -> Ticker:
            rows = envelope.result.list
            if not rows:
                raise OrderNotFound(f"no ticker for {symbol}", exchange=self.name)
            now = envelope.time or self._rest.server_now_ms()
            return m.ticker(rows[0], symbols, timestamp_ms=now, path="$.result.list[0]")

        return await self._rest.call(self._api.tickers, params, read)

    async def get_candles(
        self,
        symbol: str,
        interval: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first. A range or a limit beyond one request is paged: forward
        from ``start_ms`` in windows of one page, else backward from ``end_ms`` (or now)."""
        symbols = await self._symbol_map()
        page = self.capabilities.max_candles_per_request
        rows: list[Candle] = []

        async def fetch(start: int | None, end: int | None, size: int | None) -> list[Candle]:
            params = m.kline_params(
                symbol, interval, symbols, category=self._category,
                start_ms=start, end_ms=end, limit=size,
            )  # fmt: skip
            now = self._rest.server_now_ms()
            return await self._rest.call(
                self._api.kline,
                params,
                lambda env: m.candles(env.result, symbol, interval, now_ms=now),
            )

        if start_ms is not None:
            span = m.INTERVAL_MS.get(interval, 31 * 86_400_000)
            stop = end_ms if end_ms is not None else self._rest.server_now_ms()
            start = start_ms
            while start <= stop and (limit is None or len(rows) < limit):
                window_end = min(start + span * page - 1, stop)
                batch = await fetch(start, window_end, page)
                rows += [c for c in batch if c.open_ms >= start]
                start = window_end + 1
            return rows[:limit] if limit is not None else rows
        if limit is None:
            return await fetch(None, end_ms, None)
        end = end_ms
        for _ in range(_MAX_PAGES):
            if len(rows) >= limit:
                break
            size = min(page, limit - len(rows))
            batch = await fetch(None, end, size)
            batch = [c for c in batch if not rows or c.open_ms < rows[0].open_ms]
            rows[:0] = batch
            if len(batch) < size:
                break
            end = batch[0].open_ms - 1
        return rows[-limit:]

    async def get_order_book(self, symbol: str, depth: int = 100) -> OrderBook:
        if not 1 <= depth <= self.capabilities.max_book_depth:
            raise NotSupported(
                f"depth must be in 1..{self.capabilities.max_book_depth}", exchange=self.name
            )
        symbols = await self._symbol_map()
        params = {"category": self._category, "symbol": symbols.exchange(symbol), "limit": depth}
        book = await self._rest.call(
            self._api.orderbook,
            params,
            lambda env: m.order_book(env.result, symbols, received_ms=self._clock.now_ms()),
        )
        if len(book.bids) > depth or len(book.asks) > depth:
            book = msgspec.structs.replace(book, bids=book.bids[:depth], asks=book.asks[:depth])
        return book

    # -- trading -------------------------------------------------------------------------------

    async def place_order(
        self, request: OrderRequest, *, priority: Priority | None = None
    ) -> Order:
        """Check locally, then send once; then read the order back (see the module doc).
        ``priority`` (e.g. ``KILL_SWITCH`` for a flatten) moves the request ahead."""
        cid = request.client_order_id
        reason = self.capabilities.supports_order(request)
        if reason is not None:
            raise NotSupported(f"{self.name}: {reason}", exchange=self.name, client_order_id=cid)
        instrument = (await self._instruments_by_symbol()).get(request.symbol)
        if instrument is None:
            raise NotSupported(
                f"{request.symbol} is not listed on {self.name}",
                exchange=self.name,
                client_order_id=cid,
            )
        instrument.check_order(request)
        symbols = await self._symbol_map()
        # A long/short position side is sent as the hedge-mode slot it names; a one-way
        # account refuses it (10001), which is the honest answer.
        hedge = self.config.hedge_mode or request.position_side in (
            PositionSide.LONG,
            PositionSide.SHORT,
        )
        params = m.order_params(request, symbols, category=self._category, hedge_mode=hedge)
        if cid is not None and params["orderLinkId"] != cid:
            self._original_ids[params["orderLinkId"]] = cid  # the private stream reports it
        with self._lane(priority):
            ack = await self._rest.call(
                self._api.order_create, params, _result, client_order_id=cid
            )
            try:
                order = await self._read_order(request.symbol, order_id=ack.orderId)
            except ExchangeError:
                order = _acknowledged(request, ack.orderId, params["orderLinkId"], self._clock)
        return _with_client_id(order, cid)

    async def cancel_order(
        self,
        symbol: str,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        priority: Priority | None = None,
    ) -> Order:
        """Cancel one order and return its state read back (``cancelled``, keeping what
        filled). Bybit acknowledges the cancel with ids only; should the read-back fail,
        its error is raised although the cancel went through (a second cancel answers
        ``OrderNotFound``, which is harmless)."""
        symbols = await self._symbol_map()
        params = m.cancel_params(
            symbol, symbols, category=self._category,
            order_id=order_id, client_order_id=client_order_id,
        )  # fmt: skip
        with self._lane(priority):
            ack = await self._rest.call(
                self._api.order_cancel, params, _result, client_order_id=client_order_id
            )
            order = await self._read_order(symbol, order_id=ack.orderId)
        return _with_client_id(order, client_order_id)

    async def cancel_all_orders(
        self, symbol: str | None = None, *, priority: Priority | None = None
    ) -> list[Order]:
        """Cancel every open order (of ``symbol``, or of the whole category); returns them."""
        with self._lane(priority):
            listed = await self.get_open_orders(symbol)
            if not listed:
                return []
            symbols = await self._symbol_map()
            params = m.cancel_all_params(
                symbols, category=self._category, symbol=symbol,
                settle_coin=None if symbol else self.config.settle_coin,
            )  # fmt: skip
            result = await self._rest.call(self._api.order_cancel_all, params, _result)
        done = {ack.orderId for ack in result.list}
        return [_as_cancelled(o) for o in listed if o.order_id in done]

    async def get_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        order = await self._read_order(symbol, order_id=order_id, client_order_id=client_order_id)
        return _with_client_id(order, client_order_id)

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        symbols = await self._symbol_map()
        base = m.query_params(
            symbols, category=self._category, symbol=symbol,
            settle_coin=None if symbol or self._spot else self.config.settle_coin,
        )  # fmt: skip
        out: list[Order] = []
        cursor = ""
        for _ in range(_MAX_PAGES):
            params: dict[str, Any] = {**base, "limit": _OPEN_ORDERS_PAGE}
            if cursor:
                params["cursor"] = cursor
            page = await self._rest.call(self._api.open_orders, params, _result)
            out += [o for o in m.orders(page, symbols) if not o.status.is_terminal]
            cursor = page.nextPageCursor
            if not cursor or len(page.list) < _OPEN_ORDERS_PAGE:
                break
        return out

    async def get_fills(
        self, symbol: str, *, since_ms: int | None = None, limit: int | None = None
    ) -> list[Fill]:
        """Executions oldest first: every one from ``since_ms`` on (``limit``: the first that
        many), read across Bybit's 7-day ranges and cursor pages (:mod:`.history`); without
        ``since_ms``, the most recent page (``limit`` of them, at most 100)."""
        symbols = await self._symbol_map()
        base: dict[str, Any] = {"category": self._category, "symbol": symbols.exchange(symbol)}

        async def page(extra: dict[str, Any]) -> Page:
            return await self._rest.call(
                self._api.executions,
                {**base, **extra},
                lambda env: Page(m.fills(env.result, symbols), env.result.nextPageCursor),
            )

        if since_ms is None:
            latest = await page({"limit": min(limit or _EXECUTIONS_PAGE, _EXECUTIONS_PAGE)})
            return sorted(latest.fills, key=lambda f: (f.timestamp_ms, f.trade_id))
        return await executions_since(
            page, since_ms=since_ms, now_ms=self._rest.server_now_ms(), limit=limit
        )

    # -- account -------------------------------------------------------------------------------

    async def get_balances(self) -> list[Balance]:
        """The unified account's coins (spot and derivatives share this wallet)."""
        params = {"accountType": "UNIFIED"}
        return await self._rest.call(
            self._api.wallet_balance, params, lambda env: m.balances(env.result)
        )

    async def get_positions(self, symbol: str | None = None) -> list[Position]:
        endpoint = self._need(self._api.positions, "positions")
        symbols = await self._symbol_map()
        params: dict[str, Any] = {"category": self._category, "limit": 200}
        if symbol is not None:
            params["symbol"] = symbols.exchange(symbol)
        else:
            params["settleCoin"] = self.config.settle_coin
        return await self._rest.call(endpoint, params, lambda env: m.positions(env.result, symbols))

    async def set_leverage(self, symbol: str, leverage: Decimal | int) -> None:
        """Same leverage for both sides; setting the current value is not an error."""
        endpoint = self._need(self._api.set_leverage, "leverage")
        value = Decimal(leverage)
        if value <= 0:
            raise InvalidOrder(f"leverage must be positive, not {leverage}", exchange=self.name)
        symbols = await self._symbol_map()
        await self._rest.call(endpoint, m.leverage_params(symbol, value, symbols), _ignore)

    # -- streams -------------------------------------------------------------------------------

    def stream_tickers(self, symbols: Sequence[str]) -> AsyncIterator[Ticker]:
        return self._public.tickers(symbols)

    def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        return self._public.candles(symbol, interval)

    def stream_trades(self, symbol: str) -> AsyncIterator[Trade]:
        return self._public.trades(symbol)

    def stream_order_book(self, symbol: str, depth: int = 100) -> AsyncIterator[OrderBook]:
        """The local book (snapshot then deltas, reset on any snapshot or ``u == 1``,
        resubscribed on a gap), ``depth`` levels a side, each time it changed."""
        if not 1 <= depth <= self.capabilities.max_book_depth:
            raise NotSupported(
                f"depth must be in 1..{self.capabilities.max_book_depth}", exchange=self.name
            )
        return self._public.order_book(symbol, depth)

    def stream_orders(self) -> AsyncIterator[Order]:
        return self._private.orders()

    def stream_fills(self) -> AsyncIterator[Fill]:
        return self._private.fills()

    def stream_positions(self) -> AsyncIterator[Position]:
        return self._private.positions()

    def stream_balances(self) -> AsyncIterator[Balance]:
        return self._private.balances()

    async def start_user_stream(self) -> None:
        """Open the private stream now and return once it is logged in and subscribed
        (the private ``stream_*`` methods otherwise open it on first use)."""
        await self._private.start()

    def stream_events(self) -> AsyncIterator[tuple[str, SessionEvent]]:
        """Lifecycle events of every WebSocket session (``connected``, ``gap``,
        ``resynced``...) as ``(session name, event)``, from now on."""
        return self._events.listen()

    # -- plumbing ----------------------------------------------------------------------------

    def _lane(self, priority: Priority | None) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext() if priority is None else priority_lane(priority)

    def _need(self, endpoint: Endpoint | None, what: str) -> Endpoint:
        if endpoint is None:
            raise NotSupported(f"{self.name} has no {what}", exchange=self.name)
        return endpoint

    async def _instruments_by_symbol(self) -> dict[str, Instrument]:
        if self._instruments is None:
            await self.load_instruments()
        assert self._instruments is not None
        return self._instruments

    async def _symbol_map(self) -> m.SymbolMap:
        await self._instruments_by_symbol()
        return self._symbols

    async def _read_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        """One order by id: open and recent orders first, then the history (Bybit keeps
        closed orders in ``/v5/order/realtime`` only for a while)."""
        symbols = await self._symbol_map()
        params: Mapping[str, Any] = m.query_params(
            symbols, category=self._category, symbol=symbol,
            order_id=order_id, client_order_id=client_order_id,
        )  # fmt: skip
        for endpoint in (self._api.open_orders, self._api.order_history):
            found = await self._rest.call(endpoint, params, lambda e: m.orders(e.result, symbols))
            if found:
                return found[0]
        raise OrderNotFound(
            f"no order {order_id or client_order_id} on {symbol}",
            exchange=self.name,
            client_order_id=client_order_id,
        )


def _result(envelope: Any) -> Any:
    return envelope.result


def _ignore(envelope: Any) -> None:
    return None


def _acknowledged(request: OrderRequest, order_id: str, link_id: str, clock: Clock) -> Order:
    """The order as Bybit acknowledged it, built from the request: nothing known filled."""
    now = clock.now_ms()
    return Order(
        symbol=request.symbol,
        order_id=order_id,
        client_order_id=link_id,
        side=request.side,
        type=request.type,
        status=OrderStatus.OPEN,
        quantity=request.quantity,
        filled_quantity=ZERO,
        remaining_quantity=request.quantity,
        price=request.price,
        average_fill_price=None,
        stop_price=request.stop_price,
        time_in_force=request.time_in_force,
        reduce_only=request.reduce_only,
        post_only=request.post_only,
        created_ms=now,
        updated_ms=now,
    )


def _with_client_id(order: Order, client_order_id: str | None) -> Order:
    """Report the caller's own client order id where Bybit's is its encoded form."""
    if client_order_id is None or order.client_order_id == client_order_id:
        return order
    if order.client_order_id != m.encode_client_order_id(client_order_id):
        return order
    return msgspec.structs.replace(order, client_order_id=client_order_id)


def _as_cancelled(order: Order) -> Order:
    """An order listed open just before a cancel-all that answered its id."""
    return msgspec.structs.replace(order, status=OrderStatus.CANCELLED, remaining_quantity=ZERO)
