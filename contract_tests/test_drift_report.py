"""The schema-drift report names the field and endpoint when an exchange renames or drops a
field. Runs against every adapter that has a wire emulator, whose answers are rewritten."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

import exchangekit
from exchangekit import ExchangeError
from exchangekit.testing.drift import DriftRecorder
from exchangekit.testing.registry import available_emulators, load_emulator
from exchangekit.testing.server import EmulatorServer


class RenameFirstField:
    """Rewrites object answers of one call: renames their alphabetically first field."""

    def __init__(self) -> None:
        self.armed = False
        self.renamed: list[tuple[str, str]] = []

    def __call__(self, path: str, data: Any) -> Any:
        if not self.armed or not isinstance(data, dict) or not data:
            return data
        key = sorted(data)[0]
        self.renamed.append((path, key))
        data[f"{key}Renamed"] = data.pop(key)
        return data


@pytest.mark.parametrize("adapter", available_emulators())
async def test_renamed_field_is_named_with_its_endpoint_in_the_report(
    adapter: str, tmp_path: Path
) -> None:
    spec = load_emulator(adapter)
    mutate = RenameFirstField()
    recorder = DriftRecorder()
    async with EmulatorServer(spec.create_dialect(seed=2), mutate_json=mutate) as server:
        client = exchangekit.connect(
            spec.adapter, **spec.client_config(server), payload_observer=recorder.observe
        )
        async with client:
            await client.load_instruments()
            mutate.armed = True
            with contextlib.suppress(ExchangeError):  # the mapper may well refuse the payload
                await client.get_ticker(spec.symbols[0])
            mutate.armed = False
    assert mutate.renamed, "the ticker call produced no JSON object to rewrite"
    path, key = mutate.renamed[0]
    json_path, md_path = recorder.write(tmp_path)
    report = json.loads(json_path.read_text())
    endpoint = next(e for e in report["endpoints"] if e.endswith(path))
    entry = report["endpoints"][endpoint]
    assert f"$.{key}Renamed" in [f["path"] for f in entry["new"]]
    gone = [f["path"] for f in entry["missing"] + entry["missing_optional"]]
    assert f"$.{key}" in gone
    summary = md_path.read_text()
    assert endpoint in summary and f"$.{key}" in summary
