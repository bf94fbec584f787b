"""Views of the screen-and-score notebook: eligibility, rule results, the ranked list, outliers."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.privacy import SMALL_CELL, gate_list, pseudonymise, suppress, without_case_numbers
from helpers.report import present
from helpers.report.cleaning import count_words
from helpers.report.context import CountyContext

#: Rows a long list shows on the page (the full list is a download beside the notebook).
TOP_ROWS = 10


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


GATED_COLUMNS = ("eligibility", "outlier", "score_status")
"""Columns of a public list whose groups' sizes the list must not reveal (publishing gate)."""


def ranked_list(
    ctx: CountyContext, k: int | None = None, extra: list[str] | None = None
) -> pd.DataFrame:
    """The county's top-k candidates: pseudonymous IDs in public mode, CDCR numbers in DA mode."""
    k = int(k or ctx.config.top_k)
    cols = LIST_COLUMNS + [c for c in (extra or []) if c in ctx.candidates]
    top = ctx.candidates.nsmallest(k, "rank")
    out = top[[c for c in cols if c in top]].copy()
    return _people_table(ctx, top, out)


def _people_table(
    ctx: CountyContext,
    rows: pd.DataFrame,
    out: pd.DataFrame,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
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
    # the publishing gate: no list that shows how many people (1-10) a group holds
    whole = ctx.candidates if population is None else population
    return gate_list(out.reset_index(drop=True), ctx.mode, population=whole, by=GATED_COLUMNS)


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
                "rule": name,
                "n_near_miss": int(mine.sum()),
                "n_within_1_year": int((mine & years.le(1)).sum()),
                "n_within_2_years": int((mine & years.le(2)).sum()),
                "n_within_5_years": int((mine & years.le(5)).sum()),
            }
        )
    table = pd.DataFrame(rows)
    if ctx.public and not table.empty:
        counts = [c for c in table.columns if c != "rule"]
        table = suppress(table, counts, by="rule")
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
    return _people_table(ctx, rows, out, population=c.loc[near])


