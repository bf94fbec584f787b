"""Reading raw tables (CSV or XLSX) as strings, with file-level checks that give one-line errors.

Row numbers follow spreadsheet numbering: the header is row 1 and the first data row is row 2, in CSV
and XLSX alike, so a message's row is the row a person sees when opening the file.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from helpers.errors import InputError

# Spellings seen across the 2023, 2026 and DSA releases, mapped to one canonical lower-case name.
HEADER_SYNONYMS = {
    "eprd/mepd": "eprd mepd",
    "eprd/mepd month and year": "eprd mepd",
    "eprd_mepd": "eprd mepd",
    "sentence from abstract of judgment": "sentence from abstract of judgement",
    "cdc number": "cdcno",
    "cdcr number": "cdcno",
    "cdc no": "cdcno",
    "in prison": "in-prison",
}


def normalise_header(name: object) -> str:
    """Lower-case, trim, collapse spaces, drop a BOM, and map known synonyms."""
    text = " ".join(str(name).replace("\ufeff", "").strip().lower().split())
    return HEADER_SYNONYMS.get(text, text)


@dataclass
class RawTable:
    """A raw table read as strings, with spreadsheet row numbers and row-level read problems."""

    path: Path
    frame: pd.DataFrame  # all columns as strings ("" for blank), canonical header names
    rows: np.ndarray  # spreadsheet row number of each frame row
    original_headers: list[str]
    problems: pd.DataFrame = field(default_factory=lambda: empty_problems())  # unreadable rows
    rows_in: int = 0
    sheet: str | None = None
    label: str | None = None  # how messages name the file when its name alone is ambiguous

    @property
    def name(self) -> str:
        """How messages name the file: its ``label`` (e.g. ``dsa/demographics.csv``), else its
        name."""
        return self.label or self.path.name


def labelled(table: RawTable, label: str) -> RawTable:
    """``table`` named ``label`` in its messages, its read problems included."""
    problems = table.problems.assign(file=label) if len(table.problems) else table.problems
    return replace(table, problems=problems, label=label)


def empty_problems() -> pd.DataFrame:
    """An empty quarantine frame."""
    return pd.DataFrame(
        {
            "file": pd.Series(dtype="string"),
            "row": pd.Series(dtype="int64"),
            "column": pd.Series(dtype="string"),
            "value": pd.Series(dtype="string"),
            "reason": pd.Series(dtype="string"),
        }
    )


#: A file is binary, not CSV text, when its header line holds a NUL byte or NUL bytes make more
#: than this share of its first 4 KB; a NUL byte elsewhere quarantines the row holding it.
BINARY_NUL_SHARE = 0.01
NUL_REASON = "contains a NUL byte (the file is damaged at this row)"


def _looks_utf16(data: bytes) -> bool:
    """A UTF-16 byte-order mark, or the NUL byte of every other byte that UTF-16 text has."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    head = data[:512]
    if len(head) < 8:
        return False
    return max(head[0::2].count(0), head[1::2].count(0)) > 0.4 * (len(head) // 2)


def _decoded(path: Path, data: bytes, encoding: str | None) -> bytes:
    """The file as UTF-8 bytes: decoded from ``encoding``, else checked to be UTF-8 already."""
    if encoding and encoding.lower().replace("-", "").replace("_", "") not in {"utf8", "utf8sig"}:
        try:
            return data.decode(encoding).encode("utf-8")
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"cannot be read as {encoding}: {exc}", file=path.name) from None
    if _looks_utf16(data):
        raise InputError(
            "is UTF-16 text, not UTF-8: pass --encoding utf-16 (or re-save it as UTF-8)",
            file=path.name,
        )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x}); re-save it as UTF-8 "
            "or pass --encoding cp1252",
            file=path.name,
            row=line,
        ) from None
    return data


