"""The interval, ratio and flag helpers shared by the audits.

Intervals are percentile bootstraps, vectorised with numpy (multinomial resampling of cell counts,
which is exactly resampling people with replacement) and seeded per table cell, so the same data and
seed always give the same numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.audit.constants import CI_LEVEL, RACE_COLUMNS, SEP


def cell_rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator seeded by ``seed`` and the cell's name, independent of evaluation order."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)])


def as_mask(values: pd.Series | np.ndarray | Sequence, index: pd.Index, name: str) -> np.ndarray:
    """``values`` as a boolean array aligned with ``index`` (missing = false).

    A Series must carry the same index (or the same length and labels from ``index``); anything
    else must have one value per row.  Raises ``ValueError`` naming ``name`` otherwise.
    """
    if isinstance(values, pd.Series) and not values.index.equals(index):
        if len(values) != len(index) or not values.index.isin(index).all():
            raise ValueError(f"{name} must be aligned with people (same index or same length)")
        values = values.reindex(index)
    arr = pd.Series(np.asarray(values)).astype("boolean").fillna(False).to_numpy(bool)
    if len(arr) != len(index):
        raise ValueError(f"{name} has {len(arr)} values for {len(index)} people")
    return arr


def reference_positions(uniques: Sequence[str], cols: Sequence[str], reference: str) -> np.ndarray:
    """For each group label, the position of its reference-group twin (-1 when none).

    The twin has the same label with its race part replaced by ``reference`` (in an intersection,
    the reference race with the same other values); dimensions without race have none.
    """
    race_pos = next((i for i, c in enumerate(cols) if c in RACE_COLUMNS), None)
    pos = {u: i for i, u in enumerate(uniques)}
    out = np.full(len(uniques), -1)
    if race_pos is None:
        return out
    for i, label in enumerate(uniques):
        parts = label.split(SEP)
        parts[race_pos] = reference
        out[i] = pos.get(SEP.join(parts), -1)
    return out


def percentile_interval(boot: np.ndarray, level: float = CI_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper percentile bounds of bootstrap replicates (rows), per column.

    Infinite replicates are ignored; a column without any finite replicate has NaN bounds.
    """
    alpha = (1 - level) / 2 * 100
    with np.errstate(invalid="ignore"):
        finite = np.where(np.isfinite(boot), boot, np.nan)
        if finite.ndim == 1:
            finite = finite[:, None]
        allnan = np.isnan(finite).all(axis=0)
        safe = np.where(allnan[None, :], 0.0, finite)
        lo, hi = np.nanpercentile(safe, [alpha, 100 - alpha], axis=0)
    lo[allnan] = np.nan
    hi[allnan] = np.nan
    return lo, hi


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` element-wise, NaN where ``den`` is not positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def outside_bounds(ratio: np.ndarray, bounds: tuple[float, float]) -> pd.Series:
    """A nullable boolean flag: the ratio is below ``bounds[0]`` or above ``bounds[1]`` (NA if NaN)."""
    flag = pd.array((ratio < bounds[0]) | (ratio > bounds[1]), dtype="boolean")
    flag[np.isnan(ratio)] = pd.NA
    return pd.Series(flag)
