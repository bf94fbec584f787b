"""Analysis commands: ``screen`` (eligibility screens, the ranking score R and extreme outliers)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.common import user_errors


def screen(
    data: Annotated[
        Path,
        typer.Option("--data", help="Raw public-format CDCR files or an ingested Parquet folder."),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for candidates.csv/.xlsx, summary.json, outliers.csv."),
    ],
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="YYYY-MM-DD: required for raw files; for ingested data it must be the ingest date.",
        ),
    ] = None,
    county: Annotated[
        str | None,
        typer.Option(
            "--county", help='County to list, e.g. "Los Angeles" (default: all counties).'
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="County YAML file (default: configs/counties/<county>.yaml, else statewide).",
        ),
    ] = None,
    top_k: Annotated[
        int | None,
        typer.Option(
            "--top-k", min=1, help="List size for the sensitivity report (default: config)."
        ),
    ] = None,
) -> None:
    """Screen, score and rank one county's people; list extreme outliers and the weights' sensitivity."""
    from helpers.screening.candidates import screen_folder

    with user_errors():
        start = time.perf_counter()
        info = screen_folder(data, out, as_of=as_of, county=county, config_path=config, top_k=top_k)
    seconds = time.perf_counter() - start
    typer.echo(
        f"{info['people']:,} people ({info['county'] or 'all counties'}, "
        f"config {info['config']['name']}): "
        f"{info['eligible']:,} eligible, {info['unknown']:,} unknown, "
        f"{info['not_eligible']:,} not eligible; {info['outliers']:,} extreme outliers "
        f"({info['outlier_reviews_required']:,} to review) in {seconds:.1f} s -> {out}"
    )
    if info["quarantined_rows"]:
        typer.echo(
            f"  quarantined at ingest: {info['quarantined_rows']:,} rows "
            f"({info['quarantine_problems']:,} problems; a row can have more than one reason), "
            f"listed in {info['quarantine_file']}",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the ``secondlook`` app."""
    app.command("screen")(screen)
