"""The REST client exactly as it talks to OKX: ``httpx.MockTransport``, no network.

Each test arranges what a fake OKX answers (payloads shaped like the docs' examples) and
asserts on what a user sees (the error class, the order) and on the requests as sent
(JSON body, signature headers, the demo header, what never left).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from exchangekit_okx import create, create_swap
from exchangekit_okx.signing import rest_signature

from exchangekit import (
    DuplicateClientOrderId,
    ExchangeUnavailable,
    InsufficientFunds,
    InvalidOrder,
    NotSupported,
    OrderNotFound,
    OrderOutcomeUnknown,
    OrderRequest,
    OrderStatus,
    OrderType,
    RateLimited,
    Side,
)
from exchangekit.transport import RetryPolicy
from tests.adapters.okx._payloads import obj, raw

KEY, SECRET, PASSPHRASE = "key-1", "secret-1", "pass-1"
Handler = Callable[[httpx.Request], httpx.Response]
CID = "ek0123456789abcdef0123456789ab"


def _json(data: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(data).encode())


class FakeOkx:
    """Recorded answers by ``(method, path)``; every request is kept in ``requests``."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], Handler] = {
            ("GET", "/api/v5/public/time"): lambda r: _json(
                {"code": "0", "msg": "", "data": [{"ts": "1695190491421"}]}
            ),
            ("GET", "/api/v5/public/instruments"): self._instruments,
            # No algo (stop) orders unless a test says otherwise.
            ("GET", "/api/v5/trade/order-algo"): lambda r: _json(
                {"code": "51603", "msg": "Order does not exist", "data": []}
            ),
            ("GET", "/api/v5/trade/orders-algo-pending"): lambda r: _json(
                {"code": "0", "msg": "", "data": []}
            ),
        }

    @staticmethod
    def _instruments(request: httpx.Request) -> httpx.Response:
        kind = request.url.params["instType"].lower()
        return httpx.Response(200, content=raw(f"instruments_{kind}"))

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
            return _json({"code": "50000", "msg": f"no fake for {request.url.path}"}, 404)
        return handler(request)


def client(fake: FakeOkx, *, swap: bool = False, **config: Any) -> Any:
    build = create_swap if swap else create
    return build(
        api_key=KEY,
        api_secret=SECRET,
        passphrase=PASSPHRASE,
        transport=httpx.MockTransport(fake),
        **config,
    )


def limit_buy(symbol: str = "BTC/USDT", **fields: Any) -> OrderRequest:
    values: dict[str, Any] = {
        "quantity": Decimal("0.01"),
        "price": Decimal("60000"),
        "client_order_id": CID,
    }
    return OrderRequest(symbol=symbol, side=Side.BUY, type=OrderType.LIMIT, **(values | fields))


ORDER = "/api/v5/trade/order"


# -- requests as sent ---------------------------------------------------------------------------


async def test_an_order_is_one_signed_json_post_and_comes_back_open() -> None:
    fake = FakeOkx()
    fake.on("POST", ORDER, lambda r: httpx.Response(200, content=raw("order_place")))
    async with client(fake) as ex:
        order = await ex.place_order(limit_buy())
    (sent,) = fake.sent("POST", ORDER)
    body = sent.content.decode()
    assert json.loads(body) == {
        "instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit",
        "sz": "0.01", "px": "60000", "clOrdId": CID,
    }  # fmt: skip
    stamp = sent.headers["OK-ACCESS-TIMESTAMP"]
    assert sent.headers["OK-ACCESS-SIGN"] == rest_signature(SECRET, stamp, "POST", ORDER, body)
    assert sent.headers["OK-ACCESS-PASSPHRASE"] == PASSPHRASE
    assert "x-simulated-trading" not in sent.headers
    assert order.status is OrderStatus.OPEN and order.order_id == "312269865356374016"
    assert order.client_order_id == CID and order.quantity == Decimal("0.01")


async def test_demo_trading_adds_the_simulated_trading_header_to_every_request() -> None:
    fake = FakeOkx()
    fake.on(
        "GET", "/api/v5/market/ticker", lambda r: httpx.Response(200, content=raw("ticker_spot"))
    )
    async with client(fake, demo=True) as ex:
        await ex.get_ticker("BTC/USDT")
    assert fake.requests and all(r.headers["x-simulated-trading"] == "1" for r in fake.requests)


