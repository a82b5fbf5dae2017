"""The OKX V5 client: spot (``okx``) and linear USDT swaps (``okxswap``).

Every REST method has one shape: build params with a mapper, send them with the endpoint
from :data:`~exchangekit_okx.endpoints.ENDPOINTS` through one
:class:`~exchangekit_okx.rest.OkxRest`, map the answer. Spot and swaps differ in data
(``instType``, ``tdMode``) and in the contract conversion the mappers do, never in a second
copy of the code. Streams live in :mod:`~exchangekit_okx.streams` (public) and
:mod:`~exchangekit_okx.private_stream`.

Money safety, in the order a request meets it: capabilities (``NotSupported``), the
instrument's filters and whole lots of contracts (``InvalidOrder``) are checked before
anything is sent; the transport never resends an order; an order OKX answered but we cannot
read, a timeout, a 5xx or 50004/50001/50013/50026 on a write is ``OrderOutcomeUnknown``
carrying the client order id (reconcile with :meth:`OkxClient.get_order`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

import msgspec

from exchangekit.clientbase import ClientLifecycle
from exchangekit.clock import SystemClock
from exchangekit.errors import InvalidOrder, NotSupported, OrderNotFound
from exchangekit.models import (
    Balance,
    Candle,
    Fill,
    Instrument,
    MarketKind,
    Order,
    OrderBook,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Ticker,
    TimeInForce,
    Trade,
)
from exchangekit.ratelimit import Cost, Limiter, Priority
from exchangekit.ratelimit.lane import priority_lane
from exchangekit.transport import Credentials
from exchangekit.ws import SessionEvent
from exchangekit_okx import algo, errors
from exchangekit_okx import endpoints as ep
from exchangekit_okx import mappers as m
from exchangekit_okx.algo_orders import AlgoOrders
from exchangekit_okx.config import OkxConfig
from exchangekit_okx.fanout import EventBus, StreamContext
from exchangekit_okx.history import Row, fills_since
from exchangekit_okx.private_stream import PrivateStream
from exchangekit_okx.rest import OkxRest, as_cancelled, one_order, single_item, with_cost
from exchangekit_okx.streams import MarketStreams

__all__ = ["OkxClient"]

_PAGE = 100  # orders-pending and fills answer at most 100 rows a request
_BATCH = 20  # cancel-batch-orders takes at most 20 orders
_ALGO_BATCH = 10  # cancel-algos takes at most 10
_HISTORY_PAGE = 100  # history-candles limit
_MAX_LEVERAGE = 125
_SETTLE_POLLS = 3  # queries after a cancel accepted (sCode 0) before reporting its state
_MINUTE = 60_000
INTERVAL_MS = {
    "1m": _MINUTE, "3m": 3 * _MINUTE, "5m": 5 * _MINUTE, "15m": 15 * _MINUTE,
    "30m": 30 * _MINUTE, "1h": 60 * _MINUTE, "2h": 120 * _MINUTE, "4h": 240 * _MINUTE,
    "6h": 360 * _MINUTE, "12h": 720 * _MINUTE, "1d": 1440 * _MINUTE, "1w": 10080 * _MINUTE,
}  # fmt: skip
"""Fixed interval lengths (``1M`` has none: a month range is paged without a computed end)."""


class OkxClient(ClientLifecycle):
    """One OKX account (or public access) on one market, behind ``ExchangeClient``."""

    def __init__(self, config: OkxConfig) -> None:
        self.config = config
        self.name = "okx" if config.market == "spot" else "okxswap"
        self.capabilities = config.capabilities
        self._spec = config.spec
        self._api = config.spec.endpoints
        self._swap = config.market == "swap"
        self._clock = config.clock or SystemClock()
        super().__init__(
            config.limiter or Limiter(config.spec.pools, clock=self._clock), EventBus()
        )
        credentials = None
        if config.api_key and config.api_secret:
            credentials = Credentials(
                config.api_key, config.api_secret, passphrase=config.passphrase
            )
        self._rest = OkxRest(
            config, name=self.name, clock=self._clock, limiter=self._limiter,
            credentials=credentials,
        )  # fmt: skip
        self._instruments: dict[str, Instrument] | None = None
        self._symbols = m.SymbolMap()
        self._load_lock = asyncio.Lock()
        self._algos = AlgoOrders(
            self._rest,
            inst_type=self._spec.inst_type,
            td_mode=config.td_mode,
            clock=self._clock,
            symbol_map=self._symbol_map,
            lane=self._lane,
        )
        ctx = StreamContext(
            exchange=self.name,
            public_url=config.ws_endpoint("public"),
            private_url=config.ws_endpoint("private"),
            business_url=config.ws_endpoint("business"),
            clock=self._clock,
            limiter=self._limiter,
            ping_interval_s=config.ping_interval_s,
            stale_after_s=config.stale_after_s,
            observe=self._rest.observe if config.payload_observer else None,
            events=self._events,
            spawn=self._spawn,
            symbol_map=self._symbol_map,
            inst_type=self._spec.inst_type,
            credentials=credentials,
            server_now_ms=self._rest.server_now_ms,
            sync_time=self._rest.sync_time,
            resync_time=lambda: self._rest.sync_time(force=True),
        )
        self._market = MarketStreams(ctx)
        self._private = PrivateStream(ctx, swap=self._swap)

    def __repr__(self) -> str:
        return f"OkxClient({self.name!r}, {self._rest.transport.base_url!r})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def _close_streams(self) -> None:
        await self._private.close()
        await self._market.close()

    async def _close_transport(self) -> None:
        await self._rest.aclose()

    # -- market data ---------------------------------------------------------------------------

    async def load_instruments(self) -> dict[str, Instrument]:
        """Every instrument of the market by unified symbol; loaded once, then cached."""
        async with self._load_lock:
            if self._instruments is None:
                params = {"instType": self._spec.inst_type}
                found = await self._rest.call(self._api.instruments, params, m.instruments)
                kind = MarketKind.PERPETUAL if self._swap else MarketKind.SPOT
                found = [i for i in found if i.kind is kind]
                self._symbols = m.SymbolMap.from_instruments(found)
                self._instruments = {i.symbol: i for i in found}
        return dict(self._instruments)

    async def get_ticker(self, symbol: str) -> Ticker:
        symbols = await self._symbol_map()
        params = {"instId": symbols.exchange(symbol)}
        return await self._rest.call(self._api.ticker, params, lambda e: m.ticker(e, symbols))

    async def get_candles(
        self,
        symbol: str,
        interval: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first. OKX pages backwards from ``end_ms`` (or now); a range or a
        limit beyond one page is fetched page by page, from ``history-candles`` once the
        recent endpoint runs dry."""
        symbols = await self._symbol_map()
        if interval not in m.INTERVALS:
            raise NotSupported(f"interval {interval!r} is not supported", exchange=self.name)
        if start_ms is not None and end_ms is None and limit is not None:
            span = INTERVAL_MS.get(interval, 0)
            end_ms = start_ms + span * limit - 1 if span else None
        out: list[Candle] = []
        endpoint, page = self._api.candles, self.capabilities.max_candles_per_request
        cursor = end_ms
        while limit is None or len(out) < limit:
            size = page if limit is None else min(page, limit - len(out))
            params = m.candle_params(
                symbol, interval, symbols, start_ms=start_ms, end_ms=cursor, limit=size
            )
            batch = await self._rest.call(
                endpoint, params, lambda e: m.candles(e, symbol, interval, symbols)
            )
            if not batch:
                if endpoint is self._api.candles and (
                    start_ms is not None or end_ms is not None or limit
                ):
                    # Older than the recent endpoint keeps: ask the history endpoint.
                    endpoint, page = self._api.history_candles, _HISTORY_PAGE
                    continue
                break
            out[:0] = batch
            cursor = batch[0].open_ms - 1
            if start_ms is None and limit is None:
                break  # no range and no count: the latest page
            if start_ms is not None and cursor < start_ms:
                break  # the range is covered
            if len(batch) < size:
                if endpoint is self._api.history_candles:
                    break  # nothing older anywhere
                # market/candles keeps the latest 1,440 rows; older ones are history.
                endpoint, page = self._api.history_candles, _HISTORY_PAGE
        if limit is not None and len(out) > limit:
            out = out[len(out) - limit :] if start_ms is None else out[:limit]
        return out

    async def get_order_book(self, symbol: str, depth: int = 100) -> OrderBook:
        symbols = await self._symbol_map()
        self._check_depth(depth)
        params = {"instId": symbols.exchange(symbol), "sz": str(depth)}
        book = await self._rest.call(
            self._api.books, params, lambda e: m.order_book(e, symbol, symbols)
        )
        return msgspec.structs.replace(book, received_ms=self._clock.now_ms())

    # -- trading -------------------------------------------------------------------------------

    async def place_order(
        self, request: OrderRequest, *, priority: Priority | None = None
    ) -> Order:
        """Check locally, then send once. Resting orders come back ``open`` from the ack;
        market, IOC and FOK orders are queried once so their fills are reported."""
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
        hedge = request.position_side in (PositionSide.LONG, PositionSide.SHORT)
        if algo.is_algo(request):
            return await self._algos.place(request, symbols, hedge_mode=hedge, priority=priority)
        params = m.order_params(request, symbols, td_mode=self.config.td_mode, hedge_mode=hedge)
        with self._lane(priority):
            ack = await self._rest.call(
                self._api.place_order, params, lambda e: single_item(e, cid), client_order_id=cid
            )
        order = _with_client_id(
            m.order_from_ack(request, ack, received_ms=self._clock.now_ms()), cid
        )
        if request.type is OrderType.MARKET or request.time_in_force in (
            TimeInForce.IOC,
            TimeInForce.FOK,
        ):
            with contextlib.suppress(Exception):  # the ack stands if the query fails
                order = await self.get_order(request.symbol, order_id=order.order_id)
                order = _with_client_id(order, cid)
        return order

    async def cancel_order(
        self,
        symbol: str,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        priority: Priority | None = None,
    ) -> Order:
        """Cancel, then read the order back: OKX's ``sCode`` 0 only says the cancel was
        accepted (fact sheet §3.4)."""
        symbols = await self._symbol_map()
        params = m.cancel_params(
            symbol, symbols, order_id=order_id, client_order_id=client_order_id
        )
        with self._lane(priority):
            try:
                ack = await self._rest.call(
                    self._api.cancel_order,
                    params,
                    lambda e: single_item(e, client_order_id),
                    client_order_id=client_order_id,
                )
            except OrderNotFound:
                # Stops and take-profits live on the algo service until they trigger.
                found = await self._algos.find(symbol, order_id, client_order_id)
                if found is None:
                    raise
                return _with_client_id(await self._algos.cancel(symbol, found), client_order_id)
            known_id = ack.ordId or order_id
            order = await self.get_order(
                symbol,
                order_id=known_id,
                client_order_id=None if known_id else client_order_id,
            )
            for _ in range(_SETTLE_POLLS):
                if order.status.is_terminal:
                    break
                await self._clock.sleep(0.05)
                order = await self.get_order(symbol, order_id=order.order_id)
        return _with_client_id(order, client_order_id)

    async def cancel_all_orders(
        self, symbol: str | None = None, *, priority: Priority | None = None
    ) -> list[Order]:
        """Cancel every open order (of ``symbol``, or of the market), 20 per request.

        Returns the orders whose cancel OKX accepted, as cancelled (orders that finished
        on their own meanwhile are left out)."""
        with self._lane(priority):
            every = await self.get_open_orders(symbol)
            symbols = await self._symbol_map()
            algos = [o for o in every if o.type.is_conditional and o.status is OrderStatus.OPEN]
            open_orders = [o for o in every if o not in algos]
            cancelled: list[Order] = []
            for start in range(0, len(algos), _ALGO_BATCH):
                batch = algos[start : start + _ALGO_BATCH]
                body = [{"algoId": o.order_id, "instId": symbols.exchange(o.symbol)} for o in batch]
                acks = await self._rest.call(self._api.cancel_algos, body, lambda e: list(e.data))
                accepted = {a.algoId for a in acks if errors.item_error(a.sCode, a.sMsg) is None}
                cancelled += [as_cancelled(o) for o in batch if o.order_id in accepted]
            for start in range(0, len(open_orders), _BATCH):
                batch = open_orders[start : start + _BATCH]
                body = [{"instId": symbols.exchange(o.symbol), "ordId": o.order_id} for o in batch]
                endpoint = with_cost(
                    self._api.cancel_batch_orders, (Cost(ep.CANCEL_BATCH, len(batch)),)
                )
                acks = await self._rest.call(endpoint, body, lambda e: list(e.data))
                accepted = {a.ordId for a in acks if errors.item_error(a.sCode, a.sMsg) is None}
                cancelled += [as_cancelled(o) for o in batch if o.order_id in accepted]
        return cancelled

    async def get_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        symbols = await self._symbol_map()
        params = m.cancel_params(
            symbol, symbols, order_id=order_id, client_order_id=client_order_id
        )
        try:
            order = await self._rest.call(
                self._api.get_order, params, lambda e: one_order(e, symbols)
            )
        except OrderNotFound:
            found = await self._algos.find(symbol, order_id, client_order_id)
            if found is None:
                raise
            order = found
        return _with_client_id(order, client_order_id)

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        """Live and partially filled orders, oldest first (paged 100 at a time)."""
        symbols = await self._symbol_map()
        params: dict[str, str] = {"instType": self._spec.inst_type, "limit": str(_PAGE)}
        if symbol is not None:
            params["instId"] = symbols.exchange(symbol)
        out: list[Order] = []
        while True:
            # Paging counts the rows OKX sent, mapped or not (rows of instruments this
            # adapter does not trade, such as inverse swaps, are left out of the list).
            count, last_id, rows = await self._rest.call(
                self._api.pending_orders,
                params,
                lambda e: (
                    len(e.data),
                    e.data[-1].ordId if e.data else "",
                    m.orders(e, symbols, skip_unknown=True),
                ),
            )
            out += rows
            if count < _PAGE:
                break
            params = {**params, "after": last_id}  # newest first: page older
        out += await self._algos.pending(symbol)
        out.sort(key=lambda o: (o.created_ms or 0, o.order_id))
        return out

    async def get_fills(
        self, symbol: str, *, since_ms: int | None = None, limit: int | None = None
    ) -> list[Fill]:
        """Fills oldest first: every one from ``since_ms`` on (``limit``: the first that many),
        the last 3 days from ``trade/fills`` and anything older from ``trade/fills-history``
        (3 months), page by page (:mod:`.history`); without ``since_ms``, the most recent
        page of ``trade/fills`` (``limit`` of them, at most 100)."""
        symbols = await self._symbol_map()
        base = {"instType": self._spec.inst_type, "instId": symbols.exchange(symbol)}

        def rows(envelope: Any) -> list[Row]:
            return m.fills_with_bill_ids(envelope, symbols)

        async def recent(extra: dict[str, Any]) -> list[Row]:
            return await self._rest.call(self._api.fills, {**base, **extra}, rows)

        async def archive(extra: dict[str, Any]) -> list[Row]:
            return await self._rest.call(self._api.fills_history, {**base, **extra}, rows)

        if since_ms is None:
            params = {**base, "limit": str(min(limit or _PAGE, _PAGE))}
            latest = await self._rest.call(self._api.fills, params, lambda e: m.fills(e, symbols))
            return sorted(latest, key=lambda f: (f.timestamp_ms, f.trade_id))
        return await fills_since(
            recent, archive, since_ms=since_ms, now_ms=self._rest.server_now_ms(), limit=limit
        )

    # -- account -------------------------------------------------------------------------------

    async def get_balances(self) -> list[Balance]:
        return await self._rest.call(self._api.balance, None, m.balances)

    async def get_positions(self, symbol: str | None = None) -> list[Position]:
        if not self.capabilities.positions:
            raise NotSupported(f"{self.name} has no positions", exchange=self.name)
        symbols = await self._symbol_map()
        params: dict[str, str] = {"instType": self._spec.inst_type}
        if symbol is not None:
            params["instId"] = symbols.exchange(symbol)
        return await self._rest.call(self._api.positions, params, lambda e: m.positions(e, symbols))

    async def set_leverage(self, symbol: str, leverage: Decimal | int) -> None:
        if not self.capabilities.set_leverage:
            raise NotSupported(f"{self.name} has no leverage", exchange=self.name)
        whole = int(leverage)
        if whole != leverage or not 1 <= whole <= _MAX_LEVERAGE:
            raise InvalidOrder(f"OKX leverage is a whole number in 1..125, not {leverage}")
        symbols = await self._symbol_map()
        params = m.leverage_params(symbol, whole, symbols, mgn_mode=self.config.td_mode or "cross")
        await self._rest.call(self._api.set_leverage, params, lambda e: e)

    # -- streams -------------------------------------------------------------------------------

    def stream_tickers(self, symbols: Sequence[str]) -> AsyncIterator[Ticker]:
        return self._market.tickers(symbols)

    def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        return self._market.candles(symbol, interval)

    def stream_trades(self, symbol: str) -> AsyncIterator[Trade]:
        return self._market.trades(symbol)

    def stream_order_book(self, symbol: str, depth: int = 100) -> AsyncIterator[OrderBook]:
        """The local book (``books`` snapshot plus updates chained by ``seqId``, resubscribed
        on any gap), ``depth`` levels a side, each time it changed."""
        self._check_depth(depth)
        return self._market.order_book(symbol, depth)

    def stream_orders(self) -> AsyncIterator[Order]:
        return self._private.orders()

    def stream_fills(self) -> AsyncIterator[Fill]:
        return self._private.fills()

    def stream_positions(self) -> AsyncIterator[Position]:
        return self._private.positions()

    def stream_balances(self) -> AsyncIterator[Balance]:
        return self._private.balances()

    async def start_user_stream(self) -> None:
        """Open the private stream now and return once it is subscribed."""
        await self._private.start()

    def stream_events(self) -> AsyncIterator[tuple[str, SessionEvent]]:
        """Lifecycle events of every WebSocket session as ``(session name, event)``."""
        return self._events.listen()

    # -- plumbing ------------------------------------------------------------------------------

    def _lane(self, priority: Priority | None) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext() if priority is None else priority_lane(priority)

    def _check_depth(self, depth: int) -> None:
        if not 1 <= depth <= self.capabilities.max_book_depth:
            raise NotSupported(
                f"depth must be in 1..{self.capabilities.max_book_depth}", exchange=self.name
            )

    async def _instruments_by_symbol(self) -> dict[str, Instrument]:
        if self._instruments is None:
            await self.load_instruments()
        assert self._instruments is not None
        return self._instruments

    async def _symbol_map(self) -> m.SymbolMap:
        await self._instruments_by_symbol()
        return self._symbols


def _with_client_id(order: Order, client_order_id: str | None) -> Order:
    """Report the caller's own client order id where OKX's is its encoded form."""
    if client_order_id is None or order.client_order_id == client_order_id:
        return order
    if order.client_order_id != m.encode_client_order_id(client_order_id):
        return order
    return msgspec.structs.replace(order, client_order_id=client_order_id)
