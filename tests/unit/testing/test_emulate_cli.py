"""`exchangekit emulate <adapter>` serves an emulator a user's own code can connect to."""

from __future__ import annotations

import asyncio
import json
import re
import sys

import exchangekit


async def test_emulate_command_prints_working_connect_arguments() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "exchangekit.cli", "emulate", "binance", "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        await asyncio.wait_for(proc.stdout.readline(), 20)
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
        match = re.search(r"\*\*(\{.*\})\)", line)
        assert match, line
        config = json.loads(match[1])
        async with exchangekit.connect("binance", **config) as client:
            ticker = await client.get_ticker("BTC/USDT")
        assert ticker.bid is not None and ticker.ask is not None and ticker.bid < ticker.ask
    finally:
        proc.terminate()
        await proc.wait()
