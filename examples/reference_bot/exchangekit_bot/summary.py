"""The end-of-run summary: orders, fills, PnL, drawdown, rejections, incidents, skips."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit import OrderStatus
from exchangekit_bot.observability.metrics import BotMetrics
from exchangekit_bot.storage.base import Storage

__all__ = ["RunSummary", "render_summary", "summarize"]


class RunSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What a paper, live or shadow run did."""

    orders: dict[str, int]
    fills: int
    fees: Decimal
    start_equity: Decimal | None
    end_equity: Decimal | None
    pnl: Decimal | None
    max_drawdown: Decimal
    risk_rejections: dict[str, int]
    skipped: dict[str, int]
    incidents: list[str]
    paused: str | None


def _skips(metrics: BotMetrics) -> dict[str, int]:
    out: dict[str, int] = {}
    for family in metrics.registry.collect():
        if family.name != "bot_skipped_decisions":
            continue
        for sample in family.samples:
            if sample.name.endswith("_total"):
                out[sample.labels["reason"]] = int(sample.value)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def summarize(
    store: Storage,
    metrics: BotMetrics,
    *,
    end_equity: Decimal | None,
    max_drawdown: Decimal,
) -> RunSummary:
    """Build the summary from the state store and the metrics."""
    orders: dict[str, int] = {}
    for record in store.orders(statuses=tuple(OrderStatus)):
        orders[record.status.value] = orders.get(record.status.value, 0) + 1
    fills = store.fills()
    start_raw = store.get_value("equity:start")
    start = None if start_raw is None else Decimal(start_raw)
    pause = store.pause_state()
    return RunSummary(
        orders=orders,
        fills=len(fills),
        fees=sum((f.fee for f in fills), Decimal(0)),
        start_equity=start,
        end_equity=end_equity,
        pnl=None if start is None or end_equity is None else end_equity - start,
        max_drawdown=max_drawdown,
        risk_rejections=store.rejection_counts(),
        skipped=_skips(metrics),
        incidents=[
            f"#{i.id} {i.kind}: {i.detail}" + ("" if i.is_open else " (resolved)")
            for i in store.incidents()
        ],
        paused=pause.reason if pause.paused else None,
    )


def render_summary(summary: RunSummary) -> str:
    """The summary as aligned lines for the terminal."""

    def money(v: Decimal | None) -> str:
        return "n/a" if v is None else f"{v:,.2f}"

    total = sum(summary.orders.values())
    lines = [
        f"orders            {total} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(summary.orders.items()))
        + ")",
        f"fills             {summary.fills} (fees {money(summary.fees)})",
        f"equity            {money(summary.start_equity)} -> {money(summary.end_equity)}",
        f"PnL               {'n/a' if summary.pnl is None else f'{summary.pnl:+,.2f}'}",
        f"max drawdown      {summary.max_drawdown:.2%}",
        "risk rejections   "
        + (", ".join(f"{k} {v}" for k, v in summary.risk_rejections.items()) or "none"),
        "skipped           "
        + (", ".join(f"{k} {v}" for k, v in summary.skipped.items()) or "none"),
        f"incidents         {len(summary.incidents) or 'none'}",
    ]
    lines.extend(f"  {text}" for text in summary.incidents)
    if summary.paused:
        lines.append(f"PAUSED            {summary.paused}")
    return "\n".join(lines)
