"""A training run: the model trained and evaluated so that a reviewer can trust every number.

:func:`train_model` runs these phases, each a function of this module:

1. :func:`labelled_population` — the county's candidate list (or everybody), its labels
   (:func:`helpers.model.make_labels`) and the features the data has;
2. :func:`split_population` — one stratified person-level split (natural imbalance kept);
3. :func:`fit_chosen_model` — the persisted model, fitted on the training people only, so every
   reported number describes it exactly;
4. the test metrics with bootstrap intervals, the inspection of people flagged but not labelled and
   permutation importances;
5. :func:`fit_learned_weights` — the weights of R fitted to the training labels;
6. :func:`compare_methods` — BRF, SMOTE+BRF, logistic regression, R with the office's and with the
   learned weights and, with the screen as label, BRF without the screen's own inputs (the leakage
   effect), beside the policy memo's pair, on the same split;
7. :func:`helpers.model.training_feedback` — the change when the decision log updates the labels;
8. :func:`results_by_group` — recall and selection by race group (the bias audit's measures);
9. :func:`build_metadata` — everything above, with provenance, as :class:`ModelMetadata`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from helpers.counties import canonical_name
from helpers.errors import InputError
from helpers.model.evaluation import (
    MEMO,
    bootstrap_metrics,
    inspect_flagged,
    memo_rows,
    method_metrics,
    split,
    top_k_flags,
)
from helpers.model.explanations import permutation_importances, reference_values
from helpers.model.features import FEATURES, build_features, score_terms, screen_inputs
from helpers.model.feedback import FeedbackResult, training_feedback
from helpers.model.labels import check_label, make_labels
from helpers.model.metadata import (
    ConfigSummary,
    DataSummary,
    MemoPair,
    ModelMetadata,
    Timing,
    data_hash,
    table_records,
)
from helpers.model.pipeline import fit, make_logistic, make_pipeline, method_name, scores
from helpers.model.settings import ModelSettings
from helpers.model.weights import LearnedWeights, learn_weights, weights_table
from helpers.provenance import library_versions
from helpers.screening.candidates import build_candidates
from helpers.screening.config import CountyConfig

#: Fewest positive (and negative) labels a training run accepts.
MIN_POSITIVES = 10


@dataclass
class RunSpec:
    """What a training run was asked for: county (``None`` = statewide), configuration, date,
    label and settings."""

    county: str | None
    config: CountyConfig
    as_of: date | str
    label: str
    settings: ModelSettings


@dataclass
class Population:
    """The people of a training run: the candidate list, and its labelled people's features."""

    candidates: pd.DataFrame  # the whole population
    X: pd.DataFrame  # labelled people (index cdcno) × the features the data has
    y: pd.Series  # their labels (bool, index cdcno)
    n_unlabelled: int

    @property
    def features(self) -> list[str]:
        """The feature columns used (those with at least one known value)."""
        return list(self.X.columns)


@dataclass
class TrainTestSplit:
    """Positions of the training and test people in a :class:`Population`, and their data."""

    train: np.ndarray
    test: np.ndarray
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray


@dataclass
class ChosenModel:
    """The persisted model: its pipeline, name, test scores and flags, and timings."""

    pipeline: object
    name: str
    test_scores: np.ndarray
    flagged: np.ndarray
    fit_seconds: float
    predict_seconds: float


@dataclass
class Evaluation:
    """The evaluation tables of a training run."""

    metrics: pd.DataFrame  # the chosen model's metrics with intervals
    comparison: pd.DataFrame  # methods × metrics on the same split (+ the memo's pair)
    setting: str  # the comparison's setting in words
    importance: pd.DataFrame
    weights: pd.DataFrame
    inspection: pd.DataFrame
    feedback: FeedbackResult
    by_group: pd.DataFrame | None


@dataclass
class TrainResult:
    """Everything a training run produces."""

    pipeline: object
    metadata: ModelMetadata
    metrics: pd.DataFrame  # the chosen model's metrics with intervals
    comparison: pd.DataFrame  # methods × metrics on the same split (+ the memo's pair)
    importance: pd.DataFrame
    weights: pd.DataFrame
    inspection: pd.DataFrame
    feedback: pd.DataFrame | None  # None when not evaluated: see feedback_status
    feedback_status: str  # "evaluated: …" or "not evaluated: <why>"
    by_group: pd.DataFrame | None  # None when the data has no race group
    test_ids: pd.Index


