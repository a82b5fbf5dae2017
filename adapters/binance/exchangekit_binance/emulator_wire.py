"""What both sides of the Binance emulator share: the venue, listings, wire numbers, refusals.

A :class:`Venue` is one emulated market (spot or USDⓈ-M) over a simulated exchange; REST
handlers and WebSocket servers read it. The helpers here write numbers and enumerations the
way Binance does, and :class:`Refusal` is the ``{"code", "msg"}`` answer to a request.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from exchangekit.clock import Clock, SystemClock
from exchangekit.models import Instrument, Order, OrderStatus, OrderType, Position, Side
from exchangekit.sim import OrderEventKind, SimExchange
from exchangekit.testing.wire import EmulatorResponse

if TYPE_CHECKING:
    from exchangekit.testing.server import EmulatorServer

__all__ = [
    "LIQUIDATION_REASON",
    "STP_REASON",
    "EXEC_TYPE",
    "ZERO",
    "ApiCredentials",
    "Call",
    "Handlers",
    "Listing",
    "Market",
    "Payload",
    "Refusal",
    "Route",
    "Venue",
    "cumulative_quote",
    "dec8",
    "json_response",
    "mandatory",
    "places",
    "position_margin",
    "wire_side",
    "wire_status",
    "wire_tif",
    "wire_type",
]

Market = Literal["spot", "usdm"]
Route = Literal["spot", "public", "market", "private", "unrouted"]
Payload = dict[str, Any]

ZERO = Decimal(0)
_E8 = Decimal("1e-8")
_ID_ALPHABET = string.ascii_letters + string.digits
_NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")


# -- shared state ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiCredentials:
    """An API key the emulator accepts, and the simulated account it trades for.

    An HMAC key has its ``api_secret``; an RSA or Ed25519 key is registered with its
    ``public_key`` (PEM) instead, and signatures are checked against that.
    """

    api_key: str
    api_secret: str = field(repr=False)
    account: str
    public_key: str | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """One listed symbol: unified name, Binance id, filters and how its numbers are written.

    Spot writes every decimal with 8 places ("0.10000000"); futures write prices and
    quantities with the symbol's tick and step places ("60000.1", "0.001").
    """

    symbol: str
    wire: str
    instrument: Instrument
    market: Market

    @property
    def stream_id(self) -> str:
        return self.wire.lower()

    def price(self, value: Decimal | None) -> str:
        return places(value, self.instrument.tick_size) if self.market == "usdm" else dec8(value)

    def qty(self, value: Decimal | None) -> str:
        return places(value, self.instrument.step_size) if self.market == "usdm" else dec8(value)


@dataclass(eq=False)
class Venue:
    """What the REST and WebSocket sides of one emulated market share."""

    market: Market
    sim: SimExchange
    listings: dict[str, Listing]
    """By unified symbol."""
    credentials: dict[str, ApiCredentials]
    """By API key."""
    rng: random.Random
    interval_scale: float = 1.0
    funding_rates: dict[str, Decimal] = field(default_factory=dict)
    cancel_ids: dict[str, str] = field(default_factory=dict)
    """Order id -> the client id of the cancel request that is closing it (``c`` vs ``C``)."""
    algo_orders: set[str] = field(default_factory=set)
    """Futures: ids of conditional orders placed on the Algo endpoint and not yet triggered."""
    triggered_algos: dict[str, int] = field(default_factory=dict)
    """Futures: triggered conditional orders still working in the engine -> trigger time."""
    dual_side: set[str] = field(default_factory=set)
    """Futures: accounts in hedge mode (``dualSidePosition=true``); the others are one-way."""
    position_sides: dict[str, str] = field(default_factory=dict)
    """Futures: order id -> ``LONG``/``SHORT`` of orders placed in hedge mode (else BOTH)."""
    clock: Clock = field(default_factory=SystemClock)
    """The exchange's time (a :class:`~exchangekit.clock.ScaledClock` runs the market faster)."""
    server: EmulatorServer | None = None
    by_wire: dict[str, Listing] = field(init=False)

    def __post_init__(self) -> None:
        self.by_wire = {listing.wire: listing for listing in self.listings.values()}

    def now_ms(self) -> int:
        """The exchange clock (the server's, with any injected skew)."""
        if self.server is not None:
            return self.server.now_ms()
        return self.clock.now_ms()

    def new_client_id(self) -> str:
        """An id like the 22 characters Binance makes up when the client sends none."""
        return "".join(self.rng.choice(_ID_ALPHABET) for _ in range(22))

    def new_listen_key(self) -> str:
        return "".join(self.rng.choice(_ID_ALPHABET) for _ in range(64))


# -- numbers and enumerations on the wire ------------------------------------------------------


