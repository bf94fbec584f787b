"""Evaluation of the model on one honest split: metrics with bootstrap intervals, comparison tables
and the inspection of people flagged but not labelled.

One stratified person-level split (:func:`split`, 25 % test, natural imbalance kept).  On the test
set, with percentile bootstrap 95 % intervals (:func:`bootstrap_metrics`, vectorised): precision and
recall of the positive class at the threshold, PR-AUC (average precision), balanced accuracy,
recall@k and precision@k.  Methods compared on the same split are rows of one table
(:func:`method_metrics`), beside the policy memo's reported pair (:data:`MEMO`, :func:`memo_rows`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.model.features import BINARY, CATEGORICAL
from helpers.model.settings import KS, SEED, ModelSettings

#: The policy memo's reported pair (BRF + SMOTE, ~90,000 cases, ~550 eligible, eligible class).
MEMO = {
    "recall": 0.86,
    "precision": 0.41,
    "setting": (
        "policy memo: Balanced Random Forest with SMOTE, ~90,000 cases, ~550 labelled eligible by "
        "prior evaluations; split, threshold and intervals not reported"
    ),
}


def split(y: np.ndarray, settings: ModelSettings) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/test positions (one row per person, so the split is by person)."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    train, test = train_test_split(
        idx,
        test_size=settings.test_size,
        stratify=y,
        random_state=settings.random_state,
        shuffle=True,
    )
    return np.sort(train), np.sort(test)


def _metric_matrix(
    ys: np.ndarray, ends: np.ndarray, flagged: np.ndarray, W: np.ndarray, ks: tuple[int, ...]
) -> dict[str, np.ndarray]:
    """All metrics for each row of weights ``W`` (people sorted by score, best first)."""
    W = W.astype("float64")
    tp_cum = np.cumsum(W * ys, axis=1)
    n_cum = np.cumsum(W, axis=1)
    P = tp_cum[:, -1]
    N = n_cum[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        # Average precision over distinct score thresholds (ties grouped, as scikit-learn does).
        tp_t = tp_cum[:, ends]
        n_t = n_cum[:, ends]
        prec_t = np.where(n_t > 0, tp_t / np.where(n_t > 0, n_t, 1), 0.0)
        rec_t = tp_t / P[:, None]
        d_rec = np.diff(np.concatenate([np.zeros((len(W), 1)), rec_t], axis=1), axis=1)
        out: dict[str, np.ndarray] = {"pr_auc": (d_rec * prec_t).sum(axis=1)}
        tp = (W * (ys * flagged)).sum(axis=1)
        fp = (W * ((1 - ys) * flagged)).sum(axis=1)
        tn = (N - P) - fp
        out["precision"] = tp / (tp + fp)
        out["recall"] = tp / P
        out["balanced_accuracy"] = 0.5 * (tp / P + tn / (tn + fp))
        for k in ks:
            at = np.argmax(n_cum >= k, axis=1)
            reached = n_cum[:, -1] >= k
            rows = np.arange(len(W))
            over = n_cum[rows, at] - k
            tp_k = np.where(reached, tp_cum[rows, at] - over * ys[at], P)
            out[f"recall_at_{k}"] = tp_k / P
            out[f"precision_at_{k}"] = tp_k / np.minimum(k, N)
    return out


def bootstrap_metrics(
    y: np.ndarray,
    score: np.ndarray,
    flagged: np.ndarray,
    *,
    ks: tuple[int, ...] = KS,
    n_boot: int = 1000,
    seed: int = SEED,
    level: float = 0.95,
) -> pd.DataFrame:
    """Point estimates and percentile bootstrap intervals of every metric on one test set.

    ``score``: higher = more likely positive; ``flagged``: the people the method selects (its
    threshold).  Ranking ties are broken by position (stable sort).  The bootstrap resamples people
    with replacement (each replicate is a vector of multiplicities, so all replicates are computed
    with a few array operations); the same ``seed`` gives the same replicates for every method, so
    intervals of methods on one split are paired.
    """
    y = np.asarray(y, dtype=bool)
    score = np.asarray(score, dtype="float64")
    n = len(y)
    order = np.argsort(-score, kind="stable")
    ys = y[order].astype("float64")
    ss = score[order]
    ends = np.flatnonzero(np.r_[ss[1:] != ss[:-1], True])
    fl = np.asarray(flagged, dtype=bool)[order].astype("float64")
    point = _metric_matrix(ys, ends, fl, np.ones((1, n)), ks)
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {m: [] for m in point}
    batch = max(1, min(n_boot, 4_000_000 // max(n, 1)))
    done = 0
    while done < n_boot:
        b = min(batch, n_boot - done)
        draws = rng.integers(0, n, size=(b, n))
        W = np.bincount((draws + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n)
        W = W.reshape(b, n)[:, order]
        for m, v in _metric_matrix(ys, ends, fl, W, ks).items():
            parts[m].append(v)
        done += b
    alpha = (1 - level) / 2
    rows = []
    for m, v in point.items():
        boot = np.concatenate(parts[m])
        boot = boot[np.isfinite(boot)]
        lo, hi = np.quantile(boot, [alpha, 1 - alpha]) if boot.size else (np.nan, np.nan)
        rows.append({"metric": m, "value": float(v[0]), "ci_low": float(lo), "ci_high": float(hi)})
    return pd.DataFrame(rows)


def top_k_flags(score: np.ndarray, m: int) -> np.ndarray:
    """The ``m`` best-scored people (ties by position)."""
    flags = np.zeros(len(score), dtype=bool)
    flags[np.argsort(-np.asarray(score, dtype="float64"), kind="stable")[: max(m, 0)]] = True
    return flags


def method_metrics(
    method: str,
    features: str,
    y: np.ndarray,
    score: np.ndarray,
    flags: np.ndarray,
    threshold: str,
    settings: ModelSettings,
) -> pd.DataFrame:
    """One method's rows of the comparison table: its metrics with intervals on the test people.

    Columns: ``method, features, metric, value, ci_low, ci_high, threshold, n_flagged``; every
    method is bootstrapped with the same replicates (``settings.random_state``).
    """
    m = bootstrap_metrics(
        y, score, flags, ks=settings.ks, n_boot=settings.n_boot, seed=settings.random_state
    )
    m.insert(0, "method", method)
    m.insert(1, "features", features)
    m["threshold"] = threshold
    m["n_flagged"] = int(flags.sum())
    return m


def memo_rows() -> pd.DataFrame:
    """The policy memo's precision and recall as rows of the comparison table (no intervals)."""
    return pd.DataFrame(
        [
            {
                "method": "policy memo",
                "features": "not reported",
                "metric": m,
                "value": MEMO[m],
                "ci_low": np.nan,
                "ci_high": np.nan,
                "threshold": "not reported",
                "n_flagged": np.nan,
            }
            for m in ("precision", "recall")
        ]
    )


