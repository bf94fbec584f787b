"""The candidate list: screens + score + rank + extreme outliers, one row per person.

:func:`build_candidates` is the contract other modules (model, bias audit, notebooks) call: its name
and columns are kept stable.  :func:`screen_folder` is ``secondlook screen``: the list of one county
and the files written beside it (:func:`write_screen_outputs`).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.counties import canonical_name, in_county
from helpers.data.ingest import Dataset, load_dataset
from helpers.data.quarantine import quarantine_totals
from helpers.errors import InputError
from helpers.screening.config import FACTOR_DIRECTIONS, CountyConfig, load_config
from helpers.screening.outliers import find_outliers, mandate_list
from helpers.screening.score import (
    add_person_positions,
    offense_row_levels,
    rank_within_county,
    score,
    sensitivity,
)
from helpers.screening.screens import prepare, screen
from helpers.spreadsheets import write_csv, write_xlsx

FACTOR_COLUMNS = [f"factor_{name}" for name in FACTOR_DIRECTIONS]
CANDIDATE_COLUMNS = [
    "cdcno",
    "county",
    "eligible",
    "eligibility",
    "failed_rules",
    "unknown_rules",
    "passed_rules",
    "undecided_rules",
    "near_miss",
    "eligible_on",
    "R",
    "score_status",
    "rank",
    "outlier",
    "outlier_reason",
    *FACTOR_COLUMNS,
]


def build_candidates(
    tables: dict[str, pd.DataFrame],
    county: str | None,
    config: CountyConfig | None = None,
    as_of: date | str | None = None,
) -> pd.DataFrame:
    """One row per person of ``county`` (all counties if ``None``), best candidates first.

    Screens, score and peer statistics are computed statewide (peers are statewide), then the county's
    rows are kept.  ``config`` defaults to :func:`helpers.screening.config.load_config` for the county.

    Columns (stable):

    * ``cdcno``, ``county``
    * ``eligible`` (True/False/NA), ``eligibility`` ('eligible' | 'not eligible' | 'unknown'),
      ``failed_rules`` and ``unknown_rules`` (``rule: reason`` of every failing or undecided rule in
      the configuration's order, ``" | "``-joined; '' when none), ``passed_rules`` and
      ``undecided_rules`` (rule ids), ``near_miss`` (the one rule failed, when exactly one fails) and
      ``eligible_on`` (the date the person will pass when only rules that time alone satisfies —
      time served, age, years since a prior — stand in the way)
    * ``R`` (lower = better candidate; <NA> when ``score_status`` is ``cannot_score``), ``rank``
      (1 = first to review within the county: eligible, then unknown, then not eligible; scored
      before cannot_score; R ascending; ties by longer time served, older age, cdcno)
    * ``outlier`` (bool), ``outlier_reason`` (words; '' when not an outlier), ``outlier_severity``,
      ``review_required`` (within the county's mandate: review at least 5 or 50 % of outliers)
    * ``factor_<name>`` — the y_i ∈ [0, 1] of every factor (age, youth_at_offense, time_served,
      rules_violations, education_rehabilitation, mental_illness, trauma_abuse, ipv_trafficking,
      elderly_poor_health), ``factor_sum`` (Σ x_i·y_i), ``factor_data_missing``
    * score parts: ``current_sum`` (Σf current), ``prior_sum`` (Σf prior·d^t), ``levels_missing``,
      ``unscored_current`` and ``unscored_priors`` (the codes without a level), ``offense_level``
      and ``guideline_ratio`` (actual ÷ USSG guideline maximum, CHC I)
    * context: ``age``, ``age_source``, ``age_estimated``, ``age_at_offense``,
      ``age_at_offense_estimated``, ``sentence_type``, ``sentence_years``, ``time_served_years``,
      ``controlling_offense_key``, ``race_group``, ``sex_registrant_derived`` and one ``rule_<id>``
      column per rule of the configuration.
    """
    if as_of is None:
        raise InputError("an as-of date is needed (--as-of YYYY-MM-DD)")
    name = canonical_name(county)
    config = config if config is not None else load_config(name)
    tables = add_person_positions(tables)
    out = _statewide_candidates(tables, config, as_of)
    if name is not None:
        out = out.loc[in_county(out, name)]
    out = out.reset_index(drop=True)
    out["rank"] = rank_within_county(out)
    order = np.lexsort(
        (out["rank"].to_numpy(), out["county"].astype("string").fillna("").to_numpy())
    )
    return out.iloc[order].reset_index(drop=True)


SCREEN_COLUMNS = [
    "cdcno",
    "county",
    "eligible",
    "eligibility",
    "failed_rules",
    "unknown_rules",
    "passed_rules",
    "undecided_rules",
    "near_miss",
    "eligible_on",
]
SCORE_COLUMNS = [*FACTOR_COLUMNS, "factor_sum", "factor_data_missing"]
SCORE_COLUMNS += ["current_sum", "prior_sum", "levels_missing", "unscored_current"]
SCORE_COLUMNS += ["unscored_priors"]
CONTEXT_COLUMNS = [
    "age",
    "age_source",
    "age_at_offense",
    "sentence_type",
    "sentence_years",
    "time_served_years",
    "controlling_offense_key",
    "race_group",
]


def _statewide_candidates(
    tables: dict[str, pd.DataFrame], config: CountyConfig, as_of: date | str
) -> pd.DataFrame:
    """Screens, score, outliers and the mandate for everybody, one row per person (not ranked)."""
    people = tables["people"]
    screened = screen(tables, config, data=prepare(tables, as_of))
    rows = offense_row_levels(tables, config.score)
    scored = score(tables, config, as_of, rows=rows)
    outliers = find_outliers(tables, config, rows=rows)
    review = mandate_list(outliers, config).set_index("cdcno")["review_required"]
    out = screened[SCREEN_COLUMNS].assign(
        R=scored["R"].to_numpy(),
        score_status=scored["score_status"].to_numpy(),
        rank=0,
        outlier=outliers["outlier"].to_numpy(),
        outlier_reason=outliers["outlier_reason"].to_numpy(),
    )
    extra = pd.concat(
        [
            scored[SCORE_COLUMNS],
            outliers[["outlier_severity", "offense_level", "guideline_ratio"]],
            people[[c for c in CONTEXT_COLUMNS if c in people]],
            screened.drop(columns=SCREEN_COLUMNS),
        ],
        axis=1,
    )
    out = pd.concat([out.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)
    out.insert(
        out.columns.get_loc("outlier_reason") + 1,
        "review_required",
        out["cdcno"].map(review).fillna(False).astype(bool).to_numpy(),
    )
    return out


def summary(candidates: pd.DataFrame, config: CountyConfig | None = None) -> dict[str, Any]:
    """Counts for ``summary.json``: people, eligibility, outliers and the mandate, rule failures."""
    elig = candidates["eligibility"].value_counts()
    n_out = int(candidates["outlier"].sum())
    failures: dict[str, dict[str, int]] = {}
    for col in [c for c in candidates.columns if c.startswith("rule_")]:
        failures[col.removeprefix("rule_")] = {
            "failed": int((candidates[col] == False).sum()),  # noqa: E712 - NA-aware
            "unknown": int(candidates[col].isna().sum()),
        }
    out: dict[str, Any] = {
        "people": int(len(candidates)),
        "counties": sorted(candidates["county"].dropna().astype(str).unique().tolist()),
        "eligible": int(elig.get("eligible", 0)),
        "not_eligible": int(elig.get("not eligible", 0)),
        "unknown": int(elig.get("unknown", 0)),
        "age_estimated": int(candidates.get("age_estimated", pd.Series(dtype=bool)).sum()),
        "outliers": n_out,
        "outlier_reviews_required": int(
            candidates.get("review_required", pd.Series(dtype=bool)).sum()
        ),
        "rules": failures,
        "R": {
            "min": _num(candidates["R"].min()),
            "median": _num(candidates["R"].median()),
            "max": _num(candidates["R"].max()),
        },
    }
    if config is not None:
        out["config"] = {
            "name": config.name,
            "files": config.files,
            "rules": [r.id for r in config.rules],
            "a": config.score.a,
            "b": config.score.b,
            "d": config.score.d,
            "factor_weights": config.score.factors,
            "mandate": {
                "min_cases": config.mandate.min_cases,
                "share": config.mandate.share,
                "whichever": config.mandate.whichever,
            },
        }
    return out


def _num(value: Any) -> float | None:
    return None if pd.isna(value) else round(float(value), 6)


#: Columns of ``outliers.csv`` (the mandate list), when present.
OUTLIER_LIST_COLUMNS = [
    "county",
    "outlier_rank",
    "cdcno",
    "review_required",
    "county_outliers",
    "required_reviews",
    "outlier_severity",
    "guideline_ratio",
    "offense_level",
    "eligibility",
    "R",
    "rank",
    "outlier_reason",
]


def write_candidates_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    """Excel copy of a table (NA as blank, infinity as 'life', dates as ``YYYY-MM-DD``), through
    the project's safe writer (:func:`helpers.spreadsheets.write_xlsx`)."""
    return write_xlsx({"candidates": frame}, path, infinity="life")


def write_screen_outputs(
    candidates: pd.DataFrame,
    config: CountyConfig,
    out: Path,
    top_k: int | None = None,
    about: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``candidates.csv``/``.xlsx``, ``outliers.csv`` (the mandate list), ``sensitivity.csv``
    and ``summary.json`` (:func:`summary` plus ``about``) into ``out``; return the summary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(candidates, out / "candidates.csv")
    write_candidates_xlsx(candidates, out / "candidates.xlsx")
    outliers = mandate_list(candidates, config)
    write_csv(outliers[[c for c in OUTLIER_LIST_COLUMNS if c in outliers]], out / "outliers.csv")
    write_csv(sensitivity(candidates, config, top_k), out / "sensitivity.csv")
    info = summary(candidates, config) | (about or {})
    (out / "summary.json").write_text(json.dumps(info, indent=2, default=str))
    return info


def screen_folder(
    data: Path,
    out: Path,
    *,
    as_of: date | str | None = None,
    county: str | None = None,
    config_path: Path | None = None,
    top_k: int | None = None,
) -> dict[str, Any]:
    """``secondlook screen``: the candidate list of ``county`` (all counties if ``None``) from an
    ingested folder (or raw files, with ``as_of``), written by :func:`write_screen_outputs`.

    The as-of date is the data's (a different ``as_of`` is refused by
    :func:`helpers.data.ingest.load_dataset`); ``config_path`` defaults to the county's file.
    Raw files are ingested on the fly and their quarantine is written beside the list
    (``quarantine.csv``).  Returns the summary, with ``as_of``, ``county``, ``data`` and what the
    ingest quarantined (``quarantined_rows``, ``quarantine_problems``, ``quarantine_file``).
    """
    dataset = load_dataset(data, as_of)
    name = canonical_name(county)
    config = load_config(name, config_path)
    candidates = build_candidates(dataset.tables, name, config, dataset.as_of)
    about = {"as_of": dataset.as_of.isoformat(), "county": name, "data": str(data)}
    info = write_screen_outputs(
        candidates, config, out, top_k, about | _quarantine_about(dataset, data, out)
    )
    return info


def _quarantine_about(dataset: Dataset, data: Path, out: Path) -> dict[str, Any]:
    """What the data's ingest quarantined: rows, problems and the file that lists them (written
    into ``out`` when the raw files were ingested on the fly)."""
    if dataset.quarantine is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        path = Path(out) / "quarantine.csv"
        write_csv(dataset.quarantine, path)
        totals = quarantine_totals(dataset.quarantine)
    else:
        path = Path(data) / "quarantine.csv"
        totals = {"rows": dataset.manifest.quarantined_rows}
        totals["problems"] = dataset.manifest.quarantine_problems
    return {
        "quarantined_rows": totals["rows"],
        "quarantine_problems": totals["problems"],
        "quarantine_file": str(path),
    }
