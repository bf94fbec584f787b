"""The selection audit: who is selected versus who is in prison, by group.

* :func:`selections` — the selections an office may use: screen-eligible, and the first k of each
  county's ranking by R and by the model.
* :func:`selection_audit` — per group: selection rate, shares of population and of selected,
  disparity ratios against the reference group (White) and against the overall rate, with Wilson
  and Katz 95 % intervals, flagged only when the interval lies outside 0.8–1.25 after the
  Benjamini–Hochberg correction across the table; within counties as well as across them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.audit.constants import FDR, RATIO_BOUNDS, REFERENCE_GROUP, WITHIN
from helpers.audit.groups import add_groups, group_codes, group_definitions
from helpers.audit.protect import protect_group_table
from helpers.audit.stats import (
    RatioTest,
    as_mask,
    band_flag,
    benjamini_hochberg,
    katz_ratio,
    mantel_haenszel_ratio,
    reference_positions,
    safe_ratio,
    wilson_interval,
)

SELECTION_COUNTS = ["n_population", "n_selected", "n_not_selected"]
"""The count columns of :func:`selection_audit` (selected + not selected = population)."""
SELECTION_DERIVED = {
    "selection_rate": SELECTION_COUNTS,
    "selection_rate_lo": SELECTION_COUNTS,
    "selection_rate_hi": SELECTION_COUNTS,
    "share_of_population": ["n_population"],
    "share_of_selected": ["n_selected"],
    "ratio_vs_reference": SELECTION_COUNTS,
    "ratio_vs_reference_lo": SELECTION_COUNTS,
    "ratio_vs_reference_hi": SELECTION_COUNTS,
    "ratio_vs_overall": SELECTION_COUNTS,
    "ratio_vs_overall_lo": SELECTION_COUNTS,
    "ratio_vs_overall_hi": SELECTION_COUNTS,
    "p_vs_reference": SELECTION_COUNTS,
    "q_vs_reference": SELECTION_COUNTS,
    "p_vs_overall": SELECTION_COUNTS,
    "q_vs_overall": SELECTION_COUNTS,
    "flag_vs_reference": SELECTION_COUNTS,
    "flag_vs_overall": SELECTION_COUNTS,
}
"""The columns of :func:`selection_audit` computed from counts, and the counts they reveal."""
SELECTION_COLUMNS = [
    "dimension", "group", *SELECTION_COUNTS, "selection_rate", "selection_rate_lo",
    "selection_rate_hi", "share_of_population", "share_of_selected", "reference_group",
    "ratio_vs_reference", "ratio_vs_reference_lo", "ratio_vs_reference_hi", "p_vs_reference",
    "q_vs_reference", "flag_vs_reference", "ratio_vs_overall", "ratio_vs_overall_lo",
    "ratio_vs_overall_hi", "p_vs_overall", "q_vs_overall", "flag_vs_overall",
]  # fmt: skip
"""The columns of :func:`selection_audit`, in order."""


def selections(people: pd.DataFrame, candidates: pd.DataFrame, k: int) -> dict[str, pd.Series]:
    """The selections an office may use, as booleans aligned with ``people`` (matched on ``cdcno``).

    * ``screen_eligible``: ``eligible`` is true in the candidate list;
    * ``top_<k>_by_R``: ``rank`` ≤ ``k``, the first k of each county's ranking by R;
    * ``top_<k>_by_model``: ``model_rank`` ≤ ``k``, the first k of each county's ranking by the
      model — only when the candidate list carries a model rank for someone.

    People missing from the candidate list are not selected.
    """
    cand = candidates.drop_duplicates("cdcno").set_index("cdcno")
    ids = people["cdcno"]
    out = {
        "screen_eligible": _selected(ids.map(cand["eligible"])),
        f"top_{k}_by_R": _selected(pd.to_numeric(ids.map(cand["rank"]), errors="coerce") <= k),
    }
    if "model_rank" in cand and cand["model_rank"].notna().any():
        model_rank = pd.to_numeric(ids.map(cand["model_rank"]), errors="coerce")
        out[f"top_{k}_by_model"] = _selected(model_rank <= k)
    return out


def _selected(values: pd.Series) -> pd.Series:
    """A plain boolean Series (missing = not selected)."""
    return values.astype("boolean").fillna(False).astype(bool)


def selection_audit(
    people: pd.DataFrame,
    selected: pd.Series | np.ndarray,
    groups: Mapping[str, Sequence[str]] | None = None,
    reference_group: str = REFERENCE_GROUP,
    *,
    bounds: tuple[float, float] = RATIO_BOUNDS,
    fdr: float = FDR,
    within: str | None = WITHIN,
) -> pd.DataFrame:
    """Selection rates and disparity ratios by group, with 95 % intervals and corrected flags.

    ``selected`` is a boolean per person (aligned with ``people``).  One row per group of each
    dimension in ``groups`` (default :func:`group_definitions`) plus an ``overall`` row, and — when
    ``people`` spans several values of ``within`` (counties) — a dimension
    ``race_group within county``: each race group against the reference group of the *same*
    county, pooled by Mantel–Haenszel, so a selection made per county is compared within counties.
    Ratios against ``reference_group`` compare with the reference group of the same dimension (in
    an intersection, the reference race with the same other value).  Rates have Wilson intervals,
    ratios Katz log intervals; ``flag_vs_*`` is true only when the interval lies outside
    ``bounds`` after the Benjamini–Hochberg correction across every ratio of the table
    (``q_vs_* ≤ fdr``).
    """
    p = add_groups(people)
    sel = as_mask(selected, p.index, "selected")
    groups = dict(groups) if groups is not None else group_definitions(p)
    frames = [
        _dimension_rates(p, sel, dim, cols, reference_group, bounds)
        for dim, cols in {"overall": [], **groups}.items()
    ]
    if within and within in p and p[within].nunique() > 1 and "race_group" in p:
        frames.append(_within_rates(p, sel, within, reference_group, bounds))
    out = pd.concat(frames, ignore_index=True)
    out["reference_group"] = out["reference_group"].astype("string")
    q = benjamini_hochberg(np.concatenate([out["p_vs_reference"], out["p_vs_overall"]]))
    out["q_vs_reference"], out["q_vs_overall"] = q[: len(out)], q[len(out) :]
    out["flag_vs_reference"] = band_flag(out["q_vs_reference"].to_numpy(), fdr)
    out["flag_vs_overall"] = band_flag(out["q_vs_overall"].to_numpy(), fdr)
    return out[SELECTION_COLUMNS]


def _dimension_rates(
    p: pd.DataFrame,
    sel: np.ndarray,
    dim: str,
    cols: Sequence[str],
    reference_group: str,
    bounds: tuple[float, float],
) -> pd.DataFrame:
    """The rows of :func:`selection_audit` for one dimension (before the correction)."""
    n_all, s_all = len(p), int(sel.sum())
    codes, uniques = group_codes(p, cols)
    k = len(uniques)
    pop = np.bincount(codes, minlength=k).astype(float)
    ns = np.bincount(codes, weights=sel.astype(float), minlength=k)
    ref = reference_positions(uniques, cols, reference_group)
    has_ref = (ref >= 0) & (ref != np.arange(k))
    r = np.maximum(ref, 0)
    vs_ref = katz_ratio(ns, pop, ns[r], pop[r], bounds=bounds)
    vs_all = katz_ratio(ns, pop, np.full(k, s_all), np.full(k, n_all), bounds=bounds)
    frame = _rate_frame(dim, uniques, ns, pop, n_all, s_all)
    frame["reference_group"] = np.where(ref >= 0, np.asarray(uniques, dtype=object)[r], None)
    _put_ratio(frame, "vs_reference", vs_ref, has_ref, itself=ref == np.arange(k))
    _put_ratio(frame, "vs_overall", vs_all, np.full(k, n_all > 0), itself=np.full(k, not cols))
    return frame


def _rate_frame(
    dim: str, uniques: Sequence[str], ns: np.ndarray, pop: np.ndarray, n_all: int, s_all: int
) -> pd.DataFrame:
    """Counts, rates with Wilson intervals and shares of one dimension."""
    lo, hi = wilson_interval(ns, pop)
    return pd.DataFrame(
        {
            "dimension": dim,
            "group": list(uniques),
            "n_population": pop.astype(np.int64),
            "n_selected": ns.astype(np.int64),
            "n_not_selected": (pop - ns).astype(np.int64),
            "selection_rate": safe_ratio(ns, pop),
            "selection_rate_lo": lo,
            "selection_rate_hi": hi,
            "share_of_population": pop / n_all if n_all else np.nan,
            "share_of_selected": ns / s_all if s_all else np.nan,
        }
    )


def _put_ratio(
    frame: pd.DataFrame, name: str, test: RatioTest, use: np.ndarray, itself: np.ndarray
) -> None:
    """Add (in place) ``ratio_<name>`` with its interval and band p-value (1 for a group against
    itself, NaN where there is no comparison)."""
    frame[f"ratio_{name}"] = np.where(itself, 1.0, np.where(use, test.ratio, np.nan))
    frame[f"ratio_{name}_lo"] = np.where(itself, 1.0, np.where(use, test.lo, np.nan))
    frame[f"ratio_{name}_hi"] = np.where(itself, 1.0, np.where(use, test.hi, np.nan))
    frame[f"p_{name}"] = np.where(use & ~itself, test.p_band, np.nan)


def _within_rates(
    p: pd.DataFrame, sel: np.ndarray, within: str, reference_group: str, bounds: tuple[float, float]
) -> pd.DataFrame:
    """``race_group within <within>``: each race group against the reference group of the same
    stratum (county), pooled by Mantel–Haenszel."""
    race, races = pd.factorize(p["race_group"].astype(str), sort=True)
    stratum, strata = pd.factorize(p[within].astype(str), sort=True)
    shape = (len(races), len(strata))
    cell = race * len(strata) + stratum
    pop = np.bincount(cell, minlength=shape[0] * shape[1]).reshape(shape)
    ns = np.bincount(cell, weights=sel.astype(float), minlength=shape[0] * shape[1]).reshape(shape)
    frame = _rate_frame(
        f"race_group within {within}",
        [str(r) for r in races],
        ns.sum(axis=1),
        pop.sum(axis=1).astype(float),
        len(p),
        int(sel.sum()),
    )
    names = list(races)
    w = names.index(reference_group) if reference_group in names else 0
    test = mantel_haenszel_ratio(ns, pop, ns[[w]], pop[[w]], bounds=bounds)
    itself = (np.arange(len(names)) == w) & (reference_group in names)
    frame["reference_group"] = reference_group if reference_group in names else None
    _put_ratio(frame, "vs_reference", test, ~itself & (reference_group in names), itself)
    for col in ("ratio_vs_overall", "ratio_vs_overall_lo", "ratio_vs_overall_hi", "p_vs_overall"):
        frame[col] = np.nan
    return frame


def protect_selection_audit(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """:func:`selection_audit` output made fit for ``mode`` (public: small cells suppressed)."""
    split = [c for c in ("scope", "selection", "dimension") if c in table]
    return protect_group_table(
        table,
        mode,
        SELECTION_COUNTS,
        SELECTION_DERIVED,
        split=split,
        row_totals={"n_population": ["n_selected", "n_not_selected"]},
        reference_cols=[
            "ratio_vs_reference",
            "ratio_vs_reference_lo",
            "ratio_vs_reference_hi",
            "p_vs_reference",
            "q_vs_reference",
            "flag_vs_reference",
        ],
    )
