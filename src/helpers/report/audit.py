"""Views of the county bias-audit notebook: the summary in words, the selection-ratio figure, and
the selection, assistive and "what if" tables, computed once per county and mode."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.report import present
from helpers.report.context import CountyContext

SELECTION_NAMES = {
    "screen_eligible": "the screen",
    "top_k_by_R": "the top {k} by R",
    "top_k_by_model": "the top {k} by the model",
}
"""The selections in words."""
RACE = {"race_group": ["race_group"]}
"""A county page compares race groups (the county is the stratum: comparisons are within it)."""
SELECTION_TABLE_COLUMNS = [
    "selection", "group", "n_population", "n_selected", "selection_rate", "ratio_vs_reference",
    "ratio_vs_reference_lo", "ratio_vs_reference_hi", "flag_vs_reference",
]  # fmt: skip
"""The columns of the county's selection table, in order."""


@dataclass
class CountyAudit:
    """The county's audit tables (protected for its mode)."""

    k: int
    selection: pd.DataFrame
    assistive: pd.DataFrame
    what_if: pd.DataFrame


_CACHE: dict[tuple[int, str, int], CountyAudit] = {}


def _selection_name(name: str, k: int) -> str:
    """``top_50_by_R`` → ``the top 50 by R``."""
    key = name.replace(f"top_{k}_", "top_k_")
    return SELECTION_NAMES.get(key, name.replace("_", " ")).format(k=k)


def county_audit(ctx: CountyContext, k: int | None = None) -> CountyAudit:
    """The county's selection, assistive and what-if tables (computed once per context)."""
    from helpers import audit

    k = int(k or ctx.config.top_k)
    key = (id(ctx), ctx.mode, k)
    if key in _CACHE:
        return _CACHE[key]
    people = ctx.people.set_index("cdcno").loc[ctx.candidates["cdcno"]].reset_index()
    sels = audit.selections(people, ctx.candidates, k)
    parts, assist = [], []
    for name, selected in sels.items():
        t = audit.selection_audit(people, selected.to_numpy(), RACE, within=None)
        parts.append(t.assign(selection=_selection_name(name, k)))
        if name != "screen_eligible":
            a = audit.assistive_audit(people, sels["screen_eligible"], selected, RACE)
            assist.append(a.assign(selection=_selection_name(name, k)))
    selection = audit.protect_selection_audit(pd.concat(parts, ignore_index=True), ctx.mode)
    assistive = (
        audit.protect_assistive_audit(pd.concat(assist, ignore_index=True), ctx.mode)
        if assist
        else pd.DataFrame()
    )
    what_if = audit.criterion_what_if(people, ctx.candidates, mode=ctx.mode)
    _CACHE[key] = CountyAudit(k, selection, assistive, what_if)
    return _CACHE[key]


def selection_audit_table(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """Selection rates and ratios against White people by race group, for each selection (the
    screen, the first k of the county's ranking by R and by the model), suppressed in public."""
    return county_audit(ctx, k).selection


def selection_table(ctx: CountyContext) -> pd.DataFrame:
    """The race-group rows of :func:`selection_audit_table` in the page's columns."""
    table = selection_audit_table(ctx)
    return table[table["dimension"] == "race_group"][SELECTION_TABLE_COLUMNS].reset_index(drop=True)


def _race_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["dimension"] == "race_group"]


def audit_settings(ctx: CountyContext) -> pd.DataFrame:
    """How the page tests: stated once (band, correction, intervals, capacity k)."""
    from helpers import audit

    lo, hi = audit.RATIO_BOUNDS
    rows = [
        ("Reference group", audit.REFERENCE_GROUP),
        ("Band taken as no disparity", f"{lo:g} to {hi:g} (four-fifths rule and its mirror)"),
        ("Intervals", "95 %: Wilson for rates, Katz log for ratios (0.5 added to zero cells)"),
        ("A disparity is flagged when", "its interval lies outside the band after the "
         f"Benjamini–Hochberg correction across the table (false-discovery rate {audit.FDR:.0%})"),
        ("Office capacity k (top-k selections)", str(county_audit(ctx).k)),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["setting", "value"])


def _ratio_words(row: pd.Series) -> str:
    """``0.82 (0.61 to 1.10)``."""
    return (
        f"{row['ratio_vs_reference']:.2f} ({row['ratio_vs_reference_lo']:.2f} to "
        f"{row['ratio_vs_reference_hi']:.2f})"
    )


