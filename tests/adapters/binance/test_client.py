"""The REST client, exactly as it talks to Binance: ``httpx.MockTransport``, no network.

Each test arranges what a fake Binance answers and asserts on what a user sees (the error
class, the order) and on the requests as sent (parameters, signature, what never left).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from exchangekit_binance import create, create_usdm
from exchangekit_binance.endpoints import SPOT, USDM
from exchangekit_binance.errors import TimestampOutsideRecvWindow

from exchangekit import (
    AuthenticationError,
    DuplicateClientOrderId,
    InvalidOrder,
    MappingError,
    NotSupported,
    OrderOutcomeUnknown,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from exchangekit.clock import ManualClock
from exchangekit.ratelimit import Limiter, Pool, Priority
from tests.adapters.binance._payloads import raw

KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
Handler = Callable[[httpx.Request], httpx.Response]


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(data).encode(), headers=headers)


def _params(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))


def spot_order(params: dict[str, str], *, status: str = "NEW", executed: str = "0") -> Any:
    """The answer Binance gives to a spot order placed with ``params``."""
    return {
        "symbol": params["symbol"],
        "orderId": 7,
        "orderListId": -1,
        "clientOrderId": params.get("newClientOrderId") or params.get("origClientOrderId"),
        "transactTime": 1_700_000_000_000,
        "price": params.get("price", "0"),
        "origQty": params.get("quantity", "1"),
        "executedQty": executed,
        "cummulativeQuoteQty": "0",
        "status": status,
        "timeInForce": params.get("timeInForce", "GTC"),
        "type": params.get("type", "LIMIT"),
        "side": params.get("side", "BUY"),
        "fills": [],
    }


class FakeBinance:
    """Recorded answers by ``(method, path)``; every request is kept in ``requests``."""

    def __init__(self, market: str = "spot") -> None:
        prefix = "/api/v3" if market == "spot" else "/fapi/v1"
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", f"{prefix}/time"): lambda r: _json({"serverTime": 1_700_000_000_000}),
            ("GET", f"{prefix}/exchangeInfo"): lambda r: httpx.Response(
                200, content=raw(f"{market}_exchange_info")
            ),
        }
        if market != "spot":  # futures orders are checked against the account's mode
            self.answer("GET", "/fapi/v1/positionSide/dual", {"dualSidePosition": False})

    def on(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    def answer(self, method: str, path: str, data: Any, status: int = 200) -> None:
        self.on(method, path, lambda r: _json(data, status))

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return _json({"code": -1000, "msg": f"no fake for {request.url.path}"}, 404)
        return handler(request)


def spot_client(fake: FakeBinance, **config: Any) -> Any:
    return create(api_key=KEY, api_secret=SECRET, transport=httpx.MockTransport(fake), **config)


def usdm_client(fake: FakeBinance, **config: Any) -> Any:
    return create_usdm(
        api_key=KEY, api_secret=SECRET, transport=httpx.MockTransport(fake), **config
    )


def limit_buy(symbol: str = "BTC/USDT", **fields: Any) -> OrderRequest:
    values: dict[str, Any] = {"quantity": Decimal("0.01"), "price": Decimal("60000")}
    return OrderRequest(symbol=symbol, side=Side.BUY, type=OrderType.LIMIT, **(values | fields))


# -- orders as sent ----------------------------------------------------------------------------


async def test_place_order_signs_the_query_exactly_as_sent() -> None:
    fake = FakeBinance()
    fake.on("POST", "/api/v3/order", lambda r: _json(spot_order(_params(r))))
    async with spot_client(fake) as client:
        order = await client.place_order(limit_buy(client_order_id="my-order-1"))
    (sent,) = fake.sent("POST", "/api/v3/order")
    query = sent.url.query.decode()
    unsigned, signature = query.rsplit("&signature=", 1)
    assert hmac.new(SECRET.encode(), unsigned.encode(), hashlib.sha256).hexdigest() == signature
    assert sent.headers["X-MBX-APIKEY"] == KEY
    assert [k for k, _ in parse_qsl(unsigned)] == [
        "symbol", "side", "type", "timeInForce", "quantity", "price",
        "newClientOrderId", "newOrderRespType", "recvWindow", "timestamp",
    ]  # fmt: skip
    assert _params(sent)["newClientOrderId"] == "my-order-1"
    assert order.client_order_id == "my-order-1" and order.status is OrderStatus.OPEN


async def test_unsupported_order_is_refused_before_any_request() -> None:
    fake = FakeBinance()
    async with spot_client(fake) as client:
        with pytest.raises(NotSupported) as info:
            await client.place_order(limit_buy(reduce_only=True, client_order_id="cid-1"))
    assert info.value.client_order_id == "cid-1"
    assert fake.requests == []


async def test_order_breaking_a_filter_is_refused_before_it_is_sent() -> None:
    fake = FakeBinance()
    async with spot_client(fake) as client:
        with pytest.raises(InvalidOrder, match="step size"):
            await client.place_order(limit_buy(quantity=Decimal("0.000001")))
        with pytest.raises(InvalidOrder, match="notional"):
            await client.place_order(limit_buy(quantity=Decimal("0.00001"), price=Decimal("1")))
    assert [r.url.path for r in fake.requests] == ["/api/v3/exchangeInfo"]


async def test_unreadable_2xx_answer_to_an_order_is_outcome_unknown() -> None:
    fake = FakeBinance()
    fake.answer("POST", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": "not a number"})
    async with spot_client(fake) as client:
        with pytest.raises(OrderOutcomeUnknown) as info:
            await client.place_order(limit_buy(client_order_id="cid-2"))
    assert info.value.client_order_id == "cid-2"
    assert len(fake.sent("POST", "/api/v3/order")) == 1


async def test_unreadable_answer_to_a_read_is_a_mapping_error() -> None:
    fake = FakeBinance()
    fake.answer("GET", "/api/v3/ticker/24hr", {"symbol": "BTCUSDT", "lastPrice": "x"})
    async with spot_client(fake) as client:
        with pytest.raises(MappingError):
            await client.get_ticker("BTC/USDT")


async def test_server_error_on_an_order_is_outcome_unknown_and_never_resent() -> None:
    fake = FakeBinance()
    fake.on("POST", "/api/v3/order", lambda r: httpx.Response(503, content=b"<html>busy</html>"))
    async with spot_client(fake) as client:
        with pytest.raises(OrderOutcomeUnknown) as info:
            await client.place_order(limit_buy(client_order_id="cid-3"))
    assert info.value.client_order_id == "cid-3"
    assert len(fake.sent("POST", "/api/v3/order")) == 1


@pytest.mark.parametrize(
    ("market", "path", "body"),
    [
        ("spot", "/api/v3/order", {"code": -2010, "msg": "Duplicate order sent."}),
        ("usdm", "/fapi/v1/order", {"code": -4116, "msg": "ClientOrderId is duplicated."}),
    ],
)
async def test_duplicate_client_order_id_passes_through_with_the_id(
    market: str, path: str, body: Any
) -> None:
    fake = FakeBinance(market)
    fake.answer("POST", path, body, 400)
    make = spot_client if market == "spot" else usdm_client
    symbol = "BTC/USDT" if market == "spot" else "BTC/USDT:USDT"
    async with make(fake) as client:
        with pytest.raises(DuplicateClientOrderId) as info:
            await client.place_order(limit_buy(symbol, client_order_id="cid-4"))
    assert info.value.client_order_id == "cid-4"


async def test_client_order_id_binance_cannot_carry_is_encoded_and_reported_back() -> None:
    fake = FakeBinance()
    fake.on("POST", "/api/v3/order", lambda r: _json(spot_order(_params(r))))
    async with spot_client(fake) as client:
        order = await client.place_order(limit_buy(client_order_id="strategy:alpha/1"))
    (sent,) = fake.sent("POST", "/api/v3/order")
    assert _params(sent)["newClientOrderId"].startswith("ek-")
    assert order.client_order_id == "strategy:alpha/1"


# -- time -----------------------------------------------------------------------------------


async def test_order_refused_for_its_timestamp_resyncs_time_and_is_not_resent() -> None:
    fake = FakeBinance()
    refusal = {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."}
    fake.answer("POST", "/api/v3/order", refusal, 400)
    async with spot_client(fake) as client:
        with pytest.raises(TimestampOutsideRecvWindow) as info:
            await client.place_order(limit_buy(client_order_id="cid-5"))
    assert isinstance(info.value, AuthenticationError)
    assert info.value.client_order_id == "cid-5"
    assert len(fake.sent("POST", "/api/v3/order")) == 1
    assert len(fake.sent("GET", "/api/v3/time")) == 2  # at start, and again after -1021


async def test_read_refused_for_its_timestamp_goes_again_after_the_resync() -> None:
    fake = FakeBinance()
    answers = iter(
        [_json({"code": -1021, "msg": "Timestamp ahead"}, 400), httpx.Response(200, content=raw("spot_account"))]
    )  # fmt: skip
    fake.on("GET", "/api/v3/account", lambda r: next(answers))
    async with spot_client(fake) as client:
        balances = await client.get_balances()
    assert balances and len(fake.sent("GET", "/api/v3/account")) == 2


async def test_signed_requests_use_the_server_time_offset() -> None:
    fake = FakeBinance()
    clock = ManualClock(epoch_ms=1_700_000_000_000)
    fake.answer("GET", "/api/v3/time", {"serverTime": 1_700_000_090_000})  # 90 s ahead
    fake.on("GET", "/api/v3/account", lambda r: httpx.Response(200, content=raw("spot_account")))
    async with spot_client(fake, clock=clock) as client:
        await client.get_balances()
    (sent,) = fake.sent("GET", "/api/v3/account")
    assert _params(sent)["timestamp"] == "1700000090000"
    assert _params(sent)["recvWindow"] == "5000"


# -- rate limits --------------------------------------------------------------------------------


async def test_used_weight_headers_are_what_rate_limit_usage_reports() -> None:
    fake = FakeBinance()
    depth = raw("spot_depth")
    fake.on(
        "GET",
        "/api/v3/depth",
        lambda r: httpx.Response(200, content=depth, headers={"X-MBX-USED-WEIGHT-1M": "1234"}),
    )
    async with spot_client(fake) as client:
        await client.get_order_book("BTC/USDT", 5)
        usage = client.rate_limit_usage()
    # The server's count, plus this request's own weight 5 kept on top as a margin.
    assert usage["binance-spot-request-weight-1m"].used == 1234 + 5


async def test_exchange_info_rate_limits_replace_the_documented_defaults() -> None:
    fake = FakeBinance()
    info = json.loads(raw("spot_exchange_info"))
    info["rateLimits"][1]["limit"] = 50  # ORDERS per 10 s, as this account's tier has it
    fake.answer("GET", "/api/v3/exchangeInfo", info)
    async with spot_client(fake) as client:
        await client.load_instruments()
        assert client.rate_limit_usage()["binance-spot-orders-10s"].limit == 50


async def test_kill_switch_cancels_go_ahead_of_orders_waiting_for_the_limiter() -> None:
    fake = FakeBinance()
    fake.on("POST", "/api/v3/order", lambda r: _json(spot_order(_params(r))))
    fake.answer("DELETE", "/api/v3/openOrders", [])
    clock = ManualClock()
    raw_requests = Pool(name="binance-spot-raw-requests-5m", limit=3, window_s=300)
    limiter = Limiter(SPOT.pools, clock=clock)
    async with spot_client(fake, clock=clock, limiter=limiter) as client:
        await client.load_instruments()  # 1 of 3
        limiter.register(raw_requests)  # exchangeInfo brought the account's real limits
        await client.place_order(limit_buy())  # time + order: 3 of 3, the window is full
        order = asyncio.ensure_future(client.place_order(limit_buy()))
        await clock.advance(0)
        kill = asyncio.ensure_future(
            client.cancel_all_orders("BTC/USDT", priority=Priority.KILL_SWITCH)
        )
        await clock.advance(0)
        assert not order.done() and not kill.done()
        await clock.advance(301)
        await asyncio.gather(order, kill)
    paths = [(r.method, r.url.path) for r in fake.requests[3:]]
    assert paths == [("DELETE", "/api/v3/openOrders"), ("POST", "/api/v3/order")]


# -- market data --------------------------------------------------------------------------------


def _klines(request: httpx.Request, *, first_ms: int, last_ms: int) -> httpx.Response:
    """One-minute klines between ``first_ms`` and ``last_ms``, as Binance pages them."""
    params = _params(request)
    limit = int(params.get("limit", 500))
    start, end = params.get("startTime"), params.get("endTime")
    opens = list(range(first_ms, last_ms + 1, 60_000))
    opens = [
        t for t in opens if (start is None or t >= int(start)) and (end is None or t <= int(end))
    ]
    opens = opens[:limit] if start is not None else opens[-limit:]
    row = ["1", "2", "0.5", "1.5", "10", 0, "15", 3, "5", "7", "0"]
    return _json([[t, *row[:5], t + 59_999, *row[6:]] for t in opens])


async def test_candles_over_a_long_range_are_paged_forward_without_duplicates() -> None:
    fake = FakeBinance()
    first = 1_700_000_040_000 - 1_700_000_040_000 % 60_000
    fake.on(
        "GET", "/api/v3/klines", lambda r: _klines(r, first_ms=first, last_ms=first + 2499 * 60_000)
    )
    async with spot_client(fake) as client:
        candles = await client.get_candles(
            "BTC/USDT", "1m", start_ms=first, end_ms=first + 2499 * 60_000
        )
    opens = [c.open_ms for c in candles]
    assert len(opens) == 2500 and opens == sorted(set(opens))
    assert len(fake.sent("GET", "/api/v3/klines")) == 3


async def test_a_limit_beyond_one_request_is_paged_backward_from_now() -> None:
    fake = FakeBinance()
    first = 1_700_000_040_000 - 1_700_000_040_000 % 60_000
    fake.on(
        "GET", "/api/v3/klines", lambda r: _klines(r, first_ms=first, last_ms=first + 4999 * 60_000)
    )
    async with spot_client(fake) as client:
        candles = await client.get_candles("BTC/USDT", "1m", limit=1500)
    opens = [c.open_ms for c in candles]
    assert len(opens) == 1500 and opens == sorted(set(opens))
    assert opens[-1] == first + 4999 * 60_000


async def test_unknown_interval_is_refused_before_any_request() -> None:
    fake = FakeBinance("usdm")
    async with usdm_client(fake) as client:
        with pytest.raises(NotSupported):
            await client.get_candles("BTC/USDT:USDT", "1s")  # futures have no 1 s klines
    assert all(r.url.path.endswith("exchangeInfo") for r in fake.requests)


async def test_futures_book_depth_asks_the_next_valid_limit_and_trims() -> None:
    fake = FakeBinance("usdm")
    levels = [[str(60000 - i), "1"] for i in range(50)]
    fake.answer("GET", "/fapi/v1/depth", {"lastUpdateId": 9, "bids": levels, "asks": levels[::-1]})
    async with usdm_client(fake) as client:
        book = await client.get_order_book("BTC/USDT:USDT", depth=30)
    assert _params(fake.sent("GET", "/fapi/v1/depth")[0])["limit"] == "50"
    assert len(book.bids) == 30 and book.sequence == 9


async def test_futures_ticker_takes_best_bid_and_ask_from_book_ticker() -> None:
    fake = FakeBinance("usdm")
    fake.on(
        "GET",
        "/fapi/v1/ticker/24hr",
        lambda r: httpx.Response(200, content=raw("usdm_ticker_24hr")),
    )
    fake.on(
        "GET",
        "/fapi/v1/ticker/bookTicker",
        lambda r: httpx.Response(200, content=raw("usdm_book_ticker")),
    )
    async with usdm_client(fake) as client:
        ticker = await client.get_ticker("BTC/USDT:USDT")
    assert ticker.bid == Decimal("4.00000000") and ticker.ask == Decimal("4.00000200")


# -- futures specifics ------------------------------------------------------------------------


async def test_futures_stop_order_goes_to_the_algo_endpoint() -> None:
    fake = FakeBinance("usdm")
    algo = json.loads(raw("usdm_algo_order")) | {"symbol": "BTCUSDT", "orderType": "STOP_MARKET"}
    fake.answer("POST", "/fapi/v1/algoOrder", algo)
    request = OrderRequest(
        symbol="BTC/USDT:USDT", side=Side.SELL, type=OrderType.STOP_MARKET,
        quantity=Decimal("0.01"), stop_price=Decimal("55000"), reduce_only=True,
    )  # fmt: skip
    async with usdm_client(fake) as client:
        order = await client.place_order(request)
    (sent,) = fake.sent("POST", "/fapi/v1/algoOrder")
    params = _params(sent)
    assert params["algoType"] == "CONDITIONAL" and params["type"] == "STOP_MARKET"
    assert params["triggerPrice"] == "55000" and params["reduceOnly"] == "true"
    assert order.type is OrderType.STOP_MARKET and fake.sent("POST", "/fapi/v1/order") == []


async def test_futures_cancel_all_reports_each_listed_order_as_binance_answers_it() -> None:
    fake = FakeBinance("usdm")
    listed = [json.loads(raw("usdm_order_new")) | {"orderId": i} for i in range(1, 13)]
    fake.answer("GET", "/fapi/v1/openOrders", listed)
    fake.answer("GET", "/fapi/v1/openAlgoOrders", [])

    def batch(request: httpx.Request) -> httpx.Response:
        ids = json.loads(_params(request)["orderIdList"])
        # Order 2 filled after the listing: Binance refuses to cancel it.
        return _json(
            [
                {"code": -2011, "msg": "Unknown order sent."}
                if i == 2
                else listed[i - 1] | {"status": "CANCELED"}
                for i in ids
            ]
        )

    fake.on("DELETE", "/fapi/v1/batchOrders", batch)
    filled = listed[1] | {"status": "FILLED", "executedQty": "0.010", "avgPrice": "60000"}
    fake.answer("GET", "/fapi/v1/order", filled)
    fake.answer("DELETE", "/fapi/v1/allOpenOrders", {"code": 200, "msg": "done"})
    async with usdm_client(fake) as client:
        outcome = await client.cancel_all_orders("BTC/USDT:USDT")

    # Twelve ids: two requests of at most ten, in Binance's list format.
    sent = [_params(r)["orderIdList"] for r in fake.sent("DELETE", "/fapi/v1/batchOrders")]
    assert sorted(sent, key=len) == ["[11,12]", "[1,2,3,4,5,6,7,8,9,10]"]
    assert [o.order_id for o in outcome] == [str(i) for i in range(1, 13)]
    assert outcome[1].status is OrderStatus.FILLED and outcome[1].filled_quantity == Decimal(
        "0.010"
    )
    assert all(o.status is OrderStatus.CANCELLED for o in outcome if o.order_id != "2")
    (query,) = fake.sent("GET", "/fapi/v1/order")
    assert _params(query)["orderId"] == "2"
    assert len(fake.sent("DELETE", "/fapi/v1/allOpenOrders")) == 1  # the sweep, last


async def test_futures_cancel_all_never_calls_an_unreadable_refusal_cancelled() -> None:
    fake = FakeBinance("usdm")
    fake.answer("GET", "/fapi/v1/openOrders", [json.loads(raw("usdm_order_new"))])
    fake.answer("GET", "/fapi/v1/openAlgoOrders", [])
    fake.answer("DELETE", "/fapi/v1/batchOrders", [{"code": -2011, "msg": "Unknown order sent."}])
    fake.answer("GET", "/fapi/v1/order", {"code": -2013, "msg": "Order does not exist."}, 400)
    fake.answer("DELETE", "/fapi/v1/allOpenOrders", {"code": 200, "msg": "done"})
    async with usdm_client(fake) as client:
        (order,) = await client.cancel_all_orders("BTC/USDT:USDT")
    assert order.order_id == "22542179" and order.status is OrderStatus.UNKNOWN


async def test_hedge_mode_position_side_is_sent_as_position_side() -> None:
    fake = FakeBinance("usdm")
    fake.answer("GET", "/fapi/v1/positionSide/dual", {"dualSidePosition": True})
    fake.on("POST", "/fapi/v1/order", lambda r: httpx.Response(200, content=raw("usdm_order_new")))
    async with usdm_client(fake) as client:
        await client.place_order(limit_buy("BTC/USDT:USDT", position_side="long"))
    params = _params(fake.sent("POST", "/fapi/v1/order")[0])
    assert params["positionSide"] == "LONG" and "reduceOnly" not in params


async def test_spot_has_no_positions_and_no_leverage() -> None:
    fake = FakeBinance()
    async with spot_client(fake) as client:
        assert not client.capabilities.positions and not client.capabilities.set_leverage
        with pytest.raises(NotSupported):
            await client.get_positions()
        with pytest.raises(NotSupported):
            await client.set_leverage("BTC/USDT", 3)
    assert fake.requests == []


async def test_fractional_leverage_is_refused_before_it_is_sent() -> None:
    fake = FakeBinance("usdm")
    async with usdm_client(fake) as client:
        with pytest.raises(InvalidOrder):
            await client.set_leverage("BTC/USDT:USDT", Decimal("2.5"))
    assert fake.requests == []


# -- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(("factory", "spec"), [(create, SPOT), (create_usdm, USDM)])
def test_testnet_switch_points_every_url_at_the_testnet(factory: Any, spec: Any) -> None:
    client = factory(testnet=True)
    assert client.config.rest_url == spec.rest_testnet_url
    assert client.config.streams_url == spec.ws_streams_testnet_url
    assert client.config.api_url == spec.ws_api_testnet_url


def test_half_a_credential_is_refused() -> None:
    with pytest.raises(ValueError, match="api_key and api_secret"):
        create(api_key="only-the-key")


async def test_payload_observer_sees_every_rest_body_with_its_schema() -> None:
    fake = FakeBinance()
    seen: list[tuple[str, str]] = []
    observer = lambda key, schema, body: seen.append((key, schema.__name__))  # noqa: E731
    async with spot_client(fake, payload_observer=observer) as client:
        await client.load_instruments()
    assert seen == [("GET /api/v3/exchangeInfo", "SpotExchangeInfo")]
