"""Accountability: mandated-review compliance, savings and the decision log as feedback to the model.

* :func:`compliance` — per county and year: extreme outliers, reviews the mandate requires, outliers
  reviewed (a log entry of the county's office dated in the year with the outlier's CDCR number or
  controlling case number), mandate met, shortfall, and the outliers still unreviewed.
* :func:`savings` — years of incarceration avoided × cost per person-year, split county/state, both
  **projected** (the top-k eligible resentenced on the as-of date) and **realised** (resentencings in the
  log), per county and statewide.  Formulas in :func:`projected_years` and :func:`realised_years`.
* :func:`feedback_report` — the log as labels for retraining, and how the ranking changed.
* :func:`statewide_table` — one row per county (for the map), small cells suppressed in public mode.

Settings (cost, comparison cost, county share, fallback mandate) come from ``configs/accountability.yaml``
with their sources; see ``book/method/accountability.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.counties import canonical_counties, canonical_name, county_table, in_county
from helpers.errors import InputError
from helpers.screening.config import CONFIG_DIR, CountyConfig, Mandate

SETTINGS_FILE = CONFIG_DIR / "accountability.yaml"
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = 30.4375  # 365.25 / 12, as ingest's months_to_release
STATEWIDE = "Statewide"

ConfigLike = CountyConfig | Callable[[str], CountyConfig] | Mapping[str, CountyConfig] | None


@dataclass(frozen=True)
class Settings:
    """Cost per person-year, the memo's comparison cost, the county share and the fallback mandate."""

    cost_per_person_year: float = 132_860.0
    comparison_cost_per_person_year: float = 106_000.0
    county_share: float = 0.70
    mandate: Mandate = field(default_factory=Mandate)
    projected_top_k: int = 50
    cost_year: str = "2024-25"
    comparison_cost_year: str = "memo (LAO 2021-22)"


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read ``configs/accountability.yaml`` (or ``path``); keyword ``overrides`` replace values."""
    import yaml

    path = Path(path) if path is not None else SETTINGS_FILE
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InputError(f"not valid YAML ({exc})", file=path.name) from None
    elif path != SETTINGS_FILE:
        raise InputError("settings file not found", file=str(path))
    data.update({k: v for k, v in overrides.items() if v is not None})
    m = data.get("mandate") or {}
    if isinstance(m, Mandate):
        mandate = m
    else:
        whichever = str(m.get("whichever", "fewer"))
        if whichever not in ("fewer", "more"):
            raise InputError("key 'mandate.whichever': must be 'fewer' or 'more'", file=path.name)
        mandate = Mandate(int(m.get("min_cases", 5)), float(m.get("share", 0.5)), whichever)
    out = Settings(
        cost_per_person_year=float(data.get("cost_per_person_year", 132_860)),
        comparison_cost_per_person_year=float(data.get("comparison_cost_per_person_year", 106_000)),
        county_share=float(data.get("county_share", 0.70)),
        mandate=mandate,
        projected_top_k=int(data.get("projected_top_k", 50)),
        cost_year=str(data.get("cost_year", "2024-25")),
        comparison_cost_year=str(data.get("comparison_cost_year", "memo (LAO 2021-22)")),
    )
    if out.cost_per_person_year <= 0 or out.comparison_cost_per_person_year <= 0:
        raise InputError("costs per person-year must be positive", file=path.name)
    if not 0 <= out.county_share <= 1:
        raise InputError("key 'county_share': must be between 0 and 1", file=path.name)
    if out.projected_top_k < 1:
        raise InputError("key 'projected_top_k': must be at least 1", file=path.name)
    return out


def mandate_text(mandate: Mandate) -> str:
    """``at least 5 or 50 % of extreme outliers, whichever is fewer``."""
    return (
        f"at least {mandate.min_cases} or {mandate.share:.0%} of extreme outliers, "
        f"whichever is {mandate.whichever}"
    ).replace("%", " %")


def _config_getter(config: ConfigLike, settings: Settings) -> Callable[[str], Mandate]:
    """County → mandate, from one configuration, a mapping, a function, or the settings' fallback."""
    if config is None:
        return lambda county: settings.mandate
    if isinstance(config, CountyConfig):
        return lambda county: config.mandate
    if isinstance(config, Mapping):
        return lambda county: config[county].mandate if county in config else settings.mandate
    return lambda county: config(county).mandate


