"""Mandated-review compliance: did each county's office review the extreme outliers the mandate asks?

:func:`compliance` gives, per county and year: the extreme outliers, the reviews the mandate requires,
the outliers reviewed (a log entry of the county's office dated in the year with the outlier's CDCR
number or controlling case number), whether the mandate was met, the shortfall, and the outliers
still unreviewed; :func:`compliance_statement` says it in a plain sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from helpers.accountability.settings import Settings, load_settings
from helpers.counties import canonical_counties, county_table, in_county
from helpers.errors import InputError
from helpers.screening.config import CountyConfig, Mandate

ConfigLike = CountyConfig | Callable[[str], CountyConfig] | Mapping[str, CountyConfig] | None
"""Where a county's mandate comes from: one configuration, a function or mapping of county →
configuration, or ``None`` (the settings' fallback mandate)."""
COMPLIANCE_COLUMNS = [
    "county", "fips", "year", "outliers", "required", "reviewed", "reviewed_priority",
    "mandate_met", "shortfall", "required_fewer", "met_fewer", "required_more", "met_more",
    "reading", "unreviewed", "unreviewed_case_numbers", "reviews_logged", "mandate", "statement",
]  # fmt: skip
"""The columns of :func:`compliance`."""
READINGS = ("fewer", "more")
"""The two readings of "review at least 5 or 50 %": at least the fewer (min) or the more (max)."""


def mandate_text(mandate: Mandate) -> str:
    """``at least 5 or 50 % of extreme outliers, whichever is fewer``."""
    return (
        f"at least {mandate.min_cases} or {mandate.share:.0%} of extreme outliers, "
        f"whichever is {mandate.whichever}"
    ).replace("%", " %")


def _mandate_getter(config: ConfigLike, settings: Settings) -> Callable[[str], Mandate]:
    """County → mandate, from one configuration, a mapping, a function, or the settings' fallback."""
    if config is None:
        return lambda _county: settings.mandate
    if isinstance(config, CountyConfig):
        return lambda _county: config.mandate
    if isinstance(config, Mapping):
        return lambda county: config[county].mandate if county in config else settings.mandate
    return lambda county: config(county).mandate


def _norm(values: pd.Series) -> pd.Series:
    """Identifiers (CDCR and case numbers) compared without case or surrounding spaces."""
    return values.astype("string").fillna("").str.strip().str.upper()


def _county_key(values: pd.Series) -> pd.Series:
    """Canonical county names ('' where unknown), to match log entries with candidates."""
    return canonical_counties(values)["county"].fillna("")


def _case_numbers(candidates: pd.DataFrame, people: pd.DataFrame | None) -> pd.Series:
    """The controlling case number of each candidate (from the candidates, else from ``people``)."""
    for col in ("case_number", "controlling_case_number"):
        if col in candidates:
            return candidates[col].astype("string").fillna("")
    if people is not None and "controlling_case_number" in people:
        m = people.drop_duplicates("cdcno").set_index("cdcno")["controlling_case_number"]
        return candidates["cdcno"].map(m).astype("string").fillna("")
    return pd.Series("", index=candidates.index, dtype="string")


def in_year(decisions: pd.DataFrame, year: int) -> pd.DataFrame:
    """Log entries dated in calendar ``year``."""
    when = pd.to_datetime(decisions["date_reviewed"], errors="coerce")
    return decisions.loc[(when.dt.year == int(year)).fillna(False).to_numpy(dtype=bool)]


def compliance_statement(row: Mapping[str, Any]) -> str:
    """A plain sentence on one county-year of :func:`compliance`, under the configured reading,
    with what the other reading of the mandate would have required."""
    county, year = row["county"], row["year"]
    outliers, required, reviewed = int(row["outliers"]), int(row["required"]), int(row["reviewed"])
    rule = row["mandate"]
    if outliers == 0:
        return (
            f"{county} had no extreme-outlier cases on the list in {year}; the review mandate "
            f"({rule}) required no reviews."
        )
    other = "more" if row.get("reading", "fewer") == "fewer" else "fewer"
    other_required = int(row.get(f"required_{other}", required))
    other_met = bool(row.get(f"met_{other}", row["mandate_met"]))
    other_text = (
        f" Read as whichever is {other}, the mandate would require {other_required}, which "
        f"{county} {'met' if other_met else 'did not meet'}."
    )
    if row["mandate_met"]:
        return (
            f"{county} met the review mandate in {year}: it reviewed {reviewed} of its {outliers} "
            f"extreme-outlier cases, and the mandate ({rule}) required {required}." + other_text
        )
    left = outliers - reviewed
    return (
        f"{county} did not meet the review mandate in {year}: it reviewed {reviewed} of the "
        f"{required} extreme-outlier cases the mandate ({rule}) requires, a shortfall of "
        f"{int(row['shortfall'])}. {left} of its {outliers} extreme-outlier cases remain unreviewed."
        + other_text
    )


def reviewed_outliers(
    candidates: pd.DataFrame,
    decisions: pd.DataFrame,
    year: int,
    *,
    people: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The extreme outliers with ``reviewed`` (bool) and the year's latest ``decision`` per outlier.

    An outlier counts as reviewed when the log of its county's office has an entry dated in ``year``
    with its CDCR number, or with its controlling case number.
    """
    out = candidates.loc[candidates["outlier"].astype("boolean").fillna(False).to_numpy(bool)]
    out = out.assign(case_number=_case_numbers(candidates, people).loc[out.index].to_numpy())
    if "outlier_severity" not in out:
        out = out.assign(outlier_severity=0.0)
    if "review_required" not in out:
        out = out.assign(review_required=False)
    decision = _latest_decisions(out, in_year(decisions, year))
    out = out.assign(
        decision=pd.array(decision, dtype="string"),
        reviewed=np.array([d is not None for d in decision], dtype=bool),
    )
    order = np.lexsort((out["cdcno"].astype(str).to_numpy(), -out["outlier_severity"].to_numpy(float),
                        out["county"].astype(str).to_numpy()))  # fmt: skip
    return out.iloc[order].reset_index(drop=True)


def _latest_decisions(outliers: pd.DataFrame, log: pd.DataFrame) -> list[str | None]:
    """Each outlier's latest decision in ``log`` by its county's office (by CDCR number, else by
    case number); ``None`` when the office did not review it."""
    log = log.sort_values("date_reviewed", kind="stable")
    county_l, cdc_l, case_l = (
        _county_key(log["county"]),
        _norm(log["cdcno"]),
        _norm(log["case_number"]),
    )
    by_id = dict(zip(zip(county_l, cdc_l, strict=True), log["decision"], strict=True))
    by_case = {
        k: v
        for k, v in zip(zip(county_l, case_l, strict=True), log["decision"], strict=True)
        if k[1]
    }
    county_o, cdc_o, case_o = (
        _county_key(outliers["county"]),
        _norm(outliers["cdcno"]),
        _norm(outliers["case_number"]),
    )
    return [
        by_id.get((c, i)) or (by_case.get((c, k)) if k else None)
        for c, i, k in zip(county_o, cdc_o, case_o, strict=True)
    ]


def compliance(
    candidates: pd.DataFrame,
    decisions: pd.DataFrame,
    config: ConfigLike = None,
    year: int | None = None,
    *,
    people: pd.DataFrame | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Mandated-review compliance per county (of ``candidates``) in ``year``.

    Columns: ``county, fips, year, outliers, required`` (:meth:`Mandate.required` of the county's
    configuration), ``reviewed`` (outliers reviewed in the year), ``reviewed_priority`` (of those on
    the county's mandate list, ``review_required``), ``mandate_met``, ``shortfall``
    (required − reviewed, at least 0), ``unreviewed`` (CDCR numbers, most extreme first),
    ``unreviewed_case_numbers``, ``reviews_logged`` (all log entries of the office in the year),
    ``mandate`` (the rule in words) and ``statement`` (:func:`compliance_statement`).
    """
    if year is None:
        raise InputError("a year is needed (--year YYYY)")
    settings = settings or load_settings()
    mandate_for = _mandate_getter(config, settings)
    out_list = reviewed_outliers(candidates, decisions, year, people=people)
    logged = _county_key(in_year(decisions, year)["county"]).value_counts()
    table = county_table()
    fips = dict(zip(table["county"], table["fips"], strict=True))
    rows = []
    for county in sorted(candidates["county"].dropna().astype(str).unique()):
        row = _county_row(out_list.loc[in_county(out_list, county)], mandate_for(county))
        row = {
            "county": county,
            "fips": fips.get(county, pd.NA),
            "year": int(year),
            **row,
            "reviews_logged": int(logged.get(county, 0)),
        }
        rows.append(row | {"statement": compliance_statement(row)})
    return pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS)


def _county_row(part: pd.DataFrame, mandate: Mandate) -> dict[str, Any]:
    """One county's outliers against its mandate: required, reviewed, met, shortfall, unreviewed."""
    n = len(part)
    required = int(mandate.required(n))
    reviewed = int(part["reviewed"].sum())
    left = part.loc[~part["reviewed"].to_numpy(dtype=bool)]
    by_reading = {r: int(replace(mandate, whichever=r).required(n)) for r in READINGS}
    return {
        "outliers": n,
        "required": required,
        "reviewed": reviewed,
        "reviewed_priority": int((part["reviewed"] & part["review_required"].astype(bool)).sum()),
        "mandate_met": reviewed >= required,
        "shortfall": max(required - reviewed, 0),
        "required_fewer": by_reading["fewer"],
        "met_fewer": reviewed >= by_reading["fewer"],
        "required_more": by_reading["more"],
        "met_more": reviewed >= by_reading["more"],
        "reading": mandate.whichever,
        "unreviewed": left["cdcno"].astype(str).tolist(),
        "unreviewed_case_numbers": left["case_number"].astype(str).tolist(),
        "mandate": mandate_text(mandate),
    }
