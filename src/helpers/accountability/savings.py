"""Savings: years of incarceration avoided × cost per person-year, split between county and state.

Both **projected** (the top-k eligible resentenced on the as-of date, :func:`projected_years`; an
upper bound, and as scenarios by :func:`savings_scenarios`: the share actually resentenced,
average or marginal cost, discounting) and **realised** (the resentencings in the decision log,
:func:`realised_years`), per county and statewide (:func:`savings`); :func:`statewide_table` puts compliance and savings of all 58 counties
side by side for the map, small cells suppressed in public mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from helpers.accountability.compliance import ConfigLike, compliance, in_year
from helpers.accountability.settings import Settings, load_settings
from helpers.counties import county_table
from helpers.privacy import check_mode, suppress

DAYS_PER_YEAR = 365.25
"""Days in a year, for years avoided."""
DAYS_PER_MONTH = 30.4375
"""Days in a month (365.25 / 12), as ingest's ``months_to_release``."""
STATEWIDE_ROW = "Statewide"
"""The ``county`` of the savings table's rows for the whole state."""
STATEWIDE_COUNTS = ["outliers", "reviewed", "projected_people", "realised_people"]
"""The people counts of :func:`statewide_table` (suppressed in public mode)."""
PERSON_COLUMNS = [
    "eprd", "months_to_release", "no_release_date", "sentence_lwop", "sentence_condemned",
    "offense_end_date", "offense_begin_date", "controlling_case_number", "county",
]  # fmt: skip
"""The release and sentence columns savings read of each person."""
NOT_COSTED_REASONS = (
    "not in the CDCR data",
    "life without parole or condemned before resentencing",
    "no expected release date before resentencing",
    "no offense date to start the new sentence",
    "no new sentence recorded",
)
"""Why a resentencing of the log is counted but not costed, in the order the reasons are checked."""


def _person_table(candidates: pd.DataFrame, people: pd.DataFrame | None) -> pd.DataFrame:
    """Release and sentence columns per ``cdcno`` from ``people`` (or the candidates themselves)."""
    source = people if people is not None else candidates
    keep = ["cdcno", *[c for c in PERSON_COLUMNS if c in source]]
    return source[keep].drop_duplicates("cdcno").set_index(source[keep]["cdcno"].drop_duplicates())


def _flag(frame: pd.DataFrame, col: str) -> np.ndarray:
    """A boolean column as an array (all false when the column is absent)."""
    if col not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[col].astype("boolean").fillna(False).to_numpy(dtype=bool)


def projected_years(
    candidates: pd.DataFrame,
    people: pd.DataFrame | None = None,
    *,
    k: int = 50,
    as_of: date | str | None = None,
) -> pd.DataFrame:
    """Years avoided if each county's top-``k`` eligible candidates were resentenced on ``as_of``.

    years_avoided = max(0, expected release (EPRD/MEPD) − as_of) in years (days ÷ 365.25); without
    ``as_of`` the ingest's ``months_to_release`` ÷ 12.  LWOP, condemned and people without a release
    date are counted but not costed (``costed`` false, ``years_avoided`` NA).  An upper bound: a
    resentenced person is not always released at once.
    """
    elig = candidates.loc[(candidates["eligibility"] == "eligible").fillna(False).to_numpy(bool)]
    elig = elig.sort_values(["county", "rank"], kind="stable")
    top = elig.groupby("county", sort=True, dropna=False).head(int(k)).reset_index(drop=True)
    info = _person_table(candidates, people).reindex(top["cdcno"])
    info.index = top.index
    if as_of is not None and "eprd" in info:
        days = (pd.to_datetime(info["eprd"]) - pd.Timestamp(as_of)).dt.days
        years = days.astype("float64") / DAYS_PER_YEAR
    elif "months_to_release" in info:
        years = pd.to_numeric(info["months_to_release"], errors="coerce").astype("float64") / 12
    else:
        years = pd.Series(np.nan, index=top.index)
    lifelong = _flag(info, "sentence_lwop") | _flag(info, "sentence_condemned")
    no_date = _flag(info, "no_release_date") | years.isna().to_numpy()
    costed = ~lifelong & ~no_date
    reason = np.where(
        lifelong, "life without parole or condemned", np.where(no_date, "no release date", "")
    )
    return pd.DataFrame(
        {
            "cdcno": top["cdcno"].astype("string"),
            "county": top["county"].astype("string"),
            "rank": top["rank"].to_numpy(),
            "years_avoided": years.clip(lower=0).where(costed).to_numpy(dtype="float64"),
            "costed": costed,
            "not_costed_reason": pd.array(reason, dtype="string"),
        }
    )


