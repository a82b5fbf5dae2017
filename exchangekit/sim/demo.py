"""``exchangekit demo``: paper-trade a few simulated minutes in a few seconds, offline.

Two small strategies share one paper account (``connect("paper")``, fees configured):

- a **quoter** on ``BTC/USDT`` keeps a post-only bid and ask around the mid, cancelling
  and re-quoting when they go stale;
- a **moving-average crossover** on ``BTC/USDT:USDT`` flips between long and short with
  market orders and protects each position with a reduce-only stop-market order.

Fills arrive through ``stream_fills()``. Simulated time runs on a manual clock, as fast as
the machine allows (``--speed N`` runs N simulated seconds per real second instead).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections import deque
from decimal import Decimal

import exchangekit
from exchangekit import OrderRequest, OrderStatus, OrderType, Side
from exchangekit.clock import Clock, ManualClock, SystemClock
from exchangekit.errors import ExchangeError
from exchangekit.protocols import ExchangeClient

__all__ = ["main"]

SPOT, PERP = "BTC/USDT", "BTC/USDT:USDT"
D = Decimal


class Demo:
    """The two strategies, their counters, and the reporting."""

    def __init__(self, client: ExchangeClient, *, out: bool = True) -> None:
        self.ex = client
        self.out = out
        self.placed: dict[str, int] = {"limit": 0, "market": 0, "stop": 0}
        self.cancelled = 0
        self.fills = 0
        self.maker_fills = 0
        self.fees = D(0)
        self.realized = D(0)
        self.mids: deque[Decimal] = deque(maxlen=12)
        self.quote_ids: list[str] = []
        self.quoted_at = -1_000_000.0
        self.stop_id: str | None = None
        self.start_equity = D(0)

    def say(self, line: str) -> None:
        if self.out:
            print(line, flush=True)

    async def place(self, request: OrderRequest) -> str | None:
        kind = "stop" if request.type.is_conditional else request.type.value
        try:
            order = await self.ex.place_order(request)
        except ExchangeError as exc:
            self.say(f"    refused {request.side.value} {request.type.value}: {exc}")
            return None
        self.placed[kind] += 1
        return order.order_id

    async def consume_fills(self) -> None:
        async for fill in self.ex.stream_fills():
            self.fills += 1
            self.maker_fills += bool(fill.is_maker)
            self.fees += fill.fee
            self.realized += fill.realized_pnl or 0
            if self.fills <= 8:
                role = "maker" if fill.is_maker else "taker"
                self.say(
                    f"    fill {fill.symbol} {fill.side.value} {fill.quantity} @ {fill.price}"
                    f" ({role}, fee {fill.fee:.4f} {fill.fee_asset})"
                )

    async def quote(self, now_s: float) -> None:
        """Keep one bid and one ask 3 ticks-of-spacing away from the touch."""
        live = [o.order_id for o in await self.ex.get_open_orders(SPOT)]
        stale = now_s - self.quoted_at >= 30
        if self.quote_ids and not stale and all(i in live for i in self.quote_ids):
            return
        for old in self.quote_ids:
            if old in live:
                with contextlib.suppress(ExchangeError):
                    await self.ex.cancel_order(SPOT, order_id=old)
                    self.cancelled += 1
        ticker = await self.ex.get_ticker(SPOT)
        assert ticker.bid is not None and ticker.ask is not None
        size = D("0.002")
        self.quote_ids = []
        for side, price in ((Side.BUY, ticker.bid - D(3)), (Side.SELL, ticker.ask + D(3))):
            order_id = await self.place(
                OrderRequest(
                    symbol=SPOT,
                    side=side,
                    type=OrderType.LIMIT,
                    quantity=size,
                    price=price,
                    post_only=True,
                )
            )
            if order_id:
                self.quote_ids.append(order_id)
        self.quoted_at = now_s

    async def cross(self) -> None:
        """Go long when the fast average crosses above the slow one, short below."""
        ticker = await self.ex.get_ticker(PERP)
        assert ticker.bid is not None and ticker.ask is not None
        before = list(self.mids)
        self.mids.append((ticker.bid + ticker.ask) / 2)
        if len(before) < self.mids.maxlen - 1:  # type: ignore[operator]
            return
        fast_before, slow_before = _mean(before[-4:]), _mean(before)
        fast, slow = _mean(list(self.mids)[-4:]), _mean(list(self.mids))
        if (fast_before <= slow_before) == (fast <= slow):
            return
        target = D("0.01") if fast > slow else D("-0.01")
        positions = await self.ex.get_positions(PERP)
        held = positions[0].signed_quantity if positions else D(0)
        if target == held:
            return
        if self.stop_id is not None:
            with contextlib.suppress(ExchangeError):
                await self.ex.cancel_order(PERP, order_id=self.stop_id)
                self.cancelled += 1
        side = Side.BUY if target > held else Side.SELL
        self.say(f"    crossover: {'long' if target > 0 else 'short'} {PERP}")
        await self.place(
            OrderRequest(symbol=PERP, side=side, type=OrderType.MARKET, quantity=abs(target - held))
        )
        away = D("0.997") if target > 0 else D("1.003")
        self.stop_id = await self.place(
            OrderRequest(
                symbol=PERP,
                side=side.opposite,
                type=OrderType.STOP_MARKET,
                quantity=abs(target),
                stop_price=(ticker.bid * away).quantize(D("0.1")),
                reduce_only=True,
            )
        )

    async def equity(self) -> Decimal:
        """USDT + BTC at the mid + unrealized PnL of the perpetual."""
        balances = {b.asset: b.total or D(0) for b in await self.ex.get_balances()}
        ticker = await self.ex.get_ticker(SPOT)
        mid = ((ticker.bid or D(0)) + (ticker.ask or D(0))) / 2
        upnl = sum((p.unrealized_pnl or D(0) for p in await self.ex.get_positions()), D(0))
        return balances.get("USDT", D(0)) + balances.get("BTC", D(0)) * mid + upnl


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, D(0)) / len(values)


async def run(minutes: float, seed: int, speed: float, *, out: bool = True) -> dict[str, str]:
    """Run the demo; returns the summary figures (also printed unless ``out`` is off)."""
    clock: Clock = SystemClock() if speed > 0 else ManualClock()
    client = exchangekit.connect(
        "paper",
        seed=seed,
        clock=clock,
        speed=speed if speed > 0 else 1.0,
        maker_fee="0.0001",
        taker_fee="0.0004",
    )
    demo = Demo(client, out=out)
    wall = time.perf_counter()
    async with client:
        demo.say(f"exchangekit demo: paper trading {minutes:g} simulated minutes (seed {seed})")
        demo.start_equity = await demo.equity()
        fills_task = asyncio.create_task(demo.consume_fills())
        for _ in range(3):  # let the fill stream subscribe before trading
            await asyncio.sleep(0)
        await demo.place(
            OrderRequest(symbol=SPOT, side=Side.BUY, type=OrderType.MARKET, quantity=D("0.02"))
        )
        seconds = int(minutes * 60)
        for now_s in range(seconds + 1):
            if now_s % 5 == 0:
                await demo.quote(now_s)
                await demo.cross()
            if now_s and now_s % 60 == 0:
                ticker = await client.get_ticker(SPOT)
                demo.say(
                    f"[{now_s // 60:02d}:00] {SPOT} {ticker.last}  orders {sum(demo.placed.values())}"
                    f"  fills {demo.fills}  equity {await demo.equity():.2f} USDT"
                )
            if isinstance(clock, ManualClock):
                await clock.advance(1.0)
            else:
                await clock.sleep(1.0 / speed)
        cancelled = await client.cancel_all_orders()
        demo.cancelled += sum(1 for o in cancelled if o.status is OrderStatus.CANCELLED)
        await asyncio.sleep(0)
        fills_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fills_task
        summary = await _summary(demo, client, minutes, seed, time.perf_counter() - wall)
    for key, value in summary.items():
        demo.say(f"  {key:<16}{value}")
    return summary


async def _summary(
    demo: Demo, client: ExchangeClient, minutes: float, seed: int, wall_s: float
) -> dict[str, str]:
    end_equity = await demo.equity()
    upnl = sum((p.unrealized_pnl or D(0) for p in await client.get_positions()), D(0))
    balances = "  ".join(f"{b.asset} {b.total:.6f}" for b in await client.get_balances() if b.total)
    placed = demo.placed
    demo.say(f"Summary ({minutes:g} simulated minutes in {wall_s:.1f} s, seed {seed})")
    return {
        "orders placed": f"{sum(placed.values())} (limit {placed['limit']}, "
        f"market {placed['market']}, stop {placed['stop']})",
        "cancelled": str(demo.cancelled),
        "fills": f"{demo.fills} (maker {demo.maker_fills}, taker {demo.fills - demo.maker_fills})",
        "fees paid": f"{demo.fees:.4f} USDT",
        "realized PnL": f"{demo.realized:.4f} USDT",
        "unrealized PnL": f"{upnl:.4f} USDT",
        "final balances": balances,
        "equity": f"{demo.start_equity:.2f} -> {end_equity:.2f} USDT "
        f"({end_equity - demo.start_equity:+.2f})",
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``exchangekit demo``."""
    parser = argparse.ArgumentParser(
        prog="exchangekit demo", description="Paper-trade a few simulated minutes, offline."
    )
    parser.add_argument("--minutes", type=float, default=5.0, help="simulated minutes (5)")
    parser.add_argument("--seed", type=int, default=1, help="market seed (1)")
    parser.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="simulated seconds per real second (default: as fast as possible)",
    )
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    asyncio.run(run(args.minutes, args.seed, args.speed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
