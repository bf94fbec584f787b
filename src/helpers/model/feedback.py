"""Feedback, honestly evaluated: does the model improve as review decisions accumulate?

Two models are trained the same way, one on the decisions before an earlier date, one on the
decisions before a later date (the feedback: the decisions in between), and both are scored on the
decisions after the later date of people that neither training set includes.  Neither model ever saw
the test decisions, so "after" does not win by construction.  Each model's precision@k and recall@k
have Wilson intervals and its PR-AUC a bootstrap over people (as on the time split); the change of
each metric has a paired bootstrap interval (both scores evaluated on the same resampled people).

Dates: the later one is the time split's cutoff (:func:`helpers.model.time_cutoff`), the earlier one
the first day of the month of the median date of the decisions before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.model.crossval import Method, time_cutoff, time_split
from helpers.model.evaluation import count_text, holdout_metrics, paired_change
from helpers.model.settings import ModelSettings

#: Fewest positive and negative decisions each training set (and one positive the test) needs.
MIN_FEEDBACK = 10


@dataclass
class FeedbackResult:
    """The feedback table (``None`` when not evaluated) and its status in words.

    ``status`` is ``evaluated: <dates and counts>`` or ``not evaluated: <why>``; it is recorded in
    the metadata and shown on the model card.
    """

    table: pd.DataFrame | None
    status: str
    cutoffs: list[str]


def feedback_dates(dates: pd.Series, settings: ModelSettings) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(earlier date, later date) of the feedback comparison."""
    when = pd.to_datetime(pd.Series(dates))
    later = time_cutoff(when, settings.time_test_share)
    earlier = time_cutoff(when[when < later], 0.5)
    return earlier, later


def _counts(y: np.ndarray) -> str:
    return f"{count_text(len(y))} decisions, {count_text(int(y.sum()))} positive"


def feedback_evaluation(
    method: Method, y: np.ndarray, dates: pd.Series, groups: pd.Series, settings: ModelSettings
) -> FeedbackResult:
    """Train ``method`` before the earlier and before the later date; test both on later decisions."""
    y = np.asarray(y, dtype=bool)
    if len(y) == 0:
        return FeedbackResult(None, "not evaluated: no decisions", [])
    earlier, later = feedback_dates(dates, settings)
    when = pd.to_datetime(pd.Series(dates)).reset_index(drop=True)
    after_train, test, _ = time_split(when, groups, later)
    before_train = np.flatnonzero((when < earlier).to_numpy(dtype=bool))
    cutoffs = [str(earlier.date()), str(later.date())]
    for name, rows in (("before", before_train), ("after", after_train)):
        pos = int(y[rows].sum())
        if pos < MIN_FEEDBACK or len(rows) - pos < MIN_FEEDBACK:
            why = (
                f"the training decisions {name} the feedback have {count_text(pos)} positive of "
                f"{count_text(len(rows))}"
            )
            return FeedbackResult(
                None, f"not evaluated: {why} (at least {MIN_FEEDBACK} needed)", []
            )
    if not y[test].any():
        return FeedbackResult(None, "not evaluated: no positive decision after the later date", [])
    s0, s1 = method(before_train, test), method(after_train, test)
    boot = {"ks": settings.ks, "n_boot": settings.n_boot, "seed": settings.random_state}
    parts = []
    for name, s in (("before", s0), ("after", s1)):
        m = holdout_metrics(y[test], s, **boot).set_index("metric")[["value", "ci_low", "ci_high"]]
        parts.append(
            m.rename(columns={"value": name, "ci_low": f"{name}_low", "ci_high": f"{name}_high"})
        )
    change = paired_change(y[test], s0, s1, **boot).set_index("metric")
    table = pd.concat([*parts, change], axis=1).reset_index()
    status = (
        f"evaluated: trained on the decisions before {earlier.date()} "
        f"({_counts(y[before_train])}) and before {later.date()} ({_counts(y[after_train])}); "
        f"both tested on the {_counts(y[test])} from {later.date()} of people neither saw"
    )
    return FeedbackResult(table, status, cutoffs)
