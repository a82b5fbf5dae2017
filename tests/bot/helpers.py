"""Small builders shared by the bot tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exchangekit_bot.config import ExecutionConfig
from exchangekit_bot.execution.client_ids import OrderKey
from exchangekit_bot.execution.executor import Executor
from exchangekit_bot.execution.journal import OrderJournal
from exchangekit_bot.execution.planner import OrderPlan
from exchangekit_bot.incidents import IncidentDesk
from exchangekit_bot.intents import Purpose
from exchangekit_bot.storage.base import Storage

from exchangekit import OrderType, Side
from exchangekit.clock import Clock


async def make_executor(
    exchange: Any, store: Storage, clock: Clock, config: ExecutionConfig | None = None
) -> Executor:
    """An executor as the bot builds it (a new one per simulated process start)."""
    instruments = await exchange.load_instruments()
    return Executor(
        exchange,
        OrderJournal(store, clock, prefix="xk"),
        IncidentDesk(store, clock),
        clock,
        config or ExecutionConfig(),
        instruments=instruments,
    )


def market_plan(
    *,
    sequence: int = 1,
    side: Side = Side.BUY,
    quantity: str = "0.01",
    symbol: str = "BTC/USDT:USDT",
    purpose: Purpose = Purpose.ENTRY,
    due_ms: int = 0,
) -> OrderPlan:
    """A market order plan for one decision of the test strategy."""
    return OrderPlan(
        key=OrderKey(
            strategy="test",
            symbol=symbol,
            interval="1m",
            side=side,
            sequence=sequence,
            leg=purpose.value,
        ),
        purpose=purpose,
        order_type=OrderType.MARKET,
        quantity=Decimal(quantity),
        due_ms=due_ms,
    )
