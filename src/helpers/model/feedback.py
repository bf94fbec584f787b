"""Human feedback: the review-decision log as labels, retraining with it and how the ranking changed.

* :func:`apply_feedback` — labels updated by a decision log (reviewed people take its decision).
* :func:`feedback_effect` — test metrics of the model trained before and after the feedback.
* :func:`training_feedback` — the feedback table of a training run, or why it was not evaluated.
* :func:`feedback_report` — the log as labels for retraining (:func:`feedback_labels`) and how the
  model's ranking changed (:func:`ranking_change`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from helpers.counties import canonical_name, in_county
from helpers.errors import InputError
from helpers.model.evaluation import bootstrap_metrics, split
from helpers.model.features import build_features
from helpers.model.labels import POSITIVE_DECISIONS, decision_labels, make_labels
from helpers.model.pipeline import fit, make_pipeline, scores
from helpers.model.settings import ModelSettings
from helpers.screening.candidates import build_candidates
from helpers.screening.config import CountyConfig


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


@dataclass
class FeedbackResult:
    """The feedback table of a training run (``None`` when not evaluated) and its status.

    ``status`` is ``evaluated: <what the feedback was>`` or ``not evaluated: <why>``; it is
    recorded in the metadata and shown on the model card.
    """

    table: pd.DataFrame | None
    status: str


def _usable_log(
    decisions: pd.DataFrame | None, feedback: pd.DataFrame | None, county: str | None
) -> tuple[pd.DataFrame | None, str]:
    """(the log to learn from, or ``None``, and why not): ``feedback`` or the county's decisions."""
    if feedback is not None:
        return (None, "the feedback log is empty") if feedback.empty else (feedback, "")
    if decisions is None or decisions.empty:
        return None, "the data has no review-decision log"
    log = decisions if county is None else decisions.loc[in_county(decisions, county)]
    if log.empty:
        return None, f"the review-decision log has no decisions of {county}'s office"
    return log, ""


def training_feedback(
    label: str,
    X: pd.DataFrame,
    y: pd.Series,
    positions: tuple[np.ndarray, np.ndarray],
    settings: ModelSettings,
    *,
    decisions: pd.DataFrame | None,
    feedback: pd.DataFrame | None = None,
    county: str | None = None,
) -> FeedbackResult:
    """The feedback step of a training run: :func:`feedback_effect` on the run's split.

    ``positions`` are the (train, test) positions of the people of ``X`` and labels ``y``.  The log
    is ``feedback`` when given, else the data's ``decisions`` (of ``county``'s office).  With the
    screen label the log overrides the screen label of reviewed people; with the decision label the
    model trained on the decisions before the log's median date is compared with the whole log (or
    the labels are updated by ``feedback``).  A log that is missing or empty, or too few earlier
    positives among the training people, is reported in ``status`` instead of a table.
    """
    train, test = positions
    log, missing = _usable_log(decisions, feedback, county)
    if log is None:
        return FeedbackResult(None, f"not evaluated: {missing}")
    y_now = y.to_numpy(dtype=bool)
    if label == "screen":
        y_old, y_new = y_now, apply_feedback(y, log).to_numpy(dtype=bool)
        what = "decision log overrides the screen label of reviewed people"
    elif feedback is not None:
        y_old, y_new = y_now, apply_feedback(y, log).to_numpy(dtype=bool)
        what = "a further decision log overrides the labels of reviewed people"
    else:
        cutoff = pd.Timestamp(log["date_reviewed"].median())
        before, _ = decision_labels(X.index, log, None, before=cutoff)
        y_old, y_new = before.to_numpy(dtype=bool), y_now
        what = f"decisions before {cutoff.date()} → the whole log"
    if label == "decisions" and y_old[train].sum() < 2:
        return FeedbackResult(
            None,
            f"not evaluated: fewer than 2 training people are positive before the feedback ({what})",
        )
    table = feedback_effect(X, y_old, y_new, train, test, settings)
    table.insert(0, "feedback", what)
    return FeedbackResult(table, f"evaluated: {what}")


@dataclass
class FeedbackReport:
    """The log as labels for retraining and how the model's ranking changed."""

    labels: pd.DataFrame  # cdcno, label_before, label_after, reviewed, changed
    metrics: pd.DataFrame  # feedback_effect: metric, before, after, change, intervals
    ranking: pd.DataFrame  # measure, value (overlap@k, Kendall tau, labels changed, …)
    top_before: list[str]
    top_after: list[str]


