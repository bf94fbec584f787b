"""A training run: the decision model trained and evaluated so that a statistician can check it.

:func:`train_model` runs these phases, each a function of this module or of the one named:

1. :func:`labelled_examples` — the review-decision log as examples (one per decision; people never
   reviewed are unlabelled and left out), features measured on each decision's date
   (:func:`helpers.model.features_on_dates`);
2. :func:`evaluate_methods` — the Balanced Random Forest, SMOTE+BRF, logistic regression and the
   score R (office weights, learned weights) on the same repeated stratified K-fold grouped by
   person (:mod:`helpers.model.crossval`), beside the policy memo's pair;
3. :func:`evaluate_time_split` — every method trained on the decisions before a date and tested on
   later decisions of people it never saw; permutation importance on that test set;
4. :func:`helpers.model.feedback_evaluation` — more decisions, same test: does the model improve?;
5. :func:`calibration_and_groups` — calibration of the out-of-fold scores and results by race group;
6. :func:`helpers.model.bootstrap_weights` — the weights of R fitted to the decisions, with intervals,
   and the preset an office may adopt;
7. the saved model: the chosen method fitted on every decision; :func:`inspect_unreviewed` compares
   the positives with the best-ranked people nobody has reviewed;
8. :func:`helpers.model.rule_emulation_check` — the screen-label diagnostic (never ranks anybody);
9. :func:`build_metadata` — everything above, with provenance, as :class:`ModelMetadata`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from helpers.counties import canonical_name
from helpers.errors import InputError
from helpers.model.crossval import (
    CVScores,
    Folds,
    Method,
    cross_validate,
    cv_metrics,
    person_folds,
    run_method,
    time_cutoff,
    time_split,
)
from helpers.model.diagnostic import Emulation, rule_emulation_check
from helpers.model.evaluation import (
    MEMO,
    calibration_table,
    count_text,
    group_table,
    holdout_metrics,
    inspect_groups,
    memo_rows,
)
from helpers.model.explanations import permutation_importances, reference_values
from helpers.model.features import (
    DECISION_FEATURES,
    ScoreTerms,
    build_features,
    features_on_dates,
    restrict_to_people,
)
from helpers.model.feedback import FeedbackResult, feedback_evaluation
from helpers.model.labels import UNLABELLED, decision_examples, reviewed_people
from helpers.model.leakage import decision_leakage, leakage_set, shallow_tree_check
from helpers.model.metadata import (
    ConfigSummary,
    DataSummary,
    EvaluationSummary,
    MemoPair,
    ModelMetadata,
    Timing,
    data_hash,
    table_records,
)
from helpers.model.pipeline import (
    fit,
    make_logistic,
    make_pipeline,
    method_name,
    missing_columns,
    parallel_map,
    scores,
)
from helpers.model.ranking import RANKED, model_status
from helpers.model.settings import ModelSettings
from helpers.model.weights import bootstrap_weights, learn_weights, r_values, weights_preset
from helpers.privacy import suppress
from helpers.provenance import library_versions
from helpers.screening.candidates import build_candidates
from helpers.screening.config import CountyConfig

#: Fewest positive (and negative) decisions a training run accepts.
MIN_POSITIVES = 10
#: People of the inspection's "best-ranked, never reviewed" group.
INSPECT_TOP = 100
LABEL_DEFINITION = (
    "review-decision log: referred or resentenced = positive (the office found the case suitable); "
    "not referred or denied = negative; one example per decision, features on its date"
)


@dataclass
class RunSpec:
    """What a training run was asked for: county (``None`` = statewide), configuration, date and
    settings."""

    county: str | None
    config: CountyConfig
    as_of: date | str
    settings: ModelSettings


@dataclass
class Examples:
    """The labelled examples of a run: decision rows, their features and score terms, and counts."""

    frame: pd.DataFrame  # cdcno, county, date_reviewed, feature_date, decision, label
    X: pd.DataFrame  # one row per decision (index cdcno) × the decision features the data has
    terms: ScoreTerms  # R's inputs, one "person" per decision
    n_people: int
    n_reviewed_people: int
    n_not_in_data: int
    n_unknown_decision: int

    @property
    def y(self) -> np.ndarray:
        """The labels."""
        return self.frame["label"].to_numpy(dtype=bool)

    @property
    def groups(self) -> pd.Series:
        """The person of each example (folds never split a person)."""
        return self.frame["cdcno"]

    @property
    def features(self) -> list[str]:
        """The feature columns used (those with at least one known value)."""
        return list(self.X.columns)

    @property
    def missing(self) -> list[str]:
        """The numeric features with a missing value (given missing-value indicators)."""
        return missing_columns(self.X)


@dataclass
class TrainResult:
    """Everything a training run produces: the saved pipeline, its metadata, the tables and the
    run's seconds (printed, never published: the metadata holds no timing)."""

    pipeline: object
    metadata: ModelMetadata
    tables: dict[str, pd.DataFrame]
    timing: Timing