async def test_swap_orders_are_sent_in_whole_lots_of_contracts() -> None:
    fake = FakeOkx()
    fake.on("POST", ORDER, lambda r: httpx.Response(200, content=raw("order_place")))
    async with client(fake, swap=True) as ex:
        instrument = (await ex.load_instruments())["BTC/USDT:USDT"]
        await ex.place_order(limit_buy("BTC/USDT:USDT", quantity=instrument.contract_size * 3))
        with pytest.raises(InvalidOrder):
            await ex.place_order(limit_buy("BTC/USDT:USDT", quantity=instrument.step_size / 2))
    (sent,) = fake.sent("POST", ORDER)  # the second never left
    assert json.loads(sent.content)["sz"] == "3"
    assert json.loads(sent.content)["tdMode"] == "cross"


# -- errors as the user sees them ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "status", "error"),
    [
        ("error_timeout", 400, OrderOutcomeUnknown),  # 50004: HTTP 400 yet unknown
        ("order_place_insufficient", 200, InsufficientFunds),
        ("order_place_duplicate", 200, DuplicateClientOrderId),
    ],
)
async def test_order_answers_map_to_their_error_with_the_client_order_id(
    payload: str, status: int, error: type[Exception]
) -> None:
    fake = FakeOkx()
    fake.on("POST", ORDER, lambda r: httpx.Response(status, content=raw(payload)))
    async with client(fake) as ex:
        with pytest.raises(error) as info:
            await ex.place_order(limit_buy())
    assert getattr(info.value, "client_order_id", None) == CID
    assert len(fake.sent("POST", ORDER)) == 1  # never resent


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_5xx_on_an_order_is_outcome_unknown_and_never_resent(status: int) -> None:
    fake = FakeOkx()
    fake.on("POST", ORDER, lambda r: httpx.Response(status, content=b"<html>gateway</html>"))
    async with client(fake, retry=RetryPolicy(attempts=3, base_delay_s=0)) as ex:
        with pytest.raises(OrderOutcomeUnknown) as info:
            await ex.place_order(limit_buy())
    assert info.value.client_order_id == CID
    assert len(fake.sent("POST", ORDER)) == 1


async def test_an_unreadable_2xx_to_an_order_is_outcome_unknown() -> None:
    fake = FakeOkx()
    fake.answer("POST", ORDER, {"code": "0", "msg": "", "data": [{"unexpected": True}]})
    async with client(fake) as ex:
        with pytest.raises(OrderOutcomeUnknown):
            await ex.place_order(limit_buy())


async def test_a_server_error_on_a_read_is_unavailable_not_unknown() -> None:
    fake = FakeOkx()
    fake.answer("GET", "/api/v5/market/ticker", {"code": "50001", "msg": "busy", "data": []}, 503)
    async with client(fake, retry=RetryPolicy(attempts=1)) as ex:
        with pytest.raises(ExchangeUnavailable):
            await ex.get_ticker("BTC/USDT")


async def test_a_rate_limited_read_is_sent_once_more_and_a_write_never() -> None:
    fake = FakeOkx()
    limited = {"code": "50011", "msg": "Too Many Requests", "data": []}
    answers = iter([_json(limited, 429), httpx.Response(200, content=raw("ticker_spot"))])
    fake.on("GET", "/api/v5/market/ticker", lambda r: next(answers))
    fake.answer("POST", ORDER, limited, 429)
    async with client(fake) as ex:
        ticker = await ex.get_ticker("BTC/USDT")
        assert ticker.symbol == "BTC/USDT"
        with pytest.raises(RateLimited):
            await ex.place_order(limit_buy())
    assert len(fake.sent("GET", "/api/v5/market/ticker")) == 2
    assert len(fake.sent("POST", ORDER)) == 1


async def test_an_expired_timestamp_resyncs_the_clock_and_a_read_goes_again() -> None:
    fake = FakeOkx()
    expired = {"code": "50102", "msg": "Timestamp request expired", "data": []}
    answers = iter([_json(expired, 401), httpx.Response(200, content=raw("balance"))])
    fake.on("GET", "/api/v5/account/balance", lambda r: next(answers))
    async with client(fake) as ex:
        balances = await ex.get_balances()
    assert balances
    assert len(fake.sent("GET", "/api/v5/public/time")) == 2  # first sync, then the resync