# --------------------------------------------------------------------------------------------------
# Compliance
# --------------------------------------------------------------------------------------------------


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
    """A plain sentence on one county-year of :func:`compliance`."""
    county, year = row["county"], row["year"]
    outliers, required, reviewed = int(row["outliers"]), int(row["required"]), int(row["reviewed"])
    rule = row["mandate"]
    if outliers == 0:
        return (
            f"{county} had no extreme-outlier cases on the list in {year}; the review mandate "
            f"({rule}) required no reviews."
        )
    if row["mandate_met"]:
        return (
            f"{county} met the review mandate in {year}: it reviewed {reviewed} of its {outliers} "
            f"extreme-outlier cases, and the mandate ({rule}) required {required}."
        )
    left = outliers - reviewed
    return (
        f"{county} did not meet the review mandate in {year}: it reviewed {reviewed} of the "
        f"{required} extreme-outlier cases the mandate ({rule}) requires, a shortfall of "
        f"{int(row['shortfall'])}. {left} of its {outliers} extreme-outlier cases remain unreviewed."
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
    log = in_year(decisions, year).sort_values("date_reviewed", kind="stable")
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
        _county_key(out["county"]),
        _norm(out["cdcno"]),
        _norm(out["case_number"]),
    )
    decision = [
        by_id.get((c, i)) or (by_case.get((c, k)) if k else None)
        for c, i, k in zip(county_o, cdc_o, case_o, strict=True)
    ]
    out = out.assign(
        decision=pd.array(decision, dtype="string"),
        reviewed=np.array([d is not None for d in decision], dtype=bool),
    )
    order = np.lexsort((out["cdcno"].astype(str).to_numpy(), -out["outlier_severity"].to_numpy(float),
                        out["county"].astype(str).to_numpy()))  # fmt: skip
    return out.iloc[order].reset_index(drop=True)


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
    mandate_for = _config_getter(config, settings)
    out_list = reviewed_outliers(candidates, decisions, year, people=people)
    log = in_year(decisions, year)
    logged = _county_key(log["county"]).value_counts()
    counties = sorted(candidates["county"].dropna().astype(str).unique())
    fips = _fips()
    rows = []
    for county in counties:
        part = out_list.loc[in_county(out_list, county)]
        mandate = mandate_for(county)
        n = len(part)
        required = int(mandate.required(n))
        reviewed = int(part["reviewed"].sum())
        left = part.loc[~part["reviewed"].to_numpy(dtype=bool)]
        row = {
            "county": county,
            "fips": fips.get(county, pd.NA),
            "year": int(year),
            "outliers": n,
            "required": required,
            "reviewed": reviewed,
            "reviewed_priority": int(
                (part["reviewed"] & part["review_required"].astype(bool)).sum()
            ),
            "mandate_met": reviewed >= required,
            "shortfall": max(required - reviewed, 0),
            "unreviewed": left["cdcno"].astype(str).tolist(),
            "unreviewed_case_numbers": left["case_number"].astype(str).tolist(),
            "reviews_logged": int(logged.get(county, 0)),
            "mandate": mandate_text(mandate),
        }
        row["statement"] = compliance_statement(row)
        rows.append(row)
    columns = [
        "county", "fips", "year", "outliers", "required", "reviewed", "reviewed_priority",
        "mandate_met", "shortfall", "unreviewed", "unreviewed_case_numbers", "reviews_logged",
        "mandate", "statement",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _fips() -> dict[str, str]:
    table = county_table()
    return dict(zip(table["county"], table["fips"], strict=True))


# --------------------------------------------------------------------------------------------------
# Savings
# --------------------------------------------------------------------------------------------------


def _person_table(candidates: pd.DataFrame, people: pd.DataFrame | None) -> pd.DataFrame:
    """Release and sentence columns per ``cdcno`` from ``people`` (or the candidates themselves)."""
    cols = [
        "eprd", "months_to_release", "no_release_date", "sentence_lwop", "sentence_condemned",
        "offense_end_date", "offense_begin_date", "controlling_case_number", "county",
    ]  # fmt: skip
    source = people if people is not None else candidates
    keep = ["cdcno", *[c for c in cols if c in source]]
    return source[keep].drop_duplicates("cdcno").set_index(source[keep]["cdcno"].drop_duplicates())


def _flag(frame: pd.DataFrame, col: str) -> np.ndarray:
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
    log = decisions.loc[(decisions["decision"] == "resentenced").fillna(False).to_numpy(bool)]
    if year is not None:
        log = in_year(log, year)
    log = log.sort_values("date_reviewed", kind="stable").drop_duplicates("cdcno", keep="last")
    log = log.reset_index(drop=True)
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
    reason = np.select(
        [~found, lifelong, no_old, start.isna().to_numpy(), new_months.isna().to_numpy()],
        [
            "not in the CDCR data",
            "life without parole or condemned before resentencing",
            "no expected release date before resentencing",
            "no offense date to start the new sentence",
            "no new sentence recorded",
        ],
        "",
    )
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
    rows = []
    groups = [(str(c), g) for c, g in detail.groupby("county", sort=True, dropna=True)]
    for county, g in [*groups, (STATEWIDE, detail)]:
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


@dataclass
class Savings:
    """Savings per county and statewide (``table``), with the per-person detail behind them."""

    table: pd.DataFrame  # county, kind (projected | realised), people, costed, years, money
    projected: pd.DataFrame
    realised: pd.DataFrame
    settings: Settings

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
    return Savings(table, proj, real, settings)


def _empty_log() -> pd.DataFrame:
    from helpers.data.schema import REVIEW_DECISIONS

    out = pd.DataFrame({c: pd.Series(dtype="string") for c in REVIEW_DECISIONS})
    out["date_reviewed"] = pd.Series(dtype="datetime64[ns]")
    out["new_sentence_months"] = pd.Series(dtype="float64")
    return out


# --------------------------------------------------------------------------------------------------
# Statewide table for the map
# --------------------------------------------------------------------------------------------------

STATEWIDE_COUNTS = ["outliers", "reviewed", "projected_people", "realised_people"]


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

    Columns: ``county, fips, outliers, required, reviewed, mandate_met, shortfall,
    projected_people, projected_savings, realised_people, realised_savings`` (+ ``suppressed``,
    ``suppression``).  In ``public`` mode the people counts of 1-10 are suppressed with
    complementary suppression down each column (:func:`helpers.privacy.suppress`), and so are the
    shortfall and savings computed from them; ``mandate_met`` — the office's compliance status —
    stays published.
    """
    from helpers.privacy import check_mode, suppress

    check_mode(mode)
    settings = settings or load_settings()
    comp = compliance(candidates, decisions, config_for, year, people=people, settings=settings)
    sav = savings(candidates, people, decisions, year=year, as_of=as_of, settings=settings)
    base = county_table()[["county", "fips"]]
    comp = comp.set_index("county")
    tab = sav.table.loc[sav.table["county"] != STATEWIDE]
    proj = tab.loc[tab["kind"] == "projected"].set_index("county")
    real = tab.loc[tab["kind"] == "realised"].set_index("county")
    out = base.copy()
    for col in ("outliers", "required", "reviewed", "shortfall"):
        out[col] = out["county"].map(comp[col]).fillna(0).astype("int64")
    out["mandate_met"] = out["county"].map(comp["mandate_met"]).astype("boolean")
    out["projected_people"] = out["county"].map(proj["people"]).fillna(0).astype("int64")
    out["projected_savings"] = out["county"].map(proj["savings"]).fillna(0.0).astype("float64")
    out["realised_people"] = out["county"].map(real["people"]).fillna(0).astype("int64")
    out["realised_savings"] = out["county"].map(real["savings"]).fillna(0.0).astype("float64")
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
            "shortfall": ["outliers", "reviewed"],
            "projected_savings": ["projected_people"],
            "realised_savings": ["realised_people"],
        },
    )


# --------------------------------------------------------------------------------------------------
# Feedback to the model
# --------------------------------------------------------------------------------------------------


@dataclass
class FeedbackReport:
    """The log as labels for retraining and how the model's ranking changed."""

    labels: pd.DataFrame  # cdcno, label_before, label_after, reviewed, changed
    metrics: pd.DataFrame  # helpers.model.feedback_effect: metric, before, after, change, intervals
    ranking: pd.DataFrame  # measure, value (overlap@k, Kendall tau, labels changed, …)
    top_before: list[str]
    top_after: list[str]


def feedback_labels(
    candidates: pd.DataFrame, tables: dict[str, pd.DataFrame], decisions: pd.DataFrame,
    county: str | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Labels before (the county's screen) and after the log (reviewed people take its decision)."""
    from helpers import model

    base = model.make_labels(candidates, tables, "screen", county)
    known = base.notna()
    before = base[known].astype(bool)
    log = decisions
    if county is not None:
        log = log.loc[in_county(log, county)]
    after = model.apply_feedback(before, log).astype(bool)
    _, reviewed = model.decision_labels(before.index, log, None)
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
    model_settings: Any = None,
    candidates: pd.DataFrame | None = None,
) -> FeedbackReport:
    """Retrain the model with the log as labels and report how the ranking changed.

    Labels: :func:`feedback_labels`.  Metrics before/after: :func:`helpers.model.feedback_effect`
    (same split, test people scored against the feedback labels).  Ranking: the model trained on the
    screen labels and the one trained on the feedback labels (same training people) score everybody;
    overlap@k and Kendall's τ compare the two orders (:func:`ranking_change`).
    """
    from helpers import model
    from helpers.model.features import build_features
    from helpers.screening.candidates import build_candidates

    settings = model_settings or model.ModelSettings()
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
    train, test = model.split(y1, settings)
    metrics = model.feedback_effect(X, y0, y1, train, test, settings)
    cols = list(X.columns)
    m0 = model.fit(model.make_pipeline(cols, settings), X.iloc[train], y0[train])
    m1 = model.fit(model.make_pipeline(cols, settings), X.iloc[train], y1[train])
    s0, s1 = model.scores(m0, X), model.scores(m1, X)
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
