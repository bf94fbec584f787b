"""Views of the screen-and-score notebook: eligibility, rule results, the ranked list, outliers."""

from __future__ import annotations

import pandas as pd

from helpers.privacy import SMALL_CELL, pseudonymise, suppress
from helpers.report.context import CountyContext


def eligibility_table(ctx: CountyContext) -> pd.DataFrame:
    """People by screen outcome."""
    counts = (
        ctx.candidates["eligibility"]
        .value_counts()
        .rename_axis("Outcome")
        .reset_index(name="People")
    )
    if ctx.public:
        counts = suppress(counts, ["People"]).drop(
            columns=["suppressed", "suppression"], errors="ignore"
        )
    return counts


def rule_table(ctx: CountyContext) -> pd.DataFrame:
    """For each rule of the county's screen: people who pass, fail, or cannot be decided."""
    rows = []
    for rule in ctx.config.rules:
        col = f"rule_{rule.id}"
        if col not in ctx.candidates:
            continue
        values = ctx.candidates[col]
        rows.append(
            {
                "Rule": rule.id,
                "Passes": int((values == True).sum()),  # noqa: E712 - NA-aware
                "Fails": int((values == False).sum()),  # noqa: E712
                "Cannot decide": int(values.isna().sum()),
            }
        )
    table = pd.DataFrame(rows)
    if ctx.public and not table.empty:
        table = suppress(table, ["Passes", "Fails", "Cannot decide"], by="Rule")
        table = table.drop(columns=["suppressed", "suppression"], errors="ignore")
    return table


LIST_COLUMNS = [
    "rank",
    "eligibility",
    "R",
    "sentence_type",
    "sentence_years",
    "time_served_years",
    "age",
    "controlling_offense_key",
    "outlier",
    "failed_rules",
]


def ranked_list(
    ctx: CountyContext, k: int | None = None, extra: list[str] | None = None
) -> pd.DataFrame:
    """The county's top-k candidates: pseudonymous IDs in public mode, CDCR numbers in DA mode."""
    k = int(k or ctx.config.top_k)
    cols = LIST_COLUMNS + [c for c in (extra or []) if c in ctx.candidates]
    top = ctx.candidates.nsmallest(k, "rank")
    out = top[[c for c in cols if c in top]].copy()
    if ctx.public:
        out.insert(0, "person", pseudonymise(top["cdcno"], ctx.salt).to_numpy())
    else:
        out.insert(0, "cdcno", top["cdcno"].to_numpy())
        people = ctx.people.set_index("cdcno")
        out.insert(1, "case_number", top["cdcno"].map(people["controlling_case_number"]).to_numpy())
    for col in ("R", "sentence_years", "time_served_years", "age"):
        if col in out:
            out[col] = out[col].astype(float).round(2)
    return out.reset_index(drop=True)


def sensitivity_table(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """How the top-k changes when each weight moves one preset step (overlap@k, Kendall τ)."""
    from helpers.screening.score import sensitivity

    return sensitivity(ctx.candidates, ctx.config, k).round(3)


def outlier_list(ctx: CountyContext) -> pd.DataFrame:
    """The county's extreme outliers, most extreme first, with the reason and mandate status."""
    c = ctx.candidates[ctx.candidates["outlier"]].copy()
    sort_col = "outlier_severity" if "outlier_severity" in c else "R"
    c = c.sort_values(sort_col, ascending=False)
    cols = [
        "outlier_reason",
        "review_required",
        "sentence_type",
        "sentence_years",
        "guideline_ratio",
        "controlling_offense_key",
    ]
    out = c[[col for col in cols if col in c]].copy()
    if ctx.public:
        out.insert(0, "person", pseudonymise(c["cdcno"], ctx.salt).to_numpy())
    else:
        out.insert(0, "cdcno", c["cdcno"].to_numpy())
    return out.reset_index(drop=True).round(2)


def score_figure(ctx: CountyContext):
    """Distribution of R by screen outcome (matplotlib figure)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for outcome, group in ctx.candidates.groupby("eligibility"):
        if len(group) >= SMALL_CELL or not ctx.public:
            ax.hist(group["R"].dropna(), bins=40, alpha=0.55, label=str(outcome))
    ax.set_xlabel("R (lower = better candidate)")
    ax.set_ylabel("People")
    ax.legend(fontsize=8)
    ax.set_title(f"{ctx.county}: ranking score by screen outcome")
    fig.tight_layout()
    return fig
