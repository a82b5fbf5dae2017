"""What only the Redis backend has to prove: it answers exactly as the in-process backend
does, several limiters (and processes) on one key share one budget, it fails closed, and it
never leaks the server's password. Every test runs against a real ``redis-server``."""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import textwrap
import uuid
from collections import defaultdict
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis

from exchangekit.clock import ManualClock
from exchangekit.ratelimit import (
    Cost,
    Limiter,
    LimiterBackendUnavailable,
    MemoryBackend,
    Pool,
    PoolKind,
    RedisBackend,
)

from .shared_rig import advance_to, settle_backend

FIXED = Pool(name="fixed", limit=6, window_s=1.0)
SLIDING = Pool(name="sliding", limit=5, window_s=0.7, kind=PoolKind.SLIDING_WINDOW)
BUCKET = Pool(name="bucket", limit=4, window_s=0.5, kind=PoolKind.TOKEN_BUCKET)
DECAY = Pool(name="decay", limit=5, window_s=1.0, kind=PoolKind.DECAYING_COUNTER, decay_per_s=3)
POOLS = (FIXED, SLIDING, BUCKET, DECAY)
REFRESHED = (
    Pool(name="fixed", limit=3, window_s=1.0),
    Pool(name="sliding", limit=8, window_s=0.7, kind=PoolKind.SLIDING_WINDOW),
    Pool(name="bucket", limit=4, window_s=2.0, kind=PoolKind.TOKEN_BUCKET),
    Pool(name="decay", limit=5, window_s=0.5, kind=PoolKind.SLIDING_WINDOW),
)


def prefix() -> str:
    return f"test:{uuid.uuid4().hex}"


# -- the same answers as MemoryBackend ---------------------------------------------------


@dataclass(frozen=True)
class Op:
    kind: str
    costs: tuple[Cost, ...] = ()
    ms: int = 0
    number: float = 0.0
    pool: int = 0
    ref: int | None = None


costs_st = st.lists(st.sampled_from(POOLS), min_size=1, max_size=4, unique=True).flatmap(
    lambda pools: st.tuples(*(st.builds(Cost, st.just(p), st.integers(0, p.limit)) for p in pools))
)
ops_st = st.one_of(
    st.builds(Op, kind=st.just("advance"), ms=st.sampled_from([0, 1, 250, 499, 500, 700, 1000])),
    st.builds(Op, kind=st.just("advance"), ms=st.integers(1, 3000)),
    st.builds(Op, kind=st.just("acquire"), costs=costs_st),
    st.builds(Op, kind=st.just("acquire"), costs=costs_st),
    st.builds(Op, kind=st.just("refund"), ref=st.integers(0, 40)),
    st.builds(
        Op,
        kind=st.just("sync"),
        pool=st.integers(0, 3),
        number=st.integers(0, 8),
        ref=st.one_of(st.none(), st.integers(0, 40)),
    ),
    st.builds(
        Op,
        kind=st.sampled_from(["pause", "ban"]),
        pool=st.integers(0, 3),
        number=st.sampled_from([0.25, 1.0, 2.5]),
    ),
    st.builds(Op, kind=st.just("register"), pool=st.integers(0, 3)),
)


