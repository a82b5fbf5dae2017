"""A DSN is told from a SQLite path, and its password never survives redaction."""

from __future__ import annotations

from urllib.parse import quote

from exchangekit_bot.storage import describe_storage, is_postgres_dsn, redact_dsn
from exchangekit_bot.storage.dsn import scrub
from hypothesis import given
from hypothesis import strategies as st

secrets = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="'\\"),
    min_size=6,
    max_size=30,
)


@given(password=secrets)
def test_a_url_password_is_masked_and_the_rest_kept(password):
    url = f"postgresql://bot:{quote(password, safe='')}@db.internal:5432/trading?sslmode=require"
    shown = redact_dsn(url)
    assert shown == "postgresql://bot:***@db.internal:5432/trading?sslmode=require"
    assert scrub(f"failed for {url} ({password})", url) == f"failed for {shown} (***)"


@given(password=secrets)
def test_a_keyword_password_is_masked(password):
    for dsn in (f"host=db password={password} user=bot", f"host=db password='{password}'"):
        assert password not in redact_dsn(dsn)
        assert "host=db" in redact_dsn(dsn)
        assert password not in scrub(f"boom: {password}", dsn)


def test_a_password_given_as_a_url_parameter_is_masked():
    assert redact_dsn("postgres://bot@h/db?password=hunter22&sslmode=require") == (
        "postgres://bot@h/db?password=***&sslmode=require"
    )


def test_dsns_and_sqlite_paths_are_told_apart():
    for dsn in ("postgresql://h/db", "POSTGRES://h/db", "host=/tmp dbname=x", " dbname=x"):
        assert is_postgres_dsn(dsn)
    for path in ("bot.db", "/var/lib/bot/state.db", ":memory:", "a=b.db", "./x=y"):
        assert not is_postgres_dsn(path)
        assert describe_storage(path) == path
