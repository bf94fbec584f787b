"""The local engine: a DOJ file evaluated in chunks of people, with bounded memory.

A DOJ extract lists the rows of one person (``SUBJECT_ID``) together. The file is read block by
block (:func:`helpers.prop64.read.iter_doj`); the rows of the last person of a block are held
back and joined to the next block, so that every chunk holds whole people; each chunk is
evaluated with the vectorised engine (:func:`helpers.prop64.engine.evaluate`) and its rows are
appended to the outputs. The summary is the sum of the chunks' partial counts
(:mod:`helpers.prop64.tally`). Memory depends on the block size, not on the file size.

When the rows of a person are *not* together (a person seen in an earlier chunk comes back),
:class:`NotContiguous` is raised; the caller then partitions the file by person on disk first
(:mod:`helpers.prop64.partition`) and says so in the summary.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from helpers.errors import InputError
from helpers.prop64 import tally
from helpers.prop64.engine import evaluate
from helpers.prop64.flows import Flow
from helpers.prop64.output import OutputFiles, join_fields
from helpers.prop64.read import DOJ_COLUMNS, DojFile, iter_doj
from helpers.spreadsheets import CsvWriter

MEMORY_DEFAULT = "1GB"
_BASELINE = 320 << 20  # the interpreter with numpy, pandas and pyarrow loaded
_BYTES_PER_INPUT_BYTE = 36  # memory per byte of a block of input (measured 17-20), with margin
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "G": 1 << 30}
_UNITS["GB"] = 1 << 30


class NotContiguous(Exception):
    """The rows of a person are not together in the file (found in chunk ``chunk``)."""

    def __init__(self, chunk: int) -> None:
        super().__init__(f"the rows of a person are not together (chunk {chunk})")
        self.chunk = chunk


def parse_memory(text: str) -> int:
    """``"1GB"``, ``"512MB"``, ``"2G"`` -> bytes; an :class:`InputError` names the option."""
    value = str(text).strip().upper().replace(" ", "")
    number = value.rstrip("KMGB")
    unit = value[len(number) :]
    try:
        size = float(number) * _UNITS[unit]
    except (ValueError, KeyError):
        raise InputError(f"--memory must be a size such as 1GB or 512MB (got {text!r})") from None
    if size < 256 << 20:
        raise InputError(f"--memory must be at least 256MB (got {text!r})")
    return int(size)


def block_bytes_for(memory: int) -> int:
    """Bytes of input read at a time so that a run stays within ``memory`` bytes."""
    return max(4 << 20, (memory - _BASELINE) // _BYTES_PER_INPUT_BYTE)


def subject_keys(table: Any) -> np.ndarray:
    """A 64-bit key per row for its person: a stable hash of ``SUBJECT_ID`` read as the engine
    reads it (upper case, single spaces), the same on every machine and in every process."""
    import pandas as pd
    import pyarrow as pa

    col = table.column("SUBJECT_ID")
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    enc = arr.dictionary_encode()
    values = np.array([" ".join(v.split()).upper() for v in enc.dictionary.to_pylist()], object)
    hashes = pd.util.hash_array(values, categorize=False) if len(values) else np.zeros(0, np.uint64)
    return hashes[enc.indices.to_numpy(zero_copy_only=False)]


def raw_text(doj: DojFile) -> Any:
    """The text of each row (``"\\n<row>"``): as written in the file, or, where the reader could
    not keep it, the fields written back as CSV."""
    if doj.raw is not None:
        return doj.raw
    import pyarrow as pa

    joined = join_fields([doj.table.column(c) for c in DOJ_COLUMNS], 0, doj.table.num_rows, True)
    return joined.cast(pa.large_string())


def _concat(parts: list[DojFile]) -> DojFile:
    import pyarrow as pa

    parts = [p for p in parts if p.table.num_rows] or parts[:1]
    if len(parts) == 1:
        return parts[0]
    raws = [p.raw for p in parts]
    raw = None if all(r is None for r in raws) else pa.chunked_array([raw_text(p) for p in parts])
    return DojFile(
        parts[0].path,
        pa.concat_tables([p.table for p in parts]),
        np.concatenate([p.lines for p in parts]),
        [],
        parts[0].has_header,
        0,
        raw.combine_chunks() if raw is not None else None,
    )


def _take(doj: DojFile, start: int, stop: int) -> DojFile:
    raw = doj.raw.slice(start, stop - start) if doj.raw is not None else None
    table = doj.table.slice(start, stop - start)
    return DojFile(doj.path, table, doj.lines[start:stop], [], doj.has_header, 0, raw)


@dataclass
class RowCounts:
    """Rows of a file accounted for: kept, malformed (in the error file), blank lines."""

    kept: int = 0
    errors: int = 0
    blank_lines: int = 0
    header: bool = False
    sha256: str = ""

    def add(self, block: DojFile) -> None:
        """Count one block."""
        self.kept += block.table.num_rows
        self.errors += len(block.errors)
        self.blank_lines += block.blank_lines
        self.header = self.header or block.has_header

    def as_dict(self) -> dict[str, Any]:
        """The ``rows`` entry of the summary."""
        return {
            "read": self.kept + self.errors,
            "kept": self.kept,
            "errors": self.errors,
            "blank_lines": self.blank_lines,
            "header": self.header,
        }


class ErrorFile:
    """``<stem>_errors.csv``: malformed rows (``line``, ``reason``, ``text``), appended."""

    def __init__(self, path: Path) -> None:
        self.fh = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self.writer = CsvWriter(self.fh)
        self.writer.writerow(["line", "reason", "text"])

    def add(self, rows: list[tuple[int, str, str]]) -> None:
        """Append malformed rows."""
        self.writer.writerows(rows)

    def close(self) -> None:
        """Close the file."""
        self.fh.close()


def blocks_counted(
    path: Path, block_bytes: int, rows: RowCounts, errors: ErrorFile
) -> Iterator[DojFile]:
    """The blocks of a file, each counted and its malformed rows written to the error file (the
    file's SHA-256 is left in ``rows.sha256``)."""
    digest = hashlib.sha256()
    for block in iter_doj(path, block_bytes, digest):
        rows.add(block)
        errors.add(block.errors)
        yield block
    rows.sha256 = digest.hexdigest()


def people_chunks(blocks: Iterator[DojFile]) -> Iterator[DojFile]:
    """Chunks of whole people: the trailing rows of the last person of a block are held back and
    joined to the next block (the last block is taken whole)."""
    carry: list[DojFile] = []
    for block in blocks:
        n = block.table.num_rows
        if not n:
            continue
        keys = subject_keys(block.table)
        tail = n - 1
        while tail > 0 and keys[tail - 1] == keys[-1]:
            tail -= 1
        if block.last or tail == 0:  # nothing after it, or all one person: keep collecting
            carry.append(block)
            continue
        yield _concat([*carry, _take(block, 0, tail)])
        carry = [_take(block, tail, n)]
    if carry:
        yield _concat(carry)


class SeenPeople:
    """The people of the chunks evaluated so far (sorted 64-bit keys)."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.uint64)

    def check_and_add(self, table: Any, chunk: int) -> None:
        """Raise :class:`NotContiguous` when a person of ``table`` was in an earlier chunk."""
        new = np.unique(subject_keys(table))
        pos = np.searchsorted(self.keys, new)
        if len(self.keys) and (self.keys[pos.clip(0, len(self.keys) - 1)] == new).any():
            raise NotContiguous(chunk)
        self.keys = np.insert(self.keys, pos, new)  # one pass over the keys, no new sort


@dataclass
class Outputs:
    """The output paths of one input file."""

    results: Path
    condensed: Path
    convictions: Path
    summary: Path
    errors: Path
    gogen: Path

    @classmethod
    def of(cls, out_dir: Path, stem: str) -> Outputs:
        """The paths ``<out_dir>/<stem>_<kind>``."""
        names = ("results.csv", "condensed.csv", "prop64_convictions.csv", "summary.json")
        results, condensed, convictions, summary = (out_dir / f"{stem}_{n}" for n in names)
        return cls(
            results,
            condensed,
            convictions,
            summary,
            out_dir / f"{stem}_errors.csv",
            out_dir / f"{stem}_gogen.json",
        )

    @property
    def tables(self) -> list[Path]:
        """The three CSV tables, in the order :class:`OutputFiles` writes them."""
        return [self.results, self.condensed, self.convictions]


def run_stream(
    path: Path,
    county: str,
    as_of: dt.date,
    flow: Flow,
    outputs: Outputs,
    block_bytes: int,
) -> tuple[tally.Tally, RowCounts, int]:
    """Evaluate a file chunk by chunk and write its outputs: the merged tally, the rows
    accounted for and the number of chunks. Raises :class:`NotContiguous` (outputs incomplete)."""
    rows = RowCounts()
    total: tally.Tally = {}
    seen = SeenPeople()
    errors = ErrorFile(outputs.errors)
    chunks = 0
    try:
        with OutputFiles(outputs.tables) as out:
            for chunk in people_chunks(blocks_counted(path, block_bytes, rows, errors)):
                seen.check_and_add(chunk.table, chunks)
                ev = evaluate(chunk.table, county, as_of, flow, lines=chunk.lines)
                out.write(chunk, ev)
                total = tally.merge(total, ev.summary)
                chunks += 1
    finally:
        errors.close()
    if not chunks:  # an empty file: the counts of no rows
        empty = next(iter_doj(path, block_bytes))
        total = evaluate(empty.table, county, as_of, flow, lines=empty.lines).summary
    return total, rows, chunks