def _checked_bytes(path: Path, encoding: str | None) -> bytes:
    """The file as UTF-8 bytes (no BOM), after the checks that give one-line errors.

    The encoding is applied before the binary check, so UTF-16 text (two bytes a character, one
    of them often NUL) is read with ``--encoding utf-16`` and named when the option is missing."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty", file=path.name)
    if data[:4] == b"PK\x03\x04":
        raise InputError(
            "is an Excel workbook with a text name: rename it to .xlsx", file=path.name
        )
    data = _decoded(path, data, encoding).removeprefix(b"\xef\xbb\xbf")
    head = data[:4096]
    if b"\x00" in head.split(b"\n", 1)[0] or head.count(0) > BINARY_NUL_SHARE * len(head):
        raise InputError("is a binary file, not CSV text", file=path.name)
    return data


def _read_csv_records(path: Path, data: bytes) -> tuple[list[str], list[list[str]], str | None]:
    """Slow, exact path: Python's csv module (handles every oddity, reports where parsing fails).

    Returns the header, the records and, when the file ends inside a quoted field (a truncated
    file), the text of that last, unfinished record (else ``None``); any other quoting error is a
    one-line error naming the line."""
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    done = 0  # physical lines read by the complete records
    try:
        header = next(reader)
        done = reader.line_num
        for record in reader:
            records.append(record)
            done = reader.line_num
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) and done:
            rest = "\n".join(text.splitlines()[done:])
            return header, records, rest
        raise InputError(
            f"cannot be parsed as CSV ({exc}); the file may be truncated inside a quoted field",
            file=path.name,
            row=reader.line_num,
        ) from None
    return header, records, None


def _read_csv_fast(data: bytes, header: list[str]) -> tuple[pd.DataFrame, np.ndarray, list] | None:
    """Fast path with Arrow's CSV reader; ``None`` when the file needs the exact slow path."""
    unbalanced_quotes = data.count(b'"') % 2 == 1
    if unbalanced_quotes or b"\n\n" in data or b"\r\n\r\n" in data or (header and header[-1] == ""):
        return None
    bad: list = []

    def keep_note(row: pacsv.InvalidRow) -> str:
        bad.append(row)
        return "skip"

    def read(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, use_threads=threads),
            parse_options=pacsv.ParseOptions(invalid_row_handler=keep_note),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    try:
        table = read(True)
        if bad:  # read again on one thread: Arrow then reports line numbers
            bad.clear()
            table = read(False)
    except (pa.ArrowInvalid, ValueError):
        return None
    bad_lines = [row.number for row in bad]
    if any(n is None for n in bad_lines):
        return None
    total = table.num_rows + len(bad)
    rows = np.setdiff1d(np.arange(2, total + 2), np.asarray(bad_lines, dtype=np.int64))
    frame = table.to_pandas()
    return _with_trailing_commas(frame, rows, bad, len(header))


def _with_trailing_commas(
    frame: pd.DataFrame, rows: np.ndarray, bad: list, width: int
) -> tuple[pd.DataFrame, np.ndarray, list]:
    """Put back the rows Arrow skipped only for a trailing empty field (a trailing comma), which
    the exact path and the format tolerate; the other skipped rows stay bad."""
    recovered, numbers, still_bad = [], [], []
    for row in bad:
        fields = next(csv.reader([row.text]), [])
        if len(fields) == width + 1 and fields[-1] == "":
            recovered.append(fields[:width])
            numbers.append(row.number)
        else:
            still_bad.append(row)
    if not recovered:
        return frame, rows, bad
    extra = pd.DataFrame(recovered, columns=frame.columns, dtype="string")
    frame = pd.concat([frame.astype("string"), extra], ignore_index=True)
    rows = np.concatenate([rows, np.asarray(numbers, dtype=np.int64)])
    order = np.argsort(rows, kind="stable")
    return frame.iloc[order].reset_index(drop=True), rows[order], still_bad


