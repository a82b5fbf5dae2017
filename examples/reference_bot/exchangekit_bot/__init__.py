"""The exchangekit reference bot.

Seven layers, each able to stop the pipeline, fail-closed: market data (stale-data gating)
-> strategy (pure) -> risk (computed from exchange state) -> execution (durable intent
journal, deterministic client order ids, legal order transitions only, lookups for unknown
outcomes) -> reconciliation -> observability -> kill switch (a separate process).

Replace the strategy (see :mod:`exchangekit_bot.strategy`); keep the rest.
"""

__version__ = "0.1.0"