async def replay(url: str, ops: list[Op]) -> None:
    clock = ManualClock(epoch_ms=1_700_000_000_300)
    memory = MemoryBackend(clock=clock)
    redis = RedisBackend(url, key_prefix=prefix(), clock=clock)
    try:
        for pool in POOLS:
            memory.register(pool)
            redis.register(pool)
        grants: list[tuple[tuple[Cost, ...], float]] = []
        refunded: set[int] = set()
        for step, op in enumerate(ops):
            if op.kind == "advance":
                await clock.advance(op.ms / 1000)
            elif op.kind == "acquire":
                stamp = memory.now()
                assert redis.now() == stamp
                expected = await memory.try_acquire(op.costs)
                got = await redis.try_acquire(op.costs)
                assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9), (
                    step,
                    got,
                    expected,
                )
                if not expected:
                    grants.append((op.costs, stamp))
            elif op.kind == "refund":
                if op.ref is not None and op.ref < len(grants) and op.ref not in refunded:
                    refunded.add(op.ref)
                    costs, stamp = grants[op.ref]
                    memory.refund(costs, stamp)
                    redis.refund(costs, stamp)
            elif op.kind == "sync":
                sent_at = None
                if op.ref is not None and op.ref < len(grants):
                    sent_at = grants[op.ref][1]
                memory.sync(POOLS[op.pool], op.number, sent_at=sent_at)
                redis.sync(POOLS[op.pool], op.number, sent_at=sent_at)
            elif op.kind == "pause":
                memory.pause([POOLS[op.pool]], op.number)
                redis.pause([POOLS[op.pool]], op.number)
            elif op.kind == "ban":
                memory.ban(op.number)
                redis.ban(op.number)
            else:
                memory.register(REFRESHED[op.pool])
                redis.register(REFRESHED[op.pool])
        shared = await redis.refresh()
        local = memory.usage()
        assert shared.keys() == local.keys()
        for name, usage in local.items():
            other = shared[name]
            assert (other.limit, other.paused_for_s) == (usage.limit, usage.paused_for_s), name
            assert math.isclose(other.used, usage.used, abs_tol=1e-9), (name, other, usage)
    finally:
        await redis.aclose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(ops_st, min_size=1, max_size=40))
def test_any_sequence_of_operations_answers_as_the_in_process_backend(
    redis_url: str, ops: list[Op]
) -> None:
    asyncio.run(replay(redis_url, ops))


# -- one budget, many limiters -------------------------------------------------------------


