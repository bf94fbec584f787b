"""Labels of the model: the review-decision log (the default), or the county's screen (a diagnostic).

``decisions`` (the model that ranks people): one labelled example per decision of the log
(:func:`decision_examples`).  ``referred`` and ``resentenced`` are positive (the office found the
case suitable); ``not referred`` and ``denied`` (referred, the court declined) are negative.  People
nobody has reviewed are **unlabelled**: they are left out of training and of every evaluation (nobody
looked at them, so they are not negatives) and are only scored.  A decision about a person who is no
longer in the data cannot be given features and is left out, and counted.

``screen`` (the rule emulation check of :mod:`helpers.model.diagnostic`): the county's screen
(``eligible``; people the screen cannot decide are left out).  A model trained on it only shows how
well a model re-learns a rule; it never ranks or lists anybody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from helpers.counties import in_county
from helpers.errors import InputError

LABELS = ("decisions", "screen")
POSITIVE_DECISIONS = ("referred", "resentenced")
NEGATIVE_DECISIONS = ("not referred", "denied")
#: How people never reviewed are handled, in words (the model card quotes it).
UNLABELLED = (
    "people never reviewed are unlabelled: left out of training and of every evaluation (they are "
    "not negatives, nobody looked at them) and only scored"
)


def check_label(label: str) -> str:
    """``label`` when it is one of :data:`LABELS`, else a one-line :class:`InputError`."""
    if label not in LABELS:
        raise InputError(f"--label must be one of {', '.join(LABELS)}, not '{label}'")
    return label


@dataclass
class DecisionExamples:
    """The labelled examples of a decision log: one row per decision, and what was left out.

    ``frame`` columns: ``cdcno``, ``county``, ``date_reviewed``, ``feature_date`` (the first day of
    the decision's month: features are measured then), ``decision``, ``label`` (bool).
    """

    frame: pd.DataFrame
    n_not_in_data: int  # decisions about people the data no longer has
    n_unknown_decision: int  # decisions whose value is neither positive nor negative

    @property
    def y(self) -> np.ndarray:
        """The labels as a boolean array."""
        return self.frame["label"].to_numpy(dtype=bool)


def decision_examples(
    decisions: pd.DataFrame | None,
    people: pd.Index | pd.Series,
    county: str | None = None,
    *,
    before: date | str | pd.Timestamp | None = None,
) -> DecisionExamples:
    """The decisions (of ``county``'s office when given, before ``before`` when given) as examples.

    Rows are in date order (then ``cdcno``).  Raises :class:`InputError` when the data has no log.
    """
    if decisions is None or decisions.empty:
        raise InputError("the data has no review-decision log (decisions/review_decisions.csv)")
    d = decisions
    if county is not None:
        d = d.loc[in_county(d, county)]
    if before is not None:
        d = d.loc[(d["date_reviewed"] < pd.Timestamp(before)).fillna(False).to_numpy(dtype=bool)]
    value = d["decision"].astype("string").str.strip().str.lower()
    known = value.isin([*POSITIVE_DECISIONS, *NEGATIVE_DECISIONS]).fillna(False)
    known &= d["date_reviewed"].notna()
    ids = d["cdcno"].astype("string")
    present = ids.isin(pd.Index(pd.Series(people).astype("string"))).fillna(False)
    keep = (known & present).to_numpy(dtype=bool)
    when = pd.to_datetime(d["date_reviewed"])
    frame = pd.DataFrame(
        {
            "cdcno": ids.to_numpy(),
            "county": d["county"].astype("string").to_numpy(),
            "date_reviewed": when.to_numpy(),
            "feature_date": when.dt.to_period("M").dt.start_time.to_numpy(),
            "decision": value.to_numpy(),
            "label": value.isin(POSITIVE_DECISIONS).fillna(False).to_numpy(dtype=bool),
        }
    ).loc[keep]
    frame["cdcno"] = frame["cdcno"].astype("string")
    frame = frame.sort_values(["date_reviewed", "cdcno"], kind="stable").reset_index(drop=True)
    return DecisionExamples(
        frame,
        n_not_in_data=int((known & ~present).sum()),
        n_unknown_decision=int((~known).sum()),
    )


def reviewed_people(decisions: pd.DataFrame | None, county: str | None = None) -> pd.Index:
    """The people with at least one decision (of ``county``'s office when given)."""
    if decisions is None or decisions.empty:
        return pd.Index([], dtype="string")
    d = decisions if county is None else decisions.loc[in_county(decisions, county)]
    return pd.Index(d["cdcno"].astype("string").unique())


def screen_labels(candidates: pd.DataFrame) -> pd.Series:
    """The screen as a label (index ``cdcno``): ``eligible``, NA where the screen cannot decide."""
    ids = pd.Index(candidates["cdcno"].astype("string"), name="cdcno")
    return pd.Series(candidates["eligible"].astype("boolean").to_numpy(), index=ids, name="label")
