"""Orders, fills and order requests: states, ordType folding, contracts <-> base."""

from decimal import Decimal as D

import pytest
from exchangekit_okx import mappers as m
from exchangekit_okx import schemas as s

from exchangekit import OrderRequest, OrderStatus, OrderType, PositionSide, Side, TimeInForce
from exchangekit.errors import InvalidOrder, MappingError, NotSupported

from ._payloads import load, symbols

SYMBOLS = symbols()
ORDERS = s.Envelope[s.Order]


def test_spot_partial_fill_maps_sizes_prices_and_times() -> None:
    o = m.order(load("order_spot", ORDERS), SYMBOLS)
    assert (o.symbol, o.order_id, o.client_order_id) == (
        "BTC/USDT",
        "680800019749904384",
        "ek0123456789abcdef0123456789ab",
    )
    assert (o.side, o.type, o.time_in_force, o.status) == (
        Side.BUY,
        OrderType.LIMIT,
        TimeInForce.GTC,
        OrderStatus.PARTIALLY_FILLED,
    )
    assert (o.quantity, o.filled_quantity, o.remaining_quantity) == (
        D("0.002"),
        D("0.00192834"),
        D("0.00007166"),
    )
    assert (o.price, o.average_fill_price) == (D("51000"), D("51000"))
    assert (o.created_ms, o.updated_ms) == (1708587373300, 1708587373361)
    assert not o.reduce_only
    assert o.position_side is None  # OKX writes posSide "net" on spot rows too


def test_swap_orders_convert_contracts_to_base_and_fold_tif_into_ordtype() -> None:
    post, ioc = m.orders(load("orders_pending_swap", ORDERS), SYMBOLS)
    assert post.symbol == "BTC/USDT:USDT"
    assert (post.type, post.time_in_force, post.post_only) == (
        OrderType.LIMIT,
        TimeInForce.GTC,
        True,
    )
    assert (post.quantity, post.filled_quantity, post.remaining_quantity) == (
        D("1.50"),
        D("0.00"),
        D("1.50"),
    )
    assert post.average_fill_price is None  # avgPx ""
    assert post.reduce_only
    assert post.position_side is PositionSide.BOTH  # posSide net
    assert (ioc.time_in_force, ioc.position_side, ioc.client_order_id) == (
        TimeInForce.IOC,
        PositionSide.LONG,
        None,
    )
    assert (ioc.quantity, ioc.filled_quantity) == (D("0.025"), D("0.0125"))
    assert ioc.average_fill_price == D("49999.9")


def test_filled_market_order_has_no_price_and_nothing_remaining() -> None:
    o = m.order(load("order_swap_market_filled", ORDERS), SYMBOLS)
    assert (o.type, o.status, o.price, o.time_in_force) == (
        OrderType.MARKET,
        OrderStatus.FILLED,
        None,
        None,
    )
    assert (o.quantity, o.filled_quantity, o.remaining_quantity) == (D("0.03"), D("0.03"), 0)


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("live", OrderStatus.OPEN),
        ("partially_filled", OrderStatus.PARTIALLY_FILLED),
        ("filled", OrderStatus.FILLED),
        ("canceled", OrderStatus.CANCELLED),
        ("mmp_canceled", OrderStatus.CANCELLED),
    ],
)
def test_every_documented_state_maps(state: str, status: OrderStatus) -> None:
    envelope = load("order_spot", ORDERS)
    envelope.data[0].state = state
    assert m.order(envelope, SYMBOLS).status is status


def test_fills_flip_the_fee_sign_and_convert_swap_sizes() -> None:
    spot, swap = m.fills(load("fills", s.Envelope[s.Fill]), SYMBOLS)
    assert (spot.symbol, spot.trade_id, spot.order_id, spot.client_order_id) == (
        "BTC/USDT",
        "744876980",
        "680800019749904384",
        None,
    )
    assert (spot.price, spot.quantity, spot.fee, spot.fee_asset) == (
        D("51858"),
        D("0.00192834"),
        D("0.00000192834"),
        "BTC",
    )
    assert (spot.is_maker, spot.timestamp_ms) == (False, 1708587373361)
    assert swap.quantity == D("1.50")
    assert swap.fee == D("-0.156001")  # a maker rebate is a negative cost
    assert swap.is_maker


# -- requests ------------------------------------------------------------------------------


def req(**kw: object) -> OrderRequest:
    base: dict[str, object] = {
        "symbol": "BTC/USDT:USDT",
        "side": Side.BUY,
        "type": OrderType.LIMIT,
        "quantity": D("0.0123"),
        "price": D("51000.5"),
        "client_order_id": "ek0123456789abcdef0123456789ab",
    }
    return OrderRequest(**{**base, **kw})  # type: ignore[arg-type]


def test_swap_limit_order_sends_contracts_cross_mode_and_the_client_id() -> None:
    assert m.order_params(req(), SYMBOLS) == {
        "instId": "BTC-USDT-SWAP",
        "tdMode": "cross",
        "side": "buy",
        "ordType": "limit",
        "sz": "1.23",
        "px": "51000.5",
        "clOrdId": "ek0123456789abcdef0123456789ab",
    }


def test_trade_mode_is_configurable_for_swaps_and_cash_for_spot() -> None:
    assert m.order_params(req(), SYMBOLS, td_mode="isolated")["tdMode"] == "isolated"
    spot = req(symbol="BTC/USDT", quantity=D("0.0123"))
    assert m.order_params(spot, SYMBOLS)["tdMode"] == "cash"
    assert m.order_params(spot, SYMBOLS)["sz"] == "0.0123"
    with pytest.raises(NotSupported):
        m.order_params(spot, SYMBOLS, td_mode="cross")


