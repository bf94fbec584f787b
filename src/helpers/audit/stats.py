"""The interval, ratio, test and flag helpers shared by the audits.

Rates have Wilson intervals and ratios of rates Katz log intervals (0.5 added to the cells of a row
with a zero cell), or Mantel–Haenszel intervals when pooled within counties.  A disparity is flagged
only when its interval lies outside the band (0.8–1.25) after the Benjamini–Hochberg correction
across the table.  Bootstraps (sentence means and medians) are vectorised with numpy and seeded per
table cell, so the same data and seed always give the same numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.audit.constants import CI_LEVEL, CONTINUITY_CORRECTION, FDR, RACE_COLUMNS, SEP


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


# --------------------------------------------------------------------------------------------------
# Closed-form intervals, band tests and the false-discovery correction
# --------------------------------------------------------------------------------------------------


def _z(level: float) -> float:
    """The two-sided normal quantile of ``level``."""
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def wilson_interval(
    k: np.ndarray, n: np.ndarray, level: float = CI_LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of the proportion ``k / n`` (NaN where ``n`` is 0).

    Unlike the bootstrap or the normal approximation it does not collapse at 0 or 1: 0 of 40 gives
    [0, 0.088], not [0, 0].
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = _z(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lo = np.minimum(np.clip(centre - half, 0, 1), p)  # exact at 0 and 1 (no rounding drift)
        hi = np.maximum(np.clip(centre + half, 0, 1), p)
    lo = np.where(n > 0, lo, np.nan)
    hi = np.where(n > 0, hi, np.nan)
    return lo, hi


@dataclass(frozen=True)
class RatioTest:
    """A ratio of two proportions: estimate, Katz log interval, and the test against the band."""

    ratio: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    se_log: np.ndarray
    p_band: np.ndarray


def katz_ratio(
    a: np.ndarray,
    n1: np.ndarray,
    b: np.ndarray,
    n2: np.ndarray,
    *,
    bounds: tuple[float, float],
    level: float = CI_LEVEL,
    correction: float = CONTINUITY_CORRECTION,
) -> RatioTest:
    """The ratio ``(a / n1) ÷ (b / n2)`` with the Katz log interval.

    A row with a zero cell (no one, or everybody, selected in either group) gets ``correction``
    (0.5) added to each of its four cells, estimate included, so a ratio is never 0 with interval
    [0, 0].  ``p_band`` tests whether the ratio lies outside ``bounds``: twice the one-sided
    p-value against the nearer bound, so ``p_band < 1 − level`` exactly when the interval lies
    wholly outside the band.  NaN where either group is empty.
    """
    a, n1, b, n2 = (np.asarray(v, dtype=float) for v in (a, n1, b, n2))
    zero = (a == 0) | (b == 0) | (a == n1) | (b == n2)
    c = np.where(zero, correction, 0.0)
    a2, b2, n12, n22 = a + c, b + c, n1 + 2 * c, n2 + 2 * c
    ok = (n1 > 0) & (n2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_r = np.log(a2 / n12) - np.log(b2 / n22)
        se = np.sqrt(1 / a2 - 1 / n12 + 1 / b2 - 1 / n22)
    log_r = np.where(ok, log_r, np.nan)
    se = np.where(ok, se, np.nan)
    return _ratio_test(log_r, se, bounds, level)


def _ratio_test(
    log_r: np.ndarray, se: np.ndarray, bounds: tuple[float, float], level: float
) -> RatioTest:
    """Interval and band test of a log ratio with its standard error."""
    from scipy.stats import norm

    z = _z(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        below = norm.cdf((log_r - np.log(bounds[0])) / se)
        above = norm.sf((log_r - np.log(bounds[1])) / se)
        p = np.minimum(1.0, 2 * np.minimum(below, above))
    # A ratio fixed at exactly 1 (a group against itself) has no sampling error: p = 1.
    p = np.where(
        se == 0, np.where((log_r < np.log(bounds[0])) | (log_r > np.log(bounds[1])), 0.0, 1.0), p
    )
    return RatioTest(np.exp(log_r), np.exp(log_r - z * se), np.exp(log_r + z * se), se, p)


def mantel_haenszel_ratio(
    a: np.ndarray,
    n1: np.ndarray,
    b: np.ndarray,
    n2: np.ndarray,
    *,
    bounds: tuple[float, float],
    level: float = CI_LEVEL,
) -> RatioTest:
    """The ratio of two proportions within strata (e.g. counties), pooled by Mantel–Haenszel.

    Arrays are (groups, strata); strata where either group is empty are left out.  The variance of
    the log ratio is Greenland and Robins' (1985).  A pooled numerator or denominator of zero gets
    0.5 added to each stratum's selected counts.  Returns one value per group.
    """
    a, n1, b, n2 = (np.asarray(v, dtype=float) for v in (a, n1, b, n2))
    use = (n1 > 0) & (n2 > 0)
    a, n1, b, n2 = (np.where(use, v, 0.0) for v in (a, n1, b, n2))
    total = np.where(use, n1 + n2, 1.0)
    num, den = (a * n2 / total).sum(axis=-1), (b * n1 / total).sum(axis=-1)
    zero = (num == 0) | (den == 0)
    if zero.any():
        c = np.where(zero[..., None] & use, CONTINUITY_CORRECTION, 0.0)
        a, b = a + c, b + c
        num, den = (a * n2 / total).sum(axis=-1), (b * n1 / total).sum(axis=-1)
    var_num = ((n1 * n2 * (a + b) - a * b * total) / total**2 * use).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_r = np.log(num / den)
        se = np.sqrt(np.clip(var_num, 0, None) / (num * den))
    none = ~use.any(axis=-1)
    log_r = np.where(none, np.nan, log_r)
    se = np.where(none, np.nan, se)
    return _ratio_test(log_r, se, bounds, level)


def benjamini_hochberg(p: np.ndarray | Sequence[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN p-values stay NaN and are not counted."""
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if not len(ok):
        return q
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    ranked = p[order] * m / np.arange(1, m + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return q


def band_flag(q: np.ndarray, fdr: float = FDR) -> pd.Series:
    """A nullable flag: the disparity is outside the band after the correction (``q ≤ fdr``)."""
    q = np.asarray(q, dtype=float)
    flag = pd.array(q <= fdr, dtype="boolean")
    flag[np.isnan(q)] = pd.NA
    return pd.Series(flag)
