"""The CSV outputs of a Prop 64 run, written chunk after chunk.

Per input file: ``<stem>_results.csv`` (every kept row: the 95 DOJ columns, as written in the
input, plus the added columns), ``<stem>_condensed.csv`` (a readable subset of DOJ columns plus
the added columns) and ``<stem>_prop64_convictions.csv`` (the evaluated convictions only). Rows
are rendered with pyarrow compute (fields quoted only where needed) on two threads and appended
in file order, so a file of any size is written with bounded memory. An optional index records,
for each row, its input line and the length of its two lines, so that partitions written apart
can be put back in file order (:mod:`helpers.prop64.partition`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from helpers.prop64.engine import ADDED_COLUMNS
from helpers.prop64.read import DOJ_COLUMNS
from helpers.spreadsheets import formula_mask, neutralise_arrow

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
OUTPUT_KINDS: tuple[str, ...] = ("results.csv", "condensed.csv", "prop64_convictions.csv")
INDEX_DTYPE = np.dtype([("line", "<i8"), ("results", "<i8"), ("condensed", "<i8"), ("conv", "u1")])
"""One record per row of a results file: input line, bytes of its results and condensed lines
(each with the line break before it), and whether it is an evaluated conviction."""
RENDER_ROWS = 100_000

_SPECIAL = np.frombuffer(b',"\r\n', dtype=np.uint8)
_FIELD_START = r'(^|[\n,])"?[=+\-@\t\r]'


def _quote(arr: Any) -> Any:
    """Quote the values that contain a comma, quote or line break (found on the raw bytes), after
    neutralising those a spreadsheet would read as a formula."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = neutralise_arrow(arr)
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


def join_fields(columns: list[Any], start: int, size: int, newline: bool) -> Any:
    """One CSV line per row (fields quoted where needed), starting with a line break if asked."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [_quote(_piece(c, start, size)) for c in columns]
    if newline:
        parts[0] = pc.binary_join_element_wise(pa.scalar(""), parts[0], "\n")
    return pc.binary_join_element_wise(*parts, ",")


def value_bytes(arr: Any) -> memoryview:
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


def value_lengths(arr: Any) -> np.ndarray:
    """Bytes of each value of a pyarrow string array."""
    import pyarrow.compute as pc

    return pc.binary_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)


def csv_header(names: list[str]) -> bytes:
    """The header line of a CSV file (no line break)."""
    return ",".join(f'"{c}"' if any(ch in c for ch in ',"\n') else c for c in names).encode("utf-8")


def output_headers() -> list[bytes]:
    """The headers of the results, condensed and convictions files."""
    full = csv_header(list(DOJ_COLUMNS) + list(ADDED_COLUMNS))
    return [full, csv_header(list(CONDENSED_COLUMNS) + list(ADDED_COLUMNS)), full]


def write_csv(
    path: str | Path, names: list[str], columns: list[Any], chunk_rows: int = RENDER_ROWS
) -> None:
    """Write string columns (pyarrow arrays) as CSV, quoting only fields that need it."""
    n = len(columns[0]) if columns else 0
    with open(path, "wb") as fh:
        fh.write(csv_header(names))
        for start in range(0, n, chunk_rows):
            fh.write(value_bytes(join_fields(columns, start, chunk_rows, True)))
        fh.write(b"\n")


def _raw_part(doj: Any, start: int, size: int) -> Any:
    """The rows as written in the input, except those with a field a spreadsheet would read as
    a formula: these are written back field by field, neutralised."""
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = _piece(doj.raw, start, size)
    maybe = pc.match_substring_regex(raw, _FIELD_START).to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(maybe)
    if not len(candidates):
        return raw
    columns = [doj.table.column(c).take(pa.array(candidates + start)) for c in DOJ_COLUMNS]
    bad = np.zeros(len(candidates), dtype=bool)
    for column in columns:
        bad |= formula_mask(_piece(column, 0, len(candidates))).to_numpy(zero_copy_only=False)
    if not bad.any():
        return raw
    keep = pa.array(bad)
    rendered = join_fields([c.filter(keep) for c in columns], 0, int(bad.sum()), True)
    mask = np.zeros(len(raw), dtype=bool)
    mask[candidates[bad]] = True
    return pc.replace_with_mask(raw, pa.array(mask), rendered.cast(raw.type))


def _render(doj: Any, ev: Any, start: int, size: int) -> list[Any]:
    """The results, condensed and convictions lines of rows ``start .. start + size`` of a
    chunk; the DOJ part of a results line is the original text of the row when the chunk has
    one row per line."""
    import pyarrow as pa
    import pyarrow.compute as pc

    extra = join_fields([ev.columns[c] for c in ADDED_COLUMNS], start, size, False)
    if doj.raw is not None:
        doj_part = _raw_part(doj, start, size)
    else:
        doj_part = join_fields([doj.table.column(c) for c in DOJ_COLUMNS], start, size, True)
    full = pc.binary_join_element_wise(
        doj_part, extra.cast(doj_part.type), pa.scalar(",", doj_part.type)
    )
    small = join_fields([doj.table.column(c) for c in CONDENSED_COLUMNS], start, size, True)
    short = pc.binary_join_element_wise(small, extra, ",")
    evaluated = np.asarray(ev.evaluated_rows, dtype=np.int64)
    local = np.sort(evaluated[(evaluated >= start) & (evaluated < start + size)]) - start
    return [full, short, full.take(pa.array(local, pa.int64()))]


class OutputFiles:
    """The results, condensed and convictions files of one input (or one partition), open for
    appending chunks; ``index`` (a path) also records :data:`INDEX_DTYPE` per row."""

    def __init__(self, paths: list[Path], index: Path | None = None) -> None:
        self.handles = [open(p, "wb") for p in paths]  # noqa: SIM115
        for fh, header in zip(self.handles, output_headers(), strict=True):
            fh.write(header)
        self.index = open(index, "wb") if index is not None else None  # noqa: SIM115
        self.pool = ThreadPoolExecutor(max_workers=2)

    def write(self, doj: Any, ev: Any) -> None:
        """Append the rows of an evaluated chunk (a :class:`~helpers.prop64.read.DojFile` and its
        :class:`~helpers.prop64.engine.Evaluation`), in order."""
        n = doj.table.num_rows
        pending = [
            self.pool.submit(_render, doj, ev, start, RENDER_ROWS)
            for start in range(0, n, RENDER_ROWS)
        ]
        conv = np.zeros(n, dtype=np.uint8)
        conv[np.asarray(ev.evaluated_rows, dtype=np.int64)] = 1
        for i, fut in enumerate(pending):
            parts = fut.result()
            for fh, arr in zip(self.handles, parts, strict=True):
                fh.write(value_bytes(arr))
            if self.index is not None:
                rows = slice(i * RENDER_ROWS, i * RENDER_ROWS + len(parts[0]))
                record = np.zeros(len(parts[0]), dtype=INDEX_DTYPE)
                record["line"] = doj.lines[rows]
                record["results"] = value_lengths(parts[0])
                record["condensed"] = value_lengths(parts[1])
                record["conv"] = conv[rows]
                record.tofile(self.index)

    def close(self) -> None:
        """End every file with a line break and close it."""
        self.pool.shutdown()
        for fh in self.handles:
            fh.write(b"\n")
            fh.close()
        if self.index is not None:
            self.index.close()

    def __enter__(self) -> OutputFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