async def test_two_limiters_on_separate_connections_share_one_budget(redis_url: str) -> None:
    clock = ManualClock(epoch_ms=1_700_000_000_000)
    key = prefix()
    first = RedisBackend(redis_url, key_prefix=key, clock=clock)
    client = Redis.from_url(redis_url)  # a second, independent connection pool
    second = RedisBackend(client, key_prefix=key, clock=clock)
    try:
        a = Limiter([FIXED, SLIDING], clock=clock, backend=first)
        b = Limiter([FIXED, SLIDING], clock=clock, backend=second)
        granted: list[tuple[str, int, float]] = []

        async def caller(name: str, limiter: Limiter) -> None:
            await limiter.acquire([Cost(FIXED, 1), Cost(SLIDING, 1)])
            granted.append((name, clock.now_ms(), clock.monotonic()))

        tasks = [asyncio.create_task(caller("a", a)) for _ in range(10)]
        tasks += [asyncio.create_task(caller("b", b)) for _ in range(10)]
        await advance_to(clock, 10.0, first, second)
        assert all(task.done() for task in tasks)
        assert {name for name, _, _ in granted} == {"a", "b"}
        per_second: dict[int, int] = defaultdict(int)
        for _, at_ms, _ in granted:
            per_second[at_ms // 1000] += 1
        assert max(per_second.values()) <= FIXED.limit
        # The sliding window: never more than 5 in any 0.7 s (a charge counts while
        # charged_at + 0.7 > now, the script's own test).
        times = sorted(at for _, _, at in granted)
        assert all(sum(1 for t in times if t <= at < t + 0.7) <= SLIDING.limit for at in times)
        assert len(granted) == 20
        assert (await second.refresh()) == (await first.refresh())
    finally:
        await first.aclose()
        await second.aclose()
        await client.aclose()


async def test_a_process_registering_a_pool_joins_the_usage_already_counted(
    redis_url: str,
) -> None:
    clock = ManualClock()
    key = prefix()
    first = RedisBackend(redis_url, key_prefix=key, clock=clock)
    second = RedisBackend(redis_url, key_prefix=key, clock=clock)
    try:
        first.register(FIXED)
        assert await first.try_acquire([Cost(FIXED, 5)]) == 0.0
        second.register(FIXED)
        assert await second.try_acquire([Cost(FIXED, 2)]) > 0
        assert await second.try_acquire([Cost(FIXED, 1)]) == 0.0
        assert (await first.refresh())["fixed"].used == 6
    finally:
        await first.aclose()
        await second.aclose()


_WORKER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from exchangekit.ratelimit import Cost, Limiter, Pool, PoolKind, RedisBackend

    url, key, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    FIXED = Pool(name="fixed", limit=20, window_s=0.5)
    SLIDING = Pool(name="sliding", limit=12, window_s=0.3, kind=PoolKind.SLIDING_WINDOW)

    async def main():
        backend = RedisBackend(url, key_prefix=key)
        limiter = Limiter([FIXED, SLIDING], backend=backend)
        end = time.monotonic() + seconds

        async def worker():
            while time.monotonic() < end:
                await limiter.acquire([Cost(FIXED, 1), Cost(SLIDING, 1)])

        await asyncio.gather(*(worker() for _ in range(4)))
        # The Redis time of every charge this process made (what the script answered).
        print(json.dumps([float(g.charged_at) for g in backend._grants]))
        await backend.aclose()

    asyncio.run(main())
    """
)


def test_two_processes_on_redis_time_never_exceed_the_budget_together(redis_url: str) -> None:
    key = prefix()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, redis_url, key, "1.2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    charges: list[list[float]] = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err.decode()
        charges.append(json.loads(out))
    assert all(charges), "each process was granted something"
    times = sorted(t for per_process in charges for t in per_process)
    per_window: dict[int, int] = defaultdict(int)
    for at in times:
        per_window[round(at * 1e6) // 1000 // 500] += 1  # the script's now_ms, per 0.5 s
    assert max(per_window.values()) <= 20, per_window
    start = 0
    for end, at in enumerate(times):
        while times[start] + 0.3 <= at:  # the script's own expiry test
            start += 1
        assert end - start + 1 <= 12, (at, times[start : end + 1])


# -- failure, expiry, secrets ----------------------------------------------------------


async def test_unreachable_redis_fails_closed_with_a_clear_error_and_no_password() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"redis://user:s3cret-pw@127.0.0.1:{port}/0"
    backend = RedisBackend(url, key_prefix="ip-budget", timeout_s=0.5)
    limiter = Limiter([FIXED], backend=backend)
    assert "s3cret" not in repr(backend)
    with pytest.raises(LimiterBackendUnavailable) as caught:
        await asyncio.wait_for(limiter.acquire([Cost(FIXED, 1)]), 10)
    message = str(caught.value)
    assert "'ip-budget'" in message
    assert "unavailable" in message
    assert f"127.0.0.1:{port}" in message
    assert "s3cret" not in message
    assert "s3cret" not in repr(caught.value.__cause__)
    with pytest.raises(LimiterBackendUnavailable):
        await backend.try_acquire([Cost(FIXED, 1)])
    await backend._client.aclose()


def test_updates_made_before_any_loop_runs_go_ahead_of_the_first_acquire(
    redis_url: str,
) -> None:
    clock = ManualClock()
    backend = RedisBackend(redis_url, key_prefix=prefix(), clock=clock)
    limiter = Limiter([FIXED], clock=clock, backend=backend)
    limiter.pause([FIXED], 5.0)
    assert not backend.idle

    async def first_acquire() -> float:
        try:
            return await backend.try_acquire([Cost(FIXED, 1)])
        finally:
            await backend.aclose()

    assert asyncio.run(first_acquire()) == 5.0
    assert backend.idle


class Cable:
    """A TCP relay to the real server that can be cut and mended (fault injection)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def mend(self) -> None:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self.writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def test_an_outage_fails_closed_and_updates_made_during_it_go_first_after(
    redis_url: str,
) -> None:
    cable = Cable(int(redis_url.rsplit(":", 1)[1].split("/")[0]))
    await cable.mend()
    clock = ManualClock()
    backend = RedisBackend(
        f"redis://127.0.0.1:{cable.port}/0", key_prefix=prefix(), clock=clock, timeout_s=0.5
    )
    limiter = Limiter([FIXED], clock=clock, backend=backend)
    try:
        await asyncio.wait_for(limiter.acquire([Cost(FIXED, 1)]), 5)
        await cable.cut()
        limiter.pause([FIXED], 5.0)  # a 429 during the outage
        with pytest.raises(LimiterBackendUnavailable):
            await asyncio.wait_for(limiter.acquire([Cost(FIXED, 1)]), 10)
        assert not backend.idle  # the pause is kept, not lost
        await cable.mend()
        assert await backend.try_acquire([Cost(FIXED, 1)]) == 5.0
        assert (await backend.refresh())["fixed"].used == 1
    finally:
        await backend.aclose()
        if cable.server is not None:
            await cable.cut()


async def test_budget_keys_expire_once_they_cannot_matter(redis_url: str) -> None:
    key = prefix()
    backend = RedisBackend(redis_url, key_prefix=key)
    client = Redis.from_url(redis_url)
    try:
        backend.register(SLIDING)
        backend.pause([SLIDING], 100.0)
        backend.ban(30.0)
        assert await backend.try_acquire([Cost(SLIDING, 1)]) > 0
        backend.refund([Cost(SLIDING, 1)], 0.0)
        await backend.flush()
        keys = sorted([k.decode() async for k in client.scan_iter(match=f"{{{key}}}:*")])
        assert keys == [f"{{{key}}}:ban", f"{{{key}}}:pool:sliding"]
        # A pause still running keeps the pool: 60 s ledger span + 100 s pause + 60 s margin.
        assert 200_000 < await client.pttl(f"{{{key}}}:pool:sliding") <= 220_000
        assert 60_000 < await client.pttl(f"{{{key}}}:ban") <= 90_000
    finally:
        await backend.aclose()
        await client.aclose()


async def test_caller_cancelled_during_the_round_trip_is_refunded(redis_url: str) -> None:
    clock = ManualClock()
    backend = RedisBackend(redis_url, key_prefix=prefix(), clock=clock)
    limiter = Limiter([FIXED], clock=clock, backend=backend)
    try:
        for _ in range(20):
            task = asyncio.create_task(limiter.acquire([Cost(FIXED, 2)]))
            for _ in range(1000):  # until its script is on the wire
                if not backend.idle:
                    break
                await asyncio.sleep(0)
            assert not backend.idle
            task.cancel()
            await settle_backend(backend)
            assert task.cancelled()
        assert (await backend.refresh())["fixed"].used == 0
        await asyncio.wait_for(limiter.acquire([Cost(FIXED, 6)]), 5)
    finally:
        await backend.aclose()


async def test_report_placed_in_redis_time_keeps_the_charges_made_after_it(
    redis_url: str,
) -> None:
    # No injected clock: the script runs on Redis TIME, and sent_at (this process's
    # monotonic clock) is mapped onto it.
    orders = Pool(name="orders", limit=100, window_s=60, kind=PoolKind.SLIDING_WINDOW)
    backend = RedisBackend(redis_url, key_prefix=prefix())
    try:
        backend.register(orders)
        assert await backend.try_acquire([Cost(orders, 50)]) == 0.0  # never reached the server
        await asyncio.sleep(0.01)
        sent_at = backend.now()
        await asyncio.sleep(0.01)
        assert await backend.try_acquire([Cost(orders, 3)]) == 0.0  # in flight, unseen
        backend.sync(orders, 10, sent_at=sent_at)
        assert (await backend.refresh())["orders"].used == 13
    finally:
        await backend.aclose()


async def test_a_server_that_forgot_the_script_is_taught_it_again(redis_url: str) -> None:
    clock = ManualClock()
    backend = RedisBackend(redis_url, key_prefix=prefix(), clock=clock)
    client = Redis.from_url(redis_url)
    try:
        backend.register(FIXED)
        assert await backend.try_acquire([Cost(FIXED, 1)]) == 0.0
        await client.script_flush()
        backend.pause([FIXED], 1.0)  # sent in one pipeline with the acquire
        assert await backend.try_acquire([Cost(FIXED, 1)]) == 1.0
        await client.script_flush()
        assert await backend.try_acquire([Cost(FIXED, 1)]) == 1.0  # a lone EVALSHA
    finally:
        await backend.aclose()
        await client.aclose()


def test_importing_exchangekit_does_not_import_redis() -> None:
    code = (
        "import sys, exchangekit, exchangekit.ratelimit;"
        "assert 'redis' not in sys.modules, 'redis imported';"
        "exchangekit.ratelimit.RedisBackend;"
        "assert 'redis' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