async def test_a_missing_order_and_a_failed_cancel_are_order_not_found() -> None:
    fake = FakeOkx()
    fake.answer("GET", ORDER, {"code": "51603", "msg": "Order does not exist", "data": []})
    fake.on(
        "POST",
        "/api/v5/trade/cancel-order",
        lambda r: httpx.Response(200, content=raw("cancel_order_not_found")),
    )
    async with client(fake) as ex:
        with pytest.raises(OrderNotFound):
            await ex.get_order("BTC/USDT", client_order_id=CID)
        with pytest.raises(OrderNotFound):
            await ex.cancel_order("BTC/USDT", order_id="1")


async def test_spot_has_no_positions_or_leverage() -> None:
    fake = FakeOkx()
    async with client(fake) as ex:
        with pytest.raises(NotSupported):
            await ex.get_positions()
        with pytest.raises(NotSupported):
            await ex.set_leverage("BTC/USDT", 3)
    assert not fake.sent("GET", "/api/v5/account/positions")


@pytest.mark.parametrize(
    ("otype", "price", "leg"),
    [
        (OrderType.STOP_MARKET, None, {"slTriggerPx": "50000", "slOrdPx": "-1"}),
        (OrderType.STOP_LIMIT, Decimal("49900"), {"slTriggerPx": "50000", "slOrdPx": "49900"}),
        (OrderType.TAKE_PROFIT_MARKET, None, {"tpTriggerPx": "50000", "tpOrdPx": "-1"}),
    ],
)
async def test_stops_and_take_profits_go_to_the_algo_endpoint(
    otype: OrderType, price: Decimal | None, leg: dict[str, str]
) -> None:
    fake = FakeOkx()
    ack = {"algoId": "681096944655273984", "algoClOrdId": CID, "sCode": "0", "sMsg": ""}
    fake.answer("POST", "/api/v5/trade/order-algo", {"code": "0", "msg": "", "data": [ack]})
    stop = OrderRequest(
        symbol="BTC/USDT:USDT", side=Side.SELL, type=otype, quantity=Decimal("0.02"),
        price=price, stop_price=Decimal("50000"), reduce_only=True, client_order_id=CID,
    )  # fmt: skip
    async with client(fake, swap=True) as ex:
        placed = await ex.place_order(stop)
    (sent,) = fake.sent("POST", "/api/v5/trade/order-algo")
    body = json.loads(sent.content)
    assert body == {
        "instId": "BTC-USDT-SWAP", "tdMode": "cross", "side": "sell", "ordType": "conditional",
        "sz": "2", "reduceOnly": True, **leg, f"{next(iter(leg))[:2]}TriggerPxType": "last",
        "algoClOrdId": CID,
    }  # fmt: skip
    assert not fake.sent("POST", ORDER)
    assert (placed.order_id, placed.status, placed.type) == (
        "681096944655273984",
        OrderStatus.OPEN,
        otype,
    )


