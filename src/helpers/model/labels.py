"""Labels of the model: the county's screen, or the review-decision log.

``screen``: the county's screen (``eligible``; people the screen cannot decide are left out of
training and evaluation).  ``decisions``: the review-decision log (a person is positive when any
decision is ``referred`` or ``resentenced``; everybody else in the population is negative, including
people never reviewed).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from helpers.counties import in_county
from helpers.errors import InputError

LABELS = ("screen", "decisions")
POSITIVE_DECISIONS = ("referred", "resentenced")


def check_label(label: str) -> str:
    """``label`` when it is one of :data:`LABELS`, else a one-line :class:`InputError`."""
    if label not in LABELS:
        raise InputError(f"--label must be one of {', '.join(LABELS)}, not '{label}'")
    return label


def decision_labels(
    cdcno: pd.Index | pd.Series,
    decisions: pd.DataFrame | None,
    county: str | None = None,
    positive: tuple[str, ...] = POSITIVE_DECISIONS,
    before: date | str | pd.Timestamp | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Per person: positive (any decision in ``positive``) and reviewed (any decision at all).

    Only decisions of ``county``'s office (when given) and reviewed before ``before`` (when given).
    """
    ids = pd.Index(pd.Series(cdcno).astype("string"))
    if decisions is None or decisions.empty:
        raise InputError("the data has no review-decision log (decisions/review_decisions.csv)")
    d = decisions
    if county is not None:
        d = d.loc[in_county(d, county)]
    if before is not None:
        d = d.loc[(d["date_reviewed"] < pd.Timestamp(before)).fillna(False).to_numpy(dtype=bool)]
    who = d["cdcno"].astype("string")
    pos = set(who[d["decision"].isin(positive).to_numpy(dtype=bool)])
    seen = set(who)
    return (
        pd.Series(ids.isin(list(pos)), index=ids, name="label"),
        pd.Series(ids.isin(list(seen)), index=ids, name="reviewed"),
    )


def make_labels(
    candidates: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    label: str,
    county: str | None = None,
) -> pd.Series:
    """Labels of the candidate list's people (index ``cdcno``): boolean, NA = undecided.

    ``screen``: ``eligible`` (NA where the screen says unknown).  ``decisions``: positive when the
    log (of ``county``'s office when given) has a ``referred`` or ``resentenced`` decision.
    """
    ids = pd.Index(candidates["cdcno"].astype("string"), name="cdcno")
    if check_label(label) == "screen":
        return pd.Series(
            candidates["eligible"].astype("boolean").to_numpy(), index=ids, name="label"
        )
    y, _ = decision_labels(ids, tables.get("decisions"), county)
    return y.astype("boolean").rename_axis("cdcno")
