"""The assistive audit: for a tool that *helps* the people it selects, whom does it miss?

Against labels (who should be found: the screen's eligible people, or the people an office
referred or resentenced), per group: recall (share of the labelled selected), false-negative rate
(share of the labelled missed) and false-omission rate (among people not selected, the share
labelled), each with a Wilson interval and a ratio against the reference group with a Katz log
interval, flagged only outside the band after the Benjamini–Hochberg correction across the table.
:func:`fairlearn_check` recomputes the rates with fairlearn's ``MetricFrame`` for comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.audit.constants import FDR, RATIO_BOUNDS, REFERENCE_GROUP
from helpers.audit.groups import add_groups, group_codes, group_definitions
from helpers.audit.protect import protect_group_table
from helpers.audit.stats import (
    as_mask,
    band_flag,
    benjamini_hochberg,
    katz_ratio,
    reference_positions,
    safe_ratio,
    wilson_interval,
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
ASSISTIVE_MEASURES = {
    "recall": ("n_true_positive", "n_eligible"),
    "false_negative_rate": ("n_missed", "n_eligible"),
    "false_omission_rate": ("n_missed", "n_not_selected"),
}
"""Each assistive measure as (numerator, denominator) counts."""


def assistive_audit(
    people: pd.DataFrame,
    labels: pd.Series | np.ndarray,
    selected: pd.Series | np.ndarray,
    groups: Mapping[str, Sequence[str]] | None = None,
    reference_group: str = REFERENCE_GROUP,
    *,
    bounds: tuple[float, float] = RATIO_BOUNDS,
    fdr: float = FDR,
) -> pd.DataFrame:
    """Who among the labelled people (``labels``) a selection finds and misses, by group.

    Per group: the confusion matrix, ``recall``, ``false_negative_rate`` and
    ``false_omission_rate`` with Wilson intervals (``_lo``, ``_hi``), and for each measure the ratio
    against the reference group (``<measure>_ratio_vs_reference``) with its Katz interval,
    band p-value, Benjamini–Hochberg q-value across the table and flag.
    """
    p = add_groups(people)
    y = as_mask(labels, p.index, "labels")
    s = as_mask(selected, p.index, "selected")
    groups = dict(groups) if groups is not None else group_definitions(p)
    frames = [
        _dimension_recall(p, y, s, cols, reference_group, bounds).assign(dimension=dim)
        for dim, cols in {"overall": [], **groups}.items()
    ]
    out = pd.concat(frames, ignore_index=True)
    out["reference_group"] = out["reference_group"].astype("string")
    p_cols = [f"{m}_p_vs_reference" for m in ASSISTIVE_MEASURES]
    q = benjamini_hochberg(out[p_cols].to_numpy(float).ravel()).reshape(len(out), len(p_cols))
    for i, m in enumerate(ASSISTIVE_MEASURES):
        out[f"{m}_q_vs_reference"] = q[:, i]
        out[f"{m}_flag_vs_reference"] = band_flag(q[:, i], fdr)
    first = ["dimension", "group", *ASSISTIVE_COUNTS, "selection_rate"]
    return out[first + [c for c in out.columns if c not in first]]


def _dimension_recall(
    p: pd.DataFrame,
    y: np.ndarray,
    s: np.ndarray,
    cols: Sequence[str],
    reference_group: str,
    bounds: tuple[float, float],
) -> pd.DataFrame:
    """The rows of :func:`assistive_audit` for one dimension (before the correction)."""
    codes, uniques = group_codes(p, cols)
    k = len(uniques)
    cell = codes * 4 + np.where(y, np.where(s, 0, 1), np.where(s, 2, 3))
    tp, fn, fp, tn = np.bincount(cell, minlength=4 * k).reshape(k, 4).astype(float).T
    counts = {
        "n_population": tp + fn + fp + tn,
        "n_eligible": tp + fn,
        "n_selected": tp + fp,
        "n_true_positive": tp,
        "n_missed": fn,
        "n_false_positive": fp,
        "n_true_negative": tn,
    }
    out = pd.DataFrame({"group": uniques, **{c: v.astype(np.int64) for c, v in counts.items()}})
    out["selection_rate"] = safe_ratio(tp + fp, counts["n_population"])
    counts["n_not_selected"] = fn + tn
    ref = reference_positions(uniques, cols, reference_group)
    r = np.maximum(ref, 0)
    itself = ref == np.arange(k)
    use = (ref >= 0) & ~itself
    out["reference_group"] = np.where(ref >= 0, np.asarray(uniques, dtype=object)[r], None)
    for m, (num, den) in ASSISTIVE_MEASURES.items():
        a, n = counts[num], counts[den]
        out[m] = safe_ratio(a, n)
        out[f"{m}_lo"], out[f"{m}_hi"] = wilson_interval(a, n)
        test = katz_ratio(a, n, a[r], n[r], bounds=bounds)
        name = f"{m}_ratio_vs_reference"
        out[name] = np.where(itself, 1.0, np.where(use, test.ratio, np.nan))
        out[f"{name}_lo"] = np.where(itself, 1.0, np.where(use, test.lo, np.nan))
        out[f"{name}_hi"] = np.where(itself, 1.0, np.where(use, test.hi, np.nan))
        out[f"{m}_p_vs_reference"] = np.where(use, test.p_band, np.nan)
    return out


def fairlearn_check(
    people: pd.DataFrame,
    selected: pd.Series | np.ndarray,
    labels: pd.Series | np.ndarray | None = None,
    column: str = "race_group",
    control: str | None = None,
) -> pd.DataFrame:
    """Selection rate (and, with labels, recall and FNR) by ``column`` from fairlearn's MetricFrame.

    With ``control`` (e.g. ``county``) the rates are per control value and group, fairlearn's
    ``control_features``.  Rates of groups without eligible people are NaN (fairlearn reports 0
    there).  Used to cross-check :func:`helpers.audit.selection_audit` and
    :func:`assistive_audit`.
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
        control_features=(
            pd.Series(p[control].astype(str).to_numpy(), name=control) if control else None
        ),
    )
    out = frame.by_group.reset_index()
    out = out[out["n_population"].notna()].reset_index(drop=True)  # absent control × group cells
    if labels is not None:
        keys = [control, "group"] if control else ["group"]
        key_frame = pd.DataFrame({"group": p[column].astype(str).to_numpy(), "y": y})
        if control:
            key_frame[control] = p[control].astype(str).to_numpy()
        n_eligible = key_frame.groupby(keys)["y"].sum()
        none = out.set_index(keys).index.map(n_eligible).to_numpy() == 0
        out.loc[none, ["recall", "false_negative_rate"]] = np.nan
    out.insert(0, "dimension", column)
    out["n_population"] = out["n_population"].astype(np.int64)
    return out


def protect_assistive_audit(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """:func:`assistive_audit` output made fit for ``mode``."""
    split = [c for c in ("scope", "selection", "labels", "dimension") if c in table]
    derived = {
        c: ASSISTIVE_COUNTS
        for c in table.columns
        if c not in ASSISTIVE_COUNTS
        and (pd.api.types.is_numeric_dtype(table[c]) or c.endswith("_flag_vs_reference"))
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
        reference_cols=[c for c in table.columns if "_vs_reference" in c],
    )
