"""Outputs of a Prop 64 run, per input file:

* ``<stem>_results.csv``: every kept row, the 95 DOJ columns plus the added columns;
* ``<stem>_condensed.csv``: the same rows with a readable subset of DOJ columns;
* ``<stem>_prop64_convictions.csv``: only the evaluated convictions;
* ``<stem>_summary.json``: counts by section and outcome, people with relief, rows accounted for;
* ``<stem>_errors.csv``: malformed rows with their line number and reason (header only if none).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.errors import InputError
from helpers.prop64.engine import ADDED_COLUMNS, evaluate
from helpers.prop64.flows import Flow, flow_for_county, load_flow
from helpers.prop64.read import DOJ_COLUMNS, read_doj

CONDENSED_COLUMNS: tuple[str, ...] = (
    "SUBJECT_ID",
    "CII_NUMBER",
    "PRI_NAME",
    "GENDER",
    "PRI_DOB",
    "RACE_DESCR",
    "CYC_DATE",
    "STP_EVENT_DATE",
    "STP_TYPE_DESCR",
    "STP_ORI_DESCR",
    "STP_ORI_CNTY_NAME",
    "CNT_ORDER",
    "DISP_DATE",
    "OFN",
    "OFFENSE_DESCR",
    "DISP_DESCR",
    "CONV_STAT_DESCR",
    "SENT_LOC_DESCR",
    "SENT_LENGTH",
    "SENT_TIME_CODE",
    "CYC_AGE",
    "COMMENT_TEXT",
)


_SPECIAL = np.frombuffer(b',"\r\n', dtype=np.uint8)


def _quote(arr: Any) -> Any:
    """Quote the values that contain a comma, quote or line break (found on the raw bytes)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    bufs = arr.buffers()
    if len(arr) == 0 or bufs[2] is None:
        return arr
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=width)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]
    hit = data == _SPECIAL[0]
    for b in _SPECIAL[1:]:
        hit |= data == b
    pos = np.flatnonzero(hit)
    if not len(pos):
        return arr
    mask = np.zeros(len(arr), dtype=bool)
    mask[np.searchsorted(offsets - offsets[0], pos, side="right") - 1] = True
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(pa.array(mask), quoted, arr)


def _piece(col: Any, start: int, size: int) -> Any:
    import pyarrow as pa

    piece = col.slice(start, size)
    return piece.combine_chunks() if isinstance(piece, pa.ChunkedArray) else piece


