"""Decoding exchange payloads into typed schemas, with errors that name the bad field.

Adapters build a decoder once per schema (``decoder(OrderResponse)``) and call it on raw
bytes; :func:`to_wire` takes a payload in whatever form a caller holds it. Any mismatch (missing field, wrong type, unknown enum value, malformed JSON) raises
:class:`~exchangekit.errors.MappingError` carrying the raw payload and the JSON path of the
field; a ``KeyError``, ``TypeError`` or ``IndexError`` never leaks.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from types import UnionType
from typing import Any, ParamSpec, TypeVar, Union, get_args, get_origin

import msgspec

from exchangekit.errors import MappingError

__all__ = ["accepts_json", "convert", "decoder", "mapping_error", "to_wire", "wire_or_reraise"]

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")

_AT = re.compile(r" - at `(?P<path>\$[^`]*)`$")
_MISSING = re.compile(r"missing required field `(?P<field>[^`]+)`")


def mapping_error(
    exc: Exception, raw: Any, *, exchange: str | None = None, what: str = "payload"
) -> MappingError:
    """Turn a msgspec (or mapper) exception into a :class:`MappingError` with the path."""
    message = str(exc)
    path = "$"
    match = _AT.search(message)
    if match:
        path = match["path"]
        message = message[: match.start()]
    missing = _MISSING.search(message)
    if missing:
        path = f"{path}.{missing['field']}"
    return MappingError(f"malformed {what}: {message}", path=path, raw=raw, exchange=exchange)


def decoder(type_: type[T], *, exchange: str | None = None) -> Callable[[bytes | str], T]:
    """A JSON decoder for ``type_`` built once, raising :class:`MappingError` on mismatch."""
    dec = msgspec.json.Decoder(type_)
    what = getattr(type_, "__name__", str(type_))

    def decode(data: bytes | str) -> T:
        try:
            return dec.decode(data)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise mapping_error(exc, data, exchange=exchange, what=what) from None

    return decode


def convert(obj: Any, type_: type[T], *, exchange: str | None = None) -> T:
    """Convert already-decoded data (dicts, lists) into ``type_``, as :func:`decoder` does."""
    try:
        return msgspec.convert(obj, type_)
    except msgspec.ValidationError as exc:
        what = getattr(type_, "__name__", str(type_))
        raise mapping_error(exc, obj, exchange=exchange, what=what) from None


def to_wire(raw: object, type_: type[T], *, exchange: str | None = None) -> T:
    """``raw`` as the wire schema ``type_``, from whatever form the caller holds.

    JSON text or bytes are decoded; parsed JSON (``dict``/``list`` from ``json.loads``) and
    other msgspec structs are converted. A mismatch raises :class:`MappingError` with the
    path of the field; anything that is not a payload at all (``None``, a number where an
    object belongs) raises it at ``$``. The adapters' mappers call this when handed
    something other than their decoded struct, so ``mapper(json.loads(body), ...)`` works.
    """
    what = getattr(type_, "__name__", str(type_))
    if isinstance(type_, type) and isinstance(raw, type_):
        return raw
    try:
        if isinstance(raw, bytes | bytearray | memoryview | str):
            return msgspec.json.decode(raw, type=type_)
        if isinstance(raw, msgspec.Struct):
            raw = msgspec.to_builtins(raw)
        return msgspec.convert(raw, type_)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise mapping_error(exc, raw, exchange=exchange, what=what) from None
    except (TypeError, ValueError) as exc:  # not a JSON value at all (e.g. a set, an object)
        raise MappingError(
            f"malformed {what}: {exc}", path="$", raw=raw, exchange=exchange
        ) from None


def wire_or_reraise(
    raw: object, type_: type[T], error: AttributeError, *, exchange: str | None = None
) -> T:
    """A mapper's way back when handed something other than its wire struct.

    Mappers read attributes of their decoded struct; given a ``dict`` (``json.loads``),
    bytes or another struct instead, that read raises ``AttributeError``. Catching it and
    calling the mapper again on ``wire_or_reraise(raw, Schema, exc)`` costs nothing on the
    normal path. When ``raw`` already *is* ``type_``, the ``AttributeError`` came from the
    mapper itself and is raised again unchanged, so a defect is never retried or hidden.
    """
    if _is_wire(raw, type_):
        raise error
    return to_wire(raw, type_, exchange=exchange)


def _is_wire(raw: object, type_: Any) -> bool:
    origin = get_origin(type_)
    if origin in (Union, UnionType):
        return any(_is_wire(raw, option) for option in get_args(type_))
    if origin is list:
        (item,) = get_args(type_)
        return isinstance(raw, list) and all(_is_wire(element, item) for element in raw)
    return isinstance(type_, type) and isinstance(raw, type_)


def accepts_json(
    type_: Any, *, exchange: str | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Let a mapper whose first argument is the wire struct ``type_`` also take that payload
    as JSON text, bytes or parsed JSON (see :func:`wire_or_reraise`).

    The struct itself goes straight through; only an ``AttributeError`` leads to the
    conversion, so a malformed payload still ends in :class:`MappingError` with its path.
    Costs one call frame; the hottest mappers write the ``except`` clause inline instead.
    """

    def decorate(mapper: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(mapper)
        def mapped(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return mapper(*args, **kwargs)
            except AttributeError as exc:
                if not args:
                    raise
                wire = wire_or_reraise(args[0], type_, exc, exchange=exchange)
                return mapper(*(wire, *args[1:]), **kwargs)

        return mapped

    return decorate
