"""Hostile input at the data stage: every damaged or deceptive row is quarantined with its reason,
every file-level problem is a one-line error, and the decision log has one set of checks."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import schema
from helpers.data.decision_log import read_decision_log, write_template
from helpers.data.ingest import ingest
from helpers.errors import InputError
from tests.conftest import PEOPLE, write_csv

AS_OF = "2025-01-01"


def accounting(result) -> dict[str, tuple[int, int, int]]:
    """Rows in, kept and quarantined per input file, by the file's path in the data folder."""
    return {
        row.file: (row.rows_in, row.kept, row.quarantined)
        for row in result.summary().itertuples(index=False)
    }


def reasons(result, file: str | None = None) -> dict[int, str]:
    q = result.quarantine
    if file is not None:
        q = q[q["file"] == file]
    return dict(zip(q["row"], q["reason"], strict=True))


def assert_balanced(result) -> None:
    for i in map(asdict, result.manifest.inputs):
        assert i["kept"] + i["quarantined"] == i["rows_in"], i


# --------------------------------------------------------------------------------- the decision log

LOG_ROWS = [
    # row 2: valid
    ["BA123456", "a1b2c3d4", "Los Angeles", "2024-03-01", "referred", "", "AGE", "", "Deputy DA"],
    # row 3: a valid resentencing
    ["VA654321", "0f0f0f0f", "Los Angeles", "2024-05-01", "resentenced", "120", "REHAB", "", ""],
    # row 4: the template's example row, commented out
    ["# EXAMPLE BA000001", "EXAMPLE1", "Los Angeles", "2025-03-14", "resentenced", "216", "AGE"]
    + ["EXAMPLE", "Resentencing Unit"],
    # row 5: exact copy of row 2
    ["BA123456", "a1b2c3d4", "Los Angeles", "2024-03-01", "referred", "", "AGE", "", "Deputy DA"],
    # rows 6-7: two different decisions on the same person and date
    ["SC1", "12345678", "Los Angeles", "2024-06-01", "denied", "", "AGE", "", ""],
    ["SC1", "12345678", "Los Angeles", "2024-06-01", "referred", "", "AGE", "", ""],
    # row 8: unknown reason code
    ["BA9", "deadbeef", "Los Angeles", "2024-07-01", "denied", "", "NOT_A_CODE", "", ""],
    # row 9: resentenced without the new sentence
    ["BA10", "deadbeef", "Los Angeles", "2024-08-01", "resentenced", "", "AGE", "", ""],
    # row 10: a formula where the case number goes
    ["=HYPERLINK(1)", "deadbeef", "Los Angeles", "2024-09-01", "denied", "", "AGE", "", ""],
]
LOG_REASONS = {
    4: "comment row",
    5: "duplicate of row 2",
    6: "conflicting decisions",
    7: "conflicting decisions",
    8: "unknown reason code 'NOT_A_CODE'",
    9: "a 'resentenced' decision needs new_sentence_months",
    10: "not a case number: starts with '='",
}


def test_the_decision_log_keeps_its_checks_through_ingest(raw_dir: Path) -> None:
    write_csv(raw_dir / "review_decisions.csv", schema.REVIEW_DECISIONS, LOG_ROWS)
    result = ingest(raw_dir, AS_OF)
    decisions = result.tables["decisions"]
    assert list(decisions["case_number"]) == ["BA123456", "VA654321"]
    found = reasons(result, "review_decisions.csv")
    assert sorted(found) == sorted(LOG_REASONS)
    for row, words in LOG_REASONS.items():
        assert words in found[row], (row, found[row])
    assert accounting(result)["review_decisions.csv"] == (9, 2, 7)
    assert_balanced(result)
    # The same file through the office's reader: the same rows kept, the same reasons.
    kept, quarantine = read_decision_log(raw_dir / "review_decisions.csv")
    assert list(kept["case_number"]) == list(decisions["case_number"])
    assert kept.attrs["comments"] == 1
    assert set(quarantine["row"]) == set(LOG_REASONS) - {4}


def test_the_template_ingests_to_no_decisions(raw_dir: Path) -> None:
    write_template(raw_dir / "review_decisions.csv")
    (raw_dir / "review_decisions.xlsx").unlink()
    result = ingest(raw_dir, AS_OF)
    assert result.tables["decisions"].empty
    assert set(result.quarantine["reason"]) == {
        "comment row (first cell starts with #, as the template's EXAMPLE rows): skipped"
    }
    assert_balanced(result)


# ------------------------------------------------------------------------------------------ ethnicity


