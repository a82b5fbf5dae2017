"""Capabilities are honest: what is not declared raises NotSupported, before sending."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from contract_tests.helpers import resting_order
from contract_tests.venues import Venue
from exchangekit import NotSupported, OrderRejected, OrderRequest, OrderType, PositionSide, Side

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


async def test_hedge_mode_sides_are_refused_only_when_undeclared(venue: Venue) -> None:
    if not venue.client.capabilities.hedge_mode:
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
        return
    # Declared: the adapter must send it. The account may still be in one-way mode, in which
    # case the exchange's own refusal (a typed rejection) is the honest answer.
    instruments = await venue.client.load_instruments()
    ticker = await venue.client.get_ticker(venue.symbol)
    request = msgspec.structs.replace(
        resting_order(instruments[venue.symbol], ticker), position_side=PositionSide.LONG
    )
    try:
        placed = await venue.client.place_order(request)
    except OrderRejected:
        return  # the exchange refused it (one-way account); a NotSupported would fail here
    else:
        assert placed.client_order_id == request.client_order_id
        await venue.client.cancel_order(venue.symbol, order_id=placed.order_id)


async def test_leverage_is_settable_only_when_declared(venue: Venue) -> None:
    if venue.client.capabilities.set_leverage and venue.is_derivative:
        await venue.client.set_leverage(venue.symbol, 3)
        positions = await venue.client.get_positions(venue.symbol)
        assert all(p.leverage in (None, Decimal(3)) for p in positions)
    elif not venue.client.capabilities.set_leverage:
        with pytest.raises(NotSupported):
            await venue.client.set_leverage(venue.symbol, 3)
