"""The ``exchangekit`` command: ``demo`` and ``emulate``. Subcommands import lazily."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence
from typing import cast

# Subcommand -> "module:function" taking the parsed arguments' remainder.
_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("exchangekit.sim.demo:main", "paper-trade a few simulated minutes, no network"),
    "emulate": ("exchangekit.testing.cli:main", "serve an exchange emulator on loopback"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="exchangekit")
    parser.add_argument("command", choices=sorted(_COMMANDS), help="what to run")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    target, _ = _COMMANDS[ns.command]
    module_name, func_name = target.split(":")
    func = cast(
        Callable[[list[str]], int], getattr(importlib.import_module(module_name), func_name)
    )
    return func(list(ns.args))


if __name__ == "__main__":
    raise SystemExit(main())
