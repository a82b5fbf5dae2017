"""Keeping secrets and signatures out of messages and log lines.

Two defences, because one is never enough with money:

* the transport builds messages from the endpoint's method and path and from the response,
  never from the signed request; and whatever text does reach a message (an adapter's error
  text, an httpx exception message) passes through a :class:`Redactor` first;
* httpx logs every request URL at INFO (``HTTP Request: GET https://...?...&signature=...``).
  :func:`redact_httpx_urls` installs a filter on the ``httpx`` logger that drops the query
  string from those lines for the origins a transport talks to, leaving other users of
  httpx in the process untouched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from urllib.parse import quote

import httpx

__all__ = ["REDACTED", "Redactor", "redact_httpx_urls"]

REDACTED = "<redacted>"

_MIN_SECRET_LEN = 6  # shorter values (a "5000" recvWindow) would shred ordinary text


class Redactor:
    """Replaces every known secret value in a text with ``<redacted>``."""

    __slots__ = ("_values",)

    def __init__(self, values: Iterable[str] = ()) -> None:
        found: set[str] = set()
        for value in values:
            if value and len(value) >= _MIN_SECRET_LEN:
                found.add(value)
                found.add(quote(value, safe=""))  # as it would appear in a URL
        # Longest first, so a secret containing another is replaced whole.
        self._values = tuple(sorted(found, key=len, reverse=True))

    def __repr__(self) -> str:
        return f"Redactor({len(self._values)} values)"

    def extend(self, values: Iterable[str]) -> Redactor:
        """A redactor that also hides ``values``."""
        return Redactor((*self._values, *values))

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, REDACTED)
        return text


class _QueryStripper(logging.Filter):
    """Removes the query string from httpx's URL arguments for registered origins."""

    def __init__(self) -> None:
        super().__init__("httpx")
        self.origins: set[tuple[bytes, bytes, int | None]] = set()
        self._lock = threading.Lock()

    def add(self, url: httpx.URL) -> None:
        with self._lock:
            self.origins = self.origins | {_origin(url)}

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, httpx.URL) for a in args):
            record.args = tuple(self._strip(a) for a in args)
        return True

    def _strip(self, arg: object) -> object:
        if isinstance(arg, httpx.URL) and arg.query and _origin(arg) in self.origins:
            return f"{arg.copy_with(query=None)}?{REDACTED}"
        return arg


def _origin(url: httpx.URL) -> tuple[bytes, bytes, int | None]:
    return (url.raw_scheme, url.raw_host, url.port)


_STRIPPER = _QueryStripper()


def redact_httpx_urls(base_url: str | httpx.URL) -> None:
    """Hide query strings of requests to ``base_url``'s origin in httpx's own log lines."""
    _STRIPPER.add(httpx.URL(base_url))
    logging.getLogger("httpx").addFilter(_STRIPPER)  # a no-op when already installed
