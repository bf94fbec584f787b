"""Vectorised writers for the strings CDCR uses: sentence terms, dates and release months.

Text columns are built as :class:`Coded` values (integer codes into a small table of labels): a term
string is formatted once per distinct number of months, a date once per day in range, and the column
becomes a pandas string column through a dictionary-encoded Arrow array, without creating one Python
string per row.  That keeps a 95,000-person sample (a few million cells) fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

MONTH_ABBR = np.array(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
    dtype=object,
)


@dataclass(frozen=True)
class Coded:
    """A text column as integer codes into ``labels``."""

    idx: np.ndarray
    labels: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray | list[str]) -> Coded:
        """Code an array of strings (one Python-level pass; for small or unique columns)."""
        codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=False)
        return cls(codes.astype(np.int64), np.asarray(uniques, dtype=object))

    @classmethod
    def const(cls, value: str, n: int) -> Coded:
        """``value`` on ``n`` rows."""
        return cls(np.zeros(n, dtype=np.int64), np.array([value], dtype=object))

    @classmethod
    def flag(cls, mask: np.ndarray, yes: str, no: str) -> Coded:
        """``yes`` where ``mask`` holds, else ``no``."""
        return cls(np.asarray(mask, dtype=np.int64), np.array([no, yes], dtype=object))

    def __len__(self) -> int:
        return len(self.idx)

    def take(self, rows: np.ndarray) -> Coded:
        """The values at ``rows``."""
        return Coded(self.idx[rows], self.labels)

    def where(self, mask: np.ndarray, other: Coded | str) -> Coded:
        """``other`` where ``mask`` holds, else self."""
        if isinstance(other, str):
            other = Coded.const(other, len(self.idx))
        labels = np.concatenate([self.labels, other.labels])
        return Coded(np.where(mask, other.idx + len(self.labels), self.idx), labels)

    def values(self) -> np.ndarray:
        """The strings as an object array."""
        return self.labels[self.idx]

    def text(self) -> pd.Series:
        """A pandas string column (``str`` dtype, Arrow-backed); empty strings become missing."""
        labels = self.labels.astype(object)
        dictionary = pa.array(labels, pa.string())
        blank = (labels == "")[self.idx] if (labels == "").any() else None
        indices = pa.array(self.idx, pa.int32(), mask=blank)
        arr = pa.DictionaryArray.from_arrays(indices, dictionary)
        return arr.cast(pa.large_string()).to_pandas()


def concat(parts: list[Coded]) -> Coded:
    """Concatenate coded columns (label tables appended)."""
    labels, idx, offset = [], [], 0
    for part in parts:
        labels.append(part.labels)
        idx.append(part.idx + offset)
        offset += len(part.labels)
    return Coded(np.concatenate(idx), np.concatenate(labels))


def _offense_term(m: int) -> str:
    """``8 Months``, ``1 Year``, ``2 Years 0 Months`` (offense time with enhancement)."""
    if m < 12:
        return f"{m} Months"
    if m == 12:
        return "1 Year"
    return f"{m // 12} Years {m % 12} Months"


def _life_term(m: int) -> str:
    """``25 Years 0 Months-to-Life``."""
    return f"{m // 12} Years {m % 12} Months-to-Life"


def _abstract_term(m: int) -> str:
    """``35 Years``, ``81 Years 8 Months``, ``1 Years 4 Months``, ``8 Months`` (abstract of judgement)."""
    if m < 12:
        return f"{m} Months"
    return f"{m // 12} Years" if m % 12 == 0 else f"{m // 12} Years {m % 12} Months"


_STYLES = {"offense": _offense_term, "life": _life_term, "abstract": _abstract_term}


@lru_cache(maxsize=32)
def _table(style: str, size: int) -> np.ndarray:
    fmt = _STYLES[style]
    return np.array([fmt(m) for m in range(size)], dtype=object)


def terms(months: np.ndarray, style: str) -> Coded:
    """Integer months (>= 0) as ``offense``, ``life`` or ``abstract`` style strings."""
    months = np.asarray(months, dtype=np.int64)
    top = int(months.max()) + 1 if months.size else 1
    size = 1 << max(top - 1, 1).bit_length()
    return Coded(months, _table(style, size))


def _dates(days: np.ndarray, style: str) -> Coded:
    d = np.asarray(days, dtype="datetime64[D]")
    nat = np.isnat(d)
    if nat.all():
        return Coded.const("", len(d))
    ints = d.astype(np.int64)
    lo, hi = int(ints[~nat].min()), int(ints[~nat].max())
    table = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]"), unit="D")
    table = table.astype(object)
    if style == "us":
        table = np.array([f"{t[5:7]}/{t[8:10]}/{t[0:4]}" for t in table], dtype=object)
    labels = np.concatenate([table, np.array([""], dtype=object)])
    return Coded(np.where(nat, len(table), ints - lo), labels)


def iso_dates(days: np.ndarray) -> Coded:
    """``YYYY-MM-DD``; NaT gives an empty string."""
    return _dates(days, "iso")


def us_dates(days: np.ndarray) -> Coded:
    """``MM/DD/YYYY`` (the DSA extracts' format); NaT gives an empty string."""
    return _dates(days, "us")


def month_year(days: np.ndarray) -> Coded:
    """``JUL2033`` (``eprd mepd``); NaT gives ``JAN9999`` (no release date)."""
    d = np.asarray(days, dtype="datetime64[D]")
    nat = np.isnat(d)
    months = np.where(nat, 0, d.astype("datetime64[M]").astype(np.int64))
    lo, hi = int(months.min()), int(months.max())
    table = np.array(
        [f"{MONTH_ABBR[m % 12]}{m // 12 + 1970}" for m in range(lo, hi + 1)], dtype=object
    )
    labels = np.concatenate([table, np.array(["JAN9999"], dtype=object)])
    return Coded(np.where(nat, len(table), months - lo), labels)


def years_between(start: np.ndarray, end: np.datetime64 | np.ndarray) -> np.ndarray:
    """Exact years between dates (days / 365.25)."""
    delta = np.asarray(end, dtype="datetime64[D]") - np.asarray(start, dtype="datetime64[D]")
    return delta.astype(np.int64) / 365.25


def add_years(days: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Shift dates by fractional years (365.25 days each), rounded to whole days."""
    shift = np.rint(np.asarray(years, dtype=float) * 365.25).astype(np.int64)
    return np.asarray(days, dtype="datetime64[D]") + shift.astype("timedelta64[D]")


def calendar_age(birth: np.ndarray, on: np.datetime64) -> np.ndarray:
    """Completed years of age on ``on`` for birth dates (calendar rule, birthdays counted)."""
    b = np.asarray(birth, dtype="datetime64[D]")
    by = b.astype("datetime64[Y]").astype(np.int64) + 1970
    bm = b.astype("datetime64[M]").astype(np.int64) % 12
    bd = (b - b.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    on = np.datetime64(on, "D")
    oy = on.astype("datetime64[Y]").astype(np.int64) + 1970
    om = on.astype("datetime64[M]").astype(np.int64) % 12
    od = (on - on.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    before = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before.astype(np.int64)
