"""Commands of the accountability family: ``annual-report`` and ``decision-template``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.common import user_errors


def annual_report(
    county: Annotated[str, typer.Option("--county", help="County, e.g. 'Los Angeles'.")],
    year: Annotated[int, typer.Option("--year", min=1990, max=2100, help="Calendar year.")],
    data: Annotated[
        Path,
        typer.Option("--data", help="Ingested tables (Parquet) or a folder of raw CDCR files."),
    ] = Path("data/processed"),
    log: Annotated[
        Path | None,
        typer.Option("--log", help="Decision log (CSV/XLSX); default: the log in --data."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="As-of date (default: the one recorded at ingest)."),
    ] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="public (book) or da (identifiers, outside the book).")
    ] = "public",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for the page and press release "
            "(default book/accountability, or da_reports/<county>/accountability in DA mode).",
        ),
    ] = None,
) -> None:
    """Write the county's annual review report: a MyST page and a printable HTML press release."""
    from helpers.accountability.annual_report import make_annual_report

    with user_errors():
        written = make_annual_report(county, year, data, log=log, as_of=as_of, mode=mode, out=out)
    for note in written.notes:
        typer.echo(note, err=True)
    typer.echo(written.report.statement)
    typer.echo(f"page:          {written.page}")
    typer.echo(f"press release: {written.press_release}")


def decision_template(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="File to write (CSV and XLSX side by side; default "
            "data/reference/decision_log_template.csv).",
        ),
    ] = None,
) -> None:
    """Write the empty review-decision log (header + two commented EXAMPLE rows) as CSV and XLSX."""
    from helpers.data.decision_log import write_template

    with user_errors():
        paths = write_template(out)
    for path in paths:
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add the accountability commands to the ``secondlook`` app."""
    app.command("annual-report")(annual_report)
    app.command("decision-template")(decision_template)
