"""Partitions by person: how a file is evaluated when one pass in file order is not enough.

Used when the rows of a person are not together in the file (the local engine detects it), and by
the distributed engine (:mod:`helpers.prop64.cluster`), which evaluates the partitions on a Dask
cluster. Three steps, each with bounded memory:

1. :func:`split` reads the file block by block and appends every row, as written, to the
   partition of its person (a stable 64-bit hash of ``SUBJECT_ID`` modulo the number of parts),
   with its line number beside it; malformed rows go to the error file as usual.
2. :func:`evaluate_part` evaluates one partition (every row of its people is in it) with the same
   vectorised engine and writes the partition's results, condensed and convictions files plus an
   index (line and length of every row); it returns the partition's partial counts.
3. :func:`combine` puts the partitions' rows back in file order, window by window, so that the
   combined files are byte for byte those of the local engine.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.prop64 import tally
from helpers.prop64.engine import evaluate
from helpers.prop64.flows import Flow
from helpers.prop64.output import (
    INDEX_DTYPE,
    OUTPUT_KINDS,
    OutputFiles,
    output_headers,
    value_bytes,
)
from helpers.prop64.read import read_doj
from helpers.prop64.stream import (
    ErrorFile,
    Outputs,
    RowCounts,
    blocks_counted,
    raw_text,
    subject_keys,
)

WINDOW_ROWS = 100_000
_READ_RECORDS = 65_536


@dataclass(frozen=True)
class Part:
    """One partition: its rows as CSV lines (no header) and their input line numbers."""

    number: int
    rows: Path
    lines: Path

    def outputs(self, out_dir: Path) -> dict[str, Path]:
        """Where the partition's outputs go: ``part-NNNNN_<kind>`` and ``part-NNNNN_index.bin``."""
        stem = f"part-{self.number:05d}"
        paths = {kind: out_dir / f"{stem}_{kind}" for kind in OUTPUT_KINDS}
        paths["index"] = out_dir / f"{stem}_index.bin"
        return paths


def part_count(path: Path, block_bytes: int, minimum: int = 1) -> int:
    """Partitions of about ``block_bytes`` of input each (hash skew allowed for), at least
    ``minimum``."""
    return max(minimum, math.ceil(1.5 * path.stat().st_size / block_bytes))


def _open_file_limit(wanted: int) -> int:
    """Raise this process's limit of open files towards ``wanted`` (up to the hard limit); the
    number of files that may be open."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def split(
    path: Path, work: Path, n_parts: int, block_bytes: int, rows: RowCounts, errors: ErrorFile
) -> list[Part]:
    """Append every kept row of the file to the partition of its person (see the module doc).
    Two files are open per partition: fewer partitions are made if the system allows fewer."""
    import pyarrow as pa

    n_parts = max(1, min(n_parts, (_open_file_limit(2 * n_parts + 64) - 64) // 2))
    work.mkdir(parents=True, exist_ok=True)
    parts = [
        Part(i, work / f"part-{i:05d}.csv", work / f"part-{i:05d}.lines") for i in range(n_parts)
    ]
    handles = [(open(p.rows, "wb"), open(p.lines, "wb")) for p in parts]  # noqa: SIM115
    try:
        for block in blocks_counted(path, block_bytes, rows, errors):
            if not block.table.num_rows:
                continue
            which = (subject_keys(block.table) % np.uint64(n_parts)).astype(np.int64)
            order = np.argsort(which, kind="stable")
            bounds = np.searchsorted(which[order], np.arange(n_parts + 1))
            text = raw_text(block).take(pa.array(order))
            lines = block.lines[order]
            for i, (rows_fh, lines_fh) in enumerate(handles):
                lo, hi = int(bounds[i]), int(bounds[i + 1])
                if hi > lo:
                    rows_fh.write(value_bytes(text.slice(lo, hi - lo)))
                    lines[lo:hi].astype(np.int64).tofile(lines_fh)
    finally:
        for rows_fh, lines_fh in handles:
            rows_fh.close()
            lines_fh.close()
    return parts


def evaluate_part(
    part: Part, county: str, as_of: dt.date, flow: Flow, out_dir: str | Path
) -> dict[str, Any]:
    """Evaluate one partition and write its outputs into ``out_dir``; its partial counts.

    The function a worker runs: it reads only the partition's own files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doj = read_doj(part.rows)
    lines = np.fromfile(part.lines, dtype=np.int64)
    if len(lines) != doj.table.num_rows:
        raise RuntimeError(f"{part.rows}: {doj.table.num_rows} rows for {len(lines)} line numbers")
    doj.lines = lines
    ev = evaluate(doj.table, county, as_of, flow, lines=lines)
    paths = part.outputs(out_dir)
    with OutputFiles([paths[k] for k in OUTPUT_KINDS], index=paths["index"]) as out:
        out.write(doj, ev)
    return ev.summary


