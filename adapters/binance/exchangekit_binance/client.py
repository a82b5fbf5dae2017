"""The Binance client: spot (``binance``) and USDⓈ-M futures (``binanceusdm``).

Every REST method has one shape: build params with a mapper, send them with the market's
:class:`~exchangekit.transport.Endpoint` through one :class:`~exchangekit.transport.
RestTransport`, map the answer. Spot and futures differ in data (``endpoints.SPOT`` vs
``USDM``) and in the mapper a method picks, never in a second copy of the code. Streams
live in :mod:`~exchangekit_binance.streams` (market data) and
:mod:`~exchangekit_binance.private_stream` (private).

Money safety, in the order a request meets it: capabilities (``NotSupported``) and the
instrument's filters (``InvalidOrder``) are checked before anything is sent; the transport
never resends an order; an order the exchange answered but we cannot read is
``OrderOutcomeUnknown``; ``-1021`` (clock drift) re-syncs server time once and is reported.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal
from typing import Any

import msgspec

from exchangekit.book import BookSnapshot
from exchangekit.clientbase import ClientLifecycle
from exchangekit.clock import SystemClock
from exchangekit.errors import InvalidOrder, NotSupported, OrderNotFound
from exchangekit.mapping import decoder
from exchangekit.models import (
    Balance,
    Candle,
    Fill,
    Instrument,
    Order,
    OrderBook,
    OrderRequest,
    Position,
    Ticker,
    Trade,
)
from exchangekit.ratelimit import Limiter, Priority
from exchangekit.ratelimit.lane import priority_lane
from exchangekit.transport import Credentials, Endpoint, Params, ParamValue
from exchangekit.ws import SessionEvent
from exchangekit_binance import mappers as m
from exchangekit_binance import schemas as s
from exchangekit_binance.algo_orders import AlgoOrders
from exchangekit_binance.cancel_all import cancel_by_id, cancel_conditional
from exchangekit_binance.config import BinanceConfig
from exchangekit_binance.fanout import EventBus, StreamContext
from exchangekit_binance.history import PAGE, SPOT_WINDOW_MS, USDM_WINDOW_MS, trades_since
from exchangekit_binance.position_mode import POSITION_SIDE_MISMATCH, PositionMode
from exchangekit_binance.private_stream import UserStream
from exchangekit_binance.rest import BinanceRest, same
from exchangekit_binance.streams import DepthSnapshotText, MarketStreams

__all__ = ["BinanceClient"]

_USDM_DEPTHS = (5, 10, 20, 50, 100, 500, 1000)  # the only limits /fapi/v1/depth accepts
_MAX_LEVERAGE = 125


class BinanceClient(ClientLifecycle):
    """One Binance account (or public access) on one market, behind ``ExchangeClient``."""

    def __init__(self, config: BinanceConfig) -> None:
        self.config = config
        self.name = "binance" if config.market == "spot" else "binanceusdm"
        self.capabilities = config.capabilities
        self._spot = config.market == "spot"
        self._api = config.spec.endpoints
        self._clock = config.clock or SystemClock()
        super().__init__(
            config.limiter or Limiter(config.spec.pools, clock=self._clock), EventBus()
        )
        credentials = None
        if config.api_key and config.api_secret:
            credentials = Credentials(config.api_key, config.api_secret)
        self._rest = BinanceRest(
            config, name=self.name, clock=self._clock, limiter=self._limiter,
            credentials=credentials,
        )  # fmt: skip
        self._instruments: dict[str, Instrument] | None = None
        self._symbols = m.SymbolMap()
        self._load_lock = asyncio.Lock()
        self._position_mode = PositionMode(self._rest, self._api, exchange=self.name)
        self._algos = AlgoOrders(self._rest, self._api, self._symbol_map, exchange=self.name)
        ctx = StreamContext(
            exchange=self.name,
            market=config.market,
            stream_root=config.streams_url,
            ws_api_url=config.api_url,
            clock=self._clock,
            limiter=self._limiter,
            lifetime_s=config.lifetime_s,
            stale_after_s=config.stale_after_s,
            observe=self._rest.observe if config.payload_observer else None,
            events=self._events,
            spawn=self._spawn,
            symbol_map=self._symbol_map,
            book_snapshot=self._book_snapshot,
            credentials=credentials,
            server_now_ms=self._rest.server_now_ms,
            sync_time=self._rest.sync_time,
            listen_key=self._listen_key,
            keep_alive=self._keep_listen_key_alive,
            keepalive_s=config.listen_key_keepalive_s,
        )
        self._market = MarketStreams(ctx)
        self._user = UserStream(ctx)

    def __repr__(self) -> str:
        return f"BinanceClient({self.name!r}, {self._rest.transport.base_url!r})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def _close_streams(self) -> None:
        await self._user.close()
        await self._market.close()

    async def _close_transport(self) -> None:
        await self._rest.aclose()

    # -- market data ---------------------------------------------------------------------------

    async def load_instruments(self) -> dict[str, Instrument]:
        """Every instrument by unified symbol; loaded once, then cached."""
        async with self._load_lock:
            if self._instruments is None:
                self._instruments = await self._rest.call(
                    self._api.exchange_info, None, self._read_exchange_info
                )
        return dict(self._instruments)

    async def get_ticker(self, symbol: str) -> Ticker:
        symbols = await self._symbol_map()
        params = {"symbol": symbols.exchange(symbol)}
        if self._spot:
            return await self._rest.call(
                self._api.ticker_24h, params, lambda raw: m.spot_ticker(raw, symbols)
            )
        # Futures' 24 h ticker has no best bid/ask: ask bookTicker at the same time.
        day, book = await asyncio.gather(
            self._rest.call(self._api.ticker_24h, params, same),
            self._rest.call(self._api.book_ticker, params, same),
        )
        return m.usdm_ticker(day, symbols, book)

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
        from ``start_ms``, else backward from ``end_ms`` (or now)."""
        symbols = await self._symbol_map()
        page = self.capabilities.max_candles_per_request
        forward = start_ms is not None
        rows: list[s.KlineRow] = []
        start, end = start_ms, end_ms
        while limit is None or len(rows) < limit:
            # Nothing to page through without a start or a limit: the exchange's latest page.
            size: int | None = page if limit is None else min(page, limit - len(rows))
            if limit is None and not forward:
                size = None
            params = m.kline_params(
                symbol, interval, symbols, market=self.config.market,
                start_ms=start, end_ms=end, limit=size,
            )  # fmt: skip
            batch: list[s.KlineRow] = await self._rest.call(self._api.klines, params, same)
            if not batch:
                break
            if forward:
                rows += batch
                start = batch[-1].openTime + 1  # strictly after: no candle twice
            else:
                rows[:0] = batch
                end = batch[0].openTime - 1
            if size is None or len(batch) < size or (end is not None and (start or 0) > end):
                break
        return m.candles(rows, symbol, interval, now_ms=self._rest.server_now_ms())

    async def get_order_book(self, symbol: str, depth: int = 100) -> OrderBook:
        symbols = await self._symbol_map()
        params: dict[str, ParamValue] = {
            "symbol": symbols.exchange(symbol),
            "limit": self._book_limit(depth),
        }
        book = await self._rest.call(
            self._api.depth,
            params,
            lambda raw: m.order_book(raw, symbol, received_ms=self._clock.now_ms()),
        )
        if len(book.bids) > depth or len(book.asks) > depth:  # futures round depth up
            book = msgspec.structs.replace(book, bids=book.bids[:depth], asks=book.asks[:depth])
        return book

    # -- trading -------------------------------------------------------------------------------

    async def place_order(
        self, request: OrderRequest, *, priority: Priority | None = None
    ) -> Order:
        """Check locally, then send once. ``priority`` (e.g. ``KILL_SWITCH`` for a flatten)
        moves the request ahead of others waiting for the rate limiter."""
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
        hedge = False if self._spot else await self._position_mode.hedge()
        reason = m.position_mode_problem(request, hedge_mode=hedge)
        if reason is not None:
            raise InvalidOrder(f"{self.name}: {reason}", exchange=self.name, client_order_id=cid)
        if m.uses_algo_endpoint(request, self.config.market):
            params = m.algo_order_params(request, symbols, hedge_mode=hedge)
            endpoint, read = (
                self._need(self._api.new_algo_order),
                lambda raw: m.usdm_algo_order(raw, symbols),
            )
        else:
            params = m.order_params(request, symbols, market=self.config.market, hedge_mode=hedge)
            endpoint, read = self._api.new_order, self._order_reader(symbols)
        with self._lane(priority):
            try:
                order = await self._rest.call(endpoint, params, read, client_order_id=cid)
            except InvalidOrder as exc:
                if exc.code == POSITION_SIDE_MISMATCH:
                    self._position_mode.forget()  # switched in the UI since we asked
                raise
        return _with_client_id(order, cid)

    async def cancel_order(
        self,
        symbol: str,
        *,
        order_id: str | None = None,
        client_order_id: str | None = None,
        priority: Priority | None = None,
    ) -> Order:
        symbols = await self._symbol_map()
        params = m.cancel_params(
            symbol, symbols, order_id=order_id, client_order_id=client_order_id
        )
        with self._lane(priority):
            try:
                order = await self._rest.call(
                    self._api.cancel_order,
                    params,
                    self._order_reader(symbols),
                    client_order_id=client_order_id,
                )
            except OrderNotFound:
                # Futures conditional orders live on the Algo Service until they trigger.
                algo = await self._algos.find(symbol, order_id, client_order_id)
                if algo is None:
                    raise
                order = await self._algos.cancel(algo)
        return _with_client_id(order, client_order_id)

    async def cancel_all_orders(
        self, symbol: str | None = None, *, priority: Priority | None = None
    ) -> list[Order]:
        """Cancel every open order (of ``symbol``, or everywhere); returns the state of each
        order that was open when the call began, as Binance reports it after the cancel
        (spot: Binance's own answer; futures: see :mod:`~exchangekit_binance.cancel_all`:
        an order that filled meanwhile comes back ``filled``, never assumed cancelled).
        Futures orders placed after the listing are swept too, but not in the list."""
        with self._lane(priority):
            if symbol is None:
                open_symbols = sorted({o.symbol for o in await self.get_open_orders()})
                batches = await asyncio.gather(*map(self.cancel_all_orders, open_symbols))
                return [order for batch in batches for order in batch]
            symbols = await self._symbol_map()
            params = {"symbol": symbols.exchange(symbol)}
            if self._spot:
                try:
                    return await self._rest.call(
                        self._api.cancel_all_orders,
                        params,
                        lambda raw: m.spot_cancel_all(raw, symbols),
                    )
                except OrderNotFound:  # -2011 "Unknown order sent.": nothing was open
                    return []
            # Futures' cancel-all answers {"code": 200} without the orders: cancel the listed
            # ones by id (each answer is that order's own state), then sweep the rest.
            regular = await self._open(self._api.open_orders, params, self._order_reader(symbols))
            algos = await self._algos.open(params, symbols)
            # Conditional orders first: one that triggers meanwhile becomes a regular order,
            # which the sweep below then catches.
            conditional = await asyncio.gather(
                *(cancel_conditional(order, self._algos.cancel) for order in algos)
            )
            outcomes = await cancel_by_id(
                self._rest,
                self._need(self._api.cancel_batch_orders, "batch cancel"),
                symbol,
                regular,
                symbols,
                lambda order_id: self.get_order(symbol, order_id=order_id),
            )
            await self._rest.call(self._api.cancel_all_orders, params, same)
            return outcomes + list(conditional)

    async def get_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        symbols = await self._symbol_map()
        params = m.cancel_params(
            symbol, symbols, order_id=order_id, client_order_id=client_order_id
        )
        try:
            order = await self._rest.call(
                self._api.query_order, params, self._order_reader(symbols)
            )
        except OrderNotFound:
            algo = await self._algos.find(symbol, order_id, client_order_id)
            if algo is None:
                raise
            order = algo
        return _with_client_id(order, client_order_id)

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        """Open orders, futures conditional (algo) orders included."""
        symbols = await self._symbol_map()
        params = {"symbol": symbols.exchange(symbol)} if symbol else None
        orders = await self._open(self._api.open_orders, params, self._order_reader(symbols))
        return orders + await self._algos.open(params, symbols)

    async def get_fills(
        self, symbol: str, *, since_ms: int | None = None, limit: int | None = None
    ) -> list[Fill]:
        """Fills oldest first: every one from ``since_ms`` on (``limit``: the first that many),
        read across Binance's time windows and pages; without ``since_ms``, the most recent
        page (``limit`` of them, Binance's default 500)."""
        symbols = await self._symbol_map()
        exchange_symbol = symbols.exchange(symbol)
        read = m.spot_trade if self._spot else m.usdm_trade

        async def page(extra: dict[str, Any]) -> list[Fill]:
            return await self._rest.call(
                self._api.my_trades,
                {"symbol": exchange_symbol, **extra},
                lambda rows: [read(row, symbols) for row in rows],
            )

        if since_ms is None:
            return await page({"limit": None if limit is None else min(limit, PAGE)})
        return await trades_since(
            page,
            since_ms=since_ms,
            now_ms=self._rest.server_now_ms(),
            window_ms=SPOT_WINDOW_MS if self._spot else USDM_WINDOW_MS,
            limit=limit,
        )

    # -- account -------------------------------------------------------------------------------

    async def get_balances(self) -> list[Balance]:
        if self._spot:
            return await self._rest.call(self._api.account, None, m.spot_balances)
        return await self._rest.call(self._need(self._api.balance), None, m.usdm_balances)

    async def get_positions(self, symbol: str | None = None) -> list[Position]:
        endpoint = self._need(self._api.position_risk, "positions")
        symbols = await self._symbol_map()
        params = {"symbol": symbols.exchange(symbol)} if symbol else None
        return await self._rest.call(
            endpoint, params, lambda rows: m.positions_from_risk(rows, symbols)
        )

    async def set_leverage(self, symbol: str, leverage: Decimal | int) -> None:
        endpoint = self._need(self._api.set_leverage, "leverage")
        whole = int(leverage)
        if whole != leverage or not 1 <= whole <= _MAX_LEVERAGE:
            raise InvalidOrder(f"Binance leverage is a whole number in 1..125, not {leverage}")
        symbols = await self._symbol_map()
        params: dict[str, ParamValue] = {"symbol": symbols.exchange(symbol), "leverage": whole}
        await self._rest.call(endpoint, params, same)

    # -- streams -------------------------------------------------------------------------------

    def stream_tickers(self, symbols: Sequence[str]) -> AsyncIterator[Ticker]:
        return self._market.tickers(symbols)

    def stream_candles(self, symbol: str, interval: str) -> AsyncIterator[Candle]:
        return self._market.candles(symbol, interval)

    def stream_trades(self, symbol: str) -> AsyncIterator[Trade]:
        return self._market.trades(symbol)

    def stream_order_book(self, symbol: str, depth: int = 100) -> AsyncIterator[OrderBook]:
        """The local book (REST snapshot bridged with the diff stream, resynced on any gap),
        ``depth`` levels a side, each time it changed; a slow reader gets the latest book."""
        self._book_limit(depth)
        return self._market.order_book(symbol, depth)

    def stream_orders(self) -> AsyncIterator[Order]:
        return self._user.orders()

    def stream_fills(self) -> AsyncIterator[Fill]:
        return self._user.fills()

    def stream_positions(self) -> AsyncIterator[Position]:
        return self._user.positions()

    def stream_balances(self) -> AsyncIterator[Balance]:
        return self._user.balances()

    async def start_user_stream(self) -> None:
        """Open the private stream now and return once it is subscribed (the ``stream_*``
        private methods otherwise open it on first use)."""
        await self._user.start()

    def stream_events(self) -> AsyncIterator[tuple[str, SessionEvent]]:
        """Lifecycle events of every WebSocket session (``connected``, ``gap``,
        ``resynced``...) as ``(session name, event)``, from now on."""
        return self._events.listen()

    # -- plumbing ----------------------------------------------------------------------------

    def _lane(self, priority: Priority | None) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext() if priority is None else priority_lane(priority)

    def _need(self, endpoint: Endpoint | None, what: str = "this operation") -> Endpoint:
        if endpoint is None:
            raise NotSupported(f"{self.name} has no {what}", exchange=self.name)
        return endpoint

    # -- helpers of the methods above ----------------------------------------------------------

    def _read_exchange_info(self, info: Any) -> dict[str, Instrument]:
        found = m.spot_instruments(info) if self._spot else m.usdm_instruments(info)
        self._symbols = m.SymbolMap.from_instruments(found)
        self._rest.adopt_rate_limits(info.rateLimits)
        return {instrument.symbol: instrument for instrument in found}

    async def _instruments_by_symbol(self) -> dict[str, Instrument]:
        if self._instruments is None:
            await self.load_instruments()
        assert self._instruments is not None
        return self._instruments

    async def _symbol_map(self) -> m.SymbolMap:
        await self._instruments_by_symbol()
        return self._symbols

    def _book_limit(self, depth: int) -> int:
        if not 1 <= depth <= self.capabilities.max_book_depth:
            raise NotSupported(
                f"depth must be in 1..{self.capabilities.max_book_depth}", exchange=self.name
            )
        if self._spot:
            return depth
        return next(limit for limit in _USDM_DEPTHS if limit >= depth)

    async def _book_snapshot(self, symbol: str, limit: int) -> BookSnapshot:
        """A REST depth snapshot with levels kept as strings, for the local book."""
        symbols = await self._symbol_map()
        params: dict[str, ParamValue] = {
            "symbol": symbols.exchange(symbol),
            "limit": self._book_limit(limit),
        }
        return _decode_snapshot(await self._rest.send(self._api.depth, params))

    def _order_reader(self, symbols: m.SymbolMap) -> Callable[[Any], Order]:
        mapper = m.spot_order if self._spot else m.usdm_order
        return lambda raw: mapper(raw, symbols)

    async def _open(
        self, endpoint: Endpoint | None, params: Params | None, read: Callable[[Any], Order]
    ) -> list[Order]:
        if endpoint is None:
            return []
        return await self._rest.call(endpoint, params, lambda rows: [read(row) for row in rows])

    async def _listen_key(self) -> str:
        key = await self._rest.call(self._need(self._api.listen_key_create), None, same)
        return str(key.listenKey)

    async def _keep_listen_key_alive(self) -> None:
        await self._rest.call(self._need(self._api.listen_key_keepalive), None, same)


_decode_snapshot = decoder(DepthSnapshotText, exchange="binance")


def _with_client_id(order: Order, client_order_id: str | None) -> Order:
    """Report the caller's own client order id where Binance's is its encoded form."""
    if client_order_id is None or order.client_order_id == client_order_id:
        return order
    if order.client_order_id != m.encode_client_order_id(client_order_id):
        return order
    return msgspec.structs.replace(order, client_order_id=client_order_id)
