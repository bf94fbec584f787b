"""A fast, deterministic CSV writer for the sample (pyarrow compute instead of ``DataFrame.to_csv``).

Output matches ``to_csv(index=False, lineterminator="\\n")`` with minimal quoting (fields holding a
comma, quote or line break are quoted, inner quotes doubled) and blanks for missing values, except
that float columns listed in ``decimals`` are written with that many decimals (``25.00``, ``36.5``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.synthetic.formats import Coded

_NEEDS_QUOTES = '[",\\n\\r]'
_CHUNK = 200_000


def _quote(text: pa.Array) -> pa.Array:
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, text)


def _fixed(values: pd.Series, decimals: int) -> pa.Array:
    """Floats as fixed-decimal strings (``3.10``), blanks for NaN."""
    x = values.to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(x)
    scale = 10**decimals
    q = np.rint(np.abs(np.where(missing, 0.0, x)) * scale).astype(np.int64)
    sign = pa.array(np.where(x < 0, "-", ""), pa.string())
    whole = pa.array(q // scale).cast(pa.string())
    if decimals:
        frac = pc.utf8_lpad(pa.array(q % scale).cast(pa.string()), decimals, "0")
        text = pc.binary_join_element_wise(sign, whole, ".", frac, "")
    else:
        text = pc.binary_join_element_wise(sign, whole, "")
    return pc.if_else(pa.array(missing), pa.scalar("", pa.string()), text)


def _column(values: pd.Series, decimals: int | None) -> pa.Array:
    """One column as quoted text (blanks for missing values)."""
    if pd.api.types.is_float_dtype(values.dtype):
        if decimals is not None:
            return _fixed(values, decimals)
        text = values.astype(str).where(values.notna(), "").to_numpy(dtype=object)
        return pa.array(text, pa.string())
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return _quote(arr.cast(pa.string()).fill_null(""))


def _header(columns: pd.Index) -> str:
    names = [str(c) for c in columns]
    quoted = [
        '"' + c.replace('"', '""') + '"' if any(ch in c for ch in ',"\n\r') else c for c in names
    ]
    return ",".join(quoted)


def write_csv(frame: pd.DataFrame, path: Path, decimals: dict[str, int] | None = None) -> None:
    """Write ``frame`` (header + rows) as UTF-8 CSV to ``path``."""
    decimals = decimals or {}
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(_header(frame.columns) + "\n")
        for start in range(0, len(frame), _CHUNK):
            part = frame.iloc[start : start + _CHUNK]
            cols = [_column(part[c], decimals.get(c)) for c in part.columns]
            lines = pc.binary_join_element_wise(*cols, ",") if len(cols) > 1 else cols[0]
            handle.write("\n".join(lines.to_pylist()))
            handle.write("\n")


def _quote_labels(labels: np.ndarray) -> np.ndarray:
    return np.array(
        [
            '"' + s.replace('"', '""') + '"' if any(ch in s for ch in ',"\n\r') else s
            for s in labels
        ],
        dtype=object,
    )


def _table_column(value: object, rows: slice, order: np.ndarray | None, decimals: int | None):
    """Text of one column of a :class:`Table` for a slice of its rows."""
    if isinstance(value, Coded):
        idx = value.idx if order is None else value.idx[order]
        dictionary = pa.array(_quote_labels(value.labels), pa.string())
        arr = pa.DictionaryArray.from_arrays(pa.array(idx[rows], pa.int32()), dictionary)
        return arr.cast(pa.string())
    if isinstance(value, pd.Series):
        value = value.array
    arr = value if order is None else value[order]
    part = pd.Series(arr[rows])
    return _column(part, decimals)


@dataclass
class Table:
    """Columns of one output file, kept coded until written or turned into a DataFrame."""

    columns: list[str]
    data: dict[str, object]
    order: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.data[self.columns[0]])

    def frame(self) -> pd.DataFrame:
        """The table as a DataFrame (text as pandas ``str`` columns)."""
        out = {}
        for c in self.columns:
            value = self.data[c]
            if isinstance(value, Coded):
                out[c] = (value if self.order is None else value.take(self.order)).text()
            else:
                arr = value.array if isinstance(value, pd.Series) else value
                out[c] = pd.Series(arr if self.order is None else arr[self.order])
        return pd.DataFrame(out, columns=self.columns)

    def write(self, path: Path, decimals: dict[str, int] | None = None) -> None:
        """Write as CSV (same bytes as ``write_csv(self.frame(), path, decimals)``)."""
        decimals = decimals or {}
        n = len(self)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(_header(pd.Index(self.columns)) + "\n")
            for start in range(0, n, _CHUNK):
                rows = slice(start, min(start + _CHUNK, n))
                cols = [
                    _table_column(self.data[c], rows, self.order, decimals.get(c))
                    for c in self.columns
                ]
                lines = pc.binary_join_element_wise(*cols, ",") if len(cols) > 1 else cols[0]
                handle.write("\n".join(lines.to_pylist()))
                handle.write("\n")
