"""The scikit-learn / imbalanced-learn pipelines of the model, and how they are fitted and scored.

:func:`make_pipeline` is an imbalanced-learn ``Pipeline``: preprocessing (binary and categorical
columns ordinal-encoded with −1 for missing, numeric columns median-imputed with missing-value
indicators) → optional SMOTENC (the binary/categorical columns are SMOTENC's categorical features;
it raises the minority to ``smote_ratio`` of the majority) → ``BalancedRandomForestClassifier``
with ``sampling_strategy="all", replacement=True, bootstrap=False`` (Chen, Liaw & Breiman 2004:
every tree sees a bootstrap of the minority class and an equal-size bootstrap of the majority).
Samplers run only in ``fit``, so resampling happens only inside training data.
:func:`make_logistic` is the logistic-regression baseline.
"""

from __future__ import annotations

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


def _preprocessor(columns: list[str]) -> Any:
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


def make_pipeline(columns: list[str], settings: ModelSettings, smote: bool | None = None) -> Any:
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
    """Fit ``pipeline`` on the feature frame ``X`` and boolean labels ``y``."""
    return pipeline.fit(as_model_input(X), np.asarray(y, dtype=int))


def scores(pipeline: Any, X: pd.DataFrame) -> np.ndarray:
    """Probability of the positive class, rounded to 10 decimals.

    The forest averages its trees in parallel threads, so the last bit of a sum can depend on thread
    order; rounding makes repeated predictions (and a reloaded model's) identical.
    """
    return np.round(pipeline.predict_proba(as_model_input(X))[:, 1], 10)