def realised_years(
    decisions: pd.DataFrame,
    people: pd.DataFrame,
    year: int | None = None,
) -> pd.DataFrame:
    """Years avoided by the resentencings in the log (of ``year`` when given), one row per person.

    For a person's latest ``resentenced`` entry::

        start        = controlling offense end date (begin date if blank), as ingest's time served
        new_release  = max(start + new_sentence_months × 30.4375 days, date_reviewed)
        years_avoided = max(0, old expected release (EPRD/MEPD) − new_release) ÷ 365.25 days

    People not in the CDCR data, with LWOP/condemned or no release date, or without a start date are
    counted but not costed (``costed`` false with the reason).
    """
    log = _latest_resentencings(decisions, year)
    info = _person_table(people, people).reindex(log["cdcno"])
    info.index = log.index
    found = info["cdcno"].notna().to_numpy() if "cdcno" in info else np.zeros(len(log), bool)
    start = pd.to_datetime(info.get("offense_end_date"), errors="coerce")
    if "offense_begin_date" in info:
        start = start.fillna(pd.to_datetime(info["offense_begin_date"], errors="coerce"))
    new_months = pd.to_numeric(log["new_sentence_months"], errors="coerce").astype("float64")
    reviewed = pd.to_datetime(log["date_reviewed"], errors="coerce")
    new_end = start + pd.to_timedelta((new_months * DAYS_PER_MONTH).round(), unit="D")
    new_release = new_end.where(new_end > reviewed, reviewed)
    new_release = new_release.where(new_end.notna())
    old = pd.to_datetime(info.get("eprd"), errors="coerce")
    years = (old - new_release).dt.days.astype("float64") / DAYS_PER_YEAR
    lifelong = _flag(info, "sentence_lwop") | _flag(info, "sentence_condemned")
    no_old = _flag(info, "no_release_date") | old.isna().to_numpy()
    checks = [~found, lifelong, no_old, start.isna().to_numpy(), new_months.isna().to_numpy()]
    reason = np.select(checks, list(NOT_COSTED_REASONS), "")
    costed = reason == ""
    return pd.DataFrame(
        {
            "case_number": log["case_number"].astype("string"),
            "cdcno": log["cdcno"].astype("string"),
            "county": log["county"].astype("string"),
            "date_reviewed": reviewed,
            "new_sentence_months": new_months,
            "sentence_start": start,
            "old_release": old,
            "new_release": new_release,
            "years_avoided": years.clip(lower=0).where(costed).to_numpy(dtype="float64"),
            "costed": costed,
            "not_costed_reason": pd.array(reason, dtype="string"),
        }
    )


