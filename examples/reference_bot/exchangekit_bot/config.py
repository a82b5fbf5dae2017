"""Bot configuration: one TOML file, every limit and choice in it, defaults for all of it.

The exchange is chosen by ONE setting, ``[exchange] adapter`` (``"binance"`` by default),
plus ``[exchange] emulator``: true (the default) makes ``paper`` serve a simulated exchange
as that adapter's wire emulator on loopback, so the real adapter code path runs;
``adapter = "paper"`` is the in-process simulator. ``[exchange.options]`` goes to
``exchangekit.connect`` unchanged. Money values are written as strings (``"0.01"``) so
they parse as ``Decimal`` exactly; plain TOML numbers are accepted too.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import msgspec

__all__ = [
    "BacktestConfig",
    "BotConfig",
    "ConfigError",
    "ExchangeConfig",
    "ExecutionConfig",
    "LeverageConfig",
    "ObservabilityConfig",
    "RegimeConfig",
    "RiskLimits",
    "RunConfig",
    "StorageConfig",
    "StrategyConfig",
    "load_config",
]


class ConfigError(ValueError):
    """The configuration file is missing, malformed or inconsistent."""


class _Section(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    pass


class ExchangeConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which adapter to use and how to reach it. ``adapter`` is the one switch."""

    adapter: str = "binance"
    emulator: bool = True
    """Trade ``adapter``'s wire emulator (``exchangekit.testing.load_emulator(adapter)``):
    ``paper`` serves it on loopback and connects through the real adapter. Any adapter that
    registers an emulator plugs in by name. Ignored for ``adapter = "paper"``."""
    emulator_port: int = 0
    """Port ``paper`` serves the emulator on (0: a free one). The address is also written to
    the state database, so ``exchangekit-bot kill --state ...`` finds it either way."""
    emulator_url: str | None = None
    """Use the emulator already serving at this address (``http://127.0.0.1:8765``) instead of
    starting one: ``exchangekit emulate binance --port 8765``, the chaos tests."""
    emulator_seed: int = 5
    """Market seed of the emulator ``paper`` starts (``--seed``). Seed 5's pre-generated BTC
    history ends in an uptrend, so the default trend strategy trades in the first tick of a
    one-minute demo; other seeds may keep it flat for a while."""
    options: dict[str, Any] = {}
    """Passed to ``exchangekit.connect(adapter, **options)`` unchanged."""
    api_key_env: str = "EXCHANGEKIT_API_KEY"
    api_secret_env: str = "EXCHANGEKIT_API_SECRET"
    testnet: bool = True
    quote_asset: str = "USDT"
    """Asset in which equity, exposure and PnL are measured."""


class StorageConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the journal, fills, incidents and the pause flag live.

    SQLite by default; ``backend = "postgres"`` with a ``dsn`` keeps the same tables on a
    PostgreSQL server (needs ``pip install 'exchangekit-reference-bot[postgres]'``).
    ``--state`` on the command line takes a SQLite file or a ``postgresql://`` URL.
    """

    backend: Literal["sqlite", "postgres"] = "sqlite"
    path: str = "exchangekit-bot.db"
    """SQLite file (WAL). ``":memory:"`` for a throwaway run."""
    dsn: str | None = None
    """PostgreSQL: a ``postgresql://user@host:5432/db`` URL or a libpq ``key=value`` string.
    Leave the password out (``PGPASSWORD`` or ``~/.pgpass`` supply it); if it is in, it is
    masked wherever the bot prints or logs the DSN."""
    schema: str | None = None
    """PostgreSQL schema for the bot's tables (created if missing); None: the search_path's
    first one (``public``). Two bots sharing a database need a schema each."""

    def __post_init__(self) -> None:
        if self.backend == "postgres" and not self.dsn:
            raise ConfigError('[storage] backend = "postgres" needs dsn = "postgresql://..."')

    def __repr__(self) -> str:
        from exchangekit_bot.storage.dsn import redact_dsn

        dsn = None if self.dsn is None else redact_dsn(self.dsn)
        return (
            f"StorageConfig(backend={self.backend!r}, path={self.path!r}, dsn={dsn!r}, "
            f"schema={self.schema!r})"
        )


class RegimeConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Volatility-regime detector: realized volatility of a short window vs a long one."""

    short_window: int = 20
    long_window: int = 100
    low_ratio: float = 0.7
    high_ratio: float = 1.4
    low_multiplier: Decimal = Decimal("1.0")
    normal_multiplier: Decimal = Decimal("0.8")
    high_multiplier: Decimal = Decimal("0.4")


class LeverageConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Dynamic leverage: base x volatility x drawdown x performance, clamped, persisted."""

    enabled: bool = False
    base: Decimal = Decimal(3)
    minimum: Decimal = Decimal(1)
    maximum: Decimal = Decimal(5)
    target_volatility: float = 0.02
    """Per-bar realized volatility at which the volatility factor is 1."""
    max_drawdown: float = 0.2
    """Drawdown at which the drawdown factor reaches 0 (then clamped to ``minimum``)."""
    max_step: Decimal = Decimal(1)
    """Largest change per update, so a restart or one odd bar cannot jump leverage."""


class StrategyConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One strategy on one symbol. ``kind`` picks the code, ``params`` its settings."""

    name: str
    kind: str
    symbol: str
    interval: str = "1m"
    params: dict[str, Any] = {}
    protective_stop_pct: Decimal | None = None
    """Exchange-side reduce-only stop this far from entry (derivatives only); None: no stop."""


