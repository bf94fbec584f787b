"""Views of the screen-and-score notebook: eligibility, rule results, the ranked list, outliers."""

from __future__ import annotations

import pandas as pd

from helpers.privacy import SMALL_CELL, pseudonymise, suppress, without_case_numbers
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
    "score_status",
    "sentence_type",
    "sentence_years",
    "time_served_years",
    "age",
    "controlling_offense_key",
    "outlier",
    "failed_rules",
    "near_miss",
    "eligible_on",
]


def ranked_list(
    ctx: CountyContext, k: int | None = None, extra: list[str] | None = None
) -> pd.DataFrame:
    """The county's top-k candidates: pseudonymous IDs in public mode, CDCR numbers in DA mode."""
    k = int(k or ctx.config.top_k)
    cols = LIST_COLUMNS + [c for c in (extra or []) if c in ctx.candidates]
    top = ctx.candidates.nsmallest(k, "rank")
    out = top[[c for c in cols if c in top]].copy()
    return _people_table(ctx, top, out)


def _people_table(ctx: CountyContext, rows: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """A list of people: pseudonyms and reasons without case numbers in public mode; CDCR and case
    numbers in DA mode; numbers rounded."""
    if ctx.public:
        out.insert(0, "person", pseudonymise(rows["cdcno"], ctx.salt).to_numpy())
        for col in ("failed_rules", "unknown_rules", "near_miss"):
            if col in out:
                out[col] = without_case_numbers(out[col])
    else:
        out.insert(0, "cdcno", rows["cdcno"].to_numpy())
        people = ctx.people.set_index("cdcno")
        out.insert(
            1, "case_number", rows["cdcno"].map(people["controlling_case_number"]).to_numpy()
        )
    for col in ("R", "sentence_years", "time_served_years", "age"):
        if col in out:
            out[col] = out[col].astype(float).round(2)
    if "eligible_on" in out:
        out["eligible_on"] = pd.to_datetime(out["eligible_on"]).dt.strftime("%Y-%m-%d")
    return out.reset_index(drop=True)


def near_miss_table(ctx: CountyContext) -> pd.DataFrame:
    """People one rule away from eligibility, by that rule, and how many of them time alone will
    make eligible (``eligible_on``) within 1, 2 and 5 years; suppressed in public mode."""
    c = ctx.candidates
    rule = c["near_miss"].astype("string").fillna("").str.split(":", n=1).str[0]
    when = (
        pd.to_datetime(c["eligible_on"]) if "eligible_on" in c else pd.Series(pd.NaT, index=c.index)
    )
    years = (when - pd.Timestamp(ctx.as_of)).dt.days / 365.25
    rows = []
    for name in [r.id for r in ctx.config.rules]:
        mine = rule.eq(name)
        rows.append(
            {
                "Rule": name,
                "Fails only this rule": int(mine.sum()),
                "Eligible within 1 year": int((mine & years.le(1)).sum()),
                "Within 2 years": int((mine & years.le(2)).sum()),
                "Within 5 years": int((mine & years.le(5)).sum()),
            }
        )
    table = pd.DataFrame(rows)
    if ctx.public and not table.empty:
        counts = [c for c in table.columns if c != "Rule"]
        table = suppress(table, counts, by="Rule")
        table = table.drop(columns=["suppressed", "suppression"], errors="ignore")
    return table


NEAR_MISS_COLUMNS = ["rank", "eligibility", "near_miss", "eligible_on", "time_served_years", "age"]


def near_miss_list(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """The people one rule away from eligibility (``near_miss``) or whom time alone will make
    eligible (``eligible_on``), earliest date first, then by rank: pseudonymous in public mode."""
    k = int(k or ctx.config.top_k)
    c = ctx.candidates
    near = c["near_miss"].astype("string").fillna("").ne("")
    near |= pd.to_datetime(c["eligible_on"]).notna()
    rows = c.loc[near].assign(_when=pd.to_datetime(c["eligible_on"]))
    rows = rows.sort_values(["_when", "rank"], na_position="last", kind="mergesort").head(k)
    out = rows[[col for col in NEAR_MISS_COLUMNS if col in rows]].copy()
    return _people_table(ctx, rows, out)


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
