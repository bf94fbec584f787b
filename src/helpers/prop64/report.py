"""A Prop 64 run: every input file evaluated apart, then one answer for all of them.

Per input file, in the output folder:

* ``<stem>_results.csv``: every kept row, the 95 DOJ columns plus the added columns;
* ``<stem>_condensed.csv``: the same rows with a readable subset of DOJ columns;
* ``<stem>_prop64_convictions.csv``: only the evaluated convictions;
* ``<stem>_summary.json``: counts by section and outcome, people with relief, rows accounted for;
* ``<stem>_gogen.json``: the same counts in the fields of Code for America's engine;
* ``<stem>_errors.csv``: malformed rows with their line number and reason (header only if none),
  or the one-line reason why the whole file could not be read.

For the whole run: ``combined_summary.json`` (every file's status and the counts of all the files
that ran), ``gogen.json`` (the same, in the reference engine's fields) and, when asked,
``prop64_summary_<timestamp>.pdf`` (:mod:`helpers.prop64.pdf`). A missing or malformed file is
reported and the others still run.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.errors import InputError
from helpers.prop64 import tally
from helpers.prop64.engine import SENTENCE_ROWS
from helpers.prop64.flows import Flow, flow_for_county, load_flow
from helpers.prop64.stream import (
    MEMORY_DEFAULT,
    NotContiguous,
    Outputs,
    RowCounts,
    block_bytes_for,
    parse_memory,
    run_stream,
)
from helpers.provenance import display_path
from helpers.spreadsheets import CsvWriter

ENGINES: tuple[str, ...] = ("local", "dask")
COMBINED_SUMMARY = "combined_summary.json"
COMBINED_GOGEN = "gogen.json"


@dataclass
class EngineSettings:
    """How files are evaluated: ``engine`` (``local`` or ``dask``), the memory budget in bytes,
    the Dask scheduler address (None: a local two-worker cluster), whether the Dask engine also
    combines its partitions in file order, and the block size (None: from the memory budget)."""

    engine: str = "local"
    memory: int = field(default_factory=lambda: parse_memory(MEMORY_DEFAULT))
    scheduler: str | None = None
    combine: bool = True
    block_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise InputError(f"--engine must be one of {', '.join(ENGINES)} (got {self.engine!r})")
        if self.scheduler and self.engine != "dask":
            raise InputError("--scheduler needs --engine dask")

    @property
    def block(self) -> int:
        """Bytes of input read at a time."""
        return self.block_bytes or block_bytes_for(self.memory)


@dataclass
class FileResult:
    """Paths, summary and partial counts of one processed DOJ file (``error``: why it failed)."""

    source: Path
    results: Path
    condensed: Path
    convictions: Path
    summary_path: Path
    errors_path: Path
    summary: dict[str, Any]
    gogen_path: Path | None = None
    tally: tally.Tally = field(default_factory=dict, repr=False)
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the file was evaluated."""
        return not self.error

    def describe(self) -> str:
        """One line: rows kept and malformed, the flow, and the outcomes of the evaluation."""
        if not self.ok:
            return f"{self.source}: not evaluated: {self.error}"
        s = self.summary
        o = s["outcomes"]
        return (
            f"{self.source}: {s['rows']['kept']} rows ({s['rows']['errors']} malformed), "
            f"flow {s['flow']}, {s['evaluated_convictions']} convictions evaluated: "
            f"{o['dismiss']} dismiss, {o['reduce']} reduce, {o['not_eligible']} not eligible, "
            f"{o['review']} review -> {self.results.parent}"
        )

    def warning(self) -> str | None:
        """A warning when the county has no Prop 64 conviction but other counties have some."""
        s = self.summary
        if not self.ok or s["evaluated_convictions"] or not s["prop64_convictions_by_county"]:
            return None
        found = ", ".join(sorted(s["prop64_convictions_by_county"]))
        return f"warning: no Prop 64 conviction in {s['county']}; the file has some in: {found}"


def _unique_stem(path: Path, used: set[str]) -> str:
    stem, n = path.stem, 2
    while stem in used:
        stem, n = f"{path.stem}_{n}", n + 1
    used.add(stem)
    return stem


