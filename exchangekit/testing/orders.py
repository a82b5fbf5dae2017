"""Orders for tests: requests shaped so that a test knows what the market will do with them."""

from __future__ import annotations

from decimal import Decimal

from exchangekit.models import OrderRequest, OrderType, Side
from exchangekit.protocols import ExchangeClient

__all__ = ["crossing_buy", "resting_buy"]


async def resting_buy(
    client: ExchangeClient,
    symbol: str,
    *,
    below: Decimal = Decimal("0.9"),
    notional: Decimal = Decimal(200),
) -> OrderRequest:
    """A limit buy at ``below`` times the best bid, worth a little over ``notional`` quote.

    Far enough under the market that it rests until cancelled (the default: 10 % under),
    and large enough to clear the usual minimum order value. Price and quantity are
    rounded to the instrument's tick and step.
    """
    instrument = (await client.load_instruments())[symbol]
    ticker = await client.get_ticker(symbol)
    if ticker.bid is None:
        raise ValueError(f"{symbol}: no bid to rest under")
    price = instrument.round_price(ticker.bid * below, mode="down")
    quantity = instrument.floor_quantity(notional / price) + instrument.step_size
    return OrderRequest(
        symbol=symbol, side=Side.BUY, type=OrderType.LIMIT, quantity=quantity, price=price
    )


async def crossing_buy(client: ExchangeClient, symbol: str) -> tuple[OrderRequest, Decimal]:
    """A limit buy at the best ask for twice the size shown there, and that size.

    On a market that does not move meanwhile (an emulator started with a long ``tick_ms``)
    it takes the whole best level at once and rests, partly filled, for the rest.
    """
    instrument = (await client.load_instruments())[symbol]
    best_ask, ask_size = (await client.get_order_book(symbol, 5)).asks[0]
    request = OrderRequest(
        symbol=symbol,
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=instrument.floor_quantity(ask_size * 2),
        price=best_ask,
    )
    return request, ask_size