def _feature_values(X: pd.DataFrame, col: str, labelled: np.ndarray) -> tuple[np.ndarray, str, str]:
    """(values as floats, statistic, row name) of one feature for :func:`inspect_flagged`.

    Categorical features become the indicator of the labelled positives' most common value (an
    empty name when the labelled group has no value at all).
    """
    if col in CATEGORICAL:
        values = X[col].astype("string")
        top = values[labelled].mode()
        if top.empty:
            return np.empty(0), "share", ""
        v = (values == top.iloc[0]).fillna(False).to_numpy(dtype="float64")
        return v, "share", f"{col} = {top.iloc[0]}"
    return X[col].to_numpy(dtype="float64"), "share" if col in BINARY else "median", col


def _standardised_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Difference of the means of ``a`` and ``b`` over their pooled SD (0 when undefined)."""
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    sd = np.sqrt((a.var() + b.var()) / 2) if a.size > 1 and b.size > 1 else np.nan
    return float((a.mean() - b.mean()) / sd) if sd and np.isfinite(sd) and sd > 0 else 0.0


def inspect_flagged(X: pd.DataFrame, y: np.ndarray, flagged: np.ndarray) -> pd.DataFrame:
    """Feature distributions side by side: labelled positive, flagged but not labelled, the rest.

    Numeric features: median; binary: share with the flag; categorical: share of the most common
    value among labelled positives.  ``smd_flagged_vs_labelled`` is the standardised mean
    difference (pooled SD) between the flagged-unlabelled and the labelled group: near 0 means the
    model's extra picks look like the labelled cases on that feature.
    """
    y = np.asarray(y, dtype=bool)
    flagged = np.asarray(flagged, dtype=bool)
    groups = {
        "labelled": y,
        "flagged_not_labelled": flagged & ~y,
        "not_flagged_not_labelled": ~flagged & ~y,
    }
    rows = []
    for col in X.columns:
        v, stat, name = _feature_values(X, col, groups["labelled"])
        if not name:
            continue
        row: dict[str, Any] = {"feature": name, "statistic": stat}
        for g, mask in groups.items():
            vals = v[mask]
            vals = vals[~np.isnan(vals)]
            row[f"n_{g}"] = int(mask.sum())
            row[g] = float(
                np.nan if vals.size == 0 else (vals.mean() if stat == "share" else np.median(vals))
            )
        row["smd_flagged_vs_labelled"] = _standardised_difference(
            v[groups["flagged_not_labelled"]], v[groups["labelled"]]
        )
        rows.append(row)
    return pd.DataFrame(rows)