def read_raw_table(
    path: Path,
    *,
    required: Sequence[str],
    kind: str,
    encoding: str | None = None,
    sheet: str | None = None,
) -> RawTable:
    """Read a CSV or XLSX file as strings and check its header against ``required`` columns.

    Raises :class:`InputError` for file-level problems (missing, empty, undecodable, no matching
    sheet, missing columns).  Rows with the wrong number of fields are returned in ``problems``.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file ({kind})", file=str(path))
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        return _read_xlsx(path, required=required, kind=kind, sheet=sheet)
    data = _checked_bytes(path, encoding)
    first_line = data.split(b"\n", 1)[0].decode("utf-8")
    header = next(csv.reader([first_line]))
    original = [h.replace("\ufeff", "") for h in header]
    names = [normalise_header(h) for h in original]
    while names and names[-1] == "":  # a trailing comma on the header line
        names.pop()
        original.pop()
    _check_header(path.name, names, required, kind)
    fast = _read_csv_fast(data, header)
    if fast is not None:
        table = _fast_table(path, fast, names, original)
    else:
        table = _exact_table(path, data, names, original)
    return _without_nul_rows(table) if b"\x00" in data else table


def _malformed(
    path: Path, rows: object, values: list[str], fields: list[int], width: int
) -> pd.DataFrame:
    """Quarantine rows for lines with the wrong number of fields."""
    return pd.DataFrame(
        {
            "file": path.name,
            "row": rows,
            "column": "",
            "value": values,
            "reason": [
                f"truncated or malformed row: {n} fields where the header has {width}"
                for n in fields
            ],
        }
    )


def _fast_table(
    path: Path, fast: tuple[pd.DataFrame, np.ndarray, list], names: list[str], original: list[str]
) -> RawTable:
    """The table Arrow read, with the rows it skipped as problems."""
    frame, rows, bad = fast
    frame.columns = names
    frame = frame.astype("string")
    problems = empty_problems()
    if bad:
        problems = _malformed(
            path,
            [row.number for row in bad],
            [row.text[:80] for row in bad],
            [row.actual_columns for row in bad],
            len(names),
        )
    return RawTable(path, frame, rows, original, problems, len(frame) + len(bad))


def _without_nul_rows(table: RawTable) -> RawTable:
    """Move the rows holding a NUL byte from the table to its problems."""
    frame = table.frame
    has_nul = pd.DataFrame(
        {c: frame[c].astype("string").str.contains("\x00", regex=False) for c in frame.columns}
    ).fillna(False)
    bad = has_nul.any(axis=1).to_numpy()
    if not bad.any():
        return table
    first = has_nul.to_numpy().argmax(axis=1)[bad]
    values = [
        frame.iat[int(i), int(c)].replace("\x00", "\\0")[:80]
        for i, c in zip(np.flatnonzero(bad), first, strict=True)
    ]
    found = pd.DataFrame(
        {
            "file": table.name,
            "row": table.rows[bad],
            "column": [frame.columns[int(c)] for c in first],
            "value": values,
            "reason": NUL_REASON,
        }
    )
    problems = pd.concat([p for p in (table.problems, found) if not p.empty], ignore_index=True)
    return replace(
        table,
        frame=frame.loc[~bad].reset_index(drop=True),
        rows=table.rows[~bad],
        problems=problems.sort_values("row", kind="stable").reset_index(drop=True),
    )


def _exact_table(path: Path, data: bytes, names: list[str], original: list[str]) -> RawTable:
    """The table read record by record (blank lines skipped, a trailing empty field tolerated)."""
    width = len(names)
    _, records, truncated = _read_csv_records(path, data)
    lengths = np.fromiter((len(r) for r in records), dtype=np.int64, count=len(records))
    ok = lengths == width
    rows = np.arange(2, len(records) + 2)
    blank = np.fromiter(
        (len(r) == 0 or (len(r) == 1 and r[0] == "") for r in records), bool, len(records)
    )
    # A trailing empty field (a trailing comma) is tolerated on rows too.
    for i in np.flatnonzero(~ok & ~blank):
        if lengths[i] == width + 1 and records[i][-1] == "":
            records[i] = records[i][:width]
            ok[i] = True
    bad_idx = np.flatnonzero(~ok & ~blank)
    problems = empty_problems()
    if bad_idx.size:
        problems = _malformed(
            path,
            rows[bad_idx],
            [",".join(records[i])[:80] for i in bad_idx],
            [int(lengths[i]) for i in bad_idx],
            width,
        )
    if truncated is not None:
        cut = pd.DataFrame(
            {
                "file": path.name,
                "row": [len(records) + 2],
                "column": "",
                "value": [truncated[:80]],
                "reason": "truncated row: the file ends inside a quoted field",
            }
        )
        problems = pd.concat([p for p in (problems, cut) if not p.empty], ignore_index=True)
    keep = np.flatnonzero(ok)
    frame = pd.DataFrame([records[i] for i in keep], columns=names, dtype="string")
    if frame.empty:
        frame = pd.DataFrame({n: pd.Series(dtype="string") for n in names})
    frame = frame.fillna("")
    rows_in = int((~blank).sum()) + (truncated is not None)
    return RawTable(path, frame, rows[keep], original, problems, rows_in)


def _read_xlsx(path: Path, *, required: Sequence[str], kind: str, sheet: str | None) -> RawTable:
    try:
        book = pd.read_excel(path, sheet_name=None, dtype=str, header=None, engine="openpyxl")
    except Exception as exc:  # corrupt or not an xlsx file
        raise InputError(f"cannot be opened as an Excel workbook ({exc})", file=path.name) from None
    if sheet is not None and sheet not in book:
        raise InputError(f"has no sheet '{sheet}' (sheets: {', '.join(book)})", file=path.name)
    candidates = [sheet] if sheet is not None else list(book)
    chosen = None
    for name in candidates:
        raw = book[name]
        if raw.empty:
            continue
        names = [normalise_header(h) for h in raw.iloc[0].fillna("")]
        if set(required) <= set(names):
            chosen = name
            break
    if chosen is None:
        if sheet is not None or len(book) == 1:
            raw = book[candidates[0]]
            if raw.empty:
                raise InputError(f"sheet '{candidates[0]}' is empty", file=path.name)
            _check_header(
                path.name, [normalise_header(h) for h in raw.iloc[0].fillna("")], required, kind
            )
        raise InputError(
            f"no sheet has the {kind} columns (sheets: {', '.join(book)}); pass --sheet NAME",
            file=path.name,
        )
    raw = book[chosen]
    original = [str(h) for h in raw.iloc[0].fillna("")]
    names = [normalise_header(h) for h in original]
    while names and names[-1] in {"", "nan"}:
        names.pop()
        original.pop()
    body = raw.iloc[1:, : len(names)].copy()
    body.columns = names
    body = body.astype("string").fillna("")
    # Excel dates come back as "2005-03-14 00:00:00": keep the date part.
    body = body.apply(lambda s: s.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1", regex=True))
    rows = np.arange(2, len(body) + 2)
    nonblank = (body != "").any(axis=1).to_numpy()
    body = body.loc[nonblank].reset_index(drop=True)
    return RawTable(
        path, body, rows[nonblank], original, empty_problems(), int(nonblank.sum()), chosen
    )


def _check_header(file: str, names: Sequence[str], required: Iterable[str], kind: str) -> None:
    missing = [c for c in required if c not in names]
    if not missing:
        dupes = sorted({n for n in names if names.count(n) > 1 and n})
        if dupes:
            raise InputError(f"repeated column '{dupes[0]}' in the header", file=file, row=1)
        return
    col = missing[0]
    close = difflib.get_close_matches(col, [n for n in names if n not in required], n=1, cutoff=0.6)
    hint = f" (found '{close[0]}': rename it)" if close else ""
    more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
    raise InputError(
        f"missing {kind} column{hint}{more}; expected the 2023, 2026 or DSA header",
        file=file,
        row=1,
        column=col,
    )


# --------------------------------------------------------------------------------------------------
# Typed conversions that report problems instead of raising.
# --------------------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%m/%d/%y")
EARLIEST_DATE = pd.Timestamp("1900-01-01")


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ISO, US (M/D/YYYY) or compact dates; return (dates, error reason or "").

    Each distinct string is parsed once (dates repeat heavily in real files).
    """
    codes, uniques = pd.factorize(values.astype("string").fillna(""))
    dates, errors = _parse_dates_unique(pd.Series(uniques, dtype="string"))
    out = pd.Series(dates.to_numpy()[codes], index=values.index, dtype="datetime64[ns]")
    error = pd.Series(errors.to_numpy()[codes], index=values.index, dtype="string")
    return out, error


