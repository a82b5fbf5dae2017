"""The markets a fresh simulated exchange lists: BTC/USDT, ETH/USDT and BTC/USDT:USDT.

Filters mirror what the big venues use for these pairs (tick, step, minimum quantity and
notional); the perpetual follows the spot market's mid with a small, mean-reverting basis.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from exchangekit.models import Instrument, MarketKind
from exchangekit.sim.liquidity import LiquidityModel
from exchangekit.sim.markets import MarketSpec
from exchangekit.sim.sources import MarketSource, RandomWalk

__all__ = ["DEFAULT_PRICES", "DEFAULT_SYMBOLS", "default_markets"]

D = Decimal

DEFAULT_PRICES: dict[str, Decimal] = {
    "BTC/USDT": D(60000),
    "ETH/USDT": D(3000),
    "BTC/USDT:USDT": D(60000),
}
DEFAULT_SYMBOLS: tuple[str, ...] = tuple(DEFAULT_PRICES)


def _instruments() -> dict[str, Instrument]:
    return {
        "BTC/USDT": Instrument(
            symbol="BTC/USDT",
            exchange_symbol="BTCUSDT",
            base="BTC",
            quote="USDT",
            tick_size=D("0.01"),
            step_size=D("0.00001"),
            min_quantity=D("0.00001"),
            max_quantity=D(9000),
            min_notional=D(5),
        ),
        "ETH/USDT": Instrument(
            symbol="ETH/USDT",
            exchange_symbol="ETHUSDT",
            base="ETH",
            quote="USDT",
            tick_size=D("0.01"),
            step_size=D("0.0001"),
            min_quantity=D("0.0001"),
            max_quantity=D(90000),
            min_notional=D(5),
        ),
        "BTC/USDT:USDT": Instrument(
            symbol="BTC/USDT:USDT",
            exchange_symbol="BTCUSDT-PERP",
            base="BTC",
            quote="USDT",
            settle="USDT",
            kind=MarketKind.PERPETUAL,
            tick_size=D("0.1"),
            step_size=D("0.001"),
            min_quantity=D("0.001"),
            max_quantity=D(1000),
            min_notional=D(100),
        ),
    }


def default_markets(
    symbols: tuple[str, ...] | list[str] = DEFAULT_SYMBOLS,
    *,
    prices: Mapping[str, Decimal] | None = None,
    sources: Mapping[str, MarketSource] | None = None,
    funding_rate: Decimal = Decimal(0),
) -> list[MarketSpec]:
    """Specs of the default markets (a subset with ``symbols``), in listing order.

    ``prices`` overrides starting prices; ``sources`` replaces a market's generator (a
    recorded file, say). The perpetual follows ``BTC/USDT`` when both are listed.
    """
    instruments = _instruments()
    unknown = [s for s in symbols if s not in instruments]
    if unknown:
        raise ValueError(f"no default market for {unknown}; defaults: {list(instruments)}")
    prices = {**DEFAULT_PRICES, **(prices or {})}
    specs: list[MarketSpec] = []
    for symbol in symbols:
        inst = instruments[symbol]
        follow = "BTC/USDT" if symbol == "BTC/USDT:USDT" and "BTC/USDT" in symbols else None
        btc = inst.base == "BTC"
        source = (sources or {}).get(symbol) or RandomWalk(
            initial_price=prices[symbol],
            volatility=0.6 if btc else 0.75,
            trade_size=D("0.02") if btc else D("0.3"),
            follow=follow,
        )
        liquidity = LiquidityModel(
            levels=25,
            spread_ticks=1 if inst.kind is MarketKind.SPOT else 2,
            level_spacing_ticks=int(prices[symbol] * D("0.00002") / inst.tick_size) or 1,
            top_size=D("0.05") if btc else D("0.8"),
        )
        specs.append(
            MarketSpec(
                instrument=inst,
                source=source,
                liquidity=liquidity,
                funding_rate=funding_rate if inst.kind is not MarketKind.SPOT else D(0),
            )
        )
    return specs
