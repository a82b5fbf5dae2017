"""How many orders per second the in-process paper adapter takes.

``python -m exchangekit.sim.throughput [--orders N]`` measures, through the public
``ExchangeClient`` API on a manual clock (so the market does not move underneath):

- resting limit orders placed and cancelled (one round trip = one order);
- marketable orders (market buys and sells of one step-size lot against the book).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from decimal import Decimal

import exchangekit
from exchangekit import OrderRequest, OrderType, Side
from exchangekit.clock import ManualClock

__all__ = ["main", "measure"]


async def measure(orders: int = 2000) -> dict[str, float]:
    """Orders per second for each workload."""
    client = exchangekit.connect(
        "paper", clock=ManualClock(), balances={"USDT": 10**9, "BTC": 10**4}
    )
    results: dict[str, float] = {}
    async with client:
        ticker = await client.get_ticker("BTC/USDT")
        assert ticker.bid is not None
        price = ticker.bid - Decimal(1000)
        started = time.perf_counter()
        for _ in range(orders):
            placed = await client.place_order(
                OrderRequest(
                    symbol="BTC/USDT",
                    side=Side.BUY,
                    type=OrderType.LIMIT,
                    quantity=Decimal("0.001"),
                    price=price,
                )
            )
            await client.cancel_order("BTC/USDT", order_id=placed.order_id)
        results["limit place+cancel"] = orders / (time.perf_counter() - started)
        started = time.perf_counter()
        for i in range(orders):
            await client.place_order(
                OrderRequest(
                    symbol="BTC/USDT",
                    side=Side.BUY if i % 2 == 0 else Side.SELL,
                    type=OrderType.MARKET,
                    quantity=Decimal("0.001"),
                )
            )
        results["marketable"] = orders / (time.perf_counter() - started)
    return results


def main(argv: list[str] | None = None) -> int:
    """Print the orders-per-second figures."""
    parser = argparse.ArgumentParser(prog="python -m exchangekit.sim.throughput")
    parser.add_argument("--orders", type=int, default=2000)
    args = parser.parse_args(argv)
    for name, rate in asyncio.run(measure(args.orders)).items():
        print(f"{name:<22}{rate:>10,.0f} orders/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
