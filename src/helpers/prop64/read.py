"""Read and validate a CA DOJ criminal-history research file (95 columns, optional header).

Layout facts (from the DOJ research-file layout): comma separated, fields quoted where needed,
95 columns in a fixed order, an optional header row (a first line starting with ``RECORD_ID``; it
may carry an extra trailing comma), dates ``YYYYMMDD``. A row with another field count is
malformed: it goes to the error list with its line number and the reason, and never stops the run.
A single empty extra field (a trailing comma) is tolerated on data rows too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from helpers.errors import InputError

DOJ_COLUMNS: tuple[str, ...] = [
    "RECORD_ID",
    "SUBJECT_STATUS",
    "SUBJECT_ID",
    "REQ_SEG_SEP",
    "REQ_CII_NUMBER",
    "REQ_NAME",
    "REQ_GENDER",
    "REQ_DOB",
    "REQ_CDL",
    "REQ_SSN",
    "PII_SEG_SEP",
    "CII_NUMBER",
    "PRI_NAME",
    "GENDER",
    "PRI_DOB",
    "PRI_SSN",
    "PRI_CDL",
    "PRI_IDN",
    "PRI_INN",
    "FBI_NUMBER",
    "PDR_SEG_SEP",
    "RACE_CODE",
    "RACE_DESCR",
    "EYE_COLOR_CODE",
    "EYE_COLOR_DESCR",
    "HAIR_COLOR_CODE",
    "HAIR_COLOR_DESCR",
    "HEIGHT",
    "WEIGHT",
    "SINGLE_SOURCE",
    "MULTI_SOURCE",
    "POB_CODE",
    "POB_NAME",
    "POB_TYPE",
    "CITIZENSHIP_LIST",
    "CYC_SEG_SEP",
    "CYC_ORDER",
    "CYC_DATE",
    "STP_SEG_SEP",
    "STP_ORDER",
    "STP_EVENT_DATE",
    "STP_TYPE_CODE",
    "STP_TYPE_DESCR",
    "STP_ORI_TYPE",
    "STP_ORI_TYPE_DESCR",
    "STP_ORI_CODE",
    "STP_ORI_DESCR",
    "STP_ORI_CNTY_CODE",
    "STP_ORI_CNTY_NAME",
    "CNT_SEG_SEP",
    "CNT_ORDER",
    "DISP_DATE",
    "OFN",
    "OFFENSE_CODE",
    "OFFENSE_DESCR",
    "OFFENSE_TOC",
    "OFFENSE_QUAL_LST",
    "DISP_OFFENSE_CODE",
    "DISP_OFFENSE_DESCR",
    "DISP_OFFENSE_TOC",
    "DISP_OFFENSE_QUAL_LST",
    "CONV_OFFENSE_ORDER",
    "CONV_OFFENSE_CODE",
    "CONV_OFFENSE_DESCR",
    "CONV_OFFENSE_TOC",
    "CONV_OFFENSE_QUAL_LST",
    "FE_NUM_ORDER",
    "FE_NUM_ARR_AGY",
    "FE_NUM_BNCH_WARR",
    "FE_NUM_CITE",
    "FE_NUM_DOCKET",
    "FE_NUM_INCIDENT",
    "FE_NUM_BOOKING",
    "FE_NUM_NUMBER",
    "FE_NUM_REMAND",
    "FE_NUM_OOS_INN",
    "FE_NUM_CRT_CASE",
    "FE_NUM_WARRANT",
    "DISP_ORDER",
    "DISP_CODE",
    "DISP_DESCR",
    "CONV_STAT_CODE",
    "CONV_STAT_DESCR",
    "SENT_SEG_SEP",
    "SENT_ORDER",
    "SENT_LOC_CODE",
    "SENT_LOC_DESCR",
    "SENT_LENGTH",
    "SENT_TIME_CODE",
    "SENT_TIME_DESCR",
    "CYC_AGE",
    "CII_TYPE",
    "CII_TYPE_ALPHA",
    "COMMENT_TEXT",
    "END_OF_REC",
]
N_COLUMNS = len(DOJ_COLUMNS)  # 95
_EXTRA = "_TRAILING_FIELD"
BOM = b"\xef\xbb\xbf"
DEFAULT_BLOCK_BYTES = 48 << 20
"""Bytes of the file parsed at a time by :func:`iter_doj` (about 150,000 DOJ rows)."""


@dataclass
class DojFile:
    """A parsed DOJ file: the kept rows (all 95 columns as strings, original text preserved),
    their 1-based line numbers, and the malformed rows (``line``, ``reason``, ``text``)."""

    path: Path
    table: object  # pyarrow.Table with the 95 DOJ columns, type string
    lines: np.ndarray
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    has_header: bool = False
    blank_lines: int = 0
    raw: object = (
        None  # original text of each kept row, see _raw_lines (None: not one row per line)
    )
    last: bool = True  # the last block of the file (see iter_doj)

    @property
    def rows_read(self) -> int:
        """Rows in the file, header and blank lines excluded (kept + errors)."""
        return int(self.table.num_rows) + len(self.errors)


def _split_fields(text: str) -> list[str]:
    try:
        return next(csv.reader([text]))
    except (csv.Error, StopIteration):
        return []


def _first_lines(data: bytes, n: int = 2) -> list[str]:
    out: list[str] = []
    start = 0
    while len(out) < n and start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        line = data[start:end].rstrip(b"\r").decode("utf-8", errors="replace")
        if line.strip():
            out.append(line)
        start = end + 1
    return out


def _check_header(fields: list[str], path: Path) -> None:
    names = [f.strip().upper() for f in fields]
    if len(names) == N_COLUMNS + 1 and names[-1] == "":
        names = names[:-1]
    if len(names) != N_COLUMNS:
        raise InputError(
            f"the header row has {len(names)} columns; a DOJ research file has {N_COLUMNS}",
            file=str(path),
            row=1,
        )
    for i, (got, want) in enumerate(zip(names, DOJ_COLUMNS, strict=True)):
        if got != want:
            raise InputError(
                f"header column {i + 1} is '{got}', expected '{want}' (DOJ 95-column layout)",
                file=str(path),
                row=1,
                column=want,
            )


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", file=str(path))
    if not path.is_file():
        raise InputError("not a file", file=str(path))


def _head_bytes(path: Path, lines: int = 2) -> bytes:
    """The start of the file (UTF-8 byte-order mark removed), enough for its first non-blank
    lines."""
    size = 1 << 20
    with open(path, "rb") as fh:
        while True:
            data = fh.read(size)
            fh.seek(0)
            if len(data) < size or len(_first_lines(data, lines + 1)) > lines:
                break
            size *= 4
    return data[3:] if data.startswith(BOM) else data


@dataclass
class Layout:
    """What the first lines say: a header row, and a trailing empty field on every row."""

    has_header: bool
    wide: bool
    empty: bool
    header_lines: int | None = None  # lines skipped before the first record (None: the header)

    @property
    def names(self) -> list[str]:
        """Column names given to the CSV parser (the 95 columns, plus the trailing field)."""
        return list(DOJ_COLUMNS) + ([_EXTRA] if self.wide else [])

    @property
    def skip(self) -> int:
        """Lines skipped before the first record (the header, in the first block only)."""
        if self.header_lines is not None:
            return self.header_lines
        return 1 if self.has_header else 0


def _layout(data: bytes, path: Path) -> Layout:
    """Detect (and check) the header, and whether rows end with a trailing comma."""
    head = _first_lines(data, 2)
    has_header = bool(head) and head[0].lstrip().upper().startswith("RECORD_ID")
    if has_header:
        _check_header(_split_fields(head[0]), path)
    first_data = (
        head[1] if has_header and len(head) > 1 else (head[0] if head and not has_header else "")
    )
    probe = _split_fields(first_data) if first_data else []
    wide = len(probe) == N_COLUMNS + 1 and probe[-1] == ""
    return Layout(has_header, wide, not head)


def _parse(
    data: bytes, layout: Layout, encoding: str, threads: bool
) -> tuple[object, list[tuple[int, str, int]]]:
    """Parse with pyarrow (all columns as text); malformed rows are collected, not fatal."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad: list[tuple[int, str, int]] = []

    def handler(row: object) -> str:
        bad.append((int(row.number or 0), row.text, int(row.actual_columns)))
        return "skip"

    names = layout.names
    table = pcsv.read_csv(
        pa.BufferReader(pa.py_buffer(data)),
        read_options=pcsv.ReadOptions(
            use_threads=threads,
            column_names=names,
            skip_rows=layout.skip,
            encoding=encoding,
            block_size=1 << 24,
        ),
        parse_options=pcsv.ParseOptions(invalid_row_handler=handler, ignore_empty_lines=False),
        convert_options=pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table, bad


def _parse_file(
    data: bytes, layout: Layout, path: Path, encoding: str = "utf8"
) -> tuple[object, list[tuple[int, str, int]], str]:
    """The parsed table, the malformed rows and the encoding (UTF-8, else Latin-1).

    Fast path: parallel parsing. Row numbers of malformed rows are only known when parsing in one
    thread, so a block with malformed rows is parsed again that way.
    """
    import pyarrow as pa

    try:
        try:
            table, bad = _parse(data, layout, encoding, True)
        except pa.ArrowInvalid as exc:
            if "UTF8" not in str(exc).upper():
                raise
            encoding = "latin-1"
            table, bad = _parse(data, layout, encoding, True)
        if bad:
            table, bad = _parse(data, layout, encoding, False)
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"cannot parse as CSV: {str(exc).splitlines()[0]}", file=str(path)
        ) from None
    return table, bad, encoding