def _evaluate_file(
    path: Path,
    county: str,
    as_of: dt.date,
    flow: Flow,
    outputs: Outputs,
    settings: EngineSettings,
    stats: dict[str, float],
) -> tuple[tally.Tally, RowCounts, dict[str, Any]]:
    """Run the chosen engine on one file: its tally, rows and what the engine did (``stats``
    gets measurements that vary from run to run, kept out of the summary)."""
    if settings.engine == "dask":
        from helpers.prop64.cluster import parts_dir, run_dask

        options = {
            "block_bytes": settings.block,
            "memory": settings.memory,
            "scheduler": settings.scheduler,
            "combine": settings.combine,
            "stats": stats,
        }
        counts, rows, n_parts = run_dask(path, county, as_of, flow, outputs, options)
        where = settings.scheduler or "a local cluster of two workers"
        return (
            counts,
            rows,
            {
                "name": "dask",
                "scheduler": where,
                "partitions": n_parts,
                "partition_outputs": parts_dir(outputs).name,
                "combined": settings.combine,
            },
        )
    try:
        counts, rows, chunks = run_stream(path, county, as_of, flow, outputs, settings.block)
        return (
            counts,
            rows,
            {
                "name": "local",
                "chunks": chunks,
                "subject_order": "each person's rows read together",
            },
        )
    except NotContiguous:
        from helpers.prop64.partition import run_partitioned

        counts, rows, n_parts = run_partitioned(path, county, as_of, flow, outputs, settings.block)
        order = (
            f"not contiguous: the rows of a person are apart in the file, so it was "
            f"hash-partitioned by SUBJECT_ID to disk ({n_parts} parts) before evaluation"
        )
        return counts, rows, {"name": "local", "partitions": n_parts, "subject_order": order}


def process_file(
    path: str | Path,
    county: str,
    as_of: dt.date,
    flow: Flow,
    out_dir: str | Path,
    stem: str | None = None,
    timings: dict[str, float] | None = None,
    settings: EngineSettings | None = None,
) -> FileResult:
    """Read, evaluate and write the outputs of one DOJ file (``timings`` gets the seconds).

    Raises :class:`InputError` when the file cannot be read (missing, wrong header, no valid row).
    """
    start = time.perf_counter()
    settings = settings or EngineSettings()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    outputs = Outputs.of(out, stem or Path(path).stem)
    stats: dict[str, float] = {}
    try:
        counts, rows, engine = _evaluate_file(
            Path(path), county, as_of, flow, outputs, settings, stats
        )
    except InputError:
        for p in (*outputs.tables, outputs.summary, outputs.gogen):
            p.unlink(missing_ok=True)
        raise
    _append_errors(outputs.errors, counts.pop(SENTENCE_ROWS, []))
    summary = {
        "file": display_path(path),
        "file_sha256": rows.sha256,
        "rows": rows.as_dict(),
        "county": _county(county),
        "as_of": as_of.isoformat(),
        "flow": flow.name,
        "flow_file": display_path(flow.path) if flow.path else None,
        **tally.finish(counts),
        "engine": engine,
        "outputs": _output_paths(outputs),
    }
    outputs.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - start
    _write_json(outputs.gogen, tally.gogen_summary(summary, flow, seconds))
    if timings is not None:
        timings.update(stats, total=seconds)
    return FileResult(
        Path(path),
        outputs.results,
        outputs.condensed,
        outputs.convictions,
        outputs.summary,
        outputs.errors,
        summary,
        outputs.gogen,
        counts,
    )


def _county(county: str) -> str:
    from helpers.counties import doj_name

    return doj_name(county)


def _output_paths(outputs: Outputs) -> dict[str, str]:
    """The output files of one input, named as they are in the output folder."""
    return {
        "results.csv": outputs.results.name,
        "condensed.csv": outputs.condensed.name,
        "prop64_convictions.csv": outputs.convictions.name,
        "summary.json": outputs.summary.name,
        "errors.csv": outputs.errors.name,
        "gogen.json": outputs.gogen.name,
    }