def feedback_labels(
    candidates: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    decisions: pd.DataFrame,
    county: str | None = None,
) -> pd.DataFrame:
    """Labels before (the county's screen) and after the log (reviewed people take its decision)."""
    base = make_labels(candidates, tables, "screen", county)
    known = base.notna()
    before = base[known].astype(bool)
    log = decisions
    if county is not None:
        log = log.loc[in_county(log, county)]
    after = apply_feedback(before, log).astype(bool)
    _, reviewed = decision_labels(before.index, log, None)
    return pd.DataFrame(
        {
            "cdcno": before.index.astype("string"),
            "label_before": before.to_numpy(dtype=bool),
            "label_after": after.to_numpy(dtype=bool),
            "reviewed": reviewed.to_numpy(dtype=bool),
            "changed": before.to_numpy(dtype=bool) != after.to_numpy(dtype=bool),
        }
    )


def ranking_change(score_before: np.ndarray, score_after: np.ndarray, k: int) -> dict[str, float]:
    """overlap@k (share of the top k kept) and Kendall's τ-b of the two scores (all people and the
    union of the two top-k lists)."""
    from scipy.stats import kendalltau

    a = np.asarray(score_before, dtype="float64")
    b = np.asarray(score_after, dtype="float64")
    k = int(min(k, len(a)))
    top_a = set(np.argsort(-a, kind="stable")[:k])
    top_b = set(np.argsort(-b, kind="stable")[:k])
    union = np.array(sorted(top_a | top_b), dtype=int)
    tau_all = kendalltau(a, b).statistic if len(a) > 1 else np.nan
    tau_top = kendalltau(a[union], b[union]).statistic if len(union) > 1 else np.nan
    return {
        "k": float(k),
        "overlap_at_k": len(top_a & top_b) / k if k else np.nan,
        "kendall_tau": float(tau_all),
        "kendall_tau_top_k_union": float(tau_top),
    }


def feedback_report(
    tables: dict[str, pd.DataFrame],
    decisions: pd.DataFrame,
    config: CountyConfig,
    as_of: date | str,
    *,
    county: str | None = None,
    k: int = 50,
    model_settings: ModelSettings | None = None,
    candidates: pd.DataFrame | None = None,
) -> FeedbackReport:
    """Retrain the model with the log as labels and report how the ranking changed.

    Labels: :func:`feedback_labels`.  Metrics before/after: :func:`feedback_effect`
    (same split, test people scored against the feedback labels).  Ranking: the model trained on the
    screen labels and the one trained on the feedback labels (same training people) score everybody;
    overlap@k and Kendall's τ compare the two orders (:func:`ranking_change`).
    """
    settings = model_settings or ModelSettings()
    county = canonical_name(county)
    if candidates is None:
        candidates = build_candidates(tables, county, config, as_of)
    labels = feedback_labels(candidates, tables, decisions, county)
    y0 = labels["label_before"].to_numpy(dtype=bool)
    y1 = labels["label_after"].to_numpy(dtype=bool)
    for name, y in (("before", y0), ("after", y1)):
        if y.sum() < 2 or (~y).sum() < 2:
            raise InputError(f"too few positive or negative labels {name} feedback to retrain")
    X_all = build_features(tables, as_of, config)
    X_all = X_all.loc[~X_all.index.duplicated()]
    X = X_all.reindex(pd.Index(labels["cdcno"]))
    X = X[[c for c in X.columns if X[c].notna().any()]]
    train, test = split(y1, settings)
    metrics = feedback_effect(X, y0, y1, train, test, settings)
    cols = list(X.columns)
    m0 = fit(make_pipeline(cols, settings), X.iloc[train], y0[train])
    m1 = fit(make_pipeline(cols, settings), X.iloc[train], y1[train])
    s0, s1 = scores(m0, X), scores(m1, X)
    change = ranking_change(s0, s1, k)
    ids = labels["cdcno"].astype(str).to_numpy()
    kk = int(change["k"])
    top0 = ids[np.argsort(-s0, kind="stable")[:kk]].tolist()
    top1 = ids[np.argsort(-s1, kind="stable")[:kk]].tolist()
    ranking = pd.DataFrame(
        [
            ("people labelled", len(labels)),
            ("people reviewed in the log", int(labels["reviewed"].sum())),
            ("labels changed by the log", int(labels["changed"].sum())),
            ("positives before", int(y0.sum())),
            ("positives after", int(y1.sum())),
            ("k", kk),
            ("overlap@k (share of the top k kept)", change["overlap_at_k"]),
            ("Kendall tau, all people", change["kendall_tau"]),
            ("Kendall tau, union of the two top-k lists", change["kendall_tau_top_k_union"]),
        ],
        columns=["measure", "value"],
    )
    return FeedbackReport(labels, metrics, ranking, top0, top1)