def test_spot_market_orders_size_in_base_currency() -> None:
    params = m.order_params(
        req(symbol="BTC/USDT", type=OrderType.MARKET, price=None, quantity=D("0.5")), SYMBOLS
    )
    assert (params["ordType"], params["sz"], params["tgtCcy"]) == ("market", "0.5", "base_ccy")
    assert "px" not in params


@pytest.mark.parametrize(
    ("kw", "ord_type"),
    [
        ({}, "limit"),
        ({"post_only": True}, "post_only"),
        ({"time_in_force": TimeInForce.IOC}, "ioc"),
        ({"time_in_force": TimeInForce.FOK}, "fok"),
        ({"type": OrderType.MARKET, "price": None}, "market"),
        ({"type": OrderType.MARKET, "price": None, "time_in_force": TimeInForce.IOC}, "market"),
    ],
)
def test_time_in_force_and_post_only_fold_into_ordtype(
    kw: dict[str, object], ord_type: str
) -> None:
    assert m.order_params(req(**kw), SYMBOLS)["ordType"] == ord_type


def test_a_size_that_is_not_a_whole_lot_is_refused_not_rounded() -> None:
    with pytest.raises(InvalidOrder, match="lot size"):
        m.order_params(req(quantity=D("0.00015")), SYMBOLS)  # 0.015 contracts, lot 0.01


def test_reduce_only_in_net_mode_and_pos_side_in_hedge_mode() -> None:
    net = m.order_params(req(reduce_only=True, side=Side.SELL), SYMBOLS)
    assert net["reduceOnly"] is True
    assert "posSide" not in net
    hedge = m.order_params(req(position_side=PositionSide.SHORT), SYMBOLS, hedge_mode=True)
    assert hedge["posSide"] == "short"
    assert "reduceOnly" not in hedge


@pytest.mark.parametrize(
    ("kw", "hedge"),
    [
        ({"position_side": PositionSide.LONG}, False),
        ({}, True),
        ({"position_side": PositionSide.LONG, "reduce_only": True}, True),
        ({"time_in_force": TimeInForce.GTD}, False),
        ({"type": OrderType.STOP_MARKET, "price": None, "stop_price": D("50000")}, False),
        ({"type": OrderType.MARKET, "price": None, "time_in_force": TimeInForce.FOK}, False),
        ({"symbol": "BTC/USDT", "reduce_only": True}, False),
    ],
)
def test_orders_okx_cannot_express_are_not_supported(kw: dict[str, object], hedge: bool) -> None:
    with pytest.raises(NotSupported):
        m.order_params(req(**kw), SYMBOLS, hedge_mode=hedge)


def test_client_order_ids_are_encoded_deterministically_into_okx_alphabet() -> None:
    assert m.encode_client_order_id("abc123") == "abc123"
    assert m.encode_client_order_id("a" * 32) == "a" * 32
    for odd in ("my-order_1", "a" * 33, "x:y", "Z0abc", "xkabcdefghijkl-1f"):
        encoded = m.encode_client_order_id(odd)
        assert encoded == m.encode_client_order_id(odd)
        assert encoded.isalnum()
        assert len(encoded) <= 32
    # Short ids come back as themselves; long ones are hashed (one way).
    for short in ("my-order_1", "x:y", "Z0abc", "xkabcdefghijkl-1f"):
        assert m.decode_client_order_id(m.encode_client_order_id(short)) == short
    assert m.encode_client_order_id("a" * 33).startswith("ek")
    assert len(m.encode_client_order_id("a" * 33)) == 32
    assert m.encode_client_order_id("my-order_1") != m.encode_client_order_id("my-order_2")
    assert m.order_params(req(client_order_id="my-order_1"), SYMBOLS)["clOrdId"] == (
        m.encode_client_order_id("my-order_1")
    )


def test_generated_client_order_ids_pass_unchanged() -> None:
    cid = req(client_order_id=None).client_order_id
    assert cid is not None
    assert m.encode_client_order_id(cid) == cid


def test_cancel_and_query_params_name_the_order_by_either_id() -> None:
    assert m.cancel_params("BTC/USDT", SYMBOLS, order_id="1") == {
        "instId": "BTC-USDT",
        "ordId": "1",
    }
    assert m.cancel_params("BTC/USDT", SYMBOLS, client_order_id="my-order_1") == {
        "instId": "BTC-USDT",
        "clOrdId": m.encode_client_order_id("my-order_1"),
    }
    with pytest.raises(NotSupported):
        m.cancel_params("BTC/USDT", SYMBOLS)


def test_an_accepted_placement_becomes_an_open_order_from_the_request() -> None:
    ack = load("order_place", s.Envelope[s.OrderAck]).data[0]
    o = m.order_from_ack(req(), ack, received_ms=5)
    assert (o.order_id, o.client_order_id, o.status) == (
        "312269865356374016",
        "ek0123456789abcdef0123456789ab",
        OrderStatus.OPEN,
    )
    assert (o.quantity, o.price, o.filled_quantity, o.created_ms) == (
        D("0.0123"),
        D("51000.5"),
        0,
        1695190491421,
    )
    rejected = load("order_place_insufficient", s.Envelope[s.OrderAck]).data[0]
    with pytest.raises(MappingError):
        m.order_from_ack(req(), rejected)


def test_leverage_params_are_for_swaps_only() -> None:
    assert m.leverage_params("BTC/USDT:USDT", 5, SYMBOLS) == {
        "instId": "BTC-USDT-SWAP",
        "lever": "5",
        "mgnMode": "cross",
    }
    with pytest.raises(NotSupported):
        m.leverage_params("BTC/USDT", 5, SYMBOLS)
