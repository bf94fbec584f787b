"""Leakage control: everything a label's inputs let a model reconstruct, and a shallow-tree check.

**Screen label (a rule).**  The screen reads a few columns (:func:`helpers.model.screen_inputs`), but
many other features are derivable from those: age − age at offense = time served; months to release
follow from the sentence and the time served; custody totals grow with time served; the offense
lists fix the offense category, level and enhancements; strike sentences follow the prior lists.
:data:`DERIVATIONS` declares these relations and :func:`leakage_set` closes a screen's inputs under
them: what is left (:func:`clean_features`) is what a rule-emulation model may see without being
handed the rule.

**Decision label.**  The log's own columns (:data:`DECISION_LOG_COLUMNS`: reasons, new sentence,
reviewer) and anything recorded after the decision (the snapshot columns) are the leakage set of the
decision label; no feature of the decision model is built from either, and every feature is measured
on the decision's date (:func:`helpers.model.features_on_dates`).

:func:`shallow_tree_check` fits a depth-3 tree (stratified 5-fold cross-validation) and compares its
PR-AUC with the base rate: a ``lift`` of :data:`LEAKAGE_LIFT` or more means the features rebuild the
label, which for a rule is leakage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.model.features import (
    ENHANCEMENT_KINDS,
    FEATURES,
    LISTS,
    SNAPSHOT_FEATURES,
    screen_inputs,
)
from helpers.screening.config import CountyConfig

#: A shallow tree's PR-AUC this many times the base rate (or more) rebuilds the label.
LEAKAGE_LIFT = 5.0
TREE_DEPTH = 3
#: Columns of the review-decision log that are the decision label's own inputs or outcome.
DECISION_LOG_COLUMNS = (
    "decision",
    "date_reviewed",
    "reason_codes",
    "reason_text",
    "new_sentence_months",
    "reviewer_role",
)

_TIME = ("age", "age_at_offense", "time_served_years", "juvenile_at_offense", "youth_at_offense")
_SENTENCE = (
    "sentence_years",
    "sentence_life",
    "sentence_lwop",
    "sentence_condemned",
    "sentence_type",
    "months_to_release",
    "no_release_date",
)
_ENH = ("n_enhancements", *(f"n_enh_{k}" for k in ENHANCEMENT_KINDS))
_CURRENT = (
    *(f"current_{name}" for name in LISTS),
    "offense_category",
    "offense_level",
    "current_levels_sum",
    "n_current_offenses",
    *_ENH,
    "sex_registrant",
)
_PRIOR = (
    *(f"prior_{name}" for name in LISTS),
    "prior_levels_decayed",
    "n_prior_offenses",
    "n_enh_priors",
    "sentence_type",
    "sex_registrant",
)


@dataclass(frozen=True)
class Derivation:
    """Features that determine (exactly or nearly) other features: when a label reads any of
    ``given``, all of ``derived`` are in its leakage set."""

    name: str
    given: tuple[str, ...]
    derived: tuple[str, ...]
    why: str


DERIVATIONS: tuple[Derivation, ...] = (
    Derivation(
        "time",
        _TIME[:3],
        _TIME,
        "age − age at offense = time served; youth and juvenile flags follow from age at offense",
    ),
    Derivation(
        "time in custody",
        ("time_served_years",),
        (
            "months_to_release",
            "violations_total",
            "credit_days_total",
            "credit_days_5y",
            "classification_score",
        ),
        "release dates, custody totals and classification points move with the years served",
    ),
    Derivation(
        "sentence",
        _SENTENCE,
        (*_SENTENCE, *_ENH, "n_current_offenses", "offense_level", "current_levels_sum"),
        "the aggregate term adds up counts and enhancements; its type fixes life terms; release "
        "dates follow from it",
    ),
    Derivation(
        "current offenses",
        _CURRENT[: len(LISTS) + 3],
        _CURRENT,
        "the statutory lists fix the category and level of the offense, and enhancements (firearm, "
        "great bodily injury, gang) make an offense serious or violent",
    ),
    Derivation(
        "prior offenses",
        _PRIOR[: len(LISTS)],
        _PRIOR,
        "prior-conviction enhancements and strike sentences follow from serious and violent priors",
    ),
    Derivation(
        "sentence type",
        ("sentence_type",),
        (*_SENTENCE, *_PRIOR),
        "second- and third-strike sentences require serious or violent priors",
    ),
    Derivation(
        "sex registration",
        ("sex_registrant", "current_sex_registrable", "prior_sex_registrable"),
        ("sex_registrant", "current_sex_registrable", "prior_sex_registrable"),
        "registration follows from a registrable offense (PC 290(c))",
    ),
)


def close(columns: list[str] | tuple[str, ...]) -> list[str]:
    """``columns`` and everything :data:`DERIVATIONS` derives from them, in :data:`FEATURES` order."""
    found = set(columns)
    changed = True
    while changed:
        changed = False
        for d in DERIVATIONS:
            if found & set(d.given) and not set(d.derived) <= found:
                found |= set(d.derived)
                changed = True
    return [c for c in FEATURES if c in found]


def leakage_set(config: CountyConfig) -> list[str]:
    """The screen's inputs and everything derivable from them (the screen label's leakage set)."""
    return close(screen_inputs(config))


def clean_features(config: CountyConfig, columns: list[str] | None = None) -> list[str]:
    """The features (of ``columns``, default all) outside the screen's leakage set."""
    leak = set(leakage_set(config))
    return [c for c in (columns if columns is not None else FEATURES) if c not in leak]


