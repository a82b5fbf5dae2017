"""What the OKX emulator's REST and WebSocket sides share: listings, keys and row shapes.

Rows are written exactly as OKX writes them (fact sheet §3; OKD per-endpoint pages): every
number a string, ``""`` for "not set", sizes in contracts on swaps (``ctVal`` base units
each), fees negative when charged. The same order row serves ``GET trade/order``,
``orders-pending`` and the ``orders`` channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from exchangekit.models import (
    Balance,
    Fill,
    Instrument,
    MarketKind,
    Order,
    OrderStatus,
    Position,
    Side,
    TimeInForce,
)

__all__ = [
    "OkxCredentials",
    "Listing",
    "Payload",
    "balance_row",
    "fill_row",
    "order_row",
    "plain",
    "position_row",
]

Payload = dict[str, Any]
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class OkxCredentials:
    """An API key the emulator accepts and the simulated account it trades for."""

    api_key: str
    api_secret: str
    passphrase: str
    account: str


def plain(value: Decimal | None) -> str:
    """A decimal as OKX writes it: plain notation, no trailing zeros (``""`` when unset)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True, slots=True)
class Listing:
    """One instrument as OKX lists it: its ``instId``, ``instType`` and contract value."""

    symbol: str
    inst_id: str
    instrument: Instrument

    @property
    def swap(self) -> bool:
        return self.instrument.kind is not MarketKind.SPOT

    @property
    def inst_type(self) -> str:
        return "SWAP" if self.swap else "SPOT"

    @property
    def ct_val(self) -> Decimal:
        return self.instrument.contract_size if self.swap else Decimal(1)

    def sz(self, base: Decimal | None) -> str:
        """A base quantity as OKX's ``sz`` (contracts on swaps)."""
        if base is None:
            return ""
        return plain(base / self.ct_val if self.swap else base)

    def to_base(self, sz: Decimal) -> Decimal:
        return sz * self.ct_val if self.swap else sz

    def row(self) -> Payload:
        """The ``public/instruments`` row."""
        inst = self.instrument
        unit = self.ct_val
        common: Payload = {
            "instType": self.inst_type,
            "instId": self.inst_id,
            "uly": "",
            "instFamily": "",
            "baseCcy": "",
            "quoteCcy": "",
            "settleCcy": "",
            "ctVal": "",
            "ctMult": "",
            "ctValCcy": "",
            "ctType": "",
            "tickSz": plain(inst.tick_size),
            "lotSz": plain(inst.step_size / unit),
            "minSz": plain(inst.min_quantity / unit),
            "maxLmtSz": plain((inst.max_quantity or Decimal(10**8)) / unit),
            "maxMktSz": plain(
                (inst.market_max_quantity or inst.max_quantity or Decimal(10**6)) / unit
            ),
            "lever": "",
            "listTime": "1548133413000",
            "expTime": "",
            "state": "live" if inst.active else "suspend",
        }
        if self.swap:
            family = f"{inst.base}-{inst.quote}"
            common.update(
                uly=family,
                instFamily=family,
                settleCcy=inst.settle or inst.quote,
                ctVal=plain(unit),
                ctMult="1",
                ctValCcy=inst.base,
                ctType="linear",
                lever="125",
            )
        else:
            common.update(baseCcy=inst.base, quoteCcy=inst.quote)
        return common


_ORD_STATE = {
    OrderStatus.OPEN: "live",
    OrderStatus.PARTIALLY_FILLED: "partially_filled",
    OrderStatus.FILLED: "filled",
    OrderStatus.CANCELLED: "canceled",
    OrderStatus.EXPIRED: "canceled",
    OrderStatus.REJECTED: "canceled",
}


def ord_type(order: Order) -> str:
    """OKX's ``ordType``, time in force folded in."""
    if not order.type.has_limit_price:  # market, and a triggered stop-market
        return "market"
    if order.post_only:
        return "post_only"
    return {TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok"}.get(
        order.time_in_force or TimeInForce.GTC, "limit"
    )


def _side(side: Side) -> str:
    return "buy" if side is Side.BUY else "sell"


