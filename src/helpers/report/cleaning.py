"""Views of the cleaning notebook: who is in custody from the county, and where the rows went."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.audit import age_band
from helpers.data.manifest import read_manifest
from helpers.data.quarantine import quarantine_counts, quarantine_totals
from helpers.privacy import SMALL_CELL, suppress
from helpers.report.context import CountyContext


def headline(ctx: CountyContext) -> pd.DataFrame:
    """The county's key counts (people, eligible, outliers, …) as a two-column table."""
    c = ctx.candidates
    rows = [
        ("People in CDCR custody from this county", len(ctx.people)),
        (
            "Share of the statewide population",
            f"{len(ctx.people) / max(len(ctx.statewide_people), 1):.1%}",
        ),
        ("Eligible under the county's screen", int((c["eligibility"] == "eligible").sum())),
        ("Undecided (data cannot decide)", int((c["eligibility"] == "unknown").sum())),
        ("Extreme outliers", int(c["outlier"].sum())),
        (
            "Outlier reviews the mandate requires",
            int(c.get("review_required", pd.Series(dtype=bool)).sum()),
        ),
        ("Median time served (years)", _round(ctx.people["time_served_years"].median())),
        ("Median age", _round(ctx.people["age"].median())),
    ]
    table = pd.DataFrame(rows, columns=["Measure", "Value"])
    if ctx.public:
        small = table["Value"].map(lambda v: isinstance(v, int | np.integer) and 0 < v < SMALL_CELL)
        table["Value"] = table["Value"].astype(object).where(~small, f"fewer than {SMALL_CELL}")
    return table


def _round(value: Any) -> Any:
    return None if pd.isna(value) else round(float(value), 1)


def distribution(ctx: CountyContext, column: str, label: str) -> pd.DataFrame:
    """Counts and shares of the county's people by one column, suppressed in public mode."""
    values = ctx.people[column] if column != "age_band" else age_band(ctx.people["age"])
    counts = (
        values.astype("string")
        .fillna("unknown")
        .value_counts()
        .rename_axis(label)
        .reset_index(name="People")
    )
    counts["Share"] = (counts["People"] / counts["People"].sum()).round(3)
    if ctx.public:
        counts = suppress(counts, ["People"])
        counts = counts.drop(columns=[c for c in ("suppressed", "suppression") if c in counts])
    return counts


def quarantine_summary(ctx: CountyContext) -> pd.DataFrame:
    """Rows quarantined at ingest, by reason (statewide: quarantined rows have no reliable county).

    ``Rows`` counts each row once per reason it has (a row with two reasons counts under both);
    ``Problems`` counts every flagged column; the last line is the total of distinct rows."""
    path = ctx.shared.processed / "quarantine.csv"
    if not path.exists():
        return pd.DataFrame({"Reason": [], "Rows": [], "Problems": []})
    q = pd.read_csv(path, dtype={"file": "string", "reason": "string"})
    if q.empty:
        return pd.DataFrame(
            {"Reason": ["(none: every row was kept)"], "Rows": [0], "Problems": [0]}
        )
    table = quarantine_counts(q).rename(
        columns={"reason": "Reason", "rows": "Rows", "problems": "Problems"}
    )
    totals = quarantine_totals(q)
    total = pd.DataFrame(
        {
            "Reason": ["All reasons (each quarantined row once)"],
            "Rows": [totals["rows"]],
            "Problems": [totals["problems"]],
        }
    )
    return pd.concat([table, total], ignore_index=True)


def _coverage(ctx: CountyContext) -> dict[str, Any]:
    """The ingest manifest's record of how offenses were levelled ({} for an older manifest)."""
    return read_manifest(ctx.shared.processed).offense_coverage


def level_coverage_table(ctx: CountyContext) -> pd.DataFrame:
    """Offense rows, enhancements, controlling offenses and people levelled explicitly (the
    offense table), by the DOJ fallback, or not at all (statewide, from the ingest manifest)."""
    coverage = _coverage(ctx)
    rows = []
    for key, label in (
        ("rows", "Offense counts (current and prior)"),
        ("enhancements", "Enhancements"),
        ("controlling", "Controlling offenses"),
        ("people", "People (their least-levelled offense)"),
    ):
        found = coverage.get(key, {})
        rows.append(
            {
                "": label,
                "Explicit (offense table)": found.get("explicit", 0),
                "Fallback (DOJ statute table)": found.get("fallback", 0),
                "No level": found.get("none", 0),
            }
        )
    return pd.DataFrame(rows)


def unscored_codes_table(ctx: CountyContext) -> pd.DataFrame:
    """The most frequent offense codes without a level, with their rows and people (statewide);
    people counts of 1 to 10 are suppressed in public mode."""
    top = pd.DataFrame(_coverage(ctx).get("top_unscored", []), columns=["code", "rows", "people"])
    if top.empty:
        return pd.DataFrame(
            {"Code": ["(none: every offense has a level)"], "Rows": [0], "People": [0]}
        )
    table = top.rename(columns={"code": "Code", "rows": "Rows", "people": "People"})
    if ctx.public:
        table = suppress(table, ["People", "Rows"], by="Code")
        table = table.drop(columns=["suppressed", "suppression"], errors="ignore")
    return table


def time_served_figure(ctx: CountyContext):
    """Histogram of time served by sentence type (matplotlib figure)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    data = ctx.people
    for kind, group in data.groupby("sentence_type"):
        if len(group) >= SMALL_CELL or not ctx.public:
            ax.hist(
                group["time_served_years"].dropna(),
                bins=np.arange(0, 51, 2),
                alpha=0.5,
                label=str(kind),
            )
    ax.set_xlabel("Years since the controlling offense (time served, upper bound)")
    ax.set_ylabel("People")
    ax.legend(fontsize=7, ncols=2)
    ax.set_title(f"{ctx.county}: time served by sentence type")
    fig.tight_layout()
    return fig
