"""One rate-limit budget shared by many processes and hosts, kept in Redis.

::

    from exchangekit.ratelimit import Limiter, RedisBackend

    backend = RedisBackend("redis://limits.internal:6379/0", key_prefix="binance:ip:203.0.113.7")
    limiter = Limiter(POOLS, backend=backend)

Every process that builds its backend with the same ``key_prefix`` (and declares the same
pools) charges the same counts. What is atomic: each :meth:`RedisBackend.try_acquire` is one
``EVALSHA`` of one Lua script, which checks every pool of the request and charges all of them
or none, then answers the wait. The other operations (``register``, ``sync``, ``pause``,
``ban``, ``refund``) are sent without waiting for the answer, in the order they were made,
and always before the next ``try_acquire`` of this backend. ``usage()`` answers from the
counts the last replies carried (a little stale); :meth:`RedisBackend.refresh` reads them
afresh.

Time: by default the script reads Redis's own ``TIME``, so every host agrees on the clock
that windows, buckets and pauses run on. A ``clock`` may be injected instead (tests,
simulations): then the script uses that clock's readings, and every process sharing the
budget must share the clock.

Fail closed: when Redis cannot be reached, ``try_acquire`` raises
:class:`LimiterBackendUnavailable` (a :class:`~exchangekit.errors.NetworkError`: the request
was not sent) and nothing is let through.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

from exchangekit.clock import Clock, SystemClock
from exchangekit.errors import NetworkError
from exchangekit.ratelimit.redis_script import SCRIPT
from exchangekit.ratelimit.spec import Cost, Pool, PoolKind, PoolUsage

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["LimiterBackendUnavailable", "RedisBackend"]

log = logging.getLogger(__name__)

_GRANTS_KEPT = 4096
"""Recent grants remembered so that a refund names its exact charge."""
_GRANT_AGE_S = 600.0
_OFFSET_AGE_S = 30.0
"""How long the best (lowest round-trip) estimate of Redis time stays in use."""


class LimiterBackendUnavailable(NetworkError):
    """The shared rate-limit budget could not be reached or answered wrongly.

    The limiter lets nothing through without it (fail closed); the request was not sent.
    """


class _Command(NamedTuple):
    keys: list[str]
    args: list[str]
    names: list[str]


class _Op(NamedTuple):
    command: _Command
    retry: bool
    """Sent again after a failure (idempotent enough); a lost refund only wastes capacity."""


class _Grant(NamedTuple):
    started: float
    costs: tuple[tuple[str, int], ...]
    charged_at: str


class RedisBackend:
    """A :class:`~exchangekit.ratelimit.LimiterBackend` whose counts live in Redis.

    ``redis`` is a URL (``redis://[:password@]host:port/db``; the backend then owns the
    client and :meth:`aclose` closes it) or a ``redis.asyncio.Redis`` client. Keys are
    ``{key_prefix}:pool:<name>``, ``{key_prefix}:ledger:<name>`` and ``{key_prefix}:ban``
    (the braces keep them in one Redis Cluster slot) and expire once they can no longer
    matter. ``timeout_s`` bounds connecting and each answer when the backend builds the
    client.
    """

    def __init__(
        self,
        redis: str | Redis,
        *,
        key_prefix: str,
        clock: Clock | None = None,
        timeout_s: float = 2.0,
    ) -> None:
        from redis.asyncio import Redis

        if not key_prefix:
            raise ValueError("key_prefix must name the shared budget")
        if isinstance(redis, str):
            self._client: Redis = Redis.from_url(
                redis, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
            )
            self._owns_client = True
        else:
            self._client = redis
            self._owns_client = False
        kwargs = self._client.connection_pool.connection_kwargs
        password = kwargs.get("password")
        self._secret: str | None = str(password) if password else None
        self._where = _describe(redis if isinstance(redis, str) else None, kwargs)
        self._prefix = key_prefix
        self._ban_key = f"{{{key_prefix}}}:ban"
        self._clock = clock
        self._local: Clock = clock if clock is not None else SystemClock()
        self._script = self._client.register_script(SCRIPT)
        self._pools: dict[str, Pool] = {}
        self._defs: dict[str, list[str]] = {}
        self._outbox: list[_Op] = []
        self._tail: asyncio.Future[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._flush_due = False
        self._busy = 0
        self._round_trips = 0
        self._cache: dict[str, tuple[float, float]] = {}
        self._banned_until = -math.inf
        self._offset = 0.0
        self._offset_rtt = math.inf
        self._offset_at = -math.inf
        self._grants: deque[_Grant] = deque()

    def __repr__(self) -> str:
        return f"RedisBackend({self._where}, key_prefix={self._prefix!r})"

    # -- the LimiterBackend Protocol --------------------------------------------------------

    def register(self, pool: Pool) -> None:
        """Start accounting ``pool`` (sharing whatever the budget already counted under its
        name), or adopt a new definition; sent in order, without waiting."""
        if self._pools.get(pool.name) == pool:
            return
        self._pools[pool.name] = pool
        self._defs[pool.name] = _definition(pool)
        self._enqueue(self._command("register", [pool.name]), retry=True)

    def now(self) -> float:
        """This process's monotonic reading (the injected clock's, if any); ``refund`` maps
        it to the charge it names."""
        return self._local.monotonic()

    async def try_acquire(self, costs: Sequence[Cost]) -> float:
        """Charge every cost and return 0.0, or charge nothing and return the wait: one
        atomic script round trip (carrying, ahead of it, anything not yet sent)."""
        started = self.now()
        names = list(dict.fromkeys(cost.pool.name for cost in costs))
        index = {name: i + 1 for i, name in enumerate(names)}
        command = self._command(
            "acquire", names, costs=[(index[c.pool.name], c.weight) for c in costs]
        )
        task = self._launch(command)
        try:
            reply = await asyncio.shield(task)
        except asyncio.CancelledError:
            # The script may still charge: give that back once it has answered.
            task.add_done_callback(lambda done: self._undo_if_granted(done, costs, started))
            raise
        wait = float(reply[0])
        if not wait:
            self._remember(started, costs, reply[1])
        return wait

    def refund(self, costs: Sequence[Cost], since: float) -> None:
        """Undo the first grant of ``costs`` this backend made after ``since``; sent
        without waiting (never retried: a lost refund only wastes capacity)."""
        key = _costs_key(costs)
        charged_at: str | None = None
        for i, grant in enumerate(self._grants):
            if grant.started >= since and grant.costs == key:
                del self._grants[i]
                charged_at = grant.charged_at
                break
        if charged_at is None:
            charged_at = repr(self._server_time(since))
        names = list(dict.fromkeys(cost.pool.name for cost in costs))
        index = {name: i + 1 for i, name in enumerate(names)}
        pairs = [(index[c.pool.name], c.weight) for c in costs]
        self._enqueue(self._command("refund", names, charged_at, costs=pairs), retry=False)

    def sync(self, pool: Pool, used: float, *, sent_at: float | None = None) -> None:
        """Adopt the server's reported usage of ``pool``; sent in order, without waiting.
        ``sent_at`` (this process's monotonic time) is mapped to Redis time."""
        placed = "" if sent_at is None else repr(self._server_time(sent_at))
        command = self._command("sync", [pool.name], repr(float(used)), placed)
        self._enqueue(command, retry=True)

    def pause(self, pools: Sequence[Pool], seconds: float) -> None:
        """Hold ``pools`` for ``seconds`` (counted from when Redis applies it, or from now
        on an injected clock); never shortens a longer pause."""
        names = list(dict.fromkeys(pool.name for pool in pools))
        self._enqueue(self._command("pause", names, repr(float(seconds))), retry=True)

    def ban(self, seconds: float) -> None:
        """Hold every pool of the budget for ``seconds``; never shortens a longer ban."""
        self._enqueue(self._command("ban", [], repr(float(seconds))), retry=True)

    def usage(self) -> dict[str, PoolUsage]:
        """Used and remaining per pool, as the last answer from Redis had them."""
        now = self._server_time(self.now())
        report = {}
        for name, pool in self._pools.items():
            used, paused_until = self._cache.get(name, (0.0, -math.inf))
            held = max(paused_until, self._banned_until) - now
            report[name] = PoolUsage(
                pool=name,
                limit=pool.limit,
                used=used,
                remaining=max(pool.limit - used, 0.0),
                paused_for_s=max(held, 0.0),
            )
        return report

    # -- beyond the Protocol ----------------------------------------------------------------

    @property
    def round_trips(self) -> int:
        """How many batches this backend has sent to Redis so far."""
        return self._round_trips

    @property
    def idle(self) -> bool:
        """Nothing is waiting to be sent and no answer is outstanding."""
        return not (self._outbox or self._busy or self._flush_due)

    async def flush(self) -> None:
        """Send everything not yet sent and wait for Redis to have applied it."""
        await asyncio.shield(self._launch(None))

    async def refresh(self) -> dict[str, PoolUsage]:
        """Read every registered pool's usage from Redis now, then answer :meth:`usage`."""
        command = self._command("usage", list(self._pools)) if self._pools else None
        await asyncio.shield(self._launch(command))
        return self.usage()

    async def aclose(self) -> None:
        """Send what is pending, then close the client if this backend created it. Updates
        that Redis cannot take any more are dropped with a warning."""
        try:
            await self.flush()
        except LimiterBackendUnavailable as exc:
            log.warning("rate-limit updates dropped at close: %s", exc)
        finally:
            if self._owns_client:
                await self._client.aclose()

    # -- sending ----------------------------------------------------------------------------

    def _time(self) -> list[str]:
        clock = self._clock
        if clock is None:
            return ["", ""]
        return [repr(clock.monotonic()), str(clock.now_ms())]

    def _command(
        self,
        op: str,
        names: Sequence[str],
        first: str = "",
        second: str = "",
        *,
        costs: Sequence[tuple[int, int]] = (),
    ) -> _Command:
        prefix = self._prefix
        keys = [self._ban_key]
        args = [op, *self._time(), first, second, str(len(names))]
        for name in names:
            keys += [f"{{{prefix}}}:pool:{name}", f"{{{prefix}}}:ledger:{name}"]
            args += self._defs[name]
        for index, weight in costs:
            args += [str(index), str(weight)]
        return _Command(keys, args, list(names))

    def _enqueue(self, command: _Command, *, retry: bool) -> None:
        self._outbox.append(_Op(command, retry))
        if self._flush_due:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: the first try_acquire carries it
        self._flush_due = True
        self._track(loop.create_task(self._background_flush()))

    async def _background_flush(self) -> None:
        self._flush_due = False
        try:
            await self._send(None)
        except LimiterBackendUnavailable as exc:
            log.warning("rate-limit update not sent, kept for the next acquire: %s", exc)

    def _launch(self, final: _Command | None) -> asyncio.Task[list[bytes]]:
        """Send in a task of its own: a cancelled caller must not lose the updates it took
        from the outbox, nor leave a charge unanswered."""
        self._busy += 1  # until the task has run: idle must not be True meanwhile
        task = asyncio.ensure_future(self._send(final))
        task.add_done_callback(self._sent)
        self._track(task)
        return task

    def _sent(self, _: asyncio.Future[Any]) -> None:
        self._busy -= 1

    def _track(self, task: asyncio.Task[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, final: _Command | None) -> list[bytes]:
        """Send the outbox, then ``final``, in order after every earlier batch of updates;
        answer ``final``'s reply (or the last update's)."""
        ops = self._outbox
        self._outbox = []
        previous = self._tail
        done: asyncio.Future[None] | None = None
        if ops:
            done = asyncio.get_running_loop().create_future()
            self._tail = done
        self._busy += 1
        try:
            if previous is not None and not previous.done():
                await asyncio.shield(previous)
            commands = [op.command for op in ops]
            if final is not None:
                commands.append(final)
            if not commands:
                return []
            try:
                replies = await self._execute(commands)
            except LimiterBackendUnavailable:
                kept = [op for op in ops if op.retry]
                self._outbox[:0] = kept
                raise
            return replies[-1]
        finally:
            self._busy -= 1
            if done is not None:
                done.set_result(None)

    async def _execute(self, commands: list[_Command]) -> list[list[bytes]]:
        from redis.exceptions import NoScriptError, RedisError

        sent = self.now()
        self._round_trips += 1
        try:
            if len(commands) == 1:
                only = commands[0]
                replies: list[Any] = [await self._script(keys=only.keys, args=only.args)]
            else:
                replies = await self._pipeline(commands)
                if any(isinstance(reply, NoScriptError) for reply in replies):
                    await self._client.script_load(SCRIPT)
                    retried = [c for c, r in zip(commands, replies, strict=True) if _noscript(r)]
                    again = iter(await self._pipeline(retried))
                    replies = [next(again) if _noscript(r) else r for r in replies]
        except (RedisError, OSError, TimeoutError) as exc:
            raise self._unavailable(exc) from None
        for reply in replies:
            if isinstance(reply, Exception):
                raise self._unavailable(reply)
        answered = self.now()
        for command, reply in zip(commands, replies, strict=True):
            self._absorb(command.names, reply, sent, answered)
        return replies

    async def _pipeline(self, commands: list[_Command]) -> list[Any]:
        sha = self._script.sha
        async with self._client.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.evalsha(sha, len(command.keys), *command.keys, *command.args)
            return list(await pipe.execute(raise_on_error=False))

    def _unavailable(self, exc: BaseException) -> LimiterBackendUnavailable:
        detail = f"{type(exc).__name__}: {exc}"
        if self._secret:
            detail = detail.replace(self._secret, "***")
        return LimiterBackendUnavailable(
            f"shared rate-limit budget {self._prefix!r} at {self._where} is unavailable, "
            f"refusing to send unmetered ({detail})"
        )

    # -- what the answers teach -------------------------------------------------------------

    def _absorb(self, names: list[str], reply: list[bytes], sent: float, answered: float) -> None:
        try:
            server_now, banned = float(reply[1]), float(reply[2])
            for i, name in enumerate(names):
                self._cache[name] = (float(reply[3 + 2 * i]), float(reply[4 + 2 * i]))
        except (IndexError, ValueError, TypeError) as exc:
            raise LimiterBackendUnavailable(
                f"shared rate-limit budget {self._prefix!r}: unexpected script answer {reply!r}"
            ) from exc
        self._banned_until = banned
        if self._clock is None:
            rtt = answered - sent
            if rtt <= self._offset_rtt or answered - self._offset_at > _OFFSET_AGE_S:
                self._offset = server_now - (sent + answered) / 2
                self._offset_rtt = rtt
                self._offset_at = answered

    def _server_time(self, local: float) -> float:
        return local if self._clock is not None else local + self._offset

    def _remember(self, started: float, costs: Sequence[Cost], charged_at: bytes) -> None:
        grants = self._grants
        grants.append(_Grant(started, _costs_key(costs), charged_at.decode()))
        while len(grants) > _GRANTS_KEPT or grants[0].started < started - _GRANT_AGE_S:
            grants.popleft()

    def _undo_if_granted(
        self, task: asyncio.Future[list[bytes]], costs: Sequence[Cost], started: float
    ) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        reply = task.result()
        if not float(reply[0]):
            self._remember(started, costs, reply[1])
            self.refund(costs, started)


def _definition(pool: Pool) -> list[str]:
    """The seven strings the script reads a pool's definition from."""
    if pool.kind is PoolKind.DECAYING_COUNTER:
        rate = float(pool.decay_per_s or 0.0)
    else:
        rate = pool.limit / pool.window_s
    decay = "" if pool.decay_per_s is None else repr(float(pool.decay_per_s))
    return [
        pool.kind.value,
        str(pool.limit),
        repr(float(pool.window_s)),
        str(max(1, round(pool.window_s * 1000))),
        repr(rate),
        repr(pool.limit / rate),
        decay,
    ]


def _costs_key(costs: Sequence[Cost]) -> tuple[tuple[str, int], ...]:
    return tuple((cost.pool.name, cost.weight) for cost in costs)


def _noscript(reply: object) -> bool:
    from redis.exceptions import NoScriptError

    return isinstance(reply, NoScriptError)


def _describe(url: str | None, kwargs: dict[str, Any]) -> str:
    """Where the server is, for messages: never the password (nor the user name)."""
    if url is not None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
