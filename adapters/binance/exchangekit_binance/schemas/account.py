"""Binance account wire structs: balances, positions, leverage and position mode."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchangekit_binance.schemas.common import PositionSide, _Wire

__all__ = [
    "LeverageResponse",
    "PositionMode",
    "SpotAccount",
    "SpotAssetBalance",
    "UsdmAccount",
    "UsdmAccountAsset",
    "UsdmAccountPosition",
    "UsdmBalance",
    "UsdmPositionRisk",
]


class SpotAssetBalance(_Wire):
    """One ``balances[]`` row of the spot account."""

    asset: str
    free: Decimal
    locked: Decimal


class SpotAccount(_Wire):
    """``GET /api/v3/account``."""

    balances: list[SpotAssetBalance]
    updateTime: int | None = None
    accountType: str = "SPOT"
    canTrade: bool = True


class UsdmPositionRisk(_Wire):
    """``GET /fapi/v3/positionRisk`` row (v3 dropped ``leverage`` and ``marginType``)."""

    symbol: str
    positionSide: PositionSide
    positionAmt: Decimal
    entryPrice: Decimal
    markPrice: Decimal
    unRealizedProfit: Decimal
    liquidationPrice: Decimal
    updateTime: int
    breakEvenPrice: Decimal | None = None
    isolatedMargin: Decimal | None = None
    notional: Decimal | None = None
    marginAsset: str | None = None
    isolatedWallet: Decimal | None = None
    initialMargin: Decimal | None = None
    maintMargin: Decimal | None = None
    positionInitialMargin: Decimal | None = None
    openOrderInitialMargin: Decimal | None = None
    adl: int | None = None
    bidNotional: Decimal | None = None
    askNotional: Decimal | None = None


class UsdmBalance(_Wire):
    """``GET /fapi/v3/balance`` row."""

    asset: str
    balance: Decimal
    crossWalletBalance: Decimal
    crossUnPnl: Decimal
    availableBalance: Decimal
    maxWithdrawAmount: Decimal
    accountAlias: str | None = None
    marginAvailable: bool | None = None
    updateTime: int | None = None


class UsdmAccountAsset(_Wire):
    """One ``assets[]`` row of ``/fapi/v3/account``."""

    asset: str
    walletBalance: Decimal
    unrealizedProfit: Decimal
    marginBalance: Decimal
    availableBalance: Decimal
    initialMargin: Decimal = Decimal(0)
    maintMargin: Decimal = Decimal(0)
    crossWalletBalance: Decimal | None = None
    crossUnPnl: Decimal | None = None
    maxWithdrawAmount: Decimal | None = None
    updateTime: int | None = None


class UsdmAccountPosition(_Wire):
    """One ``positions[]`` row of ``/fapi/v3/account``."""

    symbol: str
    positionSide: PositionSide
    positionAmt: Decimal
    unrealizedProfit: Decimal
    isolatedMargin: Decimal | None = None
    notional: Decimal | None = None
    isolatedWallet: Decimal | None = None
    initialMargin: Decimal | None = None
    maintMargin: Decimal | None = None
    updateTime: int | None = None


class UsdmAccount(_Wire):
    """``GET /fapi/v3/account``."""

    assets: list[UsdmAccountAsset]
    positions: list[UsdmAccountPosition] = msgspec.field(default_factory=list)
    totalWalletBalance: Decimal | None = None
    totalUnrealizedProfit: Decimal | None = None
    totalMarginBalance: Decimal | None = None
    availableBalance: Decimal | None = None


class LeverageResponse(_Wire):
    """``POST /fapi/v1/leverage``."""

    symbol: str
    leverage: int
    maxNotionalValue: str | None = None


class PositionMode(_Wire):
    """``GET /fapi/v1/positionSide/dual``: true means hedge mode."""

    dualSidePosition: bool