class _Cursor:
    """Reads one partition's index and result lines in file order, a window at a time."""

    def __init__(self, paths: dict[str, Path], headers: list[bytes]) -> None:
        self.index = open(paths["index"], "rb")  # noqa: SIM115
        self.files = [open(paths[k], "rb") for k in OUTPUT_KINDS[:2]]  # noqa: SIM115
        for fh, header in zip(self.files, headers, strict=False):
            fh.seek(len(header))
        self.buffer = np.zeros(0, dtype=INDEX_DTYPE)

    def _fill(self) -> None:
        more = np.fromfile(self.index, dtype=INDEX_DTYPE, count=_READ_RECORDS)
        self.buffer = np.concatenate([self.buffer, more]) if len(self.buffer) else more

    def next_line(self) -> int | None:
        """The input line of the next row, or None when the partition is done."""
        if not len(self.buffer):
            self._fill()
        return int(self.buffer["line"][0]) if len(self.buffer) else None

    def take(self, below: int) -> tuple[np.ndarray, bytes, bytes]:
        """The index records and the results and condensed bytes of the rows before ``below``."""
        while len(self.buffer) and self.buffer["line"][-1] < below:
            size = len(self.buffer)
            self._fill()
            if len(self.buffer) == size:
                break
        n = int(np.searchsorted(self.buffer["line"], below))
        records, self.buffer = self.buffer[:n], self.buffer[n:]
        results = self.files[0].read(int(records["results"].sum()))
        condensed = self.files[1].read(int(records["condensed"].sum()))
        return records, results, condensed

    def close(self) -> None:
        """Close the partition's files."""
        self.index.close()
        for fh in self.files:
            fh.close()


def _strings(blobs: list[bytes], lengths: np.ndarray) -> Any:
    """One pyarrow string array from concatenated values and their lengths (no copy)."""
    import pyarrow as pa

    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    data = b"".join(blobs)
    return pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(offsets), pa.py_buffer(data))


def combine(
    part_outputs: list[dict[str, Path]], outputs: Outputs, window: int = WINDOW_ROWS
) -> None:
    """Write the combined results, condensed and convictions files, rows in input order."""
    import pyarrow as pa

    headers = output_headers()
    _open_file_limit(3 * len(part_outputs) + 64)
    cursors = [_Cursor(p, headers) for p in part_outputs]
    handles = [open(p, "wb") for p in outputs.tables]  # noqa: SIM115
    try:
        for fh, header in zip(handles, headers, strict=True):
            fh.write(header)
        while True:
            starts = [line for line in (c.next_line() for c in cursors) if line is not None]
            if not starts:
                break
            below = min(starts) + window
            taken = [c.take(below) for c in cursors]
            records = np.concatenate([t[0] for t in taken])
            order = pa.array(np.argsort(records["line"], kind="stable"))
            results = _strings([t[1] for t in taken], records["results"]).take(order)
            condensed = _strings([t[2] for t in taken], records["condensed"]).take(order)
            conv = np.flatnonzero(records["conv"][order.to_numpy()] == 1)
            handles[0].write(value_bytes(results))
            handles[1].write(value_bytes(condensed))
            handles[2].write(value_bytes(results.take(pa.array(conv))))
        for fh in handles:
            fh.write(b"\n")
    finally:
        for c in cursors:
            c.close()
        for fh in handles:
            fh.close()


def run_partitioned(
    path: Path,
    county: str,
    as_of: dt.date,
    flow: Flow,
    outputs: Outputs,
    block_bytes: int,
) -> tuple[tally.Tally, RowCounts, int]:
    """The local engine through partitions on disk (rows of a person not together): split,
    evaluate each partition in turn, combine; the partition files are removed afterwards."""
    work = outputs.results.parent / f".{outputs.results.name}.parts"
    rows = RowCounts()
    errors = ErrorFile(outputs.errors)
    n_parts = part_count(path, block_bytes)
    try:
        parts = split(path, work / "input", n_parts, block_bytes, rows, errors)
    finally:
        errors.close()
    try:
        tallies = [evaluate_part(p, county, as_of, flow, work / "output") for p in parts]
        combine([p.outputs(work / "output") for p in parts], outputs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tally.merge_all(tallies), rows, len(parts)
