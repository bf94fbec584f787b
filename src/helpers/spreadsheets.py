"""The one writer of every CSV and XLSX table the project produces, safe to open in Excel.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be read
by a spreadsheet as a formula (formula or CSV injection). Every text cell written through this
module that starts with one of them gets a leading single quote (``'=HYPERLINK(...)``), except a
plain number (``-5``, ``+1.5``) and a lone ``-`` (the placeholder of empty cells in the Prop 64
outputs), which no spreadsheet runs. Workbooks are written by xlsxwriter with strings always
stored as strings (never formulas or links) and fixed document properties, so that a rerun gives
the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Characters that make a spreadsheet read a cell as a formula."""

_START = re.compile(r"^[=+\-@\t\r]")
_SAFE = re.compile(r"^(-|[+-]?inf|[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)$")
_ARROW_START = r"^[=+\-@\t\r]"
_ARROW_SAFE = _SAFE.pattern

WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
}
WORKBOOK_PROPERTIES: dict[str, Any] = {
    "author": "secondlook",
    "created": dt.datetime(2000, 1, 1),
}
"""Fixed document properties (no wall-clock time, no user name): reruns give the same bytes."""


def is_dangerous(value: object) -> bool:
    """True for a text value a spreadsheet would read as a formula."""
    return isinstance(value, str) and bool(_START.match(value)) and not _SAFE.match(value)


def neutralise_text(value: object) -> object:
    """``value`` with a leading single quote when a spreadsheet would read it as a formula."""
    return "'" + value if is_dangerous(value) else value


def _is_text(column: pd.Series) -> bool:
    return (
        pd.api.types.is_object_dtype(column)
        or pd.api.types.is_string_dtype(column)
        or isinstance(column.dtype, pd.CategoricalDtype)
    )


def _neutral_column(column: pd.Series) -> pd.Series:
    """A text column with its dangerous cells quoted (other cells and dtypes unchanged)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    text = column.astype("string")
    hit = text.str.match(_START.pattern).fillna(False) & ~text.str.match(_SAFE.pattern).fillna(
        False
    )
    if not hit.any():
        return column
    out = column.astype(object).copy()
    out[hit.to_numpy(bool)] = "'" + text[hit].astype(object)
    return out


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are safe in a spreadsheet."""
    out = frame.copy()
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if _is_text(column):
            out.isetitem(i, _neutral_column(column))
    out.columns = [neutralise_text(c) for c in frame.columns]
    if not isinstance(frame.index, pd.RangeIndex):
        out.index = frame.index.map(neutralise_text)
    return out


def formula_mask(arr: Any) -> Any:
    """Which values of a pyarrow string array a spreadsheet would read as a formula."""
    import pyarrow.compute as pc

    hit = pc.and_(
        pc.match_substring_regex(arr, _ARROW_START),
        pc.invert(pc.match_substring_regex(arr, _ARROW_SAFE)),
    )
    return pc.fill_null(hit, False)


def neutralise_arrow(arr: Any) -> Any:
    """A pyarrow string array with its dangerous values quoted (vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(arr) == 0:
        return arr
    hit = formula_mask(arr)
    if not pc.any(hit).as_py():
        return arr
    quoted = pc.binary_join_element_wise(pa.scalar("'", arr.type), arr, pa.scalar("", arr.type))
    return pc.if_else(hit, quoted, arr)


def _has_carriage_return(frame: pd.DataFrame) -> bool:
    """True when a text cell holds a carriage return (which minimal quoting leaves unquoted)."""
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if _is_text(column) and column.astype("string").str.contains("\r", regex=False).any():
            return True
    return False


def _csv_options(frame: pd.DataFrame, index: bool, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``to_csv`` options: ``\\n`` line ends; every field quoted when a cell holds a ``\\r``."""
    options = {"index": index, "lineterminator": "\n", **kwargs}
    if "quoting" not in kwargs and _has_carriage_return(frame):
        options["quoting"] = csv.QUOTE_ALL
    return options


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False, **kwargs: Any) -> Path:
    """Write ``frame`` as CSV (``\\n`` line ends), its text cells neutralised; return the path."""
    path = Path(path)
    safe = neutralise(frame)
    safe.to_csv(path, **_csv_options(safe, index, kwargs))
    return path


def csv_text(frame: pd.DataFrame, *, index: bool = False, **kwargs: Any) -> str:
    """The CSV text :func:`write_csv` would write."""
    safe = neutralise(frame)
    return safe.to_csv(**_csv_options(safe, index, kwargs))


