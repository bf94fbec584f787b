"""The scikit-learn / imbalanced-learn pipelines of the model, and how they are fitted and scored.

:func:`make_pipeline` is an imbalanced-learn ``Pipeline``: preprocessing (binary and categorical
columns ordinal-encoded with −1 for missing; for every numeric column a missing-value indicator, then
the column median-imputed) → optional SMOTENC (the binary/categorical columns *and the missing-value
indicators* are SMOTENC's categorical features, so a synthetic case is never "half missing"; it
raises the minority to ``smote_ratio`` of the majority) → ``BalancedRandomForestClassifier`` with
``sampling_strategy="all", replacement=True, bootstrap=False`` (Chen, Liaw & Breiman 2004: every
tree sees a bootstrap of the minority class and an equal-size bootstrap of the majority).  Samplers
run only in ``fit``, so resampling happens only inside training data.  A forest grows its trees in
one thread: the runs parallelise over folds and methods instead (:func:`parallel_map`), which is
faster for the few thousand decisions of an office and keeps every fit deterministic.  :func:`make_logistic` is the
logistic-regression baseline.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from helpers.model.features import BINARY, CATEGORICAL, NUMERIC
from helpers.model.settings import ModelSettings


def method_name(settings: ModelSettings, smote: bool | None = None) -> str:
    """``SMOTE+BRF`` or ``BRF``: the name of the forest ``settings`` (or ``smote``) trains."""
    return "SMOTE+BRF" if (settings.smote if smote is None else smote) else "BRF"


def feature_groups(columns: list[str]) -> tuple[list[str], list[str]]:
    """(categorical-like columns: binary + categorical, numeric columns) among ``columns``."""
    cat = [c for c in (*BINARY, *CATEGORICAL) if c in columns]
    num = [c for c in NUMERIC if c in columns]
    return cat, num


def missing_columns(X: pd.DataFrame) -> list[str]:
    """The numeric columns of ``X`` with a missing value (the ones given missing-value indicators)."""
    _, num = feature_groups(list(X.columns))
    return [c for c in num if X[c].isna().any()]


def _preprocessor(columns: list[str], missing: list[str] | None) -> Any:
    """Encoded categorical columns, then a missing-value indicator per numeric column of
    ``missing`` (default: every numeric column), then the imputed numeric columns; so the first
    :func:`smote_categorical` outputs are categorical."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import MissingIndicator, SimpleImputer
    from sklearn.preprocessing import OrdinalEncoder

    cat, num = feature_groups(columns)
    flagged = num if missing is None else [c for c in num if c in set(missing)]
    steps: list[tuple[str, Any, list[str]]] = [
        (
            "cat",
            OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
            ),
            cat,
        )
    ]
    if flagged:
        steps.append(("missing", MissingIndicator(features="all"), flagged))
    steps.append(("num", SimpleImputer(strategy="median", keep_empty_features=True), num))
    return ColumnTransformer(steps, remainder="drop")


def smote_categorical(columns: list[str], missing: list[str] | None = None) -> list[int]:
    """Positions of SMOTENC's categorical inputs: encoded categories and missing-value indicators."""
    cat, num = feature_groups(columns)
    flagged = num if missing is None else [c for c in num if c in set(missing)]
    return list(range(len(cat) + len(flagged)))


def smote_target(y: np.ndarray, ratio: float) -> dict[int, int]:
    """SMOTENC's target: the minority raised to ``ratio`` of the majority, never lowered."""
    counts = np.bincount(np.asarray(y, dtype=int), minlength=2)
    minority = int(np.argmin(counts))
    return {minority: int(max(counts[minority], np.floor(ratio * counts.max())))}


def make_pipeline(
    columns: list[str],
    settings: ModelSettings,
    smote: bool | None = None,
    missing: list[str] | None = None,
) -> Any:
    """preprocessing → [SMOTENC] → BalancedRandomForestClassifier, as an imblearn ``Pipeline``.

    ``missing``: the numeric columns given missing-value indicators (:func:`missing_columns` of the
    training data; default every numeric column).
    """
    from imblearn.ensemble import BalancedRandomForestClassifier
    from imblearn.over_sampling import SMOTENC
    from imblearn.pipeline import Pipeline

    smote = settings.smote if smote is None else smote
    steps: list[tuple[str, Any]] = [("prep", _preprocessor(columns, missing))]
    if smote:
        steps.append(
            (
                "smote",
                SMOTENC(
                    categorical_features=smote_categorical(columns, missing),
                    sampling_strategy=partial(smote_target, ratio=settings.smote_ratio),
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
                n_jobs=1,
                random_state=settings.random_state,
            ),
        )
    )
    return Pipeline(steps)


def make_logistic(columns: list[str]) -> Any:
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
    """Fit ``pipeline`` on the feature frame ``X`` and boolean labels ``y``.

    BLAS runs single-threaded: the forest parallelises over trees, and the small optimisations of
    the logistic regression only wait on BLAS threads.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return pipeline.fit(as_model_input(X), np.asarray(y, dtype=int))


def scores(pipeline: Any, X: pd.DataFrame) -> np.ndarray:
    """Probability of the positive class, rounded to 10 decimals.

    The forest averages its trees in parallel threads, so the last bit of a sum can depend on thread
    order; rounding makes repeated predictions (and a reloaded model's) identical.
    """
    return np.round(pipeline.predict_proba(as_model_input(X))[:, 1], 10)


def parallel_map(func: Any, tasks: list[Any], n_jobs: int) -> list[Any]:
    """``[func(t) for t in tasks]``, in worker processes when ``n_jobs`` > 1 (results in order)."""
    if n_jobs <= 1 or len(tasks) <= 1:
        return [func(t) for t in tasks]
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=n_jobs, backend="loky")(delayed(func)(t) for t in tasks))
