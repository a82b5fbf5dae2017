"""The deterministic simulated exchange: accounts, matching engine, market-data generators.

It is the ground truth for the ``paper`` adapter (:mod:`exchangekit.sim.paper`), the wire
emulators in :mod:`exchangekit.testing`, contract and chaos tests, and benchmarks.
Nothing here reads the wall clock: time moves when the caller says so.

::

    from exchangekit.sim import SimExchange, default_markets

    sim = SimExchange(seed=1, markets=default_markets())
    me = sim.create_account(balances={"USDT": 10_000})
    sim.step(sim.now_ms + 60_000)

``import exchangekit`` does not import this package; it loads when first used.
"""

from exchangekit.sim.accounts import FEES, HOUSE
from exchangekit.sim.bus import Subscription
from exchangekit.sim.defaults import DEFAULT_PRICES, DEFAULT_SYMBOLS, default_markets
from exchangekit.sim.events import (
    AccountEvent,
    BalanceEvent,
    BookDeltaEvent,
    DepositEvent,
    FillEvent,
    FundingEvent,
    LeverageEvent,
    MarketEvent,
    MarketTickEvent,
    OrderEvent,
    OrderEventKind,
    PositionEvent,
    Record,
    RecordedEvent,
    RejectionEvent,
    SimEvent,
    TradeEvent,
)
from exchangekit.sim.exchange import DEFAULT_START_MS, SimExchange
from exchangekit.sim.liquidity import LiquidityModel
from exchangekit.sim.markets import MarketSpec
from exchangekit.sim.recorded import Recorded
from exchangekit.sim.sources import External, Flow, MarketSource, RandomWalk, Tick, TickStream
from exchangekit.sim.validation import ClientOrderIdScope

__all__ = [
    "DEFAULT_PRICES",
    "DEFAULT_START_MS",
    "DEFAULT_SYMBOLS",
    "FEES",
    "HOUSE",
    "AccountEvent",
    "BalanceEvent",
    "BookDeltaEvent",
    "ClientOrderIdScope",
    "DepositEvent",
    "External",
    "FillEvent",
    "Flow",
    "FundingEvent",
    "LeverageEvent",
    "LiquidityModel",
    "MarketEvent",
    "MarketSource",
    "MarketSpec",
    "MarketTickEvent",
    "OrderEvent",
    "OrderEventKind",
    "PositionEvent",
    "RandomWalk",
    "Record",
    "RecordedEvent",
    "Recorded",
    "RejectionEvent",
    "SimEvent",
    "SimExchange",
    "Subscription",
    "Tick",
    "TickStream",
    "TradeEvent",
    "default_markets",
]
