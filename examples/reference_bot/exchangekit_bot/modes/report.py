"""Backtest statistics and the report: PnL, Sharpe, max drawdown, win rate, equity PNG."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import msgspec

from exchangekit_bot.modes.png import write_equity_png
from exchangekit_bot.modes.sim_account import SimTrade

__all__ = ["BacktestStats", "compute_stats", "max_drawdown", "render_text", "sharpe_ratio"]

MS_PER_YEAR = 365 * 24 * 3600 * 1000


class BacktestStats(msgspec.Struct, frozen=True, kw_only=True):
    """The numbers of one backtest."""

    bars: int
    start_equity: Decimal
    end_equity: Decimal
    pnl: Decimal
    return_pct: float
    sharpe: float
    max_drawdown_pct: float
    trades: int
    closing_trades: int
    win_rate: float | None
    fees: Decimal
    risk_rejections: dict[str, int]
    halted: str | None = None


def max_drawdown(equity: Sequence[float]) -> float:
    """Largest fall from a running peak, as a fraction of that peak."""
    peak, worst = -math.inf, 0.0
    for value in equity:
        peak = max(peak, value)
        if peak > 0:
            worst = max(worst, (peak - value) / peak)
    return worst


def sharpe_ratio(equity: Sequence[float], *, bar_ms: int) -> float:
    """Annualized Sharpe ratio of per-bar simple returns (risk-free rate 0)."""
    returns = [b / a - 1 for a, b in itertools.pairwise(equity) if a > 0]
    if len(returns) < 2:
        return 0.0
    mean = sum(returns) / len(returns)
    var = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
    if var <= 0:
        return 0.0
    return mean / math.sqrt(var) * math.sqrt(MS_PER_YEAR / bar_ms)


def compute_stats(
    equity: Sequence[Decimal],
    trades: Sequence[SimTrade],
    *,
    bar_ms: int,
    rejections: dict[str, int],
    halted: str | None,
) -> BacktestStats:
    """Summarize an equity curve (one value per bar) and its trades."""
    curve = [float(e) for e in equity]
    closing = [t for t in trades if t.closing]
    wins = sum(1 for t in closing if t.realized_pnl > 0)
    start, end = equity[0], equity[-1]
    return BacktestStats(
        bars=len(equity),
        start_equity=start,
        end_equity=end,
        pnl=end - start,
        return_pct=float((end - start) / start * 100) if start else 0.0,
        sharpe=round(sharpe_ratio(curve, bar_ms=bar_ms), 4),
        max_drawdown_pct=round(max_drawdown(curve) * 100, 4),
        trades=len(trades),
        closing_trades=len(closing),
        win_rate=round(wins / len(closing), 4) if closing else None,
        fees=sum((t.fee for t in trades), Decimal(0)),
        risk_rejections=rejections,
        halted=halted,
    )


def render_text(stats: BacktestStats) -> str:
    """The report as a few aligned lines for the terminal."""
    win = "n/a" if stats.win_rate is None else f"{stats.win_rate:.1%}"
    lines = [
        f"bars              {stats.bars}",
        f"equity            {stats.start_equity:.2f} -> {stats.end_equity:.2f}",
        f"PnL               {stats.pnl:+.2f} ({stats.return_pct:+.2f}%)",
        f"Sharpe (annual)   {stats.sharpe:.2f}",
        f"max drawdown      {stats.max_drawdown_pct:.2f}%",
        f"trades            {stats.trades} ({stats.closing_trades} closing)",
        f"win rate          {win}",
        f"fees              {stats.fees:.2f}",
        "risk rejections   "
        + (", ".join(f"{k}={v}" for k, v in stats.risk_rejections.items()) or "none"),
    ]
    if stats.halted:
        lines.append(f"HALTED            {stats.halted}")
    return "\n".join(lines)


def write_report(
    stats: BacktestStats, equity: Sequence[Decimal], output_dir: str | Path
) -> tuple[Path, Path]:
    """Write ``report.json`` and ``equity.png`` into ``output_dir``."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.json"
    report.write_bytes(msgspec.json.format(msgspec.json.encode(stats)))
    image = write_equity_png([float(e) for e in equity], out / "equity.png")
    return report, image