def _parse_dates_unique(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = values.str.strip()
    text = text.str.replace(r"[ T]00:00(:00)?(\.0+)?$", "", regex=True)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        todo = out.isna() & (text != "")
        if not todo.any():
            break
        out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    error = pd.Series("", index=values.index, dtype="string")
    error[out.isna() & (text != "")] = "unreadable or impossible date"
    error[out.notna() & (out < EARLIEST_DATE)] = "date before 1900"
    out[error != ""] = pd.NaT
    return out, error


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers (commas allowed); return (float values, error reason or "")."""
    text = values.astype("string").str.strip().str.replace(",", "", regex=False).fillna("")
    out = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
    error = pd.Series("", index=values.index, dtype="string")
    error[out.isna() & (text != "")] = "not a number"
    error[out < 0] = "negative number"
    return out, error


_MONTHS = {
    m: i
    for i, m in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
        start=1,
    )
}


def parse_month_year(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse ``JUL2033`` / ``MAR25`` release months; ``9999`` means no release date.

    Returns (first day of the month, no-release flag, error reason or "").
    """
    text = values.astype("string").str.strip().str.upper().fillna("")
    parts = text.str.extract(r"^([A-Z]{3})[ \-/]?(\d{2}|\d{4})$")
    month = parts[0].map(_MONTHS).astype("float64")
    year = pd.to_numeric(parts[1], errors="coerce").astype("float64")
    year = year.where(parts[1].str.len() != 2, 2000 + year)
    no_release = (year == 9999).fillna(False).astype(bool)
    ok = month.notna() & year.notna() & ~no_release
    dates = pd.to_datetime(
        pd.DataFrame({"year": year.where(ok), "month": month.where(ok), "day": 1}), errors="coerce"
    )
    # Fall back to ordinary dates (some derived files carry a full date).
    full, full_err = parse_dates(text.where(dates.isna() & ~no_release & (text != ""), ""))
    dates = dates.fillna(full)
    error = pd.Series("", index=values.index, dtype="string")
    error[(text != "") & dates.isna() & ~no_release] = (
        "unreadable release month (expected e.g. JUL2033)"
    )
    return dates, no_release, error
