"""Bybit unified-account balances and positions -> unified models."""

from __future__ import annotations

from decimal import Decimal

from exchangekit.mapping import accepts_json
from exchangekit.models import (
    Balance,
    MarginMode,
    Position,
    PositionSide,
)
from exchangekit_bybit import schemas as s
from exchangekit_bybit.mappers.common import (
    _BOTH,
    _CROSS,
    _ISOLATED,
    EXCHANGE,
    ZERO,
    SymbolMap,
    _opt,
    _opt_ms,
    _price,
)
from exchangekit_bybit.mappers.trading import (
    _HEDGE_SLOT,
    _ms_fast,
)

__all__ = ["balances", "position", "positions"]

# -- balances and positions ----------------------------------------------------------------


@accepts_json(s.WalletBalance, exchange=EXCHANGE)
def balances(result: s.WalletBalance, *, include_zero: bool = False) -> list[Balance]:
    """Unified-account coins -> balances.

    ``total`` is ``walletBalance``; ``locked`` is what open orders and positions hold
    (``locked`` for spot orders + ``totalOrderIM`` + ``totalPositionIM``, capped at the
    total); ``free`` is the rest. Empty strings count as zero. Zero rows are skipped unless
    ``include_zero``.
    """
    out: list[Balance] = []
    for a_index, account in enumerate(result.list):
        for c_index, coin in enumerate(account.coin):
            path = f"$.result.list[{a_index}].coin[{c_index}]"
            total = coin.walletBalance
            held = ZERO
            for name in ("locked", "totalOrderIM", "totalPositionIM"):
                held += _opt(getattr(coin, name), f"{path}.{name}", coin) or ZERO
            locked = min(max(held, ZERO), max(total, ZERO))
            if not include_zero and not total and not locked:
                continue
            out.append(Balance(asset=coin.coin, free=total - locked, locked=locked, total=total))
    return out


_POSITION_SIDE = {"Buy": PositionSide.LONG, "Sell": PositionSide.SHORT}


@accepts_json(s.Position, exchange=EXCHANGE)
def position(raw: s.Position, symbols: SymbolMap, *, path: str = "$") -> Position:
    """A ``/v5/position/list`` row -> :class:`Position` (quantity = ``size``).

    ``side`` is Buy/Sell for an open position; an empty position reads ``""`` (or
    ``"None"``): a hedge slot (``positionIdx`` 1/2) still maps to long/short, an empty
    one-way position to ``both``. ``tradeMode`` 1 is isolated
    margin, 0 cross.
    """
    mapped = _position_fast(raw, symbols)
    return mapped if mapped is not None else _position_checked(raw, symbols, path)


def _position_fast(raw: s.Position, symbols: SymbolMap) -> Position | None:
    """A position row with no per-field helpers; ``None`` sends it to
    :func:`_position_checked`, which raises with the path of the bad field."""
    symbol = symbols.to_unified.get(raw.symbol)
    if symbol is None:
        return None
    try:
        v = raw.avgPrice
        entry = (Decimal(v) or None) if v else None
        v = raw.markPrice
        mark = (Decimal(v) or None) if v else None
        v = raw.unrealisedPnl
        unrealized = Decimal(v) if v else None
        v = raw.cumRealisedPnl
        realized = Decimal(v) if v else None
        v = raw.leverage
        leverage = (Decimal(v) or None) if v else None
        v = raw.liqPrice
        liquidation = (Decimal(v) or None) if v else None
    except (ArithmeticError, ValueError, TypeError):
        return None
    for x in (entry, mark, unrealized, realized, leverage, liquidation):
        if x is not None and not x.is_finite():
            return None
    t = raw.updatedTime
    if t.__class__ is str and t.isdigit() and t.isascii() and t != "0":
        updated: int | None = int(t)
    elif t in ("", "0", 0):
        updated = None
    else:
        updated = _ms_fast(t)
        if updated < 0:
            return None
    return Position(
        symbol=symbol,
        side=_HEDGE_SLOT.get(raw.positionIdx) or _POSITION_SIDE.get(raw.side, _BOTH),
        quantity=raw.size,
        entry_price=entry,
        mark_price=mark,
        unrealized_pnl=unrealized,
        realized_pnl=realized,
        leverage=leverage,
        liquidation_price=liquidation,
        margin_mode=_ISOLATED if raw.tradeMode == 1 else _CROSS,
        timestamp_ms=updated,
    )


def _position_checked(raw: s.Position, symbols: SymbolMap, path: str) -> Position:
    # Hedge mode reads "" for an empty slot too; its positionIdx still says which slot.
    side = _HEDGE_SLOT.get(raw.positionIdx) or _POSITION_SIDE.get(raw.side, PositionSide.BOTH)
    updated = _opt_ms(raw.updatedTime, f"{path}.updatedTime", raw)
    return Position(
        symbol=symbols.unified(raw.symbol, path=f"{path}.symbol", raw=raw),
        side=side,
        quantity=raw.size,
        entry_price=_price(raw.avgPrice, f"{path}.avgPrice", raw),
        mark_price=_price(raw.markPrice, f"{path}.markPrice", raw),
        unrealized_pnl=_opt(raw.unrealisedPnl, f"{path}.unrealisedPnl", raw),
        realized_pnl=_opt(raw.cumRealisedPnl, f"{path}.cumRealisedPnl", raw),
        leverage=_price(raw.leverage, f"{path}.leverage", raw),
        liquidation_price=_price(raw.liqPrice, f"{path}.liqPrice", raw),
        margin_mode=MarginMode.ISOLATED if raw.tradeMode == 1 else MarginMode.CROSS,
        timestamp_ms=updated,
    )


@accepts_json(s.PositionList, exchange=EXCHANGE)
def positions(
    result: s.PositionList, symbols: SymbolMap, *, include_flat: bool = False
) -> list[Position]:
    """Every row mapped; flat rows skipped by default."""
    out = []
    for index, row in enumerate(result.list):
        if include_flat or row.size:
            mapped = _position_fast(row, symbols)
            if mapped is None:
                mapped = _position_checked(row, symbols, f"$.result.list[{index}]")
            out.append(mapped)
    return out
