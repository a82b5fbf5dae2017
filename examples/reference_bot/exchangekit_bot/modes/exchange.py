"""Building the exchange client from ``[exchange]``: the one place the adapter is chosen.

``adapter`` names any installed exchangekit adapter; ``options`` go to
``exchangekit.connect`` unchanged. Credentials come from the environment variables named
in the config, never from the file. Live trading refuses to start without them.
"""

from __future__ import annotations

import os
from typing import Any

import exchangekit
from exchangekit import ExchangeClient
from exchangekit_bot.config import ExchangeConfig
from exchangekit_bot.storage.base import Storage

__all__ = [
    "IN_PROCESS_ADAPTERS",
    "CredentialsMissing",
    "connect_exchange",
    "connect_from_outside",
    "credentials",
    "uses_emulator",
]

#: Adapters whose exchange lives inside this process (no account survives the process).
IN_PROCESS_ADAPTERS = frozenset({"paper"})


class CredentialsMissing(RuntimeError):
    """API credentials are required and not in the environment."""


def credentials(config: ExchangeConfig, *, required: bool) -> dict[str, str]:
    """``api_key``/``api_secret`` from the environment, or ``CredentialsMissing``."""
    key = os.environ.get(config.api_key_env, "")
    secret = os.environ.get(config.api_secret_env, "")
    if key and secret:
        return {"api_key": key, "api_secret": secret}
    if required:
        missing = [
            n for n, v in ((config.api_key_env, key), (config.api_secret_env, secret)) if not v
        ]
        raise CredentialsMissing(
            f"{config.adapter} needs API credentials: set {' and '.join(missing)} in the "
            f"environment ({'testnet' if config.testnet else 'MAINNET'} keys). "
            "Keys are never read from the config file."
        )
    return {}


def connect_exchange(
    config: ExchangeConfig, *, require_credentials: bool, **extra: Any
) -> ExchangeClient:
    """``exchangekit.connect(config.adapter, **options, **credentials, **extra)``."""
    options: dict[str, Any] = dict(config.options)
    if config.adapter not in IN_PROCESS_ADAPTERS:
        options.setdefault("testnet", config.testnet)
        options.update(credentials(config, required=require_credentials))
    options.update(extra)
    return exchangekit.connect(config.adapter, **options)


def uses_emulator(config: ExchangeConfig) -> bool:
    """True when ``config`` trades an adapter's wire emulator rather than a real venue."""
    return config.emulator and config.adapter not in IN_PROCESS_ADAPTERS


def connect_from_outside(config: ExchangeConfig, store: Storage | None) -> ExchangeClient:
    """The client a process other than the paper run uses (kill switch, reconcile, live):
    the emulator the state database or the config points at, or the real venue with
    credentials from the environment."""
    if uses_emulator(config):
        from exchangekit_bot.modes.emulator import (
            emulator_client_options,
            resolve_emulator_address,
        )

        name, options = emulator_client_options(config, resolve_emulator_address(config, store))
        return exchangekit.connect(name, **options)
    return connect_exchange(config, require_credentials=True)
