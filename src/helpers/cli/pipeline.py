"""Commands that run the pipeline and build the public site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.common import user_errors


def book(
    shared: Annotated[
        Path,
        typer.Option("--shared", help="Statewide outputs of `secondlook run` (shared.json)."),
    ] = Path("outputs/shared"),
    strict: Annotated[bool, typer.Option(help="Treat build warnings as errors.")] = True,
) -> None:
    """Build the public website into _build/html (after `secondlook run`)."""
    from helpers.site.build import build_site

    with user_errors():
        try:
            html = build_site(shared, strict=strict)
        except RuntimeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"site built: {html / 'index.html'}")


def register(app: typer.Typer) -> None:
    """Add the pipeline commands to the ``secondlook`` app."""
    app.command("run")(run)
    app.command("book")(book)


def run(
    counties: Annotated[
        str | None,
        typer.Option("--counties", help='Comma-separated counties, e.g. "Los Angeles,Alameda".'),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Run all 58 counties.")] = False,
    data: Annotated[
        Path,
        typer.Option("--data", help="Ingested tables (Parquet) or a folder of raw CDCR files."),
    ] = Path("data/processed"),
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="As-of date (default: the one recorded at ingest)."),
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="public (site) or da (identifiers, outside the site).")
    ] = "public",
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Parallel worker processes.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Seed for bootstraps and the model.")] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Output root (default book/counties, or da_reports in DA mode)."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Rerun counties even if nothing changed.")
    ] = False,
    notebooks: Annotated[
        str | None,
        typer.Option("--notebooks", help='Only these notebooks, e.g. "01-clean,02-score".'),
    ] = None,
) -> None:
    """Execute the per-county notebooks with Papermill (parallel, cached, failures isolated)."""
    from helpers.data.manifest import as_of_date
    from helpers.pipeline import NOTEBOOKS, RunSettings, run_counties
    from helpers.report.da_report import county_da_report

    with user_errors():
        settings = RunSettings(
            data=data,
            as_of=as_of_date(as_of),
            mode=mode,
            seed=seed,
            jobs=jobs,
            out_root=out,
            force=force,
            notebooks=tuple(n.strip() for n in notebooks.split(",")) if notebooks else NOTEBOOKS,
        )
        report = run_counties(settings, counties, every, after=county_da_report)
    typer.echo(report.summary())
    for line in report.failures():
        typer.echo(line, err=True)
    if report.failed:
        raise typer.Exit(1)
