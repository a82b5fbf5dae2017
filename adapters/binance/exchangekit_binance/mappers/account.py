"""Binance balances and positions -> unified :class:`~exchangekit.models.Balance` and
:class:`~exchangekit.models.Position`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from exchangekit.mapping import accepts_json, wire_or_reraise
from exchangekit.models import (
    Balance,
    MarginMode,
    Position,
    PositionSide,
)
from exchangekit_binance import schemas as s
from exchangekit_binance.mappers.common import (
    _POSITION_SIDE,
    EXCHANGE,
    ZERO,
    SymbolMap,
    _unmappable,
)

__all__ = [
    "position_from_risk",
    "positions_from_risk",
    "spot_balances",
    "usdm_account_balances",
    "usdm_balances",
]

# -- balances and positions ----------------------------------------------------------------


@accepts_json(s.SpotAccount, exchange=EXCHANGE)
def spot_balances(raw: s.SpotAccount, *, include_zero: bool = False) -> list[Balance]:
    """``/api/v3/account`` balances (``total = free + locked``); zero rows skipped by default."""
    try:
        return [
            Balance(asset=b.asset, free=b.free, locked=b.locked)
            for b in raw.balances
            if include_zero or b.free or b.locked
        ]
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc


@accepts_json(s.UsdmAccount, exchange=EXCHANGE)
def usdm_account_balances(raw: s.UsdmAccount) -> list[Balance]:
    """``/fapi/v3/account`` assets: free = available, locked = initial margin,
    total = margin balance (wallet + unrealized PnL), as the account page shows them."""
    try:
        return [
            Balance(
                asset=a.asset,
                free=a.availableBalance,
                locked=a.initialMargin,
                total=a.marginBalance,
            )
            for a in raw.assets
        ]
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, raw) from exc


@accepts_json(list[s.UsdmBalance], exchange=EXCHANGE)
def usdm_balances(rows: Sequence[s.UsdmBalance]) -> list[Balance]:
    """``/fapi/v3/balance``: free = available, total = wallet balance, locked = the rest."""
    try:
        return [
            Balance(
                asset=r.asset,
                free=r.availableBalance,
                locked=max(r.balance - r.availableBalance, ZERO),
                total=r.balance,
            )
            for r in rows
        ]
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, rows) from exc


def _position_side(wire: str, amount: Decimal) -> PositionSide:
    if wire != "BOTH":
        return _POSITION_SIDE[wire]  # hedge mode: the slot says the side
    if amount > 0:
        return PositionSide.LONG
    if amount < 0:
        return PositionSide.SHORT
    return PositionSide.BOTH  # one-way and flat


def position_from_risk(row: s.UsdmPositionRisk, symbols: SymbolMap) -> Position:
    """``/fapi/v3/positionRisk`` row -> :class:`Position` (quantity = |positionAmt|).

    v3 no longer reports leverage or margin type: ``leverage`` is ``None`` and the margin
    mode is inferred from the isolated wallet (non-zero means isolated).
    """
    try:
        amount = row.positionAmt
        wire_side = row.positionSide
        if wire_side != "BOTH":
            side = _POSITION_SIDE[wire_side]  # hedge mode: the slot says the side
        elif amount > 0:
            side = PositionSide.LONG
        else:
            side = PositionSide.SHORT if amount else PositionSide.BOTH
        return Position(
            symbol=symbols.to_unified.get(row.symbol) or symbols.unified(row.symbol, raw=row),
            side=side,
            quantity=abs(amount),
            entry_price=row.entryPrice or None,
            mark_price=row.markPrice or None,
            unrealized_pnl=row.unRealizedProfit,
            liquidation_price=row.liquidationPrice or None,
            margin_mode=MarginMode.ISOLATED if row.isolatedWallet else MarginMode.CROSS,
            timestamp_ms=row.updateTime or None,
        )
    except AttributeError as exc:  # parsed JSON, not the struct: convert, map again
        return position_from_risk(
            wire_or_reraise(row, s.UsdmPositionRisk, exc, exchange=EXCHANGE), symbols
        )
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise _unmappable(exc, row) from exc


@accepts_json(list[s.UsdmPositionRisk], exchange=EXCHANGE)
def positions_from_risk(
    rows: Sequence[s.UsdmPositionRisk], symbols: SymbolMap, *, include_flat: bool = False
) -> list[Position]:
    """Every row mapped; flat rows (symbols with only open orders) skipped by default."""
    out = []
    for row in rows:
        if include_flat or row.positionAmt:
            out.append(position_from_risk(row, symbols))
    return out


_MARGIN_TYPE = {
    "isolated": MarginMode.ISOLATED,
    "ISOLATED": MarginMode.ISOLATED,
    "cross": MarginMode.CROSS,
    "crossed": MarginMode.CROSS,
    "CROSSED": MarginMode.CROSS,
}
