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
from html.parser import HTMLParser
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


# --------------------------------------------------------------------------------------------------
# The publishing gate: counts, lists and documents of a public output
# --------------------------------------------------------------------------------------------------

SUPPRESSED_TEXT = f"fewer than {SMALL_CELL}"
"""How a suppressed count reads in public text."""


def is_small(n: object) -> bool:
    """True for a count of 1 to ``SMALL_CELL - 1`` (what public outputs never show)."""
    if isinstance(n, bool) or n is None:
        return False
    try:
        value = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return not np.isnan(value) and 1 <= value < SMALL_CELL


def public_count(n: int, mode: str) -> int | None:
    """``n``, or None where a public output must not show it (1 to 10 people)."""
    return None if check_mode(mode) == "public" and is_small(n) else int(n)


def count_text(n: int, mode: str) -> str:
    """``n`` in words for a page: ``1,234``, or ``fewer than 11`` in public mode for 1 to 10."""
    shown = public_count(n, mode)
    return SUPPRESSED_TEXT if shown is None else f"{shown:,}"


def gate_counts(doc: object, mode: str, keys: Iterable[str]) -> object:
    """A JSON-like document with every count under one of ``keys`` (at any depth) set to None
    when it is 1 to 10, in public mode; unchanged in DA mode."""
    names = set(keys)
    if check_mode(mode) == "da":
        return doc
    if isinstance(doc, Mapping):
        return {
            k: (None if k in names and is_small(v) else gate_counts(v, mode, names))
            for k, v in doc.items()
        }
    if isinstance(doc, list | tuple):
        return [gate_counts(v, mode, names) for v in doc]
    return doc


WITHHELD_LIST = (
    f"This list is not published: it would show how many people (1 to {SMALL_CELL - 1}) are in a "
    "group whose count is suppressed. District attorney offices see it in their own report."
)


def list_reveals_small_count(
    rows: pd.DataFrame, population: pd.DataFrame | None = None, by: Sequence[str] = ()
) -> bool:
    """True when a published list of people would reveal a count of 1 to 10: the list itself has
    1 to 10 rows and is the whole ``population``, or for a column of ``by``, a value's rows in
    the list are all of that value's 1 to 10 people in ``population``."""
    whole = population if population is not None else rows
    if is_small(len(rows)) and len(rows) == len(whole):
        return True
    for col in by:
        if col not in rows or col not in whole:
            continue
        shown = rows[col].astype(str).value_counts()
        total = whole[col].astype(str).value_counts()
        both = pd.concat([shown.rename("shown"), total.rename("total")], axis=1).fillna(0)
        n, t = both["shown"].to_numpy(float), both["total"].to_numpy(float)
        if ((n >= 1) & (n < SMALL_CELL) & (n == t)).any():
            return True
    return False


