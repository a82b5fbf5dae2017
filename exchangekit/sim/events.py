"""What the simulated exchange reports: typed events, and the append-only record.

Two families:

- **Account events** (:class:`OrderEvent`, :class:`FillEvent`, :class:`BalanceEvent`,
  :class:`PositionEvent`, :class:`DepositEvent`, :class:`FundingEvent`,
  :class:`LeverageEvent`, :class:`RejectionEvent`) carry a ``seq`` (gapless, from 1) and an
  ``account``. Every one is appended to :class:`Record`, the ground truth tests replay.
- **Market events** (:class:`TradeEvent`, :class:`BookDeltaEvent`, :class:`MarketTickEvent`)
  go to subscribers only. Book deltas carry Binance-style update ids: ``first_update_id``
  (``U``), ``last_update_id`` (``u``) and ``prev_update_id`` (``pu``), with
  ``first_update_id == prev_update_id + 1`` always.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import IO, TypeVar, overload

import msgspec

from exchangekit.models import Balance, Fill, Order, OrderRequest, Position, PriceLevel, Trade

__all__ = [
    "AccountEvent",
    "BalanceEvent",
    "BookDeltaEvent",
    "DepositEvent",
    "FillEvent",
    "FundingEvent",
    "LeverageEvent",
    "MarketEvent",
    "MarketTickEvent",
    "OrderEvent",
    "OrderEventKind",
    "PositionEvent",
    "Record",
    "RecordedEvent",
    "RejectionEvent",
    "SimEvent",
    "TradeEvent",
]


class OrderEventKind(StrEnum):
    """Why an order changed (Binance's execution type, in our words)."""

    NEW = "new"
    TRADE = "trade"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    TRIGGERED = "triggered"


class SimEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="event"):
    """Base of every event: the simulated time it happened at."""

    timestamp_ms: int


class AccountEvent(SimEvent, frozen=True, kw_only=True):
    """An event of one account; recorded, with a gapless sequence number."""

    seq: int
    account: str


class OrderEvent(AccountEvent, frozen=True, kw_only=True, tag="order"):
    """An order was accepted, traded, triggered, cancelled or expired.

    ``order`` is the state after the change; ``fill`` is the execution of a ``trade`` event.
    """

    kind: OrderEventKind
    order: Order
    fill: Fill | None = None
    reason: str | None = None


class FillEvent(AccountEvent, frozen=True, kw_only=True, tag="fill"):
    """One execution. For derivatives, ``position_before``/``position_after`` are the signed
    position quantities around it; ``liquidation`` marks a forced close by the exchange."""

    fill: Fill
    reduce_only: bool = False
    position_before: Decimal | None = None
    position_after: Decimal | None = None
    liquidation: bool = False


class BalanceEvent(AccountEvent, frozen=True, kw_only=True, tag="balance"):
    """Balances of the assets that changed in one operation."""

    balances: list[Balance]


class PositionEvent(AccountEvent, frozen=True, kw_only=True, tag="position"):
    """A position changed (``quantity`` 0 means it was closed)."""

    position: Position


class DepositEvent(AccountEvent, frozen=True, kw_only=True, tag="deposit"):
    """Funds entered the account from outside the simulation."""

    asset: str
    amount: Decimal


class FundingEvent(AccountEvent, frozen=True, kw_only=True, tag="funding"):
    """A funding payment: ``amount`` is credited (negative: debited) in ``asset``."""

    symbol: str
    asset: str
    rate: Decimal
    mark_price: Decimal
    position_quantity: Decimal
    amount: Decimal


class LeverageEvent(AccountEvent, frozen=True, kw_only=True, tag="leverage"):
    """The account's leverage on ``symbol`` changed."""

    symbol: str
    leverage: Decimal


class RejectionEvent(AccountEvent, frozen=True, kw_only=True, tag="rejection"):
    """A request was refused; nothing else changed. ``error`` is the exception class name."""

    request: OrderRequest
    error: str
    message: str


class MarketEvent(SimEvent, frozen=True, kw_only=True):
    """A public market-data event of one symbol (not recorded)."""

    symbol: str


class TradeEvent(MarketEvent, frozen=True, kw_only=True, tag="trade"):
    """A public trade (``trade.side`` is the taker's side)."""

    trade: Trade


class BookDeltaEvent(MarketEvent, frozen=True, kw_only=True, tag="book_delta"):
    """Changed book levels, absolute quantities (0 removes the level)."""

    first_update_id: int
    last_update_id: int
    prev_update_id: int
    bids: list[PriceLevel]
    asks: list[PriceLevel]


class MarketTickEvent(MarketEvent, frozen=True, kw_only=True, tag="tick"):
    """The market of ``symbol`` moved one tick (read ticker, candles or book now)."""

    mark_price: Decimal
    last_price: Decimal | None


RecordedEvent = (
    OrderEvent
    | FillEvent
    | BalanceEvent
    | PositionEvent
    | DepositEvent
    | FundingEvent
    | LeverageEvent
    | RejectionEvent
)
"""Every event type the record holds."""

E = TypeVar("E", bound=AccountEvent)

_encoder = msgspec.json.Encoder(decimal_format="string")
_decoder = msgspec.json.Decoder(RecordedEvent)


class Record(Sequence[AccountEvent]):
    """The append-only list of every account event, in order. Tests use it as ground truth.

    Only the exchange appends; readers index, iterate, filter with :meth:`of` and export with
    :meth:`to_jsonl` (one JSON object per line, readable back with :meth:`read_jsonl`).
    """

    def __init__(self, events: Sequence[AccountEvent] = ()) -> None:
        self._events: list[AccountEvent] = list(events)

    def _append(self, event: AccountEvent) -> None:
        self._events.append(event)

    @overload
    def __getitem__(self, index: int) -> AccountEvent: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[AccountEvent]: ...

    def __getitem__(self, index: int | slice) -> AccountEvent | Sequence[AccountEvent]:
        return self._events[index]

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[AccountEvent]:
        return iter(self._events)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Record):
            return self._events == other._events
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def of(self, kind: type[E], *, account: str | None = None) -> list[E]:
        """Events of one type (optionally of one account), in order."""
        return [
            e
            for e in self._events
            if isinstance(e, kind) and (account is None or e.account == account)
        ]

    def encode(self) -> bytes:
        """The whole record as JSON lines."""
        return b"".join(_encoder.encode(e) + b"\n" for e in self._events)

    def to_jsonl(self, target: str | Path | IO[bytes]) -> None:
        """Write the record as JSON lines to a path or a binary stream."""
        data = self.encode()
        if isinstance(target, str | Path):
            Path(target).write_bytes(data)
        else:
            target.write(data)

    @classmethod
    def read_jsonl(cls, source: str | Path | bytes) -> Record:
        """Read a record written by :meth:`to_jsonl` (a path, or the bytes themselves)."""
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        return cls([_decoder.decode(line) for line in data.splitlines() if line.strip()])
