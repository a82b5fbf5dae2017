"""AdapterRest.call: what an answer that cannot be read means on a read and on a write."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from exchangekit.errors import MappingError, OrderOutcomeUnknown, OrderRejected
from exchangekit.transport.adapter_rest import AdapterRest
from exchangekit.transport.endpoint import Endpoint


class Ack(msgspec.Struct):
    orderId: int


class CannedRest(AdapterRest):
    """Answers every request with the same body (no network: only ``call`` is under test)."""

    def __init__(self, body: bytes) -> None:
        super().__init__(name="canned", payload_observer=None)
        self.body = body

    async def send(
        self, endpoint: Endpoint, params: Any, client_order_id: str | None = None
    ) -> bytes:
        return self.body


PLACE = Endpoint("POST", "/order", extra={"response": Ack})
QUERY = Endpoint("GET", "/order", extra={"response": Ack})


def broken_mapper(ack: Ack) -> None:
    raise KeyError("status")  # a mapper bug, not a verdict


async def test_a_write_whose_answer_cannot_be_decoded_is_an_unknown_outcome() -> None:
    rest = CannedRest(b'{"orderId": "not a number"}')
    with pytest.raises(OrderOutcomeUnknown) as caught:
        await rest.call(PLACE, {}, lambda ack: ack, client_order_id="c-1")
    assert caught.value.client_order_id == "c-1"
    assert isinstance(caught.value.__cause__, MappingError)


async def test_a_mapper_bug_on_a_write_is_an_unknown_outcome_not_a_crash() -> None:
    rest = CannedRest(b'{"orderId": 7}')
    with pytest.raises(OrderOutcomeUnknown) as caught:
        await rest.call(PLACE, {}, broken_mapper, client_order_id="c-2")
    assert caught.value.client_order_id == "c-2"
    assert isinstance(caught.value.__cause__, KeyError)


async def test_a_verdict_the_answer_carries_passes_through_on_a_write() -> None:
    def refuse(ack: Ack) -> None:
        raise OrderRejected("post-only would take", exchange="canned")

    rest = CannedRest(b'{"orderId": 7}')
    with pytest.raises(OrderRejected):
        await rest.call(PLACE, {}, refuse, client_order_id="c-3")


async def test_on_a_read_the_original_error_is_raised() -> None:
    with pytest.raises(MappingError):
        await CannedRest(b'{"orderId": "x"}').call(QUERY, {}, lambda ack: ack)
    with pytest.raises(KeyError):
        await CannedRest(b'{"orderId": 7}').call(QUERY, {}, broken_mapper)


async def test_a_good_answer_is_decoded_with_the_endpoints_schema_and_mapped() -> None:
    assert await CannedRest(b'{"orderId": 7}').call(QUERY, {}, lambda ack: ack.orderId) == 7
