"""The ``paper`` adapter: the simulated exchange in process, behind ``ExchangeClient``.

::

    async with exchangekit.connect("paper") as ex:          # 10,000 USDT, no fees
        order = await ex.place_order(OrderRequest(symbol="BTC/USDT", side="buy",
                                                  type="market", quantity=Decimal("0.01")))

Market data moves with a clock: simulated time is ``start_ms`` plus the clock's elapsed
time times ``speed``, and the generators tick every ``tick_ms`` of simulated time. Every
call first brings the market up to the current time, so reads are always current; with a
:class:`~exchangekit.clock.ManualClock` a run is exactly reproducible. With
``market_data=<another client>`` the books and tickers come from it and only execution
is simulated (paper trading).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from exchangekit.clock import Clock, SystemClock
from exchangekit.errors import ExchangeError, NotSupported
from exchangekit.models import (
    Balance,
    Candle,
    Fill,
    Instrument,
    MarketKind,
    Order,
    OrderBook,
    OrderRequest,
    OrderType,
    Position,
    Ticker,
    TimeInForce,
)
from exchangekit.protocols import Capabilities, ExchangeClient
from exchangekit.sim.candles import INTERVALS
from exchangekit.sim.channel import Channel
from exchangekit.sim.defaults import DEFAULT_SYMBOLS, default_markets
from exchangekit.sim.exchange import SimExchange
from exchangekit.sim.livefeed import LiveFeed
from exchangekit.sim.recorded import Recorded
from exchangekit.sim.sources import MarketSource
from exchangekit.sim.streams import PaperStreams
from exchangekit.sim.validation import ClientOrderIdScope

__all__ = ["PAPER_CAPABILITIES", "PaperClient", "create"]

T = TypeVar("T")

PAPER_CAPABILITIES = Capabilities(
    market_kinds=frozenset({MarketKind.SPOT, MarketKind.PERPETUAL}),
    order_types=frozenset(OrderType),
    time_in_force=frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK}),
    reduce_only=True,
    post_only=True,
    hedge_mode=False,
    stop_orders=True,
    set_leverage=True,
    positions=True,
    private_streams=True,
    candle_intervals=tuple(INTERVALS),
    max_book_depth=1000,
    max_candles_per_request=1000,
    client_order_id_max_length=64,
)
"""What the simulated exchange supports: spot and linear perpetuals, every order type,
GTC/IOC/FOK, reduce-only, post-only, leverage; one-way position mode only."""


def create(
    *,
    seed: int = 1,
    balances: Mapping[str, Decimal | int | str] | None = None,
    maker_fee: Decimal | int | str = 0,
    taker_fee: Decimal | int | str = 0,
    leverage: Decimal | int = 10,
    symbols: Sequence[str] | None = None,
    prices: Mapping[str, Decimal] | None = None,
    recorded: Mapping[str, str | Path] | None = None,
    funding_rate: Decimal | int | str = 0,
    clock: Clock | None = None,
    speed: float = 1.0,
    tick_ms: int = 250,
    start_ms: int | None = None,
    history_minutes: int = 500,
    market_data: ExchangeClient | None = None,
    poll_interval_s: float = 1.0,
    client_order_id_scope: ClientOrderIdScope = "account",
    sim: SimExchange | None = None,
    account: str | None = None,
    api_key: str | None = None,
    api_secret: str | None = None,
    passphrase: str | None = None,
    testnet: bool | None = None,
) -> PaperClient:
    """Build a paper client (the ``paper`` entry point of ``exchangekit.connect``).

    - ``seed``: the market generators' seed (same seed, same markets).
    - ``balances`` (default ``{"USDT": 10000}``), ``maker_fee``/``taker_fee`` (fractions),
      ``leverage`` (default for derivatives), ``client_order_id_scope``.
    - ``symbols`` (default ``BTC/USDT``, ``ETH/USDT``, ``BTC/USDT:USDT``), ``prices``
      (starting prices), ``recorded`` (symbol -> CSV/JSON-lines file of candles or
      trades, replayed instead of the generator), ``funding_rate`` (per 8 h; 0: none),
      ``history_minutes`` of candles before the start.
    - ``clock`` (default the system clock), ``speed`` (simulated seconds per clock
      second), ``tick_ms`` (generator step), ``start_ms`` (default: the clock's now).
    - ``market_data``: a client of a real exchange whose books and tickers drive the
      market (polled every ``poll_interval_s``); only execution is simulated. It stays
      the caller's: closing the paper client does not close it.
    - ``sim``/``account``: trade an existing simulated exchange as one of its accounts.
    - ``api_key``, ``api_secret``, ``passphrase``, ``testnet`` are accepted and ignored,
      so a configuration written for a real venue runs unchanged.
    """
    del api_key, api_secret, passphrase, testnet
    clock = clock or SystemClock()
    if speed <= 0:
        raise ValueError(f"speed must be positive, got {speed}")
    wanted = tuple(symbols) if symbols is not None else DEFAULT_SYMBOLS
    if sim is None:
        sim = SimExchange(
            seed=seed,
            start_ms=clock.now_ms() if start_ms is None else start_ms,
            tick_ms=tick_ms,
            history_minutes=history_minutes if market_data is None else 0,
            client_order_id_scope=client_order_id_scope,
            name="paper",
        )
        if market_data is None:
            sources: dict[str, MarketSource] = {
                s: Recorded(path=str(p)) for s, p in (recorded or {}).items()
            }
            for spec in default_markets(
                wanted, prices=prices, sources=sources, funding_rate=Decimal(funding_rate)
            ):
                sim.add_market(spec)
    if account is None or account not in sim.accounts:
        account = sim.create_account(
            account,
            balances={"USDT": 10_000} if balances is None else balances,
            maker_fee=maker_fee,
            taker_fee=taker_fee,
            leverage=leverage,
        )
    feed = None
    if market_data is not None:
        feed = LiveFeed(market_data, sim, wanted, clock=clock, interval_s=poll_interval_s)
    return PaperClient(sim, account, clock=clock, speed=speed, feed=feed)


class PaperClient(PaperStreams):
    """One account of a :class:`SimExchange`, as an ``ExchangeClient``. Build it with
    :func:`create` (``exchangekit.connect("paper", ...)``)."""

    name = "paper"
    capabilities = PAPER_CAPABILITIES

    def __init__(
        self,
        sim: SimExchange,
        account: str,
        *,
        clock: Clock,
        speed: float = 1.0,
        feed: LiveFeed | None = None,
    ) -> None:
        self.sim = sim
        """The simulated exchange behind this client (for tests and tools)."""
        self.account = account
        self.clock = clock
        self.speed = speed
        self._feed = feed
        self._origin_s = clock.monotonic()
        self._origin_ms = sim.now_ms
        self._task: asyncio.Task[None] | None = None
        self._started = False
        self._closed = False
        self._channels: set[Channel[Any]] = set()

    # -- lifecycle ------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self._ready()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop the market task and end every stream. Safe to call twice."""
        self._closed = True
        for channel in list(self._channels):
            channel.close()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _ready(self) -> None:
        if self._closed:
            raise ExchangeError("this paper client is closed", exchange=self.name)
        if not self._started:
            self._started = True
            if self._feed is not None:
                await self._feed.list_markets()
                await self._feed.poll()
                self._task = asyncio.create_task(self._feed.run(), name="paper-feed")
            else:
                self._task = asyncio.create_task(self._drive(), name="paper-market")
            await asyncio.sleep(0)  # let it start waiting on the clock, so time counts at once
        self._sync()

    def _sync(self) -> None:
        if self._feed is not None:
            self.sim.step(self.clock.now_ms())
            return
        elapsed = self.clock.monotonic() - self._origin_s
        self.sim.step(self._origin_ms + int(elapsed * 1000 * self.speed))

    async def _drive(self) -> None:
        # Tick the market so streams flow even when nobody calls in.
        interval = self.sim.tick_ms / 1000 / self.speed
        while True:
            await self.clock.sleep(interval)
            self._sync()

    # -- market data ----------------------------------------------------------------------

    async def load_instruments(self) -> dict[str, Instrument]:
        await self._ready()
        return self.sim.instruments

    async def get_ticker(self, symbol: str) -> Ticker:
        await self._ready()
        return self.sim.ticker(symbol)

    async def get_candles(
        self,
        symbol: str,
        interval: str,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        await self._ready()
        return self.sim.candles(symbol, interval, start_ms=start_ms, end_ms=end_ms, limit=limit)

    async def get_order_book(self, symbol: str, depth: int = 100) -> OrderBook:
        await self._ready()
        return self.sim.book(symbol, depth)

    # -- trading --------------------------------------------------------------------------

    async def place_order(self, request: OrderRequest) -> Order:
        """Place an order on the simulated exchange (see ``SimExchange.place_order``)."""
        reason = self.capabilities.supports_order(request)
        if reason is not None:
            raise NotSupported(reason, exchange=self.name, client_order_id=request.client_order_id)
        await self._ready()
        return self.sim.place_order(self.account, request)

    async def cancel_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        await self._ready()
        return self.sim.cancel_order(
            self.account, symbol=symbol, order_id=order_id, client_order_id=client_order_id
        )

    async def cancel_all_orders(self, symbol: str | None = None) -> list[Order]:
        await self._ready()
        return self.sim.cancel_all(self.account, symbol)

    async def get_order(
        self, symbol: str, *, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order:
        await self._ready()
        return self.sim.get_order(
            self.account, symbol=symbol, order_id=order_id, client_order_id=client_order_id
        )

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]:
        await self._ready()
        return self.sim.open_orders(self.account, symbol)

    async def get_fills(
        self, symbol: str, *, since_ms: int | None = None, limit: int | None = None
    ) -> list[Fill]:
        await self._ready()
        return self.sim.fills(self.account, symbol, since_ms=since_ms, limit=limit)

    # -- account --------------------------------------------------------------------------

    async def get_positions(self, symbol: str | None = None) -> list[Position]:
        await self._ready()
        return self.sim.positions(self.account, symbol)

    async def get_balances(self) -> list[Balance]:
        await self._ready()
        return self.sim.balances(self.account)

    async def set_leverage(self, symbol: str, leverage: Decimal | int) -> None:
        await self._ready()
        self.sim.set_leverage(self.account, symbol, leverage)
