"""Commands of the decision model: ``train`` and ``predict``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.common import user_errors


def train(
    data: Annotated[
        Path, typer.Option("--data", help="Ingested folder (Parquet) or raw CDCR files.")
    ],
    county: Annotated[
        str, typer.Option("--county", help="County name, or 'statewide' for every office.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the model and its reports.")],
    label: Annotated[
        str,
        typer.Option(
            "--label",
            help="'decisions' (the review-decision log: trains the model that ranks) or 'screen' "
            "(the rule emulation check only: no model is saved).",
        ),
    ] = "decisions",
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
    trees: Annotated[int, typer.Option("--trees", min=1, help="Number of trees.")] = 100,
    repeats: Annotated[
        int, typer.Option("--repeats", min=1, help="Repeats of the grouped K-fold.")
    ] = 2,
    n_boot: Annotated[
        int, typer.Option("--n-boot", min=50, help="Bootstrap replicates for the intervals.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1172,
) -> None:
    """Train and evaluate the decision model (or run the rule emulation check); write its files."""
    with user_errors():
        from helpers.model import ModelSettings, train_or_check

        settings = ModelSettings(
            smote=smote, n_estimators=trees, n_repeats=repeats, n_boot=n_boot, random_state=seed
        )
        typer.echo(
            train_or_check(data, county, out, label, config=config, as_of=as_of, settings=settings)
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
            help="Explain only the best N by model score in each county (0 = everybody ranked).",
        ),
    ] = 1000,
) -> None:
    """Add the model's columns to the candidate list: score and rank only where the screen passes
    or cannot decide."""
    with user_errors():
        from helpers.model import predict_to_file

        run = predict_to_file(
            data,
            model,
            out,
            county=county,
            candidates=candidates,
            as_of=as_of,
            explain=explain,
            explain_top=explain_top,
        )
        typer.echo(run.summary())


def register(app: typer.Typer) -> None:
    """Add ``train`` and ``predict`` to the ``secondlook`` app."""
    app.command("train")(train)
    app.command("predict")(predict)
