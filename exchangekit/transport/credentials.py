"""API credentials that never show their secrets.

A :class:`Credentials` object is the only place a secret lives. Its ``repr`` and ``str``
show a masked key and ``<redacted>`` for everything else, it refuses to be pickled (a
pickle is a file, a queue message or a cache entry: somewhere a secret must not go), and
``copy`` returns the same object, since it is immutable.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["Credentials", "mask"]


def mask(value: str) -> str:
    """Show enough of an identifier to recognise it, never enough to use it.

    ``vmPUZE6mv9SD...uEh8A`` becomes ``vmPU…uEh8A``; values shorter than 16 characters
    become ``…`` entirely.
    """
    if len(value) < 16:
        return "…"
    return f"{value[:4]}…{value[-5:]}"


class Credentials:
    """An API key and its secrets: ``api_secret``, an optional ``passphrase`` (OKX) and an
    optional ``private_key`` (PEM text, for RSA or Ed25519 signing).

    >>> Credentials("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", "s3cr3t")
    Credentials(api_key='vmPU…uEh8A', api_secret=<redacted>)
    """

    __slots__ = ("_api_key", "_api_secret", "_passphrase", "_private_key")

    _api_key: str
    _api_secret: str
    _passphrase: str | None
    _private_key: str | None

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        passphrase: str | None = None,
        private_key: str | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key must not be empty")
        if not api_secret and not private_key:
            raise ValueError("give api_secret or private_key")
        object.__setattr__(self, "_api_key", api_key)
        object.__setattr__(self, "_api_secret", api_secret)
        object.__setattr__(self, "_passphrase", passphrase)
        object.__setattr__(self, "_private_key", private_key)

    @property
    def api_key(self) -> str:
        """The public half. Sent in a header; still masked in every repr."""
        return self._api_key

    @property
    def api_secret(self) -> str:
        """The HMAC secret. Use it only to sign."""
        return self._api_secret

    @property
    def passphrase(self) -> str | None:
        """The passphrase some exchanges (OKX) require beside the key."""
        return self._passphrase

    @property
    def private_key(self) -> str | None:
        """PEM private key for RSA or Ed25519 signing, if used instead of HMAC."""
        return self._private_key

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never be shown: the key, secret, passphrase, private key."""
        values = (self._api_key, self._api_secret, self._passphrase, self._private_key)
        return tuple(v for v in values if v)

    def __repr__(self) -> str:
        parts = [f"api_key={mask(self._api_key)!r}"]
        if self._api_secret:
            parts.append("api_secret=<redacted>")
        if self._passphrase is not None:
            parts.append("passphrase=<redacted>")
        if self._private_key is not None:
            parts.append("private_key=<redacted>")
        return f"Credentials({', '.join(parts)})"

    __str__ = __repr__

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError("Credentials are immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("Credentials are immutable")

    def __reduce__(self) -> NoReturn:
        raise TypeError("Credentials cannot be pickled: secrets stay in the process")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("Credentials cannot be pickled: secrets stay in the process")

    def __copy__(self) -> Credentials:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Credentials:
        return self
