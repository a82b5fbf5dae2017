"""The strategy interface and the registry that maps a config ``kind`` to code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import msgspec

from exchangekit_bot.config import RegimeConfig, StrategyConfig
from exchangekit_bot.intents import Intent, MarketState, PositionState

__all__ = [
    "Strategy",
    "StrategyError",
    "build_strategy",
    "convert_params",
    "register_strategy",
]

T = TypeVar("T")


class StrategyError(ValueError):
    """A strategy's configuration is wrong."""


class Strategy(Protocol):
    """A pure decision rule: ``(market state, position state, config) -> intents``.

    Implementations perform no I/O, read no clock and keep no hidden state, so the same
    inputs always give the same intents: in a backtest, in paper trading and live.
    """

    name: str
    symbol: str
    interval: str

    def decide(self, market: MarketState, position: PositionState) -> Sequence[Intent]:
        """Return what to do now (possibly a single ``hold`` with its reason)."""
        ...


StrategyFactory = Callable[[StrategyConfig, RegimeConfig], Strategy]

_REGISTRY: dict[str, StrategyFactory] = {}


def register_strategy(kind: str, factory: StrategyFactory) -> None:
    """Make ``kind`` usable in ``[[strategies]]`` entries of the config."""
    _REGISTRY[kind] = factory


def build_strategy(config: StrategyConfig, regime: RegimeConfig) -> Strategy:
    """Build the strategy a config entry names."""
    from exchangekit_bot.strategy import churn, quoter, trend  # noqa: F401  (registers kinds)

    try:
        factory = _REGISTRY[config.kind]
    except KeyError:
        raise StrategyError(
            f"unknown strategy kind {config.kind!r} (known: {', '.join(sorted(_REGISTRY))})"
        ) from None
    return factory(config, regime)


def convert_params(params: dict[str, Any], kind: type[T], name: str) -> T:
    """Turn a ``params`` table into the strategy's typed settings."""
    try:
        return msgspec.convert(params, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise StrategyError(f"strategy {name}: {exc}") from exc
