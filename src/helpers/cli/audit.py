"""The ``audit`` command: selection, assistive and sentence-disparity audits as CSV tables and figures."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.common import user_errors
from helpers.errors import InputError
from helpers.privacy import SUPPRESSED_TEXT


def audit(
    data: Annotated[
        Path, typer.Option("--data", help="Ingested Parquet folder or raw CDCR files.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the audit tables and figures.")],
    county: Annotated[
        str | None, typer.Option("--county", help="County name, or 'statewide' (default).")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="YYYY-MM-DD; default: the date recorded by ingest (raw files need it)."
        ),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="County configuration file (YAML).")
    ] = None,
    k: Annotated[
        int, typer.Option("--k", min=1, help="Office capacity for the top-k selections.")
    ] = 50,
    mode: Annotated[
        str, typer.Option("--mode", help="'public' (small cells suppressed) or 'da'.")
    ] = "public",
    n_boot: Annotated[
        int, typer.Option("--n-boot", min=100, help="Bootstrap replicates (sentence means).")
    ] = 1000,
    band: Annotated[
        tuple[float, float],
        typer.Option("--band", help="Ratios taken as no disparity, LOW HIGH (flag outside)."),
    ] = (0.8, 1.25),
    model_scores: Annotated[
        Path | None,
        typer.Option(
            "--model-scores",
            help="Model predictions (Parquet or CSV: cdcno, model_score, model_rank), e.g. "
            "outputs/shared/model/predictions.parquet; adds the top-k by model.",
        ),
    ] = None,
) -> None:
    """Bias audit: selection vs population by group, assistive recall, sentence disparity, RJA."""
    from helpers.audit.run import AuditOptions, write_audit

    start = time.perf_counter()
    options = AuditOptions(config=config, k=k, n_boot=n_boot, bounds=band)
    with user_errors():
        if not 0 < band[0] < 1 < band[1]:
            raise InputError("--band needs LOW < 1 < HIGH, e.g. --band 0.8 1.25", column="--band")
        manifest = write_audit(
            data, out, county, as_of=as_of, mode=mode, model_scores=model_scores, options=options
        )
    for name, reason in manifest["selections_not_audited"].items():
        typer.echo(f"note: {name} not audited: {reason}", err=True)
    people = manifest["people"]
    people = SUPPRESSED_TEXT if people is None else f"{people:,}"
    typer.echo(
        f"audit of {manifest['scope']} ({people} people, {mode} mode): "
        f"{len(manifest['files'])} files in {out} ({time.perf_counter() - start:.1f} s)"
    )


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command to the ``secondlook`` app."""
    app.command("audit")(audit)
