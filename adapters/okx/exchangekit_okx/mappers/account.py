"""OKX balances and positions -> unified models (positions in base units)."""

from __future__ import annotations

from exchangekit.mapping import accepts_json
from exchangekit.models import (
    Balance,
    MarginMode,
    Position,
    PositionSide,
)
from exchangekit_okx import schemas as s
from exchangekit_okx.mappers.common import (
    EXCHANGE,
    ZERO,
    SymbolMap,
    _base,
    _opt_dec,
    _opt_ms,
    _opt_price,
)
from exchangekit_okx.mappers.trading import (
    _POS_SIDE,
)

__all__ = ["balances", "positions"]

# -- account -------------------------------------------------------------------------------


@accepts_json(s.Envelope[s.Balance], exchange=EXCHANGE)
def balances(envelope: s.Envelope[s.Balance], *, include_zero: bool = False) -> list[Balance]:
    """``account/balance`` details: free = ``availBal``, locked = ``frozenBal``,
    total = ``eq`` (equity: includes unrealized PnL in margin modes)."""
    out = []
    for a, account in enumerate(envelope.data):
        for d, row in enumerate(account.details):
            p = f"$.data[{a}].details[{d}]"
            free = _opt_dec(row.availBal, f"{p}.availBal", envelope)
            if free is None:
                free = _opt_dec(row.availEq, f"{p}.availEq", envelope) or ZERO
            locked = _opt_dec(row.frozenBal, f"{p}.frozenBal", envelope) or ZERO
            total = _opt_dec(row.eq, f"{p}.eq", envelope)
            if include_zero or free or locked or total:
                out.append(Balance(asset=row.ccy, free=free, locked=locked, total=total))
    return out


@accepts_json(s.Envelope[s.Position], exchange=EXCHANGE)
def positions(
    envelope: s.Envelope[s.Position], symbols: SymbolMap, *, include_flat: bool = False
) -> list[Position]:
    """``account/positions`` -> positions in base units.

    Net mode: ``pos`` is signed and the side is its sign. Long/short mode: ``posSide``
    says the side. Rows for instruments outside the map (options, inverse) are skipped.
    """
    out = []
    for index, row in enumerate(envelope.data):
        p = f"$.data[{index}]"
        if not symbols.knows_id(row.instId):
            continue
        inst = symbols.by_id(row.instId, path=f"{p}.instId", raw=envelope)
        contracts = _opt_dec(row.pos, f"{p}.pos", envelope) or ZERO
        if not contracts and not include_flat:
            continue
        if row.posSide in ("long", "short"):
            side = _POS_SIDE[row.posSide]
        elif contracts > 0:
            side = PositionSide.LONG
        else:
            side = PositionSide.SHORT if contracts else PositionSide.BOTH
        mode = {"cross": MarginMode.CROSS, "isolated": MarginMode.ISOLATED}.get(row.mgnMode)
        out.append(
            Position(
                symbol=inst.symbol,
                side=side,
                quantity=abs(_base(inst, contracts)),
                entry_price=_opt_price(row.avgPx, f"{p}.avgPx", envelope),
                mark_price=_opt_price(row.markPx, f"{p}.markPx", envelope),
                unrealized_pnl=_opt_dec(row.upl, f"{p}.upl", envelope),
                realized_pnl=_opt_dec(row.realizedPnl, f"{p}.realizedPnl", envelope),
                leverage=_opt_price(row.lever, f"{p}.lever", envelope),
                liquidation_price=_opt_price(row.liqPx, f"{p}.liqPx", envelope),
                margin_mode=mode,
                timestamp_ms=_opt_ms(row.uTime, f"{p}.uTime", envelope),
            )
        )
    return out
