"""Small helpers the contract tests share: a safe order far from the market."""

from __future__ import annotations

from decimal import Decimal

from exchangekit import Instrument, OrderRequest, OrderType, Side, Ticker


def far_price(instrument: Instrument, ticker: Ticker, side: Side) -> Decimal:
    """A limit price far enough from the market never to fill, inside usual price bands."""
    reference = ticker.bid if side is Side.BUY else ticker.ask
    reference = reference or ticker.last
    assert reference is not None and reference > 0, f"no usable price in {ticker}"
    factor = Decimal("0.8") if side is Side.BUY else Decimal("1.2")
    return instrument.round_price(reference * factor, mode="down" if side is Side.BUY else "up")


def tiny_quantity(instrument: Instrument, price: Decimal) -> Decimal:
    """The smallest quantity that passes min quantity and min notional, with 20% headroom."""
    needed = max(instrument.min_quantity, instrument.min_notional * Decimal("1.2") / price)
    quantity = instrument.floor_quantity(needed)
    while quantity < needed or quantity <= 0:
        quantity += instrument.step_size
    return quantity


def resting_order(
    instrument: Instrument,
    ticker: Ticker,
    *,
    client_order_id: str | None = None,
    side: Side = Side.BUY,
) -> OrderRequest:
    price = far_price(instrument, ticker, side)
    request = OrderRequest(
        symbol=instrument.symbol,
        side=side,
        type=OrderType.LIMIT,
        quantity=tiny_quantity(instrument, price),
        price=price,
        client_order_id=client_order_id,
    )
    instrument.check_order(request)
    return request
