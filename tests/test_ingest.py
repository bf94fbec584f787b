"""Ingest: typed tables, accounting of every row, and clear messages for bad input."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import schema
from helpers.data.ingest import ingest, ingest_folder, load_processed, write_processed
from helpers.errors import InputError
from tests.conftest import CURRENT, PEOPLE, write_csv

AS_OF = "2025-01-01"


def rewrite(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))


def accounting(result) -> dict[str, tuple[int, int, int]]:
    return {
        Path(i["file"]).name: (i["rows_in"], i["kept"], i["quarantined"])
        for i in map(asdict, result.manifest.inputs)
    }


def only_problem(result) -> pd.Series:
    assert len(result.quarantine) >= 1
    return result.quarantine.iloc[0]


# ---------------------------------------------------------------------------------------------- good input


def test_clean_folder_keeps_every_row(raw_dir: Path, tmp_path: Path) -> None:
    result = ingest(raw_dir, AS_OF)
    assert result.quarantine.empty
    assert accounting(result) == {
        "demographics.csv": (4, 4, 0),
        "current_commitments.csv": (6, 6, 0),
        "prior_commitments.csv": (3, 3, 0),
    }
    people = result.tables["people"].set_index("cdcno")
    assert people.loc["deadbeef", "sentence_lwop"]
    assert people.loc["deadbeef", "sentence_years"] == float("inf")
    assert people.loc["0f0f0f0f", "sentence_life"] and not people.loc["0f0f0f0f", "sentence_lwop"]
    assert people.loc["a1b2c3d4", "county_fips"] == "06037"
    assert people.loc["0f0f0f0f", "race_group"] == "Hispanic/Latino"
    assert (
        people.loc["a1b2c3d4", "age"] == 61 and people.loc["a1b2c3d4", "age_source"] == "reported"
    )
    # 2001-03-02 to 2025-01-01 is 8,706 days.
    assert people.loc["a1b2c3d4", "time_served_years"] == pytest.approx(8706 / 365.25, abs=1e-3)
    assert people.loc["deadbeef", "no_release_date"] and pd.isna(people.loc["deadbeef", "eprd"])
    assert people.loc["12345678", "eprd"] == pd.Timestamp("2027-03-01")
    offenses = result.tables["offenses"]
    assert set(offenses["role"]) == {"current", "prior"}
    robbery = offenses[
        (offenses["cdcno"] == "a1b2c3d4")
        & (offenses["relationship"] == "Initial")
        & (offenses["role"] == "current")
    ].iloc[0]
    assert robbery["offense_time_months"] == 300 and robbery["offense_time_life"]
    assert robbery["n_enhancements"] == 1
    enh = result.tables["enhancements"]
    assert list(enh["offense_key"]) == ["PC12022(a)(1)", "HS11370.2(a)", "PC12022.5(a)"]
    assert enh.loc[0, "offense_id"] == robbery["offense_id"]
    stayed = offenses[offenses["offense_time_raw"] == "Stayed"].iloc[0]
    assert stayed["stayed"] and stayed["offense_time_months"] == 0
    out = write_processed(result, tmp_path / "p")
    again = load_processed(out)
    assert len(again["people"]) == 4 and (out / "manifest.json").exists()
    assert len(result.manifest.inputs[0].sha256) == 64


def test_ingest_folder_writes_and_counts(raw_dir: Path, tmp_path: Path) -> None:
    rewrite(raw_dir / "demographics.csv", "Los Angeles", "Atlantis")
    result = ingest_folder(raw_dir, tmp_path / "p", AS_OF)
    assert (tmp_path / "p" / "people.parquet").exists()
    summary = result.summary()
    assert summary["file"].tolist()[0] == "demographics.csv"
    totals = result.totals()
    assert totals == {c: int(summary[c].sum()) for c in ("rows_in", "kept", "quarantined")}
    assert totals["quarantined"] > 0
    top = result.top_reasons(1).iloc[0]
    assert top["reason"] == "cdcno not among the kept people in demographics"
    assert top["rows"] <= top["problems"]


def test_offense_after_as_of_is_kept_and_flagged(raw_dir: Path) -> None:
    result = ingest(raw_dir, "2020-01-01")
    assert result.quarantine.empty
    people = result.tables["people"].set_index("cdcno")
    assert people.loc["12345678", "offense_after_as_of"]
    assert people.loc["12345678", "time_served_years"] == 0
    assert not people.loc["a1b2c3d4", "offense_after_as_of"]


def test_2023_header_variant(raw_dir: Path) -> None:
    header = list(schema.DEMOGRAPHICS_2023) + ["age in years"]
    rows = [
        [r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], "MAR27", r[13], r[1]]
        for r in PEOPLE
    ]
    write_csv(raw_dir / "demographics.csv", header, rows)
    result = ingest(raw_dir, AS_OF)
    assert result.quarantine.empty
    people = result.tables["people"].set_index("cdcno")
    assert (people["source_variant"] == "public-2023").all()
    assert people.loc["a1b2c3d4", "eprd"] == pd.Timestamp("2027-03-01")
    assert people.loc["0f0f0f0f", "age"] == 45


def test_dsa_title_case_variant_with_birthdays(raw_dir: Path) -> None:
    rows = []
    for r in PEOPLE:
        rows.append(
            [
                r[0],
                "SYNTHETIC, PERSON",
                "03/02/1964",
                r[2],
                "Male",
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                r[10],
                r[11],
                r[12],
                r[13],
                "19",
                "III",
                "40",
                "N",
                "CCCMS",
            ]
        )
    write_csv(raw_dir / "Demographics.csv", schema.DEMOGRAPHICS_DSA, rows)
    (raw_dir / "demographics.csv").unlink()
    result = ingest(raw_dir, AS_OF)
    assert result.quarantine.empty
    people = result.tables["people"].set_index("cdcno")
    assert (people["age_source"] == "birth_date").all()
    assert people.loc["a1b2c3d4", "age"] == pytest.approx(22221 / 365.25, abs=0.006)
    assert people.loc["a1b2c3d4", "age_at_offense"] == pytest.approx(37.0, abs=0.01)
    assert people.loc["a1b2c3d4", "mental_health_level"] == "CCCMS"
    assert not people["sex_registrant"].any()


def test_trailing_comma_on_header_is_accepted(raw_dir: Path) -> None:
    path = raw_dir / "demographics.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ","] + lines[1:]) + "\n")
    assert ingest(raw_dir, AS_OF).quarantine.empty


def test_xlsx_with_right_sheet_second(raw_dir: Path) -> None:
    demo = pd.read_csv(raw_dir / "demographics.csv", dtype=str, keep_default_na=False)
    with pd.ExcelWriter(raw_dir / "Demographics.xlsx") as writer:
        pd.DataFrame({"note": ["read me"]}).to_excel(writer, sheet_name="Notes", index=False)
        demo.to_excel(writer, sheet_name="Data", index=False)
    (raw_dir / "demographics.csv").unlink()
    result = ingest(raw_dir, AS_OF)
    assert result.quarantine.empty
    assert result.manifest.inputs[0].sheet == "Data"


# ------------------------------------------------------------------------------------- file-level errors


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            "drop_column",
            "demographics.csv, row 1, column 'sentence type': missing demographics column",
        ),
        ("rename_column", "found 'sentence_type': rename it"),
        ("empty", "demographics.csv: the file is empty"),
        ("header_only", "demographics.csv: has a header but no data rows"),
        ("latin1", "demographics.csv, row 3: is not UTF-8 text (byte 0xe1)"),
        ("no_demographics", "no demographics file"),
        (
            "wrong_sheet",
            "Demographics.xlsx: no sheet has the demographics columns (sheets: Notes, Summary)",
        ),
        ("binary", "demographics.csv: is an Excel workbook with a text name: rename it to .xlsx"),
        ("nul_bytes", "demographics.csv: is a binary file, not CSV text"),
    ],
)
def test_file_level_errors_are_one_line(raw_dir: Path, mutate: str, message: str) -> None:
    path = raw_dir / "demographics.csv"
    text = path.read_text()
    if mutate == "drop_column":
        pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns="sentence type").to_csv(
            path, index=False
        )
    elif mutate == "rename_column":
        pd.read_csv(path, dtype=str, keep_default_na=False).rename(
            columns={"sentence type": "sentence_type"}
        ).to_csv(path, index=False)
    elif mutate == "empty":
        path.write_text("")
    elif mutate == "header_only":
        path.write_text(text.splitlines()[0] + "\n")
    elif mutate == "latin1":
        path.write_bytes(text.replace("Mexican", "Mexicán").encode("latin-1"))
    elif mutate == "no_demographics":
        path.unlink()
    elif mutate == "wrong_sheet":
        path.unlink()
        with pd.ExcelWriter(raw_dir / "Demographics.xlsx") as writer:
            pd.DataFrame({"note": ["x"]}).to_excel(writer, sheet_name="Notes", index=False)
            pd.DataFrame({"total": [1]}).to_excel(writer, sheet_name="Summary", index=False)
    elif mutate == "binary":
        path.write_bytes(b"PK\x03\x04\x00\x00\xff\xfe garbage")
    elif mutate == "nul_bytes":
        path.write_bytes(b"cdcno\x00\x00\x01,x\n")
    with pytest.raises(InputError) as info:
        ingest(raw_dir, AS_OF)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_encoding_option_reads_cp1252(raw_dir: Path) -> None:
    path = raw_dir / "demographics.csv"
    path.write_bytes(path.read_text().replace("Mule Creek", "Mulé Creek").encode("cp1252"))
    for name in ("current_commitments.csv", "prior_commitments.csv"):
        (raw_dir / name).write_bytes((raw_dir / name).read_bytes())
    result = ingest(raw_dir, AS_OF, encoding="cp1252")
    assert result.quarantine.empty
    assert result.tables["people"]["current_location"].str.contains("Mulé").any()


# ------------------------------------------------------------------------------------- row-level problems


DEMO_CASES = [
    # (old text, new text, column, reason, cdcno quarantined)
    (
        "Los Angeles,Third Striker",
        "Los Angelas,Third Striker",
        "controlling case sentencing county",
        "unknown California county",
        "a1b2c3d4",
    ),
    (
        "2004-06-01,2004-06-01,VA",
        "2004-02-30,2004-06-01,VA",
        "offense begin date",
        "unreadable or impossible date",
        "0f0f0f0f",
    ),
    (
        "2021-01-10,2021-01-12",
        "2021-01-10,2031-01-12",
        "offense end date",
        "date in the future",
        "12345678",
    ),
    (
        "2021-01-10,2021-01-12",
        "2021-01-12,2021-01-10",
        "offense end date",
        "offense end date before begin date",
        "12345678",
    ),
    ("DSL,72,", "DSL,-72,", "aggregate sentence in months", "negative number", "12345678"),
    ("DSL,72,", "DSL,seventy,", "aggregate sentence in months", "not a number", "12345678"),
    ("DSL,72,", "Lifer,72,", "sentence type", "unknown sentence type", "12345678"),
    (
        "HS11352(a),Transport",
        "??11352,Transport",
        "controlling offense",
        "unreadable offense code",
        "12345678",
    ),
    (
        "MAR2027",
        "MARCH2027X",
        "eprd mepd",
        "unreadable release month (expected e.g. JUL2033)",
        "12345678",
    ),
    ("33,White", "233,White", "current age", "age out of range 12-110", "12345678"),
    (
        "1990-02-02,1990-02-02,A998877",
        "1850-02-02,1990-02-02,A998877",
        "offense begin date",
        "date before 1900",
        "deadbeef",
    ),
]


@pytest.mark.parametrize(("old", "new", "column", "reason", "who"), DEMO_CASES)
def test_bad_demographics_rows_are_quarantined_with_their_commitments(
    raw_dir: Path, old: str, new: str, column: str, reason: str, who: str
) -> None:
    rewrite(raw_dir / "demographics.csv", old, new)
    result = ingest(raw_dir, AS_OF)
    q = result.quarantine
    row = 1 + 1 + [p[0] for p in PEOPLE].index(who)
    first = q[q["file"] == "demographics.csv"].iloc[0]
    assert (first["row"], first["column"], first["reason"]) == (row, column, reason)
    n_current = sum(r[0] == who for r in CURRENT)
    acc = accounting(result)
    assert acc["demographics.csv"] == (4, 3, 1)
    assert acc["current_commitments.csv"] == (6, 6 - n_current, n_current)
    assert who not in set(result.tables["people"]["cdcno"])
    orphans = q[q["file"] == "current_commitments.csv"]
    assert set(orphans["reason"]) <= {"cdcno not among the kept people in demographics"}


COMMITMENT_CASES = [
    (
        "4 Years 0 Months,Initial",
        "-4 Years 0 Months,Initial",
        "offense time with enhancement",
        "negative sentence '-4 Years 0 Months'",
    ),
    (
        "4 Years 0 Months,Initial",
        "Forever,Initial",
        "offense time with enhancement",
        "unreadable sentence 'Forever'",
    ),
    (
        "4 Years 0 Months,Initial",
        "4 Years 0 Months,Sometimes",
        "relationship",
        "unknown relationship",
    ),
    (
        "SCD111222,6 Years,HS11352(a)",
        "SCD111222,6 Years,HS-11352",
        "offense",
        "unreadable offense code",
    ),
    ("HS11370.2(a)", "11370.2(a)", "off_enh1", "unreadable enhancement code"),
    (
        "12345678,San Diego,SCD111222,6 Years,HS11352",
        "99999999,San Diego,SCD111222,6 Years,HS11352",
        "cdcno",
        "cdcno not among the kept people in demographics",
    ),
]


@pytest.mark.parametrize(("old", "new", "column", "reason"), COMMITMENT_CASES)
def test_bad_commitment_rows_are_quarantined(
    raw_dir: Path, old: str, new: str, column: str, reason: str
) -> None:
    rewrite(raw_dir / "current_commitments.csv", old, new)
    result = ingest(raw_dir, AS_OF)
    problem = only_problem(result)
    assert (problem["file"], problem["row"], problem["column"], problem["reason"]) == (
        "current_commitments.csv",
        5,
        column,
        reason,
    )
    assert accounting(result)["current_commitments.csv"] == (6, 5, 1)
    assert accounting(result)["demographics.csv"] == (4, 4, 0)


def test_truncated_last_row(raw_dir: Path) -> None:
    path = raw_dir / "current_commitments.csv"
    text = path.read_text().rstrip("\n")
    path.write_text(text[: len(text) - 60] + "\n")
    result = ingest(raw_dir, AS_OF)
    problem = only_problem(result)
    assert problem["row"] == 7 and problem["reason"].startswith("truncated or malformed row")
    assert accounting(result)["current_commitments.csv"] == (6, 5, 1)


def test_conflicting_duplicate_ids_quarantine_every_copy(raw_dir: Path) -> None:
    path = raw_dir / "demographics.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [lines[1].replace(",61,", ",62,")]) + "\n")
    result = ingest(raw_dir, AS_OF)
    q = result.quarantine[result.quarantine["file"] == "demographics.csv"]
    assert list(q["row"]) == [2, 6]
    assert set(q["reason"]) == {"duplicate cdcno with conflicting values"}
    assert accounting(result)["demographics.csv"] == (5, 3, 2)


def test_exact_duplicate_row_keeps_first(raw_dir: Path) -> None:
    path = raw_dir / "demographics.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + [lines[2]]) + "\n")
    result = ingest(raw_dir, AS_OF)
    problem = only_problem(result)
    assert (problem["row"], problem["reason"]) == (6, "exact duplicate row")
    assert accounting(result)["demographics.csv"] == (5, 4, 1)


def test_cli_prints_one_line_error_and_exits_2(raw_dir: Path, tmp_path: Path) -> None:
    (raw_dir / "demographics.csv").write_text("")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers.cli",
            "ingest",
            str(raw_dir),
            "--as-of",
            AS_OF,
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: demographics.csv: the file is empty"
    assert "Traceback" not in proc.stderr