def test_ethnicity_ignores_case_and_spacing_and_quarantines_the_rest(raw_dir: Path) -> None:
    path = raw_dir / "demographics.csv"
    text = path.read_text()
    text = text.replace(",Mexican,", ",  MEXICAN ,", 1).replace(",White,", ",Martian,", 1)
    path.write_text(text)
    result = ingest(raw_dir, AS_OF)
    people = result.tables["people"].set_index("cdcno")
    assert people.loc["0f0f0f0f", "ethnicity"] == "Mexican"
    assert people.loc["0f0f0f0f", "race_group"] == "Hispanic/Latino"
    assert "12345678" not in people.index  # the Martian row
    q = result.quarantine
    bad = q[q["column"] == "ethnicity"].iloc[0]
    assert bad["value"] == "Martian" and bad["reason"].startswith("unknown ethnicity")


# ------------------------------------------------------------------------------------- damaged bytes


def test_a_nul_byte_after_the_first_4kb_quarantines_its_row(raw_dir: Path) -> None:
    path = raw_dir / "current_commitments.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(",Initial,", ",Initial" + " " * 5000 + ",", 1)  # past 4 KB
    damaged = lines[3].replace("Murder 2nd", "Mur\x00der 2nd", 1)
    assert damaged != lines[3]
    path.write_text("\n".join([*lines[:3], damaged, *lines[4:]]) + "\n")
    assert path.read_bytes().index(b"\x00") > 4096
    result = ingest(raw_dir, AS_OF)
    (row, reason), *_ = reasons(result, "current_commitments.csv").items()
    assert "NUL byte" in reason
    assert not result.tables["offenses"]["description"].str.contains("\x00").any()
    assert accounting(result)["current_commitments.csv"] == (6, 5, 1)


def test_a_binary_header_is_still_a_file_level_error(raw_dir: Path) -> None:
    (raw_dir / "demographics.csv").write_bytes(b"cdcno\x00\x00\x01,x\n1,2\n")
    with pytest.raises(InputError, match="is a binary file"):
        ingest(raw_dir, AS_OF)


def test_a_trailing_comma_is_tolerated_by_the_fast_path_too(raw_dir: Path) -> None:
    path = raw_dir / "current_commitments.csv"
    lines = path.read_text().splitlines()
    lines[2] += ","
    path.write_text("\n".join(lines) + "\n")
    result = ingest(raw_dir, AS_OF)
    assert result.quarantine.empty
    offenses = result.tables["offenses"]
    assert sorted(offenses.loc[offenses["role"] == "current", "source_row"]) == [2, 3, 4, 5, 6, 7]


def test_a_file_truncated_inside_a_quote_quarantines_the_last_row(raw_dir: Path) -> None:
    path = raw_dir / "demographics.csv"
    path.write_text(path.read_text() + 'ffffeeee,40,"White,PC459 2nd')
    result = ingest(raw_dir, AS_OF)
    problem = result.quarantine.iloc[0]
    assert problem["row"] == 6 and "ends inside a quoted field" in problem["reason"]
    assert accounting(result)["demographics.csv"] == (5, 4, 1)
    assert len(result.tables["people"]) == 4


# ------------------------------------------------------------------------------------------- UTF-16


def test_utf16_with_the_option_and_named_without_it(raw_dir: Path) -> None:
    path = raw_dir / "demographics.csv"
    path.write_bytes(path.read_text().encode("utf-16"))
    with pytest.raises(InputError) as info:
        ingest(raw_dir, AS_OF)
    assert "UTF-16" in str(info.value) and "--encoding utf-16" in str(info.value)
    assert "\n" not in str(info.value)
    for name in ("current_commitments.csv", "prior_commitments.csv"):
        other = raw_dir / name
        other.write_bytes(other.read_text().encode("utf-16"))
    result = ingest(raw_dir, AS_OF, encoding="utf-16")
    assert result.quarantine.empty
    assert len(result.tables["people"]) == 4


# ------------------------------------------------------------------------------ files of the same name


def _dsa_demographics(folder: Path, bad_birthday: str) -> None:
    rows = []
    for i, r in enumerate(PEOPLE):
        birthday = bad_birthday if i == 1 else "03/02/1964"
        rows.append(
            [r[0], "SYNTHETIC, PERSON", birthday, r[2], "Male", *r[3:14], "19", "III", "40", "N"]
            + ["CCCMS"]
        )
    write_csv(folder / "dsa" / "demographics.csv", schema.DEMOGRAPHICS_DSA, rows)


