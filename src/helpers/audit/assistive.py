"""The assistive audit: with labels (e.g. screen-eligible), who among the eligible a selection misses.

Recall, false-negative rate and false-omission rate by group, with bootstrap 95 % intervals;
:func:`fairlearn_check` recomputes the rates with fairlearn's ``MetricFrame`` for comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.audit.constants import N_BOOT, REFERENCE_GROUP, SEED
from helpers.audit.groups import add_groups, group_codes, group_definitions
from helpers.audit.protect import protect_group_table
from helpers.audit.stats import (
    as_mask,
    cell_rng,
    percentile_interval,
    reference_positions,
    safe_ratio,
)

ASSISTIVE_COUNTS = [
    "n_population",
    "n_eligible",
    "n_selected",
    "n_true_positive",
    "n_missed",
    "n_false_positive",
    "n_true_negative",
]
"""The count columns of :func:`assistive_audit` (the confusion matrix and its margins)."""


def assistive_audit(
    people: pd.DataFrame,
    labels: pd.Series | np.ndarray,
    selected: pd.Series | np.ndarray,
    groups: Mapping[str, Sequence[str]] | None = None,
    reference_group: str = REFERENCE_GROUP,
    *,
    n_boot: int = N_BOOT,
    seed: int = SEED,
) -> pd.DataFrame:
    """Who among the eligible (``labels``) a selection misses, by group.

    Per group: counts of the confusion matrix, recall (share of eligible people selected), false-
    negative rate (eligible people missed), false-omission rate (share eligible among those not
    selected), recall ratio against the reference group, with bootstrap 95 % intervals.  Counts
    are computed with numpy (fast for hundreds of groups); :func:`fairlearn_check` recomputes the
    rates with fairlearn's ``MetricFrame`` for comparison.
    """
    p = add_groups(people)
    y = as_mask(labels, p.index, "labels")
    s = as_mask(selected, p.index, "selected")
    groups = dict(groups) if groups is not None else group_definitions(p)
    frames = [
        _dimension_recall(p, y, s, dim, cols, reference_group, n_boot, seed)
        for dim, cols in {"overall": [], **groups}.items()
    ]
    out = pd.concat(frames, ignore_index=True)
    out["reference_group"] = out["reference_group"].astype("string")
    return out


def _dimension_recall(
    p: pd.DataFrame,
    y: np.ndarray,
    s: np.ndarray,
    dim: str,
    cols: Sequence[str],
    reference_group: str,
    n_boot: int,
    seed: int,
) -> pd.DataFrame:
    """The rows of :func:`assistive_audit` for one dimension."""
    n_all = len(p)
    codes, uniques = group_codes(p, cols)
    k = len(uniques)
    # Cells: tp, fn, fp, tn per group.
    cell = codes * 4 + np.where(y, np.where(s, 0, 1), np.where(s, 2, 3))
    counts = np.bincount(cell, minlength=4 * k).reshape(k, 4).astype(float)
    tp, fn, fp, tn = counts.T
    eligible = tp + fn
    recall = safe_ratio(tp, eligible)
    ref = reference_positions(uniques, cols, reference_group)
    has_ref = ref >= 0
    recall_ref = np.where(has_ref, recall[np.maximum(ref, 0)], np.nan)

    boot = (
        cell_rng(seed, "assistive", dim)
        .multinomial(n_all, counts.ravel() / n_all, size=n_boot)
        .reshape(n_boot, k, 4)
        .astype(float)
    )
    b_recall = safe_ratio(boot[..., 0], boot[..., 0] + boot[..., 1])
    b_for = safe_ratio(boot[..., 1], boot[..., 1] + boot[..., 3])
    b_ref = np.where(has_ref[None, :], b_recall[:, np.maximum(ref, 0)], np.nan)
    r_lo, r_hi = percentile_interval(b_recall)
    f_lo, f_hi = percentile_interval(b_for)
    rr_lo, rr_hi = percentile_interval(safe_ratio(b_recall, b_ref))
    return pd.DataFrame(
        {
            "dimension": dim,
            "group": uniques,
            "n_population": (eligible + fp + tn).astype(np.int64),
            "n_eligible": eligible.astype(np.int64),
            "n_selected": (tp + fp).astype(np.int64),
            "n_true_positive": tp.astype(np.int64),
            "n_missed": fn.astype(np.int64),
            "n_false_positive": fp.astype(np.int64),
            "n_true_negative": tn.astype(np.int64),
            "selection_rate": safe_ratio(tp + fp, tp + fn + fp + tn),
            "recall": recall,
            "recall_lo": r_lo,
            "recall_hi": r_hi,
            "false_negative_rate": safe_ratio(fn, eligible),
            "false_omission_rate": safe_ratio(fn, fn + tn),
            "false_omission_rate_lo": f_lo,
            "false_omission_rate_hi": f_hi,
            "reference_group": np.where(
                has_ref, np.asarray(uniques, dtype=object)[np.maximum(ref, 0)], None
            ),
            "recall_ratio_vs_reference": np.where(has_ref, safe_ratio(recall, recall_ref), np.nan),
            "recall_ratio_vs_reference_lo": rr_lo,
            "recall_ratio_vs_reference_hi": rr_hi,
        }
    )


def fairlearn_check(
    people: pd.DataFrame,
    selected: pd.Series | np.ndarray,
    labels: pd.Series | np.ndarray | None = None,
    column: str = "race_group",
) -> pd.DataFrame:
    """Selection rate (and, with labels, recall and FNR) by ``column`` from fairlearn's MetricFrame.

    Rates of groups without eligible people are NaN (fairlearn reports 0 there).  Used to cross-
    check :func:`helpers.audit.selection_audit` and :func:`assistive_audit`.
    """
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_negative_rate,
        selection_rate,
        true_positive_rate,
    )

    p = add_groups(people)
    s = as_mask(selected, p.index, "selected").astype(int)
    y = as_mask(labels, p.index, "labels").astype(int) if labels is not None else s
    metrics = {"n_population": count, "selection_rate": selection_rate}
    if labels is not None:
        metrics |= {"recall": true_positive_rate, "false_negative_rate": false_negative_rate}
    frame = MetricFrame(
        metrics=metrics,
        y_true=y,
        y_pred=s,
        sensitive_features=pd.Series(p[column].astype(str).to_numpy(), name="group"),
    )
    out = frame.by_group.reset_index()
    if labels is not None:
        n_eligible = pd.Series(y).groupby(p[column].astype(str).to_numpy()).sum()
        none = out["group"].map(n_eligible).to_numpy() == 0
        out.loc[none, ["recall", "false_negative_rate"]] = np.nan
    out.insert(0, "dimension", column)
    out["n_population"] = out["n_population"].astype(np.int64)
    return out


def protect_assistive_audit(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """:func:`assistive_audit` output made fit for ``mode``."""
    split = [c for c in ("scope", "selection", "dimension") if c in table]
    derived = {
        c: ASSISTIVE_COUNTS
        for c in table.columns
        if c not in ASSISTIVE_COUNTS and pd.api.types.is_numeric_dtype(table[c])
    }
    return protect_group_table(
        table,
        mode,
        ASSISTIVE_COUNTS,
        derived,
        split=split,
        row_totals={
            "n_population": ["n_true_positive", "n_missed", "n_false_positive", "n_true_negative"],
            "n_eligible": ["n_true_positive", "n_missed"],
            "n_selected": ["n_true_positive", "n_false_positive"],
        },
        reference_cols=[
            "recall_ratio_vs_reference",
            "recall_ratio_vs_reference_lo",
            "recall_ratio_vs_reference_hi",
        ],
    )
