"""The accountability chapter: statewide compliance and savings (table and map) and each county's
annual report page, computed from the run's review-decision log.

Public pages list reviewed cases under pseudonymous IDs: naming case numbers, as the policy asks,
is the office's own publication (``secondlook annual-report`` builds it).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.counties import in_county, slug
from helpers.pipeline.manifest import RunManifest
from helpers.privacy import pseudonymise
from helpers.screening.config import CountyConfig, load_config
from helpers.site.county_index import candidate_files
from helpers.site.tables import count_cell, money_cell
from helpers.site.vega import write_spec

MANDATE_STATUSES = ("mandate met", "mandate not met", "no extreme outliers")
"""The map's colour classes, in legend order."""


def report_year(decisions: pd.DataFrame, as_of: str) -> int | None:
    """The latest calendar year of the log that has ended by the as-of date (else the latest)."""
    years = pd.to_datetime(decisions["date_reviewed"], errors="coerce").dt.year.dropna()
    if years.empty:
        return None
    ended = years[years < pd.Timestamp(as_of).year]
    return int((ended if len(ended) else years).max())


def county_candidates(manifest: RunManifest) -> pd.DataFrame:
    """Every person under the county's own screen (one file per configuration)."""
    parts = []
    for path, counties in candidate_files(manifest).items():
        frame = pd.read_parquet(path)
        parts.append(frame[frame["county"].isin(counties)])
    return pd.concat(parts, ignore_index=True)


@dataclass
class ReviewYear:
    """The run's review-decision log, the year the reports cover and what they are computed on."""

    year: int
    as_of: str
    people: pd.DataFrame
    decisions: pd.DataFrame
    candidates: pd.DataFrame
    configs: dict[str, CountyConfig] = field(default_factory=dict, repr=False)

    def config_for(self, county: str) -> CountyConfig:
        """The county's configuration (read once)."""
        if county not in self.configs:
            self.configs[county] = load_config(county)
        return self.configs[county]

    def logged_counties(self) -> list[str]:
        """Counties with a review in the report year, sorted."""
        reviewed = pd.to_datetime(self.decisions["date_reviewed"]).dt.year == self.year
        return sorted(c for c in set(self.decisions.loc[reviewed, "county"]) if isinstance(c, str))


def review_year(manifest: RunManifest) -> ReviewYear | None:
    """The run's review year, or ``None`` when the run has no review-decision log (or no dates)."""
    decisions_path = manifest.processed / "decisions.parquet"
    if not decisions_path.exists():
        return None
    decisions = pd.read_parquet(decisions_path)
    as_of = manifest.as_of.isoformat()
    year = report_year(decisions, as_of)
    if year is None:
        return None
    people = pd.read_parquet(manifest.processed / "people.parquet")
    return ReviewYear(year, as_of, people, decisions, county_candidates(manifest))


def write_annual_reports(review: ReviewYear, folder: Path, salt: str) -> list[str]:
    """Each logged county's annual report page and press release; the pages (for the contents)."""
    from helpers.accountability.annual_report import build_report, render_html, render_markdown

    tables = {"people": review.people, "decisions": review.decisions}
    pages = []
    for county in review.logged_counties():
        report = build_report(
            tables, county, review.year, as_of=review.as_of, decisions=review.decisions,
            mode="public", config=review.config_for(county),
            candidates=review.candidates.loc[in_county(review.candidates, county)],
        )  # fmt: skip
        report.cases["case_number"] = pseudonymise(report.cases["case_number"], salt).to_numpy()
        stem = f"{slug(county)}-{review.year}"
        html_name = f"{stem}-press-release.html"
        (folder / html_name).write_text(render_html(report), encoding="utf-8")
        page = render_markdown(report, html_name).replace("](../method/", "](../../method/")
        (folder / f"{stem}.md").write_text(page, encoding="utf-8")
        pages.append(f"book/generated/accountability/{stem}")
    return pages


def accountability_markdown(review: ReviewYear, table: pd.DataFrame) -> str:
    """The statewide compliance and savings table (both readings of the mandate, logged counties
    linked to their report) and the statewide savings scenarios."""
    year, logged = review.year, set(review.logged_counties())
    reading = _reading(table)
    lines = [
        f'Review year {year}; data as of {review.as_of}. The memo\'s "review at least 5 or 50 %" '
        "reads two ways: at least the fewer of the two (min) or at least the more (max). "
        f"**Mandate met** uses the reading of the county configurations (whichever is {reading}); "
        "the next two columns show both.",
        "",
        "| County | Extreme outliers | Reviewed | Required (min / max) | Mandate met | "
        "Met under min / max | Projected savings (upper bound) | Realised savings |",
        "|---|--:|--:|--:|---|---|--:|--:|",
    ]
    for row in table.itertuples():
        name = (
            f"[{row.county}](generated/accountability/{slug(row.county)}-{year}.md)"
            if row.county in logged
            else row.county
        )
        lines.append(
            f"| {name} | {count_cell(row.outliers)} | {count_cell(row.reviewed)} | "
            f"{count_cell(row.required_fewer)} / {count_cell(row.required_more)} | "
            f"{_yes_no(row.mandate_met, bold_no=True)} | {_yes_no(row.met_fewer)} / "
            f"{_yes_no(row.met_more)} | {money_cell(row.projected_savings)} | "
            f"{money_cell(row.realised_savings)} |"
        )
    return "\n".join(lines) + "\n"


def _reading(table: pd.DataFrame) -> str:
    """The reading most counties use (``fewer`` by default)."""
    readings = table["reading"].dropna() if "reading" in table else pd.Series(dtype="string")
    return str(readings.mode().iloc[0]) if len(readings) else "fewer"