def _kept_line_numbers(n_kept: int, bad: list[tuple[int, str, int]], skip: int) -> np.ndarray:
    """Line numbers of the kept rows. pyarrow numbers rows by physical line (skipped header
    included, blank lines counted); the kept rows are the lines not reported as invalid."""
    total = n_kept + len(bad)
    bad_numbers = np.array(sorted(b[0] for b in bad), dtype=np.int64)
    keep_mask = np.ones(skip + total + 1, dtype=bool)
    keep_mask[: skip + 1] = False
    keep_mask[bad_numbers[(bad_numbers > 0) & (bad_numbers <= skip + total)]] = False
    return np.flatnonzero(keep_mask)[:n_kept]


def _sort_bad_rows(
    bad: list[tuple[int, str, int]],
) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str, str]]]:
    """Rows pyarrow rejected that Python's CSV reader splits into 95 fields (rescued), and the
    truly malformed ones (errors)."""
    errors: list[tuple[int, str, str]] = []
    rescued: list[tuple[int, list[str]]] = []
    for number, text, ncols in bad:
        fields = _split_fields(text)
        if len(fields) == N_COLUMNS or (len(fields) == N_COLUMNS + 1 and fields[-1] == ""):
            rescued.append((number, fields[:N_COLUMNS]))
        else:
            n = len(fields) or ncols
            errors.append((number, f"expected {N_COLUMNS} fields, found {n}", text))
    return rescued, errors


