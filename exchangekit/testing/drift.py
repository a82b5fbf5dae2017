"""Schema drift: compare raw exchange payloads with the adapter's schemas, field by field.

Every payload seen in a run is walked against the msgspec schema it is meant to decode
into. The result, per endpoint, is a list of findings:

- ``new``: the exchange sent a field the schema does not know: a **warning** (harmless
  today; maybe a feature tomorrow).
- ``missing``: a field the schema requires (the mapper needs it) is absent: a **failure**.
  A missing optional field is only noted (``missing_optional``, a warning).
- ``retyped``: a field is present with a different JSON type, or an enum field carries a
  value the schema does not list: a **failure**.

:class:`DriftRecorder` collects findings and writes ``drift-report.json`` plus a readable
``drift-report.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import msgspec
from msgspec import inspect as mi

__all__ = ["DriftFinding", "DriftRecorder", "check_payload"]

FindingKind = Literal["new", "missing", "missing_optional", "retyped"]
_FAILURES = frozenset({"missing", "retyped"})


class DriftFinding(msgspec.Struct, frozen=True, kw_only=True):
    endpoint: str
    path: str
    kind: FindingKind
    expected: str = ""
    seen: str = ""

    @property
    def is_failure(self) -> bool:
        return self.kind in _FAILURES


def check_payload(endpoint: str, schema: Any, payload: Any) -> list[DriftFinding]:
    """Findings for one decoded-as-builtins payload against ``schema`` (a type)."""
    out: list[DriftFinding] = []
    _walk(endpoint, payload, mi.type_info(schema), "$", out)
    return out


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _describe(ti: mi.Type) -> str:
    name = type(ti).__name__.removesuffix("Type").lower()
    if isinstance(ti, mi.StructType):
        return ti.cls.__name__
    if isinstance(ti, mi.LiteralType):
        return "one of " + ", ".join(repr(v) for v in ti.values)
    if isinstance(ti, mi.UnionType):
        return " | ".join(_describe(t) for t in ti.types)
    return name


def _walk(endpoint: str, value: Any, ti: mi.Type, path: str, out: list[DriftFinding]) -> None:
    problems = _mismatch(endpoint, value, ti, path)
    out.extend(problems)


def _mismatch(endpoint: str, value: Any, ti: mi.Type, path: str) -> list[DriftFinding]:
    def retyped() -> list[DriftFinding]:
        shown = repr(value) if isinstance(value, str | int | float | bool) else _json_type(value)
        return [
            DriftFinding(
                endpoint=endpoint, path=path, kind="retyped", expected=_describe(ti), seen=shown
            )
        ]

    if isinstance(ti, mi.AnyType):
        return []
    if isinstance(ti, mi.UnionType):
        best: list[DriftFinding] | None = None
        for member in ti.types:
            candidate = _mismatch(endpoint, value, member, path)
            failures = sum(f.is_failure for f in candidate)
            if best is None or failures < sum(f.is_failure for f in best):
                best = candidate
            if failures == 0:
                return candidate
        return retyped() if best is None else best
    if isinstance(ti, mi.NoneType):
        return [] if value is None else retyped()
    if isinstance(ti, mi.BoolType):
        return [] if isinstance(value, bool) else retyped()
    if isinstance(ti, mi.IntType):
        return [] if isinstance(value, int) and not isinstance(value, bool) else retyped()
    if isinstance(ti, mi.FloatType):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else retyped()
    if isinstance(ti, mi.StrType):
        return [] if isinstance(value, str) else retyped()
    if isinstance(ti, mi.DecimalType):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return []
        if isinstance(value, str):
            try:
                Decimal(value)
            except InvalidOperation:
                return retyped()
            return []
        return retyped()
    if isinstance(ti, mi.LiteralType):
        return [] if value in ti.values else retyped()
    if isinstance(ti, mi.EnumType):
        values = {m.value for m in ti.cls}
        return [] if value in values else retyped()
    if isinstance(ti, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        if not isinstance(value, list):
            return retyped()
        found: list[DriftFinding] = []
        for i, item in enumerate(value):
            prefix = f"{path}[{i}]"
            for f in _mismatch(endpoint, item, ti.item_type, prefix):
                # One finding per field of the items, not one per item.
                found.append(msgspec.structs.replace(f, path=f"{path}[*]" + f.path[len(prefix) :]))
        return _dedupe(found)
    if isinstance(ti, mi.TupleType):
        if not isinstance(value, list):
            return retyped()
        found_items: list[DriftFinding] = []
        for i, (item, item_ti) in enumerate(zip(value, ti.item_types, strict=False)):
            found_items.extend(_mismatch(endpoint, item, item_ti, f"{path}[{i}]"))
        if len(value) < len(ti.item_types):
            found_items.append(
                DriftFinding(
                    endpoint=endpoint,
                    path=f"{path}[{len(value)}]",
                    kind="missing",
                    expected=_describe(ti.item_types[len(value)]),
                )
            )
        return found_items
    if isinstance(ti, mi.DictType):
        if not isinstance(value, dict):
            return retyped()
        found_values: list[DriftFinding] = []
        for key, item in value.items():
            found_values.extend(_mismatch(endpoint, item, ti.value_type, f"{path}.{key}"))
        return found_values
    if isinstance(ti, mi.StructType):
        return _struct(endpoint, value, ti, path, retyped)
    return []


def _struct(
    endpoint: str, value: Any, ti: mi.StructType, path: str, retyped: Any
) -> list[DriftFinding]:
    found: list[DriftFinding] = []
    if ti.array_like:
        if not isinstance(value, list):
            return list(retyped())
        for i, field in enumerate(ti.fields):
            if i < len(value):
                found.extend(_mismatch(endpoint, value[i], field.type, f"{path}[{i}]"))
            elif field.required:
                found.append(
                    DriftFinding(
                        endpoint=endpoint,
                        path=f"{path}[{i}]",
                        kind="missing",
                        expected=_describe(field.type),
                    )
                )
        return found
    if not isinstance(value, dict):
        return list(retyped())
    known = {f.encode_name for f in ti.fields}
    if ti.tag_field is not None:
        known.add(ti.tag_field)
    for field in ti.fields:
        sub = f"{path}.{field.encode_name}"
        if field.encode_name in value:
            found.extend(_mismatch(endpoint, value[field.encode_name], field.type, sub))
        else:
            kind: FindingKind = "missing" if field.required else "missing_optional"
            found.append(
                DriftFinding(endpoint=endpoint, path=sub, kind=kind, expected=_describe(field.type))
            )
    for key in value:
        if key not in known:
            found.append(
                DriftFinding(
                    endpoint=endpoint, path=f"{path}.{key}", kind="new", seen=_json_type(value[key])
                )
            )
    return found


def _dedupe(findings: Iterable[DriftFinding]) -> list[DriftFinding]:
    seen: dict[tuple[str, str], DriftFinding] = {}
    for f in findings:
        seen.setdefault((f.path, f.kind), f)
    return list(seen.values())


class DriftRecorder:
    """Collects findings over a run, one entry per (endpoint, path, kind)."""

    def __init__(self) -> None:
        self._findings: dict[tuple[str, str, str], DriftFinding] = {}
        self._counts: dict[tuple[str, str, str], int] = {}
        self.payloads_seen: dict[str, int] = {}

    def observe(self, endpoint: str, schema: Any, raw: bytes | str) -> list[DriftFinding]:
        """Check one raw JSON payload; returns this payload's findings."""
        self.payloads_seen[endpoint] = self.payloads_seen.get(endpoint, 0) + 1
        try:
            payload = json.loads(raw)
        except ValueError:
            found = [
                DriftFinding(
                    endpoint=endpoint, path="$", kind="retyped", expected="JSON", seen="not JSON"
                )
            ]
        else:
            found = _dedupe(check_payload(endpoint, schema, payload))
        for f in found:
            key = (f.endpoint, f.path, f.kind)
            self._findings.setdefault(key, f)
            self._counts[key] = self._counts.get(key, 0) + 1
        return found

    def merge(self, other: DriftRecorder) -> None:
        """Add another recorder's payload counts and findings to this one."""
        for endpoint, count in other.payloads_seen.items():
            self.payloads_seen[endpoint] = self.payloads_seen.get(endpoint, 0) + count
        for key, finding in other._findings.items():
            self._findings.setdefault(key, finding)
            self._counts[key] = self._counts.get(key, 0) + other._counts[key]

    @property
    def findings(self) -> list[DriftFinding]:
        return sorted(self._findings.values(), key=lambda f: (f.endpoint, f.path, f.kind))

    @property
    def failures(self) -> list[DriftFinding]:
        return [f for f in self.findings if f.is_failure]

    @property
    def warnings(self) -> list[DriftFinding]:
        return [f for f in self.findings if not f.is_failure]

    def report(self) -> dict[str, Any]:
        by_endpoint: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for f in self.findings:
            entry = by_endpoint.setdefault(
                f.endpoint, {"new": [], "missing": [], "missing_optional": [], "retyped": []}
            )
            entry[f.kind].append(
                {
                    "path": f.path,
                    "expected": f.expected,
                    "seen": f.seen,
                    "occurrences": self._counts[(f.endpoint, f.path, f.kind)],
                }
            )
        return {
            "payloads_seen": dict(sorted(self.payloads_seen.items())),
            "failures": len(self.failures),
            "warnings": len(self.warnings),
            "endpoints": by_endpoint,
        }

    def summary(self) -> str:
        lines = [
            f"# Schema drift report\n\n{sum(self.payloads_seen.values())} payloads from "
            f"{len(self.payloads_seen)} endpoints; {len(self.failures)} failures, "
            f"{len(self.warnings)} warnings.\n"
        ]
        for f in self.findings:
            level = "FAIL" if f.is_failure else "warn"
            detail = f"expected {f.expected}" if f.expected else ""
            if f.seen:
                detail += (", " if detail else "") + f"seen {f.seen}"
            lines.append(f"- {level} `{f.endpoint}` {f.kind} `{f.path}` {detail}".rstrip())
        return "\n".join(lines) + "\n"

    def write(self, directory: str | Path, *, stem: str = "drift-report") -> tuple[Path, Path]:
        """Write ``<stem>.json`` and ``<stem>.md`` into ``directory``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        json_path = out / f"{stem}.json"
        md_path = out / f"{stem}.md"
        json_path.write_text(json.dumps(self.report(), indent=2) + "\n")
        md_path.write_text(self.summary())
        return json_path, md_path