def gate_list(
    rows: pd.DataFrame,
    mode: str,
    *,
    population: pd.DataFrame | None = None,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """A list of people fit for ``mode``: in public mode a list that would reveal a small count
    (:func:`list_reveals_small_count`) becomes one row saying it is withheld."""
    if check_mode(mode) == "public" and list_reveals_small_count(rows, population, by):
        return pd.DataFrame({"note": [WITHHELD_LIST]})
    return rows


# --------------------------------------------------------------------------------------------------
# The public-build scan for small counts
# --------------------------------------------------------------------------------------------------

COUNT_WORDS = (
    "n|people|persons|count|counts|cases|candidates|positive|positives|negative|negatives|"
    "flagged|found|pool|selected|eligible|reviewed|outliers|decisions|reviews|resentenced"
)
_COUNT_NAME = re.compile(
    rf"^(?:#\s*(?:of\s+)?\w.*|(?:n|number(?: of)?)[\s_]\S.*|.*[\s_](?:{COUNT_WORDS})|"
    rf"(?:{COUNT_WORDS})(?:[\s_].*)?)$",
    re.IGNORECASE,
)
PUBLISHED_SECTIONS = ("Cases reviewed",)
"""Sections the small-count scan leaves alone, a documented exception: the annual report's and
press release's public list of the cases reviewed in the year (with their decisions), which the
memo asks every county to publish."""
PUBLISHED_MEASURES = (
    "All reviews logged in the year",
    "Extreme-outlier cases reviewed in the year",
)
"""Measures of the annual report that count the public list of reviewed cases (the same
documented exception)."""
LIST_LENGTH = 10
"""Person lists are published top-10 (or longer); a shorter public list shows how many there are."""
_PERSON_COLUMNS = {"person", "pseudo_id", "pseudonym"}
_TEXT_NAME = re.compile(rf"\b(?:{COUNT_WORDS}|people|persons)\b", re.IGNORECASE)
_SMALL = r"(?<![\d.,–\[-])(?<!to )(?<!than )([1-9]|10)(?![\d.,%–\]-])"
_TEXT_COUNT = re.compile(
    rf"{_SMALL}\s+(?:{COUNT_WORDS}|person|candidate|decision|case)\b"
    rf"|\b(?:{COUNT_WORDS})\b[^.:\n<]{{0,40}}(?<=[A-Za-z]):\s*{_SMALL}",
    re.IGNORECASE,
)


_NOT_COUNT = re.compile(
    r"share|rate|ratio|percent|%|year|month|age|rank|required|mandate|target|threshold|min|max|"
    r"score|weight|level|k$|top|interval|ci_|_ci|low|high|p_value|mean|median",
    re.IGNORECASE,
)


def is_count_name(name: object) -> bool:
    """True for a column or key that names a count of people (``n``, ``People``, ``n_flagged``,
    ``# of cases``, ``outliers``, ...), not a share, rate, policy number or setting."""
    text = str(name).strip().replace("-", " ")
    return bool(text) and bool(_COUNT_NAME.match(text)) and not _NOT_COUNT.search(text)


def _small_cells(
    where: str, header: Sequence[object], rows: Sequence[Sequence[object]]
) -> list[str]:
    found = []
    counts = [i for i, h in enumerate(header) if is_count_name(h)]
    for r, row in enumerate(rows, start=1):
        for i in counts:
            cell = str(row[i]).strip().replace(",", "") if i < len(row) else ""
            if re.fullmatch(r"\d+(\.0+)?", cell) and is_small(cell):
                found.append(f"{where}: row {r}, {header[i]} = {cell}")
    if len(header) == 2 and not counts:  # a table of measures: name | value
        for r, row in enumerate(rows, start=1):
            cell = str(row[1]).strip().replace(",", "") if len(row) > 1 else ""
            if row[0] in PUBLISHED_MEASURES:
                continue
            if _TEXT_NAME.search(str(row[0])) and re.fullmatch(r"\d+", cell) and is_small(cell):
                found.append(f"{where}: row {r}, {row[0]} = {cell}")
    persons = {str(h).strip().lower() for h in header} & _PERSON_COLUMNS
    listed = [row for row in rows if any(str(cell).strip() for cell in row)]  # no blank rows
    if persons and 1 <= len(listed) < LIST_LENGTH:
        found.append(f"{where}: a list of {len(listed)} people")
    return found


def _json_small(doc: object, where: str, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(doc, Mapping):
        for k, v in doc.items():
            key = f"{path}.{k}" if path else str(k)
            if is_count_name(k) and isinstance(v, int) and not isinstance(v, bool) and is_small(v):
                found.append(f"{where}: {key} = {v}")
            else:
                found += _json_small(v, where, key)
    elif isinstance(doc, list):
        people = [d for d in doc if isinstance(d, Mapping) and set(map(str, d)) & _PERSON_COLUMNS]
        if people and len(people) == len(doc) and is_small(len(doc)):
            found.append(f"{where}: {path} lists {len(doc)} people")
        for i, v in enumerate(doc):
            found += _json_small(v, where, f"{path}[{i}]")
    return found


class _TableParser(HTMLParser):
    """The tables (header, rows) and the visible text outside tables of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self.text: list[str] = []
        self._open: list[dict] = []
        self._skip = 0
        self._heading: list[str] | None = None
        self.section = ""

    def handle_starttag(self, tag: str, _attrs: list) -> None:
        """Open a table, row or cell."""
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = []
        elif tag == "table":
            self._open.append({"header": [], "rows": [], "row": None, "cell": None, "th": False})
        elif self._open and tag == "tr":
            self._open[-1]["row"] = []
        elif self._open and tag in ("td", "th"):
            table = self._open[-1]
            table["cell"] = []
            table["th"] = tag == "th" and not table["rows"]

    def handle_endtag(self, tag: str) -> None:
        """Close a cell, row or table."""
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._heading is not None:
            self.section = " ".join("".join(self._heading).replace("#", "").split())
            self._heading = None
        elif not self._open:
            return
        elif tag in ("td", "th"):
            self._end_cell(self._open[-1])
        elif tag == "tr":
            self._end_row(self._open[-1])
        elif tag == "table":
            table = self._open.pop()
            if not self.exempt:
                self.tables.append((table["header"], table["rows"]))

    @property
    def exempt(self) -> bool:
        """True inside a section of :data:`PUBLISHED_SECTIONS`."""
        return self.section.rstrip("¶ ").strip() in PUBLISHED_SECTIONS

    @staticmethod
    def _end_cell(table: dict) -> None:
        if table["cell"] is not None and table["row"] is not None:
            table["row"].append(" ".join("".join(table["cell"]).split()))
        table["cell"] = None

    @staticmethod
    def _end_row(table: dict) -> None:
        row, table["row"] = table["row"], None
        if row is None:
            return
        if table["th"] and not table["header"] and not table["rows"]:
            table["header"] = row
        elif row:
            table["rows"].append(row)

    def handle_data(self, data: str) -> None:
        """Keep a cell's text, or the page's text outside tables."""
        if self._skip:
            return
        if self._heading is not None:
            self._heading.append(data)
        elif self._open and self._open[-1]["cell"] is not None:
            self._open[-1]["cell"].append(data)
        elif not self._open and not self.exempt:
            self.text.append(data)


def _text_small(text: str, where: str) -> list[str]:
    flat = " ".join(text.split())
    return [
        f"{where}: text '{flat[max(0, m.start() - 30) : m.end() + 10]}'"
        for m in _TEXT_COUNT.finditer(flat)
    ]


def _without_published_sections(markdown: str) -> str:
    """Markdown text without the sections of :data:`PUBLISHED_SECTIONS`."""
    keep, out = True, []
    for line in markdown.splitlines():
        if line.startswith("#"):
            keep = line.lstrip("#").strip() not in PUBLISHED_SECTIONS
        if keep:
            out.append(line)
    return "\n".join(out)


def _file_small(path: Path, where: str) -> list[str]:
    import csv
    import json

    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8", errors="ignore")
    if suffix == ".json":
        try:
            return _json_small(json.loads(text), where)
        except ValueError:
            return []
    if suffix == ".csv":
        rows = list(csv.reader(text.splitlines()))
        return _small_cells(where, rows[0], rows[1:]) if rows else []
    if suffix in (".html", ".htm"):
        page = _TableParser()
        page.feed(text)
        found = [f for h, r in page.tables for f in _small_cells(where, h, r)]
        return found + _text_small(" ".join(page.text), where)
    if suffix in (".md", ".txt"):
        return _text_small(_without_published_sections(text), where)
    return []


def find_small_counts(target: str | Path | pd.DataFrame) -> list[str]:
    """Counts of 1 to 10 people in a public output (a file, a folder, a table or text): count
    cells of tables (CSV files, HTML tables, frames: columns named like ``n``, ``People``,
    ``n_flagged``), count keys of JSON documents, phrases of text (``4 positive``, ``cases on the
    list: 2``) and lists of people (a table with a ``person`` column, or a JSON list of person
    records) of 1 to 10 rows. Each finding says where."""
    if isinstance(target, pd.DataFrame):
        values = target.astype(object).where(target.notna(), "").to_numpy().tolist()
        return _small_cells("table", [str(c) for c in target.columns], values)
    if isinstance(target, str) and not Path(target).exists():
        return _text_small(target, "text")
    root = Path(target)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    found: list[str] = []
    for path in files:
        where = path.relative_to(root).as_posix() if root.is_dir() else path.name
        found += _file_small(path, where)
    return found