def _yes_no(value: object, *, bold_no: bool = False) -> str:
    """``yes``/``no`` (bold ``no`` when asked), empty when unknown."""
    if pd.isna(value):
        return ""
    return "yes" if value else ("**no**" if bold_no else "no")


def scenarios_markdown(review: ReviewYear) -> str:
    """The statewide projected savings under each scenario of ``configs/accountability.yaml``,
    and the share of extreme outliers statewide."""
    from helpers.accountability import load_settings, savings
    from helpers.screening import outlier_shares

    settings = load_settings()
    sav = savings(review.candidates, review.people, as_of=review.as_of, settings=settings)
    rows = sav.scenario_rows("Statewide")
    share = outlier_shares(review.candidates)
    state = share.loc[share["county"] == "Statewide"].iloc[0]
    lines = [
        f"Extreme outliers statewide: {int(state['outliers']):,} of {int(state['people']):,} "
        f"people ({state['share']:.1%}); each county's count is in the table above.",
        "",
        "Projected savings if each county's top candidates were reviewed, as scenarios "
        f"({settings.county_share:.0%} of each to the counties):",
        "",
        "| Scenario | Share resentenced | Cost of a person-year | Discount rate | Savings | "
        "To the counties | To the state |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows.itertuples():
        lines.append(
            f"| {r.scenario} | {r.grant_rate:.0%} | ${r.cost_per_person_year:,.0f} ({r.cost_basis})"
            f" | {r.discount_rate:.0%} | {money_cell(r.savings)} | {money_cell(r.county_part)} | "
            f"{money_cell(r.state_part)} |"
        )
    return "\n".join(lines) + "\n"


def mandate_status(table: pd.DataFrame) -> pd.Series:
    """Per county: ``mandate met``, ``mandate not met`` or ``no extreme outliers``."""
    status = table["mandate_met"].map(
        lambda m: MANDATE_STATUSES[2] if pd.isna(m) else MANDATE_STATUSES[0 if m else 1]
    )
    return status.where(~(table["outliers"].fillna(1) == 0), MANDATE_STATUSES[2])


def accountability_map(table: pd.DataFrame, year: int) -> dict[str, Any]:
    """Vega-Lite map of the counties coloured by mandate compliance, savings in the tooltip."""
    from helpers.data import reference
    from helpers.site import dashboard as dash

    values = pd.DataFrame(
        {
            "county": table["county"],
            "status": mandate_status(table),
            "reviewed": table["reviewed"].map(count_cell),
            "required": table["required"].map(count_cell),
            "projected": table["projected_savings"].map(money_cell),
            "realised": table["realised_savings"].map(money_cell),
        }
    )
    tooltip = [
        {"field": "county", "title": "County"},
        {"field": "status", "title": f"Review mandate {year}"},
        {"field": "reviewed", "title": "Reviewed"},
        {"field": "required", "title": "Required"},
        {"field": "projected", "title": "Projected savings"},
        {"field": "realised", "title": "Realised savings"},
    ]
    return {
        "$schema": dash.SCHEMA,
        "description": f"Review mandate compliance and savings by county, {year}",
        "width": 380,
        "height": 420,
        "projection": {"type": "mercator"},
        "data": {"values": reference.county_geojson()["features"]},
        "transform": [
            {"calculate": "datum.properties.county", "as": "county"},
            {
                "lookup": "county",
                "from": {
                    "data": {"values": values.to_dict("records")},
                    "key": "county",
                    "fields": ["status", "reviewed", "required", "projected", "realised"],
                },
            },
        ],
        "mark": {"type": "geoshape", "stroke": "white"},
        "encoding": {
            "color": {
                "field": "status",
                "type": "nominal",
                "title": f"Review mandate {year}",
                "scale": {
                    "domain": list(MANDATE_STATUSES),
                    "range": ["#3b7d3b", "#c0392b", "#d9d9d9"],
                },
                "legend": {"orient": "top-right"},
            },
            "description": {"field": "county"},
            "tooltip": tooltip,
        },
        "config": {"view": {"stroke": None}},
    }


def empty_map() -> dict[str, Any]:
    """The counties without data (a run without a review-decision log)."""
    from helpers.data import reference
    from helpers.site import dashboard as dash

    return {
        "$schema": dash.SCHEMA,
        "description": "California counties (no review-decision log in this run)",
        "width": 380,
        "height": 420,
        "projection": {"type": "mercator"},
        "data": {"values": reference.county_geojson()["features"]},
        "mark": {"type": "geoshape", "fill": "#e6e6e6", "stroke": "white"},
    }


def write_accountability(manifest: RunManifest, out: Path, salt: str) -> list[str]:
    """Statewide compliance and savings (table + map) and each county's annual report page.

    Returns the annual report pages (for the table of contents).
    """
    from helpers.accountability import statewide_table

    folder = out / "accountability"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    table_path, map_path = out / "accountability_table.md", out / "charts" / "accountability.json"
    review = review_year(manifest)
    if review is None:
        table_path.write_text("No review-decision log was given to this run.\n", encoding="utf-8")
        write_spec(map_path, empty_map())
        return []
    table = statewide_table(
        review.candidates,
        review.decisions,
        review.config_for,
        review.year,
        people=review.people,
        as_of=review.as_of,
    )
    pages = write_annual_reports(review, folder, salt)
    text = accountability_markdown(review, table) + "\n" + scenarios_markdown(review)
    table_path.write_text(text, encoding="utf-8")
    write_spec(map_path, accountability_map(table, review.year))
    return pages
