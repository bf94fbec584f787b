"""The eligibility model: a Balanced Random Forest, evaluated so that a reviewer can trust every number.

Labels (per county configuration, :func:`make_labels`)
    ``screen``: the county's screen (``eligible``; people the screen cannot decide are left out of
    training and evaluation).  ``decisions``: the review-decision log (a person is positive when any
    decision is ``referred`` or ``resentenced``; everybody else in the population is negative,
    including people never reviewed).

Pipeline (:func:`make_pipeline`)
    imbalanced-learn ``Pipeline``: preprocessing (binary and categorical columns ordinal-encoded with
    −1 for missing, numeric columns median-imputed with missing-value indicators) → optional SMOTENC
    (the binary/categorical columns are SMOTENC's categorical features; it raises the minority to
    ``smote_ratio`` of the majority) → ``BalancedRandomForestClassifier`` with
    ``sampling_strategy="all", replacement=True, bootstrap=False`` (Chen, Liaw & Breiman 2004: every
    tree sees a bootstrap of the minority class and an equal-size bootstrap of the majority).
    Samplers run only in ``fit``, so resampling happens only inside training data.

Evaluation (:func:`train_model`)
    One stratified person-level split (25 % test, natural imbalance kept).  On the test set, with
    percentile bootstrap 95 % intervals (:func:`bootstrap_metrics`, vectorised): precision and recall
    of the positive class at the threshold (0.5 for the probability models, the same number of
    people flagged for the score R), PR-AUC (average precision), balanced accuracy, recall@k and
    precision@k (k = 25, 50, 100).  Compared on the same split: BRF, SMOTE+BRF, logistic regression
    and the deterministic score R (score −R, lower R = better); with the screen as label, BRF with
    and without the screen's own inputs (the leakage effect).

Also: :func:`inspect_flagged` (people flagged but not labelled, beside labelled ones),
:func:`learn_weights` (a, b, d and the factor weights of R fitted to the labels), :func:`feedback_effect`
(retrain with a decision log and report the change), :func:`permutation_importances` and
:func:`explain` (per-person top features by a median counterfactual), :func:`save_model` /
:func:`load_model` (joblib + JSON metadata).
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.counties import canonical_name, in_county
from helpers.errors import InputError
from helpers.model.features import BINARY, CATEGORICAL, FEATURES, NUMERIC, ScoreTerms
from helpers.screening.config import FACTOR_DIRECTIONS, CountyConfig, ScoreSettings

LABELS = ("screen", "decisions")
POSITIVE_DECISIONS = ("referred", "resentenced")
KS = (25, 50, 100)
SEED = 1172
MIN_POSITIVES = 10
#: The policy memo's reported pair (BRF + SMOTE, ~90,000 cases, ~550 eligible, eligible class).
MEMO = {
    "recall": 0.86,
    "precision": 0.41,
    "setting": (
        "policy memo: Balanced Random Forest with SMOTE, ~90,000 cases, ~550 labelled eligible by "
        "prior evaluations; split, threshold and intervals not reported"
    ),
}
METRICS = (
    "precision",
    "recall",
    "pr_auc",
    "balanced_accuracy",
    *(f"recall_at_{k}" for k in KS),
    *(f"precision_at_{k}" for k in KS),
)


@dataclass
class ModelSettings:
    """Every setting of a training run (stored in the metadata)."""

    n_estimators: int = 200
    max_depth: int | None = None
    min_samples_leaf: int = 3
    max_features: str | float = "sqrt"
    sampling_strategy: str = "all"
    replacement: bool = True
    bootstrap: bool = False
    smote: bool = False
    smote_ratio: float = 0.1
    smote_k_neighbors: int = 5
    n_jobs: int = 2
    random_state: int = SEED
    test_size: float = 0.25
    threshold: float = 0.5
    ks: tuple[int, ...] = KS
    n_boot: int = 1000
    importance_repeats: int = 3
    importance_max_rows: int = 8000
    explain_features: int = 8


# --------------------------------------------------------------------------------------------------
# Labels and split
# --------------------------------------------------------------------------------------------------


def decision_labels(
    cdcno: pd.Index | pd.Series,
    decisions: pd.DataFrame | None,
    county: str | None = None,
    positive: tuple[str, ...] = POSITIVE_DECISIONS,
    before: date | str | pd.Timestamp | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Per person: positive (any decision in ``positive``) and reviewed (any decision at all).

    Only decisions of ``county``'s office (when given) and reviewed before ``before`` (when given).
    """
    ids = pd.Index(pd.Series(cdcno).astype("string"))
    if decisions is None or decisions.empty:
        raise InputError("the data has no review-decision log (decisions/review_decisions.csv)")
    d = decisions
    if county is not None:
        d = d.loc[in_county(d, county)]
    if before is not None:
        d = d.loc[(d["date_reviewed"] < pd.Timestamp(before)).fillna(False).to_numpy(dtype=bool)]
    who = d["cdcno"].astype("string")
    pos = set(who[d["decision"].isin(positive).to_numpy(dtype=bool)])
    seen = set(who)
    return (
        pd.Series(ids.isin(list(pos)), index=ids, name="label"),
        pd.Series(ids.isin(list(seen)), index=ids, name="reviewed"),
    )


