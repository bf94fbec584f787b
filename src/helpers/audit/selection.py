"""The selection audit: who is selected versus who is in prison, by group.

* :func:`selections` — the selections an office may use: screen-eligible, and the first k of each
  county's ranking by R and by the model.
* :func:`selection_audit` — per group: selection rate, shares of population and of selected,
  disparity ratios against the reference group (White) and against the overall rate, flagged
  outside 0.8–1.25, with bootstrap 95 % intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.audit.constants import N_BOOT, RATIO_BOUNDS, REFERENCE_GROUP, SEED
from helpers.audit.groups import add_groups, group_codes, group_definitions
from helpers.audit.protect import protect_group_table
from helpers.audit.stats import (
    as_mask,
    cell_rng,
    outside_bounds,
    percentile_interval,
    reference_positions,
    safe_ratio,
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
    "flag_vs_reference": SELECTION_COUNTS,
    "flag_vs_overall": SELECTION_COUNTS,
}
"""The columns of :func:`selection_audit` computed from counts, and the counts they reveal."""


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
    n_boot: int = N_BOOT,
    seed: int = SEED,
    bounds: tuple[float, float] = RATIO_BOUNDS,
) -> pd.DataFrame:
    """Selection rates and disparity ratios by group, with bootstrap 95 % intervals.

    ``selected`` is a boolean per person (aligned with ``people``).  One row per group of each
    dimension in ``groups`` (default :func:`group_definitions`) plus an ``overall`` row.  Ratios
    against ``reference_group`` compare with the reference group of the same dimension (in an
    intersection, the reference race with the same other value); dimensions without race have none.
    ``flag_vs_*`` is true when the ratio is outside ``bounds`` (0.8–1.25, four-fifths style).
    The bootstrap resamples people with replacement (multinomial over group × selected cells).
    """
    p = add_groups(people)
    sel = as_mask(selected, p.index, "selected")
    groups = dict(groups) if groups is not None else group_definitions(p)
    frames = [
        _dimension_rates(p, sel, dim, cols, reference_group, n_boot, seed, bounds)
        for dim, cols in {"overall": [], **groups}.items()
    ]
    out = pd.concat(frames, ignore_index=True)
    out["reference_group"] = out["reference_group"].astype("string")
    return out


def _dimension_rates(
    p: pd.DataFrame,
    sel: np.ndarray,
    dim: str,
    cols: Sequence[str],
    reference_group: str,
    n_boot: int,
    seed: int,
    bounds: tuple[float, float],
) -> pd.DataFrame:
    """The rows of :func:`selection_audit` for one dimension."""
    n_all, s_all = len(p), int(sel.sum())
    overall_rate = s_all / n_all if n_all else np.nan
    codes, uniques = group_codes(p, cols)
    k = len(uniques)
    pop = np.bincount(codes, minlength=k).astype(float)
    ns = np.bincount(codes, weights=sel.astype(float), minlength=k)
    rate = safe_ratio(ns, pop)
    ref = reference_positions(uniques, cols, reference_group)
    has_ref = ref >= 0
    ref_rate = np.where(has_ref, rate[np.maximum(ref, 0)], np.nan)

    cells = np.concatenate([ns, pop - ns])
    boot = cell_rng(seed, "selection", dim).multinomial(n_all, cells / n_all, size=n_boot)
    b_sel, b_pop = boot[:, :k].astype(float), boot.reshape(n_boot, 2, k).sum(axis=1)
    b_rate = safe_ratio(b_sel, b_pop.astype(float))
    b_overall = b_sel.sum(axis=1, keepdims=True) / n_all
    b_ref = np.where(has_ref[None, :], b_rate[:, np.maximum(ref, 0)], np.nan)
    rate_lo, rate_hi = percentile_interval(b_rate)
    vs_ref = safe_ratio(rate, ref_rate) if has_ref.any() else np.full(k, np.nan)
    vs_ref = np.where(has_ref, vs_ref, np.nan)
    ref_lo, ref_hi = percentile_interval(safe_ratio(b_rate, b_ref))
    vs_all = safe_ratio(rate, np.full(k, overall_rate))
    all_lo, all_hi = percentile_interval(safe_ratio(b_rate, b_overall))
    return pd.DataFrame(
        {
            "dimension": dim,
            "group": uniques,
            "n_population": pop.astype(np.int64),
            "n_selected": ns.astype(np.int64),
            "n_not_selected": (pop - ns).astype(np.int64),
            "selection_rate": rate,
            "selection_rate_lo": rate_lo,
            "selection_rate_hi": rate_hi,
            "share_of_population": pop / n_all,
            "share_of_selected": ns / s_all if s_all else np.nan,
            "reference_group": np.where(
                has_ref, np.asarray(uniques, dtype=object)[np.maximum(ref, 0)], None
            ),
            "ratio_vs_reference": vs_ref,
            "ratio_vs_reference_lo": ref_lo,
            "ratio_vs_reference_hi": ref_hi,
            "ratio_vs_overall": vs_all,
            "ratio_vs_overall_lo": all_lo,
            "ratio_vs_overall_hi": all_hi,
            "flag_vs_reference": outside_bounds(vs_ref, bounds),
            "flag_vs_overall": outside_bounds(vs_all, bounds),
        }
    )


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
            "flag_vs_reference",
        ],
    )
