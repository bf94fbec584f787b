"""The rule emulation check: how well a model re-learns the county's screen from the same tables.

This is a diagnostic, reported on the model card; its models are never saved and never rank or list
anybody.  The label is the screen (``eligible``; people it cannot decide are left out).  A Balanced
Random Forest is cross-validated (stratified K-fold by person, out-of-fold scores) twice: on every
feature, and on the features outside the screen's leakage set
(:func:`helpers.model.clean_features`).  The first shows how easily a rule is copied (the policy
memo's setting: a label produced by a rule over the same tables); the second what is left when
nothing derivable from the rule's inputs is seen.

Beside it, :func:`helpers.model.shallow_tree_check` on three feature sets: every feature, the
features without the screen's own inputs only (the earlier "without screen inputs" variant, which
still holds proxies of every input), and the features outside the leakage set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from helpers.model.crossval import cross_validate, person_folds
from helpers.model.evaluation import MEMO, bootstrap_metrics, count_text, wilson_interval
from helpers.model.features import FEATURES, build_features, screen_inputs
from helpers.model.labels import screen_labels
from helpers.model.leakage import clean_features, shallow_tree_check
from helpers.model.pipeline import fit, make_pipeline, missing_columns, scores
from helpers.model.settings import ModelSettings
from helpers.screening.config import CountyConfig

FEATURE_SETS = ("all features", "without screen inputs only", "without the leakage set")
#: Bootstrap replicates of the check's PR-AUC (every person of the population is resampled).
EMULATION_BOOT = 200


@dataclass
class Emulation:
    """The rule emulation table (forest metrics by feature set) and the shallow-tree checks."""

    table: pd.DataFrame
    leakage: pd.DataFrame
    status: str


def feature_sets(config: CountyConfig, used: list[str]) -> dict[str, list[str]]:
    """The three feature sets of the check, among the features ``used``."""
    inputs = set(screen_inputs(config))
    return {
        FEATURE_SETS[0]: list(used),
        FEATURE_SETS[1]: [c for c in used if c not in inputs],
        FEATURE_SETS[2]: clean_features(config, used),
    }


def _forest_rows(
    name: str, X: pd.DataFrame, y: np.ndarray, settings: ModelSettings
) -> list[dict[str, object]]:
    """Out-of-fold PR-AUC (bootstrap over people), precision and recall at the threshold (Wilson)."""
    forest = ModelSettings(**{**settings.__dict__, "n_estimators": settings.emulation_trees})
    cols, missing = list(X.columns), missing_columns(X)

    def brf(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        return scores(
            fit(make_pipeline(cols, forest, missing=missing), X.iloc[tr], y[tr]), X.iloc[te]
        )

    people = pd.Series(np.arange(len(y)))
    folds = person_folds(y, people, settings.emulation_folds, 1, settings.random_state)
    oof = cross_validate({"brf": brf}, y, folds, settings.n_jobs)["brf"].oof[0]
    n_boot = min(settings.n_boot, EMULATION_BOOT)
    ap = bootstrap_metrics(y, oof, ks=(), n_boot=n_boot, seed=settings.random_state)
    flagged = oof >= settings.emulation_threshold
    tp = int((flagged & y).sum())
    rows: list[dict[str, object]] = [
        {"features": name, "metric": "pr_auc", **ap.iloc[0].drop("metric").to_dict()}
    ]
    rows[0]["interval"] = "bootstrap over people"
    for metric, n in (("precision", int(flagged.sum())), ("recall", int(y.sum()))):
        lo, hi = wilson_interval(tp, n)
        rows.append(
            {
                "features": name,
                "metric": metric,
                "value": tp / n if n else np.nan,
                "ci_low": float(lo),
                "ci_high": float(hi),
                "interval": "Wilson",
            }
        )
    return rows


def rule_emulation_check(
    tables: dict[str, pd.DataFrame],
    config: CountyConfig,
    as_of: date | str,
    candidates: pd.DataFrame,
    settings: ModelSettings,
) -> Emulation:
    """Re-learn the screen from the tables: forest metrics and shallow-tree checks by feature set."""
    y_all = screen_labels(candidates)
    known = y_all.notna().to_numpy()
    y = y_all[known].to_numpy(dtype=bool)
    if y.sum() < settings.emulation_folds or (~y).sum() < settings.emulation_folds:
        empty = pd.DataFrame()
        why = f"not evaluated: the screen passes {count_text(int(y.sum()))} of {len(y):,} people"
        return Emulation(empty, empty, why)
    X = build_features(tables, as_of, config)
    X = X.loc[~X.index.duplicated()].reindex(y_all.index[known])
    used = [c for c in FEATURES if X[c].notna().any()]
    sets = feature_sets(config, used)
    leakage = pd.DataFrame(
        [
            shallow_tree_check(X[cols], y, name, settings.random_state).row()
            for name, cols in sets.items()
        ]
    )
    rows = []
    for name in (FEATURE_SETS[0], FEATURE_SETS[2]):
        rows += _forest_rows(name, X[sets[name]], y, settings)
    table = pd.DataFrame(rows)
    table.insert(0, "method", f"BRF, {settings.emulation_trees} trees, label = the screen")
    memo = pd.DataFrame(
        [
            {"method": "policy memo", "features": "not reported", "metric": m, "value": MEMO[m]}
            for m in ("precision", "recall")
        ]
    )
    table = pd.concat([table, memo], ignore_index=True)
    status = (
        f"evaluated: label = the '{config.name}' screen, {count_text(len(y))} people "
        f"({count_text(int(y.sum()))} pass; {count_text(int((~known).sum()))} undecided left out), "
        f"{settings.emulation_folds}-fold stratified cross-validation, threshold "
        f"{settings.emulation_threshold:g}"
    )
    return Emulation(table, leakage, status)
