"""Views of the model notebook: which model ranks the county, its tables, its list and how the list
agrees with the rules and the score R."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pandas as pd

from helpers.model import (
    COUNTY,
    KS,
    PLAN_FILE,
    ModelSettings,
    agreement_table,
    count_text,
    county_model_dir,
    list_differences,
    rank_correlation,
    read_metadata,
)
from helpers.privacy import pseudonymise, suppress
from helpers.report.context import CountyContext

#: Count columns of the tables that count people (suppressed 1-10 in public mode).
_COUNTS = {
    "metrics": ["n"],
    "comparison": ["n"],
    "time_split": ["n"],
    "by_group": ["n", "n_positive", "n_flagged", "n_found"],
    "calibration": ["n", "positives"],
    "inspection": ["n_positive_decisions", "n_top_unreviewed", "n_other_unreviewed"],
}


def model_dir(ctx: CountyContext) -> Path:
    """The folder of the model that ranks the county: its own, or the statewide one."""
    model = ctx.shared.model
    if model.ranks_by.get(ctx.county) == COUNTY:
        return county_model_dir(model.dir, ctx.county)
    return model.dir


def model_table(ctx: CountyContext, name: str) -> pd.DataFrame:
    """One evaluation table of the model that ranks the county (metrics, comparison, weights, …)."""
    path = model_dir(ctx) / f"{name}.csv"
    if not path.exists():
        return pd.DataFrame({"note": [f"no {name} table: this model's run did not compute it"]})
    table = pd.read_csv(path)
    numeric = table.select_dtypes("number").columns
    table[numeric] = table[numeric].round(3)
    counts = [c for c in _COUNTS.get(name, []) if c in table]
    if ctx.public and counts:
        table = suppress(table, counts).drop(columns=["suppressed", "suppression"], errors="ignore")
    return table


def model_plan(ctx: CountyContext) -> pd.DataFrame:
    """The county's decisions and the model that ranks it (its own, or the statewide one)."""
    path = ctx.shared.model.dir / PLAN_FILE
    if not path.exists():
        return pd.DataFrame({"note": ["no county plan in this run"]})
    plan = pd.read_csv(path)
    row = plan.loc[plan["county"] == ctx.county]
    if ctx.public:
        row = suppress(row, ["n_decisions", "n_positive", "n_negative"])
        row = row.drop(columns=["suppressed", "suppression"], errors="ignore")
    return row.reset_index(drop=True)


def model_setting(ctx: CountyContext) -> pd.DataFrame:
    """The ranking model's setting in words: label, decisions, evaluation, parameters, hash."""
    path = model_dir(ctx) / "model.json"
    if not path.is_file():
        why = ctx.candidates.get("model_status", pd.Series(["no model in this run"])).iloc[0]
        return pd.DataFrame({"Item": ["ranked by"], "Value": [str(why)]}).astype("string")
    meta = read_metadata(path)
    d, e = meta.data, meta.evaluation
    rows = [
        ("ranked by", ctx.shared.model.ranks_by.get(ctx.county, "statewide model")),
        ("model trained on the decisions of", meta.county),
        ("label", meta.label_definition),
        ("people never reviewed", meta.unlabelled),
        ("decisions", d.n_decisions),
        ("positive decisions", d.n_positive),
        ("positive share", round(d.positive_share, 4)),
        ("cross-validation", f"{e.n_splits}-fold grouped by person × {e.n_repeats} repeats"),
        ("time split", f"train before {e.time_cutoff}, test {e.n_time_test} later decisions"),
        ("office capacity k", meta.parameters.capacity),
        ("training_data_hash", d.training_data_sha256),
        ("trained", meta.created),
        ("seconds", round(meta.timing_seconds.run, 1)),
    ]
    rows += [
        (f"parameter {f.name}", getattr(meta.parameters, f.name)) for f in fields(meta.parameters)
    ]
    if ctx.public:
        rows = [r for r in rows if r[0] not in ("decisions", "positive decisions")] + [
            ("decisions", count_text(d.n_decisions)),
            ("positive decisions", count_text(d.n_positive)),
        ]
    return pd.DataFrame(
        [(item, _text(value)) for item, value in rows], columns=["Item", "Value"]
    ).astype({"Value": "string"})


