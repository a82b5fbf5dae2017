"""Balances, positions and rate-limit usage parse and agree with what was done."""

from __future__ import annotations

import pytest

from contract_tests.venues import Venue
from exchangekit import NotSupported, PositionSide


async def test_balances_parse(venue: Venue) -> None:
    balances = await venue.client.get_balances()
    assert balances, "a test account holds something"
    assets = [b.asset for b in balances]
    assert len(set(assets)) == len(assets)
    for b in balances:
        assert b.asset and b.asset == b.asset.upper()
        assert b.free >= 0 and b.locked >= 0
        assert b.total is not None and b.total >= 0


async def test_positions_parse_or_are_honestly_unsupported(venue: Venue) -> None:
    if not venue.client.capabilities.positions:
        with pytest.raises(NotSupported):
            await venue.client.get_positions()
        return
    for p in await venue.client.get_positions():
        assert p.quantity > 0
        assert p.side in (PositionSide.LONG, PositionSide.SHORT)


@pytest.mark.wire
async def test_rate_limit_usage_is_read_from_the_exchange(venue: Venue) -> None:
    usage_of = getattr(venue.client, "rate_limit_usage", None)
    assert venue.server is not None
    assert usage_of is not None, "adapters served over HTTP expose rate_limit_usage()"
    await venue.client.get_ticker(venue.symbol)
    await venue.client.get_order_book(venue.symbol, 20)
    usage = usage_of()
    assert usage, "no pools reported"
    assert any(u.used > 0 for u in usage.values())
    for u in usage.values():
        assert u.used >= 0 and u.remaining <= u.limit
    # What the client believes matches what the exchange reported in its headers.
    reported = {pool.name: venue.server.quota.usage(pool) for pool in venue.server.dialect.pools()}
    for name, used in reported.items():
        if name in usage and used:
            assert usage[name].used >= used