def labelled_examples(tables: dict[str, pd.DataFrame], spec: RunSpec) -> Examples:
    """The decisions of the county's office (or every office) with features on their dates.

    Raises :class:`InputError` when there are fewer than :data:`MIN_POSITIVES` positive or negative
    decisions.
    """
    people = tables["people"]["cdcno"].astype("string")
    ex = decision_examples(tables.get("decisions"), people, spec.county)
    y = ex.y
    n_pos = int(y.sum())
    if n_pos < MIN_POSITIVES or len(y) - n_pos < MIN_POSITIVES:
        where = spec.county or "statewide"
        raise InputError(
            f"only {n_pos} positive and {len(y) - n_pos} negative decisions in {where}'s "
            f"review-decision log: at least {MIN_POSITIVES} of each are needed; train statewide"
        )
    f = ex.frame
    X, terms = features_on_dates(tables, f["cdcno"], f["feature_date"], spec.as_of, spec.config)
    used = [c for c in DECISION_FEATURES if X[c].notna().any()]
    return Examples(
        f,
        X[used],
        terms,
        int(people.nunique()),
        int(f["cdcno"].nunique()),
        ex.n_not_in_data,
        ex.n_unknown_decision,
    )


def make_methods(spec: RunSpec, ex: Examples) -> dict[str, Method]:
    """Every compared method as (training positions, test positions) → test scores.

    The chosen forest first; the score R ranks by −R (a lower R is a better candidate).
    """
    settings, X, y, terms = spec.settings, ex.X, ex.y, ex.terms
    cols, missing = ex.features, ex.missing
    office = spec.config.score

    def forest(smote: bool) -> Method:
        def run(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
            model = fit(make_pipeline(cols, settings, smote, missing), X.iloc[tr], y[tr])
            return scores(model, X.iloc[te])

        return run

    def logistic(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        return scores(fit(make_logistic(cols), X.iloc[tr], y[tr]), X.iloc[te])

    def r_office(_train: np.ndarray, te: np.ndarray) -> np.ndarray:
        return -r_values(terms, office.a, office.b, office.d, office.factors, te)

    def r_learned(tr: np.ndarray, te: np.ndarray) -> np.ndarray:
        return -learn_weights(terms, y[tr], tr).r(terms, te)

    chosen = method_name(settings)
    return {
        chosen: forest(settings.smote),
        method_name(settings, not settings.smote): forest(not settings.smote),
        "logistic regression": logistic,
        "score R (office weights)": r_office,
        "score R (learned weights)": r_learned,
    }


def evaluate_methods(
    spec: RunSpec, ex: Examples, methods: dict[str, Method]
) -> tuple[Folds, dict[str, CVScores], pd.DataFrame]:
    """The folds, every method's out-of-fold scores and the comparison table (+ the memo's pair)."""
    s = spec.settings
    folds = person_folds(ex.y, ex.groups, s.n_splits, s.n_repeats, s.random_state)
    cv = cross_validate(methods, ex.y, folds, s.n_jobs)
    rows = []
    for name, result in cv.items():
        m = cv_metrics(ex.y, result, s.ks, s.n_boot, s.random_state)
        m.insert(0, "method", name)
        rows.append(m)
    table = pd.concat([*rows, memo_rows()], ignore_index=True)
    return folds, cv, table


@dataclass
class TimeSplit:
    """The time split: its date, counts, every method's test metrics and the importance table."""

    cutoff: pd.Timestamp
    train: np.ndarray
    test: np.ndarray
    n_left_out: int
    table: pd.DataFrame
    importance: pd.DataFrame


def evaluate_time_split(spec: RunSpec, ex: Examples, methods: dict[str, Method]) -> TimeSplit:
    """Train every method on the decisions before the cutoff; test on later decisions of people
    with no earlier decision.  Permutation importance of the chosen forest on that test set."""
    s = spec.settings
    cutoff = time_cutoff(ex.frame["date_reviewed"], s.time_test_share)
    train, test, left_out = time_split(ex.frame["date_reviewed"], ex.groups, cutoff)
    y = ex.y
    empty = pd.DataFrame(columns=["feature", "importance_mean", "importance_std"])
    if y[train].sum() < 2 or (~y[train]).sum() < 2 or not y[test].any():
        return TimeSplit(cutoff, train, test, left_out, pd.DataFrame(), empty)
    rows = []
    tasks = [(method, train, test) for method in methods.values()]
    for name, score in zip(methods, parallel_map(run_method, tasks, s.n_jobs), strict=True):
        m = holdout_metrics(y[test], score, s.ks, s.n_boot, s.random_state)
        m.insert(0, "method", name)
        rows.append(m)
    chosen = fit(make_pipeline(ex.features, s, missing=ex.missing), ex.X.iloc[train], y[train])
    importance = permutation_importances(chosen, ex.X.iloc[test], y[test], s)
    return TimeSplit(cutoff, train, test, left_out, pd.concat(rows, ignore_index=True), importance)


def calibration_and_groups(
    tables: dict[str, pd.DataFrame], ex: Examples, scores_cv: CVScores
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Calibration of the mean out-of-fold score, and recall/precision by race group.

    By group, the flagged set is the best-scored examples, as many as there are positives.  Counts
    of 1-10 (and what would reveal them) are suppressed.
    """
    y, score = ex.y, scores_cv.mean_score
    calibration = suppress(calibration_table(y, score), ["n", "positives"])
    people = tables["people"].drop_duplicates("cdcno").set_index("cdcno")
    if "race_group" not in people:
        return calibration, None
    flagged = np.zeros(len(y), dtype=bool)
    flagged[np.argsort(-score, kind="stable")[: int(y.sum())]] = True
    race = ex.frame["cdcno"].map(people["race_group"])
    table = group_table(y, flagged, race, "race_group")
    counts = ["n", "n_positive", "n_flagged", "n_found"]
    return calibration, suppress(table, counts, by="dimension")


def inspect_unreviewed(
    tables: dict[str, pd.DataFrame],
    spec: RunSpec,
    ex: Examples,
    pipeline: object,
    candidates: pd.DataFrame,
) -> pd.DataFrame:
    """Positive decisions beside the best-ranked people nobody reviewed (and the other unreviewed).

    Unreviewed people are those the screen passes or cannot decide, with today's features.
    """
    ranked = (model_status(candidates["eligibility"]) == RANKED).to_numpy(dtype=bool)
    ids = pd.Index(candidates["cdcno"].astype("string")[ranked])
    ids = ids.difference(reviewed_people(tables.get("decisions"))).sort_values()
    X_now = build_features(restrict_to_people(tables, ids), spec.as_of, spec.config)
    X_now = X_now.loc[~X_now.index.duplicated()].reindex(ids)[ex.features]
    s = scores(pipeline, X_now) if len(ids) else np.zeros(0)
    top = np.zeros(len(ids), dtype=bool)
    top[np.argsort(-s, kind="stable")[:INSPECT_TOP]] = True
    pos = ex.y
    X = pd.concat([ex.X.loc[pos], X_now], ignore_index=True)
    n_pos = int(pos.sum())
    mask = np.r_[np.ones(n_pos, dtype=bool), np.zeros(len(ids), dtype=bool)]
    groups = {
        "positive_decisions": mask,
        "top_unreviewed": np.r_[np.zeros(n_pos, dtype=bool), top],
        "other_unreviewed": np.r_[np.zeros(n_pos, dtype=bool), ~top],
    }
    return inspect_groups(X, groups)


def comparison_setting(spec: RunSpec, ex: Examples, folds: Folds) -> str:
    """Our setting in words, beside the memo's: method, label, examples, folds, capacity."""
    y, s = ex.y, spec.settings
    return (
        f"ours: {method_name(s)}, label = the review-decision log of "
        f"{spec.county or 'every office'} ({count_text(len(y))} decisions about "
        f"{count_text(ex.n_reviewed_people)} people, {count_text(int(y.sum()))} positive); people "
        "never reviewed left out; "
        f"{folds.n_splits}-fold stratified cross-validation grouped by person, {folds.n_repeats} "
        f"repeats; threshold = office capacity k (precision@k and recall@k, "
        f"k = {', '.join(str(k) for k in s.ks)})"
    )


def _data_summary(ex: Examples) -> DataSummary:
    y = ex.y
    when = ex.frame["date_reviewed"]
    return DataSummary(
        training_data_sha256=data_hash(ex.X, pd.Series(y)),
        n_people=ex.n_people,
        n_reviewed_people=ex.n_reviewed_people,
        n_unlabelled_people=ex.n_people - ex.n_reviewed_people,
        n_decisions=len(y),
        n_positive=int(y.sum()),
        n_negative=int((~y).sum()),
        positive_share=float(y.mean()),
        n_not_in_data=ex.n_not_in_data,
        n_unknown_decision=ex.n_unknown_decision,
        first_decision=str(pd.Timestamp(when.min()).date()),
        last_decision=str(pd.Timestamp(when.max()).date()),
    )


@dataclass
class Evaluation:
    """The evaluation of a run, as :func:`build_metadata` records it."""

    folds: Folds
    time: TimeSplit
    feedback: FeedbackResult
    emulation: Emulation
    setting: str
    preset: str
    tables: dict[str, pd.DataFrame | None]
    timing: Timing


def build_metadata(spec: RunSpec, ex: Examples, evaluation: Evaluation) -> ModelMetadata:
    """The run's metadata: data, configuration, parameters, provenance and every table."""
    config, s, ev = spec.config, spec.settings, evaluation
    importance = ev.tables.get("importance")
    top = [] if importance is None else [f for f in importance["feature"] if f in ex.features]
    y_test = ex.y[ev.time.test]
    leakage = {k: list(v) for k, v in decision_leakage().items()}
    leakage["the screen's leakage set (rule emulation check)"] = leakage_set(config)
    return ModelMetadata(
        model=f"{method_name(s)} (imbalanced-learn BalancedRandomForestClassifier)",
        as_of=str(pd.Timestamp(spec.as_of).date()),
        county=spec.county or "statewide",
        label="decisions",
        label_definition=LABEL_DEFINITION,
        unlabelled=UNLABELLED,
        config=ConfigSummary(
            name=config.name,
            files=[str(f) for f in config.files],
            rules=[r.id for r in config.rules],
            a=config.score.a,
            b=config.score.b,
            d=config.score.d,
            factors=dict(config.score.factors),
        ),
        seed=s.random_state,
        parameters=s,
        features=ex.features,
        leakage=leakage,
        reference_values=reference_values(ex.X),
        explain_features=top[: s.explain_features],
        data=_data_summary(ex),
        evaluation=EvaluationSummary(
            n_splits=ev.folds.n_splits,
            n_repeats=ev.folds.n_repeats,
            time_cutoff=str(ev.time.cutoff.date()),
            n_time_train=len(ev.time.train),
            n_time_test=len(ev.time.test),
            n_time_test_positive=int(y_test.sum()),
            n_time_left_out=ev.time.n_left_out,
            feedback_cutoffs=ev.feedback.cutoffs,
        ),
        versions=library_versions(),
        memo=MemoPair(MEMO["recall"], MEMO["precision"], MEMO["setting"]),
        setting=ev.setting,
        feedback_status=ev.feedback.status,
        emulation_status=ev.emulation.status,
        weights_preset=ev.preset,
        tables={k: table_records(v) for k, v in ev.tables.items() if v is not None},
    )


def _checks(ex: Examples, emulation: Emulation, seed: int) -> pd.DataFrame:
    """The shallow-tree checks: the screen's feature sets, then the decision model's features."""
    mine = shallow_tree_check(ex.X, ex.y, "decision model features (label: decisions)", seed)
    rows = [pd.DataFrame([mine.row()])]
    if not emulation.leakage.empty:
        rows.insert(
            0, emulation.leakage.assign(features="label: screen; " + emulation.leakage["features"])
        )
    return pd.concat(rows, ignore_index=True)


def train_model(
    tables: dict[str, pd.DataFrame],
    county: str | None,
    config: CountyConfig,
    as_of: date | str,
    settings: ModelSettings | None = None,
    *,
    candidates: pd.DataFrame | None = None,
    emulation: bool = True,
) -> TrainResult:
    """Train and evaluate the decision model of ``county``'s office (``None`` = every office).

    ``candidates`` is the county's candidate list under ``config`` (built when not given): the
    inspection and the rule emulation check (skipped when ``emulation`` is false) read it.
    """
    spec = RunSpec(canonical_name(county), config, as_of, settings or ModelSettings())
    s = spec.settings
    started = time.perf_counter()
    ex = labelled_examples(tables, spec)
    t_features = time.perf_counter() - started
    methods = make_methods(spec, ex)
    folds, cv, comparison = evaluate_methods(spec, ex, methods)
    t_cv = time.perf_counter() - started - t_features
    chosen = method_name(s)
    split = evaluate_time_split(spec, ex, methods)
    feedback = feedback_evaluation(methods[chosen], ex.y, ex.frame["date_reviewed"], ex.groups, s)
    calibration, by_group = calibration_and_groups(tables, ex, cv[chosen])
    weights = bootstrap_weights(
        ex.terms, ex.y, ex.groups, config.score, s.weight_boot, s.random_state, s.n_jobs
    )
    t0 = time.perf_counter()
    pipeline = fit(make_pipeline(ex.features, s, missing=ex.missing), ex.X, ex.y)
    t_fit = time.perf_counter() - t0
    if candidates is None:
        candidates = build_candidates(tables, spec.county, config, as_of)
    emu = (
        rule_emulation_check(tables, config, as_of, candidates, s)
        if emulation
        else Emulation(pd.DataFrame(), pd.DataFrame(), "not evaluated: not asked for this run")
    )
    metrics = comparison.loc[comparison["method"] == chosen].drop(columns="method")
    evaluation = Evaluation(
        folds=folds,
        time=split,
        feedback=feedback,
        emulation=emu,
        setting=comparison_setting(spec, ex, folds),
        preset=weights_preset(weights, f"{spec.county or 'statewide'} decisions to {as_of}"),
        tables={
            "metrics": metrics.reset_index(drop=True),
            "comparison": comparison,
            "time_split": split.table,
            "feedback": feedback.table,
            "calibration": calibration,
            "by_group": by_group,
            "weights": weights,
            "importance": split.importance,
            "inspection": inspect_unreviewed(tables, spec, ex, pipeline, candidates),
            "leakage": _checks(ex, emu, s.random_state),
            "emulation": emu.table,
        },
        timing=Timing(t_features, t_cv, t_fit, 0.0),
    )
    evaluation.timing.run = time.perf_counter() - started
    metadata = build_metadata(spec, ex, evaluation)
    return TrainResult(pipeline, metadata, evaluation.tables, evaluation.timing)
