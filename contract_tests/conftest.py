"""The contract suite's options and the ``venue`` fixture, parametrized over adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from contract_tests.venues import Venue, credential_env, open_venue, testnet_credentials
from exchangekit.testing.drift import DriftRecorder

_DRIFT = DriftRecorder()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "wire: runs only on adapters served over the wire")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("exchangekit contract suite")
    group.addoption(
        "--target",
        choices=("emulator", "testnet"),
        default="emulator",
        help="where the contract suite runs (default: emulator)",
    )
    group.addoption(
        "--adapters", default="", help="comma-separated adapters (default: all installed)"
    )
    group.addoption("--drift-report", default="", help="directory for drift-report.json/.md")


def _adapters(config: pytest.Config) -> list[str]:
    from exchangekit.connect import available_adapters
    from exchangekit.testing.registry import available_emulators

    chosen = [a for a in str(config.getoption("--adapters")).split(",") if a]
    if config.getoption("--target") == "testnet":
        names = [a for a in available_adapters() if a != "paper"]
    else:
        names = ["paper", *available_emulators()]
    return [n for n in names if not chosen or n in chosen]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "venue" in metafunc.fixturenames:
        adapters = _adapters(metafunc.config)
        if metafunc.definition.get_closest_marker("wire") is not None:
            # Checks of what crosses the wire (headers): adapters served by an emulator only.
            adapters = [a for a in adapters if a != "paper"]
        if "faulty" in metafunc.fixturenames:
            # Fault plans act on the wire: only adapters served by an emulator get them.
            params = [(a, True) for a in adapters if a != "paper"]
        else:
            params = [(a, False) for a in adapters]
        metafunc.parametrize(
            "venue_spec",
            params,
            ids=[f"{a}{'-faults' if f else ''}" for a, f in params],
            indirect=True,
        )


@pytest.fixture
def venue_spec(request: pytest.FixtureRequest) -> tuple[str, bool]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def venue(
    venue_spec: tuple[str, bool], request: pytest.FixtureRequest
) -> AsyncIterator[Venue]:
    adapter, faulty = venue_spec
    target = str(request.config.getoption("--target"))
    if target == "testnet" and testnet_credentials(adapter) is None:
        names = credential_env(adapter)
        pytest.skip(
            f"{adapter}: no testnet credentials ({names['api_key']} / {names['api_secret']} unset)"
        )
    async with open_venue(adapter, target, faulty=faulty) as v:
        yield v
    if v.drift is not None:
        _DRIFT.merge(v.drift)
        # New fields are warnings; a field the mapper needs that is missing or re-typed fails.
        failures = [
            f"{f.endpoint} {f.kind} {f.path} (expected {f.expected}, seen {f.seen})"
            for f in v.drift.failures
        ]
        assert not failures, "schema drift: " + "; ".join(failures)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if config.getoption("--target") != "testnet":
        return
    # One line per exchange, rather than one per skipped test.
    for adapter in _adapters(config):
        if testnet_credentials(adapter) is None:
            names = credential_env(adapter)
            terminalreporter.write_line(
                f"testnet {adapter}: every test skipped: set {names['api_key']} and {names['api_secret']}"
            )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    directory = session.config.getoption("--drift-report", default="")
    if directory and _DRIFT.payloads_seen:
        _DRIFT.write(Path(str(directory)))