def _append_errors(path: Path, rows: list[list[Any]]) -> None:
    """Add rows (kept rows with an unreadable value) to a file's error file, in line order."""
    if not rows:
        return
    with open(path, "a", newline="", encoding="utf-8") as fh:
        CsvWriter(fh).writerows(sorted(rows, key=lambda r: r[0]))


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def _failed(path: Path, outputs: Outputs, error: InputError) -> FileResult:
    """The record of a file that could not be evaluated: its error file and summary say why."""
    message = str(error)
    with open(outputs.errors, "w", newline="", encoding="utf-8") as fh:
        w = CsvWriter(fh)
        w.writerow(["line", "reason", "text"])
        w.writerow(["", message, ""])
    summary = {"file": display_path(path), "status": "failed", "error": message}
    _write_json(outputs.summary, summary)
    return FileResult(
        path,
        outputs.results,
        outputs.condensed,
        outputs.convictions,
        outputs.summary,
        outputs.errors,
        summary,
        error=message,
    )


@dataclass
class RunResult:
    """Every file's result and the combined summary of the run (and its files)."""

    files: list[FileResult]
    combined: dict[str, Any]
    combined_path: Path
    gogen_path: Path
    pdf_path: Path | None = None

    @property
    def failed(self) -> list[FileResult]:
        """The files that could not be evaluated."""
        return [f for f in self.files if not f.ok]


def combined_summary(
    files: list[FileResult], county: str, as_of: dt.date, flow: Flow
) -> dict[str, Any]:
    """The counts of every evaluated file added up, with the status of every file given."""
    done = [f for f in files if f.ok]
    counts = tally.merge_all([f.tally for f in done])
    rows = tally.merge_all([f.summary["rows"] for f in done]) if done else {}
    rows.pop("header", None)
    listed = []
    for f in files:
        entry: dict[str, Any] = {
            "file": display_path(f.source),
            "status": "ok" if f.ok else "failed",
        }
        if f.ok:
            entry["file_sha256"] = f.summary["file_sha256"]
            entry["summary"] = f.summary_path.name
        else:
            entry["error"] = f.error
        listed.append(entry)
    return {
        "files": listed,
        "files_evaluated": len(done),
        "files_failed": len(files) - len(done),
        "rows": rows,
        "county": _county(county),
        "as_of": as_of.isoformat(),
        "flow": flow.name,
        "flow_file": display_path(flow.path) if flow.path else None,
        **(tally.finish(counts) if done else {}),
    }


def run_files(
    doj_files: list[str | Path],
    county: str,
    as_of: dt.date,
    out_dir: str | Path,
    options: str | Path | None = None,
    settings: EngineSettings | None = None,
    pdf: bool = False,
) -> RunResult:
    """Evaluate each DOJ file separately with the flow from ``options`` (a YAML path or preset
    name) or, when omitted, the county's preset (statewide default when there is none); a file
    that cannot be read is recorded and the others still run. Writes the combined summary, its
    ``gogen.json`` and, with ``pdf``, the summary report for the District Attorney."""
    start = time.perf_counter()
    if not doj_files:
        raise InputError("give at least one DOJ file with --doj")
    flow = load_flow(options) if options else flow_for_county(county)
    settings = settings or EngineSettings()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    files = []
    for p in doj_files:
        stem = _unique_stem(Path(p), used)
        try:
            files.append(process_file(p, county, as_of, flow, out, stem, settings=settings))
        except InputError as exc:
            files.append(_failed(Path(p), Outputs.of(out, stem), exc))
    combined = combined_summary(files, county, as_of, flow)
    combined_path, gogen_path = out / COMBINED_SUMMARY, out / COMBINED_GOGEN
    _write_json(combined_path, combined)
    if combined["files_evaluated"]:
        _write_json(gogen_path, tally.gogen_summary(combined, flow, time.perf_counter() - start))
    result = RunResult(files, combined, combined_path, gogen_path)
    if pdf:
        from helpers.prop64.pdf import write_summary_pdf

        result.pdf_path = write_summary_pdf(result, out)
    return result


def run_prop64(
    doj_files: list[str | Path],
    county: str,
    as_of: dt.date,
    out_dir: str | Path,
    options: str | Path | None = None,
    settings: EngineSettings | None = None,
) -> list[FileResult]:
    """:func:`run_files`, returning the per-file results only."""
    return run_files(doj_files, county, as_of, out_dir, options, settings).files
