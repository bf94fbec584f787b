"""The one place that decides what a public output may show: small-cell suppression, pseudonyms,
identifier removal and an identifier scan.

Two modes exist. ``da`` is for the district attorney's office: identifiers stay and tables are not
suppressed. ``public`` is for anything published: identifier columns are dropped, people are
referred to by salted pseudonyms at most, and every count of 1 to 10 people is suppressed together
with whatever would let a reader recover it (complementary suppression) and every rate, share,
ratio or interval computed from it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.errors import InputError

SMALL_CELL = 11
"""Counts of 1 to ``SMALL_CELL - 1`` people are never published."""

MODES = ("public", "da")
SALT_ENV = "SECONDLOOK_SALT"

IDENTIFIER_COLUMNS = (
    "cdcno",
    "cdcr_number",
    "cdcr_no",
    "name",
    "offender's name",
    "first_name",
    "last_name",
    "birth_date",
    "birthday",
    "date_of_birth",
    "dob",
    "case_number",
    "controlling_case_number",
    "source_row",
)
"""Columns that identify a person; dropped by :func:`public_view` in public mode."""

_IDENTIFIER_PATTERNS = re.compile(
    r"(^|_)(cdcno|cdcr_?(no|number)|name|names|birth|birthday|dob|case_numbers?|case_no)($|_)",
    re.IGNORECASE,
)

TEXT_SUFFIXES = (".html", ".htm", ".csv", ".json", ".md", ".txt", ".js", ".svg", ".xml", ".ipynb")


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is ``public`` or ``da``; raise :class:`InputError` otherwise."""
    if mode not in MODES:
        raise InputError(f"mode must be 'public' or 'da', not '{mode}'")
    return mode


# --------------------------------------------------------------------------------------------------
# Small-cell suppression
# --------------------------------------------------------------------------------------------------


def _groupings(by: str | Sequence[str] | Sequence[Sequence[str]] | None) -> list[list[str]]:
    """Normalise ``by`` to a list of groupings (each a list of columns; [] = the whole table)."""
    if by is None:
        return [[]]
    if isinstance(by, str):
        return [[by]]
    by = list(by)
    if all(isinstance(b, str) for b in by):
        return [list(by)]
    return [[b] if isinstance(b, str) else list(b) for b in by]


def _constraint_sets(
    out: pd.DataFrame,
    counts: list[str],
    by: str | Sequence[str] | Sequence[Sequence[str]] | None,
    row_totals: Mapping[str, Sequence[str]] | None,
) -> list[np.ndarray]:
    """Sets of (row, count column) cells whose sum is known or published.

    One set per group of rows sharing the values of a grouping of ``by`` and per count column,
    and one per row for each of ``row_totals`` (the total's cell with its parts' cells).
    """
    constraints: list[np.ndarray] = []
    for grouping in _groupings(by):
        keys = (
            np.zeros(len(out), dtype=np.int64)
            if not grouping
            else out.groupby(grouping, dropna=False, sort=False).ngroup().to_numpy()
        )
        for key in np.unique(keys):
            rows = np.flatnonzero(keys == key)
            if len(rows) < 2:
                continue
            for j in range(len(counts)):
                constraints.append(np.column_stack([rows, np.full(len(rows), j)]))
    for total, parts in (row_totals or {}).items():
        cols = [counts.index(total), *(counts.index(p) for p in parts)]
        for i in range(len(out)):
            constraints.append(np.column_stack([np.full(len(cols), i), cols]))
    return constraints


def _complementary(mask: np.ndarray, values: np.ndarray, constraints: list[np.ndarray]) -> None:
    """Hide, in place, a second cell of every set with exactly one hidden cell, until none is left.

    The second cell is the set's smallest positive one (a zero hides nothing).
    """
    changed = True
    while changed:
        changed = False
        for cells in constraints:
            hidden = mask[cells[:, 0], cells[:, 1]]
            if hidden.sum() != 1:
                continue
            free = cells[~hidden]
            vals = values[free[:, 0], free[:, 1]]
            order = np.lexsort((vals, vals <= 0))
            pick = free[order[0]]
            mask[pick[0], pick[1]] = True
            changed = True


def _derived_columns(
    out: pd.DataFrame,
    counts: list[str],
    by: str | Sequence[str] | Sequence[Sequence[str]] | None,
    derived: Mapping[str, Sequence[str]] | None,
) -> dict[str, list[str]]:
    """Column → the count columns it is computed from (default: every other numeric column
    depends on every count column)."""
    if derived is not None:
        return {c: list(v) for c, v in derived.items() if c in out}
    skip = set(counts) | {c for g in _groupings(by) for c in g}
    return {
        c: counts
        for c in out.columns
        if c not in skip
        and c not in ("suppressed", "suppression")
        and pd.api.types.is_numeric_dtype(out[c])
        and not pd.api.types.is_bool_dtype(out[c])
    }


