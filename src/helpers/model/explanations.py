"""Explanations of the model: permutation importances and per-person top features.

:func:`permutation_importances` measures the fall in average precision when a column is shuffled;
:func:`explain` writes, per person, the features that raise the score most by a median
counterfactual (:func:`reference_values`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.model.features import CATEGORICAL, NUMERIC
from helpers.model.pipeline import as_model_input, scores
from helpers.model.settings import ModelSettings


def _rounded_average_precision(estimator: Any, X: pd.DataFrame, y: np.ndarray) -> float:
    """Average precision of the rounded scores (the forest's thread order cannot change it)."""
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, np.round(estimator.predict_proba(X)[:, 1], 10)))


def permutation_importances(
    pipeline: Any, X: pd.DataFrame, y: np.ndarray, settings: ModelSettings
) -> pd.DataFrame:
    """Permutation importance on the test set (scoring: average precision), largest first.

    Scores are rounded as in :func:`helpers.model.pipeline.scores`, so reruns give the same table.

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
        scoring=_rounded_average_precision,
        n_repeats=settings.importance_repeats,
        random_state=settings.random_state,
        n_jobs=settings.n_jobs,
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
