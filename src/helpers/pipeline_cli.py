"""Commands that run the pipeline and build the public site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from helpers.data_cli import user_errors


def book(
    processed: Annotated[
        Path, typer.Option("--processed", help="Ingested tables (from `secondlook ingest`).")
    ] = Path("data/processed"),
    strict: Annotated[bool, typer.Option(help="Treat build warnings as errors.")] = True,
) -> None:
    """Build the public website into _build/html (after the main job has run)."""
    from helpers.site import ROOT, build_book, prepare_generated

    with user_errors():
        prepare_generated(processed)
    try:
        html = build_book(ROOT, strict=strict)
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"site built: {html / 'index.html'}")


def register(app: typer.Typer) -> None:
    """Add the pipeline commands to the ``secondlook`` app."""
    app.command("book")(book)
