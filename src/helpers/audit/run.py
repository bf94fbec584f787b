"""Run the bias audit of a county or the state and write its tables, figures and ``audit.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    import pandas as pd

    from helpers.audit.core import SentenceDisparity

from helpers.counties import STATEWIDE, canonical_name, in_county


def build_candidates_for(
    tables: dict[str, pd.DataFrame], county: str, config_file: Path | None, as_of: date | None
) -> pd.DataFrame:
    """The candidate list of ``county`` (or statewide) under its configuration."""
    from helpers.screening.candidates import build_candidates
    from helpers.screening.config import load_config

    name = None if county == STATEWIDE else county
    return build_candidates(tables, name, load_config(name, config_file), as_of)


def selections(
    people: pd.DataFrame, candidates: pd.DataFrame | None, k: int
) -> dict[str, pd.Series]:
    """Boolean selections aligned with ``people``: screen-eligible, top-k by R, top-k by model."""
    import numpy as np
    import pandas as pd

    out: dict[str, pd.Series] = {}
    if candidates is None or "cdcno" not in candidates:
        return out
    cand = candidates.drop_duplicates("cdcno").set_index("cdcno")
    ids = people["cdcno"]

    def col(name: str) -> pd.Series:
        return ids.map(cand[name]) if name in cand else pd.Series(pd.NA, index=people.index)

    if "eligible" in cand:
        eligible = col("eligible")
        if eligible.dtype == object or pd.api.types.is_string_dtype(eligible):
            eligible = eligible.astype("string").str.lower().isin(["true", "yes", "eligible"])
        out["screen_eligible"] = eligible.astype("boolean").fillna(False).astype(bool)
    for name, rank_col, score_col in (("R", "rank", "R"), ("model", "model_rank", "model_score")):
        if rank_col in cand:
            rank = pd.to_numeric(col(rank_col), errors="coerce")
            out[f"top_{k}_by_{name}"] = (rank <= k).fillna(False).astype(bool)
        elif score_col in cand:
            score = pd.to_numeric(col(score_col), errors="coerce").to_numpy(float)
            order = np.argsort(score if name == "R" else -score, kind="stable")
            order = order[~np.isnan(score[order])][:k]
            mask = np.zeros(len(people), dtype=bool)
            mask[order] = True
            out[f"top_{k}_by_{name}"] = pd.Series(mask, index=people.index)
    return out


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with plain float/object columns for plotting (NA → NaN/None)."""
    import numpy as np
    import pandas as pd

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