def audit_summary(ctx: CountyContext) -> str:
    """The page's opening in words (Markdown), computed from the county's tables: for each
    selection, which groups are flagged and where the widest published gap is."""
    from helpers import audit

    res = county_audit(ctx)
    lines = []
    for name, part in _race_rows(res.selection).groupby("selection", sort=False):
        shown = part[part["ratio_vs_reference"].notna() & (part["group"] != audit.REFERENCE_GROUP)]
        flagged = shown[shown["flag_vs_reference"].eq(True).fillna(False)]
        if shown.empty:
            lines.append(
                f"- **{name[:1].upper() + name[1:]}**: too few people selected to compare groups "
                "(cells of 1 to 10 are not published)."
            )
            continue
        far = shown.loc[(np.log(shown["ratio_vs_reference"].astype(float))).abs().idxmax()]
        text = (
            f"- **{name[:1].upper() + name[1:]}**: the largest gap is {far['group']}, selected at "
            f"{far['ratio_vs_reference']:.2f} times the rate of White people (95 % interval "
            f"{far['ratio_vs_reference_lo']:.2f} to {far['ratio_vs_reference_hi']:.2f}). "
        )
        if flagged.empty:
            text += "No group's interval lies outside 0.8–1.25 after the correction: no flag."
        else:
            groups = ", ".join(f"{r['group']} {_ratio_words(r)}" for _, r in flagged.iterrows())
            text += f"Flagged (interval outside 0.8–1.25 after the correction): {groups}."
        lines.append(text)
    return "\n".join(lines)


def selection_ratio_figure(ctx: CountyContext) -> present.Html:
    """Dot plot: each race group's selection rate ÷ White people's, per selection, with 95 %
    intervals and the 0.8–1.25 band shaded."""
    import matplotlib.pyplot as plt

    from helpers import audit

    present.set_style()
    race = _race_rows(county_audit(ctx).selection)
    race = race[race["ratio_vs_reference"].notna() & (race["group"] != audit.REFERENCE_GROUP)]
    fig, ax = plt.subplots(figsize=(8.0, 3.6))
    lo, hi = audit.RATIO_BOUNDS
    ax.axvspan(lo, hi, color="#dddddd", alpha=0.6, lw=0)
    ax.axvline(1.0, color="#777777", lw=1)
    groups = sorted(race["group"].unique())
    sels = list(dict.fromkeys(race["selection"]))
    for i, sel in enumerate(sels):
        part = race[race["selection"] == sel].set_index("group").reindex(groups)
        y = np.arange(len(groups)) + (i - (len(sels) - 1) / 2) * 0.22
        r = part["ratio_vs_reference"].to_numpy(float)
        err = np.vstack(
            [r - part["ratio_vs_reference_lo"].to_numpy(float),
             part["ratio_vs_reference_hi"].to_numpy(float) - r]
        )  # fmt: skip
        ax.errorbar(
            r,
            y,
            xerr=np.clip(np.nan_to_num(err), 0, None),
            fmt="o",
            capsize=3,
            label=sel,
            color=present.PALETTE[i],
        )
    ax.set_xscale("log")
    ax.set_yticks(np.arange(len(groups)), groups)
    ax.set_xlabel("selection rate ÷ White people's rate (log scale, 95 % interval)")
    if sels:
        ax.legend(fontsize=8, loc="best")
    caption = (
        "Dots inside the grey band (0.8–1.25) mean no material gap; a gap is flagged only when "
        "the whole interval is outside the band. Groups with 1 to 10 people selected are not shown."
    )
    return present.figure(fig, caption)


def assistive_table(ctx: CountyContext) -> pd.DataFrame:
    """For each top-k selection: of the people the screen finds eligible, the share it puts on
    the list (recall) and misses, by race group, with ratios against White people."""
    a = county_audit(ctx).assistive
    if a.empty:
        return a
    a = a[a["dimension"] == "race_group"]
    cols = [
        "selection", "group", "n_eligible", "n_true_positive", "recall",
        "recall_ratio_vs_reference", "recall_ratio_vs_reference_lo",
        "recall_ratio_vs_reference_hi", "recall_flag_vs_reference", "false_negative_rate",
        "false_omission_rate",
    ]  # fmt: skip
    return a[cols].reset_index(drop=True)


def what_if_table(ctx: CountyContext) -> pd.DataFrame:
    """For each rule of the county's screen: people who would pass without it and the ratios."""
    w = county_audit(ctx).what_if
    if w.empty:
        return w
    cols = [
        "selection", "n_pass", "n_added", "group", "n_selected", "ratio_vs_reference",
        "ratio_vs_reference_lo", "ratio_vs_reference_hi", "flag_vs_reference",
    ]  # fmt: skip
    w = w[(w["group"] != "All") & (w["group"] != "White")]
    return w[cols].reset_index(drop=True)


def what_if_summary(ctx: CountyContext) -> str:
    """The "what if" in words: which rule, dropped, adds the most people."""
    w = county_audit(ctx).what_if
    if w.empty:
        return "The county's screen has no rule columns to drop."
    totals = w[w["group"] == "All"].set_index("selection")
    totals = totals[totals.index != "the screen as configured"]
    known = totals["n_added"].dropna()
    if known.empty:
        return "Dropping any one rule adds fewer than 11 people (not published)."
    top = known.astype(int).idxmax()
    return (
        f"Dropping one rule at a time, **{top}** would add the most people: "
        f"{int(known[top]):,} more would pass the rest of the screen."
    )
