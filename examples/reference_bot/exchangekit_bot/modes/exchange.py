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

__all__ = ["IN_PROCESS_ADAPTERS", "CredentialsMissing", "connect_exchange", "credentials"]

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
