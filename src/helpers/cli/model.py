"""Commands of the eligibility model: ``train`` and ``predict``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.data import user_errors
from helpers.errors import InputError


def train(
    data: Annotated[
        Path, typer.Option("--data", help="Ingested folder (Parquet) or raw CDCR files.")
    ],
    county: Annotated[
        str, typer.Option("--county", help="County name, or 'statewide' for everybody.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the model and its reports.")],
    label: Annotated[
        str, typer.Option("--label", help="Label: 'screen' (the county's screen) or 'decisions'.")
    ] = "screen",
    config: Annotated[
        Path | None,
        typer.Option("--config", help="County configuration YAML (default: the county's)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date (default: the ingest manifest's).")
    ] = None,
    smote: Annotated[
        bool,
        typer.Option("--smote/--no-smote", help="SMOTENC before the forest (training folds only)."),
    ] = False,
    trees: Annotated[int, typer.Option("--trees", min=1, help="Number of trees.")] = 200,
    n_boot: Annotated[
        int, typer.Option("--n-boot", min=50, help="Bootstrap replicates for the intervals.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1172,
) -> None:
    """Train and evaluate the eligibility model; write the model, its metadata, reports and card."""
    with user_errors():
        from helpers.counties import canonical_name
        from helpers.data.ingest import load_dataset
        from helpers.model import LABELS, ModelSettings, save_model, train_model
        from helpers.model.card import write_model_card
        from helpers.screening.config import load_config

        if label not in LABELS:
            raise InputError(f"--label must be one of {', '.join(LABELS)}, not '{label}'")
        start = time.perf_counter()
        dataset = load_dataset(data, as_of)
        tables, day = dataset.tables, dataset.as_of
        name = canonical_name(county)
        cfg = load_config(name, config)
        settings = ModelSettings(smote=smote, n_estimators=trees, n_boot=n_boot, random_state=seed)
        result = train_model(tables, name, cfg, day, label, settings)
        out = Path(out)
        model_path, meta_path = save_model(result.pipeline, result.metadata, out)
        result.metrics.to_csv(out / "metrics.csv", index=False)
        result.comparison.to_csv(out / "comparison.csv", index=False)
        result.importance.to_csv(out / "importance.csv", index=False)
        result.weights.to_csv(out / "weights.csv", index=False)
        result.inspection.to_csv(out / "inspection.csv", index=False)
        if result.feedback is not None:
            result.feedback.to_csv(out / "feedback.csv", index=False)
        if result.by_group is not None:
            result.by_group.to_csv(out / "by_group.csv", index=False)
        write_model_card(result.metadata, out / "model_card.md")
        m = result.metrics.set_index("metric")
        d = result.metadata["data"]
        typer.echo(
            f"{result.metadata['model']}: {d['n_labelled']:,} labelled people "
            f"({d['n_positive']:,} positive), test {d['n_test']:,} ({d['n_test_positive']:,} positive)"
        )
        for metric in ("precision", "recall", "pr_auc", "balanced_accuracy"):
            r = m.loc[metric]
            typer.echo(
                f"  {metric:<18} {r['value']:.3f}  (95 % {r['ci_low']:.3f}–{r['ci_high']:.3f})"
            )
        typer.echo(
            f"fit {result.metadata['timing_seconds']['fit']:.1f} s; "
            f"run {time.perf_counter() - start:.1f} s; wrote {model_path}, {meta_path.name}, "
            "metrics.csv, comparison.csv, importance.csv, weights.csv, model_card.md"
        )


def predict(
    data: Annotated[
        Path, typer.Option("--data", help="Ingested folder (Parquet) or raw CDCR files.")
    ],
    model: Annotated[Path, typer.Option("--model", help="model.joblib written by `train`.")],
    out: Annotated[Path, typer.Option("--out", help="Candidate list CSV to write.")],
    county: Annotated[
        str | None, typer.Option("--county", help="County (default: the model's).")
    ] = None,
    candidates: Annotated[
        Path | None,
        typer.Option("--candidates", help="Existing candidate list CSV to add the columns to."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="As-of date (default: manifest, else the model's)."),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain/--no-explain", help="Add top_features per person.")
    ] = True,
    explain_top: Annotated[
        int,
        typer.Option(
            "--explain-top",
            min=0,
            help="Explain only the best N by model score in each county (0 = everybody).",
        ),
    ] = 1000,
) -> None:
    """Add ``model_score``, ``model_rank`` and ``top_features`` to the candidate list."""
    with user_errors():
        import pandas as pd

        from helpers.counties import canonical_name
        from helpers.data.ingest import is_processed, load_dataset
        from helpers.model import load_model, model_ranks
        from helpers.model import predict as model_predict
        from helpers.model.features import build_features
        from helpers.screening.candidates import build_candidates
        from helpers.screening.config import load_config

        start = time.perf_counter()
        pipeline, meta = load_model(model)
        dataset = load_dataset(data, as_of or (None if is_processed(data) else meta.get("as_of")))
        tables, day = dataset.tables, dataset.as_of
        name = canonical_name(county if county is not None else meta.get("county"))
        files = meta.get("config", {}).get("files") or []
        cfg_path = Path(files[-1]) if files and Path(files[-1]).exists() else None
        cfg = load_config(name, cfg_path)
        if candidates is not None:
            if not Path(candidates).exists():
                raise InputError("no such candidate list", file=str(candidates))
            cand = pd.read_csv(candidates, dtype={"cdcno": "string"})
            if "cdcno" not in cand:
                raise InputError("has no cdcno column", file=str(candidates))
        else:
            cand = build_candidates(tables, name, cfg, day)
        X = build_features(tables, day, cfg)
        X = X.loc[~X.index.duplicated()].reindex(pd.Index(cand["cdcno"].astype("string")))
        t0 = time.perf_counter()
        pred = model_predict(pipeline, meta, X, explain_rows=False)
        seconds = time.perf_counter() - t0
        cand = cand.drop(columns=["model_score", "model_rank", "top_features"], errors="ignore")
        cand["model_score"] = pred["model_score"].to_numpy()
        cand["model_rank"] = model_ranks(cand["model_score"].to_numpy(), cand.get("county"))
        if explain:
            rows = cand["model_rank"].to_numpy() <= explain_top if explain_top else True
            why = model_predict(pipeline, meta, X, explain_rows=rows)
            cand["top_features"] = why["top_features"].to_numpy()
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        cand.to_csv(out, index=False)
        typer.echo(
            f"{len(cand):,} people scored with {Path(model).name} ({meta.get('label')} label, "
            f"trained {meta.get('created', '')}) in {seconds:.2f} s; total "
            f"{time.perf_counter() - start:.1f} s; wrote {out}"
        )


def register(app: typer.Typer) -> None:
    """Add ``train`` and ``predict`` to the ``secondlook`` app."""
    app.command("train")(train)
    app.command("predict")(predict)