class CsvWriter:
    """A :func:`csv.writer` whose text cells are neutralised (for tables written row by row)."""

    def __init__(self, handle: IO[str], **kwargs: Any) -> None:
        self._writer = csv.writer(handle, **kwargs)
        self._quoted = csv.writer(handle, **{**kwargs, "quoting": csv.QUOTE_ALL})

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row (every field quoted when one holds a carriage return)."""
        cells = [neutralise_text(v) for v in row]
        cr = any(isinstance(v, str) and "\r" in v for v in cells)
        (self._quoted if cr else self._writer).writerow(cells)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write rows."""
        for row in rows:
            self.writerow(row)


def _column_cells(column: pd.Series, infinity: str) -> tuple[str, list[object]]:
    """How a column is written (``number``, ``boolean`` or ``string``) and its values (None:
    blank): dates as ISO text, positive infinity as ``infinity`` (negative: blank), text
    neutralised. Vectorised by column."""
    if pd.api.types.is_bool_dtype(column):
        return "boolean", column.astype(object).where(column.notna(), None).tolist()
    if pd.api.types.is_numeric_dtype(column):
        values = pd.to_numeric(column, errors="coerce").astype("float64")
        if np.isinf(values).any():
            text = values.astype(object).where(~np.isinf(values), None)
            text = text.where(~(values == np.inf), infinity)
            return "mixed", text.where(values.notna() | (values == np.inf), None).tolist()
        if pd.api.types.is_integer_dtype(column) and not values.isna().any():
            return "number", column.astype("int64").tolist()
        return "number", values.astype(object).where(values.notna(), None).tolist()
    if pd.api.types.is_datetime64_any_dtype(column):
        column = column.dt.strftime("%Y-%m-%d")
    values = column.astype(object).where(column.notna(), None)
    values = values.map(
        lambda v: v.isoformat() if isinstance(v, dt.date) else (v if v is None else str(v))
    )
    return "string", [v if isinstance(v, str) else None for v in _neutral_column(values).tolist()]


def _write_column(sheet: Any, j: int, kind: str, values: list[object]) -> None:
    """Write one column below the header, each cell with the writer of its kind."""
    write = {
        "number": sheet.write_number,
        "boolean": sheet.write_boolean,
        "string": sheet.write_string,
    }.get(kind)
    for i, v in enumerate(values, start=1):
        if v is None:
            continue
        if write is not None:
            write(i, j, v)
        elif isinstance(v, str):
            sheet.write_string(i, j, v)
        else:
            sheet.write_number(i, j, v)


def write_xlsx(
    frames: Mapping[str, pd.DataFrame] | pd.DataFrame,
    path: str | Path,
    *,
    infinity: str = "n/a",
    index: bool = False,
    width: float | None = None,
) -> Path:
    """Write one sheet per frame (a single frame: sheet ``Sheet1``) into an XLSX workbook.

    Text is stored as text (never as a formula or link) and neutralised; NA is blank; dates are
    ISO text; positive infinity is written ``infinity``; ``width``: of every column (characters).
    Header row frozen. Same bytes on rerun.
    """
    import xlsxwriter

    sheets = {"Sheet1": frames} if isinstance(frames, pd.DataFrame) else dict(frames)
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    book.set_properties(WORKBOOK_PROPERTIES)
    for name, frame in sheets.items():
        table = frame.reset_index() if index else frame
        sheet = book.add_worksheet(str(name)[:31])
        for j, name in enumerate(table.columns):
            sheet.write_string(0, j, str(neutralise_text(str(name))))
            _write_column(sheet, j, *_column_cells(table.iloc[:, j], infinity))
        if width is not None and table.shape[1]:
            sheet.set_column(0, table.shape[1] - 1, width)
        sheet.freeze_panes(1, 0)
    book.close()
    return path


def formula_cells(path: str | Path) -> list[str]:
    """Cells of a workbook or CSV file that a spreadsheet would run (for tests and scans):
    ``sheet!A1`` of XLSX formula cells and of text cells starting with a formula character, or
    ``row:column`` of such CSV fields."""
    path = Path(path)
    found: list[str] = []
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or is_dangerous(cell.value):
                        found.append(f"{sheet.title}!{cell.coordinate}")
        return found
    with open(path, newline="", encoding="utf-8") as handle:
        for r, row in enumerate(csv.reader(handle), start=1):
            found += [f"{r}:{c}" for c, v in enumerate(row, start=1) if is_dangerous(v)]
    return found
