"""Account models: positions and balances."""

from decimal import Decimal

import msgspec

from exchangekit.models._decimal import ZERO
from exchangekit.models.enums import MarginMode, PositionSide

__all__ = ["Balance", "Position"]


class Position(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """An open derivatives position. ``quantity`` is in base units and never negative;
    ``side`` says long or short."""

    symbol: str
    side: PositionSide
    quantity: Decimal
    entry_price: Decimal | None = None
    mark_price: Decimal | None = None
    unrealized_pnl: Decimal | None = None
    realized_pnl: Decimal | None = None
    leverage: Decimal | None = None
    liquidation_price: Decimal | None = None
    margin_mode: MarginMode | None = None
    timestamp_ms: int | None = None

    @property
    def signed_quantity(self) -> Decimal:
        """Positive when long, negative when short."""
        return -self.quantity if self.side is PositionSide.SHORT else self.quantity


class Balance(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Holdings of one asset. ``total`` is ``free + locked`` unless the exchange says otherwise
    (margin accounts include unrealized PnL in their totals)."""

    asset: str
    free: Decimal
    locked: Decimal = ZERO
    total: Decimal | None = None

    def __post_init__(self) -> None:
        if self.total is None:
            msgspec.structs.force_setattr(self, "total", self.free + self.locked)