def decision_leakage() -> dict[str, tuple[str, ...]]:
    """The decision label's leakage set: the log's own columns and the columns recorded after it."""
    return {
        "columns of the decision log": DECISION_LOG_COLUMNS,
        "recorded after the decision (snapshot on the extract date)": SNAPSHOT_FEATURES,
    }


@dataclass
class LeakageCheck:
    """A shallow tree's cross-validated PR-AUC on a feature set, beside the label's base rate."""

    features: str
    n_features: int
    n_people: int
    n_positive: int
    pr_auc: float
    base_rate: float
    lift: float
    leaks: bool

    def row(self) -> dict[str, object]:
        """The check as one table row."""
        return dict(self.__dict__)


def tree_input(X: pd.DataFrame) -> np.ndarray:
    """``X`` as floats for a tree: categories as codes, missing values kept as NaN."""
    cols = []
    for c in X.columns:
        v = X[c]
        if pd.api.types.is_numeric_dtype(v):
            cols.append(pd.to_numeric(v).to_numpy(dtype="float64", na_value=np.nan))
        else:
            codes = pd.factorize(v.astype("string"), sort=True)[0].astype("float64")
            cols.append(np.where(codes < 0, np.nan, codes))
    return np.column_stack(cols) if cols else np.zeros((len(X), 0))


def shallow_tree_check(
    X: pd.DataFrame, y: np.ndarray, name: str, seed: int, depth: int = TREE_DEPTH
) -> LeakageCheck:
    """PR-AUC of a class-balanced depth-``depth`` tree (out-of-fold, stratified 5-fold) on ``X``.

    ``leaks`` is true when the PR-AUC is at least :data:`LEAKAGE_LIFT` times the base rate.
    """
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.tree import DecisionTreeClassifier

    y = np.asarray(y, dtype=bool)
    base = float(y.mean()) if len(y) else float("nan")
    folds = min(5, int(y.sum()), int((~y).sum()))
    if folds < 2 or X.shape[1] == 0:
        auc = base
    else:
        tree = DecisionTreeClassifier(max_depth=depth, class_weight="balanced", random_state=seed)
        oof = cross_val_predict(
            tree,
            tree_input(X),
            y.astype(int),
            cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
            method="predict_proba",
        )[:, 1]
        auc = float(average_precision_score(y, oof))
    lift = auc / base if base > 0 else float("nan")
    return LeakageCheck(
        name, X.shape[1], len(y), int(y.sum()), auc, base, lift, bool(lift >= LEAKAGE_LIFT)
    )
