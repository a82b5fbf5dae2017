"""Telling a PostgreSQL connection string from a SQLite path, and printing it without its
password.

A DSN is either a URL (``postgresql://user:secret@host:5432/db?sslmode=require``) or a
libpq keyword string (``host=db user=bot password=secret dbname=bot``). Only the password
is secret; the rest (host, port, database, user) is what an operator needs to see.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

__all__ = ["is_postgres_dsn", "redact_dsn", "scrub"]

_SCHEMES = ("postgresql://", "postgres://")
_MASK = "***"
# libpq keyword/value form: password=secret or password='it''s quoted'.
# A libpq keyword string starts with one of its keywords (a SQLite path would not).
_KEYWORD_DSN = re.compile(
    r"\s*(host|hostaddr|port|dbname|user|password|passfile|service|sslmode|options"
    r"|application_name|connect_timeout|target_session_attrs)\s*="
)
_QUERY_PASSWORD = re.compile(r"((?:^|&)password=)[^&]*", re.IGNORECASE)
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def is_postgres_dsn(target: str) -> bool:
    """True for a PostgreSQL URL or a libpq ``key=value`` string, False for a file path."""
    lowered = target.strip().lower()
    if lowered.startswith(_SCHEMES):
        return True
    return _KEYWORD_DSN.match(lowered) is not None


def redact_dsn(dsn: str) -> str:
    """``dsn`` with its password (in the authority or a ``password`` parameter) masked."""
    if dsn.strip().lower().startswith(_SCHEMES):
        try:
            parts = urlsplit(dsn.strip())
        except ValueError:
            return "postgresql://" + _MASK
        netloc = parts.netloc
        userinfo, at, hostinfo = netloc.rpartition("@")
        if at and ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:{_MASK}@{hostinfo}"
        query = _QUERY_PASSWORD.sub(lambda m: m.group(1) + _MASK, parts.query)
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + _MASK, dsn)


def _passwords(dsn: str) -> list[str]:
    found: list[str] = []
    if dsn.strip().lower().startswith(_SCHEMES):
        try:
            parts = urlsplit(dsn.strip())
        except ValueError:
            return found
        userinfo, at, _ = parts.netloc.rpartition("@")
        if at and ":" in userinfo:
            raw = userinfo.split(":", 1)[1]
            found.extend((raw, unquote(raw)))
        found.extend(v for k, v in parse_qsl(parts.query) if k.lower() == "password")
    else:
        found.extend(m.group(2).strip("'") for m in _KEYWORD_PASSWORD.finditer(dsn))
    # Longest first, so a password that contains another one is masked whole.
    return sorted({p for p in found if p}, key=len, reverse=True)


def scrub(text: str, dsn: str) -> str:
    """``text`` (a driver's error message, say) with ``dsn`` and its password masked."""
    text = text.replace(dsn, redact_dsn(dsn))
    for secret in _passwords(dsn):
        text = text.replace(secret, _MASK)
    return text
