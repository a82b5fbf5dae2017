"""The Bybit emulator's wire vocabulary: listings, the shared venue, and the rows that REST
answers and private topics share (orders, executions, positions, the unified wallet).

Field names and formats follow BYD docs/v5 (order/open-order.mdx, order/execution.mdx,
position/position.mdx, account/wallet-balance.mdx): numbers as strings, timestamps as
strings of digits on REST rows, ``""`` where a value does not apply.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from exchangekit.models import Balance, Fill, Instrument, Order, OrderStatus, Position, Side
from exchangekit.sim import SimExchange

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer

__all__ = [
    "ApiCredentials",
    "Category",
    "Listing",
    "Payload",
    "Venue",
    "execution_row",
    "num",
    "order_row",
    "position_row",
    "wallet_account",
]

Category = Literal["spot", "linear"]
Payload = dict[str, Any]
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    """An API key the emulator accepts, and the sim account it trades for."""

    api_key: str
    api_secret: str
    account: str

    def __repr__(self) -> str:
        return f"ApiCredentials({self.api_key[:4]}..., account={self.account!r})"


@dataclass(frozen=True, slots=True)
class Listing:
    """A simulated market as Bybit lists it."""

    symbol: str
    wire: str
    category: Category
    instrument: Instrument

    def price(self, value: Decimal | None) -> str:
        return _places(value, self.instrument.tick_size)

    def qty(self, value: Decimal | None) -> str:
        return _places(value, self.instrument.step_size)


def num(value: Decimal | None) -> str:
    """A decimal in plain notation without trailing zeros (``""`` for ``None``)."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _places(value: Decimal | None, unit: Decimal) -> str:
    if value is None:
        return ""
    exponent = unit.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return f"{value:.{places}f}"


@dataclass
class Venue:
    """What every part of the dialect shares: the sim, the listings, keys, the clock."""

    sim: SimExchange
    listings: dict[tuple[Category, str], Listing]
    """By ``(category, Bybit symbol)``."""
    credentials: dict[str, ApiCredentials]
    interval_scale: float = 1.0
    restart_every: int = 0
    """Send a ``u == 1`` book snapshot (a service restart) every N deltas of a topic; 0: never."""
    server: EmulatorServer | None = None
    triggered: set[str] = field(default_factory=set)
    """Conditional orders that have triggered (Bybit: ``Untriggered`` until then)."""
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000_000))

    def now_ms(self) -> int:
        if self.server is not None:
            return self.server.now_ms()
        return self.sim.now_ms

    def by_symbol(self, symbol: str) -> Listing | None:
        return next((x for x in self.listings.values() if x.symbol == symbol), None)


# -- wire rows shared by REST and the private topics -----------------------------------------


def _status(order: Order, venue: Venue, category: Category) -> str:
    status = order.status
    conditional = order.type.is_conditional and order.order_id not in venue.triggered
    if status is OrderStatus.OPEN:
        return "Untriggered" if conditional else "New"
    if status is OrderStatus.PARTIALLY_FILLED:
        return "PartiallyFilled"
    if status is OrderStatus.FILLED:
        return "Filled"
    if status is OrderStatus.REJECTED:
        return "Rejected"
    if conditional:
        return "Deactivated"  # cancelled before it triggered
    if category == "spot" and order.filled_quantity:
        return "PartiallyFilledCanceled"
    return "Cancelled"  # user cancels and IOC/FOK/market remainders alike


def _tif(order: Order) -> str:
    if not order.type.has_limit_price:
        return "IOC"  # Bybit runs market orders as IOC limits
    if order.post_only:
        return "PostOnly"
    return (order.time_in_force.value if order.time_in_force else "gtc").upper()


def _trigger_direction(order: Order) -> int:
    if not order.type.is_conditional:
        return 0
    take_profit = order.type.value.startswith("take_profit")
    return 1 if (order.side is Side.BUY) != take_profit else 2


def order_row(
    listing: Listing, order: Order, venue: Venue, *, reject_reason: str = "EC_NoError"
) -> Payload:
    """An order as ``/v5/order/realtime`` and the ``order`` topic show it."""
    filled = order.filled_quantity
    value = filled * (order.average_fill_price or ZERO)
    leaves = ZERO if order.status.is_terminal else (order.remaining_quantity or ZERO)
    spot = listing.category == "spot"
    stop_type = ""
    if order.type.is_conditional:
        stop_type = "tpslOrder" if spot else "Stop"
    return {
        "orderId": order.order_id,
        "orderLinkId": order.client_order_id or "",
        "blockTradeId": "",
        "symbol": listing.wire,
        "price": listing.price(order.price) if order.price is not None else "0",
        "qty": listing.qty(order.quantity),
        "side": "Buy" if order.side is Side.BUY else "Sell",
        "isLeverage": "0" if spot else "",
        "positionIdx": 0,
        "orderStatus": _status(order, venue, listing.category),
        "cancelType": "CancelByUser" if order.status is OrderStatus.CANCELLED else "UNKNOWN",
        "rejectReason": reject_reason,
        "avgPrice": num(order.average_fill_price) if filled else ("" if spot else "0"),
        "leavesQty": listing.qty(leaves),
        "leavesValue": num(leaves * (order.price or ZERO)),
        "cumExecQty": listing.qty(filled),
        "cumExecValue": num(value),
        "cumExecFee": "0",
        "timeInForce": _tif(order),
        "orderType": "Limit" if order.type.has_limit_price else "Market",
        "stopOrderType": stop_type,
        "triggerPrice": listing.price(order.stop_price) if order.stop_price else "0",
        "triggerDirection": _trigger_direction(order),
        "triggerBy": "LastPrice" if order.stop_price else "",
        "takeProfit": "",
        "stopLoss": "",
        "reduceOnly": order.reduce_only,
        "closeOnTrigger": False,
        "marketUnit": "baseCoin" if spot and not order.type.has_limit_price else "",
        "orderFilter": ("StopOrder" if order.type.is_conditional else "Order") if spot else "",
        "smpType": "None",
        "createdTime": str(order.created_ms or 0),
        "updatedTime": str(order.updated_ms or order.created_ms or 0),
    }


