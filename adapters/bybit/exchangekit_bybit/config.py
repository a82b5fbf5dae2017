"""What a Bybit client will honestly support (the client's own config comes with it)."""

from __future__ import annotations

from exchangekit.models import MarketKind, OrderType, TimeInForce
from exchangekit.protocols import Capabilities
from exchangekit_bybit.mappers import INTERVALS

__all__ = ["LINEAR_CAPABILITIES", "SPOT_CAPABILITIES"]

_TIFS = frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK})
_INTERVALS = tuple(INTERVALS)

SPOT_CAPABILITIES = Capabilities(
    market_kinds=frozenset({MarketKind.SPOT}),
    order_types=frozenset(OrderType),  # conditionals as orderFilter=StopOrder + triggerPrice
    time_in_force=_TIFS,
    post_only=True,  # timeInForce=PostOnly
    stop_orders=True,
    private_streams=False,  # no streams yet: flip when streams.py lands
    candle_intervals=_INTERVALS,
    max_book_depth=1000,  # GET /v5/market/orderbook limit 1-1000 (fact sheet §2.6) [?]
    max_candles_per_request=1000,
)
"""Spot (unified account): no reduce-only, positions or leverage."""

LINEAR_CAPABILITIES = Capabilities(
    market_kinds=frozenset({MarketKind.PERPETUAL}),
    order_types=frozenset(OrderType),  # conditionals: triggerPrice + triggerDirection
    time_in_force=_TIFS,
    reduce_only=True,
    post_only=True,
    hedge_mode=True,  # positionIdx 1 (long) / 2 (short)
    stop_orders=True,
    set_leverage=True,
    positions=True,
    private_streams=False,
    candle_intervals=_INTERVALS,
    max_book_depth=1000,
    max_candles_per_request=1000,
)
"""Linear perpetuals (USDT/USDC settled). Dated LinearFutures are not mapped yet."""
