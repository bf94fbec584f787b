"""The one YAML reader of the project's settings files, with one error format.

County configurations and presets (``configs/counties``, ``configs/presets``), Prop 64 flows
(``configs/prop64``) and the accountability settings (``configs/accountability.yaml``) are all read
here.  Every problem is an :class:`~helpers.errors.InputError` whose one line names the file, the
key path and what was expected::

    configs/counties/yolo.yaml: key 'score.weights.a': expected a finite number, got nan

Files share one vocabulary: ``name``, ``description``, ``sources`` (a list of citations), ``type``
(of a rule or step) and ``extends`` (a preset name or a list of them, merged in order, then the
file itself on top).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from helpers.errors import InputError

Doc = dict[str, Any]


def fail(path: str | Path | None, key: str, expected: str, value: Any = ...) -> InputError:
    """The error of a bad setting: file, key path, what was expected (and what was found)."""
    got = "" if value is ... else f", got {value!r}"
    where = f"key '{key}': " if key else ""
    return InputError(f"{where}expected {expected}{got}", file=str(path) if path else None)


def read_mapping(path: str | Path) -> Doc:
    """Read a YAML file that must hold a mapping (an empty file is an empty mapping)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("settings file not found", file=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        raise InputError(f"{line}not valid YAML ({problem})", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(path)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise fail(path, "", "a mapping of keys (name:, description:, …)", type(data).__name__)
    return data


def check_keys(
    doc: Mapping[str, Any], allowed: Iterable[str], path: Path | None, where: str = ""
) -> None:
    """Reject keys outside ``allowed`` (a typo must not be silently ignored)."""
    allowed = set(allowed)
    for key in doc:
        if key not in allowed:
            raise fail(path, join(where, str(key)), f"one of: {', '.join(sorted(allowed))}")


def join(where: str, key: str | int) -> str:
    """Key path ``a.b`` (or ``a[2]`` for list items)."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> Doc:
    """Recursive merge of mappings: ``top`` wins; lists and scalars are replaced, not merged."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def parents_of(doc: Mapping[str, Any], path: Path | None) -> list[str]:
    """The presets a file ``extends`` (a name or a list of names)."""
    parents = doc.get("extends") or []
    if isinstance(parents, str):
        parents = [parents]
    if not isinstance(parents, list) or not all(isinstance(p, str) and p for p in parents):
        raise fail(path, "extends", "a preset name or a list of them", doc.get("extends"))
    return parents


def resolve_extends(
    path: Path, find_preset: Callable[[str], Path], read: Callable[[Path], Doc] = read_mapping
) -> tuple[Doc, list[Path]]:
    """A file merged on top of the presets it ``extends`` (recursively, in order).

    Returns the merged mapping (without ``extends``) and the files read, parents first.
    ``find_preset`` maps a preset name to its file; a cycle is an error.
    """

    def walk(current: Path, chain: tuple[Path, ...]) -> tuple[Doc, list[Path]]:
        if current in chain:
            names = " -> ".join(p.stem for p in (*chain, current))
            raise fail(current, "extends", "no cycle of presets", names)
        doc = read(current)
        merged: Doc = {}
        files: list[Path] = []
        for name in parents_of(doc, current):
            preset = find_preset(name)
            if not preset.is_file():
                raise fail(current, "extends", "the name of a preset file", name)
            part, part_files = walk(preset, (*chain, current))
            merged = deep_merge(merged, part)
            files += [f for f in part_files if f not in files]
        own = {k: v for k, v in doc.items() if k != "extends"}
        return deep_merge(merged, own), [*files, current]

    return walk(Path(path), ())


def number(
    value: Any,
    key: str,
    path: Path | None,
    *,
    lo: float | None = None,
    hi: float | None = None,
) -> float:
    """A finite number in ``[lo, hi]`` (booleans, NaN and infinities are rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(path, key, "a finite number", value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise fail(path, key, f"a number between {_bound(lo)} and {_bound(hi)}", value)
    return float(value)


def integer(
    value: Any, key: str, path: Path | None, *, lo: int | None = None, hi: int | None = None
) -> int:
    """A whole number in ``[lo, hi]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, key, "a whole number", value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise fail(path, key, f"a whole number between {_bound(lo)} and {_bound(hi)}", value)
    return value


def text(value: Any, key: str, path: Path | None, *, empty: bool = False) -> str:
    """A text value (non-empty unless ``empty``)."""
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise fail(path, key, "a non-empty text" if not empty else "a text", value)
    return value.strip()


def choice(value: Any, key: str, path: Path | None, options: Iterable[str]) -> str:
    """One of ``options``."""
    options = tuple(options)
    if value not in options:
        raise fail(path, key, f"one of: {', '.join(options)}", value)
    return str(value)


def flag(value: Any, key: str, path: Path | None) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise fail(path, key, "true or false", value)
    return value


def day(value: Any, key: str, path: Path | None) -> date:
    """A date written ``YYYY-MM-DD``."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise fail(path, key, "a date like 2025-01-01", value) from None


def text_list(value: Any, key: str, path: Path | None) -> list[str]:
    """A list of texts (one text is a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(path, key, "a list of texts", value)
    return [v.strip() for v in value]


def mapping(value: Any, key: str, path: Path | None) -> Doc:
    """A mapping (``None`` is an empty one)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise fail(path, key, "a mapping of keys", value)
    return value


def _bound(value: float | None) -> str:
    return "any" if value is None else f"{value:g}"