def sensitivity_table(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """How the top-k changes when each weight moves one preset step (overlap@k, Kendall τ); in
    public mode a pool of 1 to 10 people (and the k it caps) is suppressed."""
    from helpers.screening.score import sensitivity

    table = sensitivity(ctx.candidates, ctx.config, k).round(3)
    if ctx.public and "pool" in table:
        derived = {"k": ["pool"]} if "k" in table else {}
        table = suppress(table, ["pool"], derived=derived)
        table = table.drop(columns=["suppressed", "suppression"])
    return table


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
    return gate_list(out.reset_index(drop=True).round(2), ctx.mode, population=c)


def score_figure(ctx: CountyContext) -> present.Html:
    """Distribution of R by screen outcome, with its caption (outcomes of fewer than 11 people
    are left out in public mode)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.0))
    for outcome, group in ctx.candidates.groupby("eligibility"):
        if len(group) >= SMALL_CELL or not ctx.public:
            ax.hist(group["R"].dropna(), bins=40, alpha=0.55, label=str(outcome))
    ax.set_xlabel("R (lower = better candidate)")
    ax.set_ylabel("People")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return present.figure(
        fig, f"{ctx.county}: the ranking score R by screen outcome; lower R ranks first."
    )


# --------------------------------------------------------------------------------------------------
# The page: summary, settings, figures and downloads
# --------------------------------------------------------------------------------------------------


def screen_funnel(ctx: CountyContext) -> pd.DataFrame:
    """People still passing after each rule, in the configuration's order: ``passed`` (every rule
    so far passes) and ``possible`` (every rule so far passes or cannot be decided)."""
    c = ctx.candidates
    passed = np.ones(len(c), dtype=bool)
    possible = np.ones(len(c), dtype=bool)
    rows = [{"rule": "everybody", "passed": len(c), "possible": len(c)}]
    for rule in ctx.config.rules:
        col = f"rule_{rule.id}"
        if col not in c:
            continue
        values = c[col].astype("boolean")
        passed &= values.fillna(False).to_numpy(dtype=bool)
        possible &= values.fillna(True).to_numpy(dtype=bool)
        rows.append({"rule": rule.id, "passed": int(passed.sum()), "possible": int(possible.sum())})
    return pd.DataFrame(rows)


def screen_summary(ctx: CountyContext) -> present.Html:
    """The page's opening words, computed: the screen's outcome, the rule that excludes most
    people, near misses and future eligibility, and who cannot be scored."""
    c = ctx.candidates
    n = len(c)
    outcome = c["eligibility"].value_counts()
    eligible, unknown = int(outcome.get("eligible", 0)), int(outcome.get("unknown", 0))
    words = [
        f"Of {count_words(ctx, n)} people from {ctx.county}, {count_words(ctx, eligible)} pass "
        f"every rule of the screen and {count_words(ctx, unknown)} more cannot be decided from "
        "the data; the others fail at least one rule."
    ]
    fails = {
        r.id: int(c[f"rule_{r.id}"].astype("boolean").eq(False).fillna(False).sum())
        for r in ctx.config.rules
        if f"rule_{r.id}" in c
    }
    if fails:
        worst = max(fails, key=fails.get)
        words.append(
            f"The rule that excludes most people is '{worst}' ({count_words(ctx, fails[worst])} "
            "fail it)."
        )
    near = c["near_miss"].astype("string").fillna("").ne("")
    when = (
        pd.to_datetime(c["eligible_on"]) if "eligible_on" in c else pd.Series(pd.NaT, index=c.index)
    )
    soon = when.notna() & ((when - pd.Timestamp(ctx.as_of)).dt.days <= 5 * 365.25)
    words.append(
        f"{count_words(ctx, int(near.sum()))} people fail exactly one rule, and time alone will "
        f"make {count_words(ctx, int(soon.sum()))} of the people now screened out eligible within "
        "five years."
    )
    cannot = int(c["score_status"].astype("string").eq("cannot_score").sum())
    words.append(
        "Every person has a score R."
        if not cannot
        else f"{count_words(ctx, cannot)} people have a current offense without a level: they "
        "cannot be scored and are ranked after every scored person of the same outcome."
    )
    body = "".join(f"<p>{html.escape(w)}</p>" for w in (" ".join(words[:2]), *words[2:]))
    return present.Html(f'<div class="sl-summary">{body}</div>')


def _rule_words(params: dict) -> str:
    return ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in params.items()) or "(no settings)"


def settings_table(ctx: CountyContext) -> pd.DataFrame:
    """The county's settings, once: configuration files, every rule with its settings, the
    weights of R and the size of the list compared."""
    cfg = ctx.config
    files = [Path(f).as_posix().split("configs/")[-1] for f in cfg.files]
    rows = [("Configuration", ", ".join(files)), ("Description", cfg.description)]
    rows += [(f"Rule '{r.id}' ({r.type})", _rule_words(r.params)) for r in cfg.rules]
    score = cfg.score
    weights = {"a": score.a, "b": score.b, "d": score.d, **score.factors}
    rows.append(
        (
            "Weights of R",
            "; ".join(f"{k}: {score.labels.get(k, v)}" for k, v in weights.items()),
        )
    )
    rows.append(("Top of the list compared (k)", str(cfg.top_k)))
    return pd.DataFrame(rows, columns=["setting", "value"])


def funnel_figure(ctx: CountyContext) -> present.Html:
    """The screen rule by rule: people left after each rule (passing every rule so far, and
    passing or undecided), with its caption; bars of 1 to 10 people are not drawn in public mode."""
    import matplotlib.pyplot as plt

    table = screen_funnel(ctx)
    small = ctx.public & table[["passed", "possible"]].apply(lambda s: s.between(1, SMALL_CELL - 1))
    shown = table[["passed", "possible"]].mask(small, 0)
    y = np.arange(len(table))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(table) + 1.0))
    ax.barh(y, shown["possible"], color=present.PALETTE[4], label="passes or undecided")
    ax.barh(y, shown["passed"], color=present.PALETTE[0], label="passes every rule so far")
    for yi, (_, row) in zip(y, table.iterrows(), strict=True):
        ax.text(
            max(float(shown.loc[_, "possible"]), 0.0),
            yi,
            " " + count_words(ctx, int(row["passed"])),
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, table["rule"])
    ax.set_xlabel("People")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return present.figure(
        fig,
        f"{ctx.county}: the screen rule by rule, in the configuration's order; the number is the "
        "people passing every rule so far.",
    )


def sensitivity_figure(ctx: CountyContext) -> present.Html:
    """Overlap@k of the top of the list when each weight moves one preset step down or up (one
    row per weight), with its caption."""
    import matplotlib.pyplot as plt

    table = sensitivity_table(ctx)
    names = list(dict.fromkeys(table["weight"])) if not table.empty else []
    fig, ax = plt.subplots(figsize=(8, 0.25 * max(len(names), 1) + 1.2))
    y = {name: i for i, name in enumerate(reversed(names))}
    for step, marker, color in (("down", "<", present.PALETTE[1]), ("up", ">", present.PALETTE[0])):
        rows = table[table["step"] == step] if not table.empty else table
        ax.scatter(
            rows["overlap_at_k"], rows["weight"].map(y), marker=marker, color=color, label=step
        )
    ax.set_yticks(list(y.values()), list(y.keys()), fontsize=8)
    ax.set_xlim(min(0.5, float(table["overlap_at_k"].min()) - 0.05) if len(table) else 0, 1.02)
    ax.set_xlabel(f"Share of the top {ctx.config.top_k} that stays (overlap@k)")
    ax.legend(fontsize=8, title="weight moved", title_fontsize=8, loc="lower left")
    fig.tight_layout()
    return present.figure(
        fig,
        f"{ctx.county}: how much the top of the list moves when one weight takes the next preset "
        "down or up; points far left mark the weights whose choice matters most.",
    )


def sensitivity_download(ctx: CountyContext) -> present.Html:
    """The full sensitivity table as a download, the most sensitive weights shown first."""
    table = sensitivity_table(ctx).sort_values("overlap_at_k", kind="mergesort")
    table = table.drop(columns=["k", "pool"], errors="ignore").reset_index(drop=True)
    return present.download_table(
        ctx, table, "weight_sensitivity", top=3, caption="The weights that move the list most"
    )


def ranked_download(ctx: CountyContext) -> present.Html:
    """The top of the county's ranked list as a download — everybody the screen passes or cannot
    decide, and at least the configuration's ``top_k`` — with its first rows on the page (the
    office's whole list is the DA export)."""
    open_ = int(ctx.candidates["eligibility"].ne("not eligible").sum())
    frame = ranked_list(ctx, k=max(open_, ctx.config.top_k))
    return present.download_table(
        ctx, frame, "ranked_list", top=TOP_ROWS, caption="The top of the ranked list"
    )


def near_miss_download(ctx: CountyContext) -> present.Html:
    """Every near miss and future eligibility as a download, earliest date first on the page."""
    frame = near_miss_list(ctx, k=len(ctx.candidates))
    return present.download_table(
        ctx, frame, "near_misses", top=TOP_ROWS, caption="Near misses, earliest eligibility first"
    )


def outlier_download(ctx: CountyContext) -> present.Html:
    """The county's extreme outliers as a download, the most extreme on the page."""
    return present.download_table(
        ctx, outlier_list(ctx), "outliers", top=TOP_ROWS, caption="The most extreme sentences"
    )
