"""The audit's figures: PNG (matplotlib) and a self-contained HTML chart (Altair), one function each.

Each figure function draws from the (already suppressed) audit tables, writes one file into the
audit folder and returns its name, or ``None`` when its table has nothing to draw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.audit.sentences import SentenceDisparity

DPI = 110
"""Resolution of the PNG figures."""
HTML_COLUMNS = [
    "selection",
    "group",
    "selection_rate",
    "selection_rate_lo",
    "selection_rate_hi",
    "n_population",
    "n_selected",
]
"""The columns of the selection table the HTML chart carries (shown in its tooltips)."""


def _save(fig: Any, out: Path, name: str) -> str:
    """Lay out, write ``out/name`` as PNG and close the figure; the file name."""
    fig.tight_layout()
    fig.savefig(out / name, dpi=DPI)
    _pyplot().close(fig)
    return name


def plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with plain float/object columns for plotting (NA → NaN/None)."""
    out = pd.DataFrame(index=frame.index)
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_bool_dtype(s):
            out[c] = s.astype(object).where(s.notna(), None)
        elif pd.api.types.is_numeric_dtype(s):
            out[c] = pd.to_numeric(s, errors="coerce").astype(float).fillna(np.nan)
        else:
            out[c] = s.astype(object).where(s.notna(), None)
    return out


def race_rows(sel_table: pd.DataFrame) -> pd.DataFrame:
    """The race-group rows of the selection table that have a selection rate, ready to plot."""
    race = plain_frame(sel_table[sel_table["dimension"] == "race_group"])
    return race[race["selection_rate"].notna()]


def _pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def selection_rates_figure(out: Path, race: pd.DataFrame, title: str) -> str | None:
    """``selection_rates.png``: selection rate by race group per selection (with intervals), and
    each group's share of the selected against its share of the population."""
    if not len(race):
        return None
    plt = _pyplot()
    groups = sorted(race["group"].unique())
    sels = list(dict.fromkeys(race["selection"]))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / max(len(sels), 1)
    x = np.arange(len(groups))
    for i, s in enumerate(sels):
        part = race[race["selection"] == s].set_index("group").reindex(groups)
        rate = part["selection_rate"].to_numpy(float)
        err = np.vstack(
            [
                rate - part["selection_rate_lo"].to_numpy(float),
                part["selection_rate_hi"].to_numpy(float) - rate,
            ]
        )
        axes[0].bar(
            x + i * width,
            rate,
            width,
            yerr=np.clip(np.nan_to_num(err), 0, None),
            label=s,
            capsize=2,
        )
    axes[0].set_xticks(x + width * (len(sels) - 1) / 2, groups, rotation=30, ha="right")
    axes[0].set_ylabel("selection rate (95% interval)")
    axes[0].legend(fontsize=8)
    axes[0].set_title("Selection rate by race/ethnicity")
    first = race[race["selection"] == sels[0]].set_index("group").reindex(groups)
    axes[1].bar(x - 0.2, first["share_of_population"], 0.4, label="share of population")
    for s in sels:
        part = race[race["selection"] == s].set_index("group").reindex(groups)
        axes[1].plot(x + 0.2, part["share_of_selected"], "o", label=f"share of {s}")
    axes[1].set_xticks(x, groups, rotation=30, ha="right")
    axes[1].set_title("Share of selected vs share of population")
    axes[1].legend(fontsize=8)
    fig.suptitle(title)
    return _save(fig, out, "selection_rates.png")


def sentence_by_category_figure(out: Path, sent: SentenceDisparity, title: str) -> str | None:
    """``sentence_by_category.png``: mean sentence by race group within each offense category."""
    by_cat = plain_frame(sent.by_category)
    by_cat = by_cat[by_cat["mean_months"].notna()] if "mean_months" in by_cat else by_cat.iloc[:0]
    if not len(by_cat):
        return None
    plt = _pyplot()
    cats = sorted(by_cat["category"].unique())
    races = sorted(by_cat["race_group"].unique())
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(cats) * max(len(races), 1) / 2 + 2))
    height = 0.8 / len(races)
    y = np.arange(len(cats))
    for i, r in enumerate(races):
        part = by_cat[by_cat["race_group"] == r].set_index("category").reindex(cats)
        mean = part["mean_months"].to_numpy(float)
        err = np.vstack(
            [mean - part["mean_lo"].to_numpy(float), part["mean_hi"].to_numpy(float) - mean]
        )
        ax.barh(
            y + i * height,
            mean,
            height,
            xerr=np.clip(np.nan_to_num(err), 0, None),
            label=r,
            capsize=2,
        )
    ax.set_yticks(y + height * (len(races) - 1) / 2, cats)
    ax.set_xlabel("mean aggregate sentence, months (95% interval)")
    ax.set_title(f"{title}: sentence by race within offense category")
    ax.legend(fontsize=8)
    return _save(fig, out, "sentence_by_category.png")


