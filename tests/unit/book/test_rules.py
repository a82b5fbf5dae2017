"""Each rule against the cases its exchange documents."""

import pytest

from exchangekit.book import (
    BinanceFuturesRule,
    BinanceSpotRule,
    BookDelta,
    BybitRule,
    NoSequenceRule,
    OkxRule,
    SequenceRule,
    Verdict,
)

APPLY, SKIP, GAP, RESET = Verdict.APPLY, Verdict.SKIP, Verdict.GAP, Verdict.RESET


def spot(first: int, last: int) -> BookDelta:
    return BookDelta(first_id=first, last_id=last)


def futures(first: int, last: int, prev: int) -> BookDelta:
    return BookDelta(first_id=first, last_id=last, prev_id=prev)


def okx(prev: int, seq: int) -> BookDelta:
    return BookDelta(prev_id=prev, last_id=seq)


@pytest.mark.parametrize(
    "rule", [BinanceSpotRule(), BinanceFuturesRule(), BybitRule(), OkxRule(), NoSequenceRule()]
)
def test_every_rule_is_a_sequence_rule(rule: SequenceRule) -> None:
    assert isinstance(rule, SequenceRule)


def test_binance_spot_drops_old_events_and_bridges_on_the_one_that_spans_the_snapshot() -> None:
    rule = BinanceSpotRule()
    rule.reset(100)

    assert rule.check(spot(90, 100)) is SKIP  # u <= lastUpdateId
    assert rule.check(spot(95, 105)) is APPLY  # U <= lastUpdateId + 1 <= u
    assert rule.position == 105
    assert rule.check(spot(106, 108)) is APPLY
    assert rule.check(spot(106, 108)) is SKIP  # a replay: u is not above the local id
    assert rule.check(spot(110, 112)) is GAP  # 109 is missing


def test_binance_spot_flags_a_snapshot_older_than_the_stream() -> None:
    rule = BinanceSpotRule()
    rule.reset(100)
    assert rule.check(spot(102, 105)) is GAP  # 101 is in neither the snapshot nor the stream


def test_binance_spot_accepts_the_event_right_after_the_snapshot() -> None:
    rule = BinanceSpotRule()
    rule.reset(100)
    assert rule.check(spot(101, 101)) is APPLY


def test_binance_futures_bridges_with_u_at_or_above_the_snapshot_then_chains_on_pu() -> None:
    rule = BinanceFuturesRule()
    rule.reset(100)

    assert rule.check(futures(90, 99, 89)) is SKIP  # u < lastUpdateId
    assert rule.check(futures(95, 100, 94)) is APPLY  # U <= lastUpdateId <= u
    assert rule.check(futures(104, 107, 100)) is APPLY  # pu == previous u; U may jump
    assert rule.check(futures(108, 109, 107)) is APPLY
    assert rule.check(futures(104, 107, 100)) is SKIP  # a replay
    assert rule.check(futures(112, 115, 110)) is GAP  # pu is not the previous u


def test_binance_futures_first_event_may_chain_directly_on_the_snapshot_id() -> None:
    rule = BinanceFuturesRule()
    rule.reset(100)
    assert rule.check(futures(101, 103, 100)) is APPLY


def test_binance_futures_flags_a_snapshot_older_than_the_stream() -> None:
    rule = BinanceFuturesRule()
    rule.reset(100)
    assert rule.check(futures(105, 107, 104)) is GAP


def test_bybit_counts_deltas_one_by_one_and_resets_on_u_equal_one() -> None:
    rule = BybitRule()
    rule.reset(10)

    assert rule.check(BookDelta(last_id=11)) is APPLY
    assert rule.check(BookDelta(last_id=11)) is SKIP
    assert rule.check(BookDelta(last_id=13)) is GAP
    assert rule.check(BookDelta(last_id=1)) is RESET  # service restart: overwrite the book


def test_okx_follows_the_prev_seq_id_chain_through_heartbeats_and_resets() -> None:
    rule = OkxRule()
    rule.reset(100)

    assert rule.check(okx(100, 105)) is APPLY
    assert rule.check(okx(105, 105)) is APPLY  # heartbeat: seqId == prevSeqId
    assert rule.check(okx(105, 3)) is APPLY  # after maintenance seqId may go down
    assert rule.check(okx(3, 4)) is APPLY
    assert rule.check(okx(2, 6)) is GAP
    assert rule.check(okx(-1, 50)) is RESET  # a snapshot (prevSeqId = -1)


def test_no_sequence_rule_applies_everything() -> None:
    rule = NoSequenceRule()
    rule.reset(None)
    assert rule.check(BookDelta()) is APPLY


def test_rules_that_need_ids_say_so() -> None:
    with pytest.raises(ValueError, match="sequence"):
        BinanceSpotRule().reset(None)
    rule = BinanceSpotRule()
    rule.reset(1)
    with pytest.raises(ValueError, match="first_id"):
        rule.check(BookDelta(last_id=5))
    with pytest.raises(ValueError, match="prevSeqId"):
        OkxRule().check(BookDelta(last_id=5))


def test_a_rule_without_a_snapshot_sees_every_delta_as_a_gap() -> None:
    assert BinanceSpotRule().check(spot(1, 2)) is GAP
    assert BinanceFuturesRule().check(futures(1, 2, 0)) is GAP
    assert BybitRule().check(BookDelta(last_id=5)) is GAP
    assert OkxRule().check(okx(1, 2)) is GAP