async def test_cancel_all_sends_batches_of_twenty_and_reports_the_accepted() -> None:
    fake = FakeOkx()
    row = obj("order_spot")["data"][0]
    pending = [{**row, "ordId": str(100 + i), "clOrdId": f"c{i}"} for i in range(25)]
    fake.answer("GET", "/api/v5/trade/orders-pending", {"code": "0", "msg": "", "data": pending})

    def cancel(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        data = [
            {"ordId": i["ordId"], "clOrdId": "", "sCode": "0" if i["ordId"] != "101" else "51400",
             "sMsg": ""}
            for i in items
        ]  # fmt: skip
        code = "0" if all(d["sCode"] == "0" for d in data) else "2"
        return _json({"code": code, "msg": "", "data": data})

    fake.on("POST", "/api/v5/trade/cancel-batch-orders", cancel)
    async with client(fake) as ex:
        cancelled = await ex.cancel_all_orders("BTC/USDT")
    batches = [
        json.loads(r.content) for r in fake.sent("POST", "/api/v5/trade/cancel-batch-orders")
    ]
    assert [len(b) for b in batches] == [20, 5]
    assert len(cancelled) == 24 and "101" not in {o.order_id for o in cancelled}
    assert all(o.status is OrderStatus.CANCELLED for o in cancelled)


async def test_an_order_success_without_its_item_is_outcome_unknown() -> None:
    fake = FakeOkx()
    fake.answer("POST", ORDER, {"code": "0", "msg": "", "data": []})
    async with client(fake) as ex:
        with pytest.raises(OrderOutcomeUnknown) as info:
            await ex.place_order(limit_buy())
    assert info.value.client_order_id == CID


def _candle_rows(newest_ms: int, count: int) -> list[list[str]]:
    return [
        [str(newest_ms - i * 60_000), "1", "2", "0.5", "1.5", "3", "4", "4", "1"]
        for i in range(count)
    ]


async def test_candles_page_backwards_and_move_to_history_when_recent_runs_dry() -> None:
    fake = FakeOkx()
    newest = 1_708_588_800_000

    def recent(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        if after is not None:  # the recent endpoint keeps only the latest 5 rows here
            return _json({"code": "0", "msg": "", "data": []})
        return _json({"code": "0", "msg": "", "data": _candle_rows(newest, 5)})

    def history(request: httpx.Request) -> httpx.Response:
        after = int(request.url.params["after"])  # exclusive: strictly older
        limit = int(request.url.params["limit"])
        return _json({"code": "0", "msg": "", "data": _candle_rows(after - 60_000, limit)})

    fake.on("GET", "/api/v5/market/candles", recent)
    fake.on("GET", "/api/v5/market/history-candles", history)
    async with client(fake) as ex:
        candles = await ex.get_candles("BTC/USDT", "1m", limit=12)
    opens = [c.open_ms for c in candles]
    assert opens == [newest - i * 60_000 for i in range(11, -1, -1)]  # oldest first
    assert len(fake.sent("GET", "/api/v5/market/history-candles")) == 1
    assert fake.sent("GET", "/api/v5/market/candles")[0].url.params["bar"] == "1m"


async def test_open_orders_skip_instruments_the_adapter_does_not_trade_and_page_on() -> None:
    fake = FakeOkx()
    row = obj("orders_pending_swap")["data"][0]
    # Newest first; the last row of the full first page is an inverse swap's.
    first = [
        {**row, "ordId": str(1000 - i), "instId": "BTC-USD-SWAP" if i % 2 else "BTC-USDT-SWAP"}
        for i in range(100)
    ]
    second = [{**row, "ordId": "7", "instId": "BTC-USDT-SWAP"}]

    def pending(request: httpx.Request) -> httpx.Response:
        page = second if request.url.params.get("after") == "901" else first
        return _json({"code": "0", "msg": "", "data": page})

    fake.on("GET", "/api/v5/trade/orders-pending", pending)
    algo_row = {
        "instType": "SWAP", "algoId": "55", "sz": "", "closeFraction": "1", "ordType": "conditional",
        "side": "sell", "posSide": "net", "state": "live", "slTriggerPx": "40000", "slOrdPx": "-1",
        "tpTriggerPx": "", "tpOrdPx": "", "reduceOnly": "true", "cTime": "1708587373300",
    }  # fmt: skip
    fake.answer(
        "GET",
        "/api/v5/trade/orders-algo-pending",
        {
            "code": "0",
            "msg": "",
            "data": [
                {**algo_row, "instId": "BTC-USDT-SWAP"},
                {**algo_row, "algoId": "56", "instId": "BTC-USD-SWAP"},
            ],
        },
    )
    async with client(fake, swap=True) as ex:
        orders = await ex.get_open_orders()
    assert [
        r.url.params.get("after") for r in fake.sent("GET", "/api/v5/trade/orders-pending")
    ] == [
        None,
        "901",
    ]
    ids = {o.order_id for o in orders}
    assert ids == {str(1000 - i) for i in range(0, 100, 2)} | {"7", "55"}
    assert all(o.symbol == "BTC/USDT:USDT" for o in orders)
    stop = next(o for o in orders if o.order_id == "55")
    assert (stop.type, stop.quantity, stop.reduce_only) == (OrderType.STOP_MARKET, Decimal(0), True)


async def test_an_orders_push_mixing_inverse_and_linear_rows_keeps_the_linear_one() -> None:
    fake = FakeOkx()
    row = obj("orders_pending_swap")["data"][0]
    rows = [{**row, "instId": "BTC-USD-SWAP", "ordId": "1"}, {**row, "ordId": "2"}]
    async with client(fake, swap=True) as ex:
        stream = ex._private  # the push mapper, fed as the socket would feed it
        stream._symbols = await ex._symbol_map()
        update = stream._map(("orders", json.dumps(rows).encode()))
    assert update is not None
    assert [o.order_id for o in update.orders] == ["2"]
    assert update.orders[0].symbol == "BTC/USDT:USDT"
