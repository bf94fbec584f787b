"""Views of the model notebook: the model's tables, settings and ranked list."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from helpers.model import read_metadata
from helpers.privacy import pseudonymise, suppress
from helpers.report.context import CountyContext


def model_table(ctx: CountyContext, name: str) -> pd.DataFrame:
    """One of the statewide model's evaluation tables (metrics, comparison, importance, weights, …)."""
    path = ctx.shared.model.dir / f"{name}.csv"
    if not path.exists():
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
    meta = read_metadata(ctx.shared.model.metadata)
    data = meta.data
    rows = [
        ("label", meta.label),
        ("county", meta.county),
        ("n_train", data.n_train),
        ("n_test", data.n_test),
        ("positives_train", data.n_train_positive),
        ("positives_test", data.n_test_positive),
        ("positive_rate", data.positive_share),
        ("threshold", meta.parameters.threshold),
        ("training_data_hash", data.training_data_sha256),
        ("trained", meta.created),
        ("seconds", meta.timing_seconds.run),
    ]
    rows += [
        (f"parameter {f.name}", getattr(meta.parameters, f.name)) for f in fields(meta.parameters)
    ]
    return pd.DataFrame(
        [(item, _text(value)) for item, value in rows], columns=["Item", "Value"]
    ).astype({"Value": "string"})


def _text(value: object) -> str:
    """A setting's value as text (a tuple as a list, ``None`` as ``none``)."""
    if value is None:
        return "none"
    return str(list(value)) if isinstance(value, tuple) else str(value)


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
