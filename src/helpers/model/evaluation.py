"""Metrics of a ranking and their intervals: PR-AUC, precision@k and recall@k, calibration, groups.

* :func:`wilson_interval` — the Wilson score interval of a proportion (never collapses at 0 or 1:
  all positives found among ``n`` gives an upper bound of 1 and a lower bound below 1).
* :func:`bootstrap_metrics` — PR-AUC (average precision), precision@k and recall@k on one test set
  with percentile bootstrap intervals over people (vectorised: each replicate is a vector of
  multiplicities); :func:`paired_change` the change between two scores on the same replicates.
* :func:`capacity_rows` — precision@k and recall@k from counts, with Wilson intervals;
  :func:`holdout_metrics` all three on one test set.
* :func:`calibration_table` — observed positive share by score band, with Wilson intervals.
* :func:`group_table` — recall and precision of a flagged set by group, with Wilson intervals.
* :func:`memo_rows` — the policy memo's reported pair (:data:`MEMO`), quoted without intervals.
* :func:`count_text` — a count as published text (1–10 suppressed).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.model.features import BINARY, CATEGORICAL
from helpers.model.settings import KS, SEED
from helpers.privacy import SMALL_CELL

#: The policy memo's reported pair (BRF + SMOTE, ~90,000 cases, ~550 eligible, eligible class).
MEMO = {
    "recall": 0.86,
    "precision": 0.41,
    "setting": (
        "policy memo: Balanced Random Forest with SMOTE, ~90,000 cases, ~550 labelled eligible by "
        "prior evaluations (a rule-like label), one split; threshold and intervals not reported"
    ),
}
Z95 = 1.959963984540054


def count_text(n: int | float | None) -> str:
    """A count of people or decisions as published text: ``1–10`` for a small count (suppressed)."""
    if n is None or (isinstance(n, float) and np.isnan(n)):
        return "–"
    n = int(n)
    return f"1–{SMALL_CELL - 1}" if 1 <= n < SMALL_CELL else f"{n:,}"


def small_count(n: object) -> bool:
    """True for a count of 1–10, which published tables never show."""
    return isinstance(n, int | float) and not np.isnan(n) and 1 <= n < SMALL_CELL


def wilson_interval(
    k: np.ndarray | float, n: np.ndarray | float, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``k`` successes in ``n`` trials (NaN where ``n`` is 0)."""
    k = np.asarray(k, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def _metric_matrix(
    ys: np.ndarray, ends: np.ndarray, W: np.ndarray, ks: tuple[int, ...]
) -> dict[str, np.ndarray]:
    """Average precision and the @k metrics for each row of weights ``W`` (people sorted by score,
    best first; ``ends`` are the last positions of tied scores)."""
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
        rows = np.arange(len(W))
        for k in ks:
            at = np.argmax(n_cum >= k, axis=1)
            reached = k <= N
            over = n_cum[rows, at] - k
            tp_k = np.where(reached, tp_cum[rows, at] - over * ys[at], P)
            out[f"recall_at_{k}"] = tp_k / P
            out[f"precision_at_{k}"] = tp_k / np.minimum(k, N)
    return out


def _sorted(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order best first, labels in that order, ends of tied scores); ties broken by position."""
    order = np.argsort(-np.asarray(score, dtype="float64"), kind="stable")
    ss = np.asarray(score, dtype="float64")[order]
    ends = np.flatnonzero(np.r_[ss[1:] != ss[:-1], True]) if len(ss) else np.zeros(0, dtype=int)
    return order, np.asarray(y, dtype="float64")[order], ends


def _replicates(n: int, n_boot: int, seed: int) -> list[np.ndarray]:
    """Bootstrap multiplicities (batches of ``b × n``), the same for every score of one seed."""
    rng = np.random.default_rng(seed)
    batch = max(1, min(n_boot, 4_000_000 // max(n, 1)))
    out, done = [], 0
    while done < n_boot:
        b = min(batch, n_boot - done)
        draws = rng.integers(0, n, size=(b, n))
        W = np.bincount((draws + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n)
        out.append(W.reshape(b, n))
        done += b
    return out


def _interval(values: np.ndarray, level: float) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if not values.size:
        return float("nan"), float("nan")
    alpha = (1 - level) / 2
    lo, hi = np.quantile(values, [alpha, 1 - alpha])
    return float(lo), float(hi)


def bootstrap_metrics(
    y: np.ndarray,
    score: np.ndarray,
    *,
    ks: tuple[int, ...] = KS,
    n_boot: int = 1000,
    seed: int = SEED,
    level: float = 0.95,
) -> pd.DataFrame:
    """PR-AUC, recall@k and precision@k of ``score`` (higher = better) with bootstrap intervals.

    The bootstrap resamples people with replacement; the same ``seed`` gives the same replicates
    for every score, so intervals of methods on one test set are paired.
    """
    y = np.asarray(y, dtype=bool)
    order, ys, ends = _sorted(y, score)
    point = _metric_matrix(ys, ends, np.ones((1, len(y))), ks)
    boot: dict[str, list[np.ndarray]] = {m: [] for m in point}
    for W in _replicates(len(y), n_boot, seed):
        for m, v in _metric_matrix(ys, ends, W[:, order], ks).items():
            boot[m].append(v)
    rows = []
    for m, v in point.items():
        lo, hi = _interval(np.concatenate(boot[m]), level)
        rows.append({"metric": m, "value": float(v[0]), "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def paired_change(
    y: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    *,
    ks: tuple[int, ...] = KS,
    n_boot: int = 1000,
    seed: int = SEED,
    level: float = 0.95,
) -> pd.DataFrame:
    """after − before of every metric of :func:`bootstrap_metrics`, with a paired bootstrap interval
    (both scores evaluated on the same resampled people)."""
    y = np.asarray(y, dtype=bool)
    o0, y0, e0 = _sorted(y, before)
    o1, y1, e1 = _sorted(y, after)
    ones = np.ones((1, len(y)))
    p0, p1 = _metric_matrix(y0, e0, ones, ks), _metric_matrix(y1, e1, ones, ks)
    boot: dict[str, list[np.ndarray]] = {m: [] for m in p0}
    for W in _replicates(len(y), n_boot, seed):
        m0, m1 = _metric_matrix(y0, e0, W[:, o0], ks), _metric_matrix(y1, e1, W[:, o1], ks)
        for m in p0:
            boot[m].append(m1[m] - m0[m])
    rows = []
    for m in p0:
        lo, hi = _interval(np.concatenate(boot[m]), level)
        rows.append(
            {"metric": m, "change": float(p1[m][0] - p0[m][0]), "change_low": lo, "change_high": hi}
        )
    return pd.DataFrame(rows)


def top_k_hits(y: np.ndarray, score: np.ndarray, k: int) -> int:
    """Positives among the ``k`` best-scored people (ties by position)."""
    order = np.argsort(-np.asarray(score, dtype="float64"), kind="stable")[: max(int(k), 0)]
    return int(np.asarray(y, dtype=bool)[order].sum())


def capacity_rows(
    hits: dict[int, float], n_positive: int, n_people: int, ks: tuple[int, ...]
) -> pd.DataFrame:
    """precision@k and recall@k from the positives found in the top k, with Wilson intervals.

    ``hits[k]`` may be a mean over repeats (the denominators do not change).  Precision@k divides
    by min(k, people); recall@k by the positives.
    """
    rows = []
    for k in ks:
        found = float(hits[k])
        for metric, n in (("precision", min(k, n_people)), ("recall", n_positive)):
            lo, hi = wilson_interval(found, n)
            rows.append(
                {
                    "metric": f"{metric}_at_{k}",
                    "value": found / n if n else float("nan"),
                    "ci_low": float(lo),
                    "ci_high": float(hi),
                    "interval": "Wilson",
                    "n": int(n),
                }
            )
    return pd.DataFrame(rows)


def holdout_metrics(
    y: np.ndarray, score: np.ndarray, ks: tuple[int, ...], n_boot: int, seed: int
) -> pd.DataFrame:
    """PR-AUC (bootstrap over people) and precision@k / recall@k (Wilson) on one test set."""
    ap = bootstrap_metrics(y, score, ks=(), n_boot=n_boot, seed=seed)
    ap["interval"], ap["n"] = "bootstrap over people", len(y)
    hits = {k: top_k_hits(y, score, k) for k in ks}
    rows = capacity_rows(hits, int(np.asarray(y, dtype=bool).sum()), len(y), ks)
    return pd.concat([ap, rows], ignore_index=True)


def calibration_table(y: np.ndarray, score: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Observed positive share by score band (equal-count bands of the score), Wilson intervals."""
    y = np.asarray(y, dtype=bool)
    score = np.asarray(score, dtype="float64")
    ranks = pd.Series(score).rank(method="first").to_numpy()
    band = np.minimum(((ranks - 1) * bins / max(len(score), 1)).astype(int), bins - 1)
    frame = pd.DataFrame({"band": band + 1, "score": score, "y": y})
    table = frame.groupby("band").agg(
        n=("y", "size"),
        score_low=("score", "min"),
        score_high=("score", "max"),
        mean_score=("score", "mean"),
        positives=("y", "sum"),
    )
    table["observed_share"] = table["positives"] / table["n"]
    lo, hi = wilson_interval(table["positives"].to_numpy(), table["n"].to_numpy())
    table["observed_low"], table["observed_high"] = lo, hi
    return table.reset_index()


def group_table(
    y: np.ndarray, flagged: np.ndarray, groups: pd.Series, dimension: str
) -> pd.DataFrame:
    """By group: examples, positives, flagged, recall and precision of the flagged set (Wilson)."""
    y = np.asarray(y, dtype=bool)
    flagged = np.asarray(flagged, dtype=bool)
    g = pd.Series(groups).astype("string").fillna("unknown").reset_index(drop=True)
    frame = pd.DataFrame({"group": g, "y": y, "f": flagged, "tp": y & flagged})
    table = frame.groupby("group", sort=True).agg(
        n=("y", "size"), n_positive=("y", "sum"), n_flagged=("f", "sum"), n_found=("tp", "sum")
    )
    for metric, den in (("recall", "n_positive"), ("precision", "n_flagged")):
        k, n = table["n_found"].to_numpy(), table[den].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            table[metric] = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
        table[f"{metric}_low"], table[f"{metric}_high"] = wilson_interval(k, n)
    table.insert(0, "dimension", dimension)
    return table.reset_index()


def memo_rows() -> pd.DataFrame:
    """The policy memo's precision and recall as rows of the comparison table (no intervals)."""
    return pd.DataFrame(
        [
            {
                "method": "policy memo",
                "metric": m,
                "value": MEMO[m],
                "ci_low": np.nan,
                "ci_high": np.nan,
                "interval": "not reported",
            }
            for m in ("precision", "recall")
        ]
    )


def _feature_values(
    X: pd.DataFrame, col: str, reference: np.ndarray
) -> tuple[np.ndarray, str, str]:
    """(values as floats, statistic, row name) of one feature for :func:`inspect_groups`.

    Categorical features become the indicator of the reference group's most common value (an empty
    name when the reference group has no value at all).
    """
    if col in CATEGORICAL:
        values = X[col].astype("string")
        top = values[reference].mode()
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


def inspect_groups(X: pd.DataFrame, groups: dict[str, np.ndarray]) -> pd.DataFrame:
    """Feature distributions of groups of rows side by side; the first group is the reference.

    Numeric features: median; binary: share with the flag; categorical: share of the reference
    group's most common value.  ``smd_<second>_vs_<first>`` is the standardised mean difference
    (pooled SD) between the second group and the reference: near 0 means they look alike on it.
    """
    names = list(groups)
    ref = np.asarray(groups[names[0]], dtype=bool)
    rows = []
    for col in X.columns:
        v, stat, name = _feature_values(X, col, ref)
        if not name:
            continue
        row: dict[str, Any] = {"feature": name, "statistic": stat}
        for g, mask in groups.items():
            vals = v[np.asarray(mask, dtype=bool)]
            vals = vals[~np.isnan(vals)]
            row[f"n_{g}"] = int(np.asarray(mask, dtype=bool).sum())
            row[g] = float(
                np.nan if vals.size == 0 else (vals.mean() if stat == "share" else np.median(vals))
            )
        if len(names) > 1:
            second = np.asarray(groups[names[1]], dtype=bool)
            row[f"smd_{names[1]}_vs_{names[0]}"] = _standardised_difference(v[second], v[ref])
        rows.append(row)
    return pd.DataFrame(rows)