def labelled_population(
    tables: dict[str, pd.DataFrame], spec: RunSpec, candidates: pd.DataFrame | None = None
) -> Population:
    """The candidate list's labelled people with the features the data has.

    Raises :class:`InputError` when there are fewer than :data:`MIN_POSITIVES` positive or negative
    labels.
    """
    if candidates is None:
        candidates = build_candidates(tables, spec.county, spec.config, spec.as_of)
    ids = pd.Index(candidates["cdcno"].astype("string"), name="cdcno")
    X_all = build_features(tables, spec.as_of, spec.config)
    X_all = X_all.loc[~X_all.index.duplicated()]
    y_all = make_labels(candidates, tables, spec.label, spec.county)
    known = y_all.notna().to_numpy()
    X = X_all.reindex(ids[known])
    y = y_all[known].astype(bool)
    n_pos = int(y.sum())
    if n_pos < MIN_POSITIVES or len(y) - n_pos < MIN_POSITIVES:
        where = spec.county or "statewide"
        raise InputError(
            f"only {n_pos} positive and {len(y) - n_pos} negative labels ({spec.label}) in {where}: "
            f"at least {MIN_POSITIVES} of each are needed; train statewide or use another label"
        )
    used = [c for c in FEATURES if X[c].notna().any()]
    return Population(candidates, X[used], y, int((~known).sum()))


def split_population(population: Population, settings: ModelSettings) -> TrainTestSplit:
    """The stratified person-level split of the population (:func:`helpers.model.split`)."""
    X, y = population.X, population.y.to_numpy()
    train, test = split(y, settings)
    return TrainTestSplit(train, test, X.iloc[train], X.iloc[test], y[train], y[test])