def _drop_trailing_field(
    table: object, numbers: np.ndarray, errors: list[tuple[int, str, str]]
) -> tuple[object, np.ndarray]:
    """In a file whose rows end with a trailing comma, a row with a value there is malformed."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = [*DOJ_COLUMNS, _EXTRA]
    extra_bad = np.flatnonzero(
        pc.not_equal(table.column(_EXTRA), "").to_numpy(zero_copy_only=False)
    )
    for i in extra_bad:
        row = [table.column(c)[int(i)].as_py() for c in names]
        errors.append((int(numbers[i]), f"expected {N_COLUMNS} fields, found 96", ",".join(row)))
    table = table.drop_columns([_EXTRA])
    if len(extra_bad):
        keep = np.ones(table.num_rows, dtype=bool)
        keep[extra_bad] = False
        table = table.filter(pa.array(keep))
        numbers = numbers[keep]
    return table, numbers


def _add_rescued(
    table: object, lines: np.ndarray, rescued: list[tuple[int, list[str]]]
) -> tuple[object, np.ndarray]:
    """The rescued rows put back in file order."""
    import pyarrow as pa

    extra_tab = pa.table(
        {c: pa.array([r[1][j] for r in rescued], pa.string()) for j, c in enumerate(DOJ_COLUMNS)}
    )
    table = pa.concat_tables([table, extra_tab])
    lines = np.concatenate([lines, np.array([r[0] for r in rescued], dtype=np.int64)])
    order = np.argsort(lines, kind="stable")
    return table.take(pa.array(order)), lines[order]


def _drop_unlinked(
    table: object, lines: np.ndarray, errors: list[tuple[int, str, str]]
) -> tuple[object, np.ndarray, int]:
    """Blank lines (and rows of empty fields) are not records; rows without a SUBJECT_ID cannot
    be linked to a person and are reported. Returns the table, its lines and the blank lines."""
    import pyarrow as pa
    import pyarrow.compute as pc

    subject = pc.utf8_trim_whitespace(table.column("SUBJECT_ID"))
    no_subject = np.flatnonzero(pc.equal(subject, "").to_numpy(zero_copy_only=False))
    blank_lines = 0
    for i in no_subject:
        row = [table.column(c)[int(i)].as_py() for c in DOJ_COLUMNS]
        if any(v.strip() for v in row):
            reason = "SUBJECT_ID is blank: the row cannot be linked to a person"
            errors.append((int(lines[i]), reason, ",".join(row)))
        else:
            blank_lines += 1
    if len(no_subject):
        keep = np.ones(table.num_rows, dtype=bool)
        keep[no_subject] = False
        table = table.filter(pa.array(keep))
        lines = lines[keep]
    return table, lines, blank_lines


@dataclass
class _Encoding:
    """The text encoding of a file: UTF-8 until a block is not, then Latin-1 for the rest."""

    name: str = "utf8"


def _parse_block(
    data: bytes, layout: Layout, path: Path, encoding: _Encoding, first_line: int
) -> DojFile:
    """Parse one block of whole lines (``first_line``: the file line number of its first line)."""
    if not data.strip(b"\r\n"):
        blank = data.count(b"\n")
        return DojFile(path, _empty_table(), np.zeros(0, np.int64), [], layout.has_header, blank)
    table, bad, encoding.name = _parse_file(data, layout, path, encoding.name)
    records = table.num_rows + len(bad)
    lines = _kept_line_numbers(table.num_rows, bad, layout.skip)
    rescued, errors = _sort_bad_rows(bad)
    if layout.wide:
        table, lines = _drop_trailing_field(table, lines, errors)
    if rescued:
        table, lines = _add_rescued(table, lines, rescued)
    table, lines, blank_lines = _drop_unlinked(table, lines, errors)
    errors.sort(key=lambda e: e[0])
    raw = None
    if not rescued and encoding.name == "utf8":
        raw = _raw_lines(data, lines, layout.skip + records, layout.wide)
    offset = first_line - 1
    errors = [(n + offset, reason, text) for n, reason, text in errors]
    lines = lines.astype(np.int64) + offset
    return DojFile(path, table, lines, errors, layout.has_header, blank_lines, raw)


def _cut(buf: bytes, force: bool) -> int:
    """Where to end a block: after the last line break that is not inside a quoted value (an
    even number of quotes before it); 0 when there is none. ``force`` cuts at the last line
    break whatever the quotes (a value that never closes must not hold the whole file)."""
    cut = buf.rfind(b"\n") + 1
    quotes = buf.count(b'"', 0, cut)
    while cut > 0 and quotes % 2 and not force:
        prev = buf.rfind(b"\n", 0, cut - 1) + 1
        quotes -= buf.count(b'"', prev, cut)
        cut = prev
    return cut


def _byte_blocks(
    path: Path, block_bytes: int, digest: Any = None
) -> Iterator[tuple[bytes, int, bool]]:
    """The file in blocks of whole lines (a quoted value with line breaks is never cut), each
    with the line number of its first line and whether it is the last block; ``digest`` (a
    hashlib object) sees every byte."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        start = fh.read(3)
        if digest is not None:
            digest.update(start)
        carry = b"" if start == BOM else start
        line = 1
        while True:
            data = fh.read(block_bytes)
            if digest is not None:
                digest.update(data)
            buf = carry + data if carry else data
            if not data:
                if buf:
                    yield buf, line, True
                return
            cut = _cut(buf, force=len(buf) > 8 * block_bytes)
            if cut == 0:
                carry = buf
                continue
            carry = buf[cut:]
            yield buf[:cut], line, not carry and fh.tell() >= size
            line += buf.count(b"\n", 0, cut)


