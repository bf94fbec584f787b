"""Views of the cleaning notebook: who is in custody from the county, and where the rows went."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.audit import age_band
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
    """Rows quarantined at ingest, by reason (statewide: quarantined rows have no reliable county)."""
    path = ctx.shared.processed / "quarantine.csv"
    if not path.exists():
        return pd.DataFrame({"Reason": [], "Rows": []})
    q = pd.read_csv(path)
    if q.empty:
        return pd.DataFrame({"Reason": ["(none: every row was kept)"], "Rows": [0]})
    return q["reason"].value_counts().rename_axis("Reason").reset_index(name="Rows")


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