def _masked(column: pd.Series, hide: np.ndarray) -> pd.Series:
    """``column`` with the hidden rows set to NA (in the nullable type of its kind)."""
    if pd.api.types.is_bool_dtype(column):
        column = column.astype("boolean")
    elif pd.api.types.is_integer_dtype(column):
        column = column.astype("Int64")
    elif pd.api.types.is_numeric_dtype(column):
        column = column.astype("Float64")
    else:
        column = column.astype("object")
    return column.mask(hide)


def suppress(
    table: pd.DataFrame,
    count_cols: str | Sequence[str],
    by: str | Sequence[str] | Sequence[Sequence[str]] | None = None,
    threshold: int = SMALL_CELL,
    *,
    row_totals: Mapping[str, Sequence[str]] | None = None,
    derived: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Suppress small cells of an aggregated table, with complementary suppression.

    * **Primary**: every count in ``count_cols`` between 1 and ``threshold - 1`` is suppressed.
    * **Complementary**: rows sharing the values of ``by`` (one grouping, or a list of groupings
      for two-way tables) add up to a total a reader may know; for each count column, when exactly
      one cell of such a group is suppressed, the next-smallest cell of the group is suppressed too
      (``by=None``: the whole table is one group). ``row_totals`` maps a total column to the part
      columns it is the sum of within a row (e.g. ``{"n": ["n_selected", "n_not_selected"]}``);
      the same rule applies to each such set of cells. Rules repeat until nothing changes.
    * **Derived** columns (rates, shares, ratios, intervals) are suppressed with the counts they
      are computed from: ``derived`` maps a column to its count columns; by default every other
      numeric column depends on every count column of its row.

    Suppressed values become NA (counts turn into nullable ``Int64``); ``suppressed`` is true on
    rows with any suppressed value and ``suppression`` says ``primary`` or ``complementary``.
    """
    counts = [count_cols] if isinstance(count_cols, str) else list(count_cols)
    out = table.copy().reset_index(drop=True)
    missing = [c for c in counts if c not in out]
    if missing:
        raise KeyError(f"count columns not in the table: {missing}")
    values = (
        np.column_stack(
            [pd.to_numeric(out[c], errors="coerce").fillna(0).to_numpy(float) for c in counts]
        )
        if len(out)
        else np.zeros((0, len(counts)))
    )
    primary = (values >= 1) & (values < threshold)
    mask = primary.copy()
    _complementary(mask, values, _constraint_sets(out, counts, by, row_totals))
    derived_map = _derived_columns(out, counts, by, derived)

    for j, c in enumerate(counts):
        out[c] = (
            pd.array(
                np.where(mask[:, j], pd.NA, pd.to_numeric(out[c], errors="coerce")), dtype="Int64"
            )
            if len(out)
            else out[c].astype("Int64")
        )
    for c, deps in derived_map.items():
        idx = [counts.index(d) for d in deps if d in counts]
        if idx:
            out[c] = _masked(out[c], mask[:, idx].any(axis=1))
    any_hidden = mask.any(axis=1)
    out["suppressed"] = any_hidden
    out["suppression"] = pd.Series(
        np.where(primary.any(axis=1), "primary", np.where(any_hidden, "complementary", "")),
        index=out.index,
        dtype="string",
    )
    return out


def for_mode(
    table: pd.DataFrame, mode: str, count_cols: str | Sequence[str], **kwargs
) -> pd.DataFrame:
    """Apply :func:`suppress` in ``public`` mode; in ``da`` mode add ``suppressed = False`` only."""
    if check_mode(mode) == "public":
        return suppress(table, count_cols, **kwargs)
    out = table.copy()
    out["suppressed"] = False
    out["suppression"] = pd.Series("", index=out.index, dtype="string")
    return out


# --------------------------------------------------------------------------------------------------
# Pseudonyms and identifiers
# --------------------------------------------------------------------------------------------------


def get_salt(config: Mapping | None = None) -> str | None:
    """The pseudonym salt: ``config["privacy"]["salt"]``, else ``$SECONDLOOK_SALT``, else None."""
    if config:
        salt = (config.get("privacy") or {}).get("salt")
        if salt:
            return str(salt)
    return os.environ.get(SALT_ENV) or None


def run_salt(shared_dir: Path) -> str:
    """The pseudonymisation salt: ``$SECONDLOOK_SALT`` or a random one kept beside the shared outputs.

    The salt is never published; without it pseudonymous IDs cannot be linked back to CDCR numbers.
    """
    env = os.environ.get(SALT_ENV)
    if env:
        return env
    path = Path(shared_dir) / ".salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16))
    return path.read_text().strip()


def pseudonymise(ids: Iterable, salt: str | bytes | None = None, *, length: int = 10) -> pd.Series:
    """Stable, non-reversible pseudonyms ``P-<hex>``: salted HMAC-SHA256 of each id.

    The salt is the secret key (argument, else ``$SECONDLOOK_SALT``); without it nothing can be
    reversed by hashing candidate ids.  The same id and salt always give the same pseudonym; two
    different ids that would collide raise ``ValueError`` (use a longer ``length``).  Missing ids
    stay missing.
    """
    if salt is None:
        salt = os.environ.get(SALT_ENV)
    if not salt:
        raise InputError(
            f"pseudonyms need a secret salt: set ${SALT_ENV} or privacy.salt in the county config"
        )
    if not 6 <= length <= 64:
        raise ValueError("length must be between 6 and 64 hex digits")
    key = salt.encode() if isinstance(salt, str) else bytes(salt)
    series = ids if isinstance(ids, pd.Series) else pd.Series(list(ids))
    text = series.astype("string")
    uniq = text.dropna().unique()
    mapping = {
        u: "P-" + hmac.new(key, str(u).encode(), hashlib.sha256).hexdigest()[:length] for u in uniq
    }
    if len(set(mapping.values())) != len(mapping):
        raise ValueError(f"pseudonym collision at length {length}; use a longer length")
    return text.map(mapping).astype("string")


def identifier_columns(frame: pd.DataFrame) -> list[str]:
    """Columns of ``frame`` that identify people (known names and name patterns)."""
    known = {c.lower() for c in IDENTIFIER_COLUMNS}
    return [
        c for c in frame.columns if str(c).lower() in known or _IDENTIFIER_PATTERNS.search(str(c))
    ]


#: Candidate-list columns whose reasons name the case of each count (`` in case BA123456``).
REASON_COLUMNS = ("failed_rules", "unknown_rules", "near_miss")
_CASE_PHRASE = re.compile(r" in case [^\s;|,)]+")


def without_case_numbers(values: pd.Series) -> pd.Series:
    """Reasons with the `` in case <number>`` of each count removed (for public outputs)."""
    return values.astype("string").str.replace(_CASE_PHRASE, "", regex=True)


def public_view(
    candidates: pd.DataFrame, mode: str, salt: str | bytes | None = None
) -> pd.DataFrame:
    """``candidates`` fit for ``mode``: unchanged in ``da``; in ``public`` identifiers dropped and
    case numbers removed from the reasons (:data:`REASON_COLUMNS`).

    In public mode a ``pseudo_id`` column (salted, see :func:`pseudonymise`) replaces ``cdcno``
    when a salt is given or set in ``$SECONDLOOK_SALT``.
    """
    if check_mode(mode) == "da":
        return candidates.copy()
    out = candidates.drop(columns=identifier_columns(candidates))
    for col in REASON_COLUMNS:
        if col in out:
            out[col] = without_case_numbers(out[col])
    salt = salt if salt is not None else os.environ.get(SALT_ENV)
    if salt and "cdcno" in candidates:
        out.insert(0, "pseudo_id", pseudonymise(candidates["cdcno"], salt).to_numpy())
    return out


_TOKEN = re.compile(r"[0-9a-z]+")


def _texts(obj: object) -> Iterable[str]:
    if isinstance(obj, pd.DataFrame | pd.Series):
        yield obj.to_csv(index=True)
    elif isinstance(obj, Path):
        files = sorted(p for p in obj.rglob("*") if p.is_file()) if obj.is_dir() else [obj]
        for path in files:
            if path.suffix.lower() in TEXT_SUFFIXES:
                yield path.read_text(encoding="utf-8", errors="ignore")
    elif isinstance(obj, str):
        yield obj
    else:
        raise TypeError(f"cannot scan a {type(obj).__name__}")


def find_identifiers(
    text_or_frame: str | Path | pd.DataFrame | pd.Series, identifiers: Iterable
) -> list[str]:
    """Identifiers that occur in the text, frame, file or folder (case-insensitive, whole tokens)."""
    ids = {str(i).strip().lower() for i in identifiers if i is not None and not pd.isna(i)}
    ids.discard("")
    simple = {i for i in ids if _TOKEN.fullmatch(i)}
    complex_ = ids - simple
    found: set[str] = set()
    # A multi-token identifier (e.g. a name) can only occur where all its tokens occur: check the
    # cheap token sets first, the exact pattern only for those candidates.
    complex_tokens = {ident: set(_TOKEN.findall(ident)) for ident in complex_}
    for text in _texts(text_or_frame):
        low = text.lower()
        tokens = set(_TOKEN.findall(low))
        found |= simple & tokens
        for ident, parts in complex_tokens.items():
            if ident in found or not parts <= tokens:
                continue
            pattern = r"(?<![0-9a-z])" + re.escape(ident) + r"(?![0-9a-z])"
            if re.search(pattern, low):
                found.add(ident)
    return sorted(found)


def assert_no_identifiers(
    text_or_frame: str | Path | pd.DataFrame | pd.Series, identifiers: Iterable
) -> None:
    """Raise ``AssertionError`` if any identifier occurs (the message masks the ones found)."""
    found = find_identifiers(text_or_frame, identifiers)
    if found:
        masked = ", ".join(f"{f[:2]}…{f[-1:]}" for f in found[:5])
        raise AssertionError(f"{len(found)} identifier(s) found in a public output (e.g. {masked})")