def order_row(
    listing: Listing, order: Order, *, fee: Decimal = ZERO, fee_ccy: str = "", lever: str = ""
) -> Payload:
    """The order as ``GET trade/order`` writes it (``fee`` is the cost, written negative)."""
    created = str(order.created_ms or 0)
    return {
        "instType": listing.inst_type,
        "instId": listing.inst_id,
        "tgtCcy": "",
        "ccy": "",
        "ordId": order.order_id,
        "clOrdId": order.client_order_id or "",
        "tag": "",
        "px": plain(order.price) if order.type.has_limit_price else "",
        "sz": listing.sz(order.quantity),
        "pnl": "0",
        "ordType": ord_type(order),
        "side": _side(order.side),
        "posSide": "net" if listing.swap else "",
        "tdMode": "cross" if listing.swap else "cash",
        "accFillSz": listing.sz(order.filled_quantity),
        "fillPx": "",
        "tradeId": "",
        "fillSz": "0",
        "fillTime": "",
        "avgPx": plain(order.average_fill_price) if order.average_fill_price else "",
        "state": _ORD_STATE.get(order.status, "live"),
        "lever": lever,
        "feeCcy": fee_ccy,
        "fee": plain(-fee) if fee else "0",
        "rebateCcy": "",
        "rebate": "0",
        "category": "normal",
        "reduceOnly": "true" if order.reduce_only else "false",
        "cancelSource": "",
        "uTime": str(order.updated_ms or order.created_ms or 0),
        "cTime": created,
    }


def fill_row(listing: Listing, fill: Fill, bill_id: str) -> Payload:
    """One ``trade/fills`` row (``fee`` negative when charged)."""
    return {
        "instType": listing.inst_type,
        "instId": listing.inst_id,
        "tradeId": fill.trade_id,
        "ordId": fill.order_id,
        "clOrdId": fill.client_order_id or "",
        "billId": bill_id,
        "tag": "",
        "fillPx": plain(fill.price),
        "fillSz": listing.sz(fill.quantity),
        "side": _side(fill.side),
        "posSide": "net" if listing.swap else "",
        "execType": "M" if fill.is_maker else "T",
        "feeCcy": fill.fee_asset or listing.instrument.quote,
        "fee": plain(-fill.fee),
        "ts": str(fill.timestamp_ms),
        "fillTime": str(fill.timestamp_ms),
    }


def balance_row(balances: list[Balance], upl: dict[str, Decimal], now_ms: int) -> Payload:
    """The one ``account/balance`` row: ``details`` per asset held."""
    details = []
    total_eq = ZERO
    for b in balances:
        total = b.total if b.total is not None else b.free + b.locked
        if not total and not b.free and not b.locked:
            continue
        unrealized = upl.get(b.asset, ZERO)
        eq = total + unrealized
        total_eq += eq if b.asset in ("USDT", "USDC", "USD") else ZERO
        details.append(
            {
                "ccy": b.asset,
                "eq": plain(eq),
                "cashBal": plain(total),
                "availBal": plain(b.free),
                "availEq": plain(b.free + unrealized) if unrealized else plain(b.free),
                "frozenBal": plain(b.locked),
                "ordFrozen": plain(b.locked),
                "upl": plain(unrealized),
                "eqUsd": "",
                "uTime": str(now_ms),
            }
        )
    return {"totalEq": plain(total_eq), "uTime": str(now_ms), "details": details}


def position_row(listing: Listing, position: Position, pos_id: str, now_ms: int) -> Payload:
    """One ``account/positions`` row in net mode: ``pos`` signed, in contracts."""
    signed = position.signed_quantity
    return {
        "instType": listing.inst_type,
        "instId": listing.inst_id,
        "mgnMode": "cross",
        "posId": pos_id,
        "posSide": "net",
        "pos": listing.sz(signed),
        "ccy": listing.instrument.settle or listing.instrument.quote,
        "avgPx": plain(position.entry_price) if position.quantity else "",
        "markPx": plain(position.mark_price),
        "upl": plain(position.unrealized_pnl or ZERO),
        "realizedPnl": plain(position.realized_pnl or ZERO),
        "lever": plain(position.leverage),
        "liqPx": plain(position.liquidation_price) if position.liquidation_price else "",
        "cTime": str(position.timestamp_ms or now_ms),
        "uTime": str(position.timestamp_ms or now_ms),
    }