def iter_doj(
    path: str | Path, block_bytes: int = DEFAULT_BLOCK_BYTES, digest: Any = None
) -> Iterator[DojFile]:
    """Read a DOJ research file block by block (bounded memory): each :class:`DojFile` holds the
    kept rows of a run of whole lines, their file line numbers and the malformed rows among them.
    ``digest`` (e.g. ``hashlib.sha256()``) is updated with every byte of the file.

    Raises :class:`InputError` when the file is missing, has a wrong header, or (after the last
    block) holds malformed rows and no valid row at all.
    """
    path = Path(path)
    _check_file(path)
    layout = _layout(_head_bytes(path), path)
    if layout.empty:
        if digest is not None:
            digest.update(path.read_bytes())
        table = _empty_table()
        yield DojFile(path, table, np.zeros(0, np.int64), [], layout.has_header, 0)
        return
    encoding = _Encoding()
    kept, first_error = 0, None
    for i, (data, line, last) in enumerate(_byte_blocks(path, block_bytes, digest)):
        block_layout = layout if i == 0 else Layout(layout.has_header, layout.wide, False, 0)
        block = _parse_block(data, block_layout, path, encoding, line)
        block.last = last
        kept += block.table.num_rows
        first_error = first_error or (block.errors[0] if block.errors else None)
        yield block
    if kept == 0 and first_error:
        raise InputError(
            f"no valid DOJ row (line {first_error[0]}: {first_error[1]}); is this a DOJ research file?",
            file=str(path),
        )