def make_labels(
    candidates: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    label: str,
    county: str | None = None,
) -> pd.Series:
    """Labels of the candidate list's people (index ``cdcno``): boolean, NA = undecided.

    ``screen``: ``eligible`` (NA where the screen says unknown).  ``decisions``: positive when the
    log (of ``county``'s office when given) has a ``referred`` or ``resentenced`` decision.
    """
    ids = pd.Index(candidates["cdcno"].astype("string"), name="cdcno")
    if label == "screen":
        return pd.Series(
            candidates["eligible"].astype("boolean").to_numpy(), index=ids, name="label"
        )
    if label == "decisions":
        y, _ = decision_labels(ids, tables.get("decisions"), county)
        return y.astype("boolean").rename_axis("cdcno")
    raise InputError(f"unknown label '{label}' (use one of: {', '.join(LABELS)})", column="--label")


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


# --------------------------------------------------------------------------------------------------
# Pipelines
# --------------------------------------------------------------------------------------------------


def feature_groups(columns: list[str]) -> tuple[list[str], list[str]]:
    """(categorical-like columns: binary + categorical, numeric columns) among ``columns``."""
    cat = [c for c in (*BINARY, *CATEGORICAL) if c in columns]
    num = [c for c in NUMERIC if c in columns]
    return cat, num


def _preprocessor(columns: list[str]):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OrdinalEncoder

    cat, num = feature_groups(columns)
    return ColumnTransformer(
        [
            (
                "cat",
                OrdinalEncoder(
                    handle_unknown="use_encoded_value",
                    unknown_value=-1,
                    encoded_missing_value=-1,
                ),
                cat,
            ),
            ("num", SimpleImputer(strategy="median", add_indicator=True), num),
        ],
        remainder="drop",
    )


def make_pipeline(columns: list[str], settings: ModelSettings, smote: bool | None = None):
    """preprocessing → [SMOTENC] → BalancedRandomForestClassifier, as an imblearn ``Pipeline``."""
    from imblearn.ensemble import BalancedRandomForestClassifier
    from imblearn.over_sampling import SMOTENC
    from imblearn.pipeline import Pipeline

    smote = settings.smote if smote is None else smote
    steps: list[tuple[str, Any]] = [("prep", _preprocessor(columns))]
    if smote:
        cat, _ = feature_groups(columns)
        steps.append(
            (
                "smote",
                SMOTENC(
                    categorical_features=list(range(len(cat))),
                    sampling_strategy=settings.smote_ratio,
                    k_neighbors=settings.smote_k_neighbors,
                    random_state=settings.random_state,
                ),
            )
        )
    steps.append(
        (
            "brf",
            BalancedRandomForestClassifier(
                n_estimators=settings.n_estimators,
                max_depth=settings.max_depth,
                min_samples_leaf=settings.min_samples_leaf,
                max_features=settings.max_features,
                sampling_strategy=settings.sampling_strategy,
                replacement=settings.replacement,
                bootstrap=settings.bootstrap,
                n_jobs=settings.n_jobs,
                random_state=settings.random_state,
            ),
        )
    )
    return Pipeline(steps)


