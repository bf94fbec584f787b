"""Views of the cleaning notebook: who is in custody from the county, and where the rows went."""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from helpers.audit import age_band
from helpers.data.manifest import read_manifest
from helpers.data.quarantine import quarantine_counts, quarantine_totals
from helpers.privacy import SMALL_CELL, suppress
from helpers.report import present
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
        if len(ctx.people) < SMALL_CELL:  # a median of so few people is not published
            median = table["Measure"].str.startswith("Median")
            table.loc[median, "Value"] = "not published"
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
    if column == "age_band":  # bands in age order, not by size
        counts = counts.sort_values(
            label,
            key=lambda s: s.str.extract(r"(\d+)", expand=False).astype(float),
            kind="mergesort",
        ).reset_index(drop=True)
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
                "offenses": label,
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


def count_words(ctx: CountyContext, n: int) -> str:
    """A count for a sentence: ``1,234``, or "fewer than 11" for 1 to 10 people in public mode."""
    n = int(n)
    if ctx.public and 0 < n < SMALL_CELL:
        return f"fewer than {SMALL_CELL}"
    return f"{n:,}"


def _share_words(ctx: CountyContext, n: int, total: int) -> str:
    """`` (12.3 %)`` of a count, or nothing when the count is suppressed or the total is 0."""
    if total <= 0 or (ctx.public and 0 < n < SMALL_CELL):
        return ""
    return f" ({100 * n / total:.1f} %)"


def _paragraphs(*texts: str) -> present.Html:
    body = "".join(f"<p>{html.escape(t)}</p>" for t in texts if t)
    return present.Html(f'<div class="sl-summary">{body}</div>')


def cleaning_summary(ctx: CountyContext) -> present.Html:
    """The page's opening words, computed: who is in custody from the county, for how long, on
    what sentences, and what the ingest set aside and could not level (statewide)."""
    people = ctx.people
    n = len(people)
    life = int(people["sentence_life"].fillna(False).astype(bool).sum()) if n else 0
    served = people["time_served_years"].dropna()
    long_served = int((served >= LONG_SERVED_YEARS).sum())
    first = (
        f"{ctx.county} has {count_words(ctx, n)} people in CDCR custody as of {ctx.as_of}"
        f"{_share_words(ctx, n, len(ctx.statewide_people)).replace(')', ' of the state)')}."
    )
    if ctx.public and n < SMALL_CELL:
        first += " The figures of so few people are not published: this page shows counts only."
    elif n:
        first += (
            f" Half have served more than {served.median():.1f} years (median age "
            f"{people['age'].median():.0f}); {count_words(ctx, long_served)}"
            f"{_share_words(ctx, long_served, n)} have served {LONG_SERVED_YEARS} years or more, "
            f"and {count_words(ctx, life)}{_share_words(ctx, life, n)} serve a life term "
            "(life with parole, life without parole or death)."
        )
    totals = read_manifest(ctx.shared.processed)
    rows_in = sum(i.rows_in for i in totals.inputs)
    second = (
        f"Statewide, the ingest read {rows_in:,} rows and quarantined {totals.quarantined_rows:,}"
        + (" (none were set aside)." if not totals.quarantined_rows else " with their reasons.")
    )
    who = _coverage(ctx).get("people", {})
    if who:
        none = int(who.get("none", 0))
        second += (
            f" Offense levels: {int(who.get('explicit', 0)):,} people have every offense levelled "
            f"by the offense table, {int(who.get('fallback', 0)):,} have an offense levelled by the "
            f"DOJ fallback, and {none:,} have an offense without a level"
            + (
                " (they are listed, and cannot be scored when it is a current offense)."
                if none
                else "."
            )
        )
    return _paragraphs(first, second)


#: Served this long or more counts as a long term in the summary (PC 1172.1 reviews often start
#: at 10 years; the county screens set their own thresholds).
LONG_SERVED_YEARS = 10


def time_served_figure(ctx: CountyContext) -> present.Html:
    """Histogram of time served by sentence type, with its caption (groups under 11 people are
    left out in public mode)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.2))
    groups = [
        (str(kind), group["time_served_years"].dropna().to_numpy())
        for kind, group in ctx.people.groupby("sentence_type")
        if len(group) >= SMALL_CELL or not ctx.public
    ]
    if groups:
        ax.hist(
            [g for _, g in groups],
            bins=np.arange(0, 51, 2),
            stacked=True,
            color=present.PALETTE[: len(groups)],
            label=[k for k, _ in groups],
        )
    ax.set_xlabel("Years since the controlling offense (time served, upper bound)")
    ax.set_ylabel("People")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, ncols=2)
    fig.tight_layout()
    return present.figure(
        fig,
        f"{ctx.county}: time served by sentence type (stacked, 2-year bins); the long right tail "
        "is where the screens look.",
    )


def sentence_figure(ctx: CountyContext) -> present.Html:
    """Distribution of the aggregate sentence (determinate terms in years, life terms as one bar
    each), with its caption; bars of 1 to 10 people are not drawn in public mode."""
    import matplotlib.pyplot as plt

    people = ctx.people
    years = people["sentence_years"].astype("float64")
    edges = [0, 3, 5, 10, 15, 20, 30, 50, np.inf]
    words = ["<3", "3-5", "5-10", "10-15", "15-20", "20-30", "30-50", "50+"]
    life = people["sentence_life"].fillna(False).astype(bool).to_numpy()
    lwop = people["sentence_lwop"].fillna(False).astype(bool).to_numpy()
    condemned = people["sentence_condemned"].fillna(False).astype(bool).to_numpy()
    fixed = pd.cut(years[~life], edges, right=False, labels=words).value_counts().reindex(words)
    counts = pd.concat(
        [
            fixed.fillna(0).astype(int),
            pd.Series(
                {
                    "life with parole": int((life & ~lwop & ~condemned).sum()),
                    "life w/o parole": int((lwop & ~condemned).sum()),
                    "death": int(condemned.sum()),
                }
            ),
        ]
    )
    shown = counts.where(~(ctx.public & counts.between(1, SMALL_CELL - 1)), 0)
    fig, ax = plt.subplots(figsize=(8, 3.0))
    colors = [present.PALETTE[0]] * len(words) + [present.PALETTE[1]] * 3
    ax.bar(range(len(counts)), shown.to_numpy(), color=colors)
    ax.set_xticks(range(len(counts)), counts.index, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("People")
    ax.set_xlabel("Aggregate sentence (years; life terms apart)")
    fig.tight_layout()
    hidden = " Bars of 1 to 10 people are not drawn." if ctx.public else ""
    return present.figure(
        fig,
        f"{ctx.county}: aggregate sentences, determinate terms by length (blue) and life terms "
        f"(orange).{hidden}",
    )


def profile_tables(ctx: CountyContext) -> present.Html:
    """The county's people by sentence type, offense category, race/ethnicity and age band, side
    by side (counts suppressed in public mode)."""
    parts = [
        present.table_html(distribution(ctx, column, words), max_rows=15)
        for column, words in (
            ("sentence_type", "Sentence type"),
            ("offense_category", "Offense category"),
            ("race_group", "Race/ethnicity (grouped)"),
            ("age_band", "Age band"),
        )
    ]
    cells = "".join(f'<div style="flex:1 1 300px;min-width:260px">{p}</div>' for p in parts)
    return present.Html(f'<div style="display:flex;flex-wrap:wrap;gap:1.5em">{cells}</div>')