def dec8(value: Decimal | None) -> str:
    """Spot's fixed 8 places."""
    return format((value or ZERO).quantize(_E8), "f")


def places(value: Decimal | None, unit: Decimal) -> str:
    exponent = unit.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format((value or ZERO).quantize(Decimal(1).scaleb(-places)), "f")


_SPOT_TYPE = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_MARKET: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
}
_USDM_TYPE = {
    OrderType.LIMIT: "LIMIT",
    OrderType.MARKET: "MARKET",
    OrderType.STOP_MARKET: "STOP_MARKET",
    OrderType.STOP_LIMIT: "STOP",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT_MARKET",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT",
}
_STATUS = {
    OrderStatus.PENDING: "NEW",
    OrderStatus.OPEN: "NEW",
    OrderStatus.PARTIALLY_FILLED: "PARTIALLY_FILLED",
    OrderStatus.FILLED: "FILLED",
    OrderStatus.CANCELLED: "CANCELED",
    OrderStatus.REJECTED: "REJECTED",
    OrderStatus.EXPIRED: "EXPIRED",
    OrderStatus.UNKNOWN: "NEW",
}
EXEC_TYPE = {
    OrderEventKind.NEW: "NEW",
    OrderEventKind.TRADE: "TRADE",
    OrderEventKind.CANCELLED: "CANCELED",
    OrderEventKind.EXPIRED: "EXPIRED",
}
STP_REASON = "self-trade prevention"
LIQUIDATION_REASON = "liquidation"


def wire_side(side: Side) -> str:
    return "BUY" if side is Side.BUY else "SELL"


def wire_type(order: Order, market: Market) -> str:
    if market == "spot":
        return "LIMIT_MAKER" if order.post_only else _SPOT_TYPE[order.type]
    return _USDM_TYPE[order.type]


def wire_tif(order: Order, market: Market) -> str:
    """Binance reports GTC for market and LIMIT_MAKER orders; GTX is futures' post-only."""
    if market == "usdm" and order.post_only:
        return "GTX"
    if order.time_in_force is None or not order.type.has_limit_price:
        return "GTC"
    return order.time_in_force.value.upper()


def wire_status(order: Order, reason: str | None = None) -> str:
    if order.status is OrderStatus.EXPIRED and reason and reason.startswith(STP_REASON):
        return "EXPIRED_IN_MATCH"
    return _STATUS[order.status]


def cumulative_quote(order: Order) -> Decimal:
    if order.average_fill_price is None or not order.filled_quantity:
        return ZERO
    return order.average_fill_price * order.filled_quantity


def position_margin(position: Position) -> Decimal:
    """Isolated margin of a sim position (``size * entry / leverage``), as Binance reports it."""
    if not position.quantity or position.entry_price is None or not position.leverage:
        return ZERO
    return position.quantity * position.entry_price / position.leverage


def mandatory(name: str) -> str:
    return f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."


class Refusal(Exception):
    """Binance's ``{"code", "msg"}`` answer to a request it will not act on."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status

    def response(self) -> EmulatorResponse:
        return json_response({"code": self.code, "msg": self.msg}, self.status)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> EmulatorResponse:
    return EmulatorResponse(status=status, body=msgspec.json.encode(data), headers=headers or {})


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated REST call: its parameters and the account it acts for."""

    params: Mapping[str, str]
    account: str

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.params.get(name)
        if value in (None, ""):
            if required:
                raise Refusal(-1102, mandatory(name))
            return None
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not _NUMBER.match(value):
            raise Refusal(
                -1100,
                f"Illegal characters found in parameter '{name}'; legal range is "
                "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
            )
        return Decimal(value)

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise Refusal(-1100, f"Illegal characters found in parameter '{name}'.") from None

    def flag(self, name: str) -> bool:
        value = (self.text(name) or "false").lower()
        if value not in ("true", "false"):
            raise Refusal(-1130, f"Data sent for parameter '{name}' is not valid.")
        return value == "true"


class Handlers:
    """Base of the REST handler groups: the venue, and the ``symbol`` parameter."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    @property
    def sim(self) -> SimExchange:
        return self.venue.sim

    @property
    def market(self) -> Market:
        return self.venue.market

    def listing(self, call: Call) -> Listing:
        """The listing named by the mandatory ``symbol`` (-1121 when unknown)."""
        wire = call.text("symbol", required=True)
        listing = self.venue.by_wire.get(wire or "")
        if listing is None:
            raise Refusal(-1121, "Invalid symbol.")
        return listing

    def maybe_listing(self, call: Call) -> Listing | None:
        """The listing named by an optional ``symbol``."""
        return self.listing(call) if call.text("symbol") else None