class RiskLimits(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every limit of the risk layer. Notionals are in the quote asset."""

    max_position_notional: dict[str, Decimal] = {}
    """Per symbol; symbols not listed use ``default_max_position_notional``."""
    default_max_position_notional: Decimal = Decimal(2000)
    max_order_notional: dict[str, Decimal] = {}
    default_max_order_notional: Decimal = Decimal(1000)
    max_total_exposure: Decimal = Decimal(5000)
    max_exposure_per_exchange: dict[str, Decimal] = {}
    max_orders_per_minute: int = 30
    max_daily_loss: Decimal = Decimal(500)
    max_drawdown_pct: Decimal = Decimal("0.10")
    price_band_pct: Decimal = Decimal("0.02")
    """A limit price further than this from the market mid is refused."""
    max_market_data_age_s: float = 150.0
    """Oldest market data a decision may use (candles close once per interval)."""
    max_ticker_age_s: float = 15.0


class ExecutionConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Execution policies: visibility window, retries, protective stops, TWAP, slippage."""

    client_id_prefix: str = "xk"
    visibility_window_s: float = 10.0
    """How long after a send the exchange may still answer 'not found' for an order that
    did land. An unknown order is declared 'never landed' only after this window."""
    lookup_delays_s: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 8.0)
    """Delays between lookups of an unknown order; the last one repeats until resolved."""
    max_lookups: int = 8
    """Lookups before an unresolved order becomes an incident (strategy paused)."""
    transient_send_retries: int = 2
    """Re-sends with the SAME client order id after an error that proves nothing executed."""
    stop_retry_budget: int = 3
    """Attempts at placing a protective stop before the position is flattened and the bot
    halts."""
    twap_threshold_notional: Decimal = Decimal(1500)
    twap_slices: int = 5
    twap_interval_s: float = 10.0
    max_slippage_bps: Decimal = Decimal(30)
    """Refuse (or shrink) a market order whose book-walk average price is worse than this
    from the best price."""
    book_depth: int = 50


class ObservabilityConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Logs, metrics and the heartbeat."""

    log_level: str = "INFO"
    log_file: str | None = None
    metrics_port: int | None = None
    """Serve Prometheus metrics on this port when set."""
    stall_after_s: float = 30.0


class RunConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The loop: how often it decides and reconciles."""

    tick_s: float = 2.0
    reconcile_every_s: float = 30.0
    candles_lookback: int = 120
    position_tolerance: Decimal = Decimal("0.000001")
    follow_streams: bool = True
    """Apply the private order and fill streams as they arrive. While they are live, the
    order and fill REST polls run only on reconciliation ticks; reconciliation still runs on
    its timer (the streams are the fast path, not the truth)."""


class BacktestConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Offline backtest: data source, costs and output."""

    candles_file: str | None = None
    """CSV (open_ms,open,high,low,close,volume) or JSON lines of candles; None: generated."""
    bars: int = 1500
    seed: int = 7
    start_price: Decimal = Decimal(30000)
    initial_cash: Decimal = Decimal(10000)
    taker_fee_bps: Decimal = Decimal(5)
    maker_fee_bps: Decimal = Decimal(1)
    slippage_bps: Decimal = Decimal(2)
    impact_bps_per_10k: Decimal = Decimal(1)
    """Extra slippage per 10,000 quote of order notional."""
    half_spread_bps: Decimal = Decimal(2)
    output_dir: str = "backtest-out"


def _default_strategies() -> list[StrategyConfig]:
    return [
        StrategyConfig(
            name="trend",
            kind="trend",
            symbol="BTC/USDT",
            interval="1m",
            params={"fast": 8, "slow": 21, "notional": "1200"},
        ),
        StrategyConfig(
            name="quoter",
            kind="quoter",
            symbol="ETH/USDT",
            interval="1m",
            params={"notional": "150", "spread_bps": "20", "max_inventory_notional": "600"},
        ),
    ]


class BotConfig(_Section, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The whole configuration."""

    exchange: ExchangeConfig = ExchangeConfig()
    storage: StorageConfig = StorageConfig()
    strategies: list[StrategyConfig] = msgspec.field(default_factory=_default_strategies)
    regime: RegimeConfig = RegimeConfig()
    leverage: LeverageConfig = LeverageConfig()
    risk: RiskLimits = RiskLimits()
    execution: ExecutionConfig = ExecutionConfig()
    observability: ObservabilityConfig = ObservabilityConfig()
    run: RunConfig = RunConfig()
    backtest: BacktestConfig = BacktestConfig()

    def __post_init__(self) -> None:
        names = [s.name for s in self.strategies]
        if len(set(names)) != len(names):
            raise ConfigError(f"strategy names must be unique, got {names}")
        symbols = [s.symbol for s in self.strategies]
        if len(set(symbols)) != len(symbols):
            # Positions are per account and symbol; two strategies on one symbol would
            # each see the other's position as their own.
            raise ConfigError(f"one strategy per symbol, got {symbols}")
        prefix = self.execution.client_id_prefix
        if not (1 <= len(prefix) <= 4 and prefix.isascii() and prefix.isalnum()):
            raise ConfigError(f"client_id_prefix must be 1-4 ASCII letters/digits: {prefix!r}")


def load_config(path: str | Path | None = None, **overrides: Any) -> BotConfig:
    """Read a TOML file (or take the defaults) and apply dotted overrides.

    ``overrides`` use ``section__field`` names: ``load_config(None, storage__path="x.db")``.
    """
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config {path} is not valid TOML: {exc}") from exc
    for dotted, value in overrides.items():
        section, _, field = dotted.partition("__")
        if not field:
            raw[section] = value
        else:
            raw.setdefault(section, {})[field] = value
    try:
        return msgspec.convert(raw, BotConfig, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"invalid config{f' {path}' if path else ''}: {exc}") from exc