def _figures(
    out: Path, sel_table: pd.DataFrame, sent: SentenceDisparity, title: str, html: bool
) -> list[str]:
    """PNG (matplotlib) and, when possible, self-contained HTML (Altair) figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    written: list[str] = []
    race = _plain(sel_table[sel_table["dimension"] == "race_group"])
    race = race[race["selection_rate"].notna()]
    if len(race):
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
        fig.tight_layout()
        fig.savefig(out / "selection_rates.png", dpi=110)
        plt.close(fig)
        written.append("selection_rates.png")

    by_cat = _plain(sent.by_category)
    by_cat = by_cat[by_cat["mean_months"].notna()] if "mean_months" in by_cat else by_cat.iloc[:0]
    if len(by_cat):
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
        fig.tight_layout()
        fig.savefig(out / "sentence_by_category.png", dpi=110)
        plt.close(fig)
        written.append("sentence_by_category.png")

    reg = _plain(sent.regression)
    if len(reg) and "group" in reg:
        reg = reg[reg["group"].notna() & reg["pct_diff"].notna()]
    if len(reg):
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
        fig.tight_layout()
        fig.savefig(out / "sentence_regression.png", dpi=110)
        plt.close(fig)
        written.append("sentence_regression.png")

    if html and len(race):
        import altair as alt

        data = race[
            [
                "selection",
                "group",
                "selection_rate",
                "selection_rate_lo",
                "selection_rate_hi",
                "n_population",
                "n_selected",
            ]
        ]
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
        try:
            chart.save(str(out / "selection_rates.html"), inline=True)
            written.append("selection_rates.html")
        except Exception:  # HTML is optional (needs vl-convert offline); PNG and CSV remain
            pass
    return written


def write_audit(
    data: Path,
    out: Path,
    county: str = STATEWIDE,
    as_of: str | None = None,
    config: Path | None = None,
    k: int = 50,
    mode: str = "public",
    n_boot: int = 1000,
) -> dict:
    """Run the bias audit of ``county`` (or statewide) and write its tables, figures and audit.json.

    Returns the manifest written to ``audit.json``.  Raises :class:`helpers.errors.InputError` on bad
    input (the command turns it into a one-line message).
    """
    import pandas as pd

    from helpers.audit import core as A
    from helpers.data.ingest import load_dataset
    from helpers.errors import InputError
    from helpers.privacy import SMALL_CELL, check_mode

    check_mode(mode)
    dataset = load_dataset(data, as_of)
    tables, as_of_date = dataset.tables, dataset.as_of
    people = A.add_groups(tables["people"]).reset_index(drop=True)
    offenses = tables.get("offenses")
    scope = canonical_name(county) or STATEWIDE
    if scope != STATEWIDE:
        keep = in_county(people, scope)
        if not keep.any():
            raise InputError(f"no people sentenced in county '{county}' in the data")
        people = people[keep].reset_index(drop=True)
    candidates = build_candidates_for(tables, scope, config, as_of_date)
    sels = selections(people, candidates, k)

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    groups = A.group_definitions(people)
    files: list[str] = []

    def write(frame: pd.DataFrame, name: str) -> None:
        frame.to_csv(out / name, index=False)
        files.append(name)

    sel_parts = []
    for name, selected in sels.items():
        t = A.selection_audit(people, selected, groups, n_boot=n_boot)
        t.insert(0, "selection", name)
        sel_parts.append(t)
    sel_table = (
        A.protect_selection_audit(pd.concat(sel_parts, ignore_index=True), mode)
        if sel_parts
        else pd.DataFrame(columns=["selection", "dimension", "group", "selection_rate"])
    )
    sel_table.insert(0, "scope", scope)
    write(sel_table, "selection_audit.csv")

    if "screen_eligible" in sels:
        parts = []
        for name, selected in sels.items():
            if name == "screen_eligible":
                continue
            t = A.assistive_audit(people, sels["screen_eligible"], selected, groups, n_boot=n_boot)
            t.insert(0, "selection", name)
            parts.append(t)
        if parts:
            assist = A.protect_assistive_audit(pd.concat(parts, ignore_index=True), mode)
            assist.insert(0, "scope", scope)
            write(assist, "assistive_audit.csv")

    sent = A.protect_sentence_tables(A.sentence_disparity(people, offenses, n_boot=n_boot), mode)
    write(sent.by_category.assign(scope=scope), "sentence_by_category.csv")
    write(sent.regression.assign(scope=scope), "sentence_regression.csv")
    # Counts of offense categories (each compared cell has >= 11 people), not of people.
    write(sent.summary.assign(scope=scope), "sentence_summary.csv")

    rja = A.rja_indicator(people, offenses)
    write(
        A.protect_rja_summary(A.rja_summary(people, rja), mode).assign(scope=scope),
        "rja_summary.csv",
    )
    if mode == "da":
        write(rja, "rja_indicator.csv")

    write(A.race_group_table(), "race_groups.csv")
    figure_files = _figures(
        out, sel_table, sent, "Statewide" if scope == STATEWIDE else scope, html=True
    )
    files += figure_files
    manifest = {
        "tool": "secondlook audit",
        "scope": scope,
        "mode": mode,
        "k": k,
        "people": len(people),
        "selected": {
            name: int(s.sum()) if mode == "da" or s.sum() == 0 or s.sum() >= SMALL_CELL else None
            for name, s in sels.items()
        },
        "candidates": "helpers.screening.candidates" if candidates is not None else "not available",
        "top_k": "the first k of each county's ranking (rank / model_rank within the county)",
        "reference_group": A.REFERENCE_GROUP,
        "ratio_bounds": list(A.RATIO_BOUNDS),
        "bootstrap": {"replicates": n_boot, "seed": A.SEED, "level": A.CI_LEVEL},
        "small_cell": A.SMALL_CELL,
        "sentence_categories": sent.category_source,
        "regression_adjustment": sent.adjustment,
        "sentence_exclusion_rule": sent.exclusion_rule,
        "rja_definition": {
            "percentile": A.RJA_PERCENTILE,
            "min_peers": A.RJA_MIN_PEERS,
            "peers": "same controlling offense, same county, other race group",
        },
        "html_figures": any(f.endswith(".html") for f in figure_files),
        "files": files,
    }
    (out / "audit.json").write_text(json.dumps(manifest, indent=2, default=str))
    return manifest