def _latest_resentencings(decisions: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """The latest ``resentenced`` entry of each person in the log (of ``year`` when given)."""
    log = decisions.loc[(decisions["decision"] == "resentenced").fillna(False).to_numpy(bool)]
    if year is not None:
        log = in_year(log, year)
    log = log.sort_values("date_reviewed", kind="stable").drop_duplicates("cdcno", keep="last")
    return log.reset_index(drop=True)


def money(years: float, settings: Settings) -> dict[str, float]:
    """Savings of ``years`` avoided: total, county and state parts, and at the comparison cost."""
    total = float(years) * settings.cost_per_person_year
    county = total * settings.county_share
    return {
        "savings": total,
        "county_part": county,
        "state_part": total - county,
        "savings_at_comparison_cost": float(years) * settings.comparison_cost_per_person_year,
    }


def _aggregate(detail: pd.DataFrame, kind: str, settings: Settings) -> pd.DataFrame:
    """One row per county and one for the state: people, costed, years avoided and money."""
    rows = []
    groups = [(str(c), g) for c, g in detail.groupby("county", sort=True, dropna=True)]
    for county, g in [*groups, (STATEWIDE_ROW, detail)]:
        years = float(np.nansum(g["years_avoided"].to_numpy(dtype="float64")))
        rows.append(
            {
                "county": county,
                "kind": kind,
                "people": int(len(g)),
                "costed": int(g["costed"].sum()),
                "not_costed": int((~g["costed"].astype(bool)).sum()),
                "years_avoided": years,
                "cost_per_person_year": settings.cost_per_person_year,
                **money(years, settings),
                "county_share": settings.county_share,
            }
        )
    return pd.DataFrame(rows)


SCENARIO_COLUMNS = [
    "county", "scenario", "grant_rate", "cost_basis", "cost_per_person_year", "discount_rate",
    "people", "expected_resentenced", "expected_years_avoided", "savings", "county_part",
    "state_part", "county_share",
]  # fmt: skip
"""The columns of :func:`savings_scenarios`."""


def present_value_years(years: np.ndarray, rate: float) -> np.ndarray:
    """Years avoided, discounted: a cost spread evenly over ``years`` at real rate ``rate``,
    valued today (continuous compounding; equal to ``years`` at rate 0)."""
    years = np.asarray(years, dtype="float64")
    if rate <= 0:
        return years
    delta = np.log1p(rate)
    return -np.expm1(-delta * years) / delta


def savings_scenarios(projected: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Projected savings under each scenario of the settings, per county and statewide.

    For each scenario: expected people resentenced = people × ``grant_rate``; expected years
    avoided = ``grant_rate`` × years avoided; savings = ``grant_rate`` × Σ discounted years ×
    the cost of a person-year (average, or ``marginal_cost_share`` of it); the county part is
    ``county_share`` of each.  People not costed (LWOP, condemned, no release date) add nothing.
    """
    rows = []
    years = projected["years_avoided"].to_numpy("float64")
    groups = [(str(c), g.index) for c, g in projected.groupby("county", sort=True, dropna=True)]
    for county, index in [*groups, (STATEWIDE_ROW, projected.index)]:
        y = np.nan_to_num(years[projected.index.get_indexer(index)], nan=0.0)
        for sc in settings.scenarios:
            cost = settings.cost_of(sc)
            total = sc.grant_rate * float(present_value_years(y, sc.discount_rate).sum()) * cost
            rows.append(
                {
                    "county": county,
                    "scenario": sc.name,
                    "grant_rate": sc.grant_rate,
                    "cost_basis": sc.cost,
                    "cost_per_person_year": cost,
                    "discount_rate": sc.discount_rate,
                    "people": len(index),
                    "expected_resentenced": sc.grant_rate * len(index),
                    "expected_years_avoided": sc.grant_rate * float(y.sum()),
                    "savings": total,
                    "county_part": total * settings.county_share,
                    "state_part": total * (1 - settings.county_share),
                    "county_share": settings.county_share,
                }
            )
    return pd.DataFrame(rows, columns=SCENARIO_COLUMNS)


@dataclass
class Savings:
    """Savings per county and statewide (``table``), with the per-person detail behind them and
    the projected savings under each scenario (``scenarios``)."""

    table: pd.DataFrame  # county, kind (projected | realised), people, costed, years, money
    projected: pd.DataFrame
    realised: pd.DataFrame
    settings: Settings
    scenarios: pd.DataFrame | None = None

    def scenario_rows(self, county: str) -> pd.DataFrame:
        """The scenarios of one county (or ``Statewide``)."""
        frame = (
            self.scenarios if self.scenarios is not None else pd.DataFrame(columns=SCENARIO_COLUMNS)
        )
        return frame.loc[frame["county"] == county].reset_index(drop=True)

    def row(self, county: str, kind: str) -> dict[str, Any]:
        """One row of ``table`` as a dict (zeros when the county has none)."""
        hit = self.table.loc[(self.table["county"] == county) & (self.table["kind"] == kind)]
        if len(hit):
            return hit.iloc[0].to_dict()
        return {"county": county, "kind": kind, "people": 0, "costed": 0, "not_costed": 0,
                "years_avoided": 0.0, "cost_per_person_year": self.settings.cost_per_person_year,
                **money(0.0, self.settings), "county_share": self.settings.county_share}  # fmt: skip


def savings(
    candidates: pd.DataFrame,
    people: pd.DataFrame | None,
    decisions: pd.DataFrame | None = None,
    *,
    year: int | None = None,
    as_of: date | str | None = None,
    k: int | None = None,
    settings: Settings | None = None,
) -> Savings:
    """Projected (top-``k`` eligible per county) and realised (log of ``year``) savings.

    savings = years avoided × ``cost_per_person_year`` (default $132,860, 2024-25; the memo's $106,000
    in ``savings_at_comparison_cost``); ``county_part`` = savings × ``county_share`` (default 0.70), the
    rest ``state_part``.  One row per county and kind plus ``Statewide`` rows.
    """
    settings = settings or load_settings()
    k = int(k or settings.projected_top_k)
    proj = projected_years(candidates, people, k=k, as_of=as_of)
    if decisions is not None and len(decisions) and people is not None:
        real = realised_years(decisions, people, year)
    else:
        real = realised_years(_empty_log(), people if people is not None else candidates, year)
    table = pd.concat(
        [_aggregate(proj, "projected", settings), _aggregate(real, "realised", settings)],
        ignore_index=True,
    )
    return Savings(table, proj, real, settings, savings_scenarios(proj, settings))


def _empty_log() -> pd.DataFrame:
    """A decision log without entries (for savings without a log)."""
    from helpers.data.schema import REVIEW_DECISIONS

    out = pd.DataFrame({c: pd.Series(dtype="string") for c in REVIEW_DECISIONS})
    out["date_reviewed"] = pd.Series(dtype="datetime64[ns]")
    out["new_sentence_months"] = pd.Series(dtype="float64")
    return out


# --------------------------------------------------------------------------------------------------
# Statewide table for the map
# --------------------------------------------------------------------------------------------------


def statewide_table(
    candidates: pd.DataFrame,
    decisions: pd.DataFrame,
    config_for: ConfigLike,
    year: int,
    *,
    people: pd.DataFrame | None = None,
    as_of: date | str | None = None,
    mode: str = "public",
    settings: Settings | None = None,
) -> pd.DataFrame:
    """One row per California county (all 58, for the map): compliance and savings side by side.

    Columns: ``county, fips, outliers, required, reviewed, shortfall, required_fewer,
    required_more, mandate_met, met_fewer, met_more, reading, projected_people,
    projected_savings, realised_people, realised_savings`` (+ ``suppressed``,
    ``suppression``).  In ``public`` mode the people counts of 1-10 are suppressed with
    complementary suppression down each column (:func:`helpers.privacy.suppress`), and so are the
    shortfall and savings computed from them; ``mandate_met`` — the office's compliance status —
    stays published.
    """
    check_mode(mode)
    settings = settings or load_settings()
    comp = compliance(candidates, decisions, config_for, year, people=people, settings=settings)
    sav = savings(candidates, people, decisions, year=year, as_of=as_of, settings=settings)
    out = _county_columns(comp, sav)
    out["year"] = int(year)
    if mode == "da":
        out["suppressed"] = False
        out["suppression"] = pd.Series("", index=out.index, dtype="string")
        return out
    return suppress(
        out,
        STATEWIDE_COUNTS,
        by=None,
        derived={
            "required": ["outliers"],
            "required_fewer": ["outliers"],
            "required_more": ["outliers"],
            "shortfall": ["outliers", "reviewed"],
            "projected_savings": ["projected_people"],
            "realised_savings": ["realised_people"],
        },
    )


def _county_columns(comp: pd.DataFrame, sav: Savings) -> pd.DataFrame:
    """All 58 counties with their compliance and savings (zero where a county has none)."""
    comp = comp.set_index("county")
    tab = sav.table.loc[sav.table["county"] != STATEWIDE_ROW]
    proj = tab.loc[tab["kind"] == "projected"].set_index("county")
    real = tab.loc[tab["kind"] == "realised"].set_index("county")
    out = county_table()[["county", "fips"]].copy()
    for col in ("outliers", "required", "reviewed", "shortfall", "required_fewer", "required_more"):
        out[col] = out["county"].map(comp[col]).fillna(0).astype("int64")
    for col in ("mandate_met", "met_fewer", "met_more"):
        out[col] = out["county"].map(comp[col]).astype("boolean")
    out["reading"] = out["county"].map(comp["reading"]).astype("string")
    out["projected_people"] = out["county"].map(proj["people"]).fillna(0).astype("int64")
    out["projected_savings"] = out["county"].map(proj["savings"]).fillna(0.0).astype("float64")
    out["realised_people"] = out["county"].map(real["people"]).fillna(0).astype("int64")
    out["realised_savings"] = out["county"].map(real["savings"]).fillna(0.0).astype("float64")
    return out
