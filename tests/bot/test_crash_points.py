"""The crash hook: ``EXCHANGEKIT_BOT_CRASH_AT=<step>:<n>`` SIGKILLs the bot at the n-th pass
of a durable step, and every step it names exists in the code."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from exchangekit_bot.crash import CRASH_ENV, DURABLE_STEPS, parse_crash_plan

PACKAGE = Path(__file__).parents[2] / "examples" / "reference_bot" / "exchangekit_bot"


def test_a_crash_plan_names_steps_and_occurrences():
    assert parse_crash_plan("sent:3, fill_recorded") == {"sent": 3, "fill_recorded": 1}
    assert parse_crash_plan("") == {}


@pytest.mark.parametrize("text", ["sent:0", "no_such_step:1", "sent:x"])
def test_a_malformed_crash_plan_is_refused(text):
    with pytest.raises(ValueError):
        parse_crash_plan(text)


def test_every_listed_step_is_a_crash_point_in_the_code_and_back():
    source = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py"))
    in_code = set(re.findall(r'crash_point\("([a-z_]+)"\)', source))
    assert in_code == set(DURABLE_STEPS)


def test_the_process_dies_by_sigkill_at_the_nth_pass_and_not_before():
    script = (
        "from exchangekit_bot.crash import crash_point\n"
        "for i in range(1, 4):\n"
        "    print('pass', i, flush=True)\n"
        "    crash_point('sent')\n"
        "print('survived', flush=True)\n"
    )
    env_run = subprocess.run(
        [sys.executable, "-c", script],
        env={**_env(), CRASH_ENV: "sent:2"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert env_run.returncode == -signal.SIGKILL
    assert env_run.stdout.split() == ["pass", "1", "pass", "2"]
    unarmed = subprocess.run(
        [sys.executable, "-c", script], env=_env(), capture_output=True, text=True, timeout=30
    )
    assert unarmed.returncode == 0 and "survived" in unarmed.stdout


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != CRASH_ENV}