def fit_chosen_model(parts: TrainTestSplit, settings: ModelSettings) -> ChosenModel:
    """The model that is saved: fitted on the training people, scored on the test people."""
    started = time.perf_counter()
    pipeline = make_pipeline(list(parts.X_train.columns), settings)
    pipeline = fit(pipeline, parts.X_train, parts.y_train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    test_scores = scores(pipeline, parts.X_test)
    predict_seconds = time.perf_counter() - started
    return ChosenModel(
        pipeline,
        method_name(settings),
        test_scores,
        test_scores >= settings.threshold,
        fit_seconds,
        predict_seconds,
    )


def fit_learned_weights(
    tables: dict[str, pd.DataFrame], spec: RunSpec, parts: TrainTestSplit
) -> tuple[LearnedWeights, np.ndarray]:
    """R's weights fitted on the training people, and −R with them for the test people."""
    terms = score_terms(tables, spec.as_of, spec.config.score)
    pos = pd.Series(np.arange(len(terms.cdcno)), index=terms.cdcno)
    learned = learn_weights(terms, parts.y_train, pos.reindex(parts.X_train.index).to_numpy())
    return learned, -learned.r(terms, pos.reindex(parts.X_test.index).to_numpy())


def screen_input_columns(spec: RunSpec, used: list[str]) -> list[str]:
    """The screen's own inputs among the features (only when the label is the screen)."""
    if spec.label != "screen":
        return []
    return [c for c in screen_inputs(spec.config) if c in used]


def _office_r_scores(candidates: pd.DataFrame, test_ids: pd.Index) -> np.ndarray:
    """−R of the test people with the office's weights (unknown R ranks last)."""
    ids = pd.Index(candidates["cdcno"].astype("string"), name="cdcno")
    r_by_id = pd.Series(candidates["R"].to_numpy(dtype="float64"), index=ids)
    r_test = r_by_id.reindex(test_ids).to_numpy(dtype="float64")
    return -np.nan_to_num(r_test, nan=np.nanmax(r_test) + 1 if np.isfinite(r_test).any() else 0.0)


def compare_methods(
    spec: RunSpec,
    population: Population,
    parts: TrainTestSplit,
    chosen: ChosenModel,
    learned_scores: np.ndarray,
    screen_columns: list[str],
    setting: str,
) -> pd.DataFrame:
    """Every method's metrics on the same test people, then the policy memo's pair.

    Rows: the chosen forest, the other forest (with or without SMOTE), logistic regression, R with
    the office's weights and with the learned weights (each flagging as many people as the chosen
    forest), and, with the screen as label, the chosen forest without ``screen_columns``.  The
    ``setting`` column holds ``setting`` (ours) or the memo's.
    """
    settings, used = spec.settings, population.features
    Xtr, Xte, ytr, yte = parts.X_train, parts.X_test, parts.y_train, parts.y_test
    at_threshold = f"score >= {settings.threshold:g}"
    features = "all" if spec.label == "decisions" else "all (incl. screen inputs)"
    n_flagged = int(chosen.flagged.sum())

    def by_threshold(method: str, columns: str, score: np.ndarray) -> pd.DataFrame:
        flags = score >= settings.threshold
        return method_metrics(method, columns, yte, score, flags, at_threshold, settings)

    def by_count(method: str, score: np.ndarray, threshold: str) -> pd.DataFrame:
        flags = top_k_flags(score, n_flagged)
        return method_metrics(method, "R only", yte, score, flags, threshold, settings)

    other_smote = not settings.smote
    other = fit(make_pipeline(used, settings, smote=other_smote), Xtr, ytr)
    logit = fit(make_logistic(used), Xtr, ytr)
    rows = [
        by_threshold(chosen.name, features, chosen.test_scores),
        by_threshold(method_name(settings, other_smote), features, scores(other, Xte)),
        by_threshold("logistic regression", features, scores(logit, Xte)),
        by_count(
            "score R (office weights)",
            _office_r_scores(population.candidates, Xte.index),
            f"best {n_flagged} by R (as many as {chosen.name} flags)",
        ),
        by_count("score R (learned weights)", learned_scores, f"best {n_flagged} by learned R"),
    ]
    if spec.label == "screen":
        kept = [c for c in used if c not in screen_columns]
        no_leak = fit(make_pipeline(kept, settings), Xtr[kept], ytr)
        rows.append(by_threshold(chosen.name, "without screen inputs", scores(no_leak, Xte[kept])))
    table = pd.concat([pd.concat(rows, ignore_index=True), memo_rows()], ignore_index=True)
    table["setting"] = np.where(table["method"] == "policy memo", MEMO["setting"], setting)
    return table


def comparison_setting(
    spec: RunSpec, population: Population, parts: TrainTestSplit, chosen: ChosenModel
) -> str:
    """Our setting in words, beside the memo's: method, label, people, split, threshold."""
    y, settings = population.y, spec.settings
    n_pos = int(y.sum())
    return (
        f"ours: {chosen.name}, label = {spec.label} ({spec.config.name}), {len(y):,} people "
        f"({n_pos:,} positive, {n_pos / len(y):.2%}), stratified person-level split, test "
        f"{len(parts.test):,} people with natural imbalance ({int(parts.y_test.sum())} positive), "
        f"threshold {settings.threshold:g}, bootstrap 95 % intervals ({settings.n_boot} replicates)"
    )


def results_by_group(
    candidates: pd.DataFrame, parts: TrainTestSplit, flagged: np.ndarray, n_boot: int
) -> pd.DataFrame | None:
    """Recall and selection by race group on the test set (public-mode suppression applied).

    ``None`` when the candidate list has no ``race_group`` column.
    """
    from helpers.audit import assistive_audit, protect_assistive_audit

    people = (
        candidates.set_index(candidates["cdcno"].astype("string"))
        .reindex(parts.X_test.index)
        .reset_index(drop=True)
    )
    if "race_group" not in people:
        return None
    table = assistive_audit(
        people, parts.y_test, flagged, groups={"race_group": ["race_group"]}, n_boot=n_boot
    )
    return protect_assistive_audit(table, "public")


def _label_definition(spec: RunSpec) -> str:
    if spec.label == "screen":
        return (
            f"the '{spec.config.name}' screen: eligible = positive; people it cannot decide are "
            "left out"
        )
    return "review-decision log: referred or resentenced = positive; everybody else negative"


def _data_summary(population: Population, parts: TrainTestSplit) -> DataSummary:
    y = population.y
    n_pos = int(y.sum())
    return DataSummary(
        training_data_sha256=data_hash(population.X, y),
        n_people=int(len(population.candidates)),
        n_labelled=int(len(y)),
        n_unlabelled=population.n_unlabelled,
        n_positive=n_pos,
        positive_share=n_pos / len(y),
        n_train=int(len(parts.train)),
        n_test=int(len(parts.test)),
        n_train_positive=int(parts.y_train.sum()),
        n_test_positive=int(parts.y_test.sum()),
        test_positive_share=float(parts.y_test.mean()),
    )


def build_metadata(
    spec: RunSpec,
    population: Population,
    parts: TrainTestSplit,
    chosen: ChosenModel,
    evaluation: Evaluation,
    screen_columns: list[str],
    run_seconds: float,
) -> ModelMetadata:
    """The run's metadata: data, configuration, parameters, provenance and every table."""
    config, settings = spec.config, spec.settings
    top = [f for f in evaluation.importance["feature"] if f in population.features]
    return ModelMetadata(
        model=f"{chosen.name} (imbalanced-learn BalancedRandomForestClassifier)",
        created=datetime.now().isoformat(timespec="seconds"),
        as_of=str(pd.Timestamp(spec.as_of).date()),
        county=spec.county or "statewide",
        label=spec.label,
        label_definition=_label_definition(spec),
        config=ConfigSummary(
            name=config.name,
            files=[str(f) for f in config.files],
            rules=[r.id for r in config.rules],
            a=config.score.a,
            b=config.score.b,
            d=config.score.d,
            factors=dict(config.score.factors),
        ),
        seed=settings.random_state,
        parameters=settings,
        features=population.features,
        screen_input_features=screen_columns,
        reference_values=reference_values(parts.X_train),
        explain_features=top[: settings.explain_features],
        data=_data_summary(population, parts),
        timing_seconds=Timing(chosen.fit_seconds, chosen.predict_seconds, run_seconds),
        versions=library_versions(),
        metrics=table_records(evaluation.metrics),
        comparison=table_records(evaluation.comparison),
        memo=MemoPair(MEMO["recall"], MEMO["precision"], MEMO["setting"]),
        setting=evaluation.setting,
        learned_weights=table_records(evaluation.weights),
        importance=table_records(evaluation.importance),
        inspection=table_records(evaluation.inspection),
        feedback=table_records(evaluation.feedback.table),
        feedback_status=evaluation.feedback.status,
        by_group=table_records(evaluation.by_group),
    )


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

    The population is the county's candidate list (or everybody); labels by
    :func:`helpers.model.make_labels`.  ``feedback`` is a decision log for
    :func:`helpers.model.training_feedback` (default: the data's own log).
    """
    settings = settings or ModelSettings()
    spec = RunSpec(canonical_name(county), config, as_of, check_label(label), settings)
    started = time.perf_counter()
    population = labelled_population(tables, spec, candidates)
    parts = split_population(population, spec.settings)
    chosen = fit_chosen_model(parts, spec.settings)
    boot = {"ks": settings.ks, "n_boot": settings.n_boot, "seed": settings.random_state}
    metrics = bootstrap_metrics(parts.y_test, chosen.test_scores, chosen.flagged, **boot)
    learned, learned_scores = fit_learned_weights(tables, spec, parts)
    screen_columns = screen_input_columns(spec, population.features)
    setting = comparison_setting(spec, population, parts, chosen)
    evaluation = Evaluation(
        metrics=metrics,
        comparison=compare_methods(
            spec, population, parts, chosen, learned_scores, screen_columns, setting
        ),
        setting=setting,
        importance=permutation_importances(chosen.pipeline, parts.X_test, parts.y_test, settings),
        weights=weights_table(learned, config.score),
        inspection=inspect_flagged(parts.X_test, parts.y_test, chosen.flagged),
        feedback=training_feedback(
            spec.label,
            population.X,
            population.y,
            (parts.train, parts.test),
            settings,
            decisions=tables.get("decisions"),
            feedback=feedback,
            county=spec.county,
        ),
        by_group=results_by_group(
            population.candidates, parts, chosen.flagged, min(settings.n_boot, 200)
        ),
    )
    run_seconds = time.perf_counter() - started
    metadata = build_metadata(
        spec, population, parts, chosen, evaluation, screen_columns, run_seconds
    )
    return TrainResult(
        chosen.pipeline,
        metadata,
        evaluation.metrics,
        evaluation.comparison,
        evaluation.importance,
        evaluation.weights,
        evaluation.inspection,
        evaluation.feedback.table,
        evaluation.feedback.status,
        evaluation.by_group,
        pd.Index(parts.X_test.index),
    )