def _empty_table() -> Any:
    import pyarrow as pa

    return pa.table({n: pa.array([], pa.string()) for n in DOJ_COLUMNS})


def read_doj(path: str | Path) -> DojFile:
    """Read a whole DOJ research file at once; malformed rows are collected in ``DojFile.errors``.

    Raises :class:`InputError` when the file is missing, has a wrong header, or holds no valid row.
    """
    path = Path(path)
    _check_file(path)
    size = path.stat().st_size
    blocks = list(iter_doj(path, block_bytes=size + 1))
    return blocks[0] if len(blocks) == 1 else _concat(blocks)


def _concat(blocks: list[DojFile]) -> DojFile:
    """One :class:`DojFile` from consecutive blocks of a file."""
    import pyarrow as pa

    first = blocks[0]
    raws = [b.raw for b in blocks]
    raw = None if any(r is None for r in raws) else pa.chunked_array(raws).combine_chunks()
    return DojFile(
        first.path,
        pa.concat_tables([b.table for b in blocks]),
        np.concatenate([b.lines for b in blocks]),
        [e for b in blocks for e in b.errors],
        first.has_header,
        sum(b.blank_lines for b in blocks),
        raw,
    )


def _raw_lines(data: bytes, lines: np.ndarray, n_records: int, wide: bool) -> object:
    """The original text of the given 1-based lines as pyarrow strings, each value starting with
    the line break that precedes it (``"\\n<row text>"``; no trailing line break or trailing comma),
    which lets the writer append columns without copying the text. None when a quoted value spans
    several lines."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = b"\n" + data
    buf = np.frombuffer(text, dtype=np.uint8)
    breaks = np.flatnonzero(buf == 10).astype(np.int64)
    if text[-1:] != b"\n":
        breaks = np.concatenate([breaks, [len(text)]])
    n_lines = len(breaks) - 1
    if n_lines != n_records:
        return None
    whole = pa.LargeStringArray.from_buffers(n_lines, pa.py_buffer(breaks), pa.py_buffer(text))
    idx = lines - 1
    if len(idx) and idx[-1] - idx[0] + 1 == len(idx):
        kept = whole.slice(int(idx[0]), len(idx))
    else:
        kept = whole.take(pa.array(idx, pa.int64()))
    if data.find(b"\r") >= 0:
        kept = pc.utf8_rtrim(kept, characters="\r")
    if wide:
        kept = pc.utf8_slice_codeunits(kept, 0, -1)
    return kept


def doj_row(**fields: str) -> list[str]:
    """A 95-field DOJ row with the given columns set (others blank); for tests and examples."""
    unknown = set(fields) - set(DOJ_COLUMNS)
    if unknown:
        raise KeyError(f"not DOJ columns: {sorted(unknown)}")
    return [fields.get(c, "") for c in DOJ_COLUMNS]


def doj_text(rows: list[list[str]], header: bool = True, trailing_comma: bool = False) -> str:
    """Render rows (lists of 95 strings) as DOJ CSV text; used by tests and examples."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if header:
        buf.write(",".join(DOJ_COLUMNS) + ("," if trailing_comma else "") + "\n")
    for row in rows:
        if len(row) != N_COLUMNS:
            writer.writerow(row)
        else:
            writer.writerow(list(row) + ([""] if trailing_comma else []))
    return buf.getvalue()
