"""Commands that make and read data: ``sample`` and ``ingest``."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.common import user_errors


def sample(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the synthetic CDCR files into.")
    ],
    people: Annotated[
        int, typer.Option("--people", min=10, help="Number of people to generate.")
    ] = 95_000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same bytes).")] = 1,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Date the synthetic release describes.")
    ] = "2026-05-01",
) -> None:
    """Write a deterministic SYNTHETIC statewide dataset in the public CDCR format (plus DSA extras)."""
    from helpers.data.manifest import as_of_date
    from helpers.synthetic import write_sample

    with user_errors():
        start = time.perf_counter()
        counts = write_sample(out, people=people, seed=seed, as_of=as_of_date(as_of))
    seconds = time.perf_counter() - start
    for name, n in counts.items():
        typer.echo(f"{name:<45} {n:>10,} rows")
    typer.echo(
        f"SYNTHETIC data for {people:,} people written to {out} in {seconds:.1f} s (seed {seed})."
    )


def ingest(
    data: Annotated[
        Path,
        typer.Argument(
            help="Folder with demographics, current/prior commitments (CSV or XLSX) and optional DSA extras."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder for the Parquet tables, quarantine.csv and manifest.json."
        ),
    ],
    as_of: Annotated[
        str, typer.Option("--as-of", help="Date for ages and time served (YYYY-MM-DD).")
    ],
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Text encoding of CSV files (default UTF-8).")
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet", help="Excel sheet to read (default: the one with the right columns)."
        ),
    ] = None,
) -> None:
    """Validate CDCR files and write typed tidy tables; bad rows go to quarantine.csv with reasons."""
    from helpers.data.ingest import ingest_folder
    from helpers.data.manifest import as_of_date
    from helpers.data.quarantine import quarantine_lines

    with user_errors():
        start = time.perf_counter()
        result = ingest_folder(data, out, as_of_date(as_of), encoding=encoding, sheet=sheet)
    typer.echo(result.summary().to_string(index=False))
    totals = result.totals()
    typer.echo(
        f"{totals['rows_in']:,} rows in, {totals['kept']:,} kept, "
        f"{totals['quarantined']:,} quarantined ({time.perf_counter() - start:.1f} s) -> {out}"
    )
    if totals["quarantined"]:
        typer.echo(quarantine_lines(result.quarantine, Path(out) / "quarantine.csv"), err=True)
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    """Add the data commands to the ``secondlook`` app."""
    app.command("sample")(sample)
    app.command("ingest")(ingest)