def _text(value: object) -> str:
    """A setting's value as text (a tuple as a list, ``None`` as ``none``)."""
    if value is None:
        return "none"
    return str(list(value)) if isinstance(value, tuple) else str(value)


def _ids(ctx: CountyContext, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a pseudonymous ``person`` (public) or its ``cdcno`` (DA mode) first."""
    out = frame.drop(columns=["cdcno"])
    if ctx.public:
        out.insert(0, "person", pseudonymise(frame["cdcno"], ctx.salt).to_numpy())
    else:
        out.insert(0, "cdcno", frame["cdcno"].to_numpy())
    return out.reset_index(drop=True)


def model_ranked_list(ctx: CountyContext, k: int | None = None) -> pd.DataFrame:
    """The county's first k by model score (default: the office capacity of the ranking model):
    only people its screen passes or cannot decide."""
    if "model_rank" not in ctx.candidates or ctx.candidates["model_rank"].isna().all():
        why = "nobody is ranked: the county's screen passes nobody, or no model was trained"
        return pd.DataFrame({"note": [why]})
    if k is None:
        path = model_dir(ctx) / "model.json"
        k = read_metadata(path).parameters.capacity if path.is_file() else ModelSettings().capacity
    ranked = ctx.candidates.loc[ctx.candidates["model_rank"].notna()]
    top = ranked.sort_values("model_rank", kind="stable").head(k)
    cols = ["cdcno", "model_rank", "model_score", "rank", "eligibility", "R", "top_features"]
    return _ids(ctx, top[[c for c in cols if c in top]]).round(3)


def model_exclusions(ctx: CountyContext) -> pd.DataFrame:
    """How many people the model ranks, and how many it may not (the county's screen excludes
    them), by status; counts of 1-10 suppressed in public mode."""
    if "model_status" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model columns in this run"]})
    table = (
        ctx.candidates["model_status"]
        .value_counts()
        .rename_axis("model_status")
        .reset_index(name="n")
    )
    if ctx.public:
        table = suppress(table, ["n"]).drop(columns=["suppressed", "suppression"])
    return table


def model_agreement(ctx: CountyContext) -> pd.DataFrame:
    """Rules vs score vs model: for k = 25, 50, 100, the two top-k lists and their overlap."""
    if "model_rank" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model columns in this run"]})
    table = agreement_table(ctx.candidates, KS)
    if ctx.public:
        counts = [c for c in table.columns if c.startswith("n_")]
        table = suppress(table, counts, derived={"overlap": ["n_both"]})
        table = table.drop(columns=["suppressed", "suppression"])
    return table.round(3)


def model_rank_correlation(ctx: CountyContext) -> pd.DataFrame:
    """Spearman's ρ of −R and the model score among the people the county's screen passes."""
    if "model_rank" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model columns in this run"]})
    table = rank_correlation(ctx.candidates)
    if ctx.public:
        table = suppress(table, ["n"]).drop(columns=["suppressed", "suppression"])
    return table.round(3)


def model_list_differences(ctx: CountyContext, k: int = 50) -> pd.DataFrame:
    """Who is in the top k by R but not by the model, and the other way round."""
    if "model_rank" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model columns in this run"]})
    return _ids(ctx, list_differences(ctx.candidates, k)).round(3)


def agreement_sheets(ctx: CountyContext) -> dict[str, pd.DataFrame]:
    """The agreement tables of the DA export: rules vs score vs model, the rank correlation and who
    each top-50 list adds."""
    return {
        "agreement": model_agreement(ctx),
        "rank correlation": model_rank_correlation(ctx),
        "list differences": model_list_differences(ctx),
    }
