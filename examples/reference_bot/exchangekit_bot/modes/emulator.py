"""Paper trading on an adapter's wire emulator: the simulated exchange over loopback.

``[exchange] adapter = "binance"`` with ``emulator = true`` serves a simulated exchange in
Binance's own REST and WebSocket shapes (``exchangekit.testing.load_emulator("binance")``)
and connects ``exchangekit.connect("binance", ...)`` to it, so paper trading runs the real
adapter: signing, the rate limiter, the error table, streams. Any adapter that registers an
emulator (``binanceusdm``, later ``bybit``, ``okx``) plugs in by name.

The emulator runs in the paper process, on a free port or ``emulator_port``; its address is
written to the state database (``emulator:url``) so the kill switch, a separate process,
reaches the same exchange. ``emulator_url`` points the bot at an emulator someone else
serves (``exchangekit emulate binance --port 8765``, the chaos tests).

``speed`` runs the served market faster than the wall clock (a
:class:`~exchangekit.clock.ScaledClock`): the emulator, the adapter client and the bot share
that one clock, so signatures' timestamps, rate-limit windows, candle times and the bot's
staleness checks agree. The clock's anchor is recorded beside the address
(``emulator:clock``) so another process (the kill switch) follows the same time.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from exchangekit import NotSupported
from exchangekit.clock import Clock, ScaledClock, SystemClock
from exchangekit_bot.config import ExchangeConfig
from exchangekit_bot.storage.base import Storage

if TYPE_CHECKING:
    from exchangekit.testing.registry import EmulatorSpec
    from exchangekit.testing.server import EmulatorServer

__all__ = [
    "EMULATOR_CLOCK_KEY",
    "EMULATOR_URL_KEY",
    "EmulatorAddress",
    "EmulatorUnavailable",
    "emulator_client_options",
    "emulator_spec",
    "exchange_record_counts",
    "record_emulator",
    "recorded_clock",
    "resolve_emulator_address",
    "serve_emulator",
]

#: Where the paper command records the address of the emulator it serves.
EMULATOR_URL_KEY = "emulator:url"
#: Where it records the anchor of an accelerated emulator's clock (JSON).
EMULATOR_CLOCK_KEY = "emulator:clock"


class EmulatorUnavailable(RuntimeError):
    """No emulator for this adapter, or no address to reach a running one."""


class EmulatorAddress:
    """Where an emulator listens and the clock it keeps: what ``EmulatorSpec.client_config``
    reads from a server (``http_url``, ``ws_url``, ``clock``)."""

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if not parts.hostname or not parts.port:
            raise EmulatorUnavailable(f"emulator address needs a host and a port: {url!r}")
        self.host = parts.hostname
        self.port = parts.port
        self.clock: Clock = clock or SystemClock()

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"


def emulator_spec(adapter: str) -> EmulatorSpec:
    """The registered emulator of ``adapter``, or :class:`EmulatorUnavailable`."""
    from exchangekit.testing.registry import load_emulator

    try:
        return load_emulator(adapter)
    except NotSupported as exc:
        raise EmulatorUnavailable(str(exc)) from exc


def emulator_client_options(
    config: ExchangeConfig, address: EmulatorAddress | EmulatorServer
) -> tuple[str, dict[str, Any]]:
    """``(adapter, options)`` for ``exchangekit.connect`` against the emulator at ``address``
    (its test credentials included; ``[exchange.options]`` applied on top)."""
    spec = emulator_spec(config.adapter)
    # client_config only reads the server's http_url and ws_url.
    options: dict[str, Any] = dict(spec.client_config(cast("EmulatorServer", address)))
    options.update(config.options)
    return spec.adapter, options


def resolve_emulator_address(config: ExchangeConfig, store: Storage | None) -> EmulatorAddress:
    """The emulator a separate process (the kill switch) should talk to: ``emulator_url``,
    else the address the paper run recorded in the state database, else ``emulator_port``."""
    if config.emulator_url:
        return EmulatorAddress(config.emulator_url)
    recorded = store.get_value(EMULATOR_URL_KEY) if store is not None else None
    if recorded:
        assert store is not None
        return EmulatorAddress(recorded, _recorded_clock(store.get_value(EMULATOR_CLOCK_KEY)))
    if config.emulator_port:
        return EmulatorAddress(f"127.0.0.1:{config.emulator_port}")
    raise EmulatorUnavailable(
        "no emulator address: run `exchangekit-bot paper --state FILE` (it records the "
        "address there) or fix one with `--serve-port N` / [exchange] emulator_port"
    )


def record_emulator(store: Storage, server: EmulatorServer | EmulatorAddress) -> None:
    """Write where ``server`` listens, and its clock's anchor when it runs faster than the
    wall clock, for processes that reach it later (:func:`resolve_emulator_address`)."""
    store.put_value(EMULATOR_URL_KEY, server.http_url)
    clock = server.clock
    anchor = ""
    if isinstance(clock, ScaledClock):
        wall_ms = clock.base.now_ms()
        anchor = json.dumps({"speed": clock.speed, "wall_ms": wall_ms, "ms": clock.now_ms()})
    store.put_value(EMULATOR_CLOCK_KEY, anchor)


def recorded_clock(store: Storage) -> Clock | None:
    """The accelerated clock of the emulator a paper run recorded in ``store``, or ``None``
    when it runs on the wall clock (or nothing was recorded)."""
    return _recorded_clock(store.get_value(EMULATOR_CLOCK_KEY))


def _recorded_clock(anchor: str | None) -> Clock | None:
    """The scaled clock a recorded anchor describes, read against this machine's clock."""
    if not anchor:
        return None
    try:
        data = json.loads(anchor)
        speed, wall_ms, at_ms = float(data["speed"]), int(data["wall_ms"]), int(data["ms"])
    except (ValueError, KeyError, TypeError) as exc:
        raise EmulatorUnavailable(f"unreadable {EMULATOR_CLOCK_KEY} record: {anchor!r}") from exc
    base = SystemClock()
    return ScaledClock(base, speed=speed, start_ms=at_ms + round((base.now_ms() - wall_ms) * speed))


@contextlib.asynccontextmanager
async def serve_emulator(
    adapter: str,
    *,
    seed: int,
    port: int = 0,
    speed: float = 1.0,
    dialect_config: Mapping[str, Any] | None = None,
) -> AsyncIterator[EmulatorServer]:
    """Serve ``adapter``'s emulator over a fresh simulated exchange on ``127.0.0.1:port``,
    its market running ``speed`` times faster than the wall clock."""
    from exchangekit.testing.server import EmulatorServer

    spec = emulator_spec(adapter)
    config = dict(dialect_config or {})
    if speed != 1.0:
        config["speed"] = speed
    dialect = spec.create_dialect(seed=seed, **config)
    async with EmulatorServer(dialect, port=port) as server:
        yield server


def exchange_record_counts(server: EmulatorServer) -> dict[str, int] | None:
    """Orders accepted, fills and refusals in the emulator's own record (ground truth),
    when its dialect exposes the simulated exchange."""
    from exchangekit.sim.events import FillEvent, OrderEvent, RejectionEvent

    sim = getattr(server.dialect, "sim", None)
    record = getattr(sim, "record", None)
    if record is None:
        return None
    return {
        "orders": len({e.order.order_id for e in record.of(OrderEvent)}),
        "fills": len(record.of(FillEvent)),
        "refused": len(record.of(RejectionEvent)),
    }