def sentence_regression_figure(out: Path, sent: SentenceDisparity, title: str) -> str | None:
    """``sentence_regression.png``: the adjusted percent difference of each race group's sentence."""
    reg = plain_frame(sent.regression)
    if len(reg) and "group" in reg:
        reg = reg[reg["group"].notna() & reg["pct_diff"].notna()]
    if not len(reg):
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(reg) + 1.5))
    yy = np.arange(len(reg))
    pct = reg["pct_diff"].to_numpy(float)
    err = np.vstack(
        [pct - reg["pct_diff_lo"].to_numpy(float), reg["pct_diff_hi"].to_numpy(float) - pct]
    )
    ax.errorbar(pct, yy, xerr=np.clip(np.nan_to_num(err), 0, None), fmt="o", capsize=3)
    ax.axvline(0, color="grey", lw=1)
    ax.set_yticks(yy, reg["group"])
    ax.set_xlabel(f"% difference in sentence vs {reg['reference_group'].iloc[0]} (adjusted)")
    ax.set_title(title)
    return _save(fig, out, "sentence_regression.png")


def selection_rates_html(out: Path, race: pd.DataFrame, title: str) -> str | None:
    """``selection_rates.html``: the selection rates as an interactive chart that renders offline
    (Vega inlined by ``vl-convert``)."""
    if not len(race):
        return None
    import altair as alt

    data = race[HTML_COLUMNS]
    base = alt.Chart(data).encode(
        x=alt.X("group:N", title="race/ethnicity"),
        xOffset="selection:N",
        color=alt.Color("selection:N"),
    )
    chart = (
        base.mark_bar().encode(
            y=alt.Y("selection_rate:Q", title="selection rate"),
            tooltip=list(data.columns),
        )
        + base.mark_rule().encode(y="selection_rate_lo:Q", y2="selection_rate_hi:Q")
    ).properties(title=f"{title}: selection rate by race/ethnicity", width=420)
    chart.save(str(out / "selection_rates.html"), inline=True)
    return "selection_rates.html"


def write_figures(
    out: Path, sel_table: pd.DataFrame, sent: SentenceDisparity, title: str, *, html: bool = True
) -> list[str]:
    """Every figure of the audit into ``out``; the names of the files written."""
    race = race_rows(sel_table)
    written = [
        selection_rates_figure(out, race, title),
        sentence_by_category_figure(out, sent, title),
        sentence_regression_figure(out, sent, title),
        selection_rates_html(out, race, title) if html else None,
    ]
    return [name for name in written if name is not None]


# --------------------------------------------------------------------------------------------------
# The method page's tables, in words (from the written, already suppressed, audit files)
# --------------------------------------------------------------------------------------------------


def _interval(value: float, lo: float, hi: float, fmt: str = "{:.2f}") -> str:
    """``0.82 (0.61–1.10)``, empty when suppressed."""
    if pd.isna(value):
        return ""
    return f"{fmt.format(value)} ({fmt.format(lo)} to {fmt.format(hi)})"


def _yes(flag: object) -> str:
    return "" if pd.isna(flag) else ("yes" if str(flag) == "True" else "no")


