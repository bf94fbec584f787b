"""Views of the model notebook: the model's tables, settings and ranked list."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from helpers.privacy import pseudonymise, suppress
from helpers.report.context import CountyContext


def model_table(ctx: CountyContext, name: str) -> pd.DataFrame:
    """One of the statewide model's evaluation tables (metrics, comparison, importance, weights, …)."""
    model = ctx.shared.get("model") or {}
    path = Path(model.get("dir", "")) / f"{name}.csv"
    if not model or not path.exists():
        return pd.DataFrame(
            {"note": [f"no {name} table: the statewide model was not trained in this run"]}
        )
    table = pd.read_csv(path)
    numeric = table.select_dtypes("number").columns
    table[numeric] = table[numeric].round(3)
    if ctx.public and name in {"by_group", "inspection"}:
        counts = [
            c
            for c in table.columns
            if c.startswith("n") and pd.api.types.is_integer_dtype(table[c])
        ]
        if counts:
            table = suppress(table, counts).drop(
                columns=["suppressed", "suppression"], errors="ignore"
            )
    return table


def model_setting(ctx: CountyContext) -> pd.DataFrame:
    """The model's setting in words: label, positives, split, parameters, training-data hash."""
    model = ctx.shared.get("model") or {}
    if not model:
        return pd.DataFrame({"note": ["the statewide model was not trained in this run"]})
    meta = json.loads(Path(model["metadata"]).read_text())
    keep = [
        "label",
        "county",
        "n_train",
        "n_test",
        "positives_train",
        "positives_test",
        "positive_rate",
        "threshold",
        "training_data_hash",
        "trained",
        "seconds",
    ]
    rows = [(k, meta[k]) for k in keep if k in meta]
    rows += [(f"parameter {k}", v) for k, v in (meta.get("parameters") or {}).items()]
    return pd.DataFrame(rows, columns=["Item", "Value"]).astype({"Value": "string"})


def model_ranked_list(ctx: CountyContext, k: int = 25) -> pd.DataFrame:
    """The county's top-k by model score, with the features that pushed each score up."""
    if "model_rank" not in ctx.candidates:
        return pd.DataFrame({"note": ["no model scores in this run"]})
    top = ctx.candidates.nsmallest(k, "model_rank")
    cols = ["model_rank", "model_score", "rank", "eligibility", "R", "top_features"]
    out = top[[c for c in cols if c in top]].copy()
    if ctx.public:
        out.insert(0, "person", pseudonymise(top["cdcno"], ctx.salt).to_numpy())
    else:
        out.insert(0, "cdcno", top["cdcno"].to_numpy())
    return out.reset_index(drop=True).round(3)
