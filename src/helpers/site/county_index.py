"""The county reports chapter: which counties have a report, the county table and the county map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from helpers.counties import county_names, slug
from helpers.pipeline.layout import NOTEBOOKS, REPORT_NOTEBOOK
from helpers.pipeline.manifest import RunManifest
from helpers.privacy import suppress
from helpers.screening.config import county_file
from helpers.site.tables import count_cell
from helpers.site.vega import write_spec


def report_pages() -> tuple[str, ...]:
    """The county notebooks in the site's order: the county report, then the steps behind it."""
    return (REPORT_NOTEBOOK, *(name for name in NOTEBOOKS if name != REPORT_NOTEBOOK))


def county_pages(book_dir: Path) -> dict[str, str]:
    """County name → its report folder (slug), for counties whose notebooks all exist."""
    pages = {}
    for county in county_names():
        folder = book_dir / "counties" / slug(county)
        if all((folder / f"{name}.ipynb").exists() for name in NOTEBOOKS):
            pages[county] = slug(county)
    return pages


def candidate_files(manifest: RunManifest) -> dict[Path, list[str]]:
    """Each distinct candidate list of the run and the counties it serves."""
    by_file: dict[Path, list[str]] = {}
    for county, path in manifest.candidates.items():
        by_file.setdefault(path, []).append(county)
    return by_file


def county_index_table(manifest: RunManifest, links: dict[str, str]) -> pd.DataFrame:
    """Per county: people, eligible under its own screen, extreme outliers; small cells suppressed."""
    rows = []
    for path, counties in candidate_files(manifest).items():
        frame = pd.read_parquet(
            path, columns=["county", "eligibility", "outlier", "review_required"]
        )
        frame = frame[frame["county"].isin(counties)]
        grouped = frame.groupby("county", observed=True).agg(
            people=("eligibility", "size"),
            eligible=("eligibility", lambda s: int((s == "eligible").sum())),
            outliers=("outlier", "sum"),
        )
        rows.append(grouped.reset_index())
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    table["screen"] = table["county"].map(lambda c: Path(county_file(c)).stem.replace("_", " "))
    table = suppress(table, ["people", "eligible", "outliers"], by=None, derived={}).sort_values(
        "county"
    )
    table["report"] = table["county"].map(links)
    return table.reset_index(drop=True)


def county_table_markdown(table: pd.DataFrame) -> str:
    """The county index as a Markdown table, each county linked to its report."""
    lines = [
        "| County | Screen used | People in custody | Pass the county's screen | Extreme outliers |",
        "|---|---|--:|--:|--:|",
    ]
    for row in table.itertuples():
        name = (
            f"[{row.county}](counties/{row.report}/{REPORT_NOTEBOOK}.ipynb)"
            if isinstance(row.report, str)
            else f"{row.county} (no report: see the run log)"
        )
        lines.append(
            f"| {name} | {row.screen} | {count_cell(row.people)} | {count_cell(row.eligible)} | "
            f"{count_cell(row.outliers)} |"
        )
    return "\n".join(lines) + "\n"


def county_index_map(table: pd.DataFrame) -> dict[str, Any]:
    """Vega-Lite map of the counties, coloured by people in custody; a click opens the report."""
    from helpers.data import reference
    from helpers.site import dashboard as dash

    records = [
        {
            "county": str(row.county),
            "people": None if pd.isna(row.people) else int(row.people),
            "label": count_cell(row.people),
            "link": f"counties/{row.report}/{REPORT_NOTEBOOK}.html"
            if isinstance(row.report, str)
            else None,
        }
        for row in table.itertuples()
    ]
    tooltip = [{"field": "county", "title": "County"}, {"field": "label", "title": "People"}]
    return {
        "$schema": dash.SCHEMA,
        "description": "Map of California counties; click a county to open its report",
        "width": 380,
        "height": 420,
        "projection": {"type": "mercator"},
        "data": {"values": reference.county_geojson()["features"], "format": {"type": "json"}},
        "transform": [
            {
                "lookup": "properties.county",
                "from": {
                    "data": {"values": records},
                    "key": "county",
                    "fields": ["people", "label", "link"],
                },
            },
            {"calculate": "datum.properties.county", "as": "county"},
        ],
        "layer": [
            {
                # Every county, also those whose count is suppressed (no colour).
                "mark": {
                    "type": "geoshape",
                    "fill": "#e6e6e6",
                    "stroke": "white",
                    "cursor": "pointer",
                },
                "encoding": {"href": {"field": "link"}, "tooltip": tooltip},
            },
            {
                "mark": {"type": "geoshape", "stroke": "white", "cursor": "pointer"},
                "encoding": {
                    "color": dash.county_color("people"),
                    "href": {"field": "link"},
                    "description": {"field": "county"},
                    "tooltip": tooltip,
                },
            },
        ],
        "config": {"view": {"stroke": None}},
    }


def write_county_index(table: pd.DataFrame, out: Path) -> tuple[Path, Path]:
    """The county index: a map linking each county's report, and a Markdown table."""
    table_path = out / "county_table.md"
    table_path.write_text(county_table_markdown(table), encoding="utf-8")
    spec_path = write_spec(out / "charts" / "county_index.json", county_index_map(table))
    return table_path, spec_path
