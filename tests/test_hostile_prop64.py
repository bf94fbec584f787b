"""Hostile Prop 64 inputs: unreadable sentences never read as zero, and formula payloads in a DOJ
file never reach an output as a live formula."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from helpers.prop64 import run_prop64
from helpers.prop64.read import doj_row, doj_text
from helpers.spreadsheets import formula_cells

PAYLOADS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")


def conviction(sid: str, cnt: str, **kw: str) -> list[str]:
    fields = {
        "SUBJECT_ID": sid,
        "PRI_NAME": f"SYNTHETIC,PERSON {sid}",
        "PRI_DOB": "19700101",
        "STP_ORI_CNTY_NAME": "SAN JOAQUIN",
        "END_OF_REC": "#",
        "STP_EVENT_DATE": "20150101",
        "STP_TYPE_DESCR": "COURT ACTION",
        "CNT_ORDER": cnt,
        "OFFENSE_DESCR": "11359 HS-POSS FOR SALE",
        "OFFENSE_TOC": "F",
        "DISP_DESCR": "CONVICTED-PRISON",
        "CONV_STAT_DESCR": "FELONY",
    }
    fields.update(kw)
    return doj_row(**fields)


def run(tmp_path: Path, rows: list[list[str]], county: str = "SAN JOAQUIN"):
    src = tmp_path / "doj.csv"
    src.write_text(doj_text(rows), encoding="utf-8")
    (res,) = run_prop64([src], county, dt.date(2020, 7, 1), tmp_path / "out")
    convictions = pd.read_csv(res.convictions, dtype=str, keep_default_na=False)
    errors = pd.read_csv(res.errors_path, dtype=str, keep_default_na=False)
    return res, convictions, errors


@pytest.mark.parametrize(
    ("length", "unit"),
    [("9O", "Y"), ("99", "X"), ("99", ""), ("-5", "Y"), ("inf", "Y")],
)
def test_unreadable_sentence_is_never_completed(tmp_path: Path, length: str, unit: str) -> None:
    rows = [
        conviction("1", "001002001000", SENT_LENGTH=length, SENT_TIME_CODE=unit),
        conviction("2", "001002001000", SENT_LENGTH="6", SENT_TIME_CODE="M"),
    ]
    res, ev, errors = run(tmp_path, rows)
    bad = ev[ev.SUBJECT_ID == "1"].iloc[0]
    assert bad.outcome == "review"
    assert "Sentence unreadable" in bad.reason
    assert bad.flow_step != "fallback"
    assert "Completed" not in bad["Eligibility Reason"]
    good = ev[ev.SUBJECT_ID == "2"].iloc[0]
    assert (good.outcome, good.reason) == ("dismiss", "Sentence Completed")
    assert len(errors) == 1
    assert errors.line.tolist() == ["2"]
    assert "unreadable sentence" in errors.reason.iloc[0]
    assert repr(length) in errors.text.iloc[0]
    assert res.summary["convictions_with_unreadable_sentence"] == 1
    assert res.summary["rows"]["kept"] == 2
    assert "unreadable_sentence_rows" not in res.summary


def test_unreadable_sentence_every_flow_that_needs_it(tmp_path: Path) -> None:
    """Los Angeles asks whether any sentence is still running: unknown, so review."""
    rows = [
        conviction(
            "1",
            "001002001000",
            STP_ORI_CNTY_NAME="LOS ANGELES",
            PRI_DOB="19900101",
            SENT_LENGTH="99",
            SENT_TIME_CODE="X",
        )
    ]
    _res, ev, errors = run(tmp_path, rows, "LOS ANGELES")
    assert ev.outcome.tolist() == ["review"]
    assert "Sentence unreadable" in ev.reason.iloc[0]
    assert len(errors) == 1


def test_a_running_readable_sentence_still_decides(tmp_path: Path) -> None:
    """One unreadable row beside a readable one already running: the sentence is known to run."""
    rows = [
        conviction("1", "001002001000", SENT_LENGTH="99", SENT_TIME_CODE="Y"),
        conviction("1", "001002001000", SENT_LENGTH="9O", SENT_TIME_CODE="Y"),
    ]
    _res, ev, _errors = run(tmp_path, rows)
    assert (ev.outcome.iloc[0], ev.reason.iloc[0]) == ("review", "Sentence not Completed")


def _text_cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_are_neutralised_in_every_output(tmp_path: Path, payload: str) -> None:
    rows = [
        conviction(
            "1",
            "001002001000",
            COMMENT_TEXT=payload,
            OFN=payload,
            PRI_NAME=payload,
            SENT_LENGTH="6",
            SENT_TIME_CODE="M",
        ),
        doj_row(SUBJECT_ID="2", PRI_NAME="X"),
        ["too", "few", payload],  # a malformed row: its text goes to the error file
    ]
    res, _ev, _errors = run(tmp_path, rows)  # (an unquoted \r breaks its line: an error row)
    outputs = [res.results, res.condensed, res.convictions, res.errors_path]
    for path in outputs:
        assert formula_cells(path) == [], path.name
    for path in outputs[:3] if "\r" not in payload else ():  # there, neutralised
        assert "'" + payload in _text_cells(path), path.name
    for path in outputs[:3]:  # a row without a payload keeps its text as written
        assert ",X," in path.read_text(encoding="utf-8") or path == res.convictions
