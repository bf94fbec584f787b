"""Cross-validation grouped by person, and the time split.

* :func:`person_folds` — repeated stratified K-fold grouped by person (people dealt into folds,
  reshuffled for each repeat): a person's decisions are never split between training and test, and
  every fold keeps about the natural share of positives.
* :func:`cross_validate` — out-of-fold scores of every method on the same folds.
* :func:`cv_metrics` — PR-AUC as the mean over folds with a bootstrap-over-folds interval;
  precision@k and recall@k on the pooled out-of-fold scores of each repeat (every example scored
  once per repeat), averaged over repeats, with Wilson intervals.
* :func:`time_cutoff` and :func:`time_split` — train on decisions before a date, test on the
  decisions after it of people the training decisions do not include.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.model.evaluation import capacity_rows, top_k_hits

#: A method: (training positions, test positions) → scores of the test positions.
Method = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Folds:
    """The folds of a repeated grouped K-fold: training and test positions, and each fold's repeat."""

    train: list[np.ndarray]
    test: list[np.ndarray]
    repeat: np.ndarray
    n_splits: int
    n_repeats: int


def person_folds(
    y: np.ndarray, groups: pd.Series | np.ndarray, n_splits: int, n_repeats: int, seed: int
) -> Folds:
    """Repeated stratified K-fold grouped by person (``groups``), reshuffled per repeat.

    People are dealt into folds, stratified by whether they have a positive decision, and each
    decision follows its person.  ``n_splits`` is lowered to the number of people with (or
    without) a positive decision when there are fewer.
    """
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y, dtype=bool)
    g = pd.factorize(pd.Series(groups).astype("string"))[0]
    person_pos = np.bincount(g, weights=y, minlength=g.max() + 1 if len(g) else 0) > 0
    k = max(2, min(n_splits, int(person_pos.sum()), int((~person_pos).sum())))
    train, test, repeat = [], [], []
    for r in range(n_repeats):
        cv = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed + r)
        for _, people in cv.split(np.zeros(len(person_pos)), person_pos.astype(int)):
            in_test = np.isin(g, people)
            train.append(np.flatnonzero(~in_test))
            test.append(np.flatnonzero(in_test))
            repeat.append(r)
    return Folds(train, test, np.asarray(repeat), k, n_repeats)


@dataclass
class CVScores:
    """A method's out-of-fold scores (repeats × examples) and the PR-AUC of each fold."""

    oof: np.ndarray
    fold_pr_auc: np.ndarray

    @property
    def mean_score(self) -> np.ndarray:
        """Each example's out-of-fold score averaged over repeats."""
        return self.oof.mean(axis=0)


def run_method(task: tuple[Method, np.ndarray, np.ndarray]) -> np.ndarray:
    """A (method, training positions, test positions) task: the test scores."""
    method, tr, te = task
    return np.asarray(method(tr, te), dtype="float64")


def cross_validate(
    methods: dict[str, Method], y: np.ndarray, folds: Folds, n_jobs: int = 1
) -> dict[str, CVScores]:
    """Out-of-fold scores of every method on the same folds (folds run in ``n_jobs`` processes)."""
    from sklearn.metrics import average_precision_score

    from helpers.model.pipeline import parallel_map

    y = np.asarray(y, dtype=bool)
    pairs = list(zip(folds.train, folds.test, strict=True))
    tasks = [(m, tr, te) for m in methods.values() for tr, te in pairs]
    results = iter(parallel_map(run_method, tasks, n_jobs))
    out = {}
    for name in methods:
        oof = np.full((folds.n_repeats, len(y)), np.nan)
        aps = np.zeros(len(pairs))
        for i, (_, te) in enumerate(pairs):
            s = next(results)
            oof[folds.repeat[i], te] = s
            aps[i] = average_precision_score(y[te], s) if y[te].any() else np.nan
        out[name] = CVScores(oof, aps)
    return out


def fold_bootstrap(values: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    """95 % percentile interval of the mean of ``values`` resampled with replacement."""
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v)]
    if v.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.size, size=(n_boot, v.size))].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    return float(lo), float(hi)


def cv_metrics(
    y: np.ndarray, scores: CVScores, ks: tuple[int, ...], n_boot: int, seed: int
) -> pd.DataFrame:
    """PR-AUC (mean over folds, bootstrap over folds) and precision@k / recall@k (Wilson)."""
    y = np.asarray(y, dtype=bool)
    lo, hi = fold_bootstrap(scores.fold_pr_auc, n_boot, seed)
    rows = [
        pd.DataFrame(
            [
                {
                    "metric": "pr_auc",
                    "value": float(np.nanmean(scores.fold_pr_auc)),
                    "ci_low": lo,
                    "ci_high": hi,
                    "interval": f"bootstrap over {len(scores.fold_pr_auc)} folds",
                    "n": len(y),
                }
            ]
        )
    ]
    hits = {k: float(np.mean([top_k_hits(y, s, k) for s in scores.oof])) for k in ks}
    rows.append(capacity_rows(hits, int(y.sum()), len(y), ks))
    return pd.concat(rows, ignore_index=True)


def time_cutoff(dates: pd.Series, test_share: float) -> pd.Timestamp:
    """The first day of the month holding the (1 − ``test_share``) quantile of ``dates``."""
    when = pd.to_datetime(pd.Series(dates)).dropna()
    q = when.quantile(1 - test_share)
    return pd.Timestamp(q.year, q.month, 1)


def time_split(
    dates: pd.Series, groups: pd.Series, cutoff: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, int]:
    """(training positions: before ``cutoff``; test positions: on or after it, of people with no
    training decision; how many later decisions were left out because the person is in training)."""
    when = pd.to_datetime(pd.Series(dates)).reset_index(drop=True)
    people = pd.Series(groups).astype("string").reset_index(drop=True)
    before = (when < cutoff).to_numpy(dtype=bool)
    seen = people.isin(people[before]).to_numpy(dtype=bool)
    test = ~before & ~seen
    return np.flatnonzero(before), np.flatnonzero(test), int((~before & seen).sum())
