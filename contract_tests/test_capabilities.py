"""Capabilities are honest: what is not declared raises NotSupported, before sending."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contract_tests.venues import Venue
from exchangekit import NotSupported, OrderRequest, OrderType, PositionSide, Side

_SAMPLES = {
    OrderType.MARKET: {},
    OrderType.LIMIT: {"price": Decimal("1")},
    OrderType.STOP_MARKET: {"stop_price": Decimal("1")},
    OrderType.STOP_LIMIT: {"price": Decimal("1"), "stop_price": Decimal("1")},
    OrderType.TAKE_PROFIT_MARKET: {"stop_price": Decimal("1")},
    OrderType.TAKE_PROFIT_LIMIT: {"price": Decimal("1"), "stop_price": Decimal("1")},
}


async def test_undeclared_order_types_raise_not_supported(venue: Venue) -> None:
    caps = venue.client.capabilities
    for otype, extra in _SAMPLES.items():
        if otype in caps.order_types:
            continue
        request = OrderRequest(
            symbol=venue.symbol, side=Side.BUY, type=otype, quantity=Decimal("1"), **extra
        )
        with pytest.raises(NotSupported):
            await venue.client.place_order(request)


async def test_hedge_mode_sides_raise_not_supported_when_undeclared(venue: Venue) -> None:
    if venue.client.capabilities.hedge_mode:
        pytest.skip("adapter declares hedge mode")
    request = OrderRequest(
        symbol=venue.symbol,
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=Decimal("1"),
        price=Decimal("1"),
        position_side=PositionSide.LONG,
    )
    with pytest.raises(NotSupported):
        await venue.client.place_order(request)


async def test_leverage_is_settable_only_when_declared(venue: Venue) -> None:
    if venue.client.capabilities.set_leverage and venue.is_derivative:
        await venue.client.set_leverage(venue.symbol, 3)
        positions = await venue.client.get_positions(venue.symbol)
        assert all(p.leverage in (None, Decimal(3)) for p in positions)
    elif not venue.client.capabilities.set_leverage:
        with pytest.raises(NotSupported):
            await venue.client.set_leverage(venue.symbol, 3)