def _selection_page(folder: Path) -> pd.DataFrame:
    """Each selection's ratio against White people, across counties and within them."""
    sel = pd.read_csv(folder / "selection_audit.csv")
    dims = {"race_group": "across counties", "race_group within county": "within counties"}
    sel = sel[sel["dimension"].isin(dims) & (sel["group"] != sel["reference_group"])]
    return pd.DataFrame(
        {
            "Selection": sel["selection"].str.replace("_", " "),
            "Compared": sel["dimension"].map(dims),
            "Group": sel["group"],
            "Selected": sel["n_selected"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
            "Selection rate ÷ White (95 % CI)": [
                _interval(r, lo, hi)
                for r, lo, hi in sel[
                    ["ratio_vs_reference", "ratio_vs_reference_lo", "ratio_vs_reference_hi"]
                ].itertuples(index=False)
            ],
            "Flagged": sel["flag_vs_reference"].map(_yes),
        }
    )


def _assistive_page(folder: Path) -> pd.DataFrame:
    """Of the screen-eligible, each top-k list's share (recall) by race group, against White."""
    a = pd.read_csv(folder / "assistive_audit.csv")
    a = a[(a["dimension"] == "race_group") & (a["labels"] == "screen_eligible")]
    return pd.DataFrame(
        {
            "Selection": a["selection"].str.replace("_", " "),
            "Group": a["group"],
            "Eligible": a["n_eligible"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
            "Share of eligible on the list": a["recall"].map(
                lambda v: "" if pd.isna(v) else f"{v:.0%}"
            ),
            "Ratio vs White (95 % CI)": [
                _interval(r, lo, hi)
                for r, lo, hi in a[
                    [
                        "recall_ratio_vs_reference",
                        "recall_ratio_vs_reference_lo",
                        "recall_ratio_vs_reference_hi",
                    ]
                ].itertuples(index=False)
            ],
            "Flagged": a["recall_flag_vs_reference"].map(_yes),
        }
    )


def _mediation_page(folder: Path) -> pd.DataFrame:
    """The sentence gap against White people as adjustments are added, step by step."""
    m = pd.read_csv(folder / "sentence_mediation.csv")
    m = m[m["group"].notna()]
    return pd.DataFrame(
        {
            "Step": m["step"],
            "Adjusted for": m["adjustment"],
            "Group": m["group"],
            "Sentence vs White, % (95 % CI)": [
                _interval(v, lo, hi, "{:+.1f}")
                for v, lo, hi in m[["pct_diff", "pct_diff_lo", "pct_diff_hi"]].itertuples(
                    index=False
                )
            ],
            "q-value": m["q_value"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}"),
            "Gap flagged": m["gap_flag"].map(_yes),
        }
    )


def _rja_page(folder: Path) -> pd.DataFrame:
    """The RJA indicator by race group, with the rate prong A reaches by chance beside it."""
    r = pd.read_csv(folder / "rja_summary.csv")

    def pct(v: float) -> str:
        return "" if pd.isna(v) else f"{v:.1%}"

    return pd.DataFrame(
        {
            "Group": r["group"],
            "Assessed (enough peers)": r["n_assessed"].map(
                lambda v: "" if pd.isna(v) else f"{int(v):,}"
            ),
            "Prong A: longer than 90 % of peers": r["individual_rate"].map(pct),
            "… expected by chance (race shuffled)": r["individual_null_rate"].map(pct),
            "Both prongs": r["flag_rate"].map(pct),
        }
    )


def _what_if_page(folder: Path) -> pd.DataFrame:
    """For each rule of the statewide screen: people added without it, ratios against White."""
    w = pd.read_csv(folder / "what_if.csv")
    w = w[(w["group"] != "All") & (w["group"] != w["reference_group"])]
    return pd.DataFrame(
        {
            "Screen": w["selection"],
            "More people than now": w["n_added"].map(lambda v: "" if pd.isna(v) else f"{int(v):,}"),
            "Group": w["group"],
            "Selection rate ÷ White (95 % CI)": [
                _interval(r, lo, hi)
                for r, lo, hi in w[
                    ["ratio_vs_reference", "ratio_vs_reference_lo", "ratio_vs_reference_hi"]
                ].itertuples(index=False)
            ],
            "Flagged": w["flag_vs_reference"].map(_yes),
        }
    )


PAGE_TABLES = {
    "audit_selection_ratios.csv": ("selection_audit.csv", _selection_page),
    "audit_assistive.csv": ("assistive_audit.csv", _assistive_page),
    "audit_mediation.csv": ("sentence_mediation.csv", _mediation_page),
    "audit_rja.csv": ("rja_summary.csv", _rja_page),
    "audit_what_if.csv": ("what_if.csv", _what_if_page),
}
"""The method page's tables: file name → (the audit file it reads, the function that words it)."""


def page_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The bias-audit method page's tables in words, from an audit folder (a table whose audit
    file is missing says so in one row, so the page still builds)."""
    folder = Path(folder)
    return {
        name: (
            make(folder)
            if (folder / source).exists()
            else pd.DataFrame({"Note": [f"not computed in this run ({source} missing)"]})
        )
        for name, (source, make) in PAGE_TABLES.items()
    }
