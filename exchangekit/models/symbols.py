"""Unified symbols, in the convention ccxt users already know.

============================  ==========================================
``BTC/USDT``                  spot
``BTC/USDT:USDT``             linear perpetual, settled in USDT
``BTC/USD:BTC``               inverse perpetual, settled in BTC
``BTC/USDT:USDT-261225``      dated future expiring 2026-12-25 (YYMMDD)
``BTC/USD:BTC-261225-50000-C``  option: expiry, strike, C or P
============================  ==========================================

Adapters map these to and from their own ids at their boundary and nowhere else.
"""

import re
from decimal import Decimal, InvalidOperation

import msgspec

from exchangekit.models.enums import MarketKind

__all__ = ["Symbol", "format_symbol", "parse_symbol"]

# Letters and digits of any script (Binance lists assets such as 币安人生), then also . and _.
_ASSET = r"[^\W_][\w.]*"
_SYMBOL_RE = re.compile(
    rf"^(?P<base>{_ASSET})/(?P<quote>{_ASSET})"
    rf"(?::(?P<settle>{_ASSET})"
    r"(?:-(?P<expiry>\d{6})(?:-(?P<strike>\d+(?:\.\d+)?)-(?P<otype>[CP]))?)?)?$"
)


class Symbol(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """A parsed unified symbol."""

    base: str
    quote: str
    settle: str | None = None
    expiry: str | None = None
    """Expiry date as ``YYMMDD`` for dated futures and options."""
    strike: Decimal | None = None
    option_type: str | None = None
    """``"C"`` or ``"P"`` for options."""

    @property
    def kind(self) -> MarketKind:
        if self.settle is None:
            return MarketKind.SPOT
        if self.option_type is not None:
            return MarketKind.OPTION
        if self.expiry is not None:
            return MarketKind.FUTURE
        return MarketKind.PERPETUAL

    @property
    def is_inverse(self) -> bool:
        """True when the contract settles in the base asset (``BTC/USD:BTC``)."""
        return self.settle is not None and self.settle == self.base

    @property
    def is_linear(self) -> bool:
        return self.settle is not None and self.settle != self.base

    def __str__(self) -> str:
        return format_symbol(
            self.base,
            self.quote,
            settle=self.settle,
            expiry=self.expiry,
            strike=self.strike,
            option_type=self.option_type,
        )


def parse_symbol(text: str) -> Symbol:
    """Parse a unified symbol; raise ``ValueError`` naming the input when it is not one."""
    match = _SYMBOL_RE.match(text)
    if match is None:
        raise ValueError(
            f"not a unified symbol: {text!r} (expected BASE/QUOTE, BASE/QUOTE:SETTLE, "
            "BASE/QUOTE:SETTLE-YYMMDD or BASE/QUOTE:SETTLE-YYMMDD-STRIKE-C|P)"
        )
    expiry = match["expiry"]
    if expiry is not None:
        month, day = int(expiry[2:4]), int(expiry[4:6])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            raise ValueError(f"bad expiry date {expiry!r} in symbol {text!r}")
    strike: Decimal | None = None
    if match["strike"] is not None:
        try:
            strike = Decimal(match["strike"])
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
            raise ValueError(f"bad strike in symbol {text!r}") from exc
    return Symbol(
        base=match["base"].upper(),
        quote=match["quote"].upper(),
        settle=match["settle"].upper() if match["settle"] else None,
        expiry=expiry,
        strike=strike,
        option_type=match["otype"],
    )


def format_symbol(
    base: str,
    quote: str,
    *,
    settle: str | None = None,
    expiry: str | None = None,
    strike: Decimal | None = None,
    option_type: str | None = None,
) -> str:
    """Build a unified symbol from its parts (the inverse of :func:`parse_symbol`)."""
    text = f"{base.upper()}/{quote.upper()}"
    if settle is None:
        if expiry or strike is not None or option_type:
            raise ValueError("expiry, strike and option type need a settle asset")
        return text
    text += f":{settle.upper()}"
    if expiry is not None:
        text += f"-{expiry}"
        if option_type is not None:
            if strike is None:
                raise ValueError("an option symbol needs a strike")
            text += f"-{_plain(strike)}-{option_type}"
    elif strike is not None or option_type:
        raise ValueError("an option symbol needs an expiry")
    return text


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text