def execution_row(listing: Listing, fill: Fill, order: Order | None, seq: int) -> Payload:
    """A fill as ``/v5/execution/list`` and the ``execution`` topic show it.

    Spot names the fee coin; linear leaves ``feeCurrency`` empty (the settle coin pays).
    """
    spot = listing.category == "spot"
    value = fill.price * fill.quantity
    rate = fill.fee / value if value else ZERO
    return {
        "symbol": listing.wire,
        "orderId": fill.order_id,
        "orderLinkId": fill.client_order_id or "",
        "side": "Buy" if fill.side is Side.BUY else "Sell",
        "orderPrice": listing.price(order.price) if order and order.price else "0",
        "orderQty": listing.qty(order.quantity) if order else "0",
        "leavesQty": listing.qty(order.remaining_quantity) if order else "0",
        "orderType": "Limit" if order and order.type.has_limit_price else "Market",
        "stopOrderType": "UNKNOWN",
        "execFee": num(fill.fee),
        "feeCurrency": (fill.fee_asset or listing.instrument.quote) if spot else "",
        "feeRate": num(rate.quantize(Decimal("0.00000001"))),
        "execId": fill.trade_id,
        "execPrice": listing.price(fill.price),
        "execQty": listing.qty(fill.quantity),
        "execType": "Trade",
        "execValue": num(value),
        "execTime": str(fill.timestamp_ms),
        "isMaker": bool(fill.is_maker),
        "markPrice": "" if spot else listing.price(fill.price),
        "indexPrice": "",
        "underlyingPrice": "",
        "blockTradeId": "",
        "closedSize": "0",
        "seq": seq,
    }


def position_row(listing: Listing, position: Position, seq: int, now_ms: int) -> Payload:
    """A linear position as ``/v5/position/list`` shows it (one-way mode, ``positionIdx`` 0)."""
    size = position.quantity
    side = "" if not size else ("Buy" if position.side.value == "long" else "Sell")
    entry = position.entry_price or ZERO
    updated = str(position.timestamp_ms or now_ms)
    return {
        "positionIdx": 0,
        "riskId": 1,
        "riskLimitValue": "2000000",
        "symbol": listing.wire,
        "side": side,
        "size": listing.qty(size),
        "avgPrice": num(entry) if size else "0",
        "positionValue": num(size * entry),
        "tradeMode": 0,
        "autoAddMargin": 0,
        "positionStatus": "Normal",
        "leverage": num(position.leverage),
        "markPrice": listing.price(position.mark_price),
        "liqPrice": listing.price(position.liquidation_price) if size else "",
        "bustPrice": "",
        "positionIM": "0",
        "positionMM": "0",
        "takeProfit": "0",
        "stopLoss": "0",
        "trailingStop": "0",
        "unrealisedPnl": num(position.unrealized_pnl or ZERO),
        "curRealisedPnl": "0",
        "cumRealisedPnl": num(position.realized_pnl or ZERO),
        "adlRankIndicator": 0,
        "isReduceOnly": False,
        "createdTime": updated,
        "updatedTime": updated,
        "seq": seq,
    }


def wallet_account(balances: Iterable[Balance]) -> Payload:
    """The unified account as ``/v5/account/wallet-balance`` and the ``wallet`` topic show it.

    The simulator's locked amount (order reservations and position margin) is reported as
    ``locked``; the initial-margin fields stay zero so nothing is counted twice.
    """
    coins = []
    usdt = ZERO
    for b in balances:
        total = b.total if b.total is not None else b.free + b.locked
        if b.asset == "USDT":
            usdt = total
        coins.append(
            {
                "coin": b.asset,
                "equity": num(total),
                "usdValue": num(total) if b.asset in ("USDT", "USDC") else "",
                "walletBalance": num(total),
                "free": "",
                "locked": num(b.locked),
                "spotHedgingQty": "0",
                "borrowAmount": "0",
                "availableToWithdraw": num(b.free),
                "accruedInterest": "0",
                "totalOrderIM": "0",
                "totalPositionIM": "0",
                "totalPositionMM": "0",
                "unrealisedPnl": "0",
                "cumRealisedPnl": "0",
                "bonus": "0",
                "marginCollateral": True,
                "collateralSwitch": True,
            }
        )
    return {
        "accountType": "UNIFIED",
        "accountIMRate": "0",
        "accountMMRate": "0",
        "accountLTV": "0",
        "totalEquity": num(usdt),
        "totalWalletBalance": num(usdt),
        "totalMarginBalance": num(usdt),
        "totalAvailableBalance": num(usdt),
        "totalPerpUPL": "0",
        "totalInitialMargin": "0",
        "totalMaintenanceMargin": "0",
        "coin": coins,
    }
