"""Analysis commands: ``screen`` (eligibility screens, the ranking score R and extreme outliers)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from helpers.cli.data import user_errors


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
    with user_errors():
        from helpers.counties import canonical_name
        from helpers.data.ingest import load_dataset
        from helpers.screening.candidates import build_candidates, summary
        from helpers.screening.config import load_config
        from helpers.screening.outliers import mandate_list
        from helpers.screening.score import sensitivity

        start = time.perf_counter()
        dataset = load_dataset(data, as_of)
        tables, as_of_date = dataset.tables, dataset.as_of
        name = canonical_name(county)
        cfg = load_config(name, config)
        candidates = build_candidates(tables, name, cfg, as_of_date)
        out.mkdir(parents=True, exist_ok=True)
        candidates.to_csv(out / "candidates.csv", index=False)
        _write_xlsx(candidates, out / "candidates.xlsx")
        outliers = mandate_list(candidates, cfg)
        keep = [
            "county",
            "outlier_rank",
            "cdcno",
            "review_required",
            "county_outliers",
            "required_reviews",
            "outlier_severity",
            "guideline_ratio",
            "offense_level",
            "eligibility",
            "R",
            "rank",
            "outlier_reason",
        ]
        outliers[[c for c in keep if c in outliers]].to_csv(out / "outliers.csv", index=False)
        sens = sensitivity(candidates, cfg, top_k)
        sens.to_csv(out / "sensitivity.csv", index=False)
        info = summary(candidates, cfg)
        info |= {"as_of": as_of_date.isoformat(), "county": name, "data": str(data)}
        (out / "summary.json").write_text(json.dumps(info, indent=2, default=str))
    seconds = time.perf_counter() - start
    typer.echo(
        f"{info['people']:,} people ({name or 'all counties'}, config {cfg.name}): "
        f"{info['eligible']:,} eligible, {info['unknown']:,} unknown, "
        f"{info['not_eligible']:,} not eligible; {info['outliers']:,} extreme outliers "
        f"({info['outlier_reviews_required']:,} to review) in {seconds:.1f} s -> {out}"
    )


def _write_xlsx(frame, path: Path) -> None:
    """Excel copy of a table, written column by column (NA as blank, infinity as 'life')."""
    import math

    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": False, "nan_inf_to_errors": True})
    sheet = book.add_worksheet("candidates")
    sheet.write_row(0, 0, [str(c) for c in frame.columns])
    for j, col in enumerate(frame.columns):
        values = frame[col].astype(object).where(frame[col].notna(), None).tolist()
        values = [
            ("life" if v > 0 else "") if isinstance(v, float) and math.isinf(v) else v
            for v in values
        ]
        sheet.write_column(1, j, values)
    sheet.freeze_panes(1, 0)
    book.close()


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the ``secondlook`` app."""
    app.command("screen")(screen)
