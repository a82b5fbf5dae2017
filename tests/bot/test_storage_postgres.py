"""PostgreSQL storage on a real server: what SQLite's tests cannot show.

Two connections (the bot and the kill switch) see each other's writes and queue behind
each other's durable steps; the schema is created once, by one of several processes that
open a new database at once; money is NUMERIC; a password in the DSN never shows.
The shared storage contract runs on both backends in ``test_storage.py``.
"""

from __future__ import annotations

import threading

import psycopg
import pytest
from exchangekit_bot.cli import main
from exchangekit_bot.config import load_config
from exchangekit_bot.killswitch import pause, resume
from exchangekit_bot.storage import (
    PostgresStorage,
    StorageError,
    describe_storage,
    open_storage,
)

from tests.bot.pg_server import PASSWORD, PASSWORD_ROLE, TestPostgres


@pytest.fixture
def schema(postgres_server: TestPostgres) -> str:
    return postgres_server.new_schema()


def connect(server: TestPostgres, schema: str) -> PostgresStorage:
    return PostgresStorage(server.dsn, schema=schema)


def test_the_bot_and_the_kill_switch_see_each_others_pause(postgres_server, schema):
    bot = connect(postgres_server, schema)
    kill_switch = connect(postgres_server, schema)  # another process, another connection
    assert not bot.pause_state().paused
    pause(kill_switch, "kill switch", by="kill-switch", ts_ms=7)
    state = bot.pause_state()
    assert state.paused and state.reason == "kill switch" and state.by == "kill-switch"
    assert state.since_ms == 7
    bot.open_incident("unknown_order", "x", ts_ms=8)
    assert resume(kill_switch, by="operator", ts_ms=9) == 1
    assert not bot.pause_state().paused and bot.incidents(open_only=True) == []
    bot.close()
    kill_switch.close()


def test_durable_steps_of_two_connections_queue_behind_each_other(postgres_server, schema):
    """Like SQLite's BEGIN IMMEDIATE: a second writer waits for the first step to commit,
    so a read-then-write inside a step sees no interleaved writer."""
    first = connect(postgres_server, schema)
    second = connect(postgres_server, schema)
    observer = psycopg.connect(postgres_server.dsn, autocommit=True)
    done = threading.Event()

    def write_from_the_other_process() -> None:
        second.put_value("counter", "from the second step")
        done.set()

    with first.transaction():
        first.put_value("counter", "from the first step")
        thread = threading.Thread(target=write_from_the_other_process)
        thread.start()
        # Wait until the second writer is provably blocked on the step lock.
        for _ in range(2000):
            waiting = observer.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()
            if waiting is not None and waiting[0] == 1:
                break
            threading.Event().wait(0.005)
        else:
            pytest.fail("the second writer never waited for the first step")
        assert not done.is_set()
        # (the second connection is busy waiting; a third one looks)
        uncommitted = observer.execute(f"SELECT count(*) FROM {schema}.kv").fetchone()
        assert uncommitted == (0,)  # the first step's write is invisible until it commits
    thread.join(timeout=10)
    assert done.is_set()
    assert first.get_value("counter") == "from the second step"  # it ran after the commit
    observer.close()
    first.close()
    second.close()


def test_processes_opening_a_new_database_at_once_create_the_schema_once(postgres_server, schema):
    opened: list[PostgresStorage] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(connect(postgres_server, schema))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == [] and len(opened) == 6
    opened[0].put_value("k", "v")
    assert {s.get_value("k") for s in opened} == {"v"}
    with psycopg.connect(postgres_server.dsn) as db:
        (versions,) = db.execute(
            f"SELECT count(*) FROM {schema}.meta WHERE key = 'schema_version'"
        ).fetchone()  # type: ignore[misc]
        (triggers,) = db.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND NOT t.tgisinternal",
            (schema,),
        ).fetchone()  # type: ignore[misc]
    assert versions == 1 and triggers == 4
    for s in opened:
        s.close()


