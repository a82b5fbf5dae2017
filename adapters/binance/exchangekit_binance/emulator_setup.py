"""Building the Binance emulator's simulated exchange: markets, funded accounts, listings.

Spot lists BTC/USDT and ETH/USDT; USDⓈ-M the BTCUSDT perpetual, and ETHUSDT when asked
(``symbols=("BTC/USDT:USDT", "ETH/USDT:USDT")``). Accounts
the emulator opens are funded with :data:`SPOT_BALANCES` / :data:`USDM_BALANCES` unless the
dialect is given ``balances``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

import msgspec

from exchangekit.models import Instrument, MarketKind
from exchangekit.sim import MarketSpec, SimExchange, default_markets
from exchangekit_binance.emulator_wire import Listing, Market

__all__ = [
    "FUNDING_RATE",
    "SPOT_BALANCES",
    "SPOT_SYMBOLS",
    "USDM_BALANCES",
    "USDM_DEFAULT_SYMBOLS",
    "USDM_SYMBOLS",
    "listings",
    "new_sim",
    "open_account",
]

FUNDING_RATE = Decimal("0.0001")  # Binance's default 0.01 % per 8 hours
SPOT_SYMBOLS = ("BTC/USDT", "ETH/USDT")
USDM_SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT")
"""What the futures emulator can list; it lists :data:`USDM_DEFAULT_SYMBOLS` unless told."""
USDM_DEFAULT_SYMBOLS = ("BTC/USDT:USDT",)
SPOT_BALANCES: Mapping[str, Decimal] = {
    "USDT": Decimal(10_000),
    "BTC": Decimal("0.5"),
    "ETH": Decimal(5),
}
USDM_BALANCES: Mapping[str, Decimal] = {"USDT": Decimal(10_000)}

# The ETHUSDT perpetual's filters as Binance lists them (tick 0.01, step 0.001, notional
# at least 20 USDT); the core simulator's defaults have no ETH perpetual.
_ETH_PERP = Instrument(
    symbol="ETH/USDT:USDT",
    exchange_symbol="ETHUSDT",
    base="ETH",
    quote="USDT",
    settle="USDT",
    kind=MarketKind.PERPETUAL,
    tick_size=Decimal("0.01"),
    step_size=Decimal("0.001"),
    min_quantity=Decimal("0.001"),
    max_quantity=Decimal(10_000),
    min_notional=Decimal(20),
)


def new_sim(
    market: Market,
    *,
    seed: int,
    tick_ms: int,
    history_minutes: int,
    start_ms: int,
    symbols: Sequence[str] | None = None,
) -> SimExchange:
    """A fresh simulated exchange listing ``symbols`` (default: the market's), from
    ``start_ms``, with ``history_minutes`` of candles behind it."""
    wanted = tuple(symbols or (SPOT_SYMBOLS if market == "spot" else USDM_DEFAULT_SYMBOLS))
    known = SPOT_SYMBOLS if market == "spot" else USDM_SYMBOLS
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ValueError(f"the {market} emulator lists {list(known)}, not {unknown}")
    if market == "spot":
        specs = default_markets(wanted)
    else:
        specs = [_usdm_spec(symbol) for symbol in wanted]
    return SimExchange(
        seed=seed,
        markets=specs,
        start_ms=start_ms,
        tick_ms=tick_ms,
        history_minutes=history_minutes,
        client_order_id_scope="open",  # Binance: unique among open orders only
        name="binance" if market == "spot" else "binanceusdm",
    )


def _usdm_spec(symbol: str) -> MarketSpec:
    if symbol == "BTC/USDT:USDT":
        (spec,) = default_markets((symbol,), funding_rate=FUNDING_RATE)
        wire = msgspec.structs.replace(spec.instrument, exchange_symbol="BTCUSDT")
        return replace(spec, instrument=wire)
    # ETH/USDT:USDT: the spot ETH market's price process and book, on the perpetual's filters.
    (spot,) = default_markets(("ETH/USDT",))
    liquidity = msgspec.structs.replace(spot.liquidity, spread_ticks=2)
    return replace(spot, instrument=_ETH_PERP, liquidity=liquidity, funding_rate=FUNDING_RATE)


def open_account(
    sim: SimExchange,
    market: Market,
    account: str,
    balances: Mapping[str, Decimal | str | int] | None = None,
) -> None:
    """Open and fund ``account`` with Binance's default fees (VIP 0)."""
    if market == "spot":
        funds = SPOT_BALANCES if balances is None else balances
        sim.create_account(account, balances=dict(funds), maker_fee="0.001", taker_fee="0.001")
    else:
        funds = USDM_BALANCES if balances is None else balances
        sim.create_account(
            account, balances=dict(funds), maker_fee="0.0002", taker_fee="0.0005", leverage=20
        )


def listings(sim: SimExchange, market: Market) -> dict[str, Listing]:
    """The sim's instruments this market lists, under Binance ids (BTCUSDT for both)."""
    out = {}
    for symbol, inst in sim.instruments.items():
        spot = inst.kind is MarketKind.SPOT
        perpetual = inst.kind is MarketKind.PERPETUAL and not inst.inverse
        if (market == "spot" and spot) or (market == "usdm" and perpetual):
            out[symbol] = Listing(symbol, f"{inst.base}{inst.quote}", inst, market)
    return out
