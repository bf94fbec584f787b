"""Hostile values in every CSV/XLSX the project writes (formula injection), and output folders
that cannot be written (one-line errors)."""

from __future__ import annotations

import csv
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from helpers.cli import app
from helpers.cli.common import user_errors
from helpers.data.ingest import ingest, ingest_folder
from helpers.screening.candidates import build_candidates, write_screen_outputs
from helpers.screening.config import load_config
from helpers.spreadsheets import formula_cells
from tests.conftest import PEOPLE, write_csv

PAYLOADS = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
AS_OF = "2023-12-31"


def _cells(path: Path) -> list[str]:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return [str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r]
    with open(path, newline="", encoding="utf-8") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _assert_safe(path: Path, payload: str) -> None:
    """No formula cell, no live formula text, and the payload there with its quote."""
    assert formula_cells(path) == [], path.name
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        assert not [
            c for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"
        ]
    cells = [c.replace("_x000D_", "\r") for c in _cells(path)]  # how XLSX escapes a \r
    assert "'" + payload in cells, path.name


def test_quarantine_csv_neutralises_payloads(raw_dir: Path, tmp_path: Path) -> None:
    from helpers.data import schema

    people = [list(r) for r in PEOPLE]
    for i, payload in enumerate(PAYLOADS):  # sentencing counties that are not counties
        people.append([f"9999999{i}", *people[0][1:8], payload, *people[0][9:]])
    write_csv(raw_dir / "demographics.csv", schema.DEMOGRAPHICS_2026, people)
    ingest_folder(raw_dir, tmp_path / "processed", AS_OF)
    for payload in PAYLOADS:
        _assert_safe(tmp_path / "processed" / "quarantine.csv", payload)


@pytest.mark.slow
def test_candidate_files_neutralise_payloads(raw_dir: Path, tmp_path: Path) -> None:
    config = load_config("Los Angeles")
    listed = build_candidates(ingest(raw_dir, AS_OF).tables, "Los Angeles", config, AS_OF)
    row = listed.iloc[[0]]
    candidates = pd.concat([row] * len(PAYLOADS), ignore_index=True)
    candidates["failed_rules"] = list(PAYLOADS)
    candidates["near_miss"] = list(PAYLOADS)
    write_screen_outputs(candidates, config, tmp_path / "out")
    for name in ("candidates.csv", "candidates.xlsx"):
        for payload in PAYLOADS:
            _assert_safe(tmp_path / "out" / name, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_da_export_neutralises_payloads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, payload: str
) -> None:
    from helpers.report import summary

    people = pd.DataFrame({"cdcno": ["A1", "B2"], "controlling_case_number": [payload, "BA1"]})
    candidates = pd.DataFrame({"cdcno": ["A1", "B2"], "R": [1.5, float("inf")]})
    agreement = pd.DataFrame({"view": [payload], "n": [2]})
    monkeypatch.setattr(summary, "agreement_sheets", lambda _ctx: {"agreement": agreement})
    ctx = SimpleNamespace(public=False, county="Los Angeles", people=people, candidates=candidates)
    files = summary.export_candidates(ctx, tmp_path / "export")
    assert {f.name for f in files} == {"candidates.csv", "candidates.xlsx", "agreement.csv"}
    for path in files:
        _assert_safe(path, payload)
    book = openpyxl.load_workbook(tmp_path / "export" / "candidates.xlsx")
    assert book.properties.creator == "secondlook"
    assert book.properties.created.year == 2000  # fixed: reruns give the same bytes


def test_da_export_goes_to_the_county_folder_given(tmp_path: Path) -> None:
    """The report notebook is told the county's output folder; the export goes beneath it."""
    from helpers.pipeline.notebooks import _folder

    assert _folder("05-county-report", tmp_path / "x") == {
        "out_dir": _folder("05-county-report", tmp_path / "x")["out_dir"]
    }
    assert Path(_folder("05-county-report", tmp_path / "x")["out_dir"]).is_absolute() is False
    assert _folder("01-clean", tmp_path) == {}


@pytest.mark.parametrize(
    "command",
    [
        ["ingest", "{raw}", "--as-of", AS_OF, "--out", "{blocked}/processed"],
        [
            "screen",
            "--data",
            "{raw}",
            "--as-of",
            AS_OF,
            "--county",
            "Los Angeles",
            "--out",
            "{blocked}",
        ],
        ["decision-template", "--out", "{blocked}/review_decisions.csv"],
        ["sample", "--people", "20", "--out", "{blocked}/raw"],
    ],
)
def test_unwritable_output_folder_is_one_line(raw_dir: Path, tmp_path: Path, command: list) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the output folder should be")
    args = [c.format(raw=raw_dir, blocked=blocked) for c in command]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "blocked" in lines[0] and "Traceback" not in result.output


def test_permission_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    with pytest.raises(typer.Exit) as exit_info, user_errors():
        raise PermissionError(13, "Permission denied", "/srv/out/quarantine.csv")
    assert exit_info.value.exit_code == 2
    assert capsys.readouterr().err == "error: /srv/out/quarantine.csv: Permission denied\n"
