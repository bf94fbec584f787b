"""Model-ranked lists, legal exclusions first, and which model ranks each county.

* :func:`rank_candidates` — the model's columns of a candidate list.  Only people the county's own
  screen passes (``eligible``) or cannot decide (``unknown``) are scored and ranked; everybody else
  gets no score, no rank and a ``model_status`` saying why, so a model-ranked list never holds a
  person the screen excludes.
* :func:`county_plan` — per county, its office's decisions and the model that ranks its people: its
  own when the office has at least :data:`COUNTY_MIN_POSITIVES` positive and
  :data:`COUNTY_MIN_NEGATIVES` negative decisions, else the statewide model (trained on every
  office's decisions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from helpers.counties import in_county
from helpers.model.features import build_features, restrict_to_people
from helpers.model.labels import decision_examples
from helpers.model.metadata import ModelMetadata
from helpers.model.persistence import model_ranks, predict
from helpers.screening.config import CountyConfig

#: Screen outcomes whose people the model may rank.
RANKABLE = ("eligible", "unknown")
RANKED = "ranked"
#: Columns :func:`rank_candidates` adds (replacing them when the list already has them).
MODEL_COLUMNS = ("model_score", "model_rank", "model_status", "model_source", "top_features")
#: Fewest positive and negative decisions of a county's own office for a county model.
COUNTY_MIN_POSITIVES = 100
COUNTY_MIN_NEGATIVES = 100
STATEWIDE = "statewide model"
COUNTY = "county model"


def model_status(eligibility: pd.Series) -> pd.Series:
    """``ranked`` where the screen passes or cannot decide, else why the person is not ranked."""
    value = pd.Series(eligibility).astype("string").fillna("missing")
    rankable = value.isin(RANKABLE).to_numpy(dtype=bool)
    why = "not ranked: the county's screen says " + value
    return pd.Series(np.where(rankable, RANKED, why.to_numpy(dtype=object)), index=value.index)


@dataclass
class Ranker:
    """A trained model as it ranks a list: pipeline, metadata and which model it is."""

    pipeline: Any
    metadata: ModelMetadata
    source: str = STATEWIDE


def rank_candidates(
    candidates: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    config: CountyConfig,
    as_of: date | str,
    ranker: Ranker,
    *,
    explain: bool = True,
    explain_top: int = 1000,
) -> pd.DataFrame:
    """``candidates`` with :data:`MODEL_COLUMNS`, ranks within each county among ranked people.

    Only ranked people are scored (features from the tables as of ``as_of``); only the best
    ``explain_top`` per county (0 = every ranked person) get ``top_features``.
    """
    pipeline, metadata, source = ranker.pipeline, ranker.metadata, ranker.source
    out = candidates.drop(columns=list(MODEL_COLUMNS), errors="ignore").reset_index(drop=True)
    status = model_status(out["eligibility"]).to_numpy(dtype=object)
    ranked = status == RANKED
    ids = pd.Index(out["cdcno"].astype("string"))
    score = np.full(len(out), np.nan)
    rank = pd.array(np.full(len(out), pd.NA), dtype="Int64")
    why = np.full(len(out), "", dtype=object)
    if ranked.any():
        who = ids[ranked]
        X = build_features(restrict_to_people(tables, who), as_of, config)
        X = X.loc[~X.index.duplicated()].reindex(who)
        score[ranked] = predict(pipeline, metadata, X, explain_rows=False)["model_score"].to_numpy()
        county = out["county"][ranked] if "county" in out else None
        r = model_ranks(score[ranked], county)
        rank[np.flatnonzero(ranked)] = r
        if explain:
            rows = r <= explain_top if explain_top else np.ones(len(r), dtype=bool)
            text = predict(pipeline, metadata, X, explain_rows=rows)["top_features"]
            why[ranked] = text.to_numpy(dtype=object)
    out["model_score"] = score
    out["model_rank"] = rank
    out["model_status"] = pd.array(status, dtype="string")
    out["model_source"] = pd.array(np.where(ranked, source, ""), dtype="string")
    if explain:
        out["top_features"] = pd.array(why, dtype="string")
    return out


def county_plan(
    decisions: pd.DataFrame | None, people: pd.Series, counties: list[str]
) -> pd.DataFrame:
    """Per county: its office's usable decisions, positives, negatives and the model ranking it."""
    rows = []
    examples = (
        decision_examples(decisions, people).frame
        if decisions is not None and not decisions.empty
        else pd.DataFrame({"county": pd.Series(dtype="string"), "label": pd.Series(dtype=bool)})
    )
    for county in counties:
        y = examples["label"].to_numpy(dtype=bool)[in_county(examples, county)]
        n_pos, n_neg = int(y.sum()), int((~y).sum())
        own = n_pos >= COUNTY_MIN_POSITIVES and n_neg >= COUNTY_MIN_NEGATIVES
        rows.append(
            {
                "county": county,
                "n_decisions": n_pos + n_neg,
                "n_positive": n_pos,
                "n_negative": n_neg,
                "model": COUNTY if own else STATEWIDE,
            }
        )
    return pd.DataFrame(rows)