def test_money_columns_are_numeric_never_float(postgres_server, schema):
    connect(postgres_server, schema).close()
    with psycopg.connect(postgres_server.dsn) as db:
        types = dict(
            db.execute(
                "SELECT table_name || '.' || column_name, data_type "
                "FROM information_schema.columns WHERE table_schema = %s",
                (schema,),
            ).fetchall()
        )
    money = [
        "orders.quantity",
        "orders.price",
        "orders.filled_quantity",
        "orders.average_fill_price",
        "fills.price",
        "fills.quantity",
        "fills.fee",
        "fills.realized_pnl",
    ]
    assert {types[c] for c in money} == {"numeric"}
    assert not {"real", "double precision"} & set(types.values())


def test_fills_cannot_be_truncated(postgres_server, schema):
    store = connect(postgres_server, schema)
    with pytest.raises(psycopg.Error, match="append-only"):
        store._db.execute("TRUNCATE fills")
    with pytest.raises(psycopg.Error, match="append-only"):
        store._db.execute("TRUNCATE order_events CASCADE")
    store.close()


def test_a_password_in_the_dsn_is_used_but_never_shown(postgres_server, schema):
    store = PostgresStorage(postgres_server.password_url, schema=schema)
    assert store._db.execute("SELECT current_user").fetchone() == {"current_user": "bot"}
    store.put_value("k", "v")
    assert PASSWORD not in repr(store) and PASSWORD not in store.location
    assert f"{PASSWORD_ROLE}:***@" in repr(store)
    store.close()

    wrong = postgres_server.password_url.replace(PASSWORD, "not-" + PASSWORD)
    with pytest.raises(StorageError) as info:
        PostgresStorage(wrong, schema=schema)
    assert "password authentication failed" in str(info.value)
    assert PASSWORD not in str(info.value)
    # The driver's own exception (with the DSN in its arguments) is not chained along.
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_the_storage_section_selects_postgres(postgres_server, schema):
    config = load_config(
        None, storage={"backend": "postgres", "dsn": postgres_server.dsn, "schema": schema}
    )
    store = open_storage(config.storage)
    assert isinstance(store, PostgresStorage) and store.schema == schema
    store.set_pause("x", by="t", ts_ms=1)
    store.close()
    assert connect(postgres_server, schema).pause_state().paused
    assert describe_storage(config.storage).endswith(f"(schema {schema})")


def test_the_operator_commands_work_on_a_postgres_url_without_printing_its_password(
    postgres_server, capsys
):
    url = postgres_server.password_url
    assert main(["pause", "--state", url, "--reason", "maintenance"]) == 0
    assert main(["status", "--state", url]) == 0
    assert "yes: maintenance" in capsys.readouterr().out
    store = open_storage(url)  # the public schema of the role's own connection
    assert store.pause_state().by == "operator"
    store.close()
    assert main(["resume", "--state", url]) == 0
    assert main(["status", "--state", url]) == 0
    assert main(["config", "--config", _config_file(url, postgres_server)]) == 0
    out = capsys.readouterr()
    assert "paused            no" in out.out
    assert PASSWORD not in out.out + out.err
    assert '"dsn": "postgresql://bot:***@' in out.out


def _config_file(url: str, server: TestPostgres) -> str:
    path = server.root / "bot.toml"
    path.write_text(f'[storage]\nbackend = "postgres"\ndsn = "{url}"\n')
    return str(path)


def test_an_unreachable_server_refuses_to_start_without_the_password(capsys, tmp_path):
    url = f"postgresql://bot:{PASSWORD}@/exchangekit_test?host={tmp_path}&connect_timeout=2"
    assert main(["status", "--state", url]) == 2
    err = capsys.readouterr().err
    assert "refusing to start: cannot connect to PostgreSQL at postgresql://bot:***@" in err
    assert PASSWORD not in err