def make_logistic(columns: list[str], settings: ModelSettings):
    """Logistic regression baseline: scaled numeric + one-hot categorical, balanced class weights."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.pipeline import make_pipeline as sk_make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cat, num = feature_groups(columns)
    prep = ColumnTransformer(
        [
            (
                "cat",
                sk_make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="missing"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                cat,
            ),
            (
                "num",
                sk_make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
                ),
                num,
            ),
        ]
    )
    return Pipeline(
        [
            ("prep", prep),
            ("logit", LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000)),
        ]
    )


def as_model_input(X: pd.DataFrame) -> pd.DataFrame:
    """Binary and categorical columns as objects (strings/None) so encoders see one dtype per column."""
    out = X.copy()
    for col in out.columns:
        if col in BINARY:
            v = out[col].to_numpy(dtype="float64")
            out[col] = np.where(np.isnan(v), None, np.where(v > 0.5, "1", "0")).astype(object)
        elif col in CATEGORICAL:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def fit(pipeline: Any, X: pd.DataFrame, y: np.ndarray) -> Any:
    """Fit ``pipeline`` on the feature frame ``X`` and boolean labels ``y``."""
    return pipeline.fit(as_model_input(X), np.asarray(y, dtype=int))


def scores(pipeline: Any, X: pd.DataFrame) -> np.ndarray:
    """Probability of the positive class, rounded to 10 decimals.

    The forest averages its trees in parallel threads, so the last bit of a sum can depend on thread
    order; rounding makes repeated predictions (and a reloaded model's) identical.
    """
    return np.round(pipeline.predict_proba(as_model_input(X))[:, 1], 10)


# --------------------------------------------------------------------------------------------------
# Metrics with bootstrap intervals
# --------------------------------------------------------------------------------------------------


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
        fn = P - tp
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
        _ = fn
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


# --------------------------------------------------------------------------------------------------
# Inspection of flagged-but-not-labelled people
# --------------------------------------------------------------------------------------------------


def inspect_flagged(X: pd.DataFrame, y: np.ndarray, flagged: np.ndarray) -> pd.DataFrame:
    """Feature distributions side by side: labelled positive, flagged but not labelled, the rest.

    Numeric features: median (and mean); binary: share with the flag; categorical: share of the
    most common value among labelled positives.  ``smd_flagged_vs_labelled`` is the standardised
    mean difference (pooled SD) between the flagged-unlabelled and the labelled group: near 0 means
    the model's extra picks look like the labelled cases on that feature.
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
        if col in CATEGORICAL:
            values = X[col].astype("string")
            top = values[groups["labelled"]].mode()
            if top.empty:
                continue
            v = (values == top.iloc[0]).fillna(False).to_numpy(dtype="float64")
            stat, name = "share", f"{col} = {top.iloc[0]}"
        else:
            v = X[col].to_numpy(dtype="float64")
            stat = "share" if col in BINARY else "median"
            name = col
        row: dict[str, Any] = {"feature": name, "statistic": stat}
        for g, mask in groups.items():
            vals = v[mask]
            vals = vals[~np.isnan(vals)]
            row[f"n_{g}"] = int(mask.sum())
            row[g] = float(
                np.nan if vals.size == 0 else (vals.mean() if stat == "share" else np.median(vals))
            )
        a, b = v[groups["flagged_not_labelled"]], v[groups["labelled"]]
        a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        sd = np.sqrt((a.var() + b.var()) / 2) if a.size > 1 and b.size > 1 else np.nan
        row["smd_flagged_vs_labelled"] = (
            float((a.mean() - b.mean()) / sd) if sd and np.isfinite(sd) and sd > 0 else 0.0
        )
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Learned weights of R
# --------------------------------------------------------------------------------------------------


@dataclass
class LearnedWeights:
    """Weights of R fitted to labels (logit units) and the fit's summary."""

    a: float
    b: float
    d: float
    factors: dict[str, float]
    intercept: float
    loss: float
    converged: bool

    def r(self, terms: ScoreTerms, idx: np.ndarray | None = None) -> np.ndarray:
        """R with these weights for the people at positions ``idx`` (all by default)."""
        return r_values(terms, self.a, self.b, self.d, self.factors, idx)


def _prior_sum(terms: ScoreTerms, d: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Σ f·d^t and its derivative in d, per person."""
    t = terms.prior_years
    f = terms.prior_level
    dt = np.power(d, t)
    s = np.bincount(terms.prior_person, weights=f * dt, minlength=n)
    ds = np.bincount(
        terms.prior_person, weights=f * t * np.power(d, np.maximum(t - 1, 0)) * (t > 0), minlength=n
    )
    return s, ds


def r_values(
    terms: ScoreTerms,
    a: float,
    b: float,
    d: float,
    factors: dict[str, float],
    idx: np.ndarray | None = None,
) -> np.ndarray:
    """R = a·Σf(current) + b·Σf(prior)·d^t + Σx·y for every person (or those at ``idx``)."""
    n = len(terms.current_sum)
    prior, _ = _prior_sum(terms, d, n)
    Y = terms.factors[list(factors)].to_numpy(dtype="float64")
    r = a * terms.current_sum + b * prior + Y @ np.array(list(factors.values()), dtype="float64")
    return r if idx is None else r[idx]


def learn_weights(
    terms: ScoreTerms,
    y: np.ndarray,
    idx: np.ndarray | None = None,
    *,
    balanced: bool = True,
    l2: float = 1e-4,
) -> LearnedWeights:
    """Fit a, b, d and the factor weights x of R to labels by constrained logistic regression.

    Model: P(positive) = sigmoid(c − R), lower R = better candidate, with a ≥ 0, b ≥ 0 (a graver
    record raises R), 0.001 ≤ d ≤ 1 and x free (the sign says mitigating or aggravating).  The
    loss is the (class-balanced when ``balanced``) log-loss plus a small ridge ``l2`` on the
    standardised weights; optimised by L-BFGS-B with the analytic gradient (scipy).  Weights are in
    logit units: multiply all of a, b, x by one positive number to put them on another scale
    (rankings do not change).
    """
    from scipy.optimize import minimize
    from scipy.special import expit

    n_all = len(terms.current_sum)
    idx = np.arange(n_all) if idx is None else np.asarray(idx)
    y = np.asarray(y, dtype="float64")
    if y.shape[0] != idx.shape[0]:
        raise ValueError("y must have one label per person in idx")
    names = list(terms.factors.columns)
    C = terms.current_sum[idx]
    Y = terms.factors.to_numpy(dtype="float64")[idx]
    sc = C.std() or 1.0
    p1, _ = _prior_sum(terms, 1.0, n_all)
    sp = p1[idx].std() or 1.0
    if balanced:
        n_pos = max(y.sum(), 1.0)
        n_neg = max(len(y) - y.sum(), 1.0)
        w = np.where(y > 0, len(y) / (2 * n_pos), len(y) / (2 * n_neg))
    else:
        w = np.ones_like(y)
    w = w / w.sum()
    m = len(names)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        c0, a_s, b_s, d = theta[:4]
        x = theta[4:]
        ps_all, dps_all = _prior_sum(terms, d, n_all)
        ps, dps = ps_all[idx], dps_all[idx]
        r = a_s * C / sc + b_s * ps / sp + Y @ x
        z = c0 - r
        p = expit(z)
        eps = 1e-12
        value = -(w * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))).sum()
        value += 0.5 * l2 * (a_s**2 + b_s**2 + (x**2).sum())
        g = w * (p - y)  # dL/dz
        grad = np.empty_like(theta)
        grad[0] = g.sum()
        grad[1] = -(g * C / sc).sum() + l2 * a_s
        grad[2] = -(g * ps / sp).sum() + l2 * b_s
        grad[3] = -(g * b_s * dps / sp).sum()
        grad[4:] = -(Y * g[:, None]).sum(axis=0) + l2 * x
        return float(value), grad

    prior = np.clip(np.average(y, weights=w), 1e-6, 1 - 1e-6)
    theta0 = np.r_[np.log(prior / (1 - prior)) + 1.0, 0.5, 0.5, 0.9, np.zeros(m)]
    bounds = [(None, None), (0.0, None), (0.0, None), (1e-3, 1.0)] + [(None, None)] * m
    res = minimize(
        loss,
        theta0,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-8},
    )
    c0, a_s, b_s, d = res.x[:4]
    return LearnedWeights(
        a=float(a_s / sc),
        b=float(b_s / sp),
        d=float(d),
        factors={k: float(v) for k, v in zip(names, res.x[4:], strict=True)},
        intercept=float(c0),
        loss=float(res.fun),
        converged=bool(res.success),
    )


def weights_table(learned: LearnedWeights, office: ScoreSettings) -> pd.DataFrame:
    """Learned weights beside the office's: raw (logit units) and rescaled to the office's scale.

    ``learned_office_scale`` multiplies a, b and every x by one factor so that Σ|weights| equals the
    office's (d is scale-free and shown as is).
    """
    names = ["a", "b", *learned.factors]
    office_v = np.array(
        [office.a, office.b, *[office.factors.get(k, 0.0) for k in learned.factors]]
    )
    learned_v = np.array([learned.a, learned.b, *learned.factors.values()])
    scale = np.abs(office_v).sum() / np.abs(learned_v).sum() if np.abs(learned_v).sum() else np.nan
    rows = [
        {
            "weight": k,
            "office": float(o),
            "office_label": office.labels.get(k, ""),
            "learned": float(v),
            "learned_office_scale": float(v * scale),
            "direction": (
                ""
                if k in ("a", "b")
                else ("mitigating" if FACTOR_DIRECTIONS.get(k, -1) < 0 else "aggravating")
            ),
        }
        for k, o, v in zip(names, office_v, learned_v, strict=True)
    ]
    rows.insert(
        2,
        {
            "weight": "d",
            "office": office.d,
            "office_label": str(office.d),
            "learned": learned.d,
            "learned_office_scale": learned.d,
            "direction": "",
        },
    )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# Explanations
# --------------------------------------------------------------------------------------------------


def permutation_importances(
    pipeline: Any, X: pd.DataFrame, y: np.ndarray, settings: ModelSettings
) -> pd.DataFrame:
    """Permutation importance on the test set (scoring: average precision), largest first.

    Test sets larger than ``settings.importance_max_rows`` are subsampled, stratified by label (so
    the natural imbalance is kept), to bound the cost: one prediction per feature and repeat.
    """
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import train_test_split

    y = np.asarray(y, dtype=bool)
    if len(y) > settings.importance_max_rows:
        keep, _ = train_test_split(
            np.arange(len(y)),
            train_size=settings.importance_max_rows,
            stratify=y,
            random_state=settings.random_state,
        )
        keep = np.sort(keep)
        X, y = X.iloc[keep], y[keep]

    res = permutation_importance(
        pipeline,
        as_model_input(X),
        np.asarray(y, dtype=int),
        scoring="average_precision",
        n_repeats=settings.importance_repeats,
        random_state=settings.random_state,
        n_jobs=1,
    )
    out = pd.DataFrame(
        {
            "feature": list(X.columns),
            "importance_mean": res.importances_mean,
            "importance_std": res.importances_std,
        }
    )
    return out.sort_values("importance_mean", ascending=False, kind="stable").reset_index(drop=True)


def reference_values(X: pd.DataFrame) -> dict[str, Any]:
    """The counterfactual value of each feature: median (numeric), most common value (others)."""
    ref: dict[str, Any] = {}
    for col in X.columns:
        s = X[col]
        if col in NUMERIC:
            v = s.median()
            ref[col] = None if pd.isna(v) else float(v)
        else:
            mode = s.dropna().mode()
            ref[col] = (
                None
                if mode.empty
                else (mode.iloc[0] if col in CATEGORICAL else float(mode.iloc[0]))
            )
    return ref


def _fmt_value(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "unknown"
    if isinstance(v, float | np.floating):
        return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"
    return str(v)


def explain(
    pipeline: Any,
    X: pd.DataFrame,
    features: list[str],
    reference: dict[str, Any],
    *,
    top: int = 3,
    base: np.ndarray | None = None,
) -> pd.Series:
    """Per person, the features that raise the model score most, as text.

    Method (median counterfactual): for each of ``features`` (the globally most important ones), set
    the person's value to the reference value (training median or most common value) and record how
    much the score falls; the ``top`` largest positive differences are written as
    ``feature=value (+0.12)``.  Cost: one prediction per feature.  Effects are one at a time and
    ignore interactions; a blank means no listed feature raises the score.
    """
    base = scores(pipeline, X) if base is None else base
    contrib = np.zeros((len(X), len(features)))
    for j, col in enumerate(features):
        alt = X.copy()
        alt[col] = reference.get(col)
        if col not in CATEGORICAL:
            alt[col] = alt[col].astype("float64")
        contrib[:, j] = base - scores(pipeline, alt)
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :top]
    values = {c: X[c].to_numpy(dtype=object) for c in features}
    texts = []
    for i in range(len(X)):
        parts = [
            f"{features[j]}={_fmt_value(values[features[j]][i])} (+{contrib[i, j]:.2f})"
            for j in order[i]
            if contrib[i, j] > 0.005
        ]
        texts.append("; ".join(parts))
    return pd.Series(texts, index=X.index, dtype="string", name="top_features")


# --------------------------------------------------------------------------------------------------
# Human feedback
# --------------------------------------------------------------------------------------------------


def apply_feedback(
    y_base: pd.Series, decisions: pd.DataFrame, positive: tuple[str, ...] = POSITIVE_DECISIONS
) -> pd.Series:
    """Labels updated by a decision log: reviewed people take the reviewers' decision."""
    pos, reviewed = decision_labels(y_base.index, decisions, None, positive)
    out = y_base.astype("boolean").copy()
    out[reviewed.to_numpy()] = pos[reviewed.to_numpy()].to_numpy()
    return out


def feedback_effect(
    X: pd.DataFrame,
    y_base: np.ndarray,
    y_new: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    settings: ModelSettings,
) -> pd.DataFrame:
    """Retrain with feedback labels and report the change in test metrics.

    Before: BRF trained on ``y_base``; after: trained on ``y_new`` (the same training people).
    Both are evaluated on the test people against ``y_new`` (the best labels available), with
    paired bootstrap intervals.
    """
    out = []
    for name, y_fit in (("before", y_base), ("after", y_new)):
        model = fit(make_pipeline(list(X.columns), settings), X.iloc[train], y_fit[train])
        s = scores(model, X.iloc[test])
        m = bootstrap_metrics(
            y_new[test],
            s,
            s >= settings.threshold,
            ks=settings.ks,
            n_boot=settings.n_boot,
            seed=settings.random_state,
        ).set_index("metric")
        m.columns = [f"{name}_{c}" if c != "value" else name for c in m.columns]
        out.append(m)
    table = pd.concat(out, axis=1).reset_index()
    table["change"] = table["after"] - table["before"]
    table["labels_changed_in_training"] = int((y_base[train] != y_new[train]).sum())
    return table


# --------------------------------------------------------------------------------------------------
# Training run
# --------------------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    """Everything a training run produces."""

    pipeline: Any
    metadata: dict[str, Any]
    metrics: pd.DataFrame  # the chosen model's metrics with intervals
    comparison: pd.DataFrame  # methods × metrics on the same split (+ the memo's pair)
    importance: pd.DataFrame
    weights: pd.DataFrame
    inspection: pd.DataFrame
    feedback: pd.DataFrame | None
    by_group: pd.DataFrame | None
    test_ids: pd.Index = field(default_factory=pd.Index)


def data_hash(X: pd.DataFrame, y: pd.Series) -> str:
    """SHA-256 of the training feature matrix and labels (row order and values)."""
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(X.reset_index(), index=False).to_numpy().tobytes())
    digest.update(np.asarray(y.astype("Int8").fillna(-1), dtype=np.int8).tobytes())
    digest.update(",".join(X.columns).encode())
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    import imblearn
    import joblib
    import scipy
    import sklearn

    import helpers

    return {
        "secondlook": helpers.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "imbalanced-learn": imblearn.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    if frame is None:
        return None
    return json.loads(frame.to_json(orient="records"))


def _by_group(
    people: pd.DataFrame, y: np.ndarray, flagged: np.ndarray, n_boot: int
) -> pd.DataFrame | None:
    """Recall and selection by race group on the test set (public-mode suppression applied)."""
    try:
        from helpers import audit
    except ImportError:  # pragma: no cover - audit module not available
        return None
    if "race_group" not in people:
        return None
    table = audit.assistive_audit(
        people.reset_index(drop=True),
        y,
        flagged,
        groups={"race_group": ["race_group"]},
        n_boot=n_boot,
    )
    return audit.protect_assistive_audit(table, "public")


def train_model(
    tables: dict[str, pd.DataFrame],
    county: str | None,
    config: CountyConfig,
    as_of: date | str,
    label: str = "screen",
    settings: ModelSettings | None = None,
    *,
    feedback: pd.DataFrame | None = None,
    candidates: pd.DataFrame | None = None,
) -> TrainResult:
    """Train and evaluate the model for ``county`` (``None`` = statewide) with its configuration.

    The population is the county's candidate list (or everybody); labels by :func:`make_labels`.
    The persisted model is the one trained on the training split, so every reported number describes
    it exactly.  ``feedback`` is a decision log for :func:`feedback_effect` (default: with the
    screen label, the data's own log; with the decision label, the log's later half is the feedback
    on a model trained on its earlier half).
    """
    from helpers.model.features import build_features, score_terms, screen_inputs
    from helpers.screening.candidates import build_candidates

    settings = settings or ModelSettings()
    county = canonical_name(county)
    if label not in LABELS:
        raise InputError(
            f"unknown label '{label}' (use one of: {', '.join(LABELS)})", column="--label"
        )
    started = time.perf_counter()
    if candidates is None:
        candidates = build_candidates(tables, county, config, as_of)
    ids = pd.Index(candidates["cdcno"].astype("string"), name="cdcno")
    X_all = build_features(tables, as_of, config)
    X_all = X_all.loc[~X_all.index.duplicated()]
    y_all = make_labels(candidates, tables, label, county)
    known = y_all.notna().to_numpy()
    X = X_all.reindex(ids[known])
    y_series = y_all[known].astype(bool)
    y = y_series.to_numpy()
    n_pos = int(y.sum())
    if n_pos < MIN_POSITIVES or len(y) - n_pos < MIN_POSITIVES:
        where = county or "statewide"
        raise InputError(
            f"only {n_pos} positive and {len(y) - n_pos} negative labels ({label}) in {where}: "
            f"at least {MIN_POSITIVES} of each are needed; train statewide or use another label"
        )
    used = [c for c in FEATURES if X[c].notna().any()]
    X = X[used]
    train, test = split(y, settings)
    Xtr, Xte, ytr, yte = X.iloc[train], X.iloc[test], y[train], y[test]

    # The chosen model.
    t0 = time.perf_counter()
    pipeline = fit(make_pipeline(used, settings), Xtr, ytr)
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    s_main = scores(pipeline, Xte)
    predict_seconds = time.perf_counter() - t0
    flag_main = s_main >= settings.threshold
    boot = {"ks": settings.ks, "n_boot": settings.n_boot, "seed": settings.random_state}
    metrics = bootstrap_metrics(yte, s_main, flag_main, **boot)
    main_name = "SMOTE+BRF" if settings.smote else "BRF"

    # Comparison on the same split.
    rows = []

    def add(
        method: str, features: str, score: np.ndarray, flags: np.ndarray, threshold: str
    ) -> None:
        m = bootstrap_metrics(yte, score, flags, **boot)
        m.insert(0, "method", method)
        m.insert(1, "features", features)
        m["threshold"] = threshold
        m["n_flagged"] = int(flags.sum())
        rows.append(m)

    feats_word = "all" if label == "decisions" else "all (incl. screen inputs)"
    add(main_name, feats_word, s_main, flag_main, f"score >= {settings.threshold:g}")
    other_smote = not settings.smote
    other = fit(make_pipeline(used, settings, smote=other_smote), Xtr, ytr)
    s_other = scores(other, Xte)
    add(
        "SMOTE+BRF" if other_smote else "BRF",
        feats_word,
        s_other,
        s_other >= settings.threshold,
        f"score >= {settings.threshold:g}",
    )
    logit = fit(make_logistic(used, settings), Xtr, ytr)
    s_logit = scores(logit, Xte)
    add(
        "logistic regression",
        feats_word,
        s_logit,
        s_logit >= settings.threshold,
        f"score >= {settings.threshold:g}",
    )
    r_by_id = pd.Series(candidates["R"].to_numpy(dtype="float64"), index=ids)
    r_test = r_by_id.reindex(Xte.index).to_numpy(dtype="float64")
    s_r = -np.nan_to_num(r_test, nan=np.nanmax(r_test) + 1 if np.isfinite(r_test).any() else 0.0)
    add(
        "score R (office weights)",
        "R only",
        s_r,
        top_k_flags(s_r, int(flag_main.sum())),
        f"best {int(flag_main.sum())} by R (as many as {main_name} flags)",
    )

    # Learned weights of R (fitted on the training people, evaluated on the test people).
    terms = score_terms(tables, as_of, config.score)
    pos = pd.Series(np.arange(len(terms.cdcno)), index=terms.cdcno)
    tr_pos = pos.reindex(Xtr.index).to_numpy()
    te_pos = pos.reindex(Xte.index).to_numpy()
    learned = learn_weights(terms, ytr, tr_pos)
    s_learned = -learned.r(terms, te_pos)
    add(
        "score R (learned weights)",
        "R only",
        s_learned,
        top_k_flags(s_learned, int(flag_main.sum())),
        f"best {int(flag_main.sum())} by learned R",
    )
    weights = weights_table(learned, config.score)

    # Leakage: the screen's own inputs as features or not.
    leak_cols: list[str] = []
    if label == "screen":
        leak_cols = [c for c in screen_inputs(config) if c in used]
        kept = [c for c in used if c not in leak_cols]
        no_leak = fit(make_pipeline(kept, settings), Xtr[kept], ytr)
        s_nl = scores(no_leak, Xte[kept])
        add(
            main_name,
            "without screen inputs",
            s_nl,
            s_nl >= settings.threshold,
            f"score >= {settings.threshold:g}",
        )
    comparison = pd.concat(rows, ignore_index=True)
    memo = pd.DataFrame(
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
    comparison = pd.concat([comparison, memo], ignore_index=True)
    setting_text = (
        f"ours: {main_name}, label = {label} ({config.name}), {len(y):,} people "
        f"({n_pos:,} positive, {n_pos / len(y):.2%}), stratified person-level split, test "
        f"{len(test):,} people with natural imbalance ({int(yte.sum())} positive), threshold "
        f"{settings.threshold:g}, bootstrap 95 % intervals ({settings.n_boot} replicates)"
    )
    comparison["setting"] = np.where(
        comparison["method"] == "policy memo", MEMO["setting"], setting_text
    )

    # Inspection, importance, explanations reference, groups.
    inspection = inspect_flagged(Xte, yte, flag_main)
    importance = permutation_importances(pipeline, Xte, yte, settings)
    by_group = _by_group(
        candidates.set_index(candidates["cdcno"].astype("string"))
        .reindex(Xte.index)
        .reset_index(drop=True),
        yte,
        flag_main,
        min(settings.n_boot, 200),
    )

    # Human feedback.
    fb_table = None
    decisions = tables.get("decisions")
    try:
        if label == "screen" and (feedback is not None or decisions is not None):
            log = feedback if feedback is not None else decisions
            if county is not None and feedback is None:
                log = log.loc[in_county(log, county)]
            y_new = apply_feedback(y_series, log).to_numpy(dtype=bool)
            fb_table = feedback_effect(X, y, y_new, train, test, settings)
            fb_table.insert(
                0, "feedback", "decision log overrides the screen label of reviewed people"
            )
        elif label == "decisions" and decisions is not None:
            log = decisions if county is None else decisions.loc[in_county(decisions, county)]
            if feedback is not None:
                y_new = apply_feedback(y_series, feedback).to_numpy(dtype=bool)
                what = "a further decision log overrides the labels of reviewed people"
                y_old = y
            else:
                cutoff = log["date_reviewed"].median()
                y_old_s, _ = decision_labels(X.index, log, None, before=cutoff)
                y_old = y_old_s.to_numpy(dtype=bool)
                y_new = y
                what = f"decisions before {pd.Timestamp(cutoff).date()} → the whole log"
            if y_old[train].sum() >= 2:
                fb_table = feedback_effect(X, y_old, y_new, train, test, settings)
                fb_table.insert(0, "feedback", what)
    except InputError:
        fb_table = None

    ref = reference_values(Xtr)
    top_feats = [f for f in importance["feature"] if f in used][: settings.explain_features]
    total_seconds = time.perf_counter() - started
    metadata: dict[str, Any] = {
        "model": f"{main_name} (imbalanced-learn BalancedRandomForestClassifier)",
        "created": datetime.now().isoformat(timespec="seconds"),
        "as_of": str(pd.Timestamp(as_of).date()),
        "county": county or "statewide",
        "label": label,
        "label_definition": (
            f"the '{config.name}' screen: eligible = positive; people it cannot decide are left out"
            if label == "screen"
            else "review-decision log: referred or resentenced = positive; everybody else negative"
        ),
        "config": {
            "name": config.name,
            "files": config.files,
            "rules": [r.id for r in config.rules],
            "a": config.score.a,
            "b": config.score.b,
            "d": config.score.d,
            "factors": config.score.factors,
        },
        "seed": settings.random_state,
        "parameters": {
            k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(settings).items()
        },
        "features": used,
        "screen_input_features": leak_cols,
        "reference_values": ref,
        "explain_features": top_feats,
        "data": {
            "training_data_sha256": data_hash(X, y_series),
            "n_people": int(len(candidates)),
            "n_labelled": int(len(y)),
            "n_unlabelled": int((~known).sum()),
            "n_positive": n_pos,
            "positive_share": n_pos / len(y),
            "n_train": int(len(train)),
            "n_test": int(len(test)),
            "n_train_positive": int(ytr.sum()),
            "n_test_positive": int(yte.sum()),
            "test_positive_share": float(yte.mean()),
        },
        "timing_seconds": {
            "fit": fit_seconds,
            "predict_test": predict_seconds,
            "run": total_seconds,
        },
        "versions": _versions(),
        "metrics": _records(metrics),
        "comparison": _records(comparison),
        "memo": MEMO,
        "setting": setting_text,
        "learned_weights": _records(weights),
        "importance": _records(importance),
        "inspection": _records(inspection),
        "feedback": _records(fb_table),
        "by_group": _records(by_group),
    }
    return TrainResult(
        pipeline,
        metadata,
        metrics,
        comparison,
        importance,
        weights,
        inspection,
        fb_table,
        by_group,
        pd.Index(Xte.index),
    )


# --------------------------------------------------------------------------------------------------
# Persistence and prediction
# --------------------------------------------------------------------------------------------------

MODEL_FILE = "model.joblib"
METADATA_FILE = "model.json"


def save_model(pipeline: Any, metadata: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``model.joblib`` (pipeline + metadata) and ``model.json`` (metadata) to ``out_dir``."""
    import joblib

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / MODEL_FILE
    joblib.dump({"pipeline": pipeline, "metadata": metadata}, model_path, compress=3)
    meta_path = out_dir / METADATA_FILE
    meta = {**metadata, "model_file_sha256": _sha256(model_path)}
    meta_path.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
    return model_path, meta_path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_model(path: Path) -> tuple[Any, dict[str, Any]]:
    """(pipeline, metadata) from a ``model.joblib`` written by :func:`save_model`."""
    import joblib

    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.exists():
        raise InputError("no such model file (train one with `secondlook train`)", file=str(path))
    try:
        bundle = joblib.load(path)
    except Exception as exc:  # not a joblib file
        raise InputError(f"cannot be read as a model file ({exc})", file=str(path)) from None
    if not isinstance(bundle, dict) or "pipeline" not in bundle:
        raise InputError("is not a secondlook model file", file=str(path))
    return bundle["pipeline"], bundle["metadata"]


def predict(
    pipeline: Any,
    metadata: dict[str, Any],
    X: pd.DataFrame,
    *,
    explain_rows: bool | np.ndarray = True,
) -> pd.DataFrame:
    """``model_score`` (probability of the positive label) and ``top_features`` per person of ``X``.

    ``explain_rows``: ``True`` explains everybody, ``False`` nobody (no ``top_features`` column), a
    boolean mask only those rows (the others get ``""``).
    """
    X = X.reindex(columns=metadata["features"])
    s = scores(pipeline, X)
    out = pd.DataFrame({"model_score": s}, index=X.index)
    if explain_rows is True:
        explain_rows = np.ones(len(X), dtype=bool)
    if explain_rows is not False:
        rows = np.asarray(explain_rows, dtype=bool)
        text = pd.Series("", index=X.index, dtype="string")
        if rows.any():
            text[rows] = explain(
                pipeline,
                X.loc[rows],
                metadata["explain_features"],
                metadata["reference_values"],
                base=s[rows],
            ).to_numpy()
        out["top_features"] = text.to_numpy()
    return out


def model_ranks(score: np.ndarray, county: pd.Series | None = None) -> np.ndarray:
    """Rank 1..n by ``score`` descending (within each county when given; ties by position)."""
    score = np.asarray(score, dtype="float64")
    ranks = np.zeros(len(score), dtype=np.int64)
    groups = (
        pd.Series(np.zeros(len(score)))
        if county is None
        else county.astype("string").fillna("").reset_index(drop=True)
    )
    for _, idx in groups.groupby(groups, sort=False).indices.items():
        order = np.argsort(-score[idx], kind="stable")
        ranks[idx[order]] = np.arange(1, len(idx) + 1)
    return ranks