def test_a_bad_row_in_a_dsa_extra_names_that_file(raw_dir: Path) -> None:
    _dsa_demographics(raw_dir, "13/45/1964")
    result = ingest(raw_dir, AS_OF)
    files = set(result.quarantine["file"])
    assert files == {"dsa/demographics.csv"}, files
    table = accounting(result)
    assert "demographics.csv" in table and "dsa/demographics.csv" in table
    assert table["dsa/demographics.csv"][2] == 1


def test_a_file_level_error_in_a_dsa_extra_names_that_file(raw_dir: Path) -> None:
    (raw_dir / "dsa").mkdir()
    (raw_dir / "dsa" / "demographics.csv").write_text("")
    with pytest.raises(InputError, match=r"^dsa/demographics\.csv: the file is empty"):
        ingest(raw_dir, AS_OF)


# -------------------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("=1+1", "not a CDCR number: starts with '='"),
        ("+a1b2c3d4", "not a CDCR number: starts with '+'"),
        ("-a1b2c3d4", "not a CDCR number: starts with '-'"),
        ("@a1b2c3d4", "not a CDCR number: starts with '@'"),
        ("\ta1b2c3d4", "not a CDCR number: starts with '\\t'"),
        ("a1b2<c3d4", "not a CDCR number: holds '<'"),
    ],
)
def test_identifiers_that_are_not_identifiers_are_quarantined(
    raw_dir: Path, value: str, reason: str
) -> None:
    path = raw_dir / "demographics.csv"
    lines = path.read_text().splitlines()
    lines[1] = '"' + value + '"' + lines[1][len("a1b2c3d4") :]
    path.write_text("\n".join(lines) + "\n")
    result = ingest(raw_dir, AS_OF)
    first = result.quarantine.iloc[0]
    assert first["file"] == "demographics.csv" and first["row"] == 2
    assert first["column"] == "cdcno" and reason in first["reason"]
    assert "a1b2c3d4" not in set(result.tables["people"]["cdcno"])


def test_a_formula_case_number_in_a_commitment_is_quarantined(raw_dir: Path) -> None:
    path = raw_dir / "current_commitments.csv"
    text = path.read_text()
    assert ",BA123456," in text
    path.write_text(text.replace(",BA123456,", ",\"=cmd|' /C calc'!A0\",", 1))
    result = ingest(raw_dir, AS_OF)
    problem = result.quarantine.iloc[0]
    assert problem["column"] == "case number"
    assert problem["reason"].startswith("not a case number: starts with '='")


@pytest.mark.parametrize(
    ("cdcno", "case"),
    [  # the 2023 and 2026 hashes, DSA numbers; case numbers as superior courts write them
        ("a1b2c3d4e5", "BA123456"),
        ("ABCDEF12", "17F259669"),
        ("AB1234", "CR-2019-001234"),
        ("T12345", "SCD 12345/01"),
        ("ab1234", "VCF123456.01"),
        ("C99999", "KA-0 (A)"),
    ],
)
def test_real_identifier_shapes_are_kept(raw_dir: Path, cdcno: str, case: str) -> None:
    path = raw_dir / "demographics.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("a1b2c3d4", cdcno, 1).replace("BA123456", case, 1)
    path.write_text("\n".join(lines) + "\n")
    for name in ("current_commitments.csv", "prior_commitments.csv"):
        other = raw_dir / name
        other.write_text(other.read_text().replace("a1b2c3d4", cdcno))
    result = ingest(raw_dir, AS_OF)
    assert result.quarantine.empty, result.quarantine.to_dict("records")
    people = result.tables["people"].set_index("cdcno")
    assert people.loc[cdcno, "controlling_case_number"] == case


def test_summary_counts_rows_of_every_file_once(raw_dir: Path) -> None:
    result = ingest(raw_dir, AS_OF)
    summary = result.summary()
    assert list(summary["file"]) == [
        "demographics.csv",
        "current_commitments.csv",
        "prior_commitments.csv",
    ]
    assert isinstance(summary, pd.DataFrame)


def test_the_site_ingest_table_lists_dsa_files_under_their_own_paths(
    raw_dir: Path, tmp_path: Path
) -> None:
    from helpers.data.ingest import write_processed
    from helpers.site.tables import write_ingest_tables

    _dsa_demographics(raw_dir, "03/02/1964")
    processed = write_processed(ingest(raw_dir, AS_OF), tmp_path / "processed")
    write_ingest_tables(processed, tmp_path)
    files = list(pd.read_csv(tmp_path / "ingest_summary.csv")["File"])
    assert "demographics.csv" in files and "dsa/demographics.csv" in files
