"""Commands that run the pipeline and build the public site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.data import user_errors


def book(
    shared: Annotated[
        Path,
        typer.Option("--shared", help="Statewide outputs of `secondlook run` (shared.json)."),
    ] = Path("outputs/shared"),
    strict: Annotated[bool, typer.Option(help="Treat build warnings as errors.")] = True,
) -> None:
    """Build the public website into _build/html (after `secondlook run`)."""
    from helpers.site.build import ROOT, build_book, prepare_site

    with user_errors():
        prepare_site(shared, ROOT)
    try:
        html = build_book(ROOT, strict=strict)
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

    from helpers.cli.data import parse_date_option
    from helpers.data.ingest import is_processed
    from helpers.data.manifest import read_manifest
    from helpers.errors import InputError
    from helpers.pipeline import NOTEBOOKS, RunSettings, resolve_counties
    from helpers.pipeline import run as run_pipeline

    if mode not in ("public", "da"):
        typer.echo("error: --mode must be 'public' or 'da'", err=True)
        raise typer.Exit(2)
    with user_errors():
        names = resolve_counties(counties, every)
        if as_of is None:
            if not is_processed(data):
                raise InputError(
                    "raw files need an as-of date (--as-of YYYY-MM-DD)", file=str(data)
                )
            as_of = read_manifest(data).as_of.isoformat()
        chosen = tuple(n.strip() for n in notebooks.split(",")) if notebooks else NOTEBOOKS
        unknown = [n for n in chosen if n not in NOTEBOOKS]
        if unknown:
            typer.echo(
                f"error: unknown notebook '{unknown[0]}' (one of: {', '.join(NOTEBOOKS)})", err=True
            )
            raise typer.Exit(2)
        settings = RunSettings(
            notebooks=chosen,
            data=data,
            as_of=str(parse_date_option(as_of)),
            mode=mode,
            seed=seed,
            jobs=jobs,
            out_root=out,
            force=force,
        )
        results = run_pipeline(settings, names)
    ran = sum(r.status == "ran" for r in results)
    skipped = sum(r.status == "skipped" for r in results)
    failed = [r for r in results if r.status == "failed"]
    typer.echo(
        f"{ran} counties ran, {skipped} unchanged (skipped), {len(failed)} failed -> {settings.output_root()}"
    )
    for r in failed:
        typer.echo(
            f"  FAILED {r.county}: {r.error.splitlines()[0] if r.error else 'unknown error'}",
            err=True,
        )
    if failed:
        raise typer.Exit(1)
