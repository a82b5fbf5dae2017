"""The Binance emulator's futures position mode: one-way (``BOTH``) or hedge (``LONG``/``SHORT``).

``GET``/``POST /fapi/v1/positionSide/dual`` read and switch an account's mode, and every
order is checked against it with Binance's codes (BFD error-code page; Binance FAQ "Order's
position side does not match user's setting"):

- ``-4061`` "Order's position side does not match user's setting.": one-way mode with
  ``positionSide`` LONG/SHORT, or hedge mode without LONG/SHORT (missing or ``BOTH``);
- ``-1106`` "Parameter 'reduceonly' sent when not required.": ``reduceOnly`` sent at all in
  hedge mode (even ``false``; nautilus_trader #4231, go-binance #521);
- switching: ``-4059`` no change, ``-4067`` open orders, ``-4068`` an open position.

Limit of the emulation: the simulated exchange keeps one net position per symbol, so an
order accepted in hedge mode trades against the net position; its ``positionSide`` is
echoed on the order's REST answers, while positions are still reported as ``BOTH``.
"""

from __future__ import annotations

from exchangekit_binance.emulator_wire import Call, Payload, Refusal, Venue

__all__ = ["check_position_side", "position_mode", "set_position_mode"]

_SIDES = ("LONG", "SHORT")


def position_mode(venue: Venue, call: Call) -> Payload:
    """``GET /fapi/v1/positionSide/dual``."""
    return {"dualSidePosition": call.account in venue.dual_side}


def set_position_mode(venue: Venue, call: Call) -> Payload:
    """``POST /fapi/v1/positionSide/dual`` (``dualSidePosition`` "true"/"false")."""
    call.text("dualSidePosition", required=True)
    hedge = call.flag("dualSidePosition")
    if hedge == (call.account in venue.dual_side):
        raise Refusal(-4059, "No need to change position side.")
    if venue.sim.open_orders(call.account):
        raise Refusal(-4067, "Position side cannot be changed if there exists open orders.")
    if any(p.quantity for p in venue.sim.positions(call.account)):
        raise Refusal(-4068, "Position side cannot be changed if there exists position.")
    if hedge:
        venue.dual_side.add(call.account)
    else:
        venue.dual_side.discard(call.account)
    return {"code": 200, "msg": "success"}


def check_position_side(venue: Venue, call: Call) -> str:
    """The order's ``positionSide`` when it fits the account's mode, else Binance's refusal."""
    side = call.text("positionSide") or "BOTH"
    if side not in ("BOTH", *_SIDES):
        raise Refusal(-4060, "Invalid position side.")
    hedge = call.account in venue.dual_side
    if hedge != (side in _SIDES):
        raise Refusal(-4061, "Order's position side does not match user's setting.")
    if hedge and call.text("reduceOnly") is not None:
        raise Refusal(-1106, "Parameter 'reduceonly' sent when not required.")
    return side
