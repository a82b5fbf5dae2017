"""Prometheus metrics of one bot, in their own registry (so tests can run several bots)."""

from __future__ import annotations

from decimal import Decimal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)

__all__ = ["BotMetrics"]


class BotMetrics:
    """Every metric the bot exports, with the names operators alert on."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.decision_latency = Histogram(
            "bot_decision_latency_seconds",
            "Time from tick start to the last intent of a decision being handled",
            registry=r,
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.skipped_decisions = Counter(
            "bot_skipped_decisions",
            "Decisions or intents not acted on, by reason",
            ["reason"],
            registry=r,
        )
        self.risk_rejections = Counter(
            "bot_risk_rejections",
            "Intents stopped by the risk layer, by check",
            ["check"],
            registry=r,
        )
        self.orders_sent = Counter("bot_orders_sent", "Orders submitted", ["purpose"], registry=r)
        self.fills = Counter("bot_fills", "New fills recorded", registry=r)
        self.orders_unknown = Gauge(
            "bot_orders_unknown", "Orders whose outcome is unknown (awaiting lookup)", registry=r
        )
        self.balance_difference = Gauge(
            "bot_balance_difference",
            "Exchange position minus the journal's expectation, by symbol",
            ["symbol"],
            registry=r,
        )
        self.reconnects = Counter(
            "bot_reconnects", "Recoveries after network errors or stream reconnects", registry=r
        )
        self.rate_limit_usage = Gauge(
            "bot_rate_limit_usage_ratio", "Used share of each rate-limit pool", ["pool"], registry=r
        )
        self.pnl = Gauge("bot_pnl", "Equity minus equity at start (quote asset)", registry=r)
        self.equity = Gauge("bot_equity", "Account equity (quote asset)", registry=r)
        self.drawdown = Gauge("bot_drawdown_ratio", "Drawdown from the equity peak", registry=r)
        self.incidents = Counter("bot_incidents", "Incidents opened, by kind", ["kind"], registry=r)
        self.loop_stalled = Gauge(
            "bot_loop_stalled", "1 while the main loop is stalled", registry=r
        )
        self.heartbeat_age = Gauge(
            "bot_heartbeat_age_seconds", "Seconds since the main loop last beat", registry=r
        )
        self.paused = Gauge("bot_paused", "1 while the persistent pause flag is set", registry=r)

    def set_money(self, gauge: Gauge, value: Decimal) -> None:
        """Set a gauge from a Decimal (metrics are floats; money paths never are)."""
        gauge.set(float(value))

    def render(self) -> bytes:
        """The metrics in Prometheus text format."""
        return generate_latest(self.registry)

    def serve(self, port: int, *, addr: str = "127.0.0.1") -> None:
        """Expose ``/metrics`` on ``addr:port`` (a background thread)."""
        start_http_server(port, addr=addr, registry=self.registry)
