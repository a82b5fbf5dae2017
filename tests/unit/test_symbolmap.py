from decimal import Decimal

import pytest

from exchangekit import Instrument, MappingError, MarketKind, NotSupported
from exchangekit.symbolmap import SymbolMap

PERP = Instrument(symbol="BTC/USDT:USDT", exchange_symbol="BTCUSDT", base="BTC", quote="USDT",
                  settle="USDT", kind=MarketKind.PERPETUAL, tick_size=Decimal("0.1"),
                  step_size=Decimal("0.001"))


def test_maps_both_ways_and_keeps_instruments_and_settle() -> None:
    symbols = SymbolMap.from_instruments([PERP])
    assert symbols.unified("BTCUSDT") == "BTC/USDT:USDT"
    assert symbols.exchange("BTC/USDT:USDT") == "BTCUSDT"
    assert symbols.instrument("BTC/USDT:USDT") is PERP
    assert symbols.settle("BTCUSDT") == "USDT"
    assert "BTC/USDT:USDT" in symbols and len(symbols) == 1


def test_unknown_id_is_drift_and_unknown_symbol_is_not_supported() -> None:
    symbols = SymbolMap([("BTC/USDT", "BTCUSDT")])
    with pytest.raises(MappingError) as info:
        symbols.unified("XYZ", path="$.s", raw={"s": "XYZ"})
    assert info.value.path == "$.s" and info.value.raw == {"s": "XYZ"}
    with pytest.raises(NotSupported):
        symbols.exchange("ETH/USDT")
