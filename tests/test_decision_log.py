"""The review-decision log: format, validation with quarantine, and the template round trip."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from helpers.data.decision_log import (
    COLUMNS,
    EXAMPLE_ROWS,
    read_decision_log,
    reason_codes,
    split_codes,
    write_template,
)
from helpers.errors import InputError

GOOD = ["BA100001", "AB1234", "Los Angeles", "2025-03-14", "resentenced", "216", "AGE;REHAB", "", "Deputy DA"]  # fmt: skip


def write_csv(path: Path, rows: list[list[str]], header: list[str] = COLUMNS) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def test_valid_log_is_normalised(tmp_path: Path) -> None:
    rows = [
        GOOD,
        ["VA200002", "CD5678", "LOS ANGELES COUNTY", "3/15/2025", "Not Referred", "",
         " public_safety ; rules_violations ", "two RVRs", "Head Deputy"],
        ["SCD3", "EF9012", "san diego", "2024-12-01", "denied", "", "COURT_DECLINED", "", ""],
    ]  # fmt: skip
    frame, quarantine = read_decision_log(write_csv(tmp_path / "log.csv", rows))
    assert quarantine.empty
    assert frame.attrs == {"rows_in": 3, "comments": 0, "kept": 3, "quarantined": 0}
    assert frame["county"].tolist() == ["Los Angeles", "Los Angeles", "San Diego"]
    assert frame["decision"].tolist() == ["resentenced", "not referred", "denied"]
    assert frame["reason_codes"].tolist() == ["AGE;REHAB", "PUBLIC_SAFETY;RULES_VIOLATIONS", "COURT_DECLINED"]  # fmt: skip
    assert frame["date_reviewed"].tolist() == [pd.Timestamp("2025-03-14"), pd.Timestamp("2025-03-15"), pd.Timestamp("2024-12-01")]  # fmt: skip
    assert frame["new_sentence_months"].iloc[0] == 216.0
    assert pd.isna(frame["new_sentence_months"].iloc[1])
    assert frame["source_row"].tolist() == [2, 3, 4]


def test_reason_codes_cover_the_generator() -> None:
    from helpers.synthetic.decisions import REASON_CODES

    codes = reason_codes()
    assert list(codes.columns[:3]) == ["code", "meaning", "source"]
    assert set(REASON_CODES) <= set(codes["code"])
    assert codes["source"].str.len().min() > 10
    assert split_codes(pd.Series(["a; b,c|d", ""])).tolist() == [["A", "B", "C", "D"], []]


def test_bad_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    future = (date.today() + timedelta(days=30)).isoformat()
    g = GOOD
    rows = [
        g,  # row 2 kept
        ["BA3", "", *g[2:]],  # 3 blank cdcno
        ["BA4", "X4", "Atlantis", *g[3:]],  # 4 unknown county
        ["BA5", "X5", g[2], "2025-13-45", *g[4:]],  # 5 impossible date
        ["BA6", "X6", g[2], future, *g[4:]],  # 6 future date
        ["BA7", "X7", g[2], g[3], "maybe", "", *g[6:]],  # 7 unknown decision
        ["BA8", "X8", *g[2:6], "AGE;LUCK", *g[7:]],  # 8 unknown reason code
        ["BA9", "X9", *g[2:6], "", *g[7:]],  # 9 no reason code
        ["BA10", "X10", *g[2:5], "", *g[6:]],  # 10 resentenced without new sentence
        [
            "BA11",
            "X11",
            g[2],
            g[3],
            "not referred",
            "120",
            *g[6:],
        ],  # 11 months on a non-resentencing
        ["BA12", "X12", *g[2:5], "-5", *g[6:]],  # 12 negative months
        ["BA13", "X13", *g[2:6], "OTHER", "", g[8]],  # 13 OTHER without text
        list(g),  # 14 exact duplicate of row 2
        ["", "X15", *g[2:]],  # 15 blank case number
        ["BA16", "X16", "Los Angeles"],  # 16 truncated row
        ["# note: checked by the unit", "", "", "", "", "", "", "", ""],  # 17 comment
    ]
    frame, q = read_decision_log(write_csv(tmp_path / "bad.csv", rows))
    reasons = q.groupby("row")["reason"].agg(" | ".join).to_dict()
    expected = {
        3: "blank cdcno",
        4: "unknown California county",
        5: "unreadable or impossible date",
        6: "date in the future",
        7: "unknown decision (expected one of: not referred, referred, resentenced, denied)",
        8: "unknown reason code 'LUCK' (see data/reference/decision_reason_codes.csv)",
        9: "no reason code (at least one code of decision_reason_codes.csv is needed)",
        10: "a 'resentenced' decision needs new_sentence_months",
        11: "new_sentence_months given but the decision is not 'resentenced'",
        12: "negative number",
        13: "reason code OTHER needs a reason_text",
        14: "duplicate of row 2",
        15: "blank case number",
        16: "truncated or malformed row: 3 fields where the header has 9",
    }
    assert sorted(reasons) == sorted(expected)
    for row, reason in expected.items():
        assert reason in reasons[row], (row, reasons[row])
    assert q.loc[q["row"] == 4, "column"].tolist() == ["county"]
    assert q.loc[q["row"] == 8, "value"].tolist() == ["AGE;LUCK"]
    assert frame["case_number"].tolist() == ["BA100001"]
    assert frame.attrs == {"rows_in": 16, "comments": 1, "kept": 1, "quarantined": 14}
    assert frame.attrs["kept"] + frame.attrs["quarantined"] + frame.attrs["comments"] == 16


def test_conflicting_decisions_quarantine_every_copy(tmp_path: Path) -> None:
    other = [
        "BA100001",
        "AB1234",
        "Los Angeles",
        "2025-03-14",
        "denied",
        "",
        "PUBLIC_SAFETY",
        "",
        "",
    ]
    frame, q = read_decision_log(write_csv(tmp_path / "c.csv", [GOOD, other, GOOD[:1] + ["ZZ1"] + GOOD[2:]]))  # fmt: skip
    assert sorted(q["row"].unique()) == [2, 3]
    assert set(q["reason"]) == {"conflicting decisions for the same cdcno and date_reviewed"}
    assert frame["cdcno"].tolist() == ["ZZ1"]


def test_file_level_errors(tmp_path: Path) -> None:
    missing = write_csv(tmp_path / "m.csv", [GOOD[:-1]], header=COLUMNS[:-1])
    with pytest.raises(InputError) as err:
        read_decision_log(missing)
    assert str(err.value).startswith(
        "m.csv, row 1, column 'reviewer_role': missing decision-log column"
    )
    renamed = write_csv(tmp_path / "r.csv", [GOOD], header=["Case Number", *COLUMNS[1:4], "decison", *COLUMNS[5:]])  # fmt: skip
    with pytest.raises(InputError, match=r"column 'decision': missing decision-log column \(found 'decison': rename it\)"):  # fmt: skip
        read_decision_log(renamed)
    spaced = write_csv(tmp_path / "s.csv", [GOOD], header=[c.replace("_", " ").title() for c in COLUMNS])  # fmt: skip
    frame, q = read_decision_log(spaced)
    assert len(frame) == 1 and q.empty
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputError, match="empty.csv: the file is empty"):
        read_decision_log(tmp_path / "empty.csv")
    with pytest.raises(InputError, match="no such file"):
        read_decision_log(tmp_path / "nope.xlsx")


def test_xlsx_rows_numbered_like_the_sheet(tmp_path: Path) -> None:
    rows = [GOOD, ["BA2", "X2", "Los Angeles", "2025-01-02", "referred", "", "NOPE", "", ""]]
    path = tmp_path / "log.xlsx"
    pd.DataFrame(rows, columns=COLUMNS).to_excel(path, index=False)
    frame, q = read_decision_log(path)
    assert frame["cdcno"].tolist() == ["AB1234"]
    assert q[["row", "column"]].values.tolist() == [[3, "reason_codes"]]


def test_template_round_trip(tmp_path: Path) -> None:
    paths = write_template(tmp_path / "decision_log_template.csv")
    assert [p.name for p in paths] == ["decision_log_template.csv", "decision_log_template.xlsx"]
    text = paths[0].read_text()
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert text.count("# EXAMPLE") == 2
    for path in paths:
        frame, q = read_decision_log(path)
        assert (len(frame), len(q)) == (0, 0)
        assert frame.attrs == {"rows_in": 2, "comments": 2, "kept": 0, "quarantined": 0}
    sheets = pd.read_excel(paths[1], sheet_name=None)
    assert list(sheets) == ["decisions", "reason codes", "instructions"]
    assert len(sheets["reason codes"]) == len(reason_codes())
    # Un-commenting the examples gives two valid rows equal to the documented examples.
    filled = tmp_path / "filled.csv"
    filled.write_text(text.replace("# EXAMPLE ", ""))
    frame, q = read_decision_log(filled)
    assert q.empty
    assert frame["case_number"].tolist() == [r["case_number"] for r in EXAMPLE_ROWS]
    assert frame["decision"].tolist() == ["resentenced", "not referred"]
    assert frame["new_sentence_months"].iloc[0] == 216.0
    assert frame["reason_codes"].tolist() == [r["reason_codes"] for r in EXAMPLE_ROWS]


def test_shipped_template_matches_the_writer(tmp_path: Path) -> None:
    shipped = (
        Path(__file__).resolve().parents[1] / "data" / "reference" / "decision_log_template.csv"
    )
    fresh = write_template(tmp_path / "t.csv")[0]
    assert shipped.read_text() == fresh.read_text()
