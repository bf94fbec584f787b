"""The one CSV/XLSX writer: formula neutralisation, text stored as text, same bytes on rerun."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from helpers.spreadsheets import (
    CsvWriter,
    csv_text,
    formula_cells,
    is_dangerous,
    neutralise,
    neutralise_arrow,
    neutralise_text,
    write_csv,
    write_xlsx,
)

PAYLOADS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
HARMLESS = ("-", "-5", "+1.5", "1e-3", "-inf", "ok", "", "a=b", "BA123456")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_get_a_quote(payload: str) -> None:
    assert is_dangerous(payload)
    assert neutralise_text(payload) == "'" + payload
    assert not is_dangerous(neutralise_text(payload))


@pytest.mark.parametrize("value", HARMLESS)
def test_plain_values_are_kept(value: str) -> None:
    assert neutralise_text(value) == value


def test_non_text_values_are_kept() -> None:
    assert neutralise_text(-3) == -3
    assert neutralise_text(None) is None


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": [*PAYLOADS, "-", "ok"],
            "string": pd.array([*PAYLOADS, None, "ok"], dtype="string"),
            "category": pd.Categorical([*PAYLOADS, "-", "ok"]),
            "number": np.arange(8) - 4.5,
            "count": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
            "when": pd.to_datetime(["2026-05-01"] * 8),
            "flag": [True, False] * 4,
        }
    )


def test_neutralise_frame_text_columns_only() -> None:
    out = neutralise(_frame())
    for col in ("text", "string", "category"):
        assert out[col].iloc[:6].tolist() == ["'" + p for p in PAYLOADS]
    assert out["number"].tolist() == _frame()["number"].tolist()
    assert str(out["count"].dtype) == "Int64"
    assert out["text"].iloc[6] == "-"
    assert neutralise(pd.DataFrame({"=x": [1]})).columns.tolist() == ["'=x"]


def test_csv_neutralised_and_carriage_return_quoted(tmp_path: Path) -> None:
    path = write_csv(_frame(), tmp_path / "t.csv")
    assert formula_cells(path) == []
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 9  # the \r stayed inside its quoted field
    assert rows[6][0] == "'\r=1"
    assert csv_text(_frame()) == path.read_bytes().decode("utf-8")


def test_csv_without_carriage_return_is_minimally_quoted() -> None:
    frame = pd.DataFrame({"a": ["x", "=1"], "b": [1, 2]})
    assert csv_text(frame) == "a,b\nx,1\n'=1,2\n"


def test_row_writer_neutralises() -> None:
    buf = io.StringIO()
    writer = CsvWriter(buf, lineterminator="\n")
    writer.writerow(["line", "reason"])
    writer.writerows([[3, "=1+1"], [4, "\r=1"]])
    assert buf.getvalue() == 'line,reason\n3,\'=1+1\n"4","\'\r=1"\n'


def test_arrow_values_neutralised() -> None:
    arr = pa.array([*PAYLOADS, "-", "-5", None, "ok"])
    assert neutralise_arrow(arr).to_pylist() == [
        *("'" + p for p in PAYLOADS),
        "-",
        "-5",
        None,
        "ok",
    ]
    plain = pa.array(["a", "b"])
    assert neutralise_arrow(plain) is plain


def test_xlsx_text_is_text_never_a_formula(tmp_path: Path) -> None:
    path = write_xlsx(
        {"t": _frame(), "second": pd.DataFrame({"x": [1.0, np.inf]})}, tmp_path / "t.xlsx"
    )
    book = openpyxl.load_workbook(path)
    cells = [c for s in book.worksheets for r in s.iter_rows() for c in r]
    assert not [c for c in cells if c.data_type == "f"]
    assert formula_cells(path) == []
    sheet = book["t"]
    assert sheet["A2"].value == "'" + PAYLOADS[0]
    assert sheet["D2"].value == -4.5 and sheet["D2"].data_type == "n"
    assert sheet["E3"].value is None  # NA is blank
    assert sheet["F2"].value == "2026-05-01"
    assert sheet["G2"].value is True
    assert book["second"]["A3"].value == "n/a"  # infinity written in words


@pytest.mark.slow
def test_xlsx_same_bytes_on_rerun(tmp_path: Path) -> None:
    first = write_xlsx(_frame(), tmp_path / "a.xlsx").read_bytes()
    time.sleep(1.1)  # a wall-clock timestamp would change
    assert write_xlsx(_frame(), tmp_path / "b.xlsx").read_bytes() == first
    props = openpyxl.load_workbook(tmp_path / "a.xlsx").properties
    assert props.creator == "secondlook" and props.created.year == 2000
