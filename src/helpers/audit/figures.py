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
        axes[0].bar(x + i * width, rate, width, yerr=np.nan_to_num(err), label=s, capsize=2)
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
        ax.barh(y + i * height, mean, height, xerr=np.nan_to_num(err), label=r, capsize=2)
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
    ax.errorbar(pct, yy, xerr=err, fmt="o", capsize=3)
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
