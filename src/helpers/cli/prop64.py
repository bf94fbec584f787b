"""``secondlook prop64`` and ``secondlook sample-doj`` commands (heavy imports inside commands)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.common import user_errors
from helpers.errors import InputError

PROP64_HELP = (
    "Evaluate a county's Prop 64 cannabis convictions (HS 11357-11360) in CA DOJ research files: "
    "dismiss, reduce, not_eligible or review, with a reason.\n\n"
    "\b\nExample:\n"
    '  secondlook prop64 --doj cadoj.csv --county "SAN JOAQUIN" --as-of 2020-07-01 --out results/\n\n'
    "\b\nPer input file, OUT gets:\n"
    "  <stem>_results.csv             every row with the added columns\n"
    "  <stem>_condensed.csv           the same rows, fewer DOJ columns\n"
    "  <stem>_prop64_convictions.csv  the evaluated convictions only\n"
    "  <stem>_summary.json            counts by section and outcome\n"
    "  <stem>_gogen.json              the same, in Clear My Record's fields\n"
    "  <stem>_errors.csv              malformed rows: line and reason\n"
    "and for the run: combined_summary.json, gogen.json (all files), and with --pdf\n"
    "prop64_summary_<timestamp>.pdf. A file that cannot be read is reported; the others run.\n\n"
    "Flow presets (configs/prop64/*.yaml): statewide (default), los_angeles, san_joaquin, contra_costa, "
    "sacramento, san_francisco. A county with a preset uses it unless --options is given; "
    "see book/method/prop64.md for every step type and setting."
)


def _date(value: str | None, name: str) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} must be a date YYYY-MM-DD (got {value!r})") from None


EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="local: one machine, chunks of people, bounded memory. dask: partitions by "
        "person on a Dask cluster (--scheduler), or a local two-worker cluster.",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address (tcp://host:8786) for --engine dask; workers must see "
        "--out at the same path. Default: a local cluster.",
    ),
]
MemoryOption = Annotated[
    str,
    typer.Option(
        "--memory",
        help="Memory budget of the run (each Dask worker), e.g. 1GB or 512MB; sets how much "
        "of a file is read at a time.",
    ),
]
CombineOption = Annotated[
    bool,
    typer.Option(
        "--combine/--no-combine",
        help="--engine dask: also write the partitions' rows back in file order into the "
        "usual files (the partition outputs are always kept in <stem>_parts/).",
    ),
]
PdfOption = Annotated[
    bool,
    typer.Option(
        "--pdf",
        help="Also print prop64_summary_<timestamp>.pdf, the summary for the District "
        "Attorney (needs Debian's chromium).",
    ),
]


def prop64_command(
    doj: Annotated[
        list[Path],
        typer.Option(
            "--doj",
            help="DOJ research file (.csv/.dat); repeat --doj, or list more files after it.",
        ),
    ],
    county: Annotated[
        str,
        typer.Option(
            "--county", help='County whose convictions are evaluated, e.g. "SAN JOAQUIN".'
        ),
    ],
    more: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="FILE", help="More DOJ files (same as extra --doj).", show_default=False
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Evaluation date YYYY-MM-DD for ages, years since, sentences. Default: today.",
        ),
    ] = None,
    options: Annotated[
        str | None,
        typer.Option(
            "--options",
            help="Flow YAML file or preset name (statewide, los_angeles, ...). Default: the county's preset, "
            "else statewide.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("prop64_results"),
    engine: EngineOption = "local",
    scheduler: SchedulerOption = None,
    memory: MemoryOption = "1GB",
    combine: CombineOption = True,
    pdf: PdfOption = False,
) -> None:
    """Evaluate the Prop 64 convictions of a county in DOJ files and write the outputs."""
    from helpers.prop64.report import EngineSettings, run_files
    from helpers.prop64.stream import parse_memory

    with user_errors():
        settings = EngineSettings(engine, parse_memory(memory), scheduler, combine)
        run = run_files(
            [*doj, *(more or [])], county, _date(as_of, "--as-of"), out, options, settings, pdf
        )
    for result in run.files:
        if not result.ok:
            typer.echo(f"error: {result.error}", err=True)
            continue
        typer.echo(result.describe())
        warning = result.warning()
        if warning:
            typer.echo(warning, err=True)
    typer.echo(
        f"combined summary of {run.combined['files_evaluated']} file(s): {run.combined_path}"
    )
    if run.pdf_path:
        typer.echo(f"summary report: {run.pdf_path}")
    if run.failed:
        raise typer.Exit(2)


def sample_doj_command(
    people: Annotated[
        int, typer.Option("--people", min=1, help="Number of synthetic people.")
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed; the same seed gives the same file.")
    ] = 0,
    county: Annotated[
        str, typer.Option("--county", help="County of the Prop 64 convictions.")
    ] = "SAN JOAQUIN",
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Output .csv file, or a directory (file name made from the options)."
        ),
    ] = Path("data/sample"),
) -> None:
    """Write a deterministic synthetic DOJ research file (people named SYNTHETIC,PERSON 000123).

    Every person has at least one Prop 64 conviction in --county, plus arrests, dismissals, other charges and counties, split sentences, deceased people, PC 290 registrations and superstrikes, before and after 2016-11-09.
    """
    from helpers.synthetic.doj import write_doj

    with user_errors():
        path, n = write_doj(out, people, seed, county)
    typer.echo(f"wrote {n} rows for {people} synthetic people to {path}")


def register(app: typer.Typer) -> None:
    """Add the ``prop64`` and ``sample-doj`` commands to the main app."""
    app.command("prop64", help=PROP64_HELP)(prop64_command)
    app.command("sample-doj")(sample_doj_command)