def _join(columns: list[Any], start: int, size: int, newline: bool) -> Any:
    """One CSV line per row (fields quoted where needed), starting with a line break if asked."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [_quote(_piece(c, start, size)) for c in columns]
    if newline:
        parts[0] = pc.binary_join_element_wise(pa.scalar(""), parts[0], "\n")
    return pc.binary_join_element_wise(*parts, ",")


def _bytes(arr: Any) -> memoryview:
    """The concatenated values of a pyarrow string array, without copying."""
    import pyarrow as pa

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if len(arr) == 0:
        return memoryview(b"")
    bufs = arr.buffers()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=width)
    lo, hi = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    return memoryview(bufs[2])[lo:hi]


def _header(names: list[str]) -> bytes:
    return ",".join(f'"{c}"' if any(ch in c for ch in ',"\n') else c for c in names).encode("utf-8")


def _write_chunks(
    paths: list[Path], headers: list[bytes], render: Any, n: int, chunk_rows: int
) -> None:
    """Write several CSV files at once: ``render(start, size)`` returns one string array per file,
    each value ``"\\n<line>"``. Chunks are rendered on two threads and written in order."""
    from concurrent.futures import ThreadPoolExecutor

    handles = [open(p, "wb") for p in paths]  # noqa: SIM115
    try:
        for fh, header in zip(handles, headers, strict=True):
            fh.write(header)
        with ThreadPoolExecutor(max_workers=2) as pool:
            pending: list[Any] = []

            def flush(fut: Any) -> None:
                for fh, arr in zip(handles, fut.result(), strict=True):
                    fh.write(_bytes(arr))

            for start in range(0, n, chunk_rows):
                pending.append(pool.submit(render, start, chunk_rows))
                if len(pending) >= 3:
                    flush(pending.pop(0))
            for fut in pending:
                flush(fut)
        for fh in handles:
            fh.write(b"\n")
    finally:
        for fh in handles:
            fh.close()


def write_csv(
    path: str | Path, names: list[str], columns: list[Any], chunk_rows: int = 100_000
) -> None:
    """Write string columns (pyarrow arrays) as CSV, quoting only fields that need it."""
    n = len(columns[0]) if columns else 0
    _write_chunks(
        [Path(path)],
        [_header(names)],
        lambda start, size: [_join(columns, start, size, True)],
        n,
        chunk_rows,
    )


def _write_tables(
    doj: Any, ev: Any, results: Path, condensed: Path, convictions: Path, chunk_rows: int = 100_000
) -> None:
    """Write all rows, the condensed rows and the evaluated rows in one pass. The added columns are
    rendered once per chunk and shared; the DOJ part of a results line is the original text of
    the row when the file has one row per line."""
    import pyarrow as pa
    import pyarrow.compute as pc

    added = [ev.columns[c] for c in ADDED_COLUMNS]
    base = [doj.table.column(c) for c in DOJ_COLUMNS]
    small = [doj.table.column(c) for c in CONDENSED_COLUMNS]
    evaluated = np.sort(np.asarray(ev.evaluated_rows, dtype=np.int64))

    def render(start: int, size: int) -> list[Any]:
        extra = _join(added, start, size, False)
        doj_part = (
            _piece(doj.raw, start, size) if doj.raw is not None else _join(base, start, size, True)
        )
        sep = pa.scalar(",", doj_part.type)
        full = pc.binary_join_element_wise(doj_part, extra.cast(doj_part.type), sep)
        short = pc.binary_join_element_wise(_join(small, start, size, True), extra, ",")
        local = evaluated[(evaluated >= start) & (evaluated < start + size)] - start
        return [full, short, full.take(pa.array(local, pa.int64()))]

    headers = [
        _header(list(DOJ_COLUMNS) + list(ADDED_COLUMNS)),
        _header(list(CONDENSED_COLUMNS) + list(ADDED_COLUMNS)),
        _header(list(DOJ_COLUMNS) + list(ADDED_COLUMNS)),
    ]
    _write_chunks(
        [results, condensed, convictions], headers, render, doj.table.num_rows, chunk_rows
    )


@dataclass
class FileResult:
    """Paths and summary of one processed DOJ file."""

    source: Path
    results: Path
    condensed: Path
    convictions: Path
    summary_path: Path
    errors_path: Path
    summary: dict[str, Any]

    def describe(self) -> str:
        """One line: rows kept and malformed, the flow, and the outcomes of the evaluation."""
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
        if s["evaluated_convictions"] or not s["prop64_convictions_by_county"]:
            return None
        found = ", ".join(sorted(s["prop64_convictions_by_county"]))
        return f"warning: no Prop 64 conviction in {s['county']}; the file has some in: {found}"


def _unique_stem(path: Path, used: set[str]) -> str:
    stem, n = path.stem, 2
    while stem in used:
        stem, n = f"{path.stem}_{n}", n + 1
    used.add(stem)
    return stem


def process_file(
    path: str | Path,
    county: str,
    as_of: dt.date,
    flow: Flow,
    out_dir: str | Path,
    stem: str | None = None,
    timings: dict[str, float] | None = None,
) -> FileResult:
    """Read, evaluate and write the outputs of one DOJ file (``timings`` gets seconds per stage)."""
    import time

    clock = {"start": time.perf_counter()}
    doj = read_doj(path)
    clock["read"] = time.perf_counter()
    ev = evaluate(doj.table, county, as_of, flow, lines=doj.lines)
    clock["evaluate"] = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = stem or Path(path).stem
    paths = {
        k: out / f"{stem}_{k}"
        for k in (
            "results.csv",
            "condensed.csv",
            "prop64_convictions.csv",
            "summary.json",
            "errors.csv",
        )
    }
    _write_tables(
        doj, ev, paths["results.csv"], paths["condensed.csv"], paths["prop64_convictions.csv"]
    )
    with open(paths["errors.csv"], "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["line", "reason", "text"])
        w.writerows(doj.errors)
    summary = {
        "file": str(path),
        "rows": {
            "read": doj.rows_read,
            "kept": int(doj.table.num_rows),
            "errors": len(doj.errors),
            "blank_lines": doj.blank_lines,
            "header": doj.has_header,
        },
        **ev.summary,
        "outputs": {k: str(v) for k, v in paths.items()},
    }
    paths["summary.json"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if timings is not None:
        done = time.perf_counter()
        timings.update(
            read=clock["read"] - clock["start"],
            evaluate=clock["evaluate"] - clock["read"],
            write=done - clock["evaluate"],
            total=done - clock["start"],
        )
    return FileResult(
        Path(path),
        paths["results.csv"],
        paths["condensed.csv"],
        paths["prop64_convictions.csv"],
        paths["summary.json"],
        paths["errors.csv"],
        summary,
    )


def run_prop64(
    doj_files: list[str | Path],
    county: str,
    as_of: dt.date,
    out_dir: str | Path,
    options: str | Path | None = None,
) -> list[FileResult]:
    """Evaluate each DOJ file separately with the flow from ``options`` (a YAML path or preset
    name) or, when omitted, the county's preset (statewide default when there is none)."""
    if not doj_files:
        raise InputError("give at least one DOJ file with --doj")
    flow = load_flow(options) if options else flow_for_county(county)
    used: set[str] = set()
    return [
        process_file(p, county, as_of, flow, out_dir, _unique_stem(Path(p), used))
        for p in doj_files
    ]
